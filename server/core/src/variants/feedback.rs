//! Which strategy answers a lint finding or a reviewer's note: what `refine` runs offline.

use super::Strategy;
use crate::lint::{FixKind, rules};

/// The strategy that addresses a lint rule's findings, by rule id. Rules whose fix is safe
/// map to [`Strategy::SafeFixes`]; rules no strategy can answer (a secret, a contradiction)
/// map to `None`.
pub fn strategy_for_rule(rule: &str) -> Option<Strategy> {
    let strategy = match rule {
        "missing-output-format" | "json-mode-without-instruction" => Strategy::OutputFormat,
        "undelimited-input" => Strategy::Delimiters,
        "filler-tokens"
        | "duplicate-instruction"
        | "vague-or-hedged-directive"
        | "token-budget"
        | "formatting-hygiene" => Strategy::Concise,
        _ => {
            let found = rules::find(rule)?;
            return (found.fix == FixKind::Safe).then_some(Strategy::SafeFixes);
        }
    };
    Some(strategy)
}

/// What a reviewer's words point to: each strategy and the words or phrases that call for it.
/// A word matches itself and its plain inflections (`example` → `examples`); an entry ending
/// in `*` matches any word it starts (`hallucinat*` → `hallucinates`); a phrase matches its
/// words in a row.
const CUES: &[(Strategy, &[&str])] = &[
    (
        Strategy::ExplicitRole,
        &[
            "role",
            "persona",
            "tone",
            "voice",
            "character",
            "act as",
            "who it is",
            "system prompt",
            "formal*",
            "informal",
            "friendlier",
            "polite*",
            "rude",
        ],
    ),
    (
        Strategy::OutputFormat,
        &[
            "json",
            "format*",
            "schema",
            "structure*",
            "field",
            "parse*",
            "parsing",
            "output shape",
            "markdown fence",
        ],
    ),
    (
        Strategy::Delimiters,
        &[
            "injection",
            "inject*",
            "untrusted",
            "jailbreak*",
            "delimit*",
            "malicious",
            "user input",
            "follows instructions in",
            "security",
            "spotlight*",
        ],
    ),
    (
        Strategy::Constraints,
        &[
            "edge case",
            "constraint",
            "hallucinat*",
            "invent*",
            "made up",
            "makes up",
            "make up",
            "fabricat*",
            "missing input",
            "empty input",
            "ambiguous",
            "ambiguity",
            "guess*",
            "assum*",
        ],
    ),
    (
        Strategy::StepByStep,
        &[
            "step",
            "reasoning",
            "think",
            "thinking",
            "logic*",
            "plan",
            "walk through",
            "chain of thought",
            "skips",
            "shallow",
        ],
    ),
    (
        Strategy::FewShot,
        &[
            "example",
            "few shot",
            "few-shot",
            "sample",
            "demonstrat*",
            "show it",
            "shots",
        ],
    ),
    (
        Strategy::Concise,
        &[
            "too long",
            "verbose",
            "shorter",
            "shorten",
            "wordy",
            "concise",
            "rambl*",
            "redundan*",
            "repetit*",
            "repeats",
            "filler",
            "tokens",
            "expensive",
            "cost",
            "trim",
        ],
    ),
    (
        Strategy::SafeFixes,
        &[
            "lint",
            "linter",
            "warning",
            "typo",
            "whitespace",
            "safe fix",
            "cleanup",
            "clean up",
        ],
    ),
];

/// Strategies free-text feedback points to, in [`Strategy::ALL`] order, each once.
pub fn strategies_for_feedback(feedback: &str) -> Vec<Strategy> {
    let words: Vec<String> = feedback
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .flat_map(|w| {
            // "few-shot" is one cue, but "step-by-step" should still match "step".
            let lower = w.to_lowercase();
            let mut parts = vec![lower.clone()];
            if lower.contains('-') {
                parts.extend(
                    lower
                        .split('-')
                        .filter(|p| !p.is_empty())
                        .map(str::to_string),
                );
            }
            parts
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut found = Vec::new();
    for (strategy, cues) in CUES {
        if cues.iter().any(|cue| mentions(&words, cue)) && !found.contains(strategy) {
            found.push(*strategy);
        }
    }
    found.sort_by_key(|s| Strategy::ALL.iter().position(|a| a == s));
    found
}

fn mentions(words: &[String], cue: &str) -> bool {
    let parts: Vec<&str> = cue.split_whitespace().collect();
    if parts.is_empty() || words.len() < parts.len() {
        return false;
    }
    words.windows(parts.len()).any(|window| {
        window
            .iter()
            .zip(&parts)
            .all(|(word, part)| word_matches(word, part))
    })
}

fn word_matches(word: &str, cue: &str) -> bool {
    if let Some(prefix) = cue.strip_suffix('*') {
        return word.starts_with(prefix);
    }
    if word == cue {
        return true;
    }
    let Some(rest) = word.strip_prefix(cue) else {
        return false;
    };
    matches!(rest, "s" | "es" | "ed" | "d" | "ing" | "'s")
}
