//! How the clarity rules read a sentence: its words, where its directive starts (after list
//! numbering, a short `Label:` and lead-in adverbs), whether it is an instruction at all, and
//! whether it tells the model to do or not to do something. Word lists, not a parser: the
//! rules built on this are calibrated against real prompts, and their docs say so.

use std::collections::HashSet;
use std::ops::Deref;
use std::rc::Rc;
use std::sync::LazyLock;

use crate::lint::text::Word;
use crate::lint::{Analysis, Context};
use crate::text::Span;

/// A word of a sentence. Its lowercase form (curly apostrophes made straight) is
/// [`Sentence::word`]: all of a sentence's lowercase words share one string, since a file has
/// hundreds of thousands of words and a `String` each made allocation the clarity rules' cost.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub span: Span,
    /// Where the lowercase word is in [`Sentence::lower`].
    lower: std::ops::Range<usize>,
}

/// One sentence of the prose, read for instructions.
#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    pub span: Span,
    pub tokens: Vec<Token>,
    /// Index of the first token of the directive: after numbering, a short label and
    /// lead-in words such as "Also," or "Please".
    pub head: usize,
    /// The sentence ends with a question mark.
    pub question: bool,
    /// The lowercase words, one after another.
    lower: String,
    /// [`Sentence::directive`] and [`Sentence::is_instruction`], read once with the sentence:
    /// most clarity rules ask for them for every sentence.
    directive: Option<Directive>,
    instruction: bool,
}

/// Whether a directive asks for something or forbids it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polarity {
    Do,
    DoNot,
}

/// A directive's reading: its polarity, whether it is emphatic (always, never, must), and the
/// token index of the verb it governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Directive {
    pub polarity: Polarity,
    pub emphatic: bool,
    /// Where the negation or the marker ("never", "do not", "always") starts.
    pub start: usize,
    pub verb: usize,
}

/// Verbs that open an imperative sentence in prompts (words that are mostly nouns at the start
/// of a sentence, such as "model", "question" or "order", are left out).
const VERB_LIST: &str = "
acknowledge act adapt add address adhere adjust admit adopt aim align analyse analyze
annotate answer apologise apologize apply ask assess assign assist assume avoid base be
begin brainstorm break bring build calculate call capture categorize challenge check choose
cite clarify classify clean close collect combine comment communicate compare compile
complete compose conclude condense confirm connect consider construct continue contrast
convert correct count craft create critique cross default debug decide decline define delete
deliver demonstrate deny describe design detail detect determine develop diagnose
differentiate discuss display distinguish divide do double draft draw edit educate
elaborate elicit embrace emphasize employ emulate encode encourage end enforce engage
enhance ensure enumerate escalate estimate evaluate examine exclude execute expand explain
explore express extract fetch fill filter find finish fix flag focus follow format forward
frame gather generate give go grade greet group guide handle help highlight identify ignore
illustrate imagine include incorporate indicate infer inform inquire insert interpret
introduce invent investigate justify keep label learn leave let limit link list log look
lookup maintain make mark match measure mention mimic minimize mirror monitor motivate
narrate navigate negotiate normalize note number obey observe obtain offer omit open
optimize organize outline output paraphrase parse paste pay perform pick pinpoint place
plan point polish pose practice praise predict prefer prepare present preserve prioritize
probe proceed process produce prompt pronounce propose prove provide put query quote raise
rank rate read recall recognize recommend redirect reduce refer reference refine reflect
reformat refrain refuse regenerate reiterate reject relate rely remain remember remind
remove render reorder reorganize repair repeat rephrase replace reply report represent
reproduce request require rerun research resolve respect respond restate restrict
restructure retain return reveal review revise reward rewrite role-play roleplay route save
say scan schedule score search seek select send separate set share shorten show sign
simplify simulate sketch skip slow solve sort speak specify spell spend split start state
stay stick stop stress strive structure submit substitute suggest summarise summarize
supply support surface swap synthesize tag tailor take talk teach tell test thank think
tidy trace track transcribe transform translate treat trim troubleshoot try turn tweak type
uncover underline understand unify update uphold use utilize validate vary verify visualize
wait walk warn weigh welcome withhold work wrap write
";

static VERBS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| VERB_LIST.split_whitespace().collect());

