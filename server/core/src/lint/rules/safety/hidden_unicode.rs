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
        report
            .add(
                span,
                format!("{what}: the model reads it but no reviewer can see it; delete it"),
            )
            .with_fix(Fix::safe(
                "Remove invisible characters",
                vec![Edit::delete(span)],
            ));
    };
    for (i, c) in source.char_indices() {
        // A byte-order mark at the very start is an encoding marker, not content.
        if i == 0 && c == '\u{FEFF}' {
            continue;
        }
        match (describe(c), run.as_mut()) {
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
    fn near_misses() {
        for source in ["\u{FEFF}Hello", "café — naïve 中文 😀", "plain text"] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
