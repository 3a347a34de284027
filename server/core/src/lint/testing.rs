//! Test helpers for rules: lint a fixture with one rule on and everything else off.

use super::{
    Finding, Format, LintOptions, NoWorkspace, ParsedFile, Rule, Workspace, apply_fixes, lint,
    rules,
};

/// Partials served from a list of `(name, source)` pairs.
pub struct Partials(pub Vec<(&'static str, &'static str)>);

impl Workspace for Partials {
    fn partial(&self, _from: &str, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| (*text).to_string())
    }
}

/// Options with only `rule` on (at its default severity, even if off by default).
pub fn only(rule: &Rule) -> LintOptions {
    let mut options = LintOptions::default();
    for other in rules::all() {
        if other.id != rule.id {
            options
                .levels
                .insert(other.id.to_string(), super::Level::Off);
        }
    }
    if !rule.enabled_by_default {
        options
            .levels
            .insert(rule.id.to_string(), super::Level::On(rule.severity));
    }
    options
}

pub fn check_with(
    rule: &Rule,
    format: Format,
    source: &str,
    options: LintOptions,
    workspace: &dyn Workspace,
) -> Vec<Finding> {
    let mut merged = only(rule);
    merged.extra_helpers = options.extra_helpers;
    merged.untrusted_inputs = options.untrusted_inputs;
    merged.trusted_inputs = options.trusted_inputs;
    merged.default_model = options.default_model;
    merged.token_budget = options.token_budget;
    merged.model_table = options.model_table;
    let file = ParsedFile::parse(source, format);
    lint("test.prompt", &file, &merged, workspace)
}

/// Lints a fixture in `format` with only `rule` on and no partials.
pub fn check_format(rule: &Rule, format: Format, source: &str) -> Vec<Finding> {
    check_with(rule, format, source, LintOptions::default(), &NoWorkspace)
}

/// Lints a dotprompt fixture with only `rule` on, finding partials in `workspace`.
pub fn check_in(rule: &Rule, source: &str, workspace: &dyn Workspace) -> Vec<Finding> {
    check_with(
        rule,
        Format::Dotprompt,
        source,
        LintOptions::default(),
        workspace,
    )
}

/// Lints a dotprompt fixture saved at `path` (partials are files named `_name.prompt`).
pub fn check_at(rule: &Rule, path: &str, source: &str) -> Vec<Finding> {
    let file = ParsedFile::parse(source, Format::Dotprompt);
    lint(path, &file, &only(rule), &NoWorkspace)
}

/// Lints a dotprompt fixture with only `rule` on.
pub fn check(rule: &Rule, source: &str) -> Vec<Finding> {
    check_with(
        rule,
        Format::Dotprompt,
        source,
        LintOptions::default(),
        &NoWorkspace,
    )
}

/// The messages of a dotprompt fixture's findings for `rule`, for compact assertions.
pub fn messages(rule: &Rule, source: &str) -> Vec<String> {
    check(rule, source).into_iter().map(|f| f.message).collect()
}

/// The text each finding points at.
pub fn flagged<'s>(rule: &Rule, source: &'s str) -> Vec<&'s str> {
    check(rule, source)
        .iter()
        .map(|f| f.span.text(source))
        .collect()
}

/// Applies every finding's first fix (safe or suggested) and returns the new text.
pub fn fixed(rule: &Rule, source: &str) -> String {
    let findings = check(rule, source);
    let fixes: Vec<_> = findings.iter().filter_map(|f| f.fixes.first()).collect();
    apply_fixes(source, &fixes).0
}
