//! What the cost rules share: the generation parameters a prompt sets (dotprompt `config`,
//! Prompty `model.parameters`), the model it names, and spans for editing front matter lines.

use serde_json::Value;

use crate::lint::{Context, Format};
use crate::models::ModelInfo;
use crate::text::Span;

/// One generation parameter as written in the front matter.
pub(super) struct Param<'a> {
    pub key: &'a str,
    pub value: &'a Value,
    pub key_span: Option<Span>,
    pub value_span: Option<Span>,
}

/// Where the format keeps generation parameters.
pub(super) fn params_path(format: Format) -> Option<&'static [&'static str]> {
    match format {
        Format::Dotprompt => Some(&["config"]),
        Format::Prompty => Some(&["model", "parameters"]),
        Format::Plain => None,
    }
}

/// The parameters the prompt sets, in file order.
pub(super) fn params<'a>(cx: &Context<'a>) -> Vec<Param<'a>> {
    let Some(path) = params_path(cx.format()) else {
        return Vec::new();
    };
    let Some(front_matter) = cx.front_matter() else {
        return Vec::new();
    };
    let Some(map) = front_matter.get(path).and_then(Value::as_object) else {
        return Vec::new();
    };
    map.iter()
        .map(|(key, value)| {
            let full: Vec<&str> = path.iter().copied().chain([key.as_str()]).collect();
            let node = front_matter.spans.get(&full);
            Param {
                key,
                value,
                key_span: node.and_then(|n| n.key),
                value_span: node.map(|n| n.value),
            }
        })
        .collect()
}

/// A parameter by any of its spellings (the first spelling present wins).
pub(super) fn param<'a>(cx: &Context<'a>, names: &[&str]) -> Option<Param<'a>> {
    let all = params(cx);
    names
        .iter()
        .find_map(|name| all.iter().position(|p| p.key == *name))
        .and_then(|i| all.into_iter().nth(i))
}

/// A YAML number, or a string holding one.
pub(super) fn number(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

/// The model the prompt names (or the configured default), its entry in the model table, and
/// the span of the name when it is written in the file.
pub(super) fn model<'c>(
    cx: &'c Context<'_>,
) -> Option<(&'c str, Option<&'c ModelInfo>, Option<Span>)> {
    let (name, span) = cx.model()?;
    let info = cx.options.models().lookup(name);
    Some((name, info, span))
}

/// A span without the quotes around a YAML scalar.
pub(super) fn unquoted(source: &str, span: Span) -> Span {
    let text = span.text(source);
    let quoted = text.len() >= 2
        && ((text.starts_with('"') && text.ends_with('"'))
            || (text.starts_with('\'') && text.ends_with('\'')));
    if quoted {
        Span::new(span.start + 1, span.end - 1)
    } else {
        span
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::text::entry_lines;

    #[test]
    fn entry_lines_cover_block_entries_only() {
        let source = "config:\n  temperature: 3 # hot\n  topP: 1\n";
        let key = Span::new(10, 21);
        let value = Span::new(23, 24);
        assert_eq!(
            entry_lines(source, key, value).map(|s| s.text(source)),
            Some("  temperature: 3 # hot\n")
        );
        let flow = "config: {temperature: 3, topP: 1}\n";
        assert_eq!(entry_lines(flow, Span::new(9, 20), Span::new(22, 23)), None);
    }
}
