//! `token-budget`: the prompt's tokens plus the output it requests (`config.maxOutputTokens`,
//! Prompty `model.parameters.max_tokens`) against the model's context window and the team's
//! budget. The count is of the template as written, variables unrendered: the static part of
//! every call, which rendered inputs only add to.

use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::models::ModelInfo;
use crate::text::Span;
use crate::tokens::{Tokenizer, cost_usd, count_for_model};

use super::params;
use crate::tokens::{dollars, thousands};

pub(crate) static RULE: Rule = Rule {
    id: "token-budget",
    category: Category::Cost,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::ALL,
    summary: "Prompt plus requested output over the model's context window or the team's token budget",
    docs: Docs {
        why: "A call whose prompt plus requested output (`maxOutputTokens`) exceeds the model's context window is rejected by the API or has its answer cut off; past about 80% of the window there is little room left for the rendered inputs. The count is of the template with its variables unrendered (the static cost of every call), with OpenAI's tokenizers where the model uses them and an estimate, labelled as such, for models whose tokenizer is not public. Set `lint.token-budget` to hold prompts to a team budget.",
        bad: "---\nmodel: openai/gpt-4\nconfig:\n  maxOutputTokens: 9000\n---\nSummarize the document below in three bullet points.\n\n{{document}}\n",
        good: "---\nmodel: openai/gpt-4\nconfig:\n  maxOutputTokens: 1000\n---\nSummarize the document inside <document> in three bullet points.\n\n<document>\n{{document}}\n</document>\n",
        fix: "Lower `maxOutputTokens` (`max_tokens` in Prompty) to what the answer needs, shorten the static text (drop repeated instructions and long examples), or move to a model with a larger context window.",
    },
    check,
};

