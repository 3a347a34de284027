//! `cot-on-reasoning-model`: "think step by step" and other chain-of-thought instructions in a
//! prompt for a model that already reasons before answering (o-series, gpt-5, deepseek-reasoner,
//! Gemini 2.5 Pro). The model table's `reasoning` flag decides; a negated instruction ("do not
//! show your reasoning") is the advice for these models and is not flagged.

use std::sync::LazyLock;

use regex::Regex;

use crate::lint::text::{line_end, line_start};
use crate::lint::{Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

use super::params;

pub(crate) static RULE: Rule = Rule {
    id: "cot-on-reasoning-model",
    category: Category::Cost,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::ALL,
    summary: "\"Think step by step\" aimed at a model that reasons on its own",
    docs: Docs {
        why: "Reasoning models (OpenAI's o-series and gpt-5, DeepSeek-R1, Gemini 2.5 Pro) think before they answer. Vendors advise against chain-of-thought prompting for them: \"think step by step\" adds nothing, and asking them to write their reasoning out duplicates it in the answer, which costs output tokens and can lower quality.",
        bad: "---\nmodel: openai/o3\n---\nThink step by step before answering.\nWhich of these contracts expires first?\n\n{{contracts}}\n",
        good: "---\nmodel: openai/o3\n---\nWhich of these contracts expires first? Answer with the contract name and its end date.\n\n{{contracts}}\n",
        fix: "Delete the sentence (the quick fix does). State the goal and the output format instead; raise the reasoning effort if the model needs to think harder.",
    },
    check,
};

static COT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:(?:let'?s|let\s+us)\s+)?(?:think|reason|work)\s+(?:(?:through|out)\s+)?(?:(?:this|it|things|the\s+problem)\s+)?(?:(?:through|out)\s+)?(?:(?:carefully|logically|methodically)\s+)?(?:and\s+)?step[- ]by[- ]step\b|\b(?:show|write\s+out|lay\s+out|output|include|print)\s+(?:me\s+)?(?:all\s+)?(?:of\s+)?your\s+(?:reasoning|thinking|thought\s+process|chain[- ]of[- ]thought)\b|\buse\s+(?:a\s+)?chain[- ]of[- ]thought\b|\bthink\s+(?:carefully\s+|hard\s+)?(?:before\s+(?:you\s+)?(?:answer|respond|reply)|out\s+loud)\w*",
    )
    .ok()
});

static NEGATED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:not|never|no|without|avoid|instead\s+of)\b|n't\b").ok());

/// The span to delete to remove a sentence: the whole line when the sentence is all of it,
/// else the sentence and the spaces after it.
fn removal(source: &str, sentence: Span) -> Span {
    let (line_start, line_end) = (
        line_start(source, sentence.start),
        line_end(source, sentence.end),
    );
    let rest = source.get(sentence.end..).unwrap_or("");
    let lead_blank = source.get(line_start..sentence.start).is_some_and(|s| {
        s.chars()
            .all(|c| c.is_whitespace() || matches!(c, '-' | '*' | '•'))
    });
    let tail_blank = source
        .get(sentence.end..line_end)
        .is_some_and(|s| s.trim().is_empty());
    if lead_blank && tail_blank {
        return Span::new(line_start, (line_end + 1).min(source.len()));
    }
    let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    Span::new(sentence.start, sentence.end + spaces)
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(model) = params::model(cx)
        .and_then(|(_, info, _)| info)
        .filter(|m| m.reasoning)
    else {
        return;
    };
    let (Some(cot), Some(negated)) = (COT.as_ref(), NEGATED.as_ref()) else {
        return;
    };
    for &sentence in cx.sentences() {
        let text = cx.text(sentence);
        let Some(found) = cot.find(text) else {
            continue;
        };
        if negated.is_match(&text[..found.start()]) {
            continue;
        }
        let span = Span::new(sentence.start + found.start(), sentence.start + found.end());
        report
            .add(
                span,
                format!(
                    "'{}' is aimed at {}, which reasons before answering on its own: chain-of-thought instructions add nothing and written-out reasoning costs output tokens; remove it and state the goal and output format instead",
                    found.as_str(),
                    model.id
                ),
            )
            .with_fix(Fix::suggested(
                "Remove the sentence",
                vec![Edit::delete(removal(cx.source(), sentence))],
            ));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{check_with, fixed, flagged, messages};
    use crate::lint::{Format, LintOptions, NoWorkspace};

    #[test]
    fn catches_cot_phrasing_for_reasoning_models() {
        let source = "---\nmodel: openai/o3\n---\nLet's think step by step.\nSolve it. Show your reasoning.\nReason through this step-by-step.\nUse chain-of-thought.\nThink carefully before answering.\n";
        assert_eq!(
            flagged(&RULE, source),
            [
                "Let's think step by step",
                "Show your reasoning",
                "Reason through this step-by-step",
                "Use chain-of-thought",
                "Think carefully before answering",
            ]
        );
        assert!(messages(&RULE, source)[0].contains("aimed at o3, which reasons"));
    }

    #[test]
    fn fix_removes_the_sentence_or_line() {
        let source = "---\nmodel: openai/o3\n---\nThink step by step.\nSolve it. Show your reasoning. Be brief.\n";
        assert_eq!(
            fixed(&RULE, source),
            "---\nmodel: openai/o3\n---\nSolve it. Be brief.\n"
        );
    }

    #[test]
    fn uses_the_configured_default_model() {
        let options = LintOptions {
            default_model: Some("deepseek-reasoner".into()),
            ..LintOptions::default()
        };
        let found = check_with(
            &RULE,
            Format::Dotprompt,
            "Think step by step.\n",
            options,
            &NoWorkspace,
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn near_misses() {
        for source in [
            "---\nmodel: openai/gpt-4o\n---\nThink step by step.\n",
            "Think step by step.\n",
            "---\nmodel: openai/o3\n---\nDo not show your reasoning; give only the answer.\n",
            "---\nmodel: openai/o3\n---\nExplain step by step how to install the package.\n",
            "---\nmodel: openai/o3\n---\nShow your work to the student.\n",
            "---\nmodel: openai/o3\n---\nExplain your reasoning for the fix you recommend.\n",
            "---\nmodel: openai/o3\n---\n{{!-- think step by step --}}Answer.\n",
        ] {
            assert_eq!(flagged(&RULE, source), Vec::<&str>::new(), "{source}");
        }
    }
}
