//! `dynamic-before-static`: a variable near the top of the prompt, followed by a long static
//! part, keeps that static part out of the provider's prompt cache.
//!
//! Providers cache identical prompt *prefixes*: OpenAI automatically for prompts of 1,024
//! tokens or more, Anthropic from 1,024 tokens (2,048 on Haiku models), Gemini's implicit
//! cache from 1,024 to 4,096 depending on the model. Everything after the first byte that
//! changes between calls is processed again. So the rule reports the first rendered variable
//! of the prompt when:
//! - the static text before it is under 1,024 tokens (the prefix that could be cached as it
//!   stands is below every provider's minimum), and
//! - at least 1,024 tokens of static text follow it in the same turn, before the next
//!   variable: moving the variable below that text would make it cacheable.
//!
//! Tokens are estimated at four characters each, the usual rule of thumb for English with
//! GPT and Claude tokenizers; the thresholds are far enough from typical prompts that the
//! estimate's error does not decide many cases.

use super::shared::renders;
use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "dynamic-before-static",
    category: Category::Structure,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::TEMPLATED,
    summary: "A variable near the top of the prompt, before a long static part, defeats prompt caching",
    docs: Docs {
        why: "Providers cache the longest identical prefix of a prompt (OpenAI automatically from 1,024 tokens, Anthropic and Gemini from 1,024–4,096 depending on the model) and bill cached tokens at a fraction of the price, with lower latency. A variable near the top makes every call's prefix different, so the long static instructions after it are processed, and paid for, in full on every call.",
        bad: concat!(
            "---\ninput:\n  schema:\n    customer_name: string\n    message: string\n---\n{{role \"system\"}}\nYou are the support assistant of Acme. You are talking to {{customer_name}}.\n\n",
            include_str!("dynamic_before_static_policy.txt"),
            "{{role \"user\"}}\n{{message}}\n"
        ),
        good: concat!(
            "---\ninput:\n  schema:\n    customer_name: string\n    message: string\n---\n{{role \"system\"}}\nYou are the support assistant of Acme.\n\n",
            include_str!("dynamic_before_static_policy.txt"),
            "{{role \"user\"}}\nCustomer name: {{customer_name}}\n\n<message>\n{{message}}\n</message>\n"
        ),
        fix: "Keep the static part (role, policies, examples) at the top and move the variables below it: to the end of the system turn or into the user turn.",
    },
    check,
};

/// Every provider's minimum cacheable prefix is at least this long.
const CACHE_MIN_TOKENS: usize = 1024;
const CHARS_PER_TOKEN: usize = 4;

fn tokens(chars: usize) -> usize {
    chars / CHARS_PER_TOKEN
}

/// Characters of prose before each prose segment, to count the prose in any range in
/// logarithmic time.
struct ProseCounts {
    /// (segment span, characters of prose before it)
    segments: Vec<(Span, usize)>,
}

impl ProseCounts {
    fn new(cx: &Context<'_>) -> Self {
        let mut total = 0;
        let segments = cx
            .prose()
            .iter()
            .map(|p| {
                let before = total;
                total += cx.text(p.span).chars().count();
                (p.span, before)
            })
            .collect();
        Self { segments }
    }

    /// Characters of prose before `offset`.
    fn before(&self, cx: &Context<'_>, offset: usize) -> usize {
        let i = self
            .segments
            .partition_point(|(span, _)| span.start < offset);
        let Some(&(span, before)) = i.checked_sub(1).and_then(|i| self.segments.get(i)) else {
            return 0;
        };
        let end = offset.min(span.end);
        before
            + cx.source()
                .get(span.start..end)
                .map_or(0, |t| t.chars().count())
    }

