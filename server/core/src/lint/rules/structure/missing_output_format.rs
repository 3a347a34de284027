//! `missing-output-format`: nothing says what the response should look like: no output format
//! or schema in the front matter (dotprompt `output.format`/`output.schema`, Prompty `outputs`
//! or `response_format`) and no format instruction in the text (a format named after "in",
//! "as", "with" or an output verb, a length in sentences/words/paragraphs, "Output format",
//! "format your answer", "Return …", "Respond with …", "For each …, explain", a fenced
//! example, …).
//!
//! Chat system prompts (the template ends with the user's message passed through as is, or
//! inserts a conversation history) are left alone: a chat reply has a natural default shape.
//! On the calibration corpus (1,121 chat system prompts) 46% of files lack any format
//! instruction, nearly all of them chat personas; flagging them, even as hints, was noise.

use std::sync::LazyLock;

use super::shared::{append_point, declared_output, fences, name_tokens, renders};
use crate::lint::pattern::WordRegex;
use crate::lint::text::{is_regex_digit, is_regex_word};
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity, Turn, VariableUse,
};

pub(crate) static RULE: Rule = Rule {
    id: "missing-output-format",
    category: Category::Structure,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::ALL,
    summary: "No output format: neither an output format or schema in the front matter nor a format instruction in the text",
    docs: Docs {
        why: "A model left to choose the shape of its answer chooses differently from call to call: a paragraph one time, a list the next, a preamble (\"Sure! Here is…\") and a closing offer to help. Whatever reads the response, a parser or a person, then has to cope with all of them. Stating the format (JSON with given fields, a table, three bullet points, one sentence) is the single most effective way to get consistent output, and every vendor's prompting guide puts it near the top.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\ninput:\n  schema:\n    review: string\n---\nRead the customer review below and tell me what the customer liked and disliked.\n\n{{review}}\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\ninput:\n  schema:\n    review: string\n---\nRead the customer review inside <review> and tell me what the customer liked and disliked.\n\n<review>\n{{review}}\n</review>\n\nAnswer with two bullet lists, \"Liked\" and \"Disliked\", of at most three items each.\n",
        fix: "Say what the response must look like: in the front matter (dotprompt `output.format` / `output.schema`, Prompty `outputs` or `response_format`) or in the text (\"Respond with a JSON object with the fields …\", \"Answer in at most three sentences\", \"Use a Markdown table with the columns …\"). The quick fix appends an `Output format:` line to the end of the instructions for you to complete.",
    },
    check,
};

