//! The model table: what the cost rules know about each model.
//!
//! Owns: the table format (`data/models.toml`, embedded at build time; a team can supply its own
//! through `ModelTable::from_toml`), its validation, resolving the model names people write in
//! prompts (`googleai/gemini-2.5-pro`, `claude-3-5-sonnet-20241022`, `ollama/llama3.1:70b`) to an
//! entry, and did-you-mean for names it does not know.
//!
//! Dates are `YYYY-MM-DD` strings compared as text: core has no clock, so callers pass today.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::tokens::Tokenizer;

/// The table format version this build reads (`schema = …` at the top of a table).
pub const SCHEMA_VERSION: i64 = 1;

const EMBEDDED_TOML: &str = include_str!("../data/models.toml");

/// The embedded table, parsed on first use. A parse error is a bug in `data/models.toml` (a unit
/// test parses it), so it yields an empty table and keeps the error rather than panicking.
static EMBEDDED: LazyLock<(ModelTable, Option<ModelTableError>)> =
    LazyLock::new(|| match ModelTable::from_toml(EMBEDDED_TOML) {
        Ok(table) => (table, None),
        Err(error) => (ModelTable::default(), Some(error)),
    });

/// One model: limits, prices and API constraints. Field meanings are documented at the top of
/// `data/models.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelInfo {
    /// Canonical id, e.g. `gpt-4o`.
    pub id: String,
    /// `openai`, `anthropic`, `google`, `meta`, `mistral`, `deepseek`, `xai`, …
    pub provider: String,
    /// Other ids for the same model: snapshots, other hosts' spellings.
    #[serde(default)]
    pub aliases: Vec<String>,
    pub tokenizer: Tokenizer,
    /// Tokens, input and output together.
    pub context_window: usize,
    pub max_output_tokens: usize,
    /// USD per million input tokens.
    pub input_price: f64,
    /// USD per million output tokens.
    pub output_price: f64,
    /// `YYYY-MM-DD` from which the vendor lists the model as deprecated (or retired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// The id to move to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<String>,
    /// Reasons before answering by default (o-series, gpt-5, deepseek-reasoner, Gemini 2.5 Pro).
    #[serde(default)]
    pub reasoning: bool,
    #[serde(default)]
    pub sampling: Sampling,
}

/// Which sampling parameters the model's API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sampling {
    /// The highest `temperature` accepted (2.0 OpenAI and Gemini, 1.0 Anthropic).
    #[serde(default = "default_temperature_max")]
    pub temperature_max: f64,
    /// Setting both `temperature` and `top_p` is rejected (newer Claude models).
    #[serde(default)]
    pub temperature_and_top_p_exclusive: bool,
    /// `temperature`/`top_p` are rejected or ignored (OpenAI reasoning models).
    #[serde(default)]
    pub sampling_params_unsupported: bool,
}

fn default_temperature_max() -> f64 {
    2.0
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            temperature_max: default_temperature_max(),
            temperature_and_top_p_exclusive: false,
            sampling_params_unsupported: false,
        }
    }
}

impl ModelInfo {
    /// Whether the model is deprecated on `date` (`YYYY-MM-DD`).
    pub fn is_deprecated_on(&self, date: &str) -> bool {
        self.deprecated
            .as_deref()
            .is_some_and(|since| since <= date)
    }
}

/// A set of models with lookup by the names people write.
#[derive(Debug, Clone, Default)]
pub struct ModelTable {
    updated: String,
    models: Vec<ModelInfo>,
    /// Lower-cased id or alias → index into `models`.
    index: HashMap<String, usize>,
}

/// What is wrong with a model table, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelTableError {
    /// 1-based line in the table's text, when known.
    pub line: Option<usize>,
    /// 1-based number of the `[[model]]` entry at fault, when the error is inside one.
    pub entry: Option<usize>,
    /// That entry's `id`, when it has one.
    pub id: Option<String>,
    /// The field at fault (`input_price`, `sampling.temperature_max`), when known.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for ModelTableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("model table")?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(entry) = self.entry {
            write!(f, ", [[model]] #{entry}")?;
        }
        if let Some(id) = &self.id {
            write!(f, " (`{id}`)")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ModelTableError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    #[allow(dead_code)] // checked before this parse, from the untyped table
    schema: i64,
    updated: String,
    #[serde(default)]
    model: Vec<toml::Spanned<ModelInfo>>,
}

