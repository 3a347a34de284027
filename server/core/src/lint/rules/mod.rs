//! The rule catalog, one folder per category and one file per rule. Adding a rule is one new
//! file and one line in its category's `mod.rs`.

mod clarity;
mod cost;
pub(crate) mod safety;
mod structure;
mod style;
mod template;
mod variables;

use std::sync::LazyLock;

use super::rule::Rule;

static ALL: LazyLock<Vec<&'static Rule>> = LazyLock::new(|| {
    [
        template::RULES,
        variables::RULES,
        structure::RULES,
        clarity::RULES,
        safety::RULES,
        cost::RULES,
        style::RULES,
    ]
    .concat()
});

/// Every rule, grouped by category.
pub fn all() -> &'static [&'static Rule] {
    &ALL
}

pub fn find(id: &str) -> Option<&'static Rule> {
    all().iter().copied().find(|rule| rule.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Severity;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for rule in all() {
            assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
            assert!(
                rule.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                rule.id
            );
            for (part, text) in [
                ("summary", rule.summary),
                ("why", rule.docs.why),
                ("bad", rule.docs.bad),
                ("good", rule.docs.good),
                ("fix", rule.docs.fix),
            ] {
                assert!(!text.trim().is_empty(), "{}: empty {part}", rule.id);
            }
        }
    }

    /// The format a rule's docs examples are written in: the first it reads.
    fn docs_format(rule: &Rule) -> crate::lint::Format {
        if rule.formats.dotprompt {
            crate::lint::Format::Dotprompt
        } else if rule.formats.prompty {
            crate::lint::Format::Prompty
        } else {
            crate::lint::Format::Plain
        }
    }

    #[test]
    fn each_bad_example_triggers_its_rule_and_the_good_one_does_not() {
        for &rule in all() {
            let format = docs_format(rule);
            let run = |source: &str| {
                crate::lint::testing::check_with(
                    rule,
                    format,
                    source,
                    crate::lint::LintOptions::default(),
                    &crate::lint::NoWorkspace,
                )
            };
            assert!(
                !run(rule.docs.bad).is_empty(),
                "{}: the docs' bad example does not trigger the rule",
                rule.id
            );
            assert_eq!(
                run(rule.docs.good),
                [],
                "{}: the docs' good example triggers the rule",
                rule.id
            );
        }
    }

    #[test]
    fn off_by_default_rules_are_hints_or_infos() {
        for rule in all().iter().filter(|r| !r.enabled_by_default) {
            assert!(rule.severity <= Severity::Info, "{}", rule.id);
        }
    }

    /// A good example is a prompt to copy: with every rule on at its default level, none may
    /// warn about it (infos and hints are allowed).
    #[test]
    fn good_examples_pass_every_rule() {
        let mut failures = Vec::new();
        for &rule in all() {
            let format = docs_format(rule);
            let found = crate::lint::lint_source(
                "example.prompt",
                rule.docs.good,
                format,
                &crate::lint::LintOptions::default(),
                &crate::lint::NoWorkspace,
            );
            for finding in found.iter().filter(|f| f.severity >= Severity::Warning) {
                failures.push(format!(
                    "{}: good example gets {} {} '{}': {}",
                    rule.id,
                    finding.severity,
                    finding.rule,
                    finding.span.text(rule.docs.good),
                    finding.message
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
