//! `vague-quantifier`: "a few", "some", "several", "short", "brief", "not too long" in an
//! instruction that gives no number. Each model (and each run) reads "a short summary" its own
//! way; "in 2–3 sentences" reads the same everywhere.
//!
//! Only instructions are read (imperatives, sentences with "should"/"must"), not descriptions;
//! a number in the sentence or the one before or after it counts as the number. Count words
//! are flagged only before a countable noun ("some examples", not "some context"), and length
//! words only before a noun of length ("a short summary", not "short sentences") or as
//! "be brief" / "keep it short".

use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

use super::instruction::{Sentence, has_number, is_reply_noun, prose_sentences};

pub(crate) static RULE: Rule = Rule {
    id: "vague-quantifier",
    category: Category::Clarity,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::ALL,
    summary: "\"a few\", \"some\", \"short\", \"brief\" in an instruction with no number",
    docs: Docs {
        why: "\"Write a short summary\" means one sentence to one model and three paragraphs to another, and the length drifts between runs and model versions. A number (\"in 2–3 sentences\", \"3 to 5 examples\", \"under 100 words\") is followed far more consistently, and it makes outputs testable.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\n---\nRead the article below and write a short summary.\nThen suggest a few follow-up questions.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\n---\nRead the article below and summarize it in 2–3 sentences.\nThen suggest 3 follow-up questions.\n",
        fix: "Replace the vague word with a number or a range: \"in 2–3 sentences\", \"under 100 words\", \"3 to 5 examples\".",
    },
    check,
};

/// Nouns whose length a prompt would give: "a short summary".
const LENGTH_NOUNS: &[&str] = &[
    "summary",
    "summaries",
    "description",
    "descriptions",
    "explanation",
    "explanations",
    "overview",
    "introduction",
    "intro",
    "paragraph",
    "bio",
    "biography",
    "story",
    "stories",
    "essay",
    "post",
    "caption",
    "captions",
    "report",
    "synopsis",
    "abstract",
    "recap",
    "blurb",
    "note",
    "notes",
    "message",
    "text",
    "article",
    "pitch",
    "statement",
    "commentary",
    "analysis",
    "outline",
    "list",
    "email",
    "letter",
    "speech",
    "poem",
    "script",
];

/// Plurals that are not countable things: "some details" is as vague as "some context".
const MASS_PLURALS: &[&str] = &[
    "is", "was", "has", "does", "this", "its", "his", "us", "always",
];

