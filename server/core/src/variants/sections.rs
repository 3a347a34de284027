//! The strategies that add a section of instructions: an explicit role, the output format,
//! constraints, a step-by-step plan and a few-shot scaffold. Each checks first whether the
//! prompt already has what it would add, which also makes applying it twice a no-op.

use serde_json::Value;

use super::read::{
    input_fields, insert_section, instructions_end, output_schema, plain, prose_lines, sound,
    unmustache, wants_json, with_context,
};
use crate::lint::text::line_ending;
use crate::lint::{Context, LintOptions};
use crate::text::Span;

type Rewrite = Option<(String, String)>;

/// Said when nothing about the task can be read from the prompt.
const GENERIC_ROLE: &str = "You are a careful assistant: follow the instructions below exactly, and say so when something you need is missing.";

/// Imperative verbs a task usually starts with; "summarize the ticket" becomes a role that
/// "summarizes the ticket".
const VERBS: &[&str] = &[
    "act",
    "analyse",
    "analyze",
    "answer",
    "assess",
    "assist",
    "build",
    "categorize",
    "check",
    "classify",
    "compare",
    "compose",
    "condense",
    "convert",
    "correct",
    "create",
    "critique",
    "debug",
    "decide",
    "describe",
    "design",
    "detect",
    "draft",
    "edit",
    "evaluate",
    "explain",
    "extract",
    "find",
    "fix",
    "format",
    "generate",
    "give",
    "grade",
    "guide",
    "help",
    "identify",
    "label",
    "list",
    "make",
    "map",
    "outline",
    "paraphrase",
    "parse",
    "plan",
    "polish",
    "predict",
    "prepare",
    "produce",
    "proofread",
    "provide",
    "rank",
    "rate",
    "read",
    "recommend",
    "reply",
    "respond",
    "review",
    "rewrite",
    "route",
    "score",
    "simplify",
    "solve",
    "sort",
    "suggest",
    "summarise",
    "summarize",
    "support",
    "tag",
    "teach",
    "tell",
    "test",
    "transcribe",
    "translate",
    "triage",
    "turn",
    "tutor",
    "validate",
    "verify",
    "write",
];

// ---- explicit role ------------------------------------------------------------------------

pub(super) fn explicit_role(source: &str, options: &LintOptions) -> Rewrite {
    with_context(source, options, |cx| {
        let document = sound(cx)?;
        if cx.turns().iter().any(|t| t.role == "system") {
            return None;
        }
        let nl = line_ending(source);
        let at = cx.body().start;
        let moved = movable_persona(cx);
        let (role, explanation) = match &moved {
            Some((_, persona)) => (
                persona.clone(),
                "Moved the persona sentence into a system turn of its own: the model weighs standing instructions in the system turn above anything in the conversation, and the user turn now carries only the request.".to_string(),
            ),
            None => {
                let meta = document.metadata();
                let task = meta
                    .and_then(|m| m.description.clone())
                    .or_else(|| first_instruction(cx))
                    .or_else(|| meta.and_then(|m| m.name.as_deref()).map(humanize));
                let role = task.map_or_else(|| GENERIC_ROLE.to_string(), |t| role_from_task(&t));
                (
                    role,
                    "Added a system turn stating the model's role, derived from the prompt's task: a stated role keeps tone and scope the same from call to call instead of leaving the model to infer them from the first message.".to_string(),
                )
            }
        };
        let removed = moved.map_or(Span::empty(at), |(span, _)| span);
        let first = cx.turns().first();
        let first_is_implicit = first.is_some_and(|t| t.marker.is_none());
        let first_turn = first.map_or(Span::empty(at), |t| t.span);
        let rest_of_first = format!(
            "{}{}",
            source.get(first_turn.start..removed.start).unwrap_or(""),
            source.get(removed.end..first_turn.end).unwrap_or("")
        );
        let after = format!(
            "{}{}",
            source.get(at..removed.start)?,
            source.get(removed.end..)?
        );
        let mut out = String::with_capacity(source.len() + role.len() + 64);
        out.push_str(source.get(..at)?);
        out.push_str(&format!("{{{{role \"system\"}}}}{nl}{role}{nl}"));
        if !after.trim().is_empty() {
            out.push_str(nl);
            if first_is_implicit && !rest_of_first.trim().is_empty() {
                out.push_str(&format!("{{{{role \"user\"}}}}{nl}"));
            }
        }
        out.push_str(&after);
        Some((out, explanation))
    })
}

