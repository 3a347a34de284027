//! `unknown-or-deprecated-model`: the model a prompt names, checked against the model table:
//! names it does not know (with a did-you-mean) and models the vendor has deprecated (with the
//! successor). Local and self-hosted models (`ollama/…`, `local/…`) can be called anything and
//! are not checked; names behind other plugin prefixes are reported at info level, since the
//! table lists first-party models only. Prompty's `azure_deployment` is a deployment name
//! chosen by the team, not a model id, and is not checked.

use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, Report, Rule, Severity,
};
use crate::text::Span;

use super::params::unquoted;

pub(crate) static RULE: Rule = Rule {
    id: "unknown-or-deprecated-model",
    category: Category::Cost,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::TEMPLATED,
    summary: "Model ids that are misspelled, unknown, or deprecated by their vendor",
    docs: Docs {
        why: "A misspelled model id fails at call time, and a deprecated model stops working on its retirement date, usually noticed in production. The model table also drives the cost rules (context window, prices, sampling limits): a model it does not know goes unchecked. Dates and successors come from the vendors' deprecation pages as recorded in the table (see its `updated` date).",
        bad: "---\nmodel: openai/gpt-4-32k\n---\nSummarize the document below.\n\n{{document}}\n",
        good: "---\nmodel: openai/gpt-4.1\n---\nSummarize the document inside <document>.\n\n<document>\n{{document}}\n</document>\n",
        fix: "Use the suggested id or the successor (the quick fix rewrites the name and keeps the provider prefix), and re-check the prompt's output on the new model. For a model the table does not know yet, add it to your own table (`lint.model-table`) or suppress the rule on that line.",
    },
    check,
};

/// Prefixes of locally served models, which can have any name.
const LOCAL: [&str; 12] = [
    "ollama",
    "local",
    "lmstudio",
    "llamacpp",
    "llama-cpp",
    "llama.cpp",
    "vllm",
    "hf",
    "huggingface",
    "mlx",
    "localai",
    "gpt4all",
];

/// Prefixes of the vendors' own APIs, whose model ids the table lists.
const VENDORS: [&str; 11] = [
    "googleai",
    "google",
    "vertexai",
    "gemini",
    "openai",
    "anthropic",
    "mistral",
    "mistralai",
    "deepseek",
    "xai",
    "meta",
];

