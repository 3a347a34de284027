//! `filler-tokens`: words that cost tokens on every call and tell the model nothing: "please",
//! "kindly", "I want you to", "I would like you to", "make sure to", and "in order to" where
//! "to" says the same. Off by default: politeness is a matter of taste, and the saving is
//! small per call (it adds up at volume).
//!
//! The fix removes the phrase and keeps the sentence grammatical: "Please summarize" becomes
//! "Summarize", "I want you to act as" becomes "Act as", "Summarize it, please." becomes
//! "Summarize it.", "In order to help" becomes "To help". "Please" as a verb ("aim to please
//! the user") and "kindly" as a manner ("treat them kindly") are left alone.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::lint::{Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "filler-tokens",
    category: Category::Clarity,
    severity: Severity::Hint,
    enabled_by_default: false,
    fix: FixKind::Safe,
    formats: Formats::ALL,
    summary: "Filler the model does not need: \"please\", \"kindly\", \"I want you to\", \"in order to\"",
    docs: Docs {
        why: "Courtesy words and wordy framings (\"I would like you to\", \"make sure to\", \"in order to\") are sent, billed and processed on every call without changing what the model does. Trimming them shortens the prompt and puts the verb first, where the instruction is easiest to see.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\n---\nI want you to act as a travel guide.\nPlease suggest three places to visit in order to help me plan the day.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\n---\nAct as a travel guide.\nSuggest three places to visit to help me plan the day.\n",
        fix: "Delete the filler, or let the quick fix do it (it keeps the capital at the start of the sentence and turns \"in order to\" into \"to\").",
    },
    check,
};

/// Each filler and what replaces it (empty: removed).
const FILLERS: &[(&str, &str)] = &[
    ("please", ""),
    ("kindly", ""),
    ("i want you to", ""),
    ("i would like you to", ""),
    ("i'd like you to", ""),
    ("i need you to", ""),
    ("make sure to", ""),
    ("be sure to", ""),
    ("in order to", "to"),
];

static AUTOMATON: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .build(FILLERS.iter().map(|(phrase, _)| phrase))
        .ok()
});

/// Words after "please" that make it the verb ("please the customer").
const PLEASE_OBJECTS: &[&str] = &[
    "the",
    "your",
    "everyone",
    "them",
    "him",
    "her",
    "users",
    "customers",
    "people",
    "a",
    "an",
    "readers",
    "audiences",
    "audience",
    "me",
    "us",
    "you",
    "all",
    "others",
    "clients",
];

/// Words before "please" or "kindly" that make it a verb or a manner.
const VERB_CONTEXT: &[&str] = &[
    "to", "will", "would", "can", "cannot", "could", "should", "must", "hard", "easy", "treat",
    "respond", "speak", "act", "behave", "very", "most", "look", "smile", "answer", "reply",
    "talk", "so", "as", "not", "may",
];

/// Words that may come before "I want you to" at the start of a sentence.
const LEAD_INS: &[&str] = &[
    "now",
    "also",
    "first",
    "next",
    "then",
    "finally",
    "additionally",
    "so",
    "secondly",
    "lastly",
    "today",
    "here",
];

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(automaton) = AUTOMATON.as_ref() else {
        return;
    };
    let source = cx.source();
    let sentence_starts: Vec<usize> = cx.sentences().iter().map(|s| s.start).collect();
    for segment in cx.prose() {
        let text = segment.span.text(source);
        let base = segment.span.start;
        for found in automaton.find_iter(text) {
            let span = Span::new(base + found.start(), base + found.end());
            if cx.in_code_block(span.start) {
                continue;
            }
            let Some(&(phrase, replacement)) = FILLERS.get(found.pattern().as_usize()) else {
                continue;
            };
            let before = text.get(..found.start()).unwrap_or("");
            let after = text.get(found.end()..).unwrap_or("");
            let boundary_before = before
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            let boundary_after = after
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() && c != '\'');
            if !boundary_before || !boundary_after {
                continue;
            }
            let previous_word = before
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .rfind(|w| !w.is_empty())
                .map(str::to_lowercase)
                .unwrap_or_default();
            let next_word = after
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .find(|w| !w.is_empty())
                .map(str::to_lowercase)
                .unwrap_or_default();
            if matches!(phrase, "please" | "kindly") {
                let touching_previous = !before
                    .trim_end_matches([' ', '\t'])
                    .ends_with(['.', '\n', ',', ':', ';', '!', '?', '(', '"'])
                    && !before.trim().is_empty();
                if (touching_previous && VERB_CONTEXT.contains(&previous_word.as_str()))
                    || (phrase == "please" && PLEASE_OBJECTS.contains(&next_word.as_str()))
                    || (phrase == "kindly" && next_word.is_empty())
                {
                    continue;
                }
            }
            let at_sentence_start = sentence_starts.binary_search(&span.start).is_ok();
            // "I want you to X" reads as "X" only where it opens the sentence: in "I will send
            // texts and I would like you to review them", dropping it changes who reviews.
            if phrase.starts_with("i ") || phrase.starts_with("i'd") {
                let sentence_start = sentence_starts
                    .partition_point(|&start| start <= span.start)
                    .checked_sub(1)
                    .and_then(|i| sentence_starts.get(i))
                    .copied()
                    .unwrap_or(span.start);
                let lead = source.get(sentence_start..span.start).unwrap_or("");
                let lead_words: Vec<String> = lead
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(str::to_lowercase)
                    .collect();
                let opens = match lead_words.as_slice() {
                    [] => true,
                    [word] => LEAD_INS.contains(&word.as_str()),
                    _ => false,
                };
                if !opens {
                    continue;
                }
            }
            let edit = removal(source, span, replacement, at_sentence_start);
            let Some(edit) = edit else {
                continue;
            };
            let message = if replacement.is_empty() {
                format!(
                    "'{}' costs tokens and tells the model nothing; remove it",
                    span.text(source)
                )
            } else {
                format!(
                    "'{}' says the same as '{replacement}'; use the shorter form",
                    span.text(source)
                )
            };
            let title = if replacement.is_empty() {
                format!("Remove '{}'", span.text(source))
            } else {
                format!("Replace '{}' with '{replacement}'", span.text(source))
            };
            report
                .add(span, message)
                .with_fix(Fix::safe(title, vec![edit]));
        }
    }
}