fn check(cx: &Context<'_>, report: &mut Report) {
    let sentences = prose_sentences(cx);
    for (i, sentence) in sentences.iter().enumerate() {
        if !sentence.is_instruction() {
            continue;
        }
        let Some((span, word)) = vague(cx, sentence) else {
            continue;
        };
        let nearby = [i.checked_sub(1), Some(i), Some(i + 1)]
            .into_iter()
            .flatten()
            .filter_map(|k| sentences.get(k))
            .any(has_number);
        if nearby {
            continue;
        }
        let suggestion = match word {
            Vague::Length => "say how long: \"in 2–3 sentences\", \"under 100 words\"",
            Vague::Count => "say how many: \"3 to 5\", \"at most 3\"",
            Vague::Amount => "say how much, with a number",
        };
        report.add(
            span,
            format!(
                "'{}' is vague and no number says what it means; {suggestion}",
                cx.text(span)
            ),
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vague {
    Length,
    Count,
    Amount,
}

/// The first vague quantifier of an instruction, outside `[placeholders]`.
fn vague(cx: &Context<'_>, sentence: &Sentence) -> Option<(Span, Vague)> {
    let source = cx.source();
    let in_brackets = |span: Span| {
        let before = source.get(sentence.span.start..span.start).unwrap_or("");
        before.rfind('[') > before.rfind(']')
    };
    let tokens = &sentence.tokens;
    for (i, token) in tokens.iter().enumerate() {
        if in_brackets(token.span) {
            continue;
        }
        let word = sentence.word(i);
        let next = sentence.word(i + 1);
        let next2 = sentence.word(i + 2);
        let span_to = |last: usize| {
            tokens
                .get(last)
                .map_or(token.span, |t| Span::new(token.span.start, t.span.end))
        };
        let counted = |at: usize| {
            // "some examples", "a few good examples", "several of the options".
            let noun = sentence.word(at);
            let after = sentence.word(at + 1);
            countable(noun) || (!noun.is_empty() && countable(after) && adjective_like(noun))
        };
        let previous = i.checked_sub(1).map_or("", |p| sentence.word(p));
        match word {
            "a" if next == "few" && counted(i + 2) => return Some((span_to(i + 1), Vague::Count)),
            "a" if matches!(next, "bit" | "little")
                && matches!(next2, "more" | "less" | "longer" | "shorter") =>
            {
                return Some((span_to(i + 2), Vague::Amount));
            }
            "some" | "several" if counted(i + 1) && next != "of" => {
                return Some((token.span, Vague::Count));
            }
            "many" if !matches!(previous, "how" | "as") && counted(i + 1) => {
                return Some((token.span, Vague::Count));
            }
            "not" if next == "too" && matches!(next2, "long" | "short" | "many" | "much") => {
                return Some((span_to(i + 2), Vague::Length));
            }
            "short" | "brief" => {
                if LENGTH_NOUNS.contains(&next) || is_reply_noun(next) {
                    return Some((span_to(i + 1), Vague::Length));
                }
                // "Be brief", "Keep it short", "Keep your answers brief".
                let back = |n: usize| i.checked_sub(n).map_or("", |k| sentence.word(k));
                let keep = previous == "be"
                    || (back(2) == "keep" && matches!(previous, "it" | "things"))
                    || (back(3) == "keep" && is_reply_noun(previous));
                if keep {
                    return Some((token.span, Vague::Length));
                }
            }
            _ => {}
        }
    }
    None
}

/// A plural that names countable things: "examples", "ideas", "questions".
fn countable(word: &str) -> bool {
    word.len() > 3
        && word.ends_with('s')
        && !word.ends_with("ss")
        && !word.ends_with("us")
        && !word.ends_with("ics")
        && !MASS_PLURALS.contains(&word)
        && !matches!(
            word,
            "details" | "thoughts" | "words" | "sentences" | "times"
        )
}

/// A word that can sit between "a few" and its noun: "a few good examples".
fn adjective_like(word: &str) -> bool {
    !word.ends_with('s')
        && !matches!(
            word,
            "of" | "and" | "or" | "to" | "the" | "that" | "more" | "other" | "if" | "as"
        )
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{flagged, messages};

    #[test]
    fn catches_vague_counts_and_lengths() {
        assert_eq!(
            flagged(&RULE, "Write a short summary of the article.\n"),
            ["short summary"]
        );
        assert_eq!(
            flagged(&RULE, "Suggest a few follow-up questions.\n"),
            ["a few"]
        );
        assert_eq!(flagged(&RULE, "- Give some examples.\n"), ["some"]);
        assert_eq!(
            flagged(&RULE, "You should list several good options.\n"),
            ["several"]
        );
        assert_eq!(flagged(&RULE, "Be brief.\n"), ["brief"]);
        assert_eq!(flagged(&RULE, "Keep your answers short.\n"), ["short"]);
        assert_eq!(flagged(&RULE, "Make it not too long.\n"), ["not too long"]);
        assert_eq!(
            flagged(&RULE, "Make the intro a bit shorter.\n"),
            ["a bit shorter"]
        );
        let found = messages(&RULE, "Write a brief description.\n");
        assert!(found[0].contains("\"in 2–3 sentences\""), "{found:?}");
    }

    #[test]
    fn near_misses() {
        for source in [
            // A number nearby says what the word means.
            "Write a short summary in 2-3 sentences.\n",
            "Write a short summary. Keep it under 100 words.\n",
            "Suggest a few (three to five) questions.\n",
            // Descriptions and questions, not instructions.
            "Some users ask about refunds.\n",
            "The user will give you a short summary of their day.\n",
            "How many examples should I give?\n",
            // Not a count or a length.
            "Provide some context about the decision.\n",
            "Use short sentences and plain words.\n",
            "Be concise and friendly.\n",
            "List some of the risks that apply.\n",
            "Ask how many guests are coming.\n",
            "Ask as many questions as you need.\n",
            "Use short paragraphs.\n",
            // Template placeholders.
            "Use this format: [Software Name]: [Brief Description]\n",
            // Code.
            "```\nWrite a short summary.\n```\n",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