impl ModelTable {
    /// The table shipped in this build (`data/models.toml`). Empty if that file failed to parse,
    /// which `embedded_error` then reports.
    pub fn embedded() -> &'static ModelTable {
        &EMBEDDED.0
    }

    /// Why the embedded table is empty, if it is: a build bug.
    pub fn embedded_error() -> Option<&'static ModelTableError> {
        EMBEDDED.1.as_ref()
    }

    /// Parses and validates a table in the `data/models.toml` format.
    pub fn from_toml(text: &str) -> Result<ModelTable, ModelTableError> {
        let untyped: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, None, &e))?;
        match untyped.get("schema") {
            Some(toml::Value::Integer(SCHEMA_VERSION)) => {}
            found => {
                return Err(ModelTableError {
                    line: None,
                    entry: None,
                    id: None,
                    field: Some("schema".into()),
                    message: match found {
                        None => format!("missing; this build reads `schema = {SCHEMA_VERSION}`"),
                        Some(value) => format!(
                            "unsupported schema {value}; this build reads schema {SCHEMA_VERSION}"
                        ),
                    },
                });
            }
        }
        let raw: RawTable =
            toml::from_str(text).map_err(|e| toml_error(text, Some(&untyped), &e))?;
        if !is_iso_date(&raw.updated) {
            return Err(ModelTableError {
                line: None,
                entry: None,
                id: None,
                field: Some("updated".into()),
                message: format!("`{}` is not a YYYY-MM-DD date", raw.updated),
            });
        }

        let mut table = ModelTable {
            updated: raw.updated,
            models: Vec::with_capacity(raw.model.len()),
            index: HashMap::new(),
        };
        let mut lines = Vec::with_capacity(raw.model.len());
        for (number, spanned) in raw.model.into_iter().enumerate() {
            let line = line_of(text, spanned.span().start);
            let model = spanned.into_inner();
            let at = |field: &str, message: String| ModelTableError {
                line: Some(line),
                entry: Some(number + 1),
                id: Some(model.id.clone()),
                field: Some(field.into()),
                message,
            };
            if let Err((field, message)) = check(&model) {
                return Err(at(field, message));
            }
            let names = std::iter::once(("id", &model.id))
                .chain(model.aliases.iter().map(|alias| ("aliases", alias)));
            for (field, name) in names {
                let key = name.to_lowercase();
                if let Some(&other) = table.index.get(&key) {
                    let owner = table.models.get(other).map_or("", |m| m.id.as_str());
                    return Err(at(
                        field,
                        format!("`{name}` is already the id or an alias of `{owner}`"),
                    ));
                }
                table.index.insert(key, number);
            }
            lines.push(line);
            table.models.push(model);
        }

        for (number, (model, line)) in table.models.iter().zip(lines).enumerate() {
            let Some(successor) = &model.successor else {
                continue;
            };
            let target = table.index.get(&successor.to_lowercase());
            let message = match target.and_then(|&i| table.models.get(i)) {
                None => format!("`{successor}` is not a model in this table"),
                Some(target) if target.id == model.id => "names the model itself".to_owned(),
                Some(target) if target.id != *successor => {
                    format!("`{successor}` is an alias: name the id, `{}`", target.id)
                }
                Some(_) => continue,
            };
            return Err(ModelTableError {
                line: Some(line),
                entry: Some(number + 1),
                id: Some(model.id.clone()),
                field: Some("successor".into()),
                message,
            });
        }
        Ok(table)
    }

    /// The entries, in table order.
    pub fn models(&self) -> &[ModelInfo] {
        &self.models
    }

    /// The `updated` date of the table (empty for an empty table).
    pub fn updated(&self) -> &str {
        &self.updated
    }

    /// Finds the entry for a model reference as written in a prompt or config.
    ///
    /// Understands, in any case: provider prefixes (`googleai/`, `vertexai/`, `openai/`,
    /// `ollama/`, `meta-llama/`: everything up to the last `/` is dropped), Vertex `@version` and
    /// Ollama `:tag` suffixes, and trailing date, version, `-latest`, `-preview`, `-exp`, `-beta`
    /// and `-instruct` segments, dropped one at a time until an id or alias matches.
    pub fn lookup(&self, model_ref: &str) -> Option<&ModelInfo> {
        let mut name = normalize(model_ref);
        loop {
            if let Some(&number) = self.index.get(&name) {
                return self.models.get(number);
            }
            name.truncate(strip_segment(&name)?);
        }
    }

    /// The closest id or alias to a name `lookup` does not know, for a did-you-mean; `None` if
    /// nothing is close. A name `lookup` does know gives its entry's id.
    pub fn suggest(&self, unknown: &str) -> Option<&str> {
        if let Some(model) = self.lookup(unknown) {
            return Some(&model.id);
        }
        let mut name = normalize(unknown);
        let mut best: Option<(usize, &str)> = None;
        while !name.is_empty() {
            let limit = match name.chars().count() {
                0..=6 => 1,
                7..=12 => 2,
                _ => 3,
            };
            for model in &self.models {
                for candidate in std::iter::once(&model.id).chain(&model.aliases) {
                    let distance = strsim::osa_distance(&name, &candidate.to_lowercase());
                    if distance <= limit && best.is_none_or(|(closest, _)| distance < closest) {
                        best = Some((distance, candidate));
                    }
                }
            }
            match strip_segment(&name) {
                Some(len) => name.truncate(len),
                None => break,
            }
        }
        best.map(|(_, candidate)| candidate)
    }
}

