//! `missing-output-format`: nothing says what the response should look like: no output format
//! or schema in the front matter and no format instruction in the text.

use std::sync::LazyLock;

use regex::Regex;

use super::shared::{append_point, declared_output, fences};
use crate::lint::{Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity};

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
        good: "---\nmodel: googleai/gemini-2.5-flash\ninput:\n  schema:\n    review: string\n---\nRead the customer review below and tell me what the customer liked and disliked.\n\n{{review}}\n\nAnswer with two bullet lists, \"Liked\" and \"Disliked\", of at most three items each.\n",
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
    r"\byour\s+(?:response|output|answer|reply|replies|responses|answers)\s+(?:should|must|will|shall|needs?\s+to|has\s+to|is\s+to)\b",
    r"\b(?:start|begin|end|open|close)\s+(?:your|each|every|the)\s+(?:response|answer|reply|output)",
    r"\bnothing\s+else\b",
    r"\b(?:one|single)[- ]word\b",
    r"\b(?:yes|no)\s+or\s+(?:yes|no)\b",
    r"\b(?:jsonl?|yaml|csv|xml|code\s*blocks?)\b",
    // A heading or label that introduces the response's shape: "## Output", "Response:"
    r"^[#*_\s]*(?:output|response|final\s+answer|deliverables?|result)s?\s*(?:format|structure)?\s*[:*_]*\s*$",
];

static FORMAT_HINTS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .filter_map(|pattern| Regex::new(&format!("(?i){pattern}")).ok())
        .collect()
});

const SECTION: &str = "Output format: [describe the response: its structure (for example a JSON object with the fields …, a bulleted list, sections), its length and its tone]";

fn check(cx: &Context<'_>, report: &mut Report) {
    if declared_output(cx).declared {
        return;
    }
    let sentences = cx.sentences();
    let Some(&first) = sentences.first() else {
        return;
    };
    let says_format = sentences.iter().any(|&sentence| {
        let text = cx.text(sentence);
        FORMAT_HINTS.iter().any(|hint| hint.is_match(text))
    });
    if says_format || !fences(cx).is_empty() {
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
    use crate::lint::testing::{check_with, fixed, flagged, messages};
    use crate::lint::{Format, LintOptions, NoWorkspace};

    fn fires(source: &str) -> bool {
        !messages(&RULE, source).is_empty()
    }

    #[test]
    fn regexes_compile() {
        assert_eq!(super::FORMAT_HINTS.len(), super::PATTERNS.len());
    }

    #[test]
    fn catches_prompts_that_never_say_what_to_return() {
        assert!(fires("Tell me what the customer liked.\n\n{{review}}"));
        assert!(fires(
            "{{role \"system\"}}You are a travel agent. Help people plan trips.\n{{role \"user\"}}{{question}}"
        ));
        assert_eq!(
            flagged(&RULE, "You are a helpful assistant. Be kind."),
            ["You are a helpful assistant."]
        );
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
    fn plain_text_prompts_are_checked_too() {
        let found = check_with(
            &RULE,
            Format::Plain,
            "You are a poet. Write about the sea.",
            LintOptions::default(),
            &NoWorkspace,
        );
        assert_eq!(found.len(), 1);
    }
}
