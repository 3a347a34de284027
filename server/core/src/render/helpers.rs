//! Dotprompt's helpers for the handlebars crate. The structural helpers (`role`, `history`,
//! `section`, `media`) emit marker strings that `messages` later splits into messages and
//! parts, exactly as dotprompt's own runtimes do.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderErrorReason,
    Renderable,
};
use serde_json::Value;

pub(super) const ROLE_MARKER: &str = "<<<dotprompt:role:";
pub(super) const HISTORY_MARKER: &str = "<<<dotprompt:history";
pub(super) const MEDIA_MARKER: &str = "<<<dotprompt:media:url";
pub(super) const SECTION_MARKER: &str = "<<<dotprompt:section";

/// The helpers dotprompt registers, with the shape each is called in; the linter and the
/// language server read this table too.
pub const DOTPROMPT_HELPERS: [HelperInfo; 7] = [
    HelperInfo {
        name: "role",
        block: false,
        signature: r#"{{role "system"|"user"|"model" [key=value...]}}"#,
        summary: "Starts a new message with the given role; hash arguments become the message's metadata.",
    },
    HelperInfo {
        name: "history",
        block: false,
        signature: "{{history}}",
        summary: "Inserts the conversation history (`messages` of the render data) here.",
    },
    HelperInfo {
        name: "section",
        block: false,
        signature: r#"{{section "name"}}"#,
        summary: "Marks the start of a named section: a pending part that the caller fills in.",
    },
    HelperInfo {
        name: "media",
        block: false,
        signature: "{{media url=URL [contentType=TYPE]}}",
        summary: "Inserts a media part (image, audio, video, document) by URL or data URI.",
    },
    HelperInfo {
        name: "json",
        block: false,
        signature: "{{json value [indent=N]}}",
        summary: "Writes a value as JSON, compact or indented by N spaces.",
    },
    HelperInfo {
        name: "ifEquals",
        block: true,
        signature: "{{#ifEquals a b}}...{{else}}...{{/ifEquals}}",
        summary: "Renders its body when both arguments are strictly equal (no type coercion).",
    },
    HelperInfo {
        name: "unlessEquals",
        block: true,
        signature: "{{#unlessEquals a b}}...{{else}}...{{/unlessEquals}}",
        summary: "Renders its body when the arguments differ (no type coercion).",
    },
];

/// Handlebars' own helpers, always available.
pub const BUILTIN_HELPERS: [HelperInfo; 6] = [
    HelperInfo {
        name: "if",
        block: true,
        signature: "{{#if value}}...{{else}}...{{/if}}",
        summary: "Renders its body when the value is truthy (not false, null, empty or 0).",
    },
    HelperInfo {
        name: "unless",
        block: true,
        signature: "{{#unless value}}...{{/unless}}",
        summary: "Renders its body when the value is falsy.",
    },
    HelperInfo {
        name: "each",
        block: true,
        signature: "{{#each list as |item index|}}...{{else}}...{{/each}}",
        summary: "Renders its body for each item; `this`, `@index`, `@key`, `@first`, `@last` inside.",
    },
    HelperInfo {
        name: "with",
        block: true,
        signature: "{{#with value as |alias|}}...{{/with}}",
        summary: "Renders its body with the value as the context.",
    },
    HelperInfo {
        name: "lookup",
        block: false,
        signature: "{{lookup object key}}",
        summary: "Looks up a key or index that is only known at render time.",
    },
    HelperInfo {
        name: "log",
        block: false,
        signature: "{{log value}}",
        summary: "Logs a value while rendering; writes nothing.",
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelperInfo {
    pub name: &'static str,
    /// Meant to be used as a block (`{{#name}}`).
    pub block: bool,
    pub signature: &'static str,
    pub summary: &'static str,
}

/// Every helper a dotprompt template may call.
pub fn known_helpers() -> impl Iterator<Item = &'static HelperInfo> {
    BUILTIN_HELPERS.iter().chain(DOTPROMPT_HELPERS.iter())
}

pub(super) fn register(registry: &mut Handlebars<'_>) {
    registry.register_helper("role", Box::new(role));
    registry.register_helper("history", Box::new(history));
    registry.register_helper("section", Box::new(section));
    registry.register_helper("media", Box::new(media));
    registry.register_helper("json", Box::new(json));
    registry.register_helper("ifEquals", Box::new(CompareBlock { when_equal: true }));
    registry.register_helper("unlessEquals", Box::new(CompareBlock { when_equal: false }));
}

fn string_param<'a>(
    h: &'a Helper<'_>,
    helper: &'static str,
    index: usize,
) -> Result<&'a str, RenderErrorReason> {
    let value = h
        .param(index)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(helper, index))?;
    value.value().as_str().ok_or_else(|| {
        RenderErrorReason::ParamTypeMismatchForName(helper, index.to_string(), "string".into())
    })
}

