//! `duplicate-instruction`: the same instruction said twice, word for word or nearly. Repeats
//! cost tokens on every call, and a repeated rule reads as extra weight the author may not
//! mean; vendor studies found trimming them raised eval scores.
//!
//! Two sentences of at least six words are near-duplicates when their sets of (stemmed,
//! lowercase) words overlap by a Jaccard index of 0.85 or more. Templates the model fills in
//! (`[Software Name]: [Brief Description]` on five lines), examples, fenced code and parallel
//! list items with different labels (`Self-hosted: …` / `SaaS: …`) are not instructions
//! repeated and are left alone.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::lint::text::{line_end, line_start};
use crate::lint::{Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

use super::instruction::{Outline, Sentence, prose_sentences, stem_into};

pub(crate) static RULE: Rule = Rule {
    id: "duplicate-instruction",
    category: Category::Clarity,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::ALL,
    summary: "The same instruction given twice (near-duplicate sentences)",
    docs: Docs {
        why: "A repeated instruction costs tokens on every call and buys nothing: the model read it the first time. Repeats also drift apart as the prompt is edited until they disagree. Vendor prompt studies found that removing duplicated instructions raised eval scores while cutting cost.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\n---\nYou are a support agent for Acme.\nAlways answer in a friendly and professional tone.\nLook up the order before answering.\nAlways answer in a professional and friendly tone.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\n---\nYou are a support agent for Acme.\nAlways answer in a friendly and professional tone.\nLook up the order before answering.\n",
        fix: "Delete the later copy (the quick fix does), or merge the two into one sentence if each adds something.",
    },
    check,
};

const MIN_WORDS: usize = 6;
const THRESHOLD: f64 = 0.85;

struct Candidate {
    /// Index into the file's sentences.
    index: usize,
    start: usize,
    /// The `Label:` that opens the sentence's line, lowercase, when there is one.
    label: String,
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let source = cx.source();
    let outline = Outline::of(cx);
    let sentences = prose_sentences(cx);
    let candidates: Vec<Candidate> = sentences
        .iter()
        .enumerate()
        .filter(|(_, s)| s.len() >= MIN_WORDS)
        .filter(|(_, s)| !is_template(cx.text(s.span)))
        .filter(|(_, s)| !outline.shows(s.span.start))
        .filter(|(_, s)| !is_example_line(s))
        .map(|(index, sentence)| Candidate {
            index,
            start: sentence.span.start,
            label: line_label(source, sentence.span),
        })
        .collect();
    if candidates.len() < 2 {
        return;
    }
    let sets = StemSets::new(&sentences);
    let set = |i: usize| sets.get(i);
    // Neighbours that are alike but not the same mark a repeated structure (the same step
    // under "If A:" and "If B:"), not a repeated instruction.
    let parallel = |i: usize, j: usize| {
        let alike = |a: &[u32], b: &[u32]| a != b && jaccard_at(a, b, 0.5) >= 0.5;
        (1..=3).any(|k| (k <= i && alike(set(i - k), set(j - k))) || alike(set(i + k), set(j + k)))
    };
    // Only earlier sentences with the same label, in the same section or with the very same
    // words, can be repeated: indexing them by both keys keeps a long prompt from comparing
    // every pair of sentences.
    let mut by_section: HashMap<(&str, usize), Vec<usize>> = HashMap::new();
    let mut by_words: HashMap<(&str, &[u32]), Vec<usize>> = HashMap::new();
    for (k, later) in candidates.iter().enumerate() {
        let words = set(later.index);
        let section = outline.section(later.start);
        let same_section = by_section.get(&(later.label.as_str(), section));
        let same_words = by_words.get(&(later.label.as_str(), words));
        let earlier = merged(same_section, same_words)
            .filter_map(|j| candidates.get(j))
            .find(|earlier| {
                jaccard_at(set(earlier.index), words, THRESHOLD) >= THRESHOLD
                    && !parallel(earlier.index, later.index)
            });
        by_section
            .entry((later.label.as_str(), section))
            .or_default()
            .push(k);
        by_words
            .entry((later.label.as_str(), words))
            .or_default()
            .push(k);
        let (Some(earlier), Some(first), Some(copy)) = (
            earlier,
            earlier.and_then(|e| sentences.get(e.index)),
            sentences.get(later.index),
        ) else {
            continue;
        };
        let line = cx.line_index().to_human(source, first.span.start).line;
        let text = cx.text(first.span);
        let quote: String = text.chars().take(60).collect();
        let how = if set(earlier.index) == set(later.index) {
            "repeats"
        } else {
            "nearly repeats"
        };
        let span = copy.span;
        report
            .add(
                span,
                format!(
                    "this {how} line {line} ('{quote}{}'): the model already has the instruction; delete the copy",
                    if quote.len() < text.len() { "…" } else { "" }
                ),
            )
            .with_fix(Fix::suggested(
                "Delete the repeated instruction",
                vec![Edit::delete(deletion(source, span))],
            ))
            .with_related(first.span, "first given here");
    }
}

/// Two ascending lists of candidate indices, merged ascending without repeats: the earliest
/// match is the one reported.
fn merged<'a>(
    a: Option<&'a Vec<usize>>,
    b: Option<&'a Vec<usize>>,
) -> impl Iterator<Item = usize> + 'a {
    let (mut a, mut b) = (
        a.map_or(&[][..], Vec::as_slice).iter().peekable(),
        b.map_or(&[][..], Vec::as_slice).iter().peekable(),
    );
    std::iter::from_fn(move || match (a.peek().copied(), b.peek().copied()) {
        (Some(&x), Some(&y)) if x == y => {
            a.next();
            b.next();
            Some(x)
        }
        (Some(&x), Some(&y)) if x < y => a.next().copied(),
        (Some(_), Some(_)) => b.next().copied(),
        (Some(_), None) => a.next().copied(),
        (None, _) => b.next().copied(),
    })
}

