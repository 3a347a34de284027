//! Source spans for every key and value of the front matter.
//!
//! `yaml_serde` gives the values but no positions, so the YAML is read a second time with the
//! event parser `saphyr-parser`, which reports where each node starts and ends.

use saphyr_parser::{Event, Parser, Span as YamlSpan};

use crate::text::Span;

/// One node of the front matter: its path from the root (mapping keys, and sequence indices as
/// decimal strings), the span of its key (for mapping entries) and of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlNode {
    pub path: Vec<String>,
    pub key: Option<Span>,
    pub value: Span,
}

/// Every node of a YAML document, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanMap {
    nodes: Vec<YamlNode>,
}

impl SpanMap {
    /// Reads `source[yaml]`. A document the event parser rejects yields the nodes read before
    /// the error (the caller reports the error from `yaml_serde`).
    pub fn build(source: &str, yaml: Span) -> Self {
        let text = yaml.text(source);
        let offsets = CharOffsets::new(text, yaml.start);
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        while let Some(Ok((event, span))) = parser.next_event() {
            builder.event(event, offsets.span(span));
        }
        Self {
            nodes: builder.nodes,
        }
    }

    pub fn nodes(&self) -> &[YamlNode] {
        &self.nodes
    }

    /// The node at `path` (`["input", "schema", "name?"]`). With a duplicated key, the last
    /// one: its value is the one the YAML reader keeps.
    pub fn get<S: AsRef<str>>(&self, path: &[S]) -> Option<&YamlNode> {
        self.nodes.iter().rev().find(|node| {
            node.path.len() == path.len()
                && node.path.iter().zip(path).all(|(a, b)| a == b.as_ref())
        })
    }

    /// Mapping keys written a second time in the same mapping (the later occurrences), not
    /// counting keys inside a collection that is itself a duplicate.
    pub fn duplicate_keys(&self) -> impl Iterator<Item = &YamlNode> {
        let mut seen: std::collections::HashSet<&[String]> = std::collections::HashSet::new();
        let mut duplicated: Vec<&[String]> = Vec::new();
        let mut out = Vec::new();
        for node in &self.nodes {
            if node.key.is_none() {
                continue;
            }
            let inside_duplicate = duplicated
                .iter()
                .any(|d| node.path.len() > d.len() && node.path.starts_with(d));
            if !seen.insert(&node.path) && !inside_duplicate {
                duplicated.push(&node.path);
                out.push(node);
            }
        }
        out.into_iter()
    }

    /// The innermost node whose key or value contains `offset`.
    pub fn at_offset(&self, offset: usize) -> Option<&YamlNode> {
        self.nodes
            .iter()
            .filter(|n| n.value.contains(offset) || n.key.is_some_and(|k| k.contains(offset)))
            .max_by_key(|n| n.path.len())
    }
}

/// saphyr reports character indices; spans here are byte offsets into the whole document.
struct CharOffsets {
    byte_of_char: Vec<usize>,
    base: usize,
}

impl CharOffsets {
    fn new(text: &str, base: usize) -> Self {
        let mut byte_of_char: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        byte_of_char.push(text.len());
        Self { byte_of_char, base }
    }

    fn offset(&self, char_index: usize) -> usize {
        let last = self.byte_of_char.len() - 1;
        self.base + self.byte_of_char[char_index.min(last)]
    }

    fn span(&self, span: YamlSpan) -> Span {
        Span::new(
            self.offset(span.start.index()),
            self.offset(span.end.index()),
        )
    }
}

enum Frame {
    Mapping {
        start: usize,
        /// The key just read, waiting for its value.
        pending_key: Option<(String, Span)>,
    },
    Sequence {
        start: usize,
        next_index: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    /// The path of the collection on top of the stack.
    path: Vec<String>,
    /// For each open collection: (index into `nodes` of its own node, if it has one).
    open_nodes: Vec<Option<usize>>,
    nodes: Vec<YamlNode>,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) {
        match event {
            Event::Scalar(value, ..) => {
                self.value(Some(value.into_owned()), span, None);
            }
            Event::Alias(_) => {
                self.value(None, span, None);
            }
            Event::MappingStart(..) => {
                let node = self.value(None, span, Some(()));
                self.stack.push(Frame::Mapping {
                    start: span.start,
                    pending_key: None,
                });
                self.open_nodes.push(node);
            }
            Event::SequenceStart(..) => {
                let node = self.value(None, span, Some(()));
                self.stack.push(Frame::Sequence {
                    start: span.start,
                    next_index: 0,
                });
                self.open_nodes.push(node);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let start = match self.stack.pop() {
                    Some(Frame::Mapping { start, .. } | Frame::Sequence { start, .. }) => start,
                    None => return,
                };
                if let Some(Some(index)) = self.open_nodes.pop() {
                    // A block collection's end event sits at the next token (the following
                    // key, often lines later); a flow collection's is its closing bracket.
                    let children_end = self
                        .nodes
                        .get(index + 1..)
                        .and_then(|children| children.iter().map(|n| n.value.end).max())
                        .unwrap_or(start);
                    let end = if span.is_empty() {
                        children_end.max(start)
                    } else {
                        span.end.max(children_end).max(start)
                    };
                    self.nodes[index].value = Span::new(start, end);
                }
                if !self.stack.is_empty() {
                    self.path.pop();
                }
            }
            _ => {}
        }
    }