fn role(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let role = string_param(h, "role", 0)?;
    let mut marker = format!("{ROLE_MARKER}{role}");
    for (key, value) in h.hash() {
        marker.push(' ');
        marker.push_str(key);
        marker.push('=');
        marker.push_str(&display(value.value()));
    }
    marker.push_str(">>>");
    out.write(&marker)?;
    Ok(())
}

fn history(
    _: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    out.write(&format!("{HISTORY_MARKER}>>>"))?;
    Ok(())
}

fn section(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let name = string_param(h, "section", 0)?;
    out.write(&format!("{SECTION_MARKER} {name}>>>"))?;
    Ok(())
}

fn media(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let url = h
        .hash_get("url")
        .and_then(|v| v.value().as_str())
        .ok_or_else(|| RenderErrorReason::ParamNotFoundForName("media", "url".into()))?;
    let marker = match h.hash_get("contentType").and_then(|v| v.value().as_str()) {
        Some(content_type) => format!("{MEDIA_MARKER} {url} {content_type}>>>"),
        None => format!("{MEDIA_MARKER} {url}>>>"),
    };
    out.write(&marker)?;
    Ok(())
}

fn json(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let Some(value) = h.param(0) else {
        return Ok(()); // JSON.stringify(undefined) writes nothing
    };
    let indent = h
        .hash_get("indent")
        .and_then(|v| v.value().as_f64())
        .map_or(0, |n| n.clamp(0.0, 10.0) as usize); // JSON.stringify caps indent at 10
    out.write(&to_json(value.value(), indent))?;
    Ok(())
}

/// `JSON.stringify(value, null, indent)`.
pub(super) fn to_json(value: &Value, indent: usize) -> String {
    if indent == 0 {
        return value.to_string();
    }
    let pad = " ".repeat(indent);
    let mut buffer = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(pad.as_bytes());
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
    match serde::Serialize::serialize(value, &mut serializer) {
        Ok(()) => String::from_utf8(buffer).unwrap_or_default(),
        Err(_) => value.to_string(),
    }
}

/// `ifEquals` (`when_equal: true`) and `unlessEquals` (`false`): the body when the strict
/// comparison matches `when_equal`, the `{{else}}` branch otherwise.
struct CompareBlock {
    when_equal: bool,
}

impl HelperDef for CompareBlock {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let a = h.param(0).map(|p| p.value());
        let b = h.param(1).map(|p| p.value());
        let branch = if strictly_equal(a, b) == self.when_equal {
            h.template()
        } else {
            h.inverse()
        };
        if let Some(template) = branch {
            template.render(r, ctx, rc, out)?;
        }
        Ok(())
    }
}

/// JavaScript's `===` on JSON values: numbers by value (so `5 === 5.0`), strings, booleans and
/// null by value, objects and arrays never equal (they are compared by identity there).
/// A missing argument is `undefined`, equal only to another missing argument.
fn strictly_equal(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64() == y.as_f64(),
        (Some(Value::Array(_) | Value::Object(_)), _) => false,
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// How JavaScript prints a value in a template (`String(value)`).
pub(super) fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Null => String::new(),
                other => display(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_matches_javascript_stringify() {
        assert_eq!(to_json(&json!({"test": true}), 0), r#"{"test":true}"#);
        assert_eq!(
            to_json(&json!({"test": true}), 4),
            "{\n    \"test\": true\n}"
        );
        assert_eq!(to_json(&json!([]), 2), "[]");
    }

    #[test]
    fn strict_equality_does_not_coerce() {
        assert!(strictly_equal(Some(&json!(5)), Some(&json!(5.0))));
        assert!(!strictly_equal(Some(&json!(5)), Some(&json!("5"))));
        assert!(!strictly_equal(Some(&json!(null)), Some(&json!(0))));
        assert!(strictly_equal(Some(&json!(null)), Some(&json!(null))));
        assert!(!strictly_equal(Some(&json!({})), Some(&json!({}))));
    }

    #[test]
    fn display_follows_javascript_string_conversion() {
        assert_eq!(display(&json!(["a", 1, null])), "a,1,");
        assert_eq!(display(&json!({"a": 1})), "[object Object]");
    }

    #[test]
    fn every_known_helper_has_docs() {
        for helper in known_helpers() {
            assert!(helper.signature.contains(helper.name));
            assert!(helper.summary.ends_with('.'));
        }
    }
}
