//! A Microsoft Prompty file (`.prompty`): YAML front matter, then a Jinja2 template whose
//! rendered text is split into chat messages at role lines.
//!
//! What Prompty does, from its Python runtime (github.com/microsoft/prompty,
//! `runtime/prompty/prompty/`):
//!
//! - `utils.py` splits front matter with `^\s*(?:---|\+\+\+)(.*?)(?:---|\+\+\+)\s*(.+)$`
//!   (`re.S | re.M`) and loads it with `yaml.load`; a YAML error makes loading fail. Here the
//!   front matter is found by dotprompt's stricter fence rules (`document::frontmatter`), which
//!   agree on every well-formed file. (Without front matter that regex does not match and
//!   Prompty's body is empty; here the whole file is still checked as the template.)
//! - `renderers.py` (`Jinja2Renderer`) renders the body with
//!   `ImmutableSandboxedEnvironment(loader=DictLoader(...))`: default delimiters, no
//!   extensions (so no `break`/`continue`/`do`), no `trim_blocks`. Any syntax error in the
//!   template makes rendering fail, so every one is reported here.
//! - `parsers.py` (`PromptyChatParser`) splits the *rendered* text into messages. The current
//!   version reads it line by line (`splitlines()`) and a line is a role boundary when it
//!   matches `(?i)^\s*#?\s*(assistant|function|system|user|tools)(\[…key=value…\])?\s*:\s*$`;
//!   text before the first boundary goes into a `system` message (the parser starts with
//!   `{"role": "system"}`), and a `tools` section first is read as YAML tool definitions.
//!   Older releases (e.g. commit 07b102c) used `re.split` with
//!   `(?i)^\s*#?\s*(assistant|function|system|user)\s*:\s*\n` (MULTILINE) and likewise inserted
//!   `system` when the first chunk was not a role. So: whole line only, any case, leading
//!   whitespace and one optional `#` allowed, nothing after the colon but whitespace.
//!   [`RoleLine`]s are the template lines that match this pattern and contain no tag (a tag
//!   could render into anything).
//!
//! Parsing never fails: the document comes with its errors, spans are byte ranges into the
//! source, and nothing recurses with the input's nesting beyond fixed caps.

mod body;

/// Words Jinja reads as keywords inside expressions and statements.
pub const KEYWORDS: [&str; 22] = [
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "elif",
    "for",
    "recursive",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "as",
    "import",
    "from",
    "with",
    "without",
    "context",
];

/// Names every Jinja template has: the default globals, and what loops and blocks bind.
pub const GLOBALS: [&str; 9] = [
    "range",
    "dict",
    "lipsum",
    "cycler",
    "joiner",
    "namespace",
    "loop",
    "self",
    "super",
];

/// Whether `name` means something to Jinja itself, so it is never a template input.
pub fn is_reserved(name: &str) -> bool {
    KEYWORDS.contains(&name) || GLOBALS.contains(&name)
}
mod expr;
mod lexer;

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::document::frontmatter::{self, Split};
use crate::document::{SpanMap, read_yaml};
use crate::text::{LineIndex, Span};

const BOM: &str = "\u{feff}";

/// Prompty's role boundary, as in `PromptyChatParser.parse` (see the module docs), applied to
/// one line at a time.
const ROLE_LINE: &str = r#"(?i)^\s*#?\s*(assistant|function|system|user|tools)(\[((\w+)*\s*=\s*"?([^"]*)"?\s*(,?)\s*)+\])?\s*:\s*$"#;

/// `None` only if the constant above did not compile, which a test rules out.
static ROLE_PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(ROLE_LINE).ok());

#[derive(Debug, Clone)]
pub struct PromptyDocument {
    source: String,
    line_index: LineIndex,
    variables: Vec<VariableRef>,
    pub front_matter: PromptyFrontMatter,
    /// The template: everything after the front matter (the whole file, past a byte order
    /// mark, when there is none). Prompty also drops its leading whitespace, which never
    /// renders anything.
    pub body: Span,
    /// The body's text and tags, in source order.
    pub nodes: Vec<JinjaNode>,
    pub roles: Vec<RoleLine>,
    /// Every problem found, sorted by position.
    pub errors: Vec<PromptyError>,
}

