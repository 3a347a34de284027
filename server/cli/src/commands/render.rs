//! `promptopt render FILE`: dotprompt's RenderedPrompt as JSON on stdout.

use std::path::PathBuf;

use clap::Args;
use promptopt_core::document::{DocumentErrorKind, FrontMatter};
use promptopt_core::render::{DataArgument, RenderEnv, render};
use serde_json::{Map, Value};

use crate::exit::{CliError, SUCCESS};
use crate::files::{json_argument, read_document};
use promptopt_workspace::{PartialFiles, SchemaFiles};

#[derive(Args)]
pub struct RenderArgs {
    /// The .prompt file to render.
    pub file: PathBuf,
    /// dotprompt's data argument as JSON, or @file: {"input", "context", "messages", "docs"}.
    #[arg(long, value_name = "JSON|@FILE")]
    pub data: Option<String>,
    /// Metadata overriding the front matter, as JSON or @file (e.g. {"input": {"default": {...}}}).
    #[arg(long, value_name = "JSON|@FILE")]
    pub options: Option<String>,
    /// Another folder to look for partials (`_name.prompt`) in, after the prompt's own folder.
    #[arg(long, value_name = "DIR")]
    pub partials_dir: Vec<PathBuf>,
    /// Named schemas as a JSON object of name → JSON Schema, or @file.
    #[arg(long, value_name = "JSON|@FILE")]
    pub schemas: Option<String>,
    /// Print the JSON on one line.
    #[arg(long)]
    pub compact: bool,
}

pub fn run(args: &RenderArgs) -> Result<u8, CliError> {
    let document = read_document(&args.file)?;
    let data: DataArgument = match &args.data {
        None => DataArgument::default(),
        Some(text) => serde_json::from_value(json_argument("--data", text)?).map_err(|e| {
            CliError::Usage(format!(
                "--data must be {{\"input\": {{...}}, \"context\": {{...}}, \"messages\": [...], \"docs\": [...]}}: {e}"
            ))
        })?,
    };
    let options = object_argument("--options", args.options.as_deref())?;
    let schemas = object_argument("--schemas", args.schemas.as_deref())?;

    warn_about_front_matter(&args.file, &document);
    let partials = PartialFiles::new(&args.file, &args.partials_dir);
    let schema_files = SchemaFiles::new(&args.file, schemas);
    let partial_lookup = |name: &str| partials.resolve(name);
    let schema_lookup = |name: &str| schema_files.resolve(name);
    let env = RenderEnv {
        partials: &partial_lookup,
        schemas: &schema_lookup,
    };

    let rendered = render(&document, &data, &options, &env).map_err(|error| {
        let at = error
            .span
            .map(|span| {
                document
                    .line_index()
                    .to_human(document.source(), span.start)
            })
            .map_or(String::new(), |p| format!(":{}:{}", p.line, p.column));
        CliError::Findings(format!("{}{at}: {}", args.file.display(), error.message))
    })?;
    let json = if args.compact {
        serde_json::to_string(&rendered)
    } else {
        serde_json::to_string_pretty(&rendered)
    };
    crate::output::emit(&format!("{}\n", json.unwrap_or_default()));
    Ok(SUCCESS)
}

fn object_argument(flag: &str, text: Option<&str>) -> Result<Map<String, Value>, CliError> {
    match text.map(|t| json_argument(flag, t)).transpose()? {
        None => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(CliError::Usage(format!("{flag} must be a JSON object"))),
    }
}

/// dotprompt renders a file whose front matter is broken as plain text; say so, since the
/// output will contain the YAML.
fn warn_about_front_matter(file: &std::path::Path, document: &promptopt_core::document::Document) {
    if !matches!(document.front_matter, FrontMatter::Invalid { .. }) {
        return;
    }
    for error in document
        .errors
        .iter()
        .filter(|e| e.kind == DocumentErrorKind::FrontMatterSyntax)
    {
        let at = document
            .line_index()
            .to_human(document.source(), error.span.start);
        eprintln!(
            "warning: {}:{}:{}: {}",
            file.display(),
            at.line,
            at.column,
            error.message
        );
    }
}
