//! One prompt as the use cases see it: its text and format, and what linting and rendering it
//! need (options, partials, named schemas). Callers — the CLI, the language server, the Mesh
//! API — fill it from their own file access; the engine never reads files.

use promptopt_core::document::Document;
use promptopt_core::lint::{
    self, Finding, Format, LintOptions, NoWorkspace, ParsedFile, Severity, Workspace,
};
use promptopt_core::render::{DataArgument, PartialResolver, RenderEnv, render};
use promptopt_core::rubric::{self, Rubric};
use promptopt_core::schema::{NoSchemas, SchemaResolver};
use serde_json::{Map, Value};

use crate::provider::{ChatMessage, ChatRequest, Role};

/// Output tokens to allow when the prompt's `config` names none.
const DEFAULT_MAX_TOKENS: u32 = 1024;

pub struct PromptInput<'a> {
    /// The path lint findings and the prompt id are reported against (`support/triage.prompt`).
    pub path: &'a str,
    pub source: &'a str,
    pub format: Format,
    pub options: &'a LintOptions,
    pub workspace: &'a dyn Workspace,
    pub partials: &'a dyn PartialResolver,
    pub schemas: &'a dyn SchemaResolver,
}

fn no_partial(_: &str) -> Option<String> {
    None
}

impl<'a> PromptInput<'a> {
    /// A dotprompt with no files around it: no partials, no named schemas.
    pub fn standalone(path: &'a str, source: &'a str, options: &'a LintOptions) -> Self {
        Self {
            path,
            source,
            format: Format::Dotprompt,
            options,
            workspace: &NoWorkspace,
            partials: &no_partial,
            schemas: &NoSchemas,
        }
    }

    /// The same surroundings with other text: a candidate or a refinement of this prompt.
    pub fn with_source<'b>(&'b self, source: &'b str) -> PromptInput<'b> {
        PromptInput {
            path: self.path,
            source,
            format: self.format,
            options: self.options,
            workspace: self.workspace,
            partials: self.partials,
            schemas: self.schemas,
        }
    }

    pub fn lint(&self) -> Vec<Finding> {
        lint::lint_source(
            self.path,
            self.source,
            self.format,
            self.options,
            self.workspace,
        )
    }

    /// The QA rubric and the findings behind it.
    pub fn assess(&self) -> Assessment {
        let file = ParsedFile::parse(self.source, self.format);
        let findings = lint::lint(self.path, &file, self.options, self.workspace);
        let rubric = rubric::score(&findings, self.source, file.line_index());
        Assessment { findings, rubric }
    }

    /// The prompt's id: front matter `name` (with `.variant`), else the path without its
    /// extension.
    pub fn id(&self) -> String {
        if self.format == Format::Dotprompt {
            let document = Document::parse(self.source);
            if let Some(name) = document.metadata().and_then(|m| m.name.clone()) {
                let variant = document.metadata().and_then(|m| m.variant.clone());
                return match variant {
                    Some(variant) => format!("{name}.{variant}"),
                    None => name,
                };
            }
        }
        let path = self
            .path
            .rsplit_once('.')
            .map_or(self.path, |(stem, _)| stem);
        path.to_string()
    }

    /// Renders the prompt with `vars` into the chat call a model gets: the messages, and the
    /// front matter's output schema, temperature and output cap.
    pub fn render_call(&self, vars: &Map<String, Value>) -> Result<ChatRequest, String> {
        match self.format {
            Format::Dotprompt => {}
            Format::Plain => {
                return Ok(ChatRequest {
                    max_tokens: DEFAULT_MAX_TOKENS,
                    ..ChatRequest::new("", vec![ChatMessage::user(self.source)])
                });
            }
            Format::Prompty => {
                return Err(
                    "test cases run on dotprompt files; Prompty files get the rubric only".into(),
                );
            }
        }
        let document = Document::parse(self.source);
        let data = DataArgument {
            input: vars.clone(),
            ..DataArgument::default()
        };
        let env = RenderEnv {
            partials: self.partials,
            schemas: self.schemas,
        };
        let rendered = render(&document, &data, &Map::new(), &env).map_err(|e| e.message)?;
        let messages: Vec<ChatMessage> = rendered["messages"]
            .as_array()
            .map(|messages| messages.iter().filter_map(chat_message).collect())
            .unwrap_or_default();
        if messages.is_empty() {
            return Err("the prompt renders no text".into());
        }
        let config = &rendered["config"];
        let max_tokens = config["maxOutputTokens"]
            .as_u64()
            .or_else(|| config["max_tokens"].as_u64())
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(DEFAULT_MAX_TOKENS);
        let wants_json = rendered["output"]["format"] == "json";
        let json_schema = rendered["output"]["schema"]
            .as_object()
            .filter(|_| wants_json || rendered["output"]["format"].is_null())
            .map(|schema| Value::Object(schema.clone()));
        Ok(ChatRequest {
            model: String::new(),
            messages,
            max_tokens,
            temperature: config["temperature"].as_f64(),
            json_schema,
            stream: false,
        })
    }
}

/// A dotprompt message (`{role, content: [{text}, {media}]}`) as a chat message; media parts
/// are left out (the chat providers here take text).
fn chat_message(message: &Value) -> Option<ChatMessage> {
    let role = match message["role"].as_str()? {
        "system" => Role::System,
        "model" | "assistant" => Role::Assistant,
        _ => Role::User,
    };
    let text: String = message["content"]
        .as_array()?
        .iter()
        .filter_map(|part| part["text"].as_str())
        .collect();
    (!text.trim().is_empty()).then(|| ChatMessage {
        role,
        content: text.trim().to_string(),
    })
}

/// A prompt's findings and the rubric they give.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub findings: Vec<Finding>,
    pub rubric: Rubric,
}

impl Assessment {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TRIAGE: &str = "---\nname: triage\nconfig:\n  temperature: 0.2\n  maxOutputTokens: 200\ninput:\n  schema:\n    ticket: string\noutput:\n  format: json\n  schema:\n    category: string\n---\n{{role \"system\"}}\nYou sort support tickets.\n{{role \"user\"}}\n<ticket>{{ticket}}</ticket>\n";

    #[test]
    fn a_render_becomes_a_chat_call_with_the_front_matter_options() {
        let options = LintOptions::default();
        let prompt = PromptInput::standalone("triage.prompt", TRIAGE, &options);
        let vars = json!({"ticket": "refund please"})
            .as_object()
            .unwrap()
            .clone();
        let call = prompt.render_call(&vars).unwrap();
        assert_eq!(
            call.messages[0],
            ChatMessage::system("You sort support tickets.")
        );
        assert_eq!(
            call.messages[1],
            ChatMessage::user("<ticket>refund please</ticket>")
        );
        assert_eq!((call.max_tokens, call.temperature), (200, Some(0.2)));
        assert_eq!(
            call.json_schema.unwrap()["properties"]["category"]["type"],
            "string"
        );
    }

    #[test]
    fn the_id_is_the_name_and_variant_else_the_path() {
        let options = LintOptions::default();
        assert_eq!(
            PromptInput::standalone("a/t.prompt", TRIAGE, &options).id(),
            "triage"
        );
        let variant = TRIAGE.replace("name: triage", "name: triage\nvariant: short");
        assert_eq!(
            PromptInput::standalone("t.prompt", &variant, &options).id(),
            "triage.short"
        );
        assert_eq!(
            PromptInput::standalone("a/b.prompt", "Hi", &options).id(),
            "a/b"
        );
    }
}
