//! Server-sent events, parsed incrementally from the chunks a streamed answer arrives in.
//!
//! Both wire formats stream this way: OpenAI sends `data: {json}` lines and a final
//! `data: [DONE]`; Anthropic names each event (`event: content_block_delta`).

use std::time::Duration;

use super::{Completion, ProviderError, Sink, Usage};

/// A streamed answer as far as it has arrived.
pub(super) struct Partial {
    pub completion: Completion,
    /// Some text already reached the caller's sink.
    delivered: bool,
}

impl Partial {
    fn new(requested_model: &str) -> Self {
        Self {
            completion: Completion {
                text: String::new(),
                model: requested_model.to_string(),
                usage: Usage::default(),
                finish_reason: None,
            },
            delivered: false,
        }
    }

    /// Appends generated text and hands it to the sink.
    pub fn push(&mut self, text: &str, sink: Option<Sink<'_>>) {
        if text.is_empty() {
            return;
        }
        self.completion.text.push_str(text);
        if let Some(sink) = sink {
            sink(text);
            self.delivered = true;
        }
    }

    fn truncated(self) -> ProviderError {
        ProviderError::Truncated {
            partial: self.completion.text,
            delivered: self.delivered,
        }
    }
}

/// What a wire format does with one event: `Ok(true)` when the answer is complete.
pub(super) type Decode = fn(&mut Partial, &Event, Option<Sink<'_>>) -> Result<bool, ProviderError>;

/// Reads a streamed answer to its end. A stream that stops before the decoder saw the end is
/// `Truncated`, never a short answer passed off as whole.
pub(super) async fn read(
    mut response: reqwest::Response,
    decode: Decode,
    requested_model: &str,
    sink: Option<Sink<'_>>,
    timeout: Duration,
) -> Result<Completion, ProviderError> {
    let mut parser = Parser::default();
    let mut partial = Partial::new(requested_model);
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) if e.is_timeout() => return Err(ProviderError::Timeout(timeout)),
            Err(_) => return Err(partial.truncated()),
        };
        for event in parser.feed(&chunk) {
            if decode(&mut partial, &event, sink)? {
                return Ok(partial.completion);
            }
        }
    }
    if let Some(event) = parser.finish() {
        if decode(&mut partial, &event, sink)? {
            return Ok(partial.completion);
        }
    }
    Err(partial.truncated())
}

/// One event: its name (empty when the stream does not name events) and its data lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Event {
    pub name: String,
    pub data: String,
}

/// Buffers bytes until whole events are in. A chunk may end mid-line or mid-UTF-8 character.
#[derive(Debug, Default)]
pub(super) struct Parser {
    buffer: Vec<u8>,
    name: String,
    data: Vec<String>,
}

impl Parser {
    /// Feeds a chunk; returns the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Event> {
        self.buffer.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if !self.data.is_empty() {
                    events.push(Event {
                        name: std::mem::take(&mut self.name),
                        data: std::mem::take(&mut self.data).join("\n"),
                    });
                }
                self.name.clear();
                continue;
            }
            if line.starts_with(':') {
                continue; // a comment, sent as a keep-alive
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "data" => self.data.push(value.to_string()),
                "event" => self.name = value.to_string(),
                _ => {} // id, retry: nothing a completion needs
            }
        }
        events
    }

    /// The event still open when the stream ended, if its data is complete JSON (some servers
    /// omit the blank line after the last event).
    pub fn finish(&mut self) -> Option<Event> {
        if !self.buffer.is_empty() {
            // Ends the pending line; a single newline never ends an event, so nothing is lost.
            let _ = self.feed(b"\n");
        }
        if self.data.is_empty() {
            return None;
        }
        Some(Event {
            name: std::mem::take(&mut self.name),
            data: std::mem::take(&mut self.data).join("\n"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_and_line_endings() {
        let mut parser = Parser::default();
        let mut events = parser.feed(b"data: {\"a\"");
        assert!(events.is_empty());
        events.extend(parser.feed(b":1}\r\n\r\n: keep-alive\n\nevent: ping\ndata: x\n"));
        events.extend(parser.feed(b"data: y\n\ndata: [DONE]\n\n"));
        assert_eq!(
            events,
            vec![
                Event {
                    name: String::new(),
                    data: "{\"a\":1}".into()
                },
                Event {
                    name: "ping".into(),
                    data: "x\ny".into()
                },
                Event {
                    name: String::new(),
                    data: "[DONE]".into()
                },
            ]
        );
        assert_eq!(parser.finish(), None);
    }

    #[test]
    fn a_multibyte_character_split_between_chunks_survives() {
        let mut parser = Parser::default();
        let text = "data: héllo\n\n".as_bytes();
        let (a, b) = text.split_at(8); // inside "é"
        assert!(parser.feed(a).is_empty());
        assert_eq!(parser.feed(b)[0].data, "héllo");
    }

    proptest::proptest! {
        /// However a stream is cut into chunks, the same events come out, and nothing panics.
        #[test]
        fn chunking_never_changes_the_events(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            cuts in proptest::collection::vec(0usize..400, 0..8),
        ) {
            let mut whole = Parser::default();
            let mut expected = whole.feed(&body);
            expected.extend(whole.finish());
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(body.len())).collect();
            cuts.sort_unstable();
            let mut pieces = Parser::default();
            let mut got = Vec::new();
            let mut start = 0;
            for cut in cuts.into_iter().chain([body.len()]) {
                got.extend(pieces.feed(&body[start..cut]));
                start = cut;
            }
            got.extend(pieces.finish());
            proptest::prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn a_last_event_without_its_blank_line_is_kept() {
        let mut parser = Parser::default();
        assert!(parser.feed(b"data: {\"done\":true}").is_empty());
        assert_eq!(
            parser.finish().map(|e| e.data),
            Some("{\"done\":true}".into())
        );
    }
}
