//! `conflicting-instructions`: two instructions the model cannot both follow: "Always cite
//! sources" and "Never cite sources", "Be concise" and "Be thorough and detailed", "Respond in
//! English" and "Answer in Spanish". The model picks one, and which one changes from run to run.
//!
//! Sentence level: each instruction is read for its polarity and the thing it is about (the
//! verb and object, normalised: lowercase, articles and possessives dropped, crude stems), for
//! a length it asks of the reply, or for the language of the reply. Scoped instructions
//! ("never X unless Y", "if the user writes in French, answer in French") are not compared:
//! they say when each applies, which is how the conflict is meant to be resolved.

use crate::lint::{Category, Context, Docs, FixKind, Formats, ParsedFile, Report, Rule, Severity};
use crate::text::Span;

use super::instruction::{
    Outline, Polarity, Sentence, breaks_clause, is_reply_noun, prose_sentences, stem,
};

pub(crate) static RULE: Rule = Rule {
    id: "conflicting-instructions",
    category: Category::Clarity,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::ALL,
    summary: "Instructions that contradict each other: always/never the same thing, brief vs detailed, two reply languages",
    docs: Docs {
        why: "When a prompt says both \"always cite sources\" and \"never cite sources\", or asks for a concise answer and a thorough, detailed one, the model has to guess which instruction wins, and it guesses differently from run to run. Contradictions usually creep in when prompts are edited by several people or assembled from partials.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\n---\nYou are a research assistant.\nAlways cite your sources.\nBe concise.\n\nNever cite sources.\nBe thorough and detailed.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\n---\nYou are a research assistant.\nAlways cite your sources.\nBe concise: answer in at most three paragraphs.\n",
        fix: "Delete one of the two instructions, or scope them so they no longer collide (\"Never cite sources unless the user asks for them\").",
    },
    check,
};

/// Words dropped before comparing what two instructions are about.
const DROPPED: &[&str] = &[
    "a", "an", "the", "your", "my", "our", "their", "its", "any", "all", "every", "each", "ever",
    "always", "just", "also", "really", "too", "very", "of", "to", "in", "for", "with",
];

/// Objects too vague to compare ("never do this" vs "always do this" need context).
const DEICTIC: &[&str] = &[
    "this",
    "that",
    "it",
    "them",
    "these",
    "those",
    "so",
    "anything",
    "something",
    "everything",
    "thing",
    "things",
    "one",
    "more",
    "less",
    "other",
    "others",
    "same",
];

/// Words that scope an instruction to a situation.
const SCOPES: &[&str] = &[
    "unless",
    "except",
    "if",
    "when",
    "whenever",
    "until",
    "otherwise",
    "without",
    "where",
    "while",
    "instead",
];

/// Headings that turn the list below them into prohibitions.
const NEGATIVE_HEADINGS: &[&str] = &[
    "don't",
    "dont",
    "do not",
    "avoid",
    "never",
    "not to",
    "prohibit",
    "forbid",
    "restrict",
    "must not",
    "should not",
    "limitations",
    "bad",
];

/// Words that end the object of an instruction.
const CLAUSE_ENDS: &[&str] = &[
    "but", "so", "because", "as", "since", "than", "which", "who", "that", "or", "and",
];

const LANGUAGES: &[&str] = &[
    "english",
    "spanish",
    "french",
    "german",
    "italian",
    "portuguese",
    "dutch",
    "chinese",
    "mandarin",
    "cantonese",
    "japanese",
    "korean",
    "russian",
    "arabic",
    "hindi",
    "hebrew",
    "turkish",
    "polish",
    "swedish",
    "norwegian",
    "danish",
    "finnish",
    "greek",
    "ukrainian",
    "vietnamese",
    "thai",
    "indonesian",
    "czech",
    "romanian",
    "hungarian",
    "bengali",
    "urdu",
    "persian",
    "farsi",
    "swahili",
    "tagalog",
    "malay",
];