#[derive(Debug, Clone)]
pub enum PromptyFrontMatter {
    /// No front matter: the whole file is the template.
    Absent,
    /// YAML that does not parse, or is not a mapping: Prompty cannot load the file. The error
    /// is in [`PromptyDocument::errors`]; the body is still checked.
    Invalid { split: Split, spans: SpanMap },
    Parsed {
        split: Split,
        raw: Map<String, Value>,
        spans: SpanMap,
    },
}

impl PromptyFrontMatter {
    pub fn raw(&self) -> Option<&Map<String, Value>> {
        match self {
            PromptyFrontMatter::Parsed { raw, .. } => Some(raw),
            _ => None,
        }
    }

    pub fn spans(&self) -> Option<&SpanMap> {
        match self {
            PromptyFrontMatter::Absent => None,
            PromptyFrontMatter::Invalid { spans, .. }
            | PromptyFrontMatter::Parsed { spans, .. } => Some(spans),
        }
    }

    pub fn split(&self) -> Option<&Split> {
        match self {
            PromptyFrontMatter::Absent => None,
            PromptyFrontMatter::Invalid { split, .. }
            | PromptyFrontMatter::Parsed { split, .. } => Some(split),
        }
    }
}

/// One piece of the template, in source order. Blocks are not nested here: a `{% for %}` and
/// its `{% endfor %}` are two statements (matching them is checked while parsing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JinjaNode {
    /// Literal text, including the content of `{% raw %}` blocks and the opener of a tag that
    /// never closes.
    Text(Span),
    /// `{{ expr }}`; `expr` is the inside without whitespace-control signs or spaces.
    Output { span: Span, expr: Span },
    /// `{% keyword args %}`; `keyword` is empty when the tag does not start with a name.
    Statement {
        span: Span,
        keyword: String,
        args: Span,
    },
    /// `{# content #}`.
    Comment { span: Span, content: Span },
}

impl JinjaNode {
    pub fn span(&self) -> Span {
        match self {
            JinjaNode::Text(span)
            | JinjaNode::Output { span, .. }
            | JinjaNode::Statement { span, .. }
            | JinjaNode::Comment { span, .. } => *span,
        }
    }
}

/// A line that starts a chat message (`system:`, `# User:`, `assistant[name="bot"]:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleLine {
    /// `system`, `user`, `assistant`, `function` or `tools`, lowercased.
    pub role: String,
    /// The whole line, without its line break.
    pub span: Span,
    /// The role name as written.
    pub name_span: Span,
    /// The `[key=value, …]` after the name, brackets included, if any.
    pub args: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VariableUsage {
    /// Printed by `{{ … }}` (possibly through filters).
    Output,
    /// Tested by `{% if %}`, `{% elif %}`, a `for … if` filter or an inline `x if c else y`.
    Condition,
    /// Iterated by `{% for … in … %}`.
    Iterable,
    /// Passed to a filter, test, call or index, or used by another statement (`set`, `with`,
    /// `include`, …).
    Argument,
}

