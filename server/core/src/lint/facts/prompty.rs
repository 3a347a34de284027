//! Facts of a Prompty file: turns from role lines, prose from text outside Jinja tags, and
//! the free variables of its Jinja expressions checked against `inputs`.

use serde_json::{Map, Value, json};

use super::{Facts, Inputs, Prose, Resolved, Usage, VariableUse, assign_turns, turns_from_markers};
use crate::prompty::{JinjaNode, PromptyDocument, PromptyFrontMatter, VariableUsage};
use crate::text::Span;

pub(super) fn collect(document: &PromptyDocument) -> Facts {
    let body = document.body;
    let markers: Vec<(String, Span)> = document
        .roles
        .iter()
        .map(|line| (line.role.clone(), line.span))
        .collect();
    // Prompty sends text before the first role line as a system message.
    let turns = turns_from_markers(body, "system", &markers);
    let mut prose = Vec::new();
    for node in &document.nodes {
        if let JinjaNode::Text(span) = node {
            push_text_without_role_lines(&mut prose, *span, document);
        }
    }
    assign_turns(&mut prose, &turns);
    let uses = document
        .variables()
        .iter()
        .map(|variable| VariableUse {
            span: variable.span,
            written: variable.span.text(document.source()).to_string(),
            resolved: Resolved::Input(variable.path.clone()),
            usage: match variable.usage {
                VariableUsage::Output => Usage::Output,
                VariableUsage::Condition => Usage::Condition,
                VariableUsage::Iterable => Usage::Iteration,
                VariableUsage::Argument => Usage::Argument,
            },
            guarded: variable.guarded,
            via_partial: None,
            scope: None,
        })
        .collect();
    let inputs = match &document.front_matter {
        PromptyFrontMatter::Parsed { raw, spans, split } => raw.get("inputs").map(|declared| {
            let span = spans.get(&["inputs"]).map_or(split.yaml, |node| node.value);
            Inputs {
                schema: inputs_schema(declared),
                span,
                yaml_path: vec!["inputs".into()],
                picoschema: false,
            }
        }),
        _ => None,
    };
    Facts {
        body,
        prose,
        turns,
        uses,
        partials: Vec::new(),
        inputs,
        inputs_unreadable: false,
        code_blocks: Vec::new(),
    }
}

/// Role lines are markers, not prose: split text segments around them.
fn push_text_without_role_lines(prose: &mut Vec<Prose>, span: Span, document: &PromptyDocument) {
    let mut start = span.start;
    for line in document
        .roles
        .iter()
        .filter(|line| span.start <= line.span.start && line.span.end <= span.end)
    {
        if line.span.start > start {
            prose.push(Prose {
                span: Span::new(start, line.span.start),
                turn: 0,
            });
        }
        start = line.span.end;
    }
    if span.end > start {
        prose.push(Prose {
            span: Span::new(start, span.end),
            turn: 0,
        });
    }
}

/// Prompty's `inputs` (`name: {type: string, description, default, sample}`, or the short
/// `name: string`) as a closed JSON Schema object.
fn inputs_schema(declared: &Value) -> Value {
    let Some(fields) = declared.as_object() else {
        return json!({});
    };
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, spec) in fields {
        let schema = match spec {
            Value::String(kind) => json!({ "type": prompty_type(kind) }),
            Value::Object(spec) => {
                let mut schema = Map::new();
                if let Some(kind) = spec.get("type").and_then(Value::as_str) {
                    schema.insert("type".into(), json!(prompty_type(kind)));
                }
                if let Some(description) = spec.get("description") {
                    schema.insert("description".into(), description.clone());
                }
                if spec.get("default").is_none() {
                    required.push(json!(name));
                }
                Value::Object(schema)
            }
            _ => json!({}),
        };
        properties.insert(name.clone(), schema);
    }
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// Prompty type names to JSON Schema's (`list` and `dict` appear in the wild).
fn prompty_type(kind: &str) -> &str {
    match kind {
        "list" => "array",
        "dict" | "map" => "object",
        "str" => "string",
        "int" => "integer",
        "float" => "number",
        "bool" => "boolean",
        other => other,
    }
}