const BRIEF: &[&str] = &[
    "concise",
    "brief",
    "succinct",
    "short",
    "terse",
    "concisely",
    "briefly",
    "succinctly",
];
const DETAILED: &[&str] = &[
    "thorough",
    "detailed",
    "comprehensive",
    "exhaustive",
    "verbose",
    "lengthy",
    "long",
    "extensive",
    "in-depth",
    "thoroughly",
    "comprehensively",
    "exhaustively",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Do or do not, and the normalised thing.
    Action(Polarity, Vec<String>),
    /// The reply's length: `true` for brief, `false` for detailed.
    Length(bool),
    /// The reply's language.
    Language(&'static str),
}

#[derive(Debug, Clone)]
struct Claim {
    kind: Kind,
    span: Span,
    quote: String,
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let here = claims(cx);
    let source = cx.source();
    let line = |span: Span| cx.line_index().to_human(source, span.start).line;
    let mut reported = Vec::new();
    for (j, later) in here.iter().enumerate() {
        if reported.contains(&later.span) {
            continue;
        }
        let Some(earlier) = here
            .get(..j)
            .unwrap_or(&[])
            .iter()
            .find(|earlier| earlier.span != later.span && conflict(&earlier.kind, &later.kind))
        else {
            continue;
        };
        reported.push(later.span);
        report
            .add(
                later.span,
                format!(
                    "'{}' contradicts '{}' (line {}): {}",
                    later.quote,
                    earlier.quote,
                    line(earlier.span),
                    advice(&later.kind)
                ),
            )
            .with_related(earlier.span, "the instruction it contradicts");
    }
    // Instructions that partials bring in, against this file's own.
    let mut seen = Vec::new();
    for partial in cx.partials() {
        if !partial.found || partial.cycle.is_some() || seen.contains(&partial.name) {
            continue;
        }
        seen.push(partial.name.clone());
        let Some(text) = cx.workspace.partial(cx.path, &partial.name) else {
            continue;
        };
        let file = ParsedFile::parse(&text, crate::lint::Format::Dotprompt);
        let inner = Context::new(cx.path, &file, cx.options, cx.workspace);
        for theirs in claims(&inner) {
            let Some(ours) = here
                .iter()
                .find(|ours| !reported.contains(&ours.span) && conflict(&theirs.kind, &ours.kind))
            else {
                continue;
            };
            reported.push(ours.span);
            report.add(
                ours.span,
                format!(
                    "'{}' contradicts '{}' in partial '{}': {}",
                    ours.quote,
                    theirs.quote,
                    partial.name,
                    advice(&ours.kind)
                ),
            );
        }
    }
}

fn advice(kind: &Kind) -> &'static str {
    match kind {
        Kind::Action(..) => {
            "the model cannot follow both; delete one, or say when each applies (\"… unless …\")"
        }
        Kind::Length(_) => {
            "the model cannot be both brief and detailed; keep one, and give a length (\"in at most 3 paragraphs\")"
        }
        Kind::Language(_) => {
            "the reply can only be in one language; keep one, or say when each applies"
        }
    }
}

fn conflict(a: &Kind, b: &Kind) -> bool {
    match (a, b) {
        (Kind::Action(pa, a), Kind::Action(pb, b)) => pa != pb && a == b,
        (Kind::Length(a), Kind::Length(b)) => a != b,
        (Kind::Language(a), Kind::Language(b)) => a != b,
        _ => false,
    }
}

