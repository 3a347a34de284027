//! `long-context-query-first`: a long document is pasted in after the question or instruction
//! and nothing asks anything after it, so the ask sits above the document instead of below it.
//!
//! Concretely, a variable is reported when, in its turn:
//! - its name says it holds a long text (`document`, `context`, `article`, `transcript`,
//!   `content`, `docs`, `email`, `report`, `code`, `data`, … as its last name part, or the
//!   array of an `{{#each docs}}`);
//! - before it, the same turn asks something: a question (`…?`), an imperative sentence
//!   (`Summarize the article below:`) or a question-like variable (`{{question}}`);
//! - after it, to the end of the prompt, there is no other ask: no other rendered variable
//!   except further long texts, and at most a short label's worth of prose (`</doc>`,
//!   `Answer:`), with no question mark.

use std::sync::LazyLock;

use regex::Regex;

use super::shared::{name_tokens, renders};
use crate::lint::{
    Category, Context, Docs, FixKind, Formats, Report, Resolved, Rule, Severity, VariableUse,
};

pub(crate) static RULE: Rule = Rule {
    id: "long-context-query-first",
    category: Category::Structure,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::TEMPLATED,
    summary: "A long document variable placed after the question or instruction (long documents go first, the ask last)",
    docs: Docs {
        why: "With long inputs, models answer better when the documents come first and the question or instruction comes last: Anthropic's long-context guidance reports up to 30% better responses with the query at the end, and OpenAI's GPT-4.1 guide likewise recommends instructions after (or around) the context. An instruction that sits above a long document has scrolled far out of the model's most recent attention by the time the document ends.",
        bad: "---\ninput:\n  schema:\n    article: string\n---\nSummarize the following article in three bullet points:\n\n{{article}}\n",
        good: "---\ninput:\n  schema:\n    article: string\n---\n<article>\n{{article}}\n</article>\n\nSummarize the article above in three bullet points.\n",
        fix: "Move the document up and the ask down: document(s) first (in tags such as `<document>…</document>`), then the question or instruction. If the instruction must also come first, repeat it after the document (\"Using the article above, …\").",
    },
    check,
};

/// The last name part of a variable that holds a long text.
const LONG: &[&str] = &[
    "document",
    "documents",
    "doc",
    "docs",
    "context",
    "contexts",
    "text",
    "texts",
    "article",
    "articles",
    "transcript",
    "transcripts",
    "content",
    "contents",
    "email",
    "emails",
    "report",
    "reports",
    "code",
    "data",
    "passage",
    "passages",
    "chunk",
    "chunks",
    "pages",
    "paper",
    "essay",
    "chapter",
    "book",
    "body",
    "logs",
    "diff",
    "corpus",
];

/// The last name part of a variable that holds the ask.
const ASK: &[&str] = &[
    "question",
    "questions",
    "query",
    "ask",
    "request",
    "task",
    "instruction",
    "instructions",
    "prompt",
    "q",
];

/// Prose after the document may be a label or a closing tag, not an instruction.
const MAX_TRAILING_WORDS: usize = 6;

/// A sentence that asks: a question, or one that starts with a task verb.
static ASKS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\?\s*:?\s*$|^\W*(?:please\s+)?(?:summari[sz]e|answer|explain|extract|list|identify|translate|classify|write|find|tell|describe|review|analy[sz]e|compare|rewrite|correct|check|determine|give|provide|generate|create|return|respond|reply|evaluate|rate|score|categori[sz]e|label|detect|convert|draft|outline|suggest|recommend|critique|proofread|edit|fix|improve|count|highlight|assess|decide|select|choose|pick|predict|use|read|based|using|consider|look|answer|output|produce|make|help|debug|refactor|document|grade|verify|validate|spot)\b)",
    )
    .ok()
});

/// Name parts that say how a value is stored, not what it is: `context_str`, `docs_list`.
const STORAGE: &[&str] = &[
    "str", "string", "txt", "list", "arr", "array", "json", "md", "raw",
];

/// The last name part that says what the variable holds.
fn last_meaningful(variable: &VariableUse) -> Option<String> {
    name_tokens(variable)
        .into_iter()
        .rev()
        .find(|t| !STORAGE.contains(&t.as_str()))
}

fn is_long(variable: &VariableUse) -> bool {
    renders(variable) && last_meaningful(variable).is_some_and(|t| LONG.contains(&t.as_str()))
}