/// The prompt's first sentence when it states a persona ("You are a travel guide.", "Act as a
/// travel guide."), starts its line in the first turn and ends its sentence: the span to
/// remove (with the spaces and one line break after it) and the sentence to state instead.
fn movable_persona(cx: &Context<'_>) -> Option<(Span, String)> {
    let source = cx.source();
    let turn = cx.turns().first()?;
    if turn.role != "user" {
        return None;
    }
    let sentence = cx
        .sentences()
        .iter()
        .find(|s| turn.span.contains(s.start) && !cx.text(**s).trim().is_empty())?;
    let content_start = turn.marker.map_or(turn.span.start, |m| m.end);
    if !source.get(content_start..sentence.start)?.trim().is_empty() {
        return None;
    }
    let text = cx.text(*sentence).trim();
    if !text.ends_with(['.', '!', '?']) {
        return None;
    }
    let persona = persona_sentence(text)?;
    let start = sentence.start + (cx.text(*sentence).len() - cx.text(*sentence).trim_start().len());
    let mut end = start + text.len();
    let rest = source.get(end..)?;
    end += rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let rest = source.get(end..)?;
    if rest.starts_with("\r\n") {
        end += 2;
    } else if rest.starts_with('\n') {
        end += 1;
    }
    Some((Span::new(start, end), persona))
}

/// "You are …" as is; "Act as …" and "I want you to act as …" as "You are …".
fn persona_sentence(text: &str) -> Option<String> {
    let starts = |prefix: &str| {
        text.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    if starts("you are ") || starts("you're ") {
        return Some(plain(text));
    }
    for prefix in [
        "i want you to act as ",
        "i would like you to act as ",
        "please act as ",
        "act as ",
    ] {
        if starts(prefix) {
            let rest = text.get(prefix.len()..)?;
            return Some(format!("You are {}", plain(rest)));
        }
    }
    None
}

/// The first sentence of the first turn, when it is an instruction starting with a verb.
fn first_instruction(cx: &Context<'_>) -> Option<String> {
    let turn = cx.turns().first()?;
    let sentence = cx
        .sentences()
        .iter()
        .find(|s| turn.span.contains(s.start) && !cx.text(**s).trim().is_empty())?;
    let text = without_please(cx.text(*sentence).trim());
    let first = text.split_whitespace().next()?.to_lowercase();
    VERBS.contains(&first.as_str()).then(|| text.to_string())
}

/// "summarize-ticket" → "summarize ticket".
fn humanize(name: &str) -> String {
    name.replace(['-', '_', '.', '/'], " ")
}

/// A one-sentence role from a task: "Summarize a support ticket for an engineer" → "You are
/// a careful assistant that summarizes a support ticket for an engineer."
pub(super) fn role_from_task(task: &str) -> String {
    let task = first_sentence(&plain(task));
    let task = task
        .trim()
        .trim_end_matches(['.', '!', '?', ':', ';', ','])
        .trim();
    let words: Vec<&str> = task.split_whitespace().take(40).collect();
    if words.is_empty() {
        return GENERIC_ROLE.to_string();
    }
    let task = without_please(&words.join(" ")).to_string();
    if let Some(persona) = persona_sentence(&task) {
        return format!("{persona}.");
    }
    let (first, rest) = task.split_once(' ').unwrap_or((task.as_str(), ""));
    let lower = first.to_lowercase();
    let rest = if rest.is_empty() {
        String::new()
    } else {
        format!(" {rest}")
    };
    if VERBS.contains(&lower.as_str()) {
        return format!(
            "You are a careful assistant that {}{rest}.",
            third_person(&lower)
        );
    }
    if third_person_of_verb(&lower) {
        return format!("You are a careful assistant that {lower}{rest}.");
    }
    format!(
        "You are a careful assistant for this task: {}.",
        lower_first(&task)
    )
}

/// "Please summarize …" → "summarize …".
fn without_please(text: &str) -> &str {
    for filler in ["please ", "kindly "] {
        if text
            .get(..filler.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(filler))
        {
            return text.get(filler.len()..).unwrap_or(text).trim_start();
        }
    }
    text
}

fn first_sentence(text: &str) -> String {
    let mut end = text.len();
    for stop in [". ", "! ", "? ", "\n"] {
        if let Some(i) = text.find(stop) {
            end = end.min(i + 1);
        }
    }
    text.get(..end).unwrap_or(text).to_string()
}

/// "summarize" → "summarizes", "fix" → "fixes", "classify" → "classifies".
fn third_person(verb: &str) -> String {
    if let Some(stem) = verb.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if verb.ends_with(['s', 'x', 'z']) || verb.ends_with("sh") || verb.ends_with("ch") {
        return format!("{verb}es");
    }
    format!("{verb}s")
}

/// "summarizes", "fixes", "classifies": a known verb already in the third person.
fn third_person_of_verb(word: &str) -> bool {
    VERBS.iter().any(|verb| third_person(verb) == word)
}

/// Lowercases the first letter unless the word is an acronym ("API", "JSON").
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let second_is_upper = chars.clone().next().is_some_and(char::is_uppercase);
    if second_is_upper {
        return text.to_string();
    }
    first.to_lowercase().chain(chars).collect()
}