fn claims(cx: &Context<'_>) -> Vec<Claim> {
    let source = cx.source();
    let outline = Outline::of(cx);
    let mut out = Vec::new();
    for sentence in prose_sentences(cx).iter() {
        if outline.shows(sentence.span.start)
            || sentence.question
            || sentence.words().any(|word| one_of(word, SCOPES))
        {
            continue;
        }
        // Built for the few sentences that make a claim, not for every sentence.
        let mut push = |kind: Kind| {
            let text = cx.text(sentence.span);
            let short: String = text.chars().take(60).collect();
            let quote = if short.len() < text.len() {
                format!("{short}…")
            } else {
                short
            };
            out.push(Claim {
                kind,
                span: sentence.span,
                quote,
            })
        };
        // "Avoid:" / "Don'ts:" followed by "- Use slang": the item is a prohibition.
        let under_negative_heading = || {
            outline.heading(sentence.span.start).is_some_and(|h| {
                let heading = cx.text(h).to_lowercase().replace('’', "'");
                NEGATIVE_HEADINGS.iter().any(|word| heading.contains(word))
            })
        };
        if let Some(kind) = action(sentence, source)
            && !(matches!(kind, Kind::Action(Polarity::Do, _)) && under_negative_heading())
        {
            push(kind);
        }
        if let Some(brief) = length(sentence) {
            push(Kind::Length(brief));
        }
        if let Some(language) = language(sentence) {
            push(Kind::Language(language));
        }
    }
    out
}

/// True when `word` is in `list`. Every word of every sentence is looked up in these lists:
/// comparing first letters before whole words keeps most look-ups from calling `memcmp`.
fn one_of(word: &str, list: &[&str]) -> bool {
    lookup(word, list).is_some()
}

/// The entry of `list` that is `word` (see [`one_of`]).
fn lookup<'l>(word: &str, list: &[&'l str]) -> Option<&'l str> {
    let first = word.as_bytes().first();
    list.iter()
        .find(|item| item.as_bytes().first() == first && **item == word)
        .copied()
}

/// "Always cite sources" → (Do, [cit, sourc]).
fn action(sentence: &Sentence, source: &str) -> Option<Kind> {
    let directive = sentence.directive()?;
    let mut phrase = Vec::new();
    let verb = sentence.tokens.get(directive.verb)?;
    // "Avoid jargon" is "do not use jargon"; "avoid using jargon" reads as it is.
    let mut object_from = directive.verb + 1;
    if sentence.word(directive.start) == "avoid" && !sentence.lower(verb).ends_with("ing") {
        phrase.push(stem("use"));
        object_from = directive.verb;
    }
    let mut previous_end = verb.span.start;
    let mut vague_object = true;
    for (i, token) in sentence.tokens.iter().enumerate().skip(directive.verb) {
        let word = sentence.lower(token);
        let between = source.get(previous_end..token.span.start).unwrap_or("");
        if breaks_clause(between) || one_of(word, CLAUSE_ENDS) {
            break;
        }
        previous_end = token.span.end;
        if !one_of(word, DROPPED) {
            phrase.push(stem(word));
            if i >= object_from && !one_of(word, DEICTIC) && !one_of(word, BRIEF) {
                vague_object = false;
            }
        }
    }
    if vague_object {
        return None;
    }
    // "be concise" is a length, compared as such.
    if phrase.first().is_some_and(|w| w == "be") {
        return None;
    }
    Some(Kind::Action(directive.polarity, phrase))
}

