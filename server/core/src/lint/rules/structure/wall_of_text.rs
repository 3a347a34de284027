//! `wall-of-text`: a long run of prose with no structure: more than 250 words with no blank
//! line, heading, list item, tag or code fence between them.
//!
//! The check is per block, not per file: a prompt with a heading on top of one 400-word
//! paragraph is still a wall, and 600 words in short paragraphs are not. A block is a
//! paragraph of one turn: lines join only when a sentence runs on across the line break
//! (hard-wrapped text); a line that ends a sentence (`.`, `!`, `?`, `:`, `;`) followed by a new
//! line is one instruction per line, which is structure too.

use std::sync::LazyLock;

use regex::Regex;

use super::shared::{ProseLine, heading_level, prose_lines};
use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "wall-of-text",
    category: Category::Structure,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::ALL,
    summary: "More than 250 words with no paragraph break, heading, list or tag",
    docs: Docs {
        why: "Long undivided prose hides individual instructions: the reviewer cannot find them, and models weigh a constraint buried mid-paragraph less reliably than one that stands on its own line. Every vendor's prompting guide recommends sections (role, task, rules, output format) marked with headings, lists or XML tags.",
        bad: "---\ninput:\n  schema:\n    question: string\n---\nYou are the assistant of a small bakery called Crumbs and you answer questions from customers who write to the shop through the website chat, which means you should be friendly but brief, because people read the answers on their phones while they are on their way to the shop or deciding what to order for an event, and you must know that the shop opens at seven in the morning from Tuesday to Sunday and closes at six in the evening except on Sundays when it closes at two, that it is closed on Mondays and on public holidays, that orders for cakes must be placed at least three days in advance and paid in full when they are placed, that custom decorations cost extra depending on the design and that the baker will confirm the price by email within a day, that the shop makes gluten-free bread on Thursdays only and cannot guarantee that any product is free of traces of nuts because everything is baked in the same kitchen, that delivery is available within five kilometres for orders over forty euros and costs five euros below that amount, that payment by card and cash is accepted in the shop but only card payment is possible online, and that complaints about an order should be sent with a photo to the shop's email address so that the owner can answer them personally, and when you do not know the answer to a question you should say so honestly and give the phone number of the shop instead of guessing, never inventing prices, opening hours or ingredients that are not listed here, and always answering in the language in which the customer wrote.\n\n{{question}}\n",
        good: "---\ninput:\n  schema:\n    question: string\n---\nYou are the assistant of Crumbs, a small bakery. You answer customers' questions in the website chat. Be friendly and brief: people read on their phones.\n\n## Facts\n- Open Tuesday to Sunday, 7:00–18:00 (Sundays until 14:00); closed Mondays and public holidays.\n- Cake orders: at least three days ahead, paid in full when ordered. Custom decorations cost extra; the baker confirms the price by email within a day.\n- Gluten-free bread on Thursdays only. Everything is baked in one kitchen, so no product is guaranteed free of nut traces.\n- Delivery within 5 km: free over 40 euros, otherwise 5 euros.\n- Card or cash in the shop; card only online.\n- Complaints: by email with a photo; the owner answers personally.\n\n## Rules\n- If you do not know the answer, say so and give the shop's phone number.\n- Never invent prices, hours or ingredients.\n- Answer in the customer's language.\n\n<question>\n{{question}}\n</question>\n",
        fix: "Split the text into short paragraphs, or better into sections (role, task, rules, output format) with headings or XML tags, and put rules and facts in lists, one per line.",
    },
    check,
};

/// Above this many words in one block, a reader (and a model) loses individual instructions.
const MAX_WORDS: usize = 250;

static LIST_ITEM: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*(?:[-*+•]|\d{1,3}[.)]|[a-zA-Z][.)])\s+\S").ok());

static TAG_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*</?[A-Za-z][A-Za-z0-9_.:-]*[^<>\n]*>").ok());