/// How each format spells the requested output length, the format's own spelling first.
fn output_keys(cx: &Context<'_>) -> &'static [&'static str] {
    match cx.format() {
        crate::lint::Format::Prompty => {
            &["max_tokens", "max_completion_tokens", "max_output_tokens"]
        }
        _ => &[
            "maxOutputTokens",
            "max_tokens",
            "maxTokens",
            "max_output_tokens",
        ],
    }
}

/// Where to report: the model name when the file names one, else the body's first line.
fn anchor(cx: &Context<'_>, model_span: Option<Span>) -> Span {
    if let Some(span) = model_span {
        return span;
    }
    let body = cx.body();
    let text = cx.text(body);
    let lead = text.len() - text.trim_start().len();
    let first = text.trim_start().lines().next().unwrap_or("").trim_end();
    Span::new(body.start + lead, body.start + lead + first.len())
}

/// "≈ 1,234 tokens (o200k)", with why the count is an estimate when it is one.
fn describe_count(
    tokens: usize,
    tokenizer: Tokenizer,
    estimated: bool,
    name: Option<&str>,
    info: Option<&ModelInfo>,
) -> String {
    let tokenizer_name = match tokenizer {
        Tokenizer::O200k => "o200k",
        Tokenizer::Cl100k => "cl100k",
        Tokenizer::Estimate => "cl100k",
    };
    let why = match (name, info) {
        (None, _) => Some("no model named, counted with o200k".to_string()),
        (Some(name), None) => Some(format!(
            "model '{name}' is not in the model table, counted with o200k"
        )),
        (Some(_), Some(model)) if model.tokenizer == Tokenizer::Estimate => Some(format!(
            "no public tokenizer for {} models, counted with {tokenizer_name}",
            model.provider
        )),
        _ if estimated => Some("text too long to count exactly".to_string()),
        _ => None,
    };
    match why {
        Some(why) => format!("≈ {} tokens (estimated: {why})", thousands(tokens)),
        None => format!("{} tokens ({tokenizer_name})", thousands(tokens)),
    }
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let model = params::model(cx);
    let name = model.map(|(name, _, _)| name);
    let info = model.and_then(|(_, info, _)| info);
    let model_span = model.and_then(|(_, _, span)| span);
    let window = info.map(|m| m.context_window);
    let budget = cx.options.token_budget;
    if window.is_none() && budget.is_none() {
        return;
    }
    let output = params::param(cx, output_keys(cx)).and_then(|p| {
        let n = params::number(p.value).filter(|n| *n >= 0.0 && n.fract() == 0.0)?;
        Some((n as usize, p.key, p.value_span))
    });
    let requested = output.map_or(0, |(n, _, _)| n);
    // A token is at least one byte, so the body's length bounds its count. When even that
    // bound stays under every threshold, only the output cap can be wrong, and the count (the
    // costliest step of a lint, and a vocabulary load on the first one) is skipped.
    let bound = cx.body().len().saturating_add(requested);
    let near_window = window.is_some_and(|w| bound.saturating_mul(10) > w.saturating_mul(8));
    let over_budget = budget.is_some_and(|b| bound > b);
    if !near_window && !over_budget {
        if let Some(model) = info {
            output_over_cap(report, output, model);
        }
        return;
    }
    let counted = count_for_model(cx.text(cx.body()), info);
    let total = counted.tokens.saturating_add(requested);
    let prompt = format!(
        "prompt {}",
        describe_count(
            counted.tokens,
            counted.tokenizer,
            counted.estimated,
            name,
            info
        )
    );
    let sum = match output {
        Some((n, key, _)) => format!(
            "{prompt} + {key} {} = {} tokens",
            thousands(n),
            thousands(total)
        ),
        None => format!("{prompt} (no output length requested)"),
    };
    let cost = info.map_or(String::new(), |m| {
        format!(
            "; static cost (template text, variables unrendered) ≈ {} per call in input tokens at ${:.2}/M",
            dollars(cost_usd(counted.tokens, 0, m)),
            m.input_price
        )
    });
    let at = anchor(cx, model_span);

    if let (Some(window), Some(model)) = (window, info) {
        if total > window {
            report
                .add(
                    at,
                    format!(
                        "{sum}: over {}'s {}-token context window, so the API rejects the call or cuts the answer off; lower the output length or shorten the prompt{cost}",
                        model.id,
                        thousands(window)
                    ),
                );
            return;
        }
        if output_over_cap(report, output, model) {
            return;
        }
        if total.saturating_mul(10) > window.saturating_mul(8) {
            report.add(
                at,
                format!(
                    "{sum}: {}% of {}'s {}-token context window, leaving little room for the rendered inputs; lower the output length or shorten the prompt{cost}",
                    total.saturating_mul(100) / window.max(1),
                    model.id,
                    thousands(window)
                ),
            )
            .with_severity(Severity::Warning);
            return;
        }
    }
    if let Some(budget) = budget.filter(|budget| total > *budget) {
        report.add(
            at,
            format!(
                "{sum}: over the team's budget of {} tokens (lint.token-budget); lower the output length or shorten the prompt{cost}",
                thousands(budget)
            ),
        )
        .with_severity(Severity::Warning);
    }
}

/// Reports an output length over what the model returns in one response.
fn output_over_cap(
    report: &mut Report,
    output: Option<(usize, &str, Option<Span>)>,
    model: &ModelInfo,
) -> bool {
    let Some((n, key, Some(span))) = output else {
        return false;
    };
    if n <= model.max_output_tokens {
        return false;
    }
    report.add(
        span,
        format!(
            "{key} {} is more than {} returns in one response ({}): the API rejects it; lower it to at most {}",
            thousands(n),
            model.id,
            thousands(model.max_output_tokens),
            model.max_output_tokens
        ),
    );
    true
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::RULE;
    use crate::lint::testing::{check, check_with};
    use crate::lint::{Finding, Format, LintOptions, NoWorkspace, Severity};
    use crate::models::ModelTable;

    /// A small model table, so these tests do not follow the embedded table's figures.
    const FIXTURE: &str = r#"
schema = 1
updated = "2000-01-01"

[[model]]
id = "chat-8k"
provider = "openai"
tokenizer = "cl100k"
context_window = 8192
max_output_tokens = 8192
input_price = 30.0
output_price = 60.0

[[model]]
id = "chat-128k"
provider = "openai"
tokenizer = "o200k"
context_window = 128000
max_output_tokens = 16384
input_price = 2.5
output_price = 10.0

[[model]]
id = "sonnet-like"
provider = "anthropic"
tokenizer = "estimate"
context_window = 200000
max_output_tokens = 4096
input_price = 0.25
output_price = 1.25
"#;

    fn run(format: Format, source: &str, token_budget: Option<usize>) -> Vec<Finding> {
        let table = ModelTable::from_toml(FIXTURE);
        assert!(table.is_ok(), "{table:?}");
        let options = LintOptions {
            token_budget,
            model_table: table.ok().map(Arc::new),
            ..LintOptions::default()
        };
        check_with(&RULE, format, source, options, &NoWorkspace)
    }

    fn fixture(source: &str) -> Vec<Finding> {
        run(Format::Dotprompt, source, None)
    }

    fn with_budget(source: &str, budget: usize) -> Vec<Finding> {
        run(Format::Dotprompt, source, Some(budget))
    }

    #[test]
    fn over_the_window_is_an_error_at_the_model() {
        let source =
            "---\nmodel: openai/chat-8k\nconfig:\n  maxOutputTokens: 9000\n---\nSummarize this.\n";
        let found = fixture(source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].span.text(source), "openai/chat-8k");
        let message = &found[0].message;
        assert!(
            message.starts_with("prompt 5 tokens (cl100k) + maxOutputTokens 9,000 = 9,005 tokens: over chat-8k's 8,192-token context window"),
            "{message}"
        );
        assert!(
            message
                .contains("variables unrendered) ≈ $0.0001 per call in input tokens at $30.00/M"),
            "{message}"
        );
    }

    #[test]
    fn estimates_are_labelled() {
        let source = "---\nmodel: anthropic/sonnet-like\n---\nHi there.\n";
        let message = &with_budget(source, 1)[0].message;
        assert!(
            message.contains(
                "(estimated: no public tokenizer for anthropic models, counted with cl100k)"
            ),
            "{message}"
        );
    }

    #[test]
    fn output_over_the_model_cap_is_an_error_at_the_value() {
        let source =
            "---\nmodel: anthropic/sonnet-like\nconfig:\n  maxOutputTokens: 8000\n---\nHi.\n";
        let found = fixture(source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span.text(source), "8000");
        assert!(
            found[0]
                .message
                .contains("more than sonnet-like returns in one response (4,096)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn over_80_percent_is_a_warning() {
        let source =
            "---\nmodel: chat-8k\nconfig:\n  maxOutputTokens: 7000\n---\nWrite an essay.\n";
        let found = fixture(source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0]
                .message
                .contains(": 85% of chat-8k's 8,192-token context window"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn team_budget_applies_with_or_without_a_model() {
        let source = "---\nconfig:\n  maxOutputTokens: 500\n---\nWrite an essay about tides.\n";
        let found = with_budget(source, 300);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span.text(source), "Write an essay about tides.");
        assert!(
            found[0].message.starts_with("prompt ≈ 6 tokens (estimated: no model named, counted with o200k) + maxOutputTokens 500 = 506 tokens: over the team's budget of 300 tokens"),
            "{}",
            found[0].message
        );
        let unknown = "---\nmodel: acme/brainy-9\n---\nWrite an essay about tides.\n";
        let found = with_budget(unknown, 3);
        assert!(
            found[0]
                .message
                .contains("model 'acme/brainy-9' is not in the model table, counted with o200k"),
            "{}",
            found[0].message
        );
        assert_eq!(with_budget(source, 600), []);
    }

    #[test]
    fn prompty_reads_model_parameters() {
        let source = "---\nname: x\nmodel:\n  api: chat\n  configuration:\n    type: openai\n    name: chat-8k\n  parameters:\n    max_tokens: 8500\n---\nsystem:\nYou are helpful.\n";
        let found = run(Format::Prompty, source, None);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("+ max_tokens 8,500"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn near_misses() {
        for source in [
            "---\nmodel: openai/chat-128k\nconfig:\n  maxOutputTokens: 4000\n---\nSummarize.\n",
            "---\nmodel: chat-8k\n---\nSummarize.\n",
            "---\nmodel: acme/brainy-9\nconfig:\n  maxOutputTokens: 900000\n---\nNo window known, no budget set.\n",
            "No model at all.\n",
        ] {
            assert_eq!(fixture(source), [], "{source}");
        }
    }

    /// The embedded table drives the rule end to end (no figures pinned: they change).
    #[test]
    fn the_embedded_table_works_end_to_end() {
        let source =
            "---\nmodel: openai/gpt-4o\nconfig:\n  maxOutputTokens: 100000000\n---\nSummarize.\n";
        let found = check(&RULE, source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Error);
        let message = &found[0].message;
        assert!(
            message.contains("over gpt-4o's") && message.contains("-token context window"),
            "{message}"
        );
        assert!(
            message.contains("per call in input tokens at $"),
            "{message}"
        );
        assert_eq!(
            check(&RULE, "---\nmodel: openai/gpt-4o\n---\nSummarize.\n"),
            []
        );
    }
}
