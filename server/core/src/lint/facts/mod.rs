//! Facts about a file that many rules need, computed once: where the prose is, the turns of
//! the conversation, every variable use resolved against the input root, the partials and the
//! declared inputs.

mod dotprompt;
mod inputs;
mod prompty;

pub use inputs::{Inputs, SchemaLookup};

use super::context::Workspace;
use super::options::LintOptions;
use super::source::ParsedFile;
use crate::text::Span;

/// Literal text the model reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prose {
    pub span: Span,
    /// Index into the turns.
    pub turn: usize,
}

/// One turn of the conversation the prompt renders to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// `system`, `user`, `model`, `tool` (dotprompt); Prompty's role names; `history` for
    /// dotprompt's `{{history}}` insertion point.
    pub role: String,
    /// The role marker (`{{role "system"}}`, `system:`); `None` for the implicit first turn.
    pub marker: Option<Span>,
    /// From the marker (or the body's start) to the next marker (or the body's end).
    pub span: Span,
}

/// What a variable use resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A path from the root of the input data. `[]` stands for "an element of this array"
    /// (inside `{{#each}}`).
    Input(Vec<String>),
    /// A data variable: `@index`, `@key`, `@first`, `@last`, `@metadata`, `@state`, …
    Data(String),
    /// Relative to a context the analysis could not follow (an unknown block helper's body).
    Unknown,
}

/// How a variable is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Rendered into the text: `{{name}}`.
    Output,
    /// Tested: `{{#if name}}`, `{{#unless name}}`, `{% if name %}`.
    Condition,
    /// Iterated: `{{#each items}}`, `{% for x in items %}`.
    Iteration,
    /// The context of `{{#with x}}`.
    Scope,
    /// An argument of a helper or a partial: `{{json data}}`, `{{> card user}}`.
    Argument,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableUse {
    /// The path as written (for a use inside a partial: the partial tag).
    pub span: Span,
    /// The path as written in the source (`@root.x`, `../y` and `this.z` included).
    pub written: String,
    pub resolved: Resolved,
    pub usage: Usage,
    /// Inside a block that renders only when this path (or a prefix of it) is set:
    /// `{{#if x}}`, `{{#each x}}`, `{{#with x}}`.
    pub guarded: bool,
    /// The partial (by name) this use comes from, when it is not in the file itself.
    pub via_partial: Option<String>,
    /// The enclosing `{{#each}}`/`{{#with}}` path as written, for hints about scope.
    pub scope: Option<String>,
}

/// A `{{> name}}` in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialUse {
    pub name: String,
    pub span: Span,
    pub found: bool,
    /// Set when following this partial leads back to a partial already being included:
    /// the chain of names, starting and ending with the repeated one.
    pub cycle: Option<Vec<String>>,
}

#[derive(Debug, Default)]
pub struct Facts {
    pub body: Span,
    pub prose: Vec<Prose>,
    pub turns: Vec<Turn>,
    pub uses: Vec<VariableUse>,
    pub partials: Vec<PartialUse>,
    pub inputs: Option<Inputs>,
    pub inputs_unreadable: bool,
    pub code_blocks: Vec<Span>,
}

pub fn collect(
    path: &str,
    file: &ParsedFile,
    options: &LintOptions,
    workspace: &dyn Workspace,
) -> Facts {
    let mut facts = match file {
        ParsedFile::Dotprompt(document) => dotprompt::collect(path, document, options, workspace),
        ParsedFile::Prompty(document) => prompty::collect(document),
        ParsedFile::Plain(_) => {
            let body = Span::new(0, file.source().len());
            Facts {
                body,
                prose: vec![Prose {
                    span: body,
                    turn: 0,
                }],
                turns: vec![Turn {
                    role: "system".into(),
                    marker: None,
                    span: body,
                }],
                ..Facts::default()
            }
        }
    };
    facts.code_blocks = code_blocks(file.source(), facts.body);
    facts
}

/// Assigns each prose segment its turn (turns are sorted and cover the body).
fn assign_turns(prose: &mut [Prose], turns: &[Turn]) {
    for segment in prose {
        let index = turns.partition_point(|turn| turn.span.start <= segment.span.start);
        segment.turn = index.saturating_sub(1);
    }
}

/// Builds turns from role markers found in source order.
fn turns_from_markers(body: Span, implicit_role: &str, markers: &[(String, Span)]) -> Vec<Turn> {
    let mut turns = Vec::new();
    let first_marker = markers.first().map_or(body.end, |(_, span)| span.start);
    let leading = Span::new(body.start, first_marker);
    if markers.is_empty() || !leading.is_empty() {
        turns.push(Turn {
            role: implicit_role.to_string(),
            marker: None,
            span: leading,
        });
    }
    for (i, (role, span)) in markers.iter().enumerate() {
        let end = markers.get(i + 1).map_or(body.end, |(_, next)| next.start);
        turns.push(Turn {
            role: role.clone(),
            marker: Some(*span),
            span: Span::new(span.start, end.max(span.start)),
        });
    }
    turns
}

/// Fenced code blocks (```` ``` ```` or `~~~` at the start of a line) in the body; an unclosed
/// fence runs to the end.
fn code_blocks(source: &str, body: Span) -> Vec<Span> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    let mut offset = body.start;
    for line in body.text(source).split_inclusive('\n') {
        let trimmed = line.trim_start();
        let fence = ["```", "~~~"]
            .into_iter()
            .find(|fence| trimmed.starts_with(fence));
        match (open, fence) {
            (None, Some(fence)) => open = Some((offset, fence)),
            (Some((start, opened)), Some(fence)) if fence == opened => {
                blocks.push(Span::new(start, offset + line.trim_end().len()));
                open = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some((start, _)) = open {
        blocks.push(Span::new(start, body.end));
    }
    blocks
}

#[cfg(test)]
mod tests;
