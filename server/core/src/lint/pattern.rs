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

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// The regex to search `text` with: the ASCII twin when it finds exactly what the
    /// original would, else the original. `None` only if the pattern does not compile.
    pub fn for_text(&self, text: &str) -> Option<&Regex> {
        match self.ascii() {
            Some(ascii) if !has_non_ascii_word(text) => Some(ascii),
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

#[cfg(test)]
mod tests {
    use super::*;

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