/// Sentences that say something about the shape or length of the response.
const PATTERNS: &[&str] = &[
    // Output format, response structure, answer length
    r"\b(?:output|response|answer|reply|return)s?\s+(?:format|formats|structure|template|schema|style|layout|length)\b",
    // format your answer / formatted as / structured in
    r"\bformat\s+(?:your|the|all|each|every|its|their)\b",
    r"\b(?:formatted|structured|organized|organised|presented|laid\s+out)\s+(?:as|in|into|like|using|with)\b",
    r"\b(?:in|use|follow|using)\s+(?:the\s+following|this|these|the\s+same|a\s+consistent)\s+(?:format|structure|template|layout|form)\b",
    r"\bformatting\b",
    // in JSON / as a table / with bullet points / use a numbered list / a code block
    r"\b(?:in|as|with|using|into|via|use|uses|provide|return|output|produce|give|write|create|generate|include|present|respond|reply|answer|list)\s+(?:(?:a|an|the|one|two|three|valid|plain|proper|strict|clean|well[- ]formed|concise|short|brief|clear|simple|single|markdown|numbered|bulleted|structured|raw|only|organized|formatted|detailed|neat|separate|clearly|nested|ordered|unordered|following)\s+){0,3}(?:jsonl?|ya?ml|csv|xml|markdown|html|latex|tables?|bullet(?:ed)?(?:\s+points?|\s+lists?)?|bullets|(?:numbered|ordered|unordered)\s*lists?|lists?|code\s*blocks?|code\s+snippets?|paragraphs?|sentences?|headings|headers|sections|steps|points|prose|plain\s+text|outline|checklist)\b",
    // three sentences, 100 words, a single paragraph, one-word
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|fifty|hundred|a\s+single|single|a\s+few|few|several)(?:\s*(?:-|to|or)\s*(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten))?[\s-]+(?:short\s+|brief\s+|concise\s+|complete\s+|full\s+|key\s+|main\s+)?(?:sentences?|words?|paragraphs?|lines?|bullet\s*points?|bullets|items|points|characters|chars|tokens|tweets?|emojis?)\b",
    // Return … / Respond with … / only reply with … / your answer must …
    r"^\W*(?:return|respond|reply|answer\s+(?:with|in|only|using)|output)\b",
    r"\b(?:only|just|solely|exclusively)\s+(?:reply|respond|return|output|answer|write|provide|give|print|show)\b",
    r"\b(?:reply|respond|answer)\s+(?:only\s+)?(?:with|in|using)\b",
    r"\b(?:response|output|answer|reply|replies|responses|answers|outputs)\s+(?:should|must|will|shall|needs?\s+to|has\s+to|is\s+to)\b",
    r"\bstructure\s+(?:the|your|each|every|all)\b",
    r"\b(?:delivered|written|returned|presented|displayed|shown)\s+(?:as|in)\s+(?:a|an|one|the|plain|continuous|structured|short|single|clear)\b",
    // For each item, explain: … / include the following sections / at the end of every response
    r"\bfor\s+each\b[^.?!]{0,80}?\b(?:explain|include|provide|list|give|state|describe|specify|mention|note|add|output|return|write)\b",
    r"\b(?:include|contain|cover)\s+(?:the\s+following|these|all\s+of\s+the\s+following)\b",
    r"\bfollowing\s+(?:sections|structure|format|elements|fields|components|headings|parts|template|scale|order)\b",
    r"\b(?:beginning|start|end|top|bottom)\s+of\s+(?:every|each|your|the)\s+(?:response|answer|reply|message|output)\b",
    r"\b(?:in|with)\s+(?:your|each|every)\s+(?:response|answer|reply|output)s?\b",
    r"\bper\s+(?:response|answer|reply|message|item)\b",
    r"\b(?:start|begin|end|open|close)\s+(?:your|each|every|the)\s+(?:response|answer|reply|output)",
    r"\bnothing\s+else\b",
    r"\b(?:one|single)[- ]word\b",
    r"\b(?:yes|no)\s+or\s+(?:yes|no)\b",
    r"\b(?:jsonl?|yaml|csv|xml|markdown|code\s*blocks?|code\s*fences?)\b",
    // An example of the response: "You might respond like this:", "Sample output:"
    r"\b(?:respond|reply|answer)\s+(?:like|as\s+follows)\b|\b(?:example|sample)\s+(?:response|answer|output|reply)\b",
    // A heading or label that introduces the response's shape: "## Output", "Response:"
    r"^[#*_\s]*(?:output|response|final\s+answer|deliverables?|result)s?\s*(?:format|structure)?\s*[:*_]*\s*$",
    // … and `names_shape` below: "## Response format", "Email template:".
];

/// The patterns as one case-insensitive alternation: a sentence is searched once, not once
/// per pattern (a match of the whole is a match of one of them).
static FORMAT_HINTS: LazyLock<WordRegex> =
    LazyLock::new(|| WordRegex::any(PATTERNS.iter().map(|p| format!("(?i){p}"))));

/// Words a heading or label names the response's shape with.
const SHAPES: &[&str] = &["format", "structure", "template", "layout"];