fn is_ask(variable: &VariableUse) -> bool {
    renders(variable) && last_meaningful(variable).is_some_and(|t| ASK.contains(&t.as_str()))
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(asks) = ASKS.as_ref() else {
        return;
    };
    let source = cx.source();
    let uses = cx.uses();
    // The last long variable of the prompt is the one the ask should follow.
    let Some(last_long) = uses
        .iter()
        .filter(|u| is_long(u) && u.via_partial.is_none())
        .max_by_key(|u| u.span.start)
    else {
        return;
    };
    let at = last_long.span;
    let Some(turn) = cx.turn_at(at.start) else {
        return;
    };
    // Nothing asks after it.
    let later_variable = uses
        .iter()
        .any(|u| u.span.start > at.end && renders(u) && !is_long(u));
    if later_variable {
        return;
    }
    let words_after = cx.words().iter().filter(|w| w.span.start >= at.end).count();
    let question_after = cx
        .prose()
        .iter()
        .filter(|p| p.span.end > at.end)
        .any(|p| cx.text(p.span).contains('?'));
    if words_after > MAX_TRAILING_WORDS || question_after {
        return;
    }
    // Something in the same turn, before it, asks.
    let ask_variable = uses
        .iter()
        .find(|u| is_ask(u) && turn.span.contains(u.span.start) && u.span.end <= at.start);
    // The ask nearest the document; a label ("Output:") is not an instruction.
    let ask_sentence = cx.sentences().iter().rev().find(|s| {
        let text = s.text(source);
        turn.span.contains(s.start)
            && s.end <= at.start
            && asks.is_match(text)
            && (text.trim_end().ends_with('?') || text.split_whitespace().count() >= 3)
    });
    let ask = match (ask_variable, ask_sentence) {
        (Some(variable), _) => format!("`{{{{{}}}}}`", variable.written),
        (None, Some(sentence)) => {
            let text = sentence.text(source);
            let short: String = text.chars().take(60).collect();
            let ellipsis = if short.len() < text.len() { "…" } else { "" };
            format!("\"{short}{ellipsis}\"")
        }
        (None, None) => return,
    };
    let name = match &last_long.resolved {
        Resolved::Input(path) if matches!(last_long.written.as_str(), "this" | ".") => path
            .iter()
            .filter(|s| s.as_str() != "[]")
            .cloned()
            .collect::<Vec<_>>()
            .join("."),
        _ => last_long.written.clone(),
    };
    report.add(
        at,
        format!(
            "`{name}` (a long text, by its name) comes after the ask {ask}, and nothing follows it: put long documents first and the question or instruction after them (Anthropic reports up to 30% better answers with the query at the end)",
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::Format;
    use crate::lint::testing::{check_format, flagged, messages};

    #[test]
    fn regex_compiles() {
        assert!(super::ASKS.is_some());
    }

    #[test]
    fn instruction_then_document() {
        assert_eq!(
            flagged(&RULE, "Summarize the following article:\n\n{{article}}\n"),
            ["article"]
        );
        assert_eq!(
            flagged(
                &RULE,
                "What does the contract say about refunds?\n<doc>{{contract_text}}</doc>"
            ),
            ["contract_text"]
        );
        let found = messages(
            &RULE,
            "Question: {{question}}\n\nContext:\n{{context}}\n\nAnswer:",
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("after the ask `{{question}}`"),
            "{found:?}"
        );
    }

    #[test]
    fn rag_templates() {
        // the retrieved context after the question, "Answer:" last
        let source = "Use the retrieved context to answer the question. Keep it under three sentences.\n\nQuestion: {{question}}\nContext:\n{{context_str}}\n\nAnswer:";
        assert_eq!(flagged(&RULE, source), ["context_str"]);
        // the question after the context
        let source = "Context:\n{{context}}\n---\nNow here is the question you need to answer.\n\nQuestion: {{question}}";
        assert_eq!(messages(&RULE, source), Vec::<String>::new());
    }

    #[test]
    fn prompty_loops() {
        let source = "---\ninputs:\n  documents:\n    type: list\n---\nsystem:\nSummarize these documents in a paragraph:\n{% for d in documents %}\n<doc>{{ d }}</doc>\n{% endfor %}\n";
        let found = check_format(&RULE, Format::Prompty, source);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].span.text(source), "documents");
    }

    #[test]
    fn each_over_documents() {
        let source = "Answer using the documents.\n{{#each docs}}<doc>{{this}}</doc>\n{{/each}}";
        assert_eq!(flagged(&RULE, source), ["this"]);
        let source =
            "Answer from these sources.\n{{#each results}}{{title}}: {{content}}\n{{/each}}";
        assert_eq!(flagged(&RULE, source), ["content"]);
    }

    #[test]
    fn near_misses() {
        for source in [
            // a label is not an instruction
            "Code: {{code}}\nOutput:\n{{code}}",
            // document first, ask last
            "<doc>{{document}}</doc>\n\nSummarize the document above.",
            "Here is the article:\n{{article}}\nWhat is its main claim?",
            "Context: {{context}}\nQuestion: {{question}}",
            // an instruction after the document
            "Summarize this:\n{{text}}\nKeep the summary under 50 words and list the names.",
            // no ask before it in the same turn
            "{{role \"system\"}}Summarize what the user sends.\n{{role \"user\"}}{{text}}",
            // a short value, not a long text
            "Write a title for {{document_title}}",
            "Translate into {{language}}: {{sentence}}",
            // a later user turn asks
            "{{role \"system\"}}Answer from this context: {{context}}\n{{role \"user\"}}{{question}}",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
