//! `shouting-and-incentives`: emphasis by volume instead of by reason: runs of capitals ("DO
//! NOT USE ANY TOOLS"), capitalised emphasis words (IMPORTANT, MUST, NEVER, CRITICAL), "!!!",
//! and tips or threats ("I'll tip you $200", "or you will be fired"). Current models follow
//! plain instructions; shouted ones get over-applied, and incentives buy nothing reliable.
//!
//! A naive caps rule fires on a fifth of real prompts, mostly on acronyms, so: a capitalised
//! word of up to four letters is an acronym (API, JSON, USA) unless it is a common English word
//! (NOT, ALL, THIS), longer ones are words unless listed as acronyms (HTTPS, ASCII), anything
//! with a digit is a code (GPT4, ISO9001), and a line in capitals with nothing else on it is a
//! heading, not shouting.

use std::sync::LazyLock;

use regex::Regex;

use crate::lint::pattern::WordRegex;

use crate::lint::text::{line_end, line_start};
use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

use super::instruction::Outline;

pub(crate) static RULE: Rule = Rule {
    id: "shouting-and-incentives",
    category: Category::Clarity,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::ALL,
    summary: "ALL-CAPS emphasis, \"!!!\", tips and threats aimed at the model",
    docs: Docs {
        why: "Capitals, exclamation marks, tips (\"I'll tip you $200\") and threats (\"or you will be fired\") were folk remedies for older models. Current models follow instructions written in a normal voice, and over-apply shouted ones (\"CRITICAL: You MUST use this tool\" makes them use it when they should not). Incentives do not improve results reliably. A reason works better: say why the rule matters.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\n---\nSummarize the report for the board.\nIMPORTANT: DO NOT INCLUDE ANY NAMES!!!\nI'll tip you $200 for a perfect summary.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\n---\nSummarize the report for the board.\nLeave out people's names: the summary is shared outside the company.\nReturn the summary as JSON with the fields title and body.\n",
        fix: "Write the instruction in normal case, drop the exclamation marks and the incentive, and give the reason the rule matters (\"…: the summary is shared outside the company\").",
    },
    check,
};

/// Emphasis words that shout on their own when capitalised.
const EMPHASIS: &[&str] = &[
    "IMPORTANT",
    "MUST",
    "NEVER",
    "ALWAYS",
    "CRITICAL",
    "CRUCIAL",
    "ESSENTIAL",
    "MANDATORY",
    "STRICTLY",
    "ABSOLUTELY",
    "NOT",
    "DON'T",
    "ONLY",
];

/// Short capitalised words that are English, not acronyms.
const SHORT_WORDS: &[&str] = &[
    "A", "I", "IS", "IT", "IN", "ON", "TO", "OF", "OR", "AND", "THE", "YOU", "YOUR", "DO", "NOT",
    "NO", "BE", "ARE", "WAS", "ALL", "ANY", "THIS", "THAT", "WITH", "FOR", "FROM", "BY", "AT",
    "AS", "IF", "SO", "WE", "US", "OUR", "MY", "ME", "USE", "ONLY", "MUST", "VERY", "EACH", "EVER",
    "ONE", "CAN", "WILL", "MAY", "JUST", "ALSO", "MAKE", "SURE", "KEEP", "HAVE", "HAS", "THAN",
    "THEN", "WHEN", "WHAT", "WHY", "HOW", "WHO", "NEW", "NOW", "OUT", "UP", "OFF", "TOO", "MORE",
    "MOST", "LESS", "SOME", "SUCH", "OWN", "SAME", "HERE", "DOES", "DONE", "GET", "GO", "SEE",
    "SAY", "KNOW", "LIKE", "WANT", "NEED", "GIVE", "TAKE", "TELL", "ASK", "READ", "ADD", "STOP",
    "NOTE", "RULE", "TASK", "GOAL", "TONE", "USER", "EVEN", "ELSE", "ONCE", "BUT", "DON'T", "NONE",
    "EVERY", "THEY", "THEM", "HIS", "HER", "SHE", "HE", "ITS", "BEEN", "WERE",
];

/// Acronyms of five letters or more that are not words.
const LONG_ACRONYMS: &[&str] = &[
    "HTTPS", "ASCII", "HIPAA", "NASDAQ", "OAUTH", "GRAPHQL", "LGBTQ", "UNESCO", "UNICEF", "NVIDIA",
    "COVID", "SCUBA", "LASER", "RADAR", "CAPTCHA", "JSONL", "REGEX", "OPENAI", "SMART", "POSIX",
    "LINUX", "NGINX", "SQLITE", "DEVOPS", "MLOPS", "FINRA", "IUPAC", "AMOLED", "LIDAR", "SONAR",
    "STEAM", "TOEFL", "IELTS", "FAANG", "UNHCR", "ASEAN", "BIPOC", "EBITDA",
];

