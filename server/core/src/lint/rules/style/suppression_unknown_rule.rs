//! `suppression-unknown-rule`: a `promptopt-disable` comment naming a rule that does not
//! exist. The directive silences nothing, so the finding it was written for is still
//! reported, or, when the typo is in a file-wide directive, a whole rule the author meant to
//! turn off stays on without a word.

use crate::lint::suppress::Suppressions;
use crate::lint::text::did_you_mean;
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity, rules,
};

pub(crate) static RULE: Rule = Rule {
    id: "suppression-unknown-rule",
    category: Category::Style,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::ALL,
    summary: "A promptopt-disable comment names a rule that does not exist",
    docs: Docs {
        why: "An inline suppression with a misspelled rule id silences nothing: the finding it was meant for keeps showing, or a rule the author meant to turn off for the file stays on, and nothing says why.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\n---\n{{!-- promptopt-disable-next-line vague-quantifer --}}\nList a few causes of the outage.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\n---\n{{!-- promptopt-disable-next-line vague-quantifier --}}\nList a few causes of the outage.\n",
        fix: "Correct the id (the quick fix offers the closest rule), or run `promptopt rules` for the list.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let suppressions = Suppressions::scan(cx.file);
    for (id, span) in &suppressions.ids {
        if rules::find(id).is_some() {
            continue;
        }
        let suggestion = did_you_mean(id, rules::all().iter().map(|rule| rule.id));
        let hint = suggestion.map_or_else(
            || "; run `promptopt rules` for the list".to_string(),
            |s| format!("; did you mean `{s}`?"),
        );
        let finding = report.add(
            *span,
            format!("`{id}` is not a rule, so this directive silences nothing{hint}"),
        );
        if let Some(suggestion) = suggestion {
            finding.with_fix(Fix::suggested(
                format!("Change to `{suggestion}`"),
                vec![Edit::replace(*span, suggestion)],
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{fixed, messages};

    #[test]
    fn flags_unknown_ids_with_the_closest_rule() {
        let found = messages(
            &RULE,
            "{{!-- promptopt-disable wall-of-txt, vague-quantifier --}}\nHi.\n",
        );
        assert_eq!(
            found,
            [
                "`wall-of-txt` is not a rule, so this directive silences nothing; did you mean `wall-of-text`?"
            ]
        );
        assert_eq!(
            fixed(
                &RULE,
                "{{!-- promptopt-disable-next-line wall-of-txt --}}\nHi.\n"
            ),
            "{{!-- promptopt-disable-next-line wall-of-text --}}\nHi.\n"
        );
    }

    #[test]
    fn known_ids_text_outside_comments_and_bare_directives_are_fine() {
        assert!(
            messages(
                &RULE,
                "{{!-- promptopt-disable-next-line vague-quantifier --}}\nHi.\n"
            )
            .is_empty()
        );
        assert!(messages(&RULE, "Mention promptopt-disable nosuchrule in prose.\n").is_empty());
        assert!(messages(&RULE, "{{!-- promptopt-disable --}}\nHi.\n").is_empty());
    }
}
