//! `instruction-overload`: more instructions than a model follows reliably. Instruction-following
//! benchmarks show compliance dropping as constraints pile up; past about thirty, some are
//! silently ignored, and which ones changes with the input.
//!
//! Counts instruction sentences and list items of the model-visible text (imperatives and
//! sentences with "should"/"must"), outside fenced code and the model's own turns, and reports
//! once, at the first instruction past the limit.

use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};

use super::instruction::prose_sentences;

pub(crate) static RULE: Rule = Rule {
    id: "instruction-overload",
    category: Category::Clarity,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::ALL,
    summary: "More instructions than models follow reliably (about 30)",
    docs: Docs {
        why: "Instruction-following benchmarks show compliance falling as the number of constraints grows: past roughly thirty, models start dropping some, and which ones they drop varies with the input. A long list of rules also buries the few that matter.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\n---\nYou are a support agent for Acme.\n- Greet the customer by name.\n- Use a formal tone.\n- Keep answers under 120 words.\n- Quote the policy section you rely on.\n- Never promise a refund.\n- Ask for the order number first.\n- Confirm the shipping address.\n- Offer a human agent when asked.\n- Do not discuss competitors.\n- Use the customer's currency.\n- Spell out dates.\n- Avoid exclamation marks.\n- Mention the 30-day return window.\n- Link to the help center.\n- End with a question.\n- Do not use emojis.\n- Apologize once at most.\n- Summarize the issue before answering.\n- Check the warranty status.\n- Explain fees in plain words.\n- Never share internal notes.\n- Use bullet points for steps.\n- Number the steps.\n- Keep one topic per message.\n- Escalate legal threats.\n- Log the ticket category.\n- Ask before closing the ticket.\n- Thank the customer.\n- Sign with the team name.\n- Reply in the customer's language.\n- Do not mention this list.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\n---\nYou answer questions about our return policy.\nUse a formal tone.\nQuote the policy section you rely on.\nIf the policy does not cover the question, say so and offer a human agent.\n",
        fix: "Merge instructions that say the same thing, drop the ones the model follows anyway, move rarely needed rules into a retrieved document, or split the task into several prompts.",
    },
    check,
};

/// About where instruction-following benchmarks see compliance fall off.
const LIMIT: usize = 30;

fn check(cx: &Context<'_>, report: &mut Report) {
    let sentences = prose_sentences(cx);
    let instructions: Vec<_> = sentences
        .iter()
        .filter(|sentence| sentence.is_instruction())
        .collect();
    if instructions.len() <= LIMIT {
        return;
    }
    let Some(first_past) = instructions.get(LIMIT) else {
        return;
    };
    report.add(
        first_past.span,
        format!(
            "this prompt gives {} instructions (this is number {}); models follow about {LIMIT} reliably and drop some past that: merge or drop rules, or split the task",
            instructions.len(),
            LIMIT + 1
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{flagged, messages};

    fn rules(n: usize) -> String {
        (1..=n).map(|i| format!("- Mention fact {i}.\n")).collect()
    }

    #[test]
    fn reports_once_past_the_limit() {
        let source = rules(35);
        assert_eq!(flagged(&RULE, &source), ["Mention fact 31."]);
        assert!(messages(&RULE, &source)[0].starts_with("this prompt gives 35 instructions"));
    }

    #[test]
    fn near_misses() {
        assert_eq!(messages(&RULE, &rules(30)), Vec::<String>::new());
        // Descriptions and code blocks are not instructions.
        let facts: String = (1..=40).map(|i| format!("Fact {i} is true.\n")).collect();
        assert_eq!(messages(&RULE, &facts), Vec::<String>::new());
        let code = format!("```\n{}```\n", rules(40));
        assert_eq!(messages(&RULE, &code), Vec::<String>::new());
    }
}
