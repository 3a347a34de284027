//! Rendered text to messages and parts: dotprompt's `toMessages`, `toParts` and `insertHistory`.

use serde_json::{Map, Value, json};

use super::helpers::{HISTORY_MARKER, MEDIA_MARKER, ROLE_MARKER, SECTION_MARKER};

struct Source {
    role: String,
    text: String,
    metadata: Option<Map<String, Value>>,
    /// History messages are passed through as given.
    content: Option<Value>,
}

impl Source {
    fn new(role: &str) -> Self {
        Self {
            role: role.into(),
            text: String::new(),
            metadata: None,
            content: None,
        }
    }
}

/// Splits rendered text into messages. `history` is the `messages` of the render data.
pub(super) fn to_messages(rendered: &str, history: Option<&[Value]>) -> Vec<Value> {
    let mut sources = vec![Source::new("user")];
    for piece in split_keeping_markers(rendered, is_role_or_history_marker) {
        let (is_marker, piece) = match piece {
            Piece::Marker(marker) => (true, marker),
            Piece::Text(text) if text.trim().is_empty() => continue,
            Piece::Text(text) => (false, text),
        };
        if !is_marker {
            if let Some(current) = sources.last_mut() {
                current.text.push_str(piece);
            }
        } else if let Some(marker) = piece.strip_prefix(ROLE_MARKER) {
            let (role, metadata) = parse_role_marker(marker);
            let current = sources.last_mut();
            match current {
                Some(current) if current.text.trim().is_empty() && current.content.is_none() => {
                    current.role = role;
                    if let Some(metadata) = metadata {
                        current
                            .metadata
                            .get_or_insert_with(Map::new)
                            .extend(metadata);
                    }
                }
                _ => {
                    let mut source = Source::new(&role);
                    source.metadata = metadata;
                    sources.push(source);
                }
            }
        } else if piece.starts_with(HISTORY_MARKER) {
            for message in history.unwrap_or_default() {
                sources.push(history_source(message, true));
            }
            sources.push(Source::new("model"));
        }
    }

    let messages: Vec<Value> = sources
        .into_iter()
        .filter(|s| s.content.is_some() || !s.text.is_empty())
        .map(|s| {
            let content = s.content.unwrap_or_else(|| Value::Array(to_parts(&s.text)));
            let mut message = Map::new();
            message.insert("role".into(), json!(s.role));
            message.insert("content".into(), content);
            if let Some(metadata) = s.metadata {
                message.insert("metadata".into(), Value::Object(metadata));
            }
            Value::Object(message)
        })
        .collect();
    insert_history(messages, history)
}

fn history_source(message: &Value, tag: bool) -> Source {
    let role = message
        .get("role")
        .and_then(Value::as_str)
        .unwrap_or("user");
    let mut metadata = message
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if tag {
        metadata.insert("purpose".into(), json!("history"));
    }
    Source {
        role: role.into(),
        text: String::new(),
        metadata: (!metadata.is_empty()).then_some(metadata),
        content: Some(message.get("content").cloned().unwrap_or(json!([]))),
    }
}

/// Without a `{{history}}` marker, history goes before the last message when that is the
/// user's, otherwise at the end; it is passed through untagged.
fn insert_history(mut messages: Vec<Value>, history: Option<&[Value]>) -> Vec<Value> {
    let Some(history) = history else {
        return messages;
    };
    let has_history = messages.iter().any(|m| {
        m.get("metadata")
            .and_then(|meta| meta.get("purpose"))
            .and_then(Value::as_str)
            == Some("history")
    });
    if has_history {
        return messages;
    }
    if messages.is_empty() {
        return history.to_vec();
    }
    let last_is_user = messages
        .last()
        .and_then(|m| m.get("role"))
        .and_then(Value::as_str)
        == Some("user");
    if last_is_user {
        let last = messages.pop();
        messages.extend(history.iter().cloned());
        messages.extend(last);
    } else {
        messages.extend(history.iter().cloned());
    }
    messages
}

fn to_parts(text: &str) -> Vec<Value> {
    split_keeping_markers(text, is_media_or_section_marker)
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Text(text) if text.trim().is_empty() => None,
            Piece::Text(text) => Some(json!({ "text": text })),
            Piece::Marker(marker) => Some(marker_part(marker)),
        })
        .collect()
}

fn marker_part(piece: &str) -> Value {
    if piece.starts_with(MEDIA_MARKER) {
        let mut fields = piece.split(' ').skip(1);
        let mut media = Map::new();
        media.insert("url".into(), json!(fields.next().unwrap_or_default()));
        if let Some(content_type) = fields.next() {
            media.insert("contentType".into(), json!(content_type));
        }
        json!({ "media": media })
    } else {
        // Only media and section markers are split out here.
        let purpose = piece.split(' ').nth(1).unwrap_or_default();
        json!({ "metadata": { "purpose": purpose, "pending": true } })
    }
}

/// `<<<dotprompt:role:NAME k=v ...` (without `>>>`) → role and metadata.
fn parse_role_marker(marker: &str) -> (String, Option<Map<String, Value>>) {
    let mut fields = marker.split(' ');
    let role = fields.next().unwrap_or("user").to_string();
    let metadata: Map<String, Value> = fields
        .filter_map(|field| field.split_once('='))
        .map(|(key, value)| (key.to_string(), json!(value)))
        .collect();
    (role, (!metadata.is_empty()).then_some(metadata))
}

