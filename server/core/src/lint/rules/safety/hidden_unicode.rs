//! `hidden-unicode`: characters a reviewer cannot see but the model reads: zero-width
//! characters, bidirectional controls (Trojan Source) and the Unicode tag block (ASCII
//! smuggling). They hide instructions in plain sight.

use crate::lint::{Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "hidden-unicode",
    category: Category::Safety,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::Safe,
    formats: Formats::ALL,
    summary: "Invisible characters: zero-width, bidirectional controls, Unicode tag characters",
    docs: Docs {
        why: "Zero-width characters, bidirectional overrides and Unicode tag characters (U+E0000–U+E007F) are invisible in editors and code review, yet the model reads them. They are used to smuggle instructions into prompts (ASCII smuggling, Trojan Source) and they silently break matching and token counts.",
        bad: "Summarize the text.\u{200B}\u{E0049}\u{E0067}\u{E006E}\u{E006F}\u{E0072}\u{E0065}\n",
        good: "Summarize the text.\n",
        fix: "Delete the characters (the quick fix strips them). If a zero-width joiner is part of an emoji sequence you meant to keep, suppress the rule on that line.",
    },
    check,
};

/// What kind of hidden character this is, for the message.
fn describe(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{200B}' => "zero-width space",
        '\u{200C}' => "zero-width non-joiner",
        '\u{200D}' => "zero-width joiner",
        '\u{2060}' => "word joiner",
        '\u{FEFF}' => "zero-width no-break space",
        '\u{00AD}' => "soft hyphen",
        '\u{180E}' => "Mongolian vowel separator",
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {
            "bidirectional control"
        }
        '\u{E0000}'..='\u{E007F}' => "Unicode tag character",
        '\u{2061}'..='\u{2064}' => "invisible math operator",
        _ => return None,
    })
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let source = cx.source();
    // Every invisible character is outside ASCII, and most files are ASCII.
    if source.is_ascii() {
        return;
    }
    let mut run: Option<(usize, usize, &'static str, usize)> = None;
    let flush = |run: (usize, usize, &'static str, usize), report: &mut Report| {
        let (start, end, kind, count) = run;
        let span = Span::new(start, end);
        let what = if count == 1 {
            format!(
                "invisible {kind} (U+{:04X})",
                source[start..].chars().next().map_or(0, u32::from)
            )
        } else {
            format!("{count} invisible characters ({kind} and others)")
        };
        // Joiners can carry meaning even where this rule cannot tell (a name, a ligature):
        // removing them is for a person to confirm.
        let joiners = span
            .text(source)
            .chars()
            .all(|c| matches!(c, '\u{200C}' | '\u{200D}'));
        let edits = vec![Edit::delete(span)];
        let fix = if joiners {
            Fix::suggested("Remove invisible characters", edits)
        } else {
            Fix::safe("Remove invisible characters", edits)
        };
        report
            .add(
                span,
                format!("{what}: the model reads it but no reviewer can see it; delete it"),
            )
            .with_fix(fix);
    };
    for (i, c) in source.char_indices() {
        // A byte-order mark at the very start is an encoding marker, not content.
        if i == 0 && c == '\u{FEFF}' {
            continue;
        }
        let kind = describe(c).filter(|_| !is_meaningful_joiner(source, i, c));
        match (kind, run.as_mut()) {
            (Some(_), Some(current)) if current.1 == i => {
                current.1 = i + c.len_utf8();
                current.3 += 1;
            }
            (Some(kind), _) => {
                if let Some(done) = run.take() {
                    flush(done, report);
                }
                run = Some((i, i + c.len_utf8(), kind, 1));
            }
            (None, _) => {
                if let Some(done) = run.take() {
                    flush(done, report);
                }
            }
        }
    }
    if let Some(done) = run {
        flush(done, report);
    }
}

/// A joiner doing its job: ZWJ inside an emoji sequence (👨‍👩‍👧), or ZWJ/ZWNJ between two
/// letters of a script that uses them in words (Persian, Arabic, Indic scripts).
fn is_meaningful_joiner(source: &str, at: usize, c: char) -> bool {
    if !matches!(c, '\u{200C}' | '\u{200D}') {
        return false;
    }
    let before = source[..at].chars().next_back();
    let after = source[at + c.len_utf8()..].chars().next();
    let (Some(before), Some(after)) = (before, after) else {
        return false;
    };
    // Scripts whose spelling uses joiners, marks (viramas) included; other letters too.
    let letter = |ch: char| {
        matches!(u32::from(ch), 0x0600..=0x109F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFE)
            || (ch.is_alphabetic() && !ch.is_ascii())
    };
    let emoji = |ch: char| matches!(u32::from(ch), 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0xFE0F);
    (c == '\u{200D}' && emoji(before) && emoji(after)) || (letter(before) && letter(after))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{fixed, messages};

    #[test]
    fn finds_and_strips_runs() {
        let source = "Hi\u{200B}there \u{202E}x\u{E0041}\u{E0042}";
        assert_eq!(messages(&RULE, source).len(), 3);
        assert_eq!(fixed(&RULE, source), "Hithere x");
    }

    #[test]
    fn tag_run_is_one_finding() {
        let found = messages(&RULE, "a\u{E0041}\u{E0042}\u{E0043}");
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("3 invisible characters"), "{found:?}");
    }

    #[test]
    fn joiners_inside_emoji_and_words_are_content() {
        for source in [
            "Family: 👨\u{200D}👩\u{200D}👧",
            "خواهم\u{200C}شد",
            "क्\u{200D}ष",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
        // A stray joiner is still reported, but its removal is only suggested.
        let found = crate::lint::testing::check(&RULE, "Hello\u{200D} world");
        assert_eq!(found.len(), 1);
        assert!(!found[0].fixes[0].is_safe());
    }

    #[test]
    fn near_misses() {
        for source in ["\u{FEFF}Hello", "café — naïve 中文 😀", "plain text"] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