/// The model names the file itself writes, with their spans.
fn named_models<'a>(cx: &Context<'a>) -> Vec<(&'a str, Span)> {
    let Some(front_matter) = cx.front_matter() else {
        return Vec::new();
    };
    let paths: &[&[&str]] = match cx.format() {
        Format::Dotprompt => &[&["model"]],
        Format::Prompty => &[
            &["model", "configuration", "name"],
            &["model", "configuration", "model"],
        ],
        Format::Plain => &[],
    };
    paths
        .iter()
        .filter_map(|path| {
            let span = front_matter.spans.get(path)?.value;
            Some((
                front_matter.get(path)?.as_str()?,
                unquoted(cx.source(), span),
            ))
        })
        .collect()
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let table = cx.options.models();
    for (name, span) in named_models(cx) {
        let name_trimmed = name.trim();
        // Templated or environment-supplied names are filled in elsewhere.
        if name_trimmed.is_empty() || name_trimmed.contains(['{', '$', '<']) {
            continue;
        }
        let (prefix, bare) = match name_trimmed.rsplit_once('/') {
            Some((prefix, bare)) => (Some(prefix), bare),
            None => (None, name_trimmed),
        };
        let provider = prefix.map(|p| p.split('/').next().unwrap_or(p).to_ascii_lowercase());
        if provider.as_deref().is_some_and(|p| LOCAL.contains(&p)) {
            continue;
        }
        // The part of the span after the prefix, which a fix replaces.
        let bare_span = Span::new(span.end.saturating_sub(bare.len()), span.end);
        let bare_span = if cx.text(bare_span) == bare {
            bare_span
        } else {
            span
        };
        match table.lookup(name_trimmed) {
            Some(model) => {
                let Some(since) = &model.deprecated else {
                    continue;
                };
                let successor = model.successor.as_deref();
                let instead = successor.map_or_else(
                    || "; move to a current model from the vendor's list".to_string(),
                    |s| format!("; move to '{s}'"),
                );
                let finding = report.add(
                    span,
                    format!(
                        "model '{name_trimmed}' ({}) is deprecated by its vendor since {since} and will stop working{instead}, then re-check the prompt's output (model table of {})",
                        model.id,
                        table.updated()
                    ),
                );
                if let Some(successor) = successor {
                    finding.with_fix(Fix::suggested(
                        format!("Replace with {successor}"),
                        vec![Edit::replace(bare_span, successor)],
                    ));
                }
            }
            None => {
                let suggestion = table.suggest(name_trimmed);
                let vendor = provider.as_deref().is_none_or(|p| VENDORS.contains(&p));
                let hint = match suggestion {
                    Some(s) => format!("; did you mean '{s}'?"),
                    None => {
                        " (add it to your own table with `lint.model-table` if it is new)".into()
                    }
                };
                let finding = report.add(
                    span,
                    format!(
                        "unknown model '{name_trimmed}': not in the model table (updated {}), so its context window, prices and sampling limits go unchecked{hint}",
                        table.updated()
                    ),
                );
                if !vendor {
                    finding.with_severity(Severity::Info);
                }
                if let Some(s) = suggestion {
                    finding.with_fix(Fix::suggested(
                        format!("Replace with {s}"),
                        vec![Edit::replace(bare_span, s)],
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::RULE;
    use crate::lint::testing::{check, check_with};
    use crate::lint::{Finding, Fix, Format, LintOptions, NoWorkspace, Severity, apply_fixes};
    use crate::models::ModelTable;

    /// A small model table, so these tests do not follow the embedded table's dates and
    /// successors.
    const FIXTURE: &str = r#"
schema = 1
updated = "2000-01-01"

[[model]]
id = "chat-old"
provider = "openai"
aliases = ["chat-old-0613", "chat-old-16k"]
tokenizer = "cl100k"
context_window = 32768
max_output_tokens = 4096
input_price = 1.0
output_price = 2.0
deprecated = "1999-06-06"
successor = "chat-new"

[[model]]
id = "chat-new"
provider = "openai"
tokenizer = "o200k"
context_window = 128000
max_output_tokens = 16384
input_price = 1.0
output_price = 2.0

[[model]]
id = "orphan-1"
provider = "openai"
tokenizer = "o200k"
context_window = 128000
max_output_tokens = 16384
input_price = 1.0
output_price = 2.0
deprecated = "1999-01-01"

[[model]]
id = "gemini-9-flash"
provider = "google"
tokenizer = "estimate"
context_window = 1000000
max_output_tokens = 65536
input_price = 0.3
output_price = 2.5

[[model]]
id = "claude-sonnet-9"
provider = "anthropic"
tokenizer = "estimate"
context_window = 200000
max_output_tokens = 64000
input_price = 3.0
output_price = 15.0
"#;

    fn fixture_in(format: Format, source: &str) -> Vec<Finding> {
        let table = ModelTable::from_toml(FIXTURE);
        assert!(table.is_ok(), "{table:?}");
        let options = LintOptions {
            model_table: table.ok().map(Arc::new),
            ..LintOptions::default()
        };
        check_with(&RULE, format, source, options, &NoWorkspace)
    }

    fn fixture(source: &str) -> Vec<Finding> {
        fixture_in(Format::Dotprompt, source)
    }

    fn fixed(source: &str) -> String {
        let found = fixture(source);
        let fixes: Vec<&Fix> = found.iter().filter_map(|f| f.fixes.first()).collect();
        apply_fixes(source, &fixes).0
    }

    #[test]
    fn deprecated_models_name_the_date_and_successor() {
        let source = "---\nmodel: openai/chat-old-16k\n---\nHi\n";
        let found = fixture(source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span.text(source), "openai/chat-old-16k");
        let message = &found[0].message;
        assert!(
            message.starts_with("model 'openai/chat-old-16k' (chat-old) is deprecated by its vendor since 1999-06-06 and will stop working; move to 'chat-new', then re-check the prompt's output (model table of 2000-01-01)"),
            "{message}"
        );
        assert_eq!(fixed(source), "---\nmodel: openai/chat-new\n---\nHi\n");
        assert_eq!(
            fixed("---\nmodel: \"chat-old\"\n---\nHi\n"),
            "---\nmodel: \"chat-new\"\n---\nHi\n"
        );
    }

    #[test]
    fn deprecated_without_a_successor_says_what_to_do() {
        let found = fixture("---\nmodel: orphan-1\n---\nHi\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("will stop working; move to a current model from the vendor's list, then re-check the prompt's output"),
            "{}",
            found[0].message
        );
        assert!(found[0].fixes.is_empty());
    }

    #[test]
    fn unknown_models_get_a_did_you_mean() {
        let source = "---\nmodel: googleai/gemini-9-flsh\n---\nHi\n";
        let found = fixture(source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0].message.contains("did you mean 'gemini-9-flash'?"),
            "{}",
            found[0].message
        );
        assert_eq!(
            fixed(source),
            "---\nmodel: googleai/gemini-9-flash\n---\nHi\n"
        );
        let no_idea = fixture("---\nmodel: zorblax-ultra\n---\nHi\n");
        assert!(
            no_idea[0].message.contains("lint.model-table"),
            "{}",
            no_idea[0].message
        );
        assert!(no_idea[0].fixes.is_empty());
    }

    #[test]
    fn other_plugins_are_info_and_local_models_are_skipped() {
        let found = fixture("---\nmodel: myorg/support-finetune-v3\n---\nHi\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Info);
        for source in [
            "---\nmodel: ollama/my-custom-llama:8b\n---\nHi\n",
            "---\nmodel: local/whatever\n---\nHi\n",
            "---\nmodel: googleai/gemini-9-flash\n---\nHi\n",
            "---\nmodel: vertexai/gemini-9-flash@001\n---\nHi\n",
            "---\nmodel: chat-new-2024-08-06\n---\nHi\n",
            "---\nmodel: claude-sonnet-9-latest\n---\nHi\n",
            "---\nname: no model\n---\nHi\n",
        ] {
            assert_eq!(fixture(source), [], "{source}");
        }
    }

    #[test]
    fn prompty_checks_model_names_not_deployments() {
        let run = |source: &str| fixture_in(Format::Prompty, source);
        let deployment = "---\nmodel:\n  configuration:\n    type: azure_openai\n    azure_deployment: my-gpt4-prod\n---\nsystem:\nHi\n";
        assert_eq!(run(deployment), []);
        let named = "---\nmodel:\n  configuration:\n    type: openai\n    name: chat-old-0613\n---\nsystem:\nHi\n";
        let found = run(named);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("move to 'chat-new'"),
            "{}",
            found[0].message
        );
    }

    /// The embedded table drives the rule end to end: every deprecated entry is reported
    /// (with its successor when it has one) and current entries are not. No dates or ids are
    /// pinned, since the table changes.
    #[test]
    fn the_embedded_table_works_end_to_end() {
        let table = ModelTable::embedded();
        assert!(ModelTable::embedded_error().is_none());
        for model in table.models() {
            let source = format!("---\nmodel: {}\n---\nHi\n", model.id);
            let found = check(&RULE, &source);
            match (&model.deprecated, &model.successor) {
                (None, _) => assert_eq!(found, [], "{}", model.id),
                (Some(since), successor) => {
                    assert_eq!(found.len(), 1, "{}", model.id);
                    assert!(found[0].message.contains(since.as_str()), "{}", model.id);
                    assert_eq!(
                        found[0].fixes.first().map(|fix| fix.edits[0].text.as_str()),
                        successor.as_deref(),
                        "{}",
                        model.id
                    );
                }
            }
        }
    }
}
