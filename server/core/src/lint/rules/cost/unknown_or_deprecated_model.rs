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
            let mut value = front_matter.raw.get(*path.first()?)?;
            for key in &path[1..] {
                value = value.get(key)?;
            }
            let span = front_matter.spans.get(path)?.value;
            Some((value.as_str()?, unquoted(cx.source(), span)))
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
                let instead = successor.map_or(String::new(), |s| format!("; move to '{s}'"));
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
    use super::RULE;
    use crate::lint::testing::{check, check_format, fixed, flagged, messages};
    use crate::lint::{Format, Severity};

    #[test]
    fn deprecated_models_name_the_date_and_successor() {
        let source = "---\nmodel: openai/gpt-4-32k\n---\nHi\n";
        assert_eq!(flagged(&RULE, source), ["openai/gpt-4-32k"]);
        let message = &messages(&RULE, source)[0];
        assert!(
            message.starts_with("model 'openai/gpt-4-32k' (gpt-4-32k) is deprecated by its vendor since 2024-06-06 and will stop working; move to 'gpt-4.1'"),
            "{message}"
        );
        assert_eq!(
            fixed(&RULE, source),
            "---\nmodel: openai/gpt-4.1\n---\nHi\n"
        );
        assert_eq!(
            fixed(&RULE, "---\nmodel: \"gpt-4-32k\"\n---\nHi\n"),
            "---\nmodel: \"gpt-4.1\"\n---\nHi\n"
        );
    }

    #[test]
    fn unknown_models_get_a_did_you_mean() {
        let source = "---\nmodel: googleai/gemini-2.5-flsh\n---\nHi\n";
        let found = check(&RULE, source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0]
                .message
                .contains("did you mean 'gemini-2.5-flash'?"),
            "{}",
            found[0].message
        );
        assert_eq!(
            fixed(&RULE, source),
            "---\nmodel: googleai/gemini-2.5-flash\n---\nHi\n"
        );
        let no_idea = check(&RULE, "---\nmodel: zorblax-ultra\n---\nHi\n");
        assert!(
            no_idea[0].message.contains("lint.model-table"),
            "{}",
            no_idea[0].message
        );
        assert!(no_idea[0].fixes.is_empty());
    }

    #[test]
    fn other_plugins_are_info_and_local_models_are_skipped() {
        let found = check(&RULE, "---\nmodel: myorg/support-finetune-v3\n---\nHi\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Info);
        for source in [
            "---\nmodel: ollama/my-custom-llama:8b\n---\nHi\n",
            "---\nmodel: local/whatever\n---\nHi\n",
            "---\nmodel: googleai/gemini-2.5-flash\n---\nHi\n",
            "---\nmodel: vertexai/gemini-2.5-pro@001\n---\nHi\n",
            "---\nmodel: gpt-4o-2024-08-06\n---\nHi\n",
            "---\nmodel: claude-sonnet-4-5-latest\n---\nHi\n",
            "---\nname: no model\n---\nHi\n",
        ] {
            assert_eq!(flagged(&RULE, source), Vec::<&str>::new(), "{source}");
        }
    }

    #[test]
    fn prompty_checks_model_names_not_deployments() {
        let run = |source: &str| check_format(&RULE, Format::Prompty, source);
        let deployment = "---\nmodel:\n  configuration:\n    type: azure_openai\n    azure_deployment: my-gpt4-prod\n---\nsystem:\nHi\n";
        assert_eq!(run(deployment), []);
        let named = "---\nmodel:\n  configuration:\n    type: openai\n    name: gpt-35-turbo-16k\n---\nsystem:\nHi\n";
        let found = run(named);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("move to 'gpt-4.1-mini'"),
            "{}",
            found[0].message
        );
    }
}