    /// Handles a node in value (or key) position. Returns the index of the node recorded for
    /// a collection that starts here (`opens` is `Some`), and pushes its path segment.
    fn value(&mut self, scalar: Option<String>, span: Span, opens: Option<()>) -> Option<usize> {
        let segment = match self.stack.last_mut() {
            None => {
                // The document root: no node of its own.
                return None;
            }
            Some(Frame::Mapping { pending_key, .. }) => match pending_key.take() {
                None => {
                    // A key. Complex (collection) keys are not addressable by path.
                    if opens.is_none() {
                        *pending_key = Some((scalar.unwrap_or_default(), span));
                    } else {
                        *pending_key = Some((String::new(), span));
                        self.path.push(String::new());
                        return None;
                    }
                    return None;
                }
                Some((key, key_span)) => (key, Some(key_span)),
            },
            Some(Frame::Sequence { next_index, .. }) => {
                let index = *next_index;
                *next_index += 1;
                (index.to_string(), None)
            }
        };
        let (name, key) = segment;
        let mut path = self.path.clone();
        path.push(name.clone());
        self.nodes.push(YamlNode {
            path,
            key,
            value: span,
        });
        if opens.is_some() {
            self.path.push(name);
            Some(self.nodes.len() - 1)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(source: &str) -> SpanMap {
        SpanMap::build(source, Span::new(0, source.len()))
    }

    #[test]
    fn keys_and_values_of_nested_mappings() {
        let source = "name: hello\ninput:\n  schema:\n    topic?: string, the topic\nconfig: {temperature: 0.2}\n";
        let spans = map(source);
        let name = spans.get(&["name"]).unwrap();
        assert_eq!(name.key.unwrap().text(source), "name");
        assert_eq!(name.value.text(source), "hello");
        let topic = spans.get(&["input", "schema", "topic?"]).unwrap();
        assert_eq!(topic.key.unwrap().text(source), "topic?");
        assert_eq!(topic.value.text(source), "string, the topic");
        let temperature = spans.get(&["config", "temperature"]).unwrap();
        assert_eq!(temperature.value.text(source), "0.2");
        let input = spans.get(&["input"]).unwrap();
        assert!(input.value.text(source).contains("topic?"));
    }

    #[test]
    fn sequences_are_indexed() {
        let source = "tools: [search, fetch]\nitems:\n  - a\n  - b: 1\n";
        let spans = map(source);
        assert_eq!(
            spans.get(&["tools", "1"]).unwrap().value.text(source),
            "fetch"
        );
        assert_eq!(
            spans.get(&["items", "1", "b"]).unwrap().value.text(source),
            "1"
        );
    }

    #[test]
    fn spans_count_bytes_of_non_ascii_text() {
        let source = "description: 日本語のプロンプト\nname: 名前\n";
        let spans = map(source);
        assert_eq!(spans.get(&["name"]).unwrap().value.text(source), "名前");
        let at = source.find("名前").unwrap();
        assert_eq!(spans.at_offset(at).unwrap().path, ["name"]);
    }

    #[test]
    fn broken_yaml_keeps_what_was_read() {
        let source = "name: ok\nbad: [unclosed\n";
        let spans = map(source);
        assert!(spans.get(&["name"]).is_some());
    }

    fn value_text<'s>(source: &'s str, map: &SpanMap, path: &[&str]) -> &'s str {
        map.get(path)
            .map_or("<none>", |node| node.value.text(source))
    }

    #[test]
    fn block_collections_end_at_their_last_child() {
        let source = "a:\n  b: 1\n  c: [x, y]\nd:\n  - 1\n  - 2\ne: {f: 1}\n";
        let map = SpanMap::build(source, Span::new(0, source.len()));
        assert_eq!(value_text(source, &map, &["a"]), "b: 1\n  c: [x, y]");
        assert_eq!(value_text(source, &map, &["d"]), "- 1\n  - 2");
        assert_eq!(value_text(source, &map, &["e"]), "{f: 1}");
        assert_eq!(value_text(source, &map, &["a", "c"]), "[x, y]");
    }

    #[test]
    fn duplicate_keys_resolve_to_the_last_and_are_listed() {
        let source = "model: a\nconfig:\n  t: 1\nmodel: b\nconfig:\n  t: 2\n";
        let map = SpanMap::build(source, Span::new(0, source.len()));
        assert_eq!(value_text(source, &map, &["model"]), "b");
        assert_eq!(value_text(source, &map, &["config", "t"]), "2");
        let duplicates: Vec<&str> = map
            .duplicate_keys()
            .map(|node| node.key.map_or("", |k| k.text(source)))
            .collect();
        assert_eq!(duplicates, ["model", "config"]);
    }
}
