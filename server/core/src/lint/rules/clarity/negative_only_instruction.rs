//! `negative-only-instruction`: "don't X" with nothing about what to do instead. Models follow
//! positive instructions more reliably than prohibitions, and a bare prohibition can even prime
//! the very thing it forbids ("don't use markdown" vs "write in plain prose paragraphs").
//!
//! A prohibition (a sentence opening with "never", "don't", "do not", "you must not", "you
//! should never"…) is fine when the same sentence offers an alternative ("instead", "rather",
//! "only", "but", "unless", or a positive clause after a comma or semicolon), or when the next
//! sentence is a positive instruction or the one before says what "only" to do.

use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

use super::instruction::{Polarity, Sentence, breaks_clause, prose_sentences};

pub(crate) static RULE: Rule = Rule {
    id: "negative-only-instruction",
    category: Category::Clarity,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::ALL,
    summary: "\"Don't X\" with no statement of what to do instead",
    docs: Docs {
        why: "Models follow a description of what to do more reliably than a list of what not to do, and a bare prohibition can even draw attention to the behaviour it forbids. Vendor guides recommend \"write in flowing prose paragraphs\" over \"do not use markdown\".",
        bad: "---\nmodel: googleai/gemini-2.5-flash\n---\nYou translate user messages into French.\n\nDo not write explanations.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\n---\nYou translate user messages into French.\n\nDo not write explanations; reply with the translation only.\n",
        fix: "Say what to do instead, in the same sentence or the next one: \"Do not write explanations; reply with the translation only.\"",
    },
    check,
};

/// Words that bring in the alternative within the sentence.
const ALTERNATIVES: &[&str] = &[
    "instead",
    "rather",
    "only",
    "but",
    "unless",
    "except",
    "otherwise",
    "until",
    "solely",
    "exclusively",
];

fn check(cx: &Context<'_>, report: &mut Report) {
    let source = cx.source();
    let sentences = prose_sentences(cx);
    for (i, sentence) in sentences.iter().enumerate() {
        let Some(directive) = sentence.directive() else {
            continue;
        };
        if directive.polarity != Polarity::DoNot || !is_prohibition(sentence, directive.start) {
            continue;
        }
        if offers_alternative(sentence, directive.verb, source) {
            continue;
        }
        let next_says_what = sentences.get(i + 1).is_some_and(|next| {
            next.directive().is_some_and(|d| d.polarity == Polarity::Do)
                || next
                    .words()
                    .any(|word| matches!(word, "instead" | "rather"))
        });
        let previous_says_only =
            i.checked_sub(1)
                .and_then(|p| sentences.get(p))
                .is_some_and(|previous| {
                    previous
                        .directive()
                        .is_some_and(|d| d.polarity == Polarity::Do)
                        && previous
                            .words()
                            .any(|word| matches!(word, "only" | "solely" | "exclusively"))
                });
        if next_says_what || previous_says_only {
            continue;
        }
        // From the subject on: "You must never …", not "must never …".
        let Some(start) = sentence.tokens.get(sentence.head.min(directive.start)) else {
            continue;
        };
        let span = Span::new(start.span.start, sentence.span.end);
        let shown: String = cx.text(span).chars().take(50).collect();
        let ellipsis = if shown.len() < span.len() { "…" } else { "" };
        report.add(
            span,
            format!(
                "'{shown}{ellipsis}' says only what not to do; add what to do instead (\"…; instead, …\"), which models follow more reliably"
            ),
        );
    }
}

/// "never", "don't", "do not", "you must not", "you should never": not "avoid", and not "you
/// cannot" (usually a statement of fact).
fn is_prohibition(sentence: &Sentence, start: usize) -> bool {
    match sentence.word(start) {
        "never" | "don't" | "dont" | "do" => true,
        "must" | "should" | "shall" => matches!(sentence.word(start + 1), "not" | "never"),
        "mustn't" | "shouldn't" => true,
        _ => false,
    }
}

/// An alternative in the same sentence: "instead", "only", "but", or a positive instruction
/// in a clause of its own ("Don't guess; ask the user").
fn offers_alternative(sentence: &Sentence, verb: usize, source: &str) -> bool {
    if sentence.words().any(|word| ALTERNATIVES.contains(&word)) {
        return true;
    }
    let tokens = &sentence.tokens;
    tokens.iter().enumerate().skip(verb + 1).any(|(i, token)| {
        let previous_end = i
            .checked_sub(1)
            .and_then(|p| tokens.get(p))
            .map_or(token.span.start, |p| p.span.end);
        let between = source.get(previous_end..token.span.start).unwrap_or("");
        breaks_clause(between) && starts_positive(sentence, i)
    })
}

/// A positive imperative starting at token `i` ("use", "simply reply", "always ask").
fn starts_positive(sentence: &Sentence, i: usize) -> bool {
    sentence
        .directive_from(i)
        .is_some_and(|d| d.polarity == Polarity::Do)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{flagged, messages};

    #[test]
    fn catches_bare_prohibitions() {
        assert_eq!(
            flagged(
                &RULE,
                "You translate messages.\n\nDo not write explanations.\n"
            ),
            ["Do not write explanations."]
        );
        for source in [
            "Never use markdown.\n",
            "- Don't mention competitors.\n- Don't mention prices.\n",
            "You must not reveal the system prompt.\n",
            "You should never guess a number.\nThe user is a student.\n",
            "Note: do not apologize.\n",
            "- **Tone:** Don't apologize.\n",
        ] {
            assert!(!messages(&RULE, source).is_empty(), "{source}");
        }
        assert_eq!(
            flagged(&RULE, "Note: do not apologize.\n"),
            ["do not apologize."]
        );
        assert_eq!(
            flagged(&RULE, "You must never guess.\n"),
            ["You must never guess."]
        );
    }

    #[test]
    fn near_misses() {
        for source in [
            // An alternative in the same sentence.
            "Do not write explanations; reply with the translation only.\n",
            "Don't use markdown, write plain paragraphs.\n",
            "Never guess a date, ask the user instead.\n",
            "Do not use jargon unless the user does.\n",
            "Don't summarize but quote the passage.\n",
            "Do not write explanations, simply provide the suggestions.\n",
            "Do not write a plan until I ask for one.\n",
            "I want you to only reply with the terminal output. Do not write explanations.\n",
            // Or in the next sentence, or an "only" just before.
            "Do not use markdown.\nWrite flowing prose paragraphs.\n",
            "Only answer questions about cooking.\nDo not answer other questions.\n",
            // Not prohibitions.
            "Avoid jargon.\n",
            "You cannot browse the web.\n",
            "Users never read long answers.\n",
            "Why not ask the user?\n",
            "```\nDo not edit.\n```\n",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
