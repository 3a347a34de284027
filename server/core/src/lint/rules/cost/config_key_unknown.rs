//! `config-key-unknown`: generation parameters spelled the way another API spells them.
//!
//! Dotprompt's `config` follows Genkit's `GenerationCommonConfig` (`version`, `temperature`,
//! `maxOutputTokens`, `topK`, `topP`, `stopSequences`) plus provider keys that model plugins
//! pass through, all camelCase. OpenAI-style `max_tokens` or `top_p` there is not the common
//! key: the limit is silently not applied (or reaches the provider as an unknown field). Keys
//! that are merely unknown are left alone, since plugins accept their own; the rule flags
//! other spellings of known keys and near-miss typos.
//!
//! Prompty's `model.parameters` go to an OpenAI-style API as-is, so there the snake_case names
//! are right and the camelCase ones (`maxTokens`, `topP`) are the mistake.

use crate::lint::text::did_you_mean;
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, Report, Rule, Severity,
};

use super::params::{self, unquoted};
use crate::lint::text::entry_lines;

pub(crate) static RULE: Rule = Rule {
    id: "config-key-unknown",
    category: Category::Cost,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Safe,
    formats: Formats::TEMPLATED,
    summary: "Generation parameters spelled the way another API spells them (max_tokens, top_p)",
    docs: Docs {
        why: "Dotprompt's `config` uses Genkit's camelCase names: `maxOutputTokens`, `topP`, `topK`, `stopSequences`. A `max_tokens` copied from OpenAI's API is not the common output limit: the cap you set is silently not applied, and the answer can run to the model's maximum length and cost. Prompty is the other way round: its `model.parameters` go to an OpenAI-style API, which wants `max_tokens` and `top_p`.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\nconfig:\n  max_tokens: 200\n  top_p: 0.9\n---\nWrite a product description for {{product}}.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\nconfig:\n  maxOutputTokens: 200\n  topP: 0.9\n---\nWrite a product description for {{product}}.\n",
        fix: "Rename the key (the quick fix does it; `lint --fix` applies the unambiguous renames such as `top_p` → `topP`, unless two spellings of one key would both become it). Provider-specific keys your model plugin documents are fine and are not flagged.",
    },
    check,
};

/// Genkit's common generation config.
const DOTPROMPT_COMMON: [&str; 6] = [
    "version",
    "temperature",
    "maxOutputTokens",
    "topK",
    "topP",
    "stopSequences",
];

/// Provider keys Genkit's model plugins accept (camelCase), for snake_case and typo checks.
const DOTPROMPT_PROVIDER: [&str; 14] = [
    "frequencyPenalty",
    "presencePenalty",
    "candidateCount",
    "safetySettings",
    "responseMimeType",
    "responseSchema",
    "responseModalities",
    "thinkingConfig",
    "responseLogprobs",
    "topLogprobs",
    "seed",
    "logprobs",
    "functionCallingConfig",
    "googleSearchRetrieval",
];

/// Other APIs' names for the common keys: a rename, but a guess at intent (Suggested).
const DOTPROMPT_SYNONYMS: [(&str, &str); 13] = [
    ("max_tokens", "maxOutputTokens"),
    ("maxTokens", "maxOutputTokens"),
    ("max_completion_tokens", "maxOutputTokens"),
    ("maxCompletionTokens", "maxOutputTokens"),
    ("max_new_tokens", "maxOutputTokens"),
    ("maxNewTokens", "maxOutputTokens"),
    ("max_length", "maxOutputTokens"),
    ("stop", "stopSequences"),
    ("stops", "stopSequences"),
    ("stop_words", "stopSequences"),
    ("stopWords", "stopSequences"),
    ("temp", "temperature"),
    ("num_candidates", "candidateCount"),
];

/// OpenAI-style parameters Prompty passes to the API.
const PROMPTY_KNOWN: [&str; 26] = [
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "stop",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "response_format",
    "tools",
    "tool_choice",
    "n",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "user",
    "reasoning_effort",
    "parallel_tool_calls",
    "stream",
    "stream_options",
    "modalities",
    "audio",
    "prediction",
    "store",
    "metadata",
    "service_tier",
];

const PROMPTY_SYNONYMS: [(&str, &str); 5] = [
    ("maxOutputTokens", "max_tokens"),
    ("max_output_tokens", "max_tokens"),
    ("stopSequences", "stop"),
    ("stop_sequences", "stop"),
    ("maxTokens", "max_tokens"),
];

