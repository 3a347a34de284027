//! Semantic tokens: variables, helpers, block keywords, partials, comments, role markers.
//!
//! Tokens come from the parsed template (dotprompt's Handlebars tree, Prompty's Jinja tags
//! and role lines), so they color what the linter understands rather than what a regular
//! expression guesses. The front matter and plain prose are left to the TextMate grammar.
//! Every token is split at line ends (clients need not support multi-line tokens) and
//! measured in UTF-16 units.

mod dotprompt;
mod prompty;

use promptopt_core::lint::ParsedFile;
use promptopt_core::text::Span;
use tower_lsp_server::ls_types::{
    Range, SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens,
    SemanticTokensLegend,
};

use super::World;
use crate::convert::Lines;

/// The token types, in legend order: the index of each is its number on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Variable,
    /// A block param (`as |item|`) or a hash argument's key.
    Parameter,
    /// A helper, a Jinja filter or test.
    Function,
    /// Block names (`#if`, `/each`), `else`, `as`, Jinja statements and operators words.
    Keyword,
    Comment,
    String,
    Number,
    /// A partial's name.
    Namespace,
    /// A path segment after the first (`user.name`).
    Property,
    /// A role marker (`{{role "system"}}`, `{{history}}`, Prompty's `user:`).
    Macro,
}

const KINDS: [(Kind, SemanticTokenType); 10] = [
    (Kind::Variable, SemanticTokenType::VARIABLE),
    (Kind::Parameter, SemanticTokenType::PARAMETER),
    (Kind::Function, SemanticTokenType::FUNCTION),
    (Kind::Keyword, SemanticTokenType::KEYWORD),
    (Kind::Comment, SemanticTokenType::COMMENT),
    (Kind::String, SemanticTokenType::STRING),
    (Kind::Number, SemanticTokenType::NUMBER),
    (Kind::Namespace, SemanticTokenType::NAMESPACE),
    (Kind::Property, SemanticTokenType::PROPERTY),
    (Kind::Macro, SemanticTokenType::MACRO),
];

/// Modifier bits, in legend order.
pub const DECLARATION: u32 = 1 << 0;
/// Data variables (`@index`, `@root`): set by the runtime, never by the caller.
pub const READONLY: u32 = 1 << 1;
/// Built into dotprompt or Jinja (`if`, `each`, `json`, `role`).
pub const DEFAULT_LIBRARY: u32 = 1 << 2;

const MODIFIERS: [SemanticTokenModifier; 3] = [
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::READONLY,
    SemanticTokenModifier::DEFAULT_LIBRARY,
];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: KINDS.iter().map(|(_, t)| t.clone()).collect(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

/// A token before encoding: a byte span of the source (possibly spanning lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub kind: Kind,
    pub modifiers: u32,
}

impl Token {
    pub fn new(span: Span, kind: Kind) -> Self {
        Self {
            span,
            kind,
            modifiers: 0,
        }
    }

    pub fn with(mut self, modifiers: u32) -> Self {
        self.modifiers |= modifiers;
        self
    }
}

pub fn tokens(world: &World, range: Option<Range>) -> Option<SemanticTokens> {
    let lines = world.snapshot.lines();
    let found = match world.snapshot.file() {
        ParsedFile::Dotprompt(document) => {
            let helpers = world.options().extra_helpers;
            dotprompt::tokens(document, &helpers)
        }
        ParsedFile::Prompty(document) => prompty::tokens(document),
        ParsedFile::Plain(_) => Vec::new(),
    };
    let window = range.map(|range| lines.span(range));
    Some(SemanticTokens {
        result_id: None,
        data: encode(found, &lines, window),
    })
}

/// Sorts the tokens, drops any overlapping an earlier one, splits them per line, keeps those
/// overlapping `window`, and delta-encodes them in UTF-16 units.
fn encode(mut found: Vec<Token>, lines: &Lines<'_>, window: Option<Span>) -> Vec<SemanticToken> {
    found.sort_by_key(|t| (t.span.start, t.span.end));
    let mut data = Vec::with_capacity(found.len());
    let mut covered_to = 0;
    let (mut last_line, mut last_start) = (0, 0);
    for token in found {
        if token.span.is_empty() || token.span.start < covered_to {
            continue;
        }
        covered_to = token.span.end;
        for piece in per_line(token.span, lines) {
            let in_window = window.is_none_or(|w| piece.start < w.end && w.start < piece.end);
            if !in_window {
                continue;
            }
            let start = lines.position(piece.start);
            let end = lines.position(piece.end);
            let length = end.character.saturating_sub(start.character);
            if length == 0 {
                continue;
            }
            // Pieces come sorted, so these never go negative; saturating keeps it so.
            let delta_line = start.line.saturating_sub(last_line);
            let delta_start = if delta_line == 0 {
                start.character.saturating_sub(last_start)
            } else {
                start.character
            };
            data.push(SemanticToken {
                delta_line,
                delta_start,
                length,
                token_type: kind_index(token.kind),
                token_modifiers_bitset: token.modifiers,
            });
            (last_line, last_start) = (start.line, start.character);
        }
    }
    data
}

fn kind_index(kind: Kind) -> u32 {
    let index = KINDS.iter().position(|(k, _)| *k == kind).unwrap_or(0);
    u32::try_from(index).unwrap_or(0)
}

/// The parts of a span on each line it covers, without line breaks.
fn per_line(span: Span, lines: &Lines<'_>) -> Vec<Span> {
    let first = lines.index.line_of(span.start);
    let last = lines.index.line_of(span.end);
    (first..=last)
        .map(|line| {
            let on_line = lines.index.line_span(lines.text, line);
            Span::new(on_line.start.max(span.start), on_line.end.min(span.end))
        })
        .filter(|piece| !piece.is_empty())
        .collect()
}

#[cfg(test)]
mod tests;