// ---- output format ------------------------------------------------------------------------

/// How deep nested object fields are listed.
const MAX_FIELD_DEPTH: usize = 3;

const JSON_LEAD: &str = "Output format: respond with only a JSON object, with no Markdown fence and no text before or after it";

pub(super) fn output_format(source: &str, options: &LintOptions) -> Rewrite {
    with_context(source, options, |cx| {
        let document = sound(cx)?;
        if !wants_json(document) {
            return None;
        }
        if prose_lines(cx)
            .iter()
            .any(|line| line.starts_with("output format: respond with only"))
        {
            return None;
        }
        let schema = output_schema(document);
        let properties = schema
            .as_ref()
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
            .filter(|p| !p.is_empty());
        let mut lines = Vec::new();
        let explanation = match (properties, &schema) {
            (Some(_), Some(schema)) => {
                lines.push(format!("{JSON_LEAD}, that has these fields:"));
                field_lines(schema, 0, &mut lines);
                "Described the JSON the output schema expects, field by field (type, whether required, description): the schema is sent as an API parameter that not every provider enforces, and a model that reads the shape in the instructions returns it more reliably."
            }
            (None, Some(schema))
                if schema.get("type").is_some() || schema.get("enum").is_some() =>
            {
                lines.push(format!(
                    "Output format: respond with only valid JSON ({}), with no Markdown fence and no text before or after it.",
                    type_phrase(schema)
                ));
                "Stated that the reply must be bare JSON of the schema's type: without it models wrap JSON in Markdown fences or add a sentence around it, which breaks parsing."
            }
            _ => {
                lines.push(format!("{JSON_LEAD}."));
                "Stated that the reply must be a bare JSON object: `output.format: json` asks for JSON, but without a word of it in the text models add fences and prose around it, or emit endless whitespace in JSON mode."
            }
        };
        let at = instructions_end(cx);
        Some((insert_section(cx, at, &lines)?, explanation.to_string()))
    })
}

/// One bullet per property (nested objects indented below their field).
fn field_lines(schema: &Value, depth: usize, lines: &mut Vec<String>) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let indent = "  ".repeat(depth);
    for (name, field) in properties {
        let need = if required.contains(&name.as_str()) {
            "required"
        } else {
            "optional"
        };
        let description = field
            .get("description")
            .and_then(Value::as_str)
            .map(plain)
            .filter(|d| !d.is_empty())
            .map_or(String::new(), |d| format!(": {d}"));
        lines.push(format!(
            "{indent}- `{}` ({}, {need}){description}",
            plain(name),
            type_phrase(field)
        ));
        if depth + 1 < MAX_FIELD_DEPTH {
            let nested = if field.get("properties").is_some() {
                Some(field)
            } else {
                field.get("items").filter(|i| i.get("properties").is_some())
            };
            if let Some(nested) = nested {
                field_lines(nested, depth + 1, lines);
            }
        }
    }
}

