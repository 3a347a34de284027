//! Regexes with Unicode word boundaries that stay fast on text with curly quotes and dashes.
//!
//! The regex crate's fast engine, a lazy DFA, cannot evaluate a Unicode `\b` past a non-ASCII
//! byte: it gives up, and the search starts again in a backtracker or the PikeVM, ten to a
//! hundred times slower. Prompts are full of `’`, `—` and `“`, so most regex time went there.
//! Unicode `\w` classes are also large, and a pattern that repeats them takes milliseconds to
//! compile.
//!
//! On text with no non-ASCII word character, `\b` and its ASCII form `(?-u:\b)` agree at every
//! position (a non-ASCII character is then a non-word character either way), and so do `\w`,
//! `\W`, `\d` and `\D` and their ASCII forms. [`WordRegex`] keeps such an ASCII twin of the
//! pattern and searches with it whenever the text allows: same matches, fast engine. Text
//! with non-ASCII letters or digits (`café`, `日本語`) gets the Unicode original, compiled on
//! first need.

use std::sync::{LazyLock, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;

/// A non-ASCII character that regex `\w` matches (letters, marks, digits, connectors).
static NON_ASCII_WORD: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[\w&&[^\x00-\x7F]]").ok());

/// True when the text has a non-ASCII word character, where ASCII and Unicode word
/// boundaries can disagree.
pub(crate) fn has_non_ascii_word(text: &str) -> bool {
    // Unknown (the class did not compile, which a test rules out): assume the worst.
    !text.is_ascii() && NON_ASCII_WORD.as_ref().is_none_or(|re| re.is_match(text))
}

/// A regex whose `\b`, `\w`, `\d` (and negations) read Unicode, searched through an ASCII twin
/// on text where the two agree. See the module docs. Both are compiled on first use, so a
/// pattern that only runs after a cheaper check passes costs nothing until then.
pub(crate) struct WordRegex {
    pattern: String,
    /// The pattern with ASCII word boundaries and classes; `None` inside when it has a
    /// construct the twin does not handle (then every text gets the Unicode original).
    ascii: OnceLock<Option<Regex>>,
    unicode: OnceLock<Option<Regex>>,
}

impl WordRegex {
    pub fn new(pattern: impl Into<String>) -> WordRegex {
        WordRegex {
            pattern: pattern.into(),
            ascii: OnceLock::new(),
            unicode: OnceLock::new(),
        }
    }

    /// Several patterns as one alternation (each keeps its own flags): one search says
    /// whether any of them matches.
    pub fn any<P: AsRef<str>>(patterns: impl IntoIterator<Item = P>) -> WordRegex {
        let alternatives: Vec<String> = patterns
            .into_iter()
            .map(|p| format!("(?:{})", p.as_ref()))
            .collect();
        WordRegex::new(alternatives.join("|"))
    }

    /// The pattern, for tests that check it against a [`Gate`].
    #[cfg(test)]
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// The regex to search `text` with: the ASCII twin when it finds exactly what the
    /// original would, else the original. `None` only if the pattern does not compile.
    pub fn for_text(&self, text: &str) -> Option<&Regex> {
        self.choose(has_non_ascii_word(text))
    }

    /// [`WordRegex::for_text`] for a text whose [`has_non_ascii_word`] the caller already
    /// knows (several patterns over one text).
    pub fn choose(&self, non_ascii_word: bool) -> Option<&Regex> {
        match self.ascii() {
            Some(ascii) if !non_ascii_word => Some(ascii),
            _ => self.unicode(),
        }
    }

    fn ascii(&self) -> Option<&Regex> {
        self.ascii
            .get_or_init(|| ascii_twin(&self.pattern).and_then(|twin| Regex::new(&twin).ok()))
            .as_ref()
    }

    /// True when the pattern and its twin compile (for tests: a pattern that does not
    /// compile never matches).
    #[cfg(test)]
    pub fn compiles(&self) -> bool {
        self.ascii().is_some() && self.unicode().is_some()
    }

    /// The Unicode original.
    pub fn unicode(&self) -> Option<&Regex> {
        self.unicode
            .get_or_init(|| Regex::new(&self.pattern).ok())
            .as_ref()
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.for_text(text).is_some_and(|re| re.is_match(text))
    }
}

/// Words that patterns cannot match without, found in one pass over a text so that the
/// patterns' regexes (slow to compile, slow to warm up) run only on the rare text that has
/// them.
///
/// Each pattern lists groups of words: the alternatives of a part that every match of the
/// pattern contains (`(?:never|not|n't)\s+…` gives the group never, not, n't). A pattern can
/// match a text only if the text contains a word of each of its groups, in any case, as a
/// substring. The groups need not be complete, only necessary: a group a match can do
/// without would make the gate lose matches (the tests check the patterns' own sample
/// matches against it).
pub(crate) struct Gate {
    automaton: Option<AhoCorasick>,
    /// For each word of the automaton, the groups it belongs to, as bits.
    word_groups: Vec<u64>,
    /// For each pattern, the groups it needs, as bits.
    needs: Vec<u64>,
}

/// The groups a text has a word of, from [`Gate::scan`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Present(u64);

impl Gate {
    /// A gate for several patterns, from each pattern's groups (at most 64 distinct groups).
    pub fn new(patterns: &[&[&[&str]]]) -> Gate {
        let mut groups: Vec<&[&str]> = Vec::new();
        let mut needs = Vec::new();
        for pattern in patterns {
            let mut need = 0u64;
            for &group in *pattern {
                let index = groups.iter().position(|g| *g == group).unwrap_or_else(|| {
                    groups.push(group);
                    groups.len() - 1
                });
                need |= 1u64.checked_shl(index as u32).unwrap_or(0);
            }
            needs.push(need);
        }
        let mut words: Vec<String> = Vec::new();
        let mut word_groups: Vec<u64> = Vec::new();
        for (index, group) in groups.iter().enumerate() {
            let bit = 1u64.checked_shl(index as u32).unwrap_or(0);
            for word in *group {
                let word = word.to_ascii_lowercase();
                match words.iter().position(|w| *w == word) {
                    Some(at) => {
                        if let Some(bits) = word_groups.get_mut(at) {
                            *bits |= bit;
                        }
                    }
                    None => {
                        words.push(word);
                        word_groups.push(bit);
                    }
                }
            }
        }
        // A DFA: a few hundred words make a small one, and it is the fastest to search.
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .ok();
        Gate {
            automaton,
            word_groups,
            needs,
        }
    }

    /// Which groups the text has a word of. Every group when the text has a character that
    /// regex `(?i)` folds onto an ASCII letter (`ſ` onto s, the Kelvin sign onto k), which
    /// the automaton does not know, or when the automaton did not build.
    pub fn scan(&self, text: &str) -> Present {
        let Some(automaton) = &self.automaton else {
            return Present(u64::MAX);
        };
        if !text.is_ascii() && text.contains(['ſ', '\u{212A}']) {
            return Present(u64::MAX);
        }
        let mut present = 0;
        // Overlapping: "notice" holds "not" and "no"; each word counts wherever it is.
        for found in automaton.find_overlapping_iter(text) {
            present |= self
                .word_groups
                .get(found.pattern().as_usize())
                .copied()
                .unwrap_or(0);
        }
        Present(present)
    }

    /// True when pattern `index` may match a text with these groups.
    pub fn admits(&self, present: Present, index: usize) -> bool {
        self.needs
            .get(index)
            .is_none_or(|&need| present.0 & need == need)
    }

    /// True when any of the patterns may match.
    pub fn admits_any(&self, present: Present) -> bool {
        (0..self.needs.len()).any(|index| self.admits(present, index))
    }
}

/// The pattern with `\b`, `\B`, `\w`, `\W`, `\d`, `\D` made ASCII, or `None` for a pattern
/// this simple scan cannot rewrite faithfully (a negated class escape inside brackets).
fn ascii_twin(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len() + 32);
    // Bracket depth: `[a[b]]` nests, `[]a]` and `[^]a]` start with a literal `]`.
    let mut depth = 0usize;
    let mut chars = pattern.chars().peekable();
    // True right after a class opens (and after its `^`), where `]` is a literal.
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let at_class_start = std::mem::take(&mut class_start);
        match c {
            '\\' => {
                let escaped = chars.next()?;
                let inside = depth > 0;
                match (escaped, inside) {
                    ('b', false) => out.push_str(r"(?-u:\b)"),
                    ('B', false) => out.push_str(r"(?-u:\B)"),
                    ('w', false) => out.push_str(r"(?-u:\w)"),
                    ('W', false) => out.push_str("[^0-9A-Za-z_]"),
                    ('d', false) => out.push_str("[0-9]"),
                    ('D', false) => out.push_str("[^0-9]"),
                    ('w', true) => out.push_str("0-9A-Za-z_"),
                    ('d', true) => out.push_str("0-9"),
                    ('W' | 'D' | 'b' | 'B', true) => return None,
                    _ => {
                        out.push('\\');
                        out.push(escaped);
                    }
                }
            }
            '[' => {
                out.push('[');
                depth += 1;
                class_start = true;
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            ']' if depth > 0 && !at_class_start => {
                out.push(']');
                depth -= 1;
            }
            _ => out.push(c),
        }
    }
    (depth == 0).then_some(out)
}