/// A line that starts something new: a heading, a list item, a tag, a table row, a fence.
fn is_structure(cx: &Context<'_>, line: &ProseLine) -> bool {
    let text = cx.text(line.span);
    let trimmed = text.trim_start();
    heading_level(cx, line).is_some()
        || LIST_ITEM.as_ref().is_some_and(|r| r.is_match(text))
        || TAG_LINE.as_ref().is_some_and(|r| r.is_match(text))
        || trimmed.starts_with('|')
        || trimmed.starts_with("```")
        || trimmed.starts_with("~~~")
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let mut blocks: Vec<Span> = Vec::new();
    let mut current: Option<(Span, usize)> = None;
    // A line that ends a sentence and a next line that starts a new one are two lines the
    // author chose to separate (one instruction per line); only a sentence running on across
    // the line break (hard-wrapped text) joins them into one block.
    let mut line_ended_sentence = false;
    for line in prose_lines(cx) {
        let text = cx.text(line.span);
        let blank = text.trim().is_empty();
        if current.is_some_and(|(_, turn)| turn != line.turn) {
            blocks.extend(current.take().map(|(span, _)| span));
        }
        if line.at_line_start {
            let breaks = blank
                || line_ended_sentence
                || is_structure(cx, &line)
                || cx.in_code_block(line.span.start);
            if breaks {
                blocks.extend(current.take().map(|(span, _)| span));
            }
            // Headings and fences end a block and belong to none; a list item or a tag line
            // starts a new one.
            let marker = heading_level(cx, &line).is_some() || {
                let trimmed = cx.text(line.span).trim_start();
                trimmed.starts_with("```") || trimmed.starts_with("~~~")
            };
            if blank || marker || cx.in_code_block(line.span.start) {
                continue;
            }
        }
        if !blank {
            line_ended_sentence = text
                .trim_end()
                .trim_end_matches(['"', '\'', '”', '’', ')', '*', '_'])
                .ends_with(['.', '!', '?', ':', ';']);
        }
        current = match current {
            Some((span, turn)) => Some((span.cover(line.span), turn)),
            None if !blank => Some((line.span, line.turn)),
            None => None,
        };
    }
    blocks.extend(current.map(|(span, _)| span));

    let words = cx.words();
    for block in blocks {
        let first = words.partition_point(|w| w.span.start < block.start);
        let last = words.partition_point(|w| w.span.start < block.end);
        let count = last.saturating_sub(first);
        if count <= MAX_WORDS {
            continue;
        }
        let sentence = cx
            .sentences()
            .iter()
            .find(|s| s.start >= block.start)
            .copied()
            .unwrap_or(block);
        report.add(
            sentence,
            format!(
                "{count} words in one block with no paragraph break, heading, list or tag: split it into short paragraphs or sections (role, task, rules, output format) so that each instruction stands on its own"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{flagged, messages};

    fn words(n: usize) -> String {
        let mut out = String::from("Start here.");
        for i in 1..n {
            out.push_str(if i % 12 == 0 { " word." } else { " word" });
        }
        out
    }

    #[test]
    fn regexes_compile() {
        assert!(super::LIST_ITEM.is_some());
        assert!(super::TAG_LINE.is_some());
    }

    #[test]
    fn long_block() {
        let source = format!("# Role\n{}\n", words(260));
        assert_eq!(flagged(&RULE, &source), ["Start here."]);
        assert!(messages(&RULE, &source)[0].starts_with("261 words in one block"));
        // lines without blank lines between them form one block; a variable does not break it
        let source = format!("{}\n{{{{name}}}} {}\n", words(130), words(130));
        assert_eq!(messages(&RULE, &source).len(), 1);
    }

    #[test]
    fn near_misses() {
        for source in [
            words(249),
            format!("{}\n\n{}", words(200), words(200)),
            format!("{}\n## Rules\n{}", words(200), words(200)),
            format!("{}\n- {}", words(200), words(200)),
            // one sentence per line
            "Do this one thing and then stop there and check it twice.\n".repeat(30),
            format!("{}\n<rules>\n{}\n</rules>", words(200), words(200)),
            format!("{}\n```\n{}\n```\n{}", words(100), words(300), words(100)),
            format!(
                "{{{{role \"system\"}}}}{}{{{{role \"user\"}}}}{}",
                words(200),
                words(200)
            ),
        ] {
            assert_eq!(messages(&RULE, &source), Vec::<String>::new(), "{source}");
        }
    }
}