/// `Some(true)` for "be concise", "keep your answers short", "respond briefly";
/// `Some(false)` for "be thorough", "responses should be detailed", "answer in detail".
fn length(sentence: &Sentence) -> Option<bool> {
    let words: Vec<&str> = sentence.words().collect();
    let brief = words.iter().any(|w| one_of(w, BRIEF));
    let detailed = words.iter().any(|w| one_of(w, DETAILED))
        || words
            .windows(2)
            .any(|pair| matches!(pair, ["in", "detail" | "depth"] | ["at", "length"]));
    if brief == detailed {
        return None;
    }
    let directive = sentence.directive();
    let negated = directive.is_some_and(|d| d.polarity == Polarity::DoNot);
    let head = directive.map_or(sentence.head, |d| d.verb);
    let about_reply = {
        let verb = sentence.word(head);
        let next = sentence.word(head + 1);
        let after_next = sentence.word(head + 2);
        let adjective = |w: &str| one_of(w, BRIEF) || one_of(w, DETAILED);
        let degree = |w: &str| matches!(w, "very" | "extremely" | "always" | "more" | "as");
        match verb {
            // "Be concise", "Be very thorough and detailed".
            "be" => adjective(next) || (degree(next) && adjective(after_next)),
            // "Keep it short", "Keep your answers brief".
            "keep" => {
                let object_end = (head + 1..head + 4)
                    .find(|&i| adjective(sentence.word(i)))
                    .unwrap_or(head);
                object_end > head
                    && (head + 1..object_end).all(|i| {
                        let w = sentence.word(i);
                        matches!(w, "it" | "things" | "everything" | "your" | "the" | "all")
                            || is_reply_noun(w)
                    })
            }
            // "Provide brief answers", "Write detailed responses".
            "provide" | "give" | "write" if adjective(next) => is_reply_noun(after_next),
            // "Respond briefly", "Answer in detail".
            "respond" | "reply" | "answer" | "write" | "explain" => {
                matches!(next, "briefly" | "concisely" | "succinctly" | "thoroughly")
                    || (next == "in" && matches!(after_next, "detail" | "depth"))
                    || (next == "at" && after_next == "length")
            }
            // "Your responses should be concise", "Answers must be detailed".
            _ => {
                let noun = (sentence.head..sentence.len().min(sentence.head + 3))
                    .find(|&i| is_reply_noun(sentence.word(i)));
                noun.is_some_and(|n| {
                    matches!(sentence.word(n + 1), "should" | "must")
                        && sentence.word(n + 2) == "be"
                        && (adjective(sentence.word(n + 3))
                            || (degree(sentence.word(n + 3)) && adjective(sentence.word(n + 4))))
                })
            }
        }
    };
    if !about_reply {
        return None;
    }
    Some(brief != negated)
}