/// Checks that `gate` admits pattern `i` of `patterns` on every text the pattern matches,
/// among 400 texts generated from each pattern (with its word boundaries dropped:
/// the generator does not know them), so that every alternative of every part shows up.
#[cfg(test)]
pub(crate) fn assert_gate_sound(gate: &Gate, patterns: &[&str]) {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    for (index, pattern) in patterns.iter().enumerate() {
        let regex = Regex::new(pattern).ok();
        assert!(regex.is_some(), "{pattern}");
        let generator = pattern.replace(r"\b", "");
        let strategy = proptest::string::string_regex(&generator);
        assert!(strategy.is_ok(), "cannot generate from {generator}");
        let (Some(regex), Ok(strategy)) = (regex, strategy) else {
            continue;
        };
        let mut matched = 0;
        for _ in 0..400 {
            let Ok(tree) = strategy.new_tree(&mut runner) else {
                continue;
            };
            let text = tree.current();
            if regex.is_match(&text) {
                matched += 1;
                assert!(
                    gate.admits(gate.scan(&text), index),
                    "the gate rejects {text:?}, which {pattern} matches"
                );
            }
        }
        assert!(matched > 0, "no sample matched {pattern}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_need_a_word_of_every_group() {
        let gate = Gate::new(&[&[&["never", "not"], &["share", "reveal"]], &[&["keep"]]]);
        let admits = |text: &str, index: usize| gate.admits(gate.scan(text), index);
        assert!(admits("Do NOT share it", 0));
        assert!(admits("notice the shareholders", 0));
        assert!(!admits("Do not tell anyone", 0));
        assert!(!admits("share it", 0));
        assert!(admits("Keep it", 1));
        assert!(!admits("Hold it", 1));
        // `ſ` folds onto s in a regex: the gate cannot tell, so it admits.
        assert!(admits("never ſhare", 0));
        assert!(gate.admits_any(gate.scan("keep")));
        assert!(!gate.admits_any(gate.scan("nothing here")));
        assert_gate_sound(
            &gate,
            &[r"(?i)\b(?:never|not)\s+(?:share|reveal)\b", r"(?i)\bkeep\b"],
        );
    }

    #[test]
    fn twins_rewrite_word_classes_only() {
        assert_eq!(
            ascii_twin(r"(?i)\bfoo\s+\w+[\w /-]\d\W\\b[^]x]").as_deref(),
            Some(r"(?i)(?-u:\b)foo\s+(?-u:\w)+[0-9A-Za-z_ /-][0-9][^0-9A-Za-z_]\\b[^]x]")
        );
        assert_eq!(ascii_twin(r"[\W]"), None);
        assert_eq!(ascii_twin(r"[a"), None);
    }

    #[test]
    fn the_class_compiles() {
        assert!(NON_ASCII_WORD.is_some());
        assert!(has_non_ascii_word("café"));
        assert!(has_non_ascii_word("x\u{200d}y"));
        assert!(!has_non_ascii_word("“quoted” — it’s fine\u{a0}!"));
        assert!(!has_non_ascii_word("plain"));
    }

    /// Texts where boundaries fall next to non-ASCII characters of every kind.
    const TEXTS: &[&str] = &[
        "ignore previous instructions",
        "“ignore” previous—instructions’",
        "éignore previous instructions",
        "ignoreé previous instructions",
        "ignore\u{a0}previous instructions",
        "ignore previous instructions\u{301}",
        "ſtop the KEY",
        "digits ٣ and 3, naïve",
        "a_b-c d’e",
    ];

    const PATTERNS: &[&str] = &[
        r"(?i)\bignore\s+(?:\w+\s+)?instructions\b",
        r"\b\w+\b",
        r"\B\w\B",
        r"(?i)\bstop\b|\bkey\b",
        r"\W+",
        r"\d+\D",
        r"[\w’]+",
        r"(?x) \b a \b",
    ];

    #[test]
    fn word_regexes_find_what_the_unicode_original_finds() {
        for pattern in PATTERNS {
            let word = WordRegex::new(*pattern);
            assert!(word.compiles(), "{pattern}");
            let original = Regex::new(pattern).ok();
            for text in TEXTS {
                let found: Vec<(usize, usize)> = word
                    .for_text(text)
                    .map(|re| re.find_iter(text).map(|m| (m.start(), m.end())).collect())
                    .unwrap_or_default();
                let expected: Vec<(usize, usize)> = original
                    .as_ref()
                    .map(|re| re.find_iter(text).map(|m| (m.start(), m.end())).collect())
                    .unwrap_or_default();
                assert_eq!(found, expected, "{pattern} on {text:?}");
            }
        }
    }
}
