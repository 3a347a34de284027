//! `sampling-param-invalid`: sampling parameters the model's API rejects: a temperature out of
//! its range (0 to 2 for OpenAI and Gemini, 0 to 1 for Anthropic), `topP` outside 0–1, `topK`
//! below 1, sampling parameters on reasoning models that reject them (OpenAI's o-series and
//! gpt-5), and `temperature` with `topP` on models that accept only one of them (newer Claude).
//! Reads dotprompt `config` and Prompty `model.parameters`.

use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, Report, Rule, Severity,
};
use crate::text::Span;

use super::params::{self, Param, number, unquoted};
use crate::lint::text::entry_lines;

pub(crate) static RULE: Rule = Rule {
    id: "sampling-param-invalid",
    category: Category::Cost,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::TEMPLATED,
    summary: "Sampling parameters the model's API rejects: out-of-range temperature, sampling on reasoning models, temperature with topP",
    docs: Docs {
        why: "Providers validate sampling parameters and fail the whole call when one is out of range: Anthropic accepts temperatures from 0 to 1, OpenAI and Gemini 0 to 2. OpenAI's reasoning models (o1, o3, o4-mini, gpt-5) reject `temperature` and `top_p` other than the default, and newer Claude models reject a request that sets both `temperature` and `top_p`. These errors show up only when the prompt is run against that model.",
        bad: "---\nmodel: openai/o3\nconfig:\n  temperature: 0.2\n---\nSolve the scheduling problem below.\n\n{{problem}}\n",
        good: "---\nmodel: openai/o3\n---\nSolve the scheduling problem below.\n\n{{problem}}\n",
        fix: "Remove the parameter (the quick fix deletes its line) or bring it into range. For reasoning models, steer with the prompt and the reasoning-effort setting instead of temperature; for Claude, set `temperature` or `topP`, not both.",
    },
    check,
};

struct Names {
    temperature: &'static [&'static str],
    top_p: &'static [&'static str],
    top_k: &'static [&'static str],
    penalties: &'static [&'static str],
}

fn names(format: Format) -> Names {
    match format {
        Format::Prompty => Names {
            temperature: &["temperature"],
            top_p: &["top_p"],
            top_k: &["top_k"],
            penalties: &["frequency_penalty", "presence_penalty"],
        },
        _ => Names {
            temperature: &["temperature"],
            top_p: &["topP", "top_p"],
            top_k: &["topK", "top_k"],
            penalties: &[
                "frequencyPenalty",
                "presencePenalty",
                "frequency_penalty",
                "presence_penalty",
            ],
        },
    }
}

/// The fix that deletes the parameter's line, when it has a line of its own.
fn remove(cx: &Context<'_>, param: &Param<'_>) -> Option<Fix> {
    let key = param.key_span?;
    let lines = entry_lines(cx.source(), key, param.value_span.unwrap_or(key))?;
    Some(Fix::suggested(
        format!("Remove {}", param.key),
        vec![Edit::delete(lines)],
    ))
}

fn value_span(cx: &Context<'_>, param: &Param<'_>) -> Option<Span> {
    param
        .value_span
        .or(param.key_span)
        .map(|span| unquoted(cx.source(), span))
}