/// `max_output_tokens`, `max-output-tokens` → `maxOutputTokens`.
fn camel_case(key: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in key.chars() {
        if c == '_' || c == '-' {
            upper = !out.is_empty();
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `maxTokens` → `max_tokens`.
fn snake_case(key: &str) -> String {
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

/// The key the author meant, and whether renaming to it is certain (a spelling of the same
/// key) rather than a guess (another API's synonym, a typo).
fn intended(format: Format, key: &str) -> Option<(&'static str, bool)> {
    let (known, synonyms): (Vec<&'static str>, &[(&str, &'static str)]) = match format {
        Format::Dotprompt => (
            DOTPROMPT_COMMON
                .iter()
                .chain(&DOTPROMPT_PROVIDER)
                .copied()
                .collect(),
            &DOTPROMPT_SYNONYMS,
        ),
        Format::Prompty => (PROMPTY_KNOWN.to_vec(), &PROMPTY_SYNONYMS),
        Format::Plain => return None,
    };
    if known.contains(&key) {
        return None;
    }
    if let Some(&(_, to)) = synonyms.iter().find(|(from, _)| *from == key) {
        return Some((to, false));
    }
    let respelled = match format {
        Format::Prompty => snake_case(key),
        _ => camel_case(key),
    };
    if let Some(&same) = known.iter().find(|k| {
        **k == respelled || k.eq_ignore_ascii_case(key) || k.eq_ignore_ascii_case(&respelled)
    }) {
        return Some((same, true));
    }
    // A typo: long enough that a near match is unlikely to be another real key.
    if key.chars().count() < 5 {
        return None;
    }
    let limit = (key.chars().count() / 4).max(1);
    did_you_mean(key, known.iter().copied())
        .filter(|guess| strsim::levenshtein(&key.to_lowercase(), &guess.to_lowercase()) <= limit)
        .map(|guess| (guess, false))
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let format = cx.format();
    let Some(path) = params::params_path(format) else {
        return;
    };
    let where_ = path.join(".");
    let all = params::params(cx);
    let source = cx.source();
    let targets: Vec<Option<(&'static str, bool)>> = all
        .iter()
        .map(|param| intended(format, param.key))
        .collect();
    for (param, target) in all.iter().zip(&targets) {
        let Some((to, certain)) = *target else {
            continue;
        };
        let Some(key_span) = param.key_span else {
            continue;
        };
        let key_span = unquoted(source, key_span);
        let why = match format {
            Format::Prompty => {
                "Prompty passes model.parameters to an OpenAI-style API, which expects snake_case names"
            }
            _ => {
                "dotprompt's config uses Genkit's camelCase names, so this spelling is not applied as the common setting"
            }
        };
        if all.iter().any(|other| other.key == to) {
            let finding = report.add(
                key_span,
                format!(
                    "'{}' in {where_} is another spelling of '{to}', which is also set: {why}; remove it",
                    param.key
                ),
            );
            if let Some(lines) = param
                .value_span
                .and_then(|value| entry_lines(source, key_span, value))
            {
                finding.with_fix(Fix::suggested(
                    format!("Remove {}", param.key),
                    vec![Edit::delete(lines)],
                ));
            }
            continue;
        }
        // Other spellings of the same key: renaming them all would set it twice.
        let others: Vec<String> = all
            .iter()
            .zip(&targets)
            .filter(|(other, target)| {
                other.key != param.key && target.is_some_and(|(t, _)| t == to)
            })
            .map(|(other, _)| format!("'{}'", other.key))
            .collect();
        let note = if !others.is_empty() {
            format!(
                " ('{to}' would be set twice: {} means it too; keep one of them)",
                others.join(", ")
            )
        } else if to == "stopSequences" && !param.value.is_array() {
            " (it takes a list: `stopSequences: [\"…\"]`)".to_string()
        } else {
            String::new()
        };
        let title = format!("Rename to {to}");
        let edits = vec![Edit::replace(key_span, to)];
        report
            .add(
                key_span,
                format!(
                    "unknown key '{}' in {where_}: {why}; did you mean '{to}'?{note}",
                    param.key
                ),
            )
            .with_fix(if certain && note.is_empty() {
                Fix::safe(title, edits)
            } else {
                Fix::suggested(title, edits)
            });
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::Format;
    use crate::lint::testing::{check, check_format, fixed, flagged, messages};

    #[test]
    fn catches_other_spellings_and_typos() {
        let source = "---\nconfig:\n  max_tokens: 200\n  top_p: 0.9\n  TopK: 40\n  stop_sequences: [\"END\"]\n  temprature: 0.2\n  frequency_penalty: 0.5\n---\nHi\n";
        assert_eq!(
            flagged(&RULE, source),
            [
                "max_tokens",
                "top_p",
                "TopK",
                "stop_sequences",
                "temprature",
                "frequency_penalty"
            ]
        );
        let first = &messages(&RULE, source)[0];
        assert!(
            first
                .starts_with("unknown key 'max_tokens' in config: dotprompt's config uses Genkit's camelCase names, so this spelling is not applied as the common setting; did you mean 'maxOutputTokens'?"),
            "{first}"
        );
        assert_eq!(
            fixed(&RULE, source),
            "---\nconfig:\n  maxOutputTokens: 200\n  topP: 0.9\n  topK: 40\n  stopSequences: [\"END\"]\n  temperature: 0.2\n  frequencyPenalty: 0.5\n---\nHi\n"
        );
    }

    #[test]
    fn only_certain_renames_are_safe() {
        let found = check(
            &RULE,
            "---\nconfig:\n  top_p: 0.9\n  max_tokens: 10\n  stop: END\n  temprature: 1\n---\nHi\n",
        );
        let safe: Vec<bool> = found.iter().map(|f| f.fixes[0].is_safe()).collect();
        assert_eq!(safe, [true, false, false, false]);
        assert!(
            found[2].message.contains("it takes a list"),
            "{}",
            found[2].message
        );
    }

    #[test]
    fn a_duplicate_spelling_is_removed_not_renamed() {
        let source = "---\nconfig:\n  maxOutputTokens: 100\n  max_tokens: 200\n---\nHi\n";
        assert!(messages(&RULE, source)[0].contains("which is also set"));
        assert_eq!(
            fixed(&RULE, source),
            "---\nconfig:\n  maxOutputTokens: 100\n---\nHi\n"
        );
    }

    #[test]
    fn two_spellings_of_one_key_are_not_renamed_safely() {
        for (source, keys) in [
            (
                "---\nconfig:\n  top_p: 0.9\n  TopP: 0.8\n---\nHi\n",
                ["top_p", "TopP"],
            ),
            (
                "---\nconfig:\n  max-output-tokens: 100\n  max_output_tokens: 200\n---\nHi\n",
                ["max-output-tokens", "max_output_tokens"],
            ),
        ] {
            let found = check(&RULE, source);
            let flagged: Vec<&str> = found.iter().map(|f| f.span.text(source)).collect();
            assert_eq!(flagged, keys, "{source}");
            for finding in &found {
                assert!(!finding.fixes[0].is_safe(), "{}", finding.message);
                assert!(finding.message.contains("set twice"), "{}", finding.message);
            }
            // `lint --fix` leaves them for a person: no duplicate keys.
            let safe: Vec<_> = crate::lint::safe_fixes(&found)
                .into_iter()
                .map(|(_, fix)| fix)
                .collect();
            assert_eq!(crate::lint::apply_fixes(source, &safe).0, source);
        }
    }

    #[test]
    fn prompty_wants_openai_names() {
        let source = "---\nmodel:\n  parameters:\n    maxTokens: 100\n    topP: 0.5\n    custom_flag: 1\n    temperature: 0.2\n    response_format: { type: json_object }\n---\nsystem:\nHi\n";
        let found = check_format(&RULE, Format::Prompty, source);
        let keys: Vec<&str> = found.iter().map(|f| f.span.text(source)).collect();
        assert_eq!(keys, ["maxTokens", "topP"]);
        assert!(
            found[1].message.contains("did you mean 'top_p'?"),
            "{}",
            found[1].message
        );
        assert!(found[1].fixes[0].is_safe());
    }

    #[test]
    fn near_misses() {
        for source in [
            "---\nconfig:\n  temperature: 0.2\n  maxOutputTokens: 100\n  topK: 3\n  topP: 1\n  stopSequences: [a]\n  version: v1\n---\nHi\n",
            "---\nconfig:\n  safetySettings: []\n  thinkingConfig: { thinkingBudget: 0 }\n  customPluginKey: 1\n  seed: 4\n  apiVersion: v1beta\n---\nHi\n",
            "---\nmodel: x\n---\nmax_tokens: 200 in the body is text\n",
            "---\nconfig: 3\n---\nHi\n",
        ] {
            assert_eq!(flagged(&RULE, source), Vec::<&str>::new(), "{source}");
        }
    }
}