/// Lower-cases, drops a provider prefix and an `@version`, and turns an Ollama `:tag` into a
/// `-tag` segment.
fn normalize(model_ref: &str) -> String {
    let name = model_ref.trim();
    let name = name.rsplit_once('/').map_or(name, |(_, last)| last);
    let name = name.split_once('@').map_or(name, |(first, _)| first);
    name.to_lowercase().replace(':', "-")
}

/// The length of `name` without its last `-segment`, if that segment is a snapshot marker: a date
/// or version number (two or more digits), `v2`, `latest`, `preview`, `exp`, `beta`, `instruct`.
fn strip_segment(name: &str) -> Option<usize> {
    let (head, segment) = name.rsplit_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let strippable = matches!(
        segment,
        "latest" | "preview" | "exp" | "experimental" | "beta" | "instruct"
    ) || (segment.len() >= 2 && digits(segment))
        || segment.strip_prefix('v').is_some_and(digits);
    (strippable && !head.is_empty()).then_some(head.len())
}

/// Checks one entry on its own: `Err((field, message))`.
fn check(model: &ModelInfo) -> Result<(), (&'static str, String)> {
    let bad_name = |name: &str| {
        name.is_empty()
            || name.contains(|c: char| c.is_whitespace() || matches!(c, '/' | '@' | ':'))
    };
    if bad_name(&model.id) {
        return Err((
            "id",
            format!(
                "`{}`: ids must be non-empty, without spaces, `/`, `@` or `:`",
                model.id
            ),
        ));
    }
    if let Some(alias) = model.aliases.iter().find(|alias| bad_name(alias)) {
        return Err((
            "aliases",
            format!("`{alias}`: aliases must be non-empty, without spaces, `/`, `@` or `:`"),
        ));
    }
    if model.provider.trim().is_empty() {
        return Err(("provider", "must not be empty".into()));
    }
    if model.context_window == 0 {
        return Err(("context_window", "must be at least 1".into()));
    }
    if model.max_output_tokens == 0 || model.max_output_tokens > model.context_window {
        return Err((
            "max_output_tokens",
            format!(
                "{} must be between 1 and the context window ({})",
                model.max_output_tokens, model.context_window
            ),
        ));
    }
    for (field, price) in [
        ("input_price", model.input_price),
        ("output_price", model.output_price),
    ] {
        if !(price.is_finite() && price >= 0.0) {
            return Err((
                field,
                format!("{price} is not a price in USD per million tokens"),
            ));
        }
    }
    if let Some(date) = model
        .deprecated
        .as_deref()
        .filter(|date| !is_iso_date(date))
    {
        return Err(("deprecated", format!("`{date}` is not a YYYY-MM-DD date")));
    }
    let temperature_max = model.sampling.temperature_max;
    if !(temperature_max.is_finite() && temperature_max > 0.0) {
        return Err((
            "sampling.temperature_max",
            format!("{temperature_max} is not a positive temperature"),
        ));
    }
    Ok(())
}