/// Words that lead into a directive without being part of it.
const LEAD_INS: &[&str] = &[
    "additionally",
    "also",
    "and",
    "but",
    "finally",
    "first",
    "firstly",
    "furthermore",
    "importantly",
    "instead",
    "just",
    "kindly",
    "lastly",
    "moreover",
    "next",
    "now",
    "only",
    "please",
    "second",
    "secondly",
    "simply",
    "so",
    "step",
    "then",
    "third",
    "thirdly",
];

/// Modal phrases that make a sentence an instruction wherever they appear.
const MODALS: &[&str] = &["must", "should", "shall", "mustn't", "shouldn't"];

impl Sentence {
    /// Reads the sentence at `span` using the file's shared words.
    pub fn read(cx: &Context<'_>, span: Span) -> Sentence {
        let source = cx.source();
        let mut lower = String::with_capacity(span.end.saturating_sub(span.start));
        let tokens: Vec<Token> = words_in(cx.words(), span)
            .iter()
            .map(|word| {
                let start = lower.len();
                push_lowercase(&mut lower, word.text(source));
                Token {
                    span: word.span,
                    lower: start..lower.len(),
                }
            })
            .collect();
        let text = cx.text(span);
        let question = text
            .trim_end_matches(['*', '_', '"', '\'', ')'])
            .ends_with('?');
        let mut sentence = Sentence {
            span,
            tokens,
            head: 0,
            question,
            lower,
            directive: None,
            instruction: false,
        };
        sentence.head = sentence.find_head(source);
        sentence.directive = sentence.read_directive();
        sentence.instruction = sentence.read_is_instruction();
        sentence
    }

    /// The lowercase word at `index`, or "" past the end.
    pub fn word(&self, index: usize) -> &str {
        self.tokens.get(index).map_or("", |t| self.lower(t))
    }

    /// The lowercase form of one of the sentence's tokens.
    pub fn lower(&self, token: &Token) -> &str {
        self.lower.get(token.lower.clone()).unwrap_or("")
    }

    /// The lowercase words in order.
    pub fn words(&self) -> impl DoubleEndedIterator<Item = &str> + '_ {
        self.tokens.iter().map(|t| self.lower(t))
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True when the words at `index` are exactly `phrase` (lowercase, space-separated).
    pub fn has_at(&self, index: usize, phrase: &str) -> bool {
        // Most calls fail on the first letter: no need to split the phrase for those.
        if self.word(index).as_bytes().first() != phrase.as_bytes().first() {
            return false;
        }
        phrase
            .split(' ')
            .enumerate()
            .all(|(i, word)| self.word(index + i) == word)
    }

    /// The first token after a short `Label:` prefix, numbering and lead-in words.
    fn find_head(&self, source: &str) -> usize {
        let text = self.span.text(source);
        let mut head = 0;
        // "Tone: …", "**Tone:** …": a colon, maybe closing bold, then a space.
        let label_end = text.match_indices(':').map(|(i, _)| i).find(|&i| {
            text.get(i + 1..)
                .map(|rest| rest.trim_start_matches(['*', '_']))
                .is_some_and(|rest| rest.starts_with(char::is_whitespace))
        });
        if let Some(colon) = label_end {
            let colon_at = self.span.start + colon;
            let before = self
                .tokens
                .iter()
                .take_while(|t| t.span.start < colon_at)
                .count();
            if before <= 5 && before < self.tokens.len() {
                head = before;
            }
        }
        while let Some(token) = self.tokens.get(head) {
            let word = self.lower(token);
            // "1.", "2)", "a)", "B." but not the pronoun "I".
            let marked = source
                .get(token.span.end..)
                .is_some_and(|rest| rest.starts_with(['.', ')']));
            let numbering = word.chars().all(|c| c.is_ascii_digit())
                || (word.len() == 1 && marked && head + 1 < self.tokens.len());
            if numbering || LEAD_INS.contains(&word) {
                head += 1;
            } else {
                break;
            }
        }
        head
    }

    /// Reads the directive at the head, if the sentence opens with one.
    pub fn directive(&self) -> Option<Directive> {
        self.directive
    }

    fn read_directive(&self) -> Option<Directive> {
        if self.question {
            return None;
        }
        self.directive_from(self.head)
    }