/// "string", "array of strings", "one of \"low\", \"high\"", "string or null".
fn type_phrase(schema: &Value) -> String {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let listed: Vec<String> = values
            .iter()
            .take(12)
            .map(|v| plain(&v.to_string()))
            .collect();
        return format!("one of {}", listed.join(", "));
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ if schema.get("properties").is_some() => vec!["object"],
        _ => Vec::new(),
    };
    let named: Vec<String> = types
        .iter()
        .map(|t| match *t {
            "array" => match schema.get("items") {
                Some(items) if items.get("properties").is_some() => {
                    "array of objects with these fields".to_string()
                }
                Some(items) => format!("array of {}", plural(&type_phrase(items))),
                None => "array".to_string(),
            },
            "object" if schema.get("properties").is_some() => "object with these fields".into(),
            other => plain(other),
        })
        .collect();
    if named.is_empty() {
        "any JSON value".to_string()
    } else {
        named.join(" or ")
    }
}

fn plural(phrase: &str) -> String {
    match phrase {
        "string" | "number" | "integer" | "boolean" | "object" | "array" => format!("{phrase}s"),
        other => other.to_string(),
    }
}

// ---- constraints --------------------------------------------------------------------------

pub(super) fn constraints(source: &str, options: &LintOptions) -> Rewrite {
    with_context(source, options, |cx| {
        sound(cx)?;
        if prose_lines(cx).iter().any(|line| {
            let heading = line.trim_start_matches(['#', '*', ' ']);
            heading.starts_with("constraints")
        }) {
            return None;
        }
        // An optional input may be absent: only the required ones are worth a rule.
        let names: Vec<String> = input_fields(cx)
            .into_iter()
            .filter(|field| field.required)
            .map(|field| field.name)
            .collect();
        let lines = constraint_lines(&names);
        let at = instructions_end(cx);
        Some((
            insert_section(cx, at, &lines)?,
            "Added a Constraints section saying what to do with missing, empty or ambiguous input and forbidding invented facts: models otherwise answer confidently whatever they are given, and edge cases are where prompts fail in production.".to_string(),
        ))
    })
}

/// The Constraints section, naming the inputs when there are any.
pub(super) fn constraint_lines(inputs: &[String]) -> Vec<String> {
    let missing = match inputs {
        [] => {
            "- If the request lacks information you need, say what is missing instead of guessing."
                .to_string()
        }
        [one] => format!(
            "- If `{}` is missing or empty, say so instead of answering.",
            plain(one)
        ),
        many => format!(
            "- If {} is missing or empty, say which one instead of answering.",
            or_list(many)
        ),
    };
    vec![
        "Constraints:".to_string(),
        missing,
        "- If the request is ambiguous, say so, state the reading you chose, and answer that one."
            .to_string(),
        "- Use only the information given here; do not invent facts, names, numbers or sources."
            .to_string(),
        "- If you cannot complete the task, say why in one sentence.".to_string(),
    ]
}

/// "`a`, `b` or `c`".
fn or_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", plain(n))).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

// ---- step by step -------------------------------------------------------------------------

const PLAN_LEAD: &str = "Work through these steps before you answer:";

