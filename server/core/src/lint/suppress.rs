//! Inline suppressions, written in any comment the format has:
//! `{{!-- promptopt-disable-next-line rule-id --}}` silences the next line,
//! `{{!-- promptopt-disable rule-id --}}` the whole file; with no ids, every rule.

use std::sync::LazyLock;

use regex::Regex;

use super::finding::Finding;
use super::source::ParsedFile;
use crate::prompty::JinjaNode;
use crate::template::{Node, walk};
use crate::text::{LineIndex, Span};

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
    /// Every rule id written in a directive, where it is written.
    pub ids: Vec<(String, Span)>,
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
    /// Reads the directives in the file's comments. Text outside comments never suppresses:
    /// a prompt may well talk about `promptopt-disable` without meaning it.
    pub fn scan(file: &ParsedFile) -> Self {
        let mut found = Suppressions::default();
        let source = file.source();
        let Some(directive) = DIRECTIVE.as_ref() else {
            return found;
        };
        if !source.contains("promptopt-disable") {
            return found;
        }
        let comments = comments(file);
        for captures in directive.captures_iter(source) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            let Some(comment) = comments.iter().find(|c| c.contains(whole.start())) else {
                continue;
            };
            let written: Vec<(String, Span)> = captures
                .get(2)
                .map(|m| ids_in(m.as_str(), m.start()))
                .unwrap_or_default();
            let ids: Vec<String> = written.iter().map(|(id, _)| id.clone()).collect();
            found.ids.extend(written);
            let scope = if ids.is_empty() {
                Scope::All
            } else {
                Scope::Rules(ids)
            };
            if captures.get(1).is_some() {
                // The comment may span lines: "next" is the line after the comment closes.
                let last = comment.end.saturating_sub(1).max(comment.start);
                found
                    .lines
                    .push((file.line_index().line_of(last) + 1, scope));
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

/// The ids in a directive's list (`a, b c`) with their spans, `offset` being the list's start.
fn ids_in(list: &str, offset: usize) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in list
        .char_indices()
        .chain(std::iter::once((list.len(), ' ')))
    {
        let separator = c == ',' || c.is_whitespace();
        match (start, separator) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push((list[s..i].to_string(), Span::new(offset + s, offset + i)));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The comments of a file: Handlebars `{{! }}` (dotprompt), Jinja `{# #}` (Prompty), HTML
/// `<!-- -->` (any format) and `#` lines of YAML front matter.
fn comments(file: &ParsedFile) -> Vec<Span> {
    let source = file.source();
    let mut out = Vec::new();
    let front_matter = match file {
        ParsedFile::Dotprompt(document) => {
            walk(&document.template.nodes, &mut |node| {
                if let Node::Comment(comment) = node {
                    out.push(comment.tag.span);
                }
            });
            document.front_matter.split().map(|split| split.yaml)
        }
        ParsedFile::Prompty(document) => {
            for node in &document.nodes {
                if let JinjaNode::Comment { span, .. } = node {
                    out.push(*span);
                }
            }
            document.front_matter.split().map(|split| split.yaml)
        }
        ParsedFile::Plain(_) => None,
    };
    if let Some(yaml) = front_matter {
        let mut offset = yaml.start;
        for line in yaml.text(source).split_inclusive('\n') {
            if line.trim_start().starts_with('#') {
                out.push(Span::new(offset, offset + line.trim_end().len()));
            }
            offset += line.len();
        }
    }
    let mut from = 0;
    while let Some(open) = source[from..].find("<!--").map(|i| from + i) {
        let close = source[open..]
            .find("-->")
            .map_or(source.len(), |i| open + i + 3);
        out.push(Span::new(open, close));
        from = close.max(open + 4);
    }
    out
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
    fn directives_outside_comments_are_ignored() {
        let source = "Tell users to write `promptopt-disable` in a comment.\nA\u{200B}\n";
        assert_eq!(
            rules_hit(source, Format::Dotprompt),
            [("hidden-unicode", 2)]
        );
        let yaml = "---\n# promptopt-disable hidden-unicode\nmodel: x\n---\nA\u{200B}\n";
        assert_eq!(rules_hit(yaml, Format::Dotprompt), []);
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
