//! Inline suppressions, written in any comment the format has:
//! `{{!-- promptopt-disable-next-line rule-id --}}` silences the next line,
//! `{{!-- promptopt-disable rule-id --}}` the whole file; with no ids, every rule.

use std::sync::LazyLock;

use regex::Regex;

use super::finding::Finding;
use crate::text::LineIndex;

static DIRECTIVE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"promptopt-disable(-next-line)?((?:[ \t]+[a-z0-9-]+(?:[ \t]*,[ \t]*[a-z0-9-]+)*)?)")
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
                // The comment may span lines: the next line is the one after it ends.
                let end = source[whole.end()..]
                    .find(['\n'])
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