pub(super) fn step_by_step(source: &str, options: &LintOptions) -> Rewrite {
    with_context(source, options, |cx| {
        let document = sound(cx)?;
        // Reasoning models plan on their own; telling them to is wasted tokens (the
        // `cot-on-reasoning-model` rule says so).
        let reasoning = cx
            .model()
            .and_then(|(model, _)| options.models().lookup(model))
            .is_some_and(|info| info.reasoning);
        if reasoning {
            return None;
        }
        let said = prose_lines(cx).iter().any(|line| {
            line.contains("work through these steps")
                || line.contains("step by step")
                || line.contains("step-by-step")
        });
        if said {
            return None;
        }
        let names: Vec<String> = input_fields(cx)
            .into_iter()
            .map(|field| field.name)
            .collect();
        let read = match names.as_slice() {
            [] => "1. Read the request and note exactly what it asks for.".to_string(),
            names => format!(
                "1. Read {} and note exactly what the task asks for.",
                and_list(names)
            ),
        };
        let check = if wants_json(document) {
            "4. Check the answer against every instruction above, the output format included, then give only the final answer."
        } else {
            "4. Check the answer against every instruction above, then give only the final answer."
        };
        let lines = vec![
            PLAN_LEAD.to_string(),
            read,
            "2. List the facts that matter for the task, and anything missing or unclear."
                .to_string(),
            "3. Work out the answer from those facts, one part at a time.".to_string(),
            check.to_string(),
        ];
        let at = instructions_end(cx);
        Some((
            insert_section(cx, at, &lines)?,
            "Added a numbered plan to work through before answering: an explicit sequence (read, gather facts, solve, check) makes multi-part tasks more accurate and makes a wrong answer easier to trace to the step that failed.".to_string(),
        ))
    })
}

/// "`a`, `b` and `c`".
fn and_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", plain(n))).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

// ---- few-shot -----------------------------------------------------------------------------

pub(super) fn few_shot(source: &str, options: &LintOptions) -> Rewrite {
    with_context(source, options, |cx| {
        let document = sound(cx)?;
        let has_examples = prose_lines(cx).iter().any(|line| {
            line.contains("<example")
                || line
                    .trim_start_matches(['#', '*', '-', ' '])
                    .starts_with("example")
        });
        if has_examples {
            return None;
        }
        let fields = input_fields(cx);
        let mut lines = vec![
            "{{!-- Few-shot scaffold: replace each (…) with a real input and the reply you want for it; add more <example> blocks the same way. --}}".to_string(),
            "Here is an example of an input and the reply it should get:".to_string(),
            "<example>".to_string(),
            "<input>".to_string(),
        ];
        if fields.is_empty() {
            lines.push("(a typical request)".to_string());
        }
        for field in &fields {
            let label = plain(&field.name);
            lines.push(format!("{label}: (a typical {})", humanize(&label)));
        }
        lines.push("</input>".to_string());
        lines.push("<output>".to_string());
        match output_schema(document).filter(|s| s.get("properties").is_some()) {
            Some(schema) => {
                let skeleton = skeleton(&schema, "", 0);
                let text = serde_json::to_string_pretty(&skeleton).unwrap_or_default();
                lines.extend(text.split('\n').map(unmustache));
            }
            None => lines.push("(the reply you want for this input)".to_string()),
        }
        lines.push("</output>".to_string());
        lines.push("</example>".to_string());
        let at = instructions_end(cx);
        Some((
            insert_section(cx, at, &lines)?,
            "Added an example scaffold built from the input and output fields, for you to fill with a real case: one worked example pins down format, length and tone better than a paragraph describing them. Its placeholders are plain text in parentheses, so the prompt renders as is.".to_string(),
        ))
    })
}

/// The output schema's shape with `(…)` placeholders for strings and zero values elsewhere.
fn skeleton(schema: &Value, name: &str, depth: usize) -> Value {
    if depth > MAX_FIELD_DEPTH + 2 {
        return Value::Null;
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
    {
        return first.clone();
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    };
    match kind {
        "object" => {
            let mut fields = serde_json::Map::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (key, field) in properties {
                    fields.insert(key.clone(), skeleton(field, key, depth + 1));
                }
            }
            Value::Object(fields)
        }
        "array" => Value::Array(vec![
            schema
                .get("items")
                .map_or(Value::Null, |items| skeleton(items, name, depth + 1)),
        ]),
        "number" | "integer" => Value::from(0),
        "boolean" => Value::Bool(false),
        "null" => Value::Null,
        _ if name.is_empty() => Value::String("(example value)".into()),
        _ => Value::String(format!("(example {})", humanize(&plain(name)))),
    }
}