    /// Reads a directive starting at token `i` (lead-in words skipped), as for a clause in
    /// the middle of a sentence: "…, simply provide the list".
    pub fn directive_from(&self, mut i: usize) -> Option<Directive> {
        while LEAD_INS.contains(&self.word(i)) {
            i += 1;
        }
        // "I want you to act as…", "I would like you to…": a request, read as an imperative.
        for request in [
            "i want you to",
            "i would like you to",
            "i'd like you to",
            "i need you to",
            "we want you to",
        ] {
            if self.has_at(i, request) {
                let after = i + request.split(' ').count();
                if after > i && after < self.tokens.len() {
                    return self.directive_from(after);
                }
            }
        }
        // A subject before a modal: "You must…", "The assistant should never…".
        let subject_end = match self.word(i) {
            "you" | "i" | "we" => Some(i + 1),
            "the" if matches!(self.word(i + 1), "assistant" | "model" | "ai" | "bot") => {
                Some(i + 2)
            }
            "your" if is_reply_noun(self.word(i + 1)) => Some(i + 2),
            _ => None,
        };
        if let Some(end) = subject_end {
            return self.modal_directive(end);
        }
        let start = i;
        let emphatic_do = |verb: usize| Directive {
            polarity: Polarity::Do,
            emphatic: true,
            start,
            verb,
        };
        let dont = |verb: usize| Directive {
            polarity: Polarity::DoNot,
            emphatic: true,
            start,
            verb,
        };
        match self.word(i) {
            "always" => {
                i += 1;
                return Some(emphatic_do(self.skip_sure(i)));
            }
            "never" => return Some(dont(i + 1)),
            "don't" | "dont" => return Some(dont(self.skip_ever(i + 1))),
            "do" if self.word(i + 1) == "not" => return Some(dont(self.skip_ever(i + 2))),
            "avoid" => return Some(dont(i + 1)),
            "refrain" if self.word(i + 1) == "from" => return Some(dont(i + 2)),
            "must" if self.word(i + 1) != "not" => return Some(emphatic_do(i + 1)),
            _ => {}
        }
        if self.has_at(i, "make sure to")
            || self.has_at(i, "be sure to")
            || self.has_at(i, "make sure you")
        {
            return Some(emphatic_do(self.skip_sure(i)));
        }
        if self.has_at(i, "remember to") {
            return Some(emphatic_do(i + 2));
        }
        if VERBS.contains(self.word(i)) && self.word(i + 1) != "of" {
            return Some(Directive {
                polarity: Polarity::Do,
                emphatic: false,
                start,
                verb: i,
            });
        }
        None
    }

    /// "(you) must not X", "(you) should always X", "(you) are to X" after a subject.
    fn modal_directive(&self, at: usize) -> Option<Directive> {
        let negative = |verb: usize| {
            Some(Directive {
                polarity: Polarity::DoNot,
                emphatic: true,
                start: at,
                verb,
            })
        };
        let positive = |verb: usize| {
            Some(Directive {
                polarity: Polarity::Do,
                emphatic: true,
                start: at,
                verb,
            })
        };
        let modal = self.word(at);
        let next = self.word(at + 1);
        match modal {
            "mustn't" | "shouldn't" | "won't" | "cannot" | "can't" => negative(at + 1),
            "must" | "should" | "shall" | "will" | "may" if matches!(next, "not" | "never") => {
                negative(self.skip_ever(at + 2))
            }
            "must" | "should" | "shall" => {
                if next == "always" {
                    positive(at + 2)
                } else {
                    positive(at + 1)
                }
            }
            // "You will guide the user…" (not "you will be given…").
            "will" if VERBS.contains(next) && next != "be" => positive(at + 1),
            "always" => positive(at + 1),
            "never" => negative(at + 1),
            "are" | "is" if next == "to" => positive(at + 2),
            "need" | "have" | "has" if next == "to" => positive(at + 2),
            _ => None,
        }
    }

    fn skip_ever(&self, i: usize) -> usize {
        if self.word(i) == "ever" { i + 1 } else { i }
    }

    /// Past "make sure to", "be sure to", "make sure you".
    fn skip_sure(&self, i: usize) -> usize {
        if self.has_at(i, "make sure to")
            || self.has_at(i, "be sure to")
            || self.has_at(i, "make sure you")
        {
            i + 3
        } else {
            i
        }
    }

    /// An instruction: it opens with a directive or contains a modal ("should", "must").
    /// Questions are not instructions.
    pub fn is_instruction(&self) -> bool {
        self.instruction
    }