/// Each sentence's set of stemmed words, built on first use (most sentences are never
/// compared), as sorted ids of the file's distinct stems: comparing sets compares integers,
/// and each distinct stem is allocated once per file rather than once per word.
struct StemSets<'s> {
    sentences: &'s [Sentence],
    sets: Vec<OnceCell<Vec<u32>>>,
    ids: RefCell<HashMap<String, u32, BuildHasherDefault<Fnv>>>,
    buffer: RefCell<String>,
}

impl<'s> StemSets<'s> {
    fn new(sentences: &'s [Sentence]) -> Self {
        StemSets {
            sentences,
            sets: sentences.iter().map(|_| OnceCell::new()).collect(),
            // A prompt has a few hundred distinct stems: room for them from the start.
            ids: RefCell::new(HashMap::with_capacity_and_hasher(512, Default::default())),
            buffer: RefCell::default(),
        }
    }

    /// The set of sentence `i` (empty past the end).
    fn get(&self, i: usize) -> &[u32] {
        let (Some(cell), Some(sentence)) = (self.sets.get(i), self.sentences.get(i)) else {
            return &[];
        };
        cell.get_or_init(|| {
            let mut ids = self.ids.borrow_mut();
            let mut stemmed = self.buffer.borrow_mut();
            let mut set: Vec<u32> = sentence
                .words()
                .map(|word| {
                    stem_into(word, &mut stemmed);
                    if let Some(&id) = ids.get(stemmed.as_str()) {
                        return id;
                    }
                    let id = ids.len() as u32;
                    ids.insert(stemmed.clone(), id);
                    id
                })
                .collect();
            set.sort_unstable();
            set.dedup();
            set
        })
    }
}

/// FNV-1a: the stems are short and the map is rebuilt per file, where SipHash's start-up
/// cost dominated.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The lowercase label that opens a line (`- **Close Match Found:** …` → `close match found`).
fn line_label(source: &str, span: Span) -> String {
    let line = source
        .get(line_start(source, span.start)..)
        .and_then(|rest| rest.lines().next())
        .unwrap_or("");
    let Some((label, _)) = line.split_once(':') else {
        return String::new();
    };
    let label = label.trim_matches(|c: char| !c.is_alphanumeric());
    if label.split_whitespace().count() > 5 {
        return String::new();
    }
    label.to_lowercase()
}

/// The Jaccard index of two sorted sets; 0 when their sizes alone rule out `threshold`.
fn jaccard_at(a: &[u32], b: &[u32], threshold: f64) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if (small.len() as f64) < threshold * large.len() as f64 {
        return 0.0;
    }
    let shared = small
        .iter()
        .filter(|w| large.binary_search(w).is_ok())
        .count();
    let union = a.len() + b.len() - shared;
    if union == 0 {
        return 0.0;
    }
    shared as f64 / union as f64
}

/// A line the model fills in or a quotation, not an instruction:
/// `[Software Name]: [Brief Description]`, `Name: ____`, `"Would you like …?"`.
fn is_template(text: &str) -> bool {
    let quoted = |c: char| matches!(c, '"' | '“' | '”' | '`');
    text.starts_with(quoted)
        || text.ends_with(quoted)
        || (text.contains('[') && text.contains(']'))
        // A quick `char` search first: setting up a substring search costs more than most
        // sentences take to scan.
        || (text.contains('_') && text.contains("___"))
        || (text.len() < 80 && text.contains(':') && text.contains("..."))
}

/// `Example: …`, `Input: …`, `Q: …` lines show data, not instructions.
fn is_example_line(sentence: &Sentence) -> bool {
    sentence.head > 0
        && matches!(
            sentence.word(0),
            "example"
                | "examples"
                | "input"
                | "output"
                | "q"
                | "a"
                | "user"
                | "assistant"
                | "human"
                | "ai"
                | "bot"
                | "sample"
        )
}

