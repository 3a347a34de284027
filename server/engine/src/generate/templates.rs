//! The shapes `generate --task` can start from (`templateId`): a plain chat prompt, one that
//! answers in JSON, and one that answers from retrieved documents. Each is the core seed with
//! the front matter and turns its shape needs.

use promptopt_core::variants::seed;

use super::GenerateError;
use crate::drafts::front_matter_end;

/// The byte offset where the line `---` closing the front matter starts.
fn closing_fence(source: &str) -> Option<usize> {
    let end = front_matter_end(source)?;
    let closing = source[..end].trim_end_matches(['\n', '\r']);
    closing.rfind('\n').map(|i| i + 1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub id: &'static str,
    pub summary: &'static str,
}

pub const TEMPLATES: [Template; 3] = [
    Template {
        id: "chat",
        summary: "a system turn with the role, task and constraints, and a user turn with the delimited input",
    },
    Template {
        id: "json",
        summary: "the chat shape answering in JSON: an output schema with an `answer` and a `confidence`",
    },
    Template {
        id: "rag",
        summary: "the chat shape answering only from retrieved documents, passed in a `documents` input",
    },
];

pub(super) fn names() -> String {
    TEMPLATES
        .iter()
        .map(|t| t.id)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Template {
    /// `None` is the default, `chat`.
    pub fn find(id: Option<&str>) -> Result<Template, GenerateError> {
        let id = id
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .unwrap_or("chat");
        TEMPLATES
            .into_iter()
            .find(|t| t.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| GenerateError::UnknownTemplate(id.to_string()))
    }

    pub fn seed(self, task: &str, context: Option<&str>) -> String {
        let base = seed(task, context);
        match self.id {
            "json" => add_front_matter(
                &base,
                "output:\n  format: json\n  schema:\n    answer: string, the answer to the task\n    confidence(enum, how sure the answer is): [high, medium, low]\n",
            ),
            "rag" => {
                let with_input = add_input_field(
                    &base,
                    "documents: string, the retrieved passages to answer from",
                );
                add_user_text(
                    &with_input,
                    "\nAnswer only from these documents; if they do not contain the answer, say so.\n<documents>\n{{documents}}\n</documents>\n",
                )
            }
            _ => base,
        }
    }
}

/// The seed cut down to its task line and its input: the starting point the built-in
/// strategies add sections to one at a time. `None` when `seed` is not in the seed's shape.
pub(super) fn sketch(seed: &str) -> Option<String> {
    let body_start = front_matter_end(seed)?;
    let (system, user) = seed[body_start..].split_once("{{role \"user\"}}")?;
    let task = system.lines().find(|line| line.starts_with("Task:"))?;
    let task = task.trim_start_matches("Task:").trim();
    Some(format!(
        "{}{task}\n{{{{role \"user\"}}}}{user}",
        &seed[..body_start]
    ))
}

/// Inserts `yaml` (top-level keys) before the front matter's closing `---`.
fn add_front_matter(source: &str, yaml: &str) -> String {
    match closing_fence(source) {
        Some(at) => format!("{}{yaml}{}", &source[..at], &source[at..]),
        None => source.to_string(),
    }
}

/// Adds a field under `input.schema` (the seed always writes that block).
fn add_input_field(source: &str, field: &str) -> String {
    let Some(end) = closing_fence(source) else {
        return source.to_string();
    };
    let front = &source[..end];
    match front.find("  schema:\n") {
        Some(at) => {
            let after = at + "  schema:\n".len();
            format!("{}    {field}\n{}", &source[..after], &source[after..])
        }
        None => add_front_matter(source, &format!("input:\n  schema:\n    {field}\n")),
    }
}

/// Appends text at the end of the template (the seed ends in its user turn).
fn add_user_text(source: &str, text: &str) -> String {
    format!("{}\n{text}", source.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use promptopt_core::document::Document;

    #[test]
    fn unknown_templates_list_the_known_ones() {
        let error = Template::find(Some("xml")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown template `xml`: use one of chat, json, rag"
        );
        assert_eq!(Template::find(None).unwrap().id, "chat");
        assert_eq!(Template::find(Some("JSON")).unwrap().id, "json");
    }

    #[test]
    fn each_template_adds_its_shape_to_the_seed() {
        let task = "Summarize a support ticket for an engineer";
        let json = Template::find(Some("json")).unwrap().seed(task, None);
        let meta = Document::parse(&json).metadata().cloned().unwrap();
        assert_eq!(meta.output.unwrap().format.as_deref(), Some("json"));

        let rag = Template::find(Some("rag")).unwrap().seed(task, None);
        let document = Document::parse(&rag);
        let schema = document
            .metadata()
            .unwrap()
            .input
            .clone()
            .unwrap()
            .schema
            .unwrap();
        assert!(schema.get("documents").is_some(), "{schema}");
        assert!(rag.contains("<documents>\n{{documents}}\n</documents>"));
    }
}