/// A short heading or label naming the response's shape: "## Response format", "**Output
/// structure:**", "3. Email template". This is the regex
/// `(?i)^[#*_\s\d.]*[\w /&-]{0,30}\b(?:format|structure|template|layout)\b[\w /&-]{0,20}[:*_]*\s*$`
/// written out, because its counted Unicode word classes took 20 ms to compile: longer than
/// linting a hundred files. It agrees with the regex on every input (a test compares them):
/// the regex matches when some occurrence of a shape word, at word boundaries, has before it
/// only `[#*_\s\d.]` characters then at most 30 `[\w /&-]` ones, and after it at most 20
/// `[\w /&-]` characters, then only `[:*_]` ones, then only whitespace.
fn names_shape(text: &str) -> bool {
    let lead_in =
        |c: char| matches!(c, '#' | '*' | '_' | '.') || c.is_whitespace() || is_regex_digit(c);
    let wordish = |c: char| matches!(c, ' ' | '/' | '&' | '-') || is_regex_word(c);
    // What may close the line: `[:*_]*` then `\s*` (disjoint classes, so the split is forced).
    let closes = |rest: &str| {
        rest.trim_start_matches([':', '*', '_'])
            .chars()
            .all(char::is_whitespace)
    };
    let lead_in_len = text.chars().take_while(|&c| lead_in(c)).count();
    for (at, first) in text.char_indices() {
        // Cheap skip: no shape word starts with any other letter.
        if !matches!(first.to_ascii_lowercase(), 'f' | 's' | 't' | 'l' | 'ſ') {
            continue;
        }
        let (before, rest) = text.split_at(at);
        for shape in SHAPES {
            let Some(after) = strip_caseless(rest, shape) else {
                continue;
            };
            let boundary_before = before.chars().next_back().is_none_or(|c| !is_regex_word(c));
            let boundary_after = after.chars().next().is_none_or(|c| !is_regex_word(c));
            if !boundary_before || !boundary_after {
                continue;
            }
            // Before: lead-in characters, then at most 30 word-ish ones.
            let run = before
                .chars()
                .rev()
                .take(30)
                .take_while(|&c| wordish(c))
                .count();
            if before.chars().count() - run > lead_in_len {
                continue;
            }
            // After: at most 20 word-ish characters, then the close of the line.
            let mut tail = after;
            for _ in 0..=20 {
                if closes(tail) {
                    return true;
                }
                let mut chars = tail.chars();
                match chars.next() {
                    Some(c) if wordish(c) => tail = chars.as_str(),
                    _ => break,
                }
            }
        }
    }
    false
}

/// `text` past a leading `word` (ASCII lowercase) compared as the regex crate's `(?i)` does:
/// ASCII letters in either case, and `ſ` (U+017F), which folds to `s`.
fn strip_caseless<'t>(text: &'t str, word: &str) -> Option<&'t str> {
    let mut chars = text.chars();
    for expected in word.chars() {
        let c = chars.next()?;
        if c.to_ascii_lowercase() != expected && !(expected == 's' && c == 'ſ') {
            return None;
        }
    }
    Some(chars.as_str())
}

const SECTION: &str = "Output format: [describe the response: its structure (for example a JSON object with the fields …, a bulleted list, sections), its length and its tone]";

/// A chat system prompt: the template ends with the user's message passed through as is (a
/// user turn that is one variable and no text), or it inserts a conversation history.
fn is_chat(cx: &Context<'_>) -> bool {
    let rendered = |turn: &Turn| -> Vec<&VariableUse> {
        cx.uses()
            .iter()
            .filter(|u| renders(u) && turn.span.contains(u.span.start))
            .collect()
    };
    let has_prose = |turn: &Turn| {
        cx.prose()
            .iter()
            .any(|p| turn.span.contains(p.span.start) && !cx.text(p.span).trim().is_empty())
    };
    if cx.turns().iter().any(|t| t.role == "history")
        || cx.uses().iter().any(|u| {
            // `{{#each chat_history}}`, `{% for m in history %}`
            renders(u) && name_tokens(u).iter().any(|t| t == "history")
        })
    {
        return true;
    }
    let Some(last) = cx
        .turns()
        .iter()
        .rev()
        .find(|t| has_prose(t) || !rendered(t).is_empty())
    else {
        return false;
    };
    last.role == "user" && !has_prose(last) && rendered(last).len() == 1
}