fn is_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    let number = |range: std::ops::Range<usize>| {
        b.get(range)
            .filter(|digits| digits.iter().all(u8::is_ascii_digit))
            .map(|digits| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && number(0..4).is_some()
        && number(5..7).is_some_and(|month| (1..=12).contains(&month))
        && number(8..10).is_some_and(|day| (1..=31).contains(&day))
}

fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Turns a toml error into one that names the line, the `[[model]]` entry and the field.
fn toml_error(
    text: &str,
    untyped: Option<&toml::Table>,
    error: &toml::de::Error,
) -> ModelTableError {
    let message = error.message().trim().to_owned();
    let Some(offset) = error.span().map(|span| span.start.min(text.len())) else {
        return ModelTableError {
            line: None,
            entry: None,
            id: None,
            field: None,
            message,
        };
    };
    // The entry is the number of `[[model]]` headers at or before the error; the sub-table the
    // nearest `[model.x]` header above it; the key the one on the error's line.
    let mut entry = 0;
    let mut table = "";
    let mut line_text = "";
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if line_start > offset {
            break;
        }
        let trimmed = line.trim();
        if trimmed.starts_with("[[model]]") {
            entry += 1;
            table = "";
        } else if let Some(header) = trimmed.strip_prefix("[model.") {
            table = header.split(']').next().unwrap_or("").trim();
        } else if trimmed.starts_with('[') {
            table = "";
        }
        line_text = trimmed;
        line_start += line.len();
    }
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    let key = named.or_else(|| {
        let (key, _) = line_text
            .split_once('=')
            .filter(|_| !line_text.starts_with('['))?;
        Some(key.trim().trim_matches('"'))
    });
    let field = key.map(|key| match table {
        "" => key.to_owned(),
        table => format!("{table}.{key}"),
    });
    let entry = (entry > 0).then_some(entry);
    let id = entry.and_then(|entry| {
        let models = untyped?.get("model")?.as_array()?;
        Some(models.get(entry - 1)?.get("id")?.as_str()?.to_owned())
    });
    ModelTableError {
        line: Some(line_of(text, offset)),
        entry,
        id,
        field,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> &'static ModelTable {
        ModelTable::embedded()
    }

    fn id_of(model_ref: &str) -> Option<&'static str> {
        table().lookup(model_ref).map(|model| model.id.as_str())
    }

    #[test]
    fn embedded_table_parses() {
        assert_eq!(ModelTable::embedded_error(), None);
        // The error path itself: parse the file directly for a readable failure.
        ModelTable::from_toml(EMBEDDED_TOML).unwrap();
        assert!(table().models().len() >= 40, "{}", table().models().len());
        assert_eq!(table().updated(), "2026-11-01");
    }

    #[test]
    fn embedded_entries_are_consistent() {
        let providers = [
            "openai",
            "anthropic",
            "google",
            "meta",
            "mistral",
            "deepseek",
            "xai",
        ];
        for model in table().models() {
            assert!(providers.contains(&model.provider.as_str()), "{}", model.id);
            assert_eq!(model.id, model.id.to_lowercase());
            if let Some(successor) = &model.successor {
                let next = table().lookup(successor).expect("successor exists");
                assert_eq!(&next.id, successor);
                assert!(
                    next.deprecated.is_none(),
                    "{} → deprecated {successor}",
                    model.id
                );
                assert!(model.deprecated.is_some(), "{} has a successor", model.id);
            }
            if model.deprecated.is_some() {
                assert!(model.successor.is_some(), "{} has no successor", model.id);
            }
            // Every name leads back to its own entry, not to one its suffix-stripping reaches.
            for name in std::iter::once(&model.id).chain(&model.aliases) {
                assert_eq!(id_of(name), Some(model.id.as_str()), "{name}");
            }
            let temperature_max = model.sampling.temperature_max;
            match model.provider.as_str() {
                "anthropic" => assert_eq!(temperature_max, 1.0, "{}", model.id),
                "openai" | "google" => assert_eq!(temperature_max, 2.0, "{}", model.id),
                _ => {}
            }
        }
    }

    #[test]
    fn embedded_table_knows_the_brief() {
        let expected = [
            "gpt-3.5-turbo",
            "gpt-4",
            "gpt-4-turbo",
            "gpt-4o",
            "gpt-4o-mini",
            "gpt-4.1",
            "gpt-4.1-mini",
            "gpt-4.1-nano",
            "o1",
            "o1-mini",
            "o3",
            "o3-mini",
            "o4-mini",
            "gpt-5",
            "gpt-5-mini",
            "gpt-5-nano",
            "claude-2",
            "claude-instant-1",
            "claude-3-haiku",
            "claude-3-sonnet",
            "claude-3-opus",
            "claude-3-5-haiku",
            "claude-3-5-sonnet",
            "claude-3-7-sonnet",
            "claude-sonnet-4",
            "claude-opus-4",
            "claude-opus-4-1",
            "claude-sonnet-4-5",
            "claude-haiku-4-5",
            "gemini-1.0-pro",
            "gemini-1.5-pro",
            "gemini-1.5-flash",
            "gemini-2.0-flash",
            "gemini-2.0-flash-lite",
            "gemini-2.5-pro",
            "gemini-2.5-flash",
            "gemini-2.5-flash-lite",
            "llama-3.1-8b",
            "llama-3.1-70b",
            "llama-3.1-405b",
            "llama-3.3-70b",
            "mistral-large",
            "mistral-small",
            "deepseek-chat",
            "deepseek-reasoner",
            "grok-3",
            "grok-4",
        ];
        for id in expected {
            assert_eq!(id_of(id), Some(id));
        }
        for deprecated in [
            "gpt-3.5-turbo",
            "o1-mini",
            "claude-2",
            "claude-instant-1",
            "claude-3-sonnet",
            "claude-3-opus",
            "claude-3-5-sonnet",
            "gemini-1.0-pro",
            "gemini-1.5-pro",
            "gemini-1.5-flash",
        ] {
            assert!(
                table().lookup(deprecated).unwrap().deprecated.is_some(),
                "{deprecated}"
            );
        }
        let o3 = table().lookup("o3").unwrap();
        assert!(o3.reasoning && o3.sampling.sampling_params_unsupported);
        let sonnet = table().lookup("claude-sonnet-4-5").unwrap();
        assert!(!sonnet.reasoning && sonnet.sampling.temperature_and_top_p_exclusive);
        assert_eq!(sonnet.sampling.temperature_max, 1.0);
        assert!(table().lookup("gemini-2.5-pro").unwrap().reasoning);
        assert!(table().lookup("deepseek-reasoner").unwrap().reasoning);
    }

    #[test]
    fn lookup_understands_prefixes_snapshots_and_case() {
        for (model_ref, id) in [
            ("googleai/gemini-2.5-pro", "gemini-2.5-pro"),
            ("vertexai/gemini-1.5-flash", "gemini-1.5-flash"),
            ("vertexai/gemini-2.0-flash-001", "gemini-2.0-flash"),
            ("models/gemini-1.5-pro-latest", "gemini-1.5-pro"),
            (
                "googleai/gemini-2.5-flash-preview-05-20",
                "gemini-2.5-flash",
            ),
            ("gemini-2.5-pro-exp-03-25", "gemini-2.5-pro"),
            ("openai/gpt-4o", "gpt-4o"),
            ("gpt-4o-2024-08-06", "gpt-4o"),
            ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
            ("gpt-4-0613", "gpt-4"),
            ("gpt-4-1106-preview", "gpt-4-turbo-preview"),
            ("o1-2024-12-17", "o1"),
            ("anthropic/claude-3-5-sonnet", "claude-3-5-sonnet"),
            ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
            ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
            (
                "vertexai/claude-3-5-sonnet-v2@20241022",
                "claude-3-5-sonnet",
            ),
            ("claude-sonnet-4@20250514", "claude-sonnet-4"),
            (
                "openrouter/anthropic/claude-3.7-sonnet",
                "claude-3-7-sonnet",
            ),
            ("ollama/llama3.1", "llama-3.1-8b"),
            ("ollama/llama3.1:70b", "llama-3.1-70b"),
            ("ollama/llama3.1:latest", "llama-3.1-8b"),
            ("meta-llama/Meta-Llama-3.1-405B-Instruct", "llama-3.1-405b"),
            ("groq/llama-3.3-70b-versatile", "llama-3.3-70b"),
            ("mistral/mistral-large-latest", "mistral-large"),
            ("mistral-small-2503", "mistral-small"),
            ("deepseek/deepseek-r1", "deepseek-reasoner"),
            ("xai/grok-4-0709", "grok-4"),
            ("grok-3-beta", "grok-3"),
            ("GPT-4o", "gpt-4o"),
            ("  OpenAI/GPT-4O-Mini  ", "gpt-4o-mini"),
            ("Claude-3-Opus-20240229", "claude-3-opus"),
        ] {
            assert_eq!(id_of(model_ref), Some(id), "{model_ref}");
        }
    }

    #[test]
    fn unknown_names_are_not_found() {
        for model_ref in [
            "",
            " ",
            "/",
            "-",
            "gpt-7",
            "my-company-model",
            "2024-08-06",
            "latest",
            "openai/",
            "claude",
            "gemini-2.5",
            "llama",
            "gpt-4o-turbo",
        ] {
            assert_eq!(id_of(model_ref), None, "{model_ref:?}");
        }
    }

    #[test]
    fn suggest_finds_near_misses() {
        for (typo, suggestion) in [
            ("gpt4o", "gpt-4o"),
            ("gtp-4o-mini", "gpt-4o-mini"),
            ("openai/gpt4o-mini", "gpt-4o-mini"),
            ("claude-3.5-sonet", "claude-3.5-sonnet"),
            ("claude-sonet-4-5-20250929", "claude-sonnet-4-5-20250929"),
            ("googleai/gemini-2.5-prp", "gemini-2.5-pro"),
            ("gemini-2-5-flash", "gemini-2.5-flash"),
            ("lama3.1", "llama3.1"),
            ("deepseek-reasonr", "deepseek-reasoner"),
        ] {
            assert_eq!(table().suggest(typo), Some(suggestion), "{typo}");
        }
        assert_eq!(table().suggest("gpt-4o-2024-08-06"), Some("gpt-4o"));
        for far in ["", "my-company-model", "bert-base-uncased", "x"] {
            assert_eq!(table().suggest(far), None, "{far}");
        }
    }

    #[test]
    fn deprecation_by_date() {
        let sonnet = table().lookup("claude-3-5-sonnet").unwrap();
        assert!(!sonnet.is_deprecated_on("2025-08-12"));
        assert!(sonnet.is_deprecated_on("2025-08-13"));
        assert!(sonnet.is_deprecated_on("2026-01-01"));
        assert!(
            !table()
                .lookup("gpt-4o")
                .unwrap()
                .is_deprecated_on("2026-01-01")
        );
    }

    const ENTRY: &str = r#"