/// What deleting a sentence removes: its whole line (with a list marker) when it stands
/// alone, else the sentence and the spaces after it (or before it, at the end of a line).
fn deletion(source: &str, span: Span) -> Span {
    let (line_start, line_end) = (line_start(source, span.start), line_end(source, span.end));
    let before = source.get(line_start..span.start).unwrap_or("");
    let after = source.get(span.end..line_end).unwrap_or("");
    let only_marker = before.chars().all(|c| {
        c.is_whitespace() || c.is_ascii_digit() || matches!(c, '-' | '*' | '+' | '•' | '.' | ')')
    });
    if only_marker && after.trim().is_empty() {
        return Span::new(line_start, (line_end + 1).min(source.len()));
    }
    let trailing = after.len() - after.trim_start_matches([' ', '\t']).len();
    if trailing > 0 && !after.trim().is_empty() {
        return Span::new(span.start, span.end + trailing);
    }
    let leading = before.len() - before.trim_end_matches([' ', '\t']).len();
    Span::new(span.start - leading, span.end)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{fixed, flagged, messages};

    #[test]
    fn exact_and_near_repeats() {
        let source = "Always answer in a friendly and professional tone.\nLook up the order first.\nAlways answer in a professional and friendly tone.\n";
        assert_eq!(
            flagged(&RULE, source),
            ["Always answer in a professional and friendly tone."]
        );
        let found = messages(&RULE, source);
        assert!(found[0].starts_with("this repeats line 1"), "{found:?}");
        // One word different in a long sentence.
        let source = "Make sure every answer cites the exact section of the refund policy it relies on.\nMake sure each answer cites the exact section of the refund policy it relies on.\n";
        assert!(messages(&RULE, source)[0].starts_with("this nearly repeats line 1"));
    }

    #[test]
    fn deletes_the_later_copy() {
        let source = "- Always answer in a friendly and professional tone.\n- Be brief.\n- Always answer in a friendly and professional tone.\n- End with a question.\n";
        assert_eq!(
            fixed(&RULE, source),
            "- Always answer in a friendly and professional tone.\n- Be brief.\n- End with a question.\n"
        );
        let source = "Cite the policy section for every single claim. Be brief. Cite the policy section for every single claim. Thanks.\n";
        assert_eq!(
            fixed(&RULE, source),
            "Cite the policy section for every single claim. Be brief. Thanks.\n"
        );
        let source = "Cite the policy section for every single claim.\nBe brief. Cite the policy section for every single claim.\n";
        assert_eq!(
            fixed(&RULE, source),
            "Cite the policy section for every single claim.\nBe brief.\n"
        );
    }

    #[test]
    fn near_misses() {
        for source in [
            // Templates the model fills in.
            "[Software Name]: [Brief Description]. [Website Link]\n[Software Name]: [Brief Description]. [Website Link]\n[Software Name]: [Brief Description]. [Website Link]\n",
            // Parallel list items with their own labels.
            "- Self-hosted: list five options with a one line description each.\n- SaaS: list five options with a one line description each.\n",
            // Short sentences repeat legitimately.
            "Be brief.\nBe brief.\n",
            // Different instructions that share words.
            "Always answer in a friendly and professional tone.\nNever answer in an unfriendly or unprofessional tone when upset.\n",
            // Examples and code.
            "## Examples\nUser: I want to return the blue shoes I bought.\nUser: I want to return the blue shoes I bought.\n",
            "<example>\nThe customer wants to return the shoes they bought.\n</example>\n<example>\nThe customer wants to return the shoes they bought.\n</example>\n",
            "```\nprint('the quick brown fox jumps over it')\nprint('the quick brown fox jumps over it')\n```\n",
            "Input: the quick brown fox jumps over the dog\nInput: the quick brown fox jumps over the dog\n",
            "Your output should be structured as follows:\n* Table 1: Brief summary of Table 1 and its columns\n* Table 1: Brief summary of Table 1 and its columns\n",
            "**Example Output Format:**\n* **Comments:** Ensure all the documents are filed today.\n* **Comments:** Ensure all the documents are filed today.\n",
            // The same step in parallel branches.
            "If the user provides both the prompt and the schema:\n1. Modify the system prompt according to the user's instructions.\n2. Update the schema.\nIf the user provides only the prompt:\n1. Modify the system prompt according to the user's instructions.\n2. Write a new schema.\n",
            "3. Proponents:\n* For each supporting entity, give its name and a brief explanation of how they support it.\n* Include examples if possible.\n* Prioritize entities with significant influence or public visibility.\n4. Opponents:\n* For each opposing entity, give its name and a brief explanation of how they oppose it.\n* Include examples if possible.\n* Prioritize entities with significant influence or public visibility.\n",
            "- Exact match: Report it. If the source is a PDF file, provide the page number and a quote.\n- Close match: Say so. If the source is a PDF file, provide the page number and a quote.\n",
            // A quotation to reproduce, then the template that reproduces it.
            "End with: \"Consult a qualified attorney for advice tailored to your situation.\"\nConsult a qualified attorney for advice tailored to your situation.\n",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