/// "Respond in Spanish", "Your answers must be in English", "Use French only".
fn language(sentence: &Sentence) -> Option<&'static str> {
    let words: Vec<&str> = sentence.words().collect();
    if words.iter().any(|w| {
        matches!(
            *w,
            "translate"
                | "translation"
                | "translating"
                | "translations"
                | "translator"
                | "from"
                | "into"
        )
    }) {
        return None;
    }
    let mut found = words.iter().filter_map(|w| lookup(w, LANGUAGES));
    let language = found.next()?;
    if found.any(|other| other != language) {
        return None;
    }
    let directive = sentence.directive()?;
    if directive.polarity != Polarity::Do {
        return None;
    }
    let at = words.iter().position(|w| *w == language)?;
    // The language must close the clause: "in English", not "in English grammar".
    let next = words.get(at + 1).copied().unwrap_or("");
    if !matches!(next, "" | "only" | "language" | "at" | "and") {
        return None;
    }
    let before = words.get(at.checked_sub(1)?).copied()?;
    let replying = words.get(sentence.head..at).unwrap_or(&[]).iter().any(|w| {
        matches!(
            *w,
            "respond"
                | "reply"
                | "answer"
                | "write"
                | "speak"
                | "communicate"
                | "converse"
                | "talk"
        ) || is_reply_noun(w)
    });
    let uses = sentence.word(directive.verb) == "use" && directive.verb + 1 == at;
    ((before == "in" && replying) || uses).then_some(language)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{Partials, check_with, flagged, messages};
    use crate::lint::{Format, LintOptions};

    #[test]
    fn always_and_never_on_the_same_thing() {
        let source = "Always cite your sources.\nBe friendly.\nNever cite sources.\n";
        assert_eq!(flagged(&RULE, source), ["Never cite sources."]);
        let found = messages(&RULE, source);
        assert!(
            found[0].contains("'Always cite your sources.' (line 1)"),
            "{found:?}"
        );
        for source in [
            "Use emojis.\nDo not use emojis.\n",
            "You must include a title.\nYou must not include a title.\n",
            "Avoid jargon.\nUse jargon.\n",
            "Avoid using bullet points.\n- Always use bullet points.\n",
            "1. Don't mention prices.\n2. Mention the prices.\n",
        ] {
            assert_eq!(messages(&RULE, source).len(), 1, "{source}");
        }
    }

    #[test]
    fn brief_against_detailed() {
        for source in [
            "Be concise.\nBe thorough and detailed.\n",
            "Keep your answers short.\nYour responses should be detailed.\n",
            "Respond briefly.\nAnswer in detail.\n",
            "Be brief.\nProvide comprehensive answers.\n",
            "Don't be verbose.\nBe very thorough.\n",
        ] {
            assert_eq!(messages(&RULE, source).len(), 1, "{source}");
        }
    }

    #[test]
    fn two_reply_languages() {
        let source = "Respond in English.\nBe friendly.\nAnswer in Spanish.\n";
        assert_eq!(flagged(&RULE, source), ["Answer in Spanish."]);
        assert_eq!(
            messages(&RULE, "Your answers must be in French.\nUse German.\n").len(),
            1
        );
    }

    #[test]
    fn near_misses() {
        for source in [
            // Scoped: says when each applies.
            "Always cite sources.\nNever cite sources unless the user asks.\n",
            "Respond in English.\nIf the user writes in Spanish, answer in Spanish.\n",
            // Different objects.
            "Never use emojis in formal replies.\nUse emojis.\n",
            "Always cite sources.\nNever cite Wikipedia.\n",
            // Length of different things, or both in one breath.
            "Be concise.\nProvide detailed explanations of each step.\n",
            "Write a concise yet comprehensive summary.\nBe brief.\n",
            "Keep the introduction short.\nBe thorough.\n",
            // Translation names two languages by design.
            "Translate the text from English into Spanish.\nRespond in English.\n",
            "Respond in English.\nExplain English grammar in simple terms.\n",
            // Deictic objects need context.
            "Never do this.\nAlways do this.\n",
            // Questions and descriptions are not instructions.
            "Should you cite sources?\nNever cite sources.\n",
            "The user never cites sources.\nCite sources.\n",
            // A list of things to avoid.
            "Never give medical advice.\n\nWhat not to do:\n- Give medical advice\n",
            "## Don'ts\n- Use slang\n## Style\n- Never use slang.\n",
            // Examples show, they do not instruct.
            "Always cite sources.\n## Example of a bad prompt\nNever cite sources.\n",
            // Repeating an instruction is not contradicting it.
            "Never cite sources.\nDo not cite sources.\n",
            "Be concise.\nKeep it brief.\n",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }

    #[test]
    fn across_partials() {
        let source = "{{> rules}}\nNever cite sources.\n";
        let found = check_with(
            &RULE,
            Format::Dotprompt,
            source,
            LintOptions::default(),
            &Partials(vec![("rules", "Always cite your sources.\n")]),
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("in partial 'rules'"), "{found:?}");
        assert_eq!(found[0].span.text(source), "Never cite sources.");
    }

    #[test]
    fn prompty_turns() {
        let source = "---\nname: research\n---\nsystem:\nAlways cite your sources.\n\nuser:\nNever cite sources. {{question}}\n";
        let found = check_with(
            &RULE,
            Format::Prompty,
            source,
            LintOptions::default(),
            &crate::lint::NoWorkspace,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].span.text(source), "Never cite sources.");
    }

    #[test]
    fn code_and_model_turns_are_not_instructions() {
        let source = "Always cite sources.\n```\nNever cite sources.\n```\n{{role \"model\"}}\nNever cite sources.\n";
        assert_eq!(messages(&RULE, source), Vec::<String>::new());
    }
}
