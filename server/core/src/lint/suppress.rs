//! Inline suppressions, written in any comment the format has:
//! `{{!-- promptopt-disable-next-line rule-id --}}` silences the next line,
//! `{{!-- promptopt-disable rule-id --}}` the whole file; with no ids, every rule.

use std::sync::LazyLock;

use regex::Regex;

use super::finding::Finding;
use crate::text::LineIndex;

static DIRECTIVE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"promptopt-disable(-next-line)?((?:[ \t]+[a-z][a-z0-9-]*(?:[ \t]*,[ \t]*[a-z][a-z0-9-]*)*)?)")
        .ok()
});

#[derive(Debug, Default)]
pub struct Suppressions {
    /// Rule ids off for the whole file; an empty id list means every rule.
    file: Vec<Scope>,
    /// (0-based line, rule ids) pairs.
    lines: Vec<(usize, Scope)>,
}

#[derive(Debug)]
enum Scope {
    All,
    Rules(Vec<String>),
}

impl Scope {
    fn covers(&self, rule: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Rules(ids) => ids.iter().any(|id| id == rule),
        }
    }
}

impl Suppressions {
    pub fn scan(source: &str, line_index: &LineIndex) -> Self {
        let mut found = Suppressions::default();
        let Some(directive) = DIRECTIVE.as_ref() else {
            return found;
        };
        if !source.contains("promptopt-disable") {
            return found;
        }
        for captures in directive.captures_iter(source) {
            let ids: Vec<String> = captures
                .get(2)
                .map(|m| {
                    m.as_str()
                        .split(|c: char| c == ',' || c.is_whitespace())
                        .filter(|id| !id.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let scope = if ids.is_empty() {
                Scope::All
            } else {
                Scope::Rules(ids)
            };
            let Some(whole) = captures.get(0) else {
                continue;
            };
            if captures.get(1).is_some() {
                // The comment may span lines: "next" is the line after the comment closes.
                let rest = &source[whole.end()..];
                let end = ["}}", "#}", "-->"]
                    .iter()
                    .filter_map(|marker| rest.find(marker))
                    .min()
                    .or_else(|| rest.find('\n'))
                    .map_or(source.len(), |i| whole.end() + i);
                found.lines.push((line_index.line_of(end) + 1, scope));
            } else {
                found.file.push(scope);
            }
        }
        found
    }

    pub fn suppresses(&self, finding: &Finding, line_index: &LineIndex) -> bool {
        if self.file.iter().any(|scope| scope.covers(finding.rule)) {
            return true;
        }
        let line = line_index.line_of(finding.span.start);
        self.lines
            .iter()
            .any(|(l, scope)| *l == line && scope.covers(finding.rule))
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::{Format, LintOptions, NoWorkspace, lint_source};

    fn rules_hit(source: &str, format: Format) -> Vec<(&'static str, u32)> {
        let file = crate::lint::ParsedFile::parse(source, format);
        lint_source(
            "p.prompt",
            source,
            format,
            &LintOptions::default(),
            &NoWorkspace,
        )
        .into_iter()
        .filter(|f| f.rule == "hidden-unicode" || f.rule == "placeholder-leftover")
        .map(|f| {
            (
                f.rule,
                file.line_index().to_human(source, f.span.start).line,
            )
        })
        .collect()
    }

    #[test]
    fn next_line_suppresses_only_the_named_rule_on_the_next_line() {
        let source =
            "{{!-- promptopt-disable-next-line hidden-unicode --}}\nA\u{200B} TODO: x\nB\u{200B}\n";
        assert_eq!(
            rules_hit(source, Format::Dotprompt),
            [("placeholder-leftover", 2), ("hidden-unicode", 3)]
        );
    }

    #[test]
    fn file_wide_and_all_rules() {
        let named = "{{!-- promptopt-disable hidden-unicode, placeholder-leftover --}}\nA\u{200B}\nTODO: x\n";
        assert_eq!(rules_hit(named, Format::Dotprompt), []);
        let every = "{{!-- promptopt-disable-next-line --}}\nA\u{200B} TODO: x\nB\u{200B}\n";
        assert_eq!(rules_hit(every, Format::Dotprompt), [("hidden-unicode", 3)]);
    }

    #[test]
    fn works_in_each_formats_comments_and_after_multiline_comments() {
        let prompty = "{# promptopt-disable-next-line hidden-unicode #}\nA\u{200B}\n";
        assert_eq!(rules_hit(prompty, Format::Prompty), []);
        let markdown = "<!-- promptopt-disable-next-line hidden-unicode -->\nA\u{200B}\n";
        assert_eq!(rules_hit(markdown, Format::Plain), []);
        let multiline = "{{!--\n  why: a vendor string\n  promptopt-disable-next-line hidden-unicode\n--}}\nA\u{200B}\n";
        assert_eq!(rules_hit(multiline, Format::Dotprompt), []);
    }
}
