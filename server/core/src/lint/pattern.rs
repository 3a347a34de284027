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
//! with non-ASCII letters or digits (`café`, `日本語`) first has the twin search a copy with
//! ASCII stand-ins for those characters, which finds a match wherever the original could;
//! only then is the Unicode original compiled and searched.
//!
//! A [`Gate`] goes further for patterns that run on every sentence: one Aho-Corasick pass
//! finds the words they cannot match without, and only the patterns whose words are all
//! there run at all.

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

/// A text to search with [`WordRegex`]es, with what they need to know about it worked out
/// once for all of them.
pub(crate) struct Haystack<'t> {
    text: &'t str,
    non_ascii_word: bool,
    stand_ins: OnceLock<String>,
}

impl<'t> Haystack<'t> {
    pub fn new(text: &'t str) -> Self {
        Haystack {
            text,
            non_ascii_word: has_non_ascii_word(text),
            stand_ins: OnceLock::new(),
        }
    }

    /// See [`has_non_ascii_word`].
    pub fn has_non_ascii_word(&self) -> bool {
        self.non_ascii_word
    }

    fn stand_ins(&self) -> &str {
        self.stand_ins.get_or_init(|| ascii_stand_ins(self.text))
    }
}

/// A regex whose `\b`, `\w`, `\d` (and negations) read Unicode, searched through an ASCII twin
/// on text where the two agree. See the module docs. Both are compiled on first use, so a
/// pattern that only runs after a cheaper check passes costs nothing until then.
pub(crate) struct WordRegex {
    pattern: String,
    /// The ASCII twin, and whether it may test stand-ins; `None` inside when the pattern has
    /// a construct the twin does not handle (then every text gets the Unicode original).
    ascii: OnceLock<Option<(Regex, bool)>>,
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

    /// The regex to search `text` with: it finds exactly what the original finds. `None`
    /// when the pattern cannot match the text (or does not compile): skip the search.
    pub fn for_text(&self, text: &str) -> Option<&Regex> {
        self.search(&Haystack::new(text))
    }

    /// [`WordRegex::for_text`] for a haystack several patterns search.
    ///
    /// Text without non-ASCII word characters gets the ASCII twin. Other text first has its
    /// stand-ins searched with the twin: no match there means no match in the text, and the
    /// Unicode original (slow to compile, and slow on such text) is not needed. Matches are
    /// rare, so it seldom is.
    pub fn search(&self, haystack: &Haystack<'_>) -> Option<&Regex> {
        match self.ascii() {
            Some((ascii, _)) if !haystack.non_ascii_word => Some(ascii),
            Some((ascii, true)) if !ascii.is_match(haystack.stand_ins()) => None,
            _ => self.unicode(),
        }
    }

    fn ascii(&self) -> Option<&(Regex, bool)> {
        self.ascii
            .get_or_init(|| {
                let twin = ascii_twin(&self.pattern)?;
                Some((Regex::new(&twin.pattern).ok()?, twin.stand_ins))
            })
            .as_ref()
    }

    /// True when the pattern and its twin compile (for tests: a pattern that does not
    /// compile never matches).
    #[cfg(test)]
    pub fn compiles(&self) -> bool {
        self.ascii().is_some() && self.unicode().is_some()
    }