/// The edit that removes (or shortens) a filler and keeps the sentence well formed.
fn removal(source: &str, span: Span, replacement: &str, at_sentence_start: bool) -> Option<Edit> {
    let after = source.get(span.end..)?;
    if !replacement.is_empty() {
        let capital = source
            .get(span.start..)
            .and_then(|t| t.chars().next())
            .is_some_and(char::is_uppercase);
        let text = if capital {
            capitalize(replacement)
        } else {
            replacement.to_string()
        };
        return Some(Edit::replace(span, text));
    }
    // "…, please." and "… please?": remove the filler with the separator before it.
    if after.starts_with(['.', '!', '?']) || after.is_empty() || after.starts_with('\n') {
        let before = source.get(..span.start)?;
        let kept = before.trim_end_matches([' ', '\t']);
        let kept = kept.strip_suffix(',').unwrap_or(kept);
        if kept.trim().is_empty() || kept.ends_with('\n') {
            return None;
        }
        return Some(Edit::delete(Span::new(kept.len(), span.end)));
    }
    // "Please, summarize": the comma goes too.
    let rest = after
        .trim_start_matches(',')
        .trim_start_matches([' ', '\t']);
    let mut end = span.end + (after.len() - rest.len());
    let mut text = String::new();
    if at_sentence_start
        && let Some(first) = rest.chars().next()
        && first.is_lowercase()
    {
        text = first.to_uppercase().collect();
        end += first.len_utf8();
    }
    Some(Edit::replace(Span::new(span.start, end), text))
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{fixed, flagged, messages};

    #[test]
    fn finds_fillers() {
        assert_eq!(
            flagged(
                &RULE,
                "I want you to act as a guide.\nPlease suggest places in order to help me.\n"
            ),
            ["I want you to", "Please", "in order to"]
        );
        let found = messages(&RULE, "Go in order to win.\n");
        assert!(found[0].contains("same as 'to'"), "{found:?}");
    }

    #[test]
    fn fixes_keep_sentences_grammatical() {
        for (source, expected) in [
            ("Please summarize the text.\n", "Summarize the text.\n"),
            ("- please list the risks.\n", "- List the risks.\n"),
            ("Summarize it, please.\n", "Summarize it.\n"),
            (
                "Could you please summarize it?\n",
                "Could you summarize it?\n",
            ),
            ("Please, be brief.\n", "Be brief.\n"),
            ("I want you to act as a guide.\n", "Act as a guide.\n"),
            ("Now I would like you to rewrite it.\n", "Now rewrite it.\n"),
            ("In order to help, ask first.\n", "To help, ask first.\n"),
            ("Ask first in order to help.\n", "Ask first to help.\n"),
            ("Make sure to cite sources.\n", "Cite sources.\n"),
            (
                "Always make sure to cite sources.\n",
                "Always cite sources.\n",
            ),
            ("Kindly reply in French.\n", "Reply in French.\n"),
            ("Hello. Please be brief.\n", "Hello. Be brief.\n"),
        ] {
            assert_eq!(fixed(&RULE, source), expected, "{source}");
        }
    }

    #[test]
    fn near_misses() {
        for source in [
            // Verbs and manners.
            "Aim to please the customer.\n",
            "It is hard to please everyone.\n",
            "Treat every caller kindly.\n",
            "Respond kindly and briefly.\n",
            // Word boundaries and other phrases.
            "Pleased to meet you. Pleasant weather.\n",
            "Sort the list in order of priority.\n",
            // Mid-sentence, dropping it would change who does what.
            "I will send texts and I would like you to review them.\n",
            // Code.
            "```\nplease run make\n```\n",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