static INCENTIVE: LazyLock<WordRegex> = LazyLock::new(|| {
    WordRegex::new(
        r"(?ix)
        \b(?:i|we)(?:'ll|\s+will|\s+would)\s+(?:tip|pay|give)\s+you\b[^.\n]{0,30}?(?:\$\s?\d[\d,]*|\d+\s*(?:dollars|usd|euros))
        | \btip\s+(?:you\s+)?\$\s?\d[\d,]*
        | \$\s?\d[\d,]*\s+tip\b
        | \byou(?:'ll|\s+will)\s+(?:be\s+)?(?:fired|penali[sz]ed|punished|terminated|shut\s+down|deleted|replaced|tipped|rewarded\s+with)\b
        | \b(?:or|otherwise)\s+(?:i(?:'ll|\s+will)\s+(?:lose\s+my\s+job|fire\s+you|shut\s+you\s+down|delete\s+you|replace\s+you))
        | \b(?:my|our)\s+(?:job|career|life|livelihood|family)\s+depends\s+on\b
        | \b(?:people|someone|a\s+kitten|kittens|puppies)\s+will\s+die\b
        ",
    )
});

static BANGS: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"!{2,}").ok());

fn check(cx: &Context<'_>, report: &mut Report) {
    caps(cx, report);
    let source = cx.source();
    for segment in cx.prose() {
        let text = segment.span.text(source);
        let base = segment.span.start;
        if let Some(bangs) = BANGS.as_ref() {
            for found in bangs.find_iter(text) {
                let span = Span::new(base + found.start(), base + found.end());
                if cx.in_code_block(span.start) {
                    continue;
                }
                report.add(
                    span,
                    format!(
                        "'{}' adds volume, not information; end the sentence with one mark and say why it matters instead",
                        found.as_str()
                    ),
                );
            }
        }
        if let Some(incentive) = INCENTIVE.for_text(text) {
            for found in incentive.find_iter(text) {
                let span = Span::new(base + found.start(), base + found.end());
                if cx.in_code_block(span.start) {
                    continue;
                }
                report.add(
                    span,
                    format!(
                        "'{}' is a tip or a threat: incentives do not make current models more reliable and can skew answers; state the requirement and why it matters",
                        found.as_str()
                    ),
                );
            }
        }
    }
}

/// How a capitalised word reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caps {
    /// Not in capitals, or an acronym or code.
    No,
    /// A word in capitals.
    Word,
    /// An emphasis word in capitals (IMPORTANT, NEVER).
    Emphasis,
}

fn classify(word: &str) -> Caps {
    // Nearly every word has a lowercase letter: that test first, the letter count after.
    if word.chars().any(|c| c.is_lowercase() || c.is_ascii_digit())
        || !word.chars().any(char::is_uppercase)
    {
        return Caps::No;
    }
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 2 {
        return Caps::No;
    }
    let word = &word.replace('’', "'");
    if EMPHASIS.contains(&word.as_str()) {
        return Caps::Emphasis;
    }
    if LONG_ACRONYMS.contains(&word.as_str()) {
        return Caps::No;
    }
    if letters <= 4 && !SHORT_WORDS.contains(&word.as_str()) {
        return Caps::No;
    }
    Caps::Word
}

fn caps(cx: &Context<'_>, report: &mut Report) {
    let source = cx.source();
    let words = cx.words();
    let outline = Outline::of(cx);
    let skip = |span: Span| {
        cx.in_code_block(span.start)
            || outline.shows(span.start)
            || in_brackets_or_code(source, span.start)
    };
    let mut i = 0;
    while let Some(word) = words.get(i) {
        let kind = classify(word.text(source));
        if kind == Caps::No || skip(word.span) {
            i += 1;
            continue;
        }
        // Extend over capitalised words on the same line, joined by spaces or light
        // punctuation ("IMPORTANT: DO NOT", not "[ACTION], [REQUEST]").
        let mut end = i;
        while let Some(next) = words.get(end + 1) {
            let previous_end = words.get(end).map_or(next.span.start, |w| w.span.end);
            let between = source.get(previous_end..next.span.start).unwrap_or("\n");
            let joined = between
                .chars()
                .all(|c| matches!(c, ' ' | '\t' | ':' | ',' | '-' | '–' | '—'));
            if !joined || classify(next.text(source)) == Caps::No || skip(next.span) {
                break;
            }
            end += 1;
        }
        let last = words.get(end).map_or(word.span, |w| w.span);
        let span = Span::new(word.span.start, last.end);
        let run = end - i + 1;
        let emphatic = (i..=end).any(|k| {
            words
                .get(k)
                .is_some_and(|w| classify(w.text(source)) == Caps::Emphasis)
        });
        i = end + 1;
        match capital_line(source, span) {
            // `## OUTPUT FORMAT`, `**IMPORTANT NOTES:**`: a heading.
            Line::Heading => continue,
            // A line quoted in capitals, with no emphasis word: content, not shouting.
            Line::Capitals if !emphatic => continue,
            _ => {}
        }
        if run >= 3 {
            report.add(
                span,
                format!(
                    "'{}' is shouted: models over-apply instructions in capitals; write it in normal case and say why it matters",
                    span.text(source)
                ),
            );
        } else if emphatic {
            report.add(
                span,
                format!(
                    "'{}' in capitals is emphasis by volume: current models over-apply it; write it normally and give the reason instead",
                    span.text(source)
                ),
            );
        }
    }
}

/// True inside `[…]` (a placeholder such as `[NAME]`) or `` `…` `` on the same line.
fn in_brackets_or_code(source: &str, offset: usize) -> bool {
    let before = source.get(line_start(source, offset)..offset).unwrap_or("");
    before.rfind('[') > before.rfind(']') || before.matches('`').count() % 2 == 1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// Mixed case: the capitals stand out.
    Mixed,
    /// Every word in capitals.
    Capitals,
    /// A short line in capitals that reads as a heading (`#`, a closing `:`, bold).
    Heading,
}

/// How the line around a capitalised run reads.
fn capital_line(source: &str, span: Span) -> Line {
    let line = source
        .get(line_start(source, span.start)..line_end(source, span.end))
        .unwrap_or("")
        .trim();
    if line.chars().any(char::is_lowercase) {
        return Line::Mixed;
    }
    let words = line.split_whitespace().count();
    let bare = line.trim_matches(|c: char| matches!(c, '*' | '_' | '#' | ' '));
    let heading = line.starts_with('#')
        || bare.ends_with(':')
        || (line.starts_with("**") && line.ends_with("**"))
        || span.text(source).len() == bare.trim_end_matches(':').len();
    if heading && words <= 6 && !bare.contains("!!") {
        Line::Heading
    } else {
        Line::Capitals
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{flagged, messages};

    #[test]
    fn patterns_compile() {
        assert!(super::INCENTIVE.compiles());
        crate::lint::pattern::assert_word_regex_exact(&super::INCENTIVE);
    }

    #[test]
    fn catches_shouting() {
        assert_eq!(
            flagged(
                &RULE,
                "Summarize it. IMPORTANT: DO NOT INCLUDE ANY NAMES!!!\n"
            ),
            ["IMPORTANT: DO NOT INCLUDE ANY NAMES", "!!!"]
        );
        assert_eq!(flagged(&RULE, "You MUST reply in JSON.\n"), ["MUST"]);
        assert_eq!(
            flagged(&RULE, "Be kind.\nNEVER SHARE PASSWORDS.\n"),
            ["NEVER SHARE PASSWORDS"]
        );
        assert_eq!(flagged(&RULE, "Do NOT use the API key.\n"), ["NOT"]);
        assert_eq!(flagged(&RULE, "Never, EVER, guess!!\n"), ["!!"]);
        assert_eq!(
            flagged(&RULE, "IMPORTANT: DO NOT INCLUDE ANY NAMES!!!\n"),
            ["IMPORTANT: DO NOT INCLUDE ANY NAMES", "!!!"]
        );
        assert_eq!(
            flagged(&RULE, "Keep the answer SHORT AND SIMPLE PLEASE.\n"),
            ["SHORT AND SIMPLE PLEASE"]
        );
    }

    #[test]
    fn catches_tips_and_threats() {
        for (source, phrase) in [
            (
                "I'll tip you $200 for a perfect answer.\n",
                "I'll tip you $200",
            ),
            ("Get it right or you will be fired.\n", "you will be fired"),
            ("Be accurate, my job depends on it.\n", "my job depends on"),
            (
                "We will pay you 100 dollars.\n",
                "We will pay you 100 dollars",
            ),
        ] {
            assert_eq!(flagged(&RULE, source), [phrase], "{source}");
        }
        let found = messages(&RULE, "I'll tip you $200.\n");
        assert!(found[0].contains("tip or a threat"), "{found:?}");
    }

    #[test]
    fn near_misses() {
        for source in [
            // Acronyms, codes and model names.
            "Return JSON from the API, using the URL and the SQL schema.\n",
            "Support USA, UK and EU customers with PDF and CSV exports.\n",
            "Use GPT-4 or GPT4o, and cite ISO 9001 and HTTPS rules.\n",
            "Compare the NASDAQ and the FTSE.\n",
            // Headings in capitals.
            "## OUTPUT FORMAT\nUse bullet points.\n",
            "**IMPORTANT NOTES:**\nBe kind.\n",
            "TASK DESCRIPTION:\nSummarize the text.\n",
            // Placeholders, inline code, quoted material in capitals, examples.
            "Start with a tag such as [ACTION], [REQUEST], [IMPORTANT] or [UPDATE].\n",
            "Mark chunks with `# --- START OF CHUNK X ---` comments.\n",
            "Then say:\nPOOR MINIMALISM COMPLIANCE DETECTED!\n",
            "## Example cable\nGOJ HAS NOT MADE DECISION REGARDING ACTUAL NUMBER OF WHALES\n",
            // One exclamation mark, and code.
            "Welcome them warmly!\n",
            "```\nif (!!x) { ALWAYS_ON = TRUE }\n```\n",
            // Tips in another sense.
            "Give the user tips on saving money.\n",
            "The waiter said I will tip you later.\n",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