    /// The Unicode original.
    fn unicode(&self) -> Option<&Regex> {
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
        // Overlapping: "notice" holds "not" and "no"; each word counts wherever it is. (The
        // search fails only for a leftmost automaton, which this is not: then admit all.)
        let Ok(matches) = automaton.try_find_overlapping_iter(text) else {
            return Present(u64::MAX);
        };
        let mut present = 0;
        for found in matches {
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

/// A pattern's ASCII twin (see the module docs).
struct Twin {
    /// The pattern with `\b`, `\B`, `\w`, `\W`, `\d`, `\D` made ASCII.
    pattern: String,
    /// True when the twin also serves text with non-ASCII word characters once they are
    /// replaced by ASCII stand-ins ([`ascii_stand_ins`]), as a test that the original can
    /// match: nothing in the pattern tells one word character from another beyond ASCII.
    stand_ins: bool,
}

/// The ASCII twin of a pattern, or `None` for a pattern this simple scan cannot rewrite
/// faithfully (a negated class escape inside brackets).
///
/// Stand-ins are refused for a pattern with a non-ASCII word character, a `\p`, `\x` or `\u`
/// escape, a class range with a non-ASCII end, or a letter, digit, range or `\w`/`\d` in a
/// negated class: where a pattern could accept a non-ASCII letter but not its stand-in.
fn ascii_twin(pattern: &str) -> Option<Twin> {
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut stand_ins = true;
    // Open classes, innermost last: whether each (or one around it) is negated. `[a[b]]`
    // nests; `[]a]` and `[^]a]` start with a literal `]`.
    let mut classes: Vec<bool> = Vec::new();
    let mut chars = pattern.chars().peekable();
    // True right after a class opens (and after its `^`), where `]` is a literal.
    let mut class_start = false;
    let mut previous: Option<char> = None;
    while let Some(c) = chars.next() {
        let at_class_start = std::mem::take(&mut class_start);
        let inside = !classes.is_empty();
        let negated = classes.last().copied().unwrap_or(false);
        if !c.is_ascii() && crate::lint::text::is_regex_word(c) {
            stand_ins = false;
        }
        match c {
            '\\' => {
                let escaped = chars.next()?;
                if matches!(escaped, 'p' | 'P' | 'x' | 'u' | 'U')
                    || (negated && matches!(escaped, 'w' | 'd'))
                {
                    stand_ins = false;
                }
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
                previous = Some('\\');
                continue;
            }
            '[' => {
                out.push('[');
                class_start = true;
                let negates = chars.peek() == Some(&'^');
                if negates {
                    chars.next();
                    out.push('^');
                }
                classes.push(negated || negates);
            }
            ']' if inside && !at_class_start => {
                out.push(']');
                classes.pop();
            }
            '-' if inside && !at_class_start && chars.peek().is_some_and(|&next| next != ']') => {
                let next = chars.peek().copied();
                if negated
                    || previous.is_some_and(|p| !p.is_ascii())
                    || next.is_some_and(|n| !n.is_ascii())
                {
                    stand_ins = false;
                }
                out.push(c);
            }
            _ => {
                if negated && c.is_ascii_alphanumeric() {
                    stand_ins = false;
                }
                out.push(c);
            }
        }
        previous = Some(c);
    }
    classes.is_empty().then_some(Twin {
        pattern: out,
        stand_ins,
    })
}

/// The text with each non-ASCII word character replaced by an ASCII one that every construct
/// of a stand-in-safe pattern treats alike: `ſ` and the Kelvin sign by the letters `(?i)` folds
/// them onto, other digits by `0`, other letters and marks by `x`. Character counts and word
/// boundaries are unchanged, so wherever the original pattern matches the text, the twin
/// matches the stand-ins (the converse need not hold: a stand-in can match a literal).
fn ascii_stand_ins(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            _ if c.is_ascii() => c,
            'ſ' => 's',
            '\u{212A}' => 'k',
            _ if crate::lint::text::is_regex_digit(c) => '0',
            _ if crate::lint::text::is_regex_word(c) => 'x',
            _ => c,
        })
        .collect()
}

/// Checks that the word regex finds in `text` exactly what its Unicode original finds.
#[cfg(test)]
pub(crate) fn assert_finds_what_the_original_finds(regex: &WordRegex, text: &str) {
    let spans = |re: Option<&Regex>| -> Vec<(usize, usize)> {
        re.map(|re| re.find_iter(text).map(|m| (m.start(), m.end())).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        spans(regex.for_text(text)),
        spans(regex.unicode()),
        "{} on {text:?}",
        regex.pattern
    );
}

/// Checks a rule's word regex on texts generated from its own pattern (or, for a pattern
/// the generator cannot read, such as one with anchors, on runs of its own words), with
/// non-ASCII letters, digits and punctuation slipped in: it must find what the Unicode
/// original finds.
#[cfg(test)]
pub(crate) fn assert_word_regex_exact(regex: &WordRegex) {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = proptest::string::string_regex(&regex.pattern.replace(r"\b", ""));
    let words: Vec<&str> = regex
        .pattern
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() > 1)
        .collect();
    let extras = [
        "é", "ſ", "\u{212A}", "٣", "\u{301}", "’", "—", "\u{a0}", "日",
    ];
    for round in 0..150usize {
        let mut text = match &strategy {
            Ok(strategy) => match strategy.new_tree(&mut runner) {
                Ok(tree) => tree.current(),
                Err(_) => continue,
            },
            Err(_) => (0..4)
                .filter_map(|i| words.get((round * 7 + i * 13) % words.len().max(1)))
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
        };
        // Slip a character in at a char boundary chosen by the round number.
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        if let (Some(&at), Some(extra)) = (
            boundaries.get(round % boundaries.len().max(1)),
            extras.get(round % extras.len()),
        ) {
            text.insert_str(at, extra);
        }
        assert_finds_what_the_original_finds(regex, &text);
    }
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
        let twin = |pattern: &str| ascii_twin(pattern).map(|t| (t.pattern, t.stand_ins));
        assert_eq!(
            twin(r"(?i)\bfoo\s+\w+[\w /-]\d\W\\b[^]x]"),
            Some((
                r"(?i)(?-u:\b)foo\s+(?-u:\w)+[0-9A-Za-z_ /-][0-9][^0-9A-Za-z_]\\b[^]x]".into(),
                false
            ))
        );
        assert!(twin(r"[\W]").is_none());
        assert!(twin(r"[a").is_none());
        // Stand-ins are refused where a pattern tells non-ASCII word characters apart.
        for (pattern, stand_ins) in [
            (r"(?i)\bnever\s+[^.\n]{0,30}\w+\b", true),
            (r#"[^\s"'<>=]+|[“”]"#, true),
            (r"[^a-z]", false),
            (r"[^!-/]", false),
            (r"[!-“]", false),
            (r"café", false),
            (r"\p{L}", false),
            (r"\x{e9}", false),
            (r"[^\w]", false),
        ] {
            assert_eq!(twin(pattern).map(|t| t.1), Some(stand_ins), "{pattern}");
        }
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
        "é ſtop the",
        "é the \u{212A}ey",
        "née ignore\u{a0}previous ٣ instructions",
        "日本 3٣ b_c\u{301} key",
        "٣ignore previous instructions",
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

    proptest::proptest! {
        // Each case searches every pattern twice in a debug build: fewer, longer cases.
        #![proptest_config(proptest::test_runner::Config::with_cases(64))]

        /// Text with non-ASCII letters, digits, marks and joiners next to everything the
        /// patterns look at: the stand-in test never hides a match of the original.
        #[test]
        fn stand_ins_never_hide_a_match(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "ignore", "previous", "instructions", "stop", "key", "KEY", "a", "b_c",
                    "3", "٣", "é", "ſ", "\u{212A}", "\u{301}", "\u{200d}", "日本", "’", "—",
                    "\u{a0}", " ", "  ", "\n", ".", "-", "’s", "top", "ey",
                ]),
                0..16,
            )
        ) {
            let text = pieces.concat();
            for regex in WORD_REGEXES.iter() {
                assert_finds_what_the_original_finds(regex, &text);
            }
        }
    }

    /// [`PATTERNS`], compiled once for all the generated texts.
    static WORD_REGEXES: LazyLock<Vec<WordRegex>> =
        LazyLock::new(|| PATTERNS.iter().map(|p| WordRegex::new(*p)).collect());

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