    /// Characters of prose in `[start, end)`.
    fn between(&self, cx: &Context<'_>, start: usize, end: usize) -> usize {
        self.before(cx, end).saturating_sub(self.before(cx, start))
    }
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let mut dynamic: Vec<_> = cx.uses().iter().filter(|u| renders(u)).collect();
    dynamic.sort_by_key(|u| u.span.start);
    let Some(first) = dynamic.first() else {
        return;
    };
    let Some(turn) = cx.turn_at(first.span.start) else {
        return;
    };
    let counts = ProseCounts::new(cx);
    let before = tokens(counts.before(cx, first.span.start));
    if before >= CACHE_MIN_TOKENS {
        return;
    }
    // The static runs of the turn between its variables: the first one long enough to cache
    // shows what the variables above it keep out of the cache.
    let in_turn: Vec<_> = dynamic
        .iter()
        .filter(|u| turn.span.contains(u.span.start))
        .collect();
    for (i, variable) in in_turn.iter().enumerate() {
        let next = in_turn
            .get(i + 1)
            .map_or(turn.span.end, |u| u.span.start)
            .min(turn.span.end);
        let after = tokens(counts.between(cx, variable.span.end, next));
        if after < CACHE_MIN_TOKENS {
            continue;
        }
        let mut names: Vec<&str> = Vec::new();
        for u in in_turn.iter().take(i + 1) {
            if !names.contains(&u.written.as_str()) {
                names.push(u.written.as_str());
            }
        }
        let more = if names.len() > 3 { ", …" } else { "" };
        let listed: Vec<String> = names.iter().take(3).map(|n| format!("`{n}`")).collect();
        let (listed, verb) = (
            listed.join(", "),
            if names.len() == 1 { "comes" } else { "come" },
        );
        report.add(
            first.span,
            format!(
                "{listed}{more} {verb} before ~{after} tokens of static text (with ~{before} before): providers cache identical prompt prefixes only, from 1,024 tokens, so each new value re-processes all of that text; move the variables below the static part (to the end of the turn or into the user turn)",
            ),
        );
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{flagged, messages};

    fn static_text(tokens: usize) -> String {
        // 40 characters: 10 tokens at 4 characters a token.
        "Follow the refund policy strictly here.\n".repeat(tokens / 10)
    }

    #[test]
    fn variable_on_top_of_a_long_static_part() {
        let source = format!("Hello {{{{name}}}}.\n{}", static_text(1100));
        assert_eq!(flagged(&RULE, &source), ["name"]);
        let found = messages(&RULE, &source);
        assert!(
            found[0].contains("~1100 tokens of static text"),
            "{found:?}"
        );
        // in the system turn, before the user turn's variables
        let source = format!(
            "{{{{role \"system\"}}}}You help {{{{user.name}}}}.\n{}{{{{role \"user\"}}}}{{{{q}}}}",
            static_text(1200)
        );
        assert_eq!(flagged(&RULE, &source), ["user.name"]);
        // iterating counts as dynamic
        let source = format!(
            "{{{{#each tags}}}}{{{{this}}}} {{{{/each}}}}\n{}",
            static_text(1100)
        );
        assert_eq!(flagged(&RULE, &source), ["tags"]);
        // several variables on top
        let source = format!("Hello {{{{name}}}}.\n{{{{topic}}}}\n{}", static_text(2000));
        assert_eq!(flagged(&RULE, &source), ["name"]);
        assert!(
            messages(&RULE, &source)[0].starts_with("`name`, `topic` come before ~2000 tokens")
        );
    }

    #[test]
    fn near_misses() {
        for source in [
            // static part first
            format!("{}Hello {{{{name}}}}.", static_text(2000)),
            // too little static text after the variable to cache
            format!("Hello {{{{name}}}}.\n{}", static_text(900)),
            // the long static part is interrupted by variables
            format!(
                "Hello {{{{name}}}}.\n{}{{{{topic}}}}{}",
                static_text(800),
                static_text(800)
            ),
            // the static part is in another turn
            format!(
                "{{{{role \"system\"}}}}Hi {{{{name}}}}.\n{{{{role \"user\"}}}}{}",
                static_text(2000)
            ),
            // conditions only switch between static variants
            format!("{{{{#if vip}}}}VIP.{{{{/if}}}}\n{}", static_text(2000)),
            // already more than a cacheable prefix before the variable
            format!(
                "{}Hi {{{{name}}}}.\n{}",
                static_text(1100),
                static_text(3000)
            ),
        ] {
            assert_eq!(messages(&RULE, &source), Vec::<String>::new(), "{source}");
        }
    }
}