/// Finds `<<<dotprompt:role:[a-z]+( [^>]+)?>>>` and `<<<dotprompt:history>>>`: returns the
/// marker's length without `>>>`.
fn is_role_or_history_marker(text: &str) -> Option<usize> {
    if text.starts_with(HISTORY_MARKER) && text[HISTORY_MARKER.len()..].starts_with(">>>") {
        return Some(HISTORY_MARKER.len());
    }
    let rest = text.strip_prefix(ROLE_MARKER)?;
    let name_len = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    if name_len == 0 {
        return None;
    }
    let after = &rest[name_len..];
    let attrs_len = match after.strip_prefix(' ') {
        Some(attrs) => {
            let len = attrs.find('>')?;
            if len == 0 {
                return None;
            }
            1 + len
        }
        None => 0,
    };
    after[attrs_len..]
        .starts_with(">>>")
        .then_some(ROLE_MARKER.len() + name_len + attrs_len)
}

/// Finds `<<<dotprompt:(media:url|section).*?>>>` (not across lines).
fn is_media_or_section_marker(text: &str) -> Option<usize> {
    let prefix = [MEDIA_MARKER, SECTION_MARKER]
        .into_iter()
        .find(|p| text.starts_with(p))?;
    let end = text.find(">>>")?;
    (!text[prefix.len()..end].contains('\n')).then_some(end)
}

/// `String.split` with a capturing regex: the text between markers, and each marker without
/// its `>>>`, in order.
enum Piece<'a> {
    Text(&'a str),
    /// A marker without its `>>>`.
    Marker(&'a str),
}

fn split_keeping_markers(text: &str, marker_at: fn(&str) -> Option<usize>) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut piece_start = 0;
    let mut at = 0;
    while let Some(found) = text[at..].find("<<<dotprompt:") {
        let start = at + found;
        match marker_at(&text[start..]) {
            Some(len) => {
                pieces.push(Piece::Text(&text[piece_start..start]));
                pieces.push(Piece::Marker(&text[start..start + len]));
                piece_start = start + len + 3;
                at = piece_start;
            }
            None => at = start + 1,
        }
    }
    pieces.push(Piece::Text(&text[piece_start..]));
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_split_messages_and_empty_ones_vanish() {
        let messages = to_messages(
            "<<<dotprompt:role:system>>>hi from system\n<<<dotprompt:role:user>>>howdy\n",
            None,
        );
        assert_eq!(
            Value::Array(messages),
            json!([
                {"role": "system", "content": [{"text": "hi from system\n"}]},
                {"role": "user", "content": [{"text": "howdy\n"}]}
            ])
        );
    }

    #[test]
    fn role_metadata_and_uppercase_roles() {
        let messages = to_messages("<<<dotprompt:role:user purpose=preamble foo=bar>>>x", None);
        assert_eq!(
            messages[0]["metadata"],
            json!({"purpose": "preamble", "foo": "bar"})
        );
        let literal = to_messages("<<<dotprompt:role:System>>>x", None);
        assert_eq!(
            literal[0]["content"][0]["text"],
            "<<<dotprompt:role:System>>>x"
        );
    }

    #[test]
    fn history_marker_inserts_tagged_history_then_model() {
        let history = [json!({"role": "user", "content": [{"text": "Hello"}]})];
        let messages = to_messages(
            "<<<dotprompt:role:system>>>S\n<<<dotprompt:history>>>\nafter",
            Some(&history),
        );
        assert_eq!(
            Value::Array(messages),
            json!([
                {"role": "system", "content": [{"text": "S\n"}]},
                {"role": "user", "content": [{"text": "Hello"}], "metadata": {"purpose": "history"}},
                {"role": "model", "content": [{"text": "\nafter"}]}
            ])
        );
    }

    #[test]
    fn implicit_history_goes_before_the_last_user_message() {
        let history = [json!({"role": "user", "content": [{"text": "hello"}]})];
        let messages = to_messages("<<<dotprompt:role:system>>>S\n", Some(&history));
        assert_eq!(messages[1], history[0]);
        let messages = to_messages(
            "<<<dotprompt:role:system>>>S<<<dotprompt:role:user>>>Q",
            Some(&history),
        );
        assert_eq!(messages[1], history[0]);
        assert_eq!(messages[2]["content"][0]["text"], "Q");
    }

    #[test]
    fn media_and_section_parts() {
        let messages = to_messages(
            "<<<dotprompt:section intro>>>\nHi\n<<<dotprompt:media:url https://x/y.png image/png>>><<<dotprompt:media:url u>>>",
            None,
        );
        assert_eq!(
            messages[0]["content"],
            json!([
                {"metadata": {"purpose": "intro", "pending": true}},
                {"text": "\nHi\n"},
                {"media": {"url": "https://x/y.png", "contentType": "image/png"}},
                {"media": {"url": "u"}}
            ])
        );
    }

    #[test]
    fn nothing_rendered_is_no_messages() {
        assert!(to_messages("", None).is_empty());
        assert!(to_messages("  \n", None).is_empty());
    }
}