[[model]]
id = "ID"
provider = "acme"
tokenizer = "o200k"
context_window = 1000
max_output_tokens = 100
input_price = 1
output_price = 2.5
"#;

    fn good() -> String {
        format!(
            "schema = 1\nupdated = \"2026-01-01\"\n{}",
            ENTRY.replace("ID", "a")
        )
    }

    /// A two-entry table (`a`, `b`) with the first `replace` in entry #2 replaced by `with`.
    fn broken(replace: &str, with: &str) -> ModelTableError {
        let second = ENTRY.replace("ID", "b").replacen(replace, with, 1);
        ModelTable::from_toml(&format!("{}{second}", good())).unwrap_err()
    }

    #[test]
    fn a_minimal_table_parses_with_defaults() {
        let table = ModelTable::from_toml(&good()).unwrap();
        let a = table.lookup("A").unwrap();
        assert_eq!(a.input_price, 1.0);
        assert_eq!(a.sampling, Sampling::default());
        assert!(!a.reasoning && a.aliases.is_empty() && a.deprecated.is_none());
        assert_eq!(table.suggest("b"), Some("a"));
    }

    #[test]
    fn malformed_tables_say_which_entry_and_field() {
        let error = broken("input_price = 1", "input_price = \"cheap\"");
        assert_eq!(
            (
                error.entry,
                error.id.as_deref(),
                error.field.as_deref(),
                error.line
            ),
            (Some(2), Some("b"), Some("input_price"), Some(19))
        );
        assert!(error.message.contains("invalid type"), "{error}");
        assert_eq!(
            error.to_string(),
            "model table, line 19, [[model]] #2 (`b`), field `input_price`: \
             invalid type: string \"cheap\", expected f64"
        );

        let error = broken("provider = \"acme\"\n", "");
        assert_eq!(
            (error.entry, error.field.as_deref()),
            (Some(2), Some("provider"))
        );
        assert!(error.message.contains("missing field"), "{error}");

        let error = broken("output_price = 2.5", "output_price = 2.5\nouput_price = 3");
        assert_eq!(
            (error.entry, error.field.as_deref()),
            (Some(2), Some("ouput_price"))
        );

        let error = broken(
            "output_price = 2.5",
            "output_price = 2.5\n[model.sampling]\ntemperature_max = true",
        );
        assert_eq!(
            (error.entry, error.field.as_deref()),
            (Some(2), Some("sampling.temperature_max"))
        );

        let error = broken("tokenizer = \"o200k\"", "tokenizer = \"sentencepiece\"");
        assert_eq!(
            (error.entry, error.field.as_deref()),
            (Some(2), Some("tokenizer"))
        );

        let error = broken("max_output_tokens = 100", "max_output_tokens = 5000");
        assert_eq!(
            (error.entry, error.field.as_deref()),
            (Some(2), Some("max_output_tokens"))
        );
        assert_eq!(error.line, Some(13), "the entry's `[[model]]` line");

        let error = broken("output_price = 2.5", "output_price = -1");
        assert_eq!(error.field.as_deref(), Some("output_price"));

        let error = broken(
            "output_price = 2.5",
            "output_price = 2.5\ndeprecated = \"soon\"",
        );
        assert_eq!(error.field.as_deref(), Some("deprecated"));

        let error = broken(
            "output_price = 2.5",
            "output_price = 2.5\nsuccessor = \"c\"",
        );
        assert_eq!(
            (error.id.as_deref(), error.field.as_deref()),
            (Some("b"), Some("successor"))
        );

        let error = broken(
            "output_price = 2.5",
            "output_price = 2.5\naliases = [\"A\"]",
        );
        assert_eq!(error.field.as_deref(), Some("aliases"));
        assert!(error.message.contains("already"), "{error}");

        let error = broken("id = \"b\"", "id = \"openai/b\"");
        assert_eq!(error.field.as_deref(), Some("id"));
    }

    #[test]
    fn malformed_documents_are_errors_not_panics() {
        let syntax = ModelTable::from_toml("schema = 1\n[[model]\nid = \"a\"\n").unwrap_err();
        assert_eq!(syntax.line, Some(2));

        let schema =
            ModelTable::from_toml(&good().replace("schema = 1", "schema = 2")).unwrap_err();
        assert_eq!(schema.field.as_deref(), Some("schema"));
        assert!(schema.message.contains("unsupported schema 2"), "{schema}");
        let missing = ModelTable::from_toml("updated = \"2026-01-01\"").unwrap_err();
        assert_eq!(missing.field.as_deref(), Some("schema"));

        let updated =
            ModelTable::from_toml(&good().replace("2026-01-01", "2026-13-01")).unwrap_err();
        assert_eq!(updated.field.as_deref(), Some("updated"));

        let not_array = ModelTable::from_toml("schema = 1\nupdated = \"2026-01-01\"\nmodel = 3");
        assert!(not_array.is_err());
        let empty = ModelTable::from_toml("schema = 1\nupdated = \"2026-01-01\"").unwrap();
        assert!(empty.models().is_empty());
        assert_eq!(empty.lookup("gpt-4o"), None);
        assert_eq!(empty.suggest("gpt-4o"), None);
    }
}