/// A free variable read by the template: an input the caller must supply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableRef {
    pub root: String,
    /// The root, then each constant attribute or index (`a.b[0]['c']` → `a`, `b`, `0`, `c`).
    /// A called attribute is a method, not data, and is left off (`name.upper()` → `name`).
    pub path: Vec<String>,
    /// The path in the source.
    pub span: Span,
    pub usage: VariableUsage,
    /// Inside an `{% if %}` block (any branch) whose `if` or an earlier `elif` condition
    /// mentions the same root.
    pub guarded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptyError {
    pub span: Span,
    pub kind: PromptyErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PromptyErrorKind {
    /// The front matter is not valid YAML, or not a mapping.
    FrontMatterSyntax,
    /// `{{`, `{%` or `{#` without its closing delimiter.
    UnclosedTag,
    /// A tag whose inside is not valid Jinja (`{{ Guest Name }}`, `{% for x %}`).
    InvalidExpression,
    /// A `{% name %}` that is not a Jinja tag (or needs an extension Prompty does not load).
    UnknownTag,
    /// A block (`for`, `if`, `raw`, …) without its `end` tag.
    UnclosedBlock,
    /// An `end` tag with nothing to close, or `elif`/`else` outside their block.
    UnmatchedTag,
    /// Blocks nested too deep to check.
    TooDeep,
}

impl PromptyDocument {
    /// Parses a `.prompty` file. Never fails; see [`PromptyDocument::errors`].
    pub fn parse(source: &str) -> Self {
        let source = source.to_string();
        let start = if source.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let mut errors = Vec::new();
        let (front_matter, body) = match frontmatter::split(&source, start) {
            None => (PromptyFrontMatter::Absent, Span::new(start, source.len())),
            Some(split) => {
                let spans = SpanMap::build(&source, split.yaml);
                match read_yaml(&source, split.yaml) {
                    Ok(raw) => (PromptyFrontMatter::Parsed { split, raw, spans }, split.body),
                    Err(error) => {
                        // An error at the very end of the YAML has an empty span.
                        let span = if error.span.is_empty() {
                            split.yaml
                        } else {
                            error.span
                        };
                        errors.push(PromptyError {
                            span,
                            kind: PromptyErrorKind::FrontMatterSyntax,
                            message: front_matter_message(&source, split.yaml),
                        });
                        (PromptyFrontMatter::Invalid { split, spans }, split.body)
                    }
                }
            }
        };
        let body_text = body.text(&source);
        let body = Span::new(
            body.start + (body_text.len() - body_text.trim_start().len()),
            body.end,
        );

        let parsed = body::parse_body(&source, body);
        errors.extend(parsed.errors);
        errors.sort_by_key(|e| (e.span.start, e.span.end));
        let roles = role_lines(&source, body.start, &parsed.nodes);
        PromptyDocument {
            line_index: LineIndex::new(&source),
            source,
            variables: parsed.variables,
            front_matter,
            body,
            nodes: parsed.nodes,
            roles,
            errors,
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    /// Every read of a free variable, in source order.
    pub fn variables(&self) -> &[VariableRef] {
        &self.variables
    }

    /// The front matter's `inputs` mapping, when there is one.
    pub fn inputs(&self) -> Option<&Map<String, Value>> {
        self.front_matter.raw()?.get("inputs")?.as_object()
    }

    /// The body text before the first role line, when it has anything but whitespace:
    /// Prompty sends it as a `system` message.
    pub fn preamble(&self) -> Option<Span> {
        let end = self.roles.first().map_or(self.body.end, |r| r.span.start);
        let text = self.source.get(self.body.start..end)?;
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return None;
        }
        let start = self.body.start + (text.len() - text.trim_start().len());
        Some(Span::new(start, start + trimmed.len()))
    }
}

/// What to say about front matter `read_yaml` refused: Prompty cannot load such a file.
fn front_matter_message(source: &str, yaml: Span) -> String {
    match yaml_serde::from_str::<Value>(yaml.text(source)) {
        Err(e) => format!(
            "front matter is not valid YAML ({e}); Prompty cannot load this file: fix the YAML between the `---` lines"
        ),
        Ok(_) => "front matter must be a mapping of keys to values (`name: value` lines); Prompty cannot load this file otherwise".into(),
    }
}

/// The role lines of the body: whole source lines that lie inside one text node and match
/// Prompty's boundary pattern.
fn role_lines(source: &str, body_start: usize, nodes: &[JinjaNode]) -> Vec<RoleLine> {
    let Some(pattern) = ROLE_PATTERN.as_ref() else {
        return Vec::new();
    };
    let mut roles = Vec::new();
    for node in nodes {
        let JinjaNode::Text(text) = node else {
            continue;
        };
        let mut line_start = text.start;
        // A text node that does not start a line starts with the rest of a tag's line. (The
        // body starts a line: Prompty drops the whitespace before it.)
        if line_start != body_start
            && line_start > 0
            && source.as_bytes().get(line_start - 1) != Some(&b'\n')
        {
            match source[line_start..text.end].find('\n') {
                Some(i) => line_start += i + 1,
                None => continue,
            }
        }
        while line_start < text.end {
            let line_end = source[line_start..]
                .find('\n')
                .map_or(source.len(), |i| line_start + i);
            if line_end > text.end {
                break;
            }
            let line = &source[line_start..line_end];
            if let Some(captures) = pattern.captures(line) {
                let content_end = line_start + line.trim_end_matches('\r').len();
                if let Some(name) = captures.get(1) {
                    roles.push(RoleLine {
                        role: name.as_str().to_lowercase(),
                        span: Span::new(line_start, content_end),
                        name_span: Span::new(line_start + name.start(), line_start + name.end()),
                        args: captures
                            .get(2)
                            .map(|m| Span::new(line_start + m.start(), line_start + m.end())),
                    });
                }
            }
            line_start = line_end + 1;
        }
    }
    roles
}

#[cfg(test)]
mod tests;