fn show(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.1}")
    } else {
        format!("{value}")
    }
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let names = names(cx.format());
    let model = params::model(cx).and_then(|(_, info, _)| info);
    let temperature = params::param(cx, names.temperature);
    let top_p = params::param(cx, names.top_p);
    let top_k = params::param(cx, names.top_k);

    // Reasoning models that reject sampling: every sampling key set to a non-default value.
    if let Some(model) = model.filter(|m| m.sampling.sampling_params_unsupported) {
        let all = params::params(cx);
        let sampling = all.iter().filter(|p| {
            let default = if names.penalties.contains(&p.key) {
                0.0
            } else {
                1.0
            };
            let is_sampling = names.temperature.contains(&p.key)
                || names.top_p.contains(&p.key)
                || names.top_k.contains(&p.key)
                || names.penalties.contains(&p.key);
            is_sampling && number(p.value) != Some(default)
        });
        for param in sampling {
            let Some(span) = param.key_span else { continue };
            let finding = report.add(
                span,
                format!(
                    "'{}' is not supported by {}, a reasoning model: its API rejects (or ignores) sampling parameters other than the default; remove it and steer with the prompt or the reasoning effort instead",
                    param.key, model.id
                ),
            );
            if let Some(fix) = remove(cx, param) {
                finding.with_fix(fix);
            }
        }
        return;
    }

    let who = model.map_or("any provider".to_string(), |m| m.id.clone());
    let temperature_max = model.map_or(2.0, |m| m.sampling.temperature_max);
    if let Some(param) = &temperature {
        let Some(span) = value_span(cx, param) else {
            return;
        };
        match number(param.value) {
            None if !param.value.is_null() => {
                report.add(
                    span,
                    format!(
                        "temperature '{}' is not a number; use a value from 0 to {}",
                        cx.text(span),
                        show(temperature_max)
                    ),
                );
            }
            Some(t) if t < 0.0 || t > temperature_max => {
                let finding = report.add(
                    span,
                    format!(
                        "temperature {} is out of range for {who} (0 to {}): the API rejects the call; use a value in range or remove it",
                        show(t),
                        show(temperature_max)
                    ),
                );
                if let Some(fix) = remove(cx, param) {
                    finding.with_fix(fix);
                }
                finding.with_fix(Fix::suggested(
                    format!(
                        "Set temperature to {}",
                        show(temperature_max.min(t.max(0.0)))
                    ),
                    vec![Edit::replace(span, show(temperature_max.min(t.max(0.0))))],
                ));
            }
            _ => {}
        }
    }
    if let Some(param) = &top_p {
        if let (Some(span), Some(p)) = (value_span(cx, param), number(param.value)) {
            if !(0.0..=1.0).contains(&p) {
                let finding = report.add(
                    span,
                    format!("{} {} is out of range (0 to 1): it is a probability mass, and the API rejects the call; use a value between 0 and 1, or remove it", param.key, show(p)),
                );
                if let Some(fix) = remove(cx, param) {
                    finding.with_fix(fix);
                }
            }
        }
    }
    if let Some(param) = &top_k {
        if let (Some(span), Some(k)) = (value_span(cx, param), number(param.value)) {
            if k < 1.0 || k.fract() != 0.0 {
                let finding = report.add(
                    span,
                    format!("{} {} is invalid: it counts candidate tokens, a whole number of at least 1; use a whole number ≥ 1, or remove it", param.key, show(k)),
                );
                if let Some(fix) = remove(cx, param) {
                    finding.with_fix(fix);
                }
            }
        }
    }
    if let (Some(model), Some(_), Some(param)) = (model, &temperature, &top_p) {
        if model.sampling.temperature_and_top_p_exclusive {
            if let Some(span) = param.key_span {
                let finding = report
                    .add(
                        span,
                        format!(
                            "{} rejects requests that set both temperature and {}: keep one (usually temperature) and remove the other",
                            model.id, param.key
                        ),
                    )
                    .with_severity(Severity::Warning);
                if let Some(fix) = remove(cx, param) {
                    finding.with_fix(fix);
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
    fn temperature_out_of_the_models_range() {
        let source =
            "---\nmodel: anthropic/claude-sonnet-4-5\nconfig:\n  temperature: 1.5\n---\nHi\n";
        assert_eq!(flagged(&RULE, source), ["1.5"]);
        let message = &messages(&RULE, source)[0];
        assert!(
            message.starts_with("temperature 1.5 is out of range for claude-sonnet-4-5 (0 to 1.0)"),
            "{message}"
        );
        assert_eq!(
            fixed(&RULE, source),
            "---\nmodel: anthropic/claude-sonnet-4-5\nconfig:\n---\nHi\n"
        );
        // Without a known model the widest range any provider takes applies.
        assert_eq!(
            flagged(&RULE, "---\nconfig:\n  temperature: -0.5\n---\nHi\n"),
            ["-0.5"]
        );
        assert_eq!(
            flagged(&RULE, "---\nconfig:\n  temperature: 2.5\n---\nHi\n"),
            ["2.5"]
        );
        assert_eq!(
            flagged(&RULE, "---\nconfig:\n  temperature: \"hot\"\n---\nHi\n"),
            ["hot"]
        );
        assert_eq!(
            flagged(&RULE, "---\nconfig:\n  topP: 1.5\n  topK: 0\n---\nHi\n"),
            ["1.5", "0"]
        );
    }

    #[test]
    fn top_p_and_top_k_messages_say_what_to_do() {
        let found = messages(&RULE, "---\nconfig:\n  topP: 1.5\n  topK: 2.5\n---\nHi\n");
        assert!(
            found[0].ends_with("use a value between 0 and 1, or remove it"),
            "{found:?}"
        );
        assert!(
            found[1].ends_with("use a whole number ≥ 1, or remove it"),
            "{found:?}"
        );
    }

    #[test]
    fn second_fix_clamps_into_range() {
        let found = check(
            &RULE,
            "---\nmodel: claude-sonnet-4-5\nconfig:\n  temperature: 1.5\n---\nHi\n",
        );
        assert_eq!(found[0].fixes[1].edits[0].text, "1.0");
    }

    #[test]
    fn reasoning_models_reject_sampling() {
        let source = "---\nmodel: openai/o3\nconfig:\n  temperature: 0.2\n  topP: 0.9\n  maxOutputTokens: 100\n---\nHi\n";
        assert_eq!(flagged(&RULE, source), ["temperature", "topP"]);
        assert!(messages(&RULE, source)[0].contains("not supported by o3, a reasoning model"));
        assert_eq!(
            fixed(&RULE, source),
            "---\nmodel: openai/o3\nconfig:\n  maxOutputTokens: 100\n---\nHi\n"
        );
        // The default value is accepted.
        assert_eq!(
            flagged(
                &RULE,
                "---\nmodel: o3\nconfig:\n  temperature: 1\n---\nHi\n"
            ),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn temperature_and_top_p_together_on_claude() {
        let source =
            "---\nmodel: claude-sonnet-4-5\nconfig:\n  temperature: 0.5\n  topP: 0.9\n---\nHi\n";
        let found = check(&RULE, source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].span.text(source), "topP");
        assert_eq!(
            fixed(&RULE, source),
            "---\nmodel: claude-sonnet-4-5\nconfig:\n  temperature: 0.5\n---\nHi\n"
        );
    }

    #[test]
    fn prompty_parameters() {
        let source = "---\nmodel:\n  configuration:\n    type: openai\n    name: gpt-5\n  parameters:\n    temperature: 0.7\n    max_tokens: 100\n---\nsystem:\nHi\n";
        let found = check_format(&RULE, Format::Prompty, source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span.text(source), "temperature");
    }

    #[test]
    fn near_misses() {
        for source in [
            "---\nmodel: openai/gpt-4o\nconfig:\n  temperature: 1.8\n  topP: 0.9\n  topK: 40\n---\nHi\n",
            "---\nmodel: claude-sonnet-4-5\nconfig:\n  temperature: 1\n---\nHi\n",
            "---\nmodel: claude-3-haiku\nconfig:\n  temperature: 0.5\n  topP: 0.9\n---\nHi\n",
            "---\nmodel: o3\nconfig:\n  maxOutputTokens: 500\n---\nHi\n",
            "---\nconfig:\n  temperature: 0\n---\nHi\n",
        ] {
            assert_eq!(flagged(&RULE, source), Vec::<&str>::new(), "{source}");
        }
    }
}