fn check(cx: &Context<'_>, report: &mut Report) {
    if declared_output(cx).declared {
        return;
    }
    let sentences = cx.sentences();
    let Some(&first) = sentences.first() else {
        return;
    };
    // The cheap exemptions first: most prompts of the corpus are chat system prompts, and the
    // sentence scan below is the expensive part.
    if cx.is_partial() || is_chat(cx) || !fences(cx).is_empty() {
        return;
    }
    let says_format = sentences.iter().any(|&sentence| {
        let text = cx.text(sentence);
        FORMAT_HINTS.is_match(text) || names_shape(text)
    });
    if says_format {
        return;
    }
    let finding = report.add(
        first,
        "nothing says what the response should look like: add an output format (a JSON schema or `output.format` in the front matter, or a line such as \"Answer in at most three sentences\" / \"Respond with a Markdown table of …\")",
    );
    if let Some(at) = append_point(cx) {
        finding.with_fix(Fix::suggested(
            "Add an output format section",
            vec![Edit::insert(at, format!("\n\n{SECTION}"))],
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{check, check_format, fixed, flagged, messages};
    use crate::lint::{Format, Severity};

    fn fires(source: &str) -> bool {
        !messages(&RULE, source).is_empty()
    }

    #[test]
    fn regexes_compile() {
        assert!(super::FORMAT_HINTS.compiles());
        crate::lint::pattern::assert_word_regex_exact(&super::FORMAT_HINTS);
    }

    /// The regex `names_shape` stands in for.
    const NAMES_SHAPE: &str = r"(?i)^[#*_\s\d.]*[\w /&-]{0,30}\b(?:format|structure|template|layout)\b[\w /&-]{0,20}[:*_]*\s*$";

    static NAMES_SHAPE_REGEX: std::sync::LazyLock<Option<regex::Regex>> =
        std::sync::LazyLock::new(|| regex::Regex::new(NAMES_SHAPE).ok());

    fn agrees_with_regex(text: &str) {
        let expected = NAMES_SHAPE_REGEX.as_ref().is_some_and(|r| r.is_match(text));
        assert_eq!(super::names_shape(text), expected, "{text:?}");
    }

    #[test]
    fn names_shape_is_the_regex() {
        for text in [
            "## Response format",
            "**Output structure:**",
            "3. Email template",
            "Format",
            "FORMAT:",
            "ſtructure",
            "Layout: ",
            "## 1.2 Report Layout & Style :*_ ",
            "Use this format",
            "formats",
            "unformatted",
            "éformat",
            "format é",
            "format’s",
            "a very long heading with many many words before the format",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa format",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa format",
            "_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ format",
            "# # # # # # # # # # # # # # # # format",
            "format aaaaaaaaaaaaaaaaaaaa",
            "format aaaaaaaaaaaaaaaaaaaaa",
            "٣ format",
            "\u{a0}format\u{a0}",
            "format\u{301}",
            "Format. Next",
            "",
        ] {
            agrees_with_regex(text);
        }
    }

    #[test]
    fn names_shape_is_the_regex_at_the_length_limits() {
        for n in 0..40 {
            let run = "ab cd/e&f-".repeat(4).chars().take(n).collect::<String>();
            for text in [
                format!("{run}format"),
                format!("{run} format"),
                format!("## 1. {run}Format:"),
                format!("Format{run}"),
                format!("Format {run}"),
                format!("Format {run}**:\n"),
                run.clone(),
            ] {
                agrees_with_regex(&text);
            }
        }
    }

    proptest::proptest! {
        /// Lines shaped like the regex (a lead-in, words, a shape word, words, a close) with
        /// noise anywhere, drawn from the characters where Unicode and ASCII readings differ.
        #[test]
        fn names_shape_agrees_with_the_regex_on_any_text(
            lead in "[#*_ \t.1٣\u{a0}a]{0,4}",
            before in "[a-zA-Z_é /&1\\-\u{301}\u{200d}’—]{0,36}",
            shape in "(format|FORMAT|Structure|ſtructure|template|layout|forma|x)",
            after in "[a-zA-Z_é /&1\\-\u{301}’—]{0,24}",
            close in "[:*_ \t\n\u{a0}.a]{0,4}",
        ) {
            agrees_with_regex(&format!("{lead}{before}{shape}{after}{close}"));
        }
    }

    #[test]
    fn catches_prompts_that_never_say_what_to_return() {
        assert!(fires("Tell me what the customer liked.\n\n{{review}}"));
        let found = check(
            &RULE,
            "Summarize the meeting notes for {{team}}:\n{{notes}}",
        );
        assert_eq!(found[0].severity, Severity::Info);
        assert_eq!(
            flagged(&RULE, "You are a helpful assistant. Be kind."),
            ["You are a helpful assistant."]
        );
    }

    #[test]
    fn partials_are_left_alone() {
        let source = "Write in a friendly tone.";
        assert_eq!(
            crate::lint::testing::check_at(&RULE, "prompts/_tone.prompt", source),
            []
        );
        assert_eq!(
            crate::lint::testing::check_at(&RULE, "prompts/tone.prompt", source).len(),
            1
        );
    }

    #[test]
    fn chat_system_prompts_are_left_alone() {
        for source in [
            "{{role \"system\"}}You are a travel agent. Help people plan trips.\n{{role \"user\"}}{{question}}",
            "{{role \"system\"}}You are a travel agent.\n{{history}}{{role \"user\"}}{{question}}",
            "You are a travel agent.\n{{#each chat_history}}{{this.content}}{{/each}}",
        ] {
            assert_eq!(check(&RULE, source), [], "{source}");
        }
        // text in the user turn makes it a task, not a pass-through message
        let found = check(
            &RULE,
            "{{role \"system\"}}You are a travel agent.\n{{role \"user\"}}Plan a trip to {{city}}.",
        );
        assert_eq!(found[0].severity, Severity::Info);
    }

    #[test]
    fn front_matter_declarations_count() {
        for front in [
            "output:\n  format: json",
            "output:\n  format: text",
            "output:\n  schema:\n    name: string",
        ] {
            let source = format!("---\n{front}\n---\nTell me about {{{{topic}}}}.\n");
            assert!(!fires(&source), "{source}");
        }
    }

    #[test]
    fn format_instructions_in_the_text_count() {
        for text in [
            "Respond in JSON.",
            "Answer with three bullet points.",
            "Summarize it in 2-3 sentences.",
            "Keep it under 100 words.",
            "Use a Markdown table with the columns Name and Price.",
            "Return the corrected text and nothing else.",
            "I want you to only reply with the terminal output.",
            "Your answer must start with the verdict.",
            "## Output format\n- one line per item",
            "Format your reply as a numbered list.",
            "Reply with a single word: positive or negative.",
            "Write one paragraph.",
            "Put the code in a code block.",
            "Answer yes or no.",
            "Follow this structure:\n1. Summary\n2. Risks",
            "Example:\n```\nName: Ada\n```",
            "For each risk, explain:\n- why it matters\n- how to reduce it",
            "Structure the output as a podcast script.",
            "Include the following sections: Summary, Risks.",
            "**Proposal Format:**\n1. Introduction",
            "At the end of every response, add a disclaimer.",
        ] {
            let source = format!("Review the text below. {text}\n{{{{text}}}}");
            assert!(!fires(&source), "{text}");
        }
    }

    #[test]
    fn near_misses_that_are_not_format_instructions() {
        for text in [
            "The user may paste a list of items.",
            "Be friendly and helpful.",
            "You help people write better.",
        ] {
            assert!(fires(&format!("{text}\n{{{{q}}}}")), "{text}");
        }
    }

    #[test]
    fn fix_appends_a_section_to_the_last_instruction_turn() {
        let source = "{{role \"system\"}}\nYou are a travel agent.\n\n{{role \"user\"}}\nPlan a trip to {{city}}.\n";
        assert_eq!(
            fixed(&RULE, source),
            format!(
                "{{{{role \"system\"}}}}\nYou are a travel agent.\n\n{{{{role \"user\"}}}}\nPlan a trip to {{{{city}}}}.\n\n{}\n",
                super::SECTION
            )
        );
        // After the fix the rule is satisfied.
        assert!(!fires(&fixed(&RULE, source)));
    }

    #[test]
    fn prompty_chat_prompts_and_outputs() {
        let chat = "---\ninputs:\n  user_input:\n    type: string\n---\nsystem:\nYou are a dentist.\nuser:\n{{user_input}}";
        let found = check_format(&RULE, Format::Prompty, chat);
        assert_eq!(found, []);
        let outputs = "---\noutputs:\n  answer:\n    type: string\n---\nsystem:\nYou are a dentist.\nuser:\n{{user_input}}";
        assert_eq!(check_format(&RULE, Format::Prompty, outputs), []);
    }

    #[test]
    fn plain_text_prompts_are_checked_too() {
        let found = check_format(&RULE, Format::Plain, "You are a poet. Write about the sea.");
        assert_eq!(found.len(), 1);
    }
}
