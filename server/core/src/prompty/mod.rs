//! TEMPORARY interface placeholder, replaced by the real Prompty parser on merge.
#![allow(dead_code)]
use serde_json::{Map, Value};

use crate::document::{SpanMap, Split};
use crate::text::{LineIndex, Span};

#[derive(Debug, Clone)]
pub struct PromptyDocument {
    source: String,
    line_index: LineIndex,
    pub front_matter: PromptyFrontMatter,
    pub body: Span,
    pub nodes: Vec<JinjaNode>,
    pub roles: Vec<RoleLine>,
    pub errors: Vec<PromptyError>,
    variables: Vec<VariableRef>,
}
#[derive(Debug, Clone)]
pub enum PromptyFrontMatter {
    Absent,
    Invalid {
        split: Split,
        spans: SpanMap,
    },
    Parsed {
        split: Split,
        raw: Map<String, Value>,
        spans: SpanMap,
    },
}
#[derive(Debug, Clone)]
pub enum JinjaNode {
    Text(Span),
    Output {
        span: Span,
        expr: Span,
    },
    Statement {
        span: Span,
        keyword: String,
        args: Span,
    },
    Comment {
        span: Span,
        content: Span,
    },
}
#[derive(Debug, Clone)]
pub struct RoleLine {
    pub role: String,
    pub span: Span,
    pub name_span: Span,
}
#[derive(Debug, Clone)]
pub struct VariableRef {
    pub root: String,
    pub path: Vec<String>,
    pub span: Span,
    pub usage: VariableUsage,
    pub guarded: bool,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableUsage {
    Output,
    Condition,
    Iterable,
    Argument,
}
#[derive(Debug, Clone)]
pub struct PromptyError {
    pub span: Span,
    pub message: String,
}
impl PromptyDocument {
    pub fn parse(source: &str) -> Self {
        Self {
            source: source.into(),
            line_index: LineIndex::new(source),
            front_matter: PromptyFrontMatter::Absent,
            body: Span::new(0, source.len()),
            nodes: vec![JinjaNode::Text(Span::new(0, source.len()))],
            roles: Vec::new(),
            errors: Vec::new(),
            variables: Vec::new(),
        }
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }
    pub fn variables(&self) -> &[VariableRef] {
        &self.variables
    }
    pub fn inputs(&self) -> Option<&Map<String, Value>> {
        None
    }
}