    fn read_is_instruction(&self) -> bool {
        if self.question {
            return false;
        }
        self.directive().is_some()
            || self
                .words()
                .skip(self.head)
                .any(|word| MODALS.contains(&word))
            || self.has_at(self.head, "your task is to")
            || self.has_at(self.head, "your job is to")
            || self.has_at(self.head, "your goal is to")
            || self.has_at(self.head, "your role is to")
    }
}

/// Nouns for the model's output: "your response", "answers".
pub(crate) fn is_reply_noun(word: &str) -> bool {
    matches!(
        word,
        "response"
            | "responses"
            | "answer"
            | "answers"
            | "reply"
            | "replies"
            | "output"
            | "outputs"
            | "summary"
            | "summaries"
    )
}

/// Appends a word in lowercase with curly apostrophes made straight.
fn push_lowercase(out: &mut String, word: &str) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        if let Some(pushed) = out.get_mut(start..) {
            pushed.make_ascii_lowercase();
        }
    } else {
        out.extend(
            word.to_lowercase()
                .chars()
                .map(|c| if c == '’' { '\'' } else { c }),
        );
    }
}

/// The words inside `span`, from the file's shared, sorted word list.
pub(crate) fn words_in(words: &[Word], span: Span) -> &[Word] {
    let start = words.partition_point(|w| w.span.start < span.start);
    let end = words.partition_point(|w| w.span.start < span.end);
    words.get(start..end).unwrap_or(&[])
}

/// A crude stem, enough to match "sources"/"source" and "using"/"use" when comparing
/// instructions: lowercase input, suffixes and a final `e` stripped.
pub(crate) fn stem(word: &str) -> String {
    let mut w = String::new();
    stem_into(word, &mut w);
    w
}

/// [`stem`] into a buffer the caller reuses, for callers that stem every word of a file.
pub(crate) fn stem_into(word: &str, w: &mut String) {
    w.clear();
    // `trim_end_matches("'s")` without its substring-searcher set-up, which cost more than
    // the rest of the stemming.
    let mut word = word;
    while let Some(rest) = word.strip_suffix("'s") {
        word = rest;
    }
    w.push_str(word);
    let strip = |w: &mut String, suffix: &str, min: usize| {
        let stem = w.strip_suffix(suffix).unwrap_or("");
        // The stem must keep a vowel: "thing" and "string" are not "-ing" forms.
        if w.len() >= min + suffix.len()
            && w.ends_with(suffix)
            && stem
                .bytes()
                .any(|b| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y'))
        {
            w.truncate(w.len() - suffix.len());
            true
        } else {
            false
        }
    };
    if strip(w, "ies", 2) {
        w.push('y');
    } else if strip(w, "ing", 2) || strip(w, "ed", 3) {
        // "running" → "runn" → "run"
        let bytes = w.as_bytes();
        if let [.., a, b] = bytes
            && a == b
            && !matches!(a, b'l' | b's' | b'e')
        {
            w.pop();
        }
    } else if w.ends_with("sses")
        || w.ends_with("shes")
        || w.ends_with("ches")
        || w.ends_with("xes")
    {
        strip(w, "es", 2);
    } else if !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("sis")
        && !matches!(
            w.as_str(),
            "this" | "his" | "was" | "has" | "does" | "yes" | "its"
        )
    {
        strip(w, "s", 3);
    }
    if w.len() >= 3 && w.ends_with('e') && !w.ends_with("ee") {
        w.pop();
    }
}

/// True when the sentence has a number: digits or a number word.
pub(crate) fn has_number(sentence: &Sentence) -> bool {
    sentence.words().any(|word| {
        word.chars().any(|c| c.is_ascii_digit())
            || matches!(
                word,
                "one"
                    | "two"
                    | "three"
                    | "four"
                    | "five"
                    | "six"
                    | "seven"
                    | "eight"
                    | "nine"
                    | "ten"
                    | "eleven"
                    | "twelve"
                    | "fifteen"
                    | "twenty"
                    | "thirty"
                    | "forty"
                    | "fifty"
                    | "hundred"
                    | "thousand"
                    | "single"
                    | "dozen"
                    | "couple"
                    | "pair"
            )
    })
}

/// True for a word that starts a new clause inside a sentence, or punctuation between two
/// tokens that does.
pub(crate) fn breaks_clause(between: &str) -> bool {
    between.contains([',', ';', ':', '(', ')', '—', '–', '"', '“', '”'])
}

/// The model-visible sentences a clarity rule should read: outside fenced code and outside
/// the model's own turns (few-shot answers are examples, not instructions), with at least one
/// letter (list numbering such as `1.` comes out of the splitter as a sentence of its own).
/// Read once per file and shared by the clarity rules.
pub(crate) fn prose_sentences(cx: &Context<'_>) -> Rc<ProseSentences> {
    cx.shared::<ProseSentences>()
}

/// The file's sentences as [`prose_sentences`] reads them.
pub(crate) struct ProseSentences(Vec<Sentence>);

impl Analysis for ProseSentences {
    fn compute(cx: &Context<'_>) -> Self {
        ProseSentences(
            cx.sentences()
                .iter()
                .filter(|span| !cx.in_code_block(span.start))
                .filter(|span| cx.text(**span).chars().any(char::is_alphabetic))
                .filter(|span| {
                    cx.turn_at(span.start)
                        .is_none_or(|turn| !matches!(turn.role.as_str(), "model" | "assistant"))
                })
                .map(|span| Sentence::read(cx, *span))
                .collect(),
        )
    }
}

impl Deref for ProseSentences {
    type Target = [Sentence];

    fn deref(&self) -> &[Sentence] {
        &self.0
    }
}

/// Headings of sections that show the model something rather than instruct it.
const SHOWN: &[&str] = &[
    "example",
    "sample",
    "template",
    "format",
    "follows",
    "structure",
    "demo",
    "illustrat",
    "transcript",
    "dialogue",
    "conversation",
    "interaction",
];

/// The body's headings, and the sections whose heading or tag says they show examples,
/// templates or formats (from the heading to the next heading, or inside
/// `<example>…</example>`).
pub(crate) struct Outline {
    /// Heading lines, in order.
    headings: Vec<Span>,
    shown: Vec<Span>,
}

impl Analysis for Outline {
    fn compute(cx: &Context<'_>) -> Self {
        Outline::read(cx)
    }
}

impl Outline {
    /// The file's outline, read once and shared by the rules that need it.
    pub fn of(cx: &Context<'_>) -> Rc<Outline> {
        cx.shared::<Outline>()
    }

    fn read(cx: &Context<'_>) -> Outline {
        let source = cx.source();
        let body = cx.body();
        let mut headings = Vec::new();
        let mut shown = Vec::new();
        let mut open: Option<usize> = None;
        let mut offset = body.start;
        for line in body.text(source).split_inclusive('\n') {
            let trimmed = line
                .trim()
                .trim_start_matches(['\\', '*', '_'])
                .trim_end_matches(['*', '_']);
            let lower = trimmed.to_lowercase();
            let heading = trimmed.starts_with('#')
                || (trimmed.ends_with(':') && trimmed.split_whitespace().count() <= 10)
                || (trimmed.starts_with('<') && trimmed.ends_with('>'));
            if heading {
                headings.push(Span::new(offset, offset + line.trim_end().len()));
                let closing_tag = lower.starts_with("</");
                if let Some(start) = open.take() {
                    let end = if closing_tag {
                        offset + line.len()
                    } else {
                        offset
                    };
                    shown.push(Span::new(start, end));
                }
                if !closing_tag && SHOWN.iter().any(|word| lower.contains(word)) {
                    open = Some(offset);
                }
            }
            offset += line.len();
        }
        if let Some(start) = open {
            shown.push(Span::new(start, body.end));
        }
        Outline { headings, shown }
    }

    pub fn shows(&self, offset: usize) -> bool {
        self.shown.iter().any(|section| section.contains(offset))
    }

    /// Which section (counted by headings) an offset falls in.
    pub fn section(&self, offset: usize) -> usize {
        self.headings
            .partition_point(|heading| heading.start <= offset)
    }

    /// The heading of the section an offset falls in, if any.
    pub fn heading(&self, offset: usize) -> Option<Span> {
        self.section(offset)
            .checked_sub(1)
            .and_then(|i| self.headings.get(i))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_match_inflections() {
        for (a, b) in [
            ("sources", "source"),
            ("using", "use"),
            ("citing", "cite"),
            ("running", "run"),
            ("summaries", "summary"),
            ("boxes", "box"),
            ("emojis", "emoji"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} {b}");
        }
        assert_eq!(stem("process"), stem("processing"));
        assert_eq!(stem("focus"), "focus");
        assert_eq!(stem("thing"), "thing");
        assert_eq!(stem("string"), "string");
    }
}
