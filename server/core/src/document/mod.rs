//! A `.prompt` document: front matter, template, and every problem found reading them.
//!
//! Reading never fails: a document is always produced, with its errors beside it, because the
//! linter and the language server need as much of a broken file as can be understood. Only
//! bytes that are not text at all (too large, binary, not UTF-8) are refused, by
//! [`Document::from_bytes`].

pub(crate) mod frontmatter;
pub mod keys;
mod metadata;
mod yaml_spans;

pub use frontmatter::Split;
pub use metadata::{FieldError, InputSpec, OutputSpec, PromptMetadata, RESERVED_KEYS};
pub use yaml_spans::{SpanMap, YamlNode};

use serde_json::{Map, Value};

use crate::template::{Template, TemplateErrorKind, parse_template};
use crate::text::{LineIndex, Span};

/// Larger sources are refused: no prompt is this big, and parse time and memory grow with size.
pub const MAX_SOURCE_BYTES: usize = 8 * 1024 * 1024;

const BOM: &str = "\u{feff}";

#[derive(Debug, Clone)]
pub struct Document {
    source: String,
    line_index: LineIndex,
    pub front_matter: FrontMatter,
    pub template: Template,
    /// The text the renderer receives, as dotprompt computes it (trimmed after front matter).
    pub template_span: Span,
    pub errors: Vec<DocumentError>,
}

/// What the file's front matter turned out to be.
#[derive(Debug, Clone)]
pub enum FrontMatter {
    /// No front matter: the whole file is template.
    Absent,
    /// Fences with nothing between them. Dotprompt then renders the whole file, fences
    /// included, as template text.
    Empty {
        split: Split,
    },
    /// YAML that does not parse, or is not a mapping. Dotprompt then renders the whole file
    /// as template text; the error is in [`Document::errors`].
    Invalid {
        split: Split,
        spans: SpanMap,
    },
    Parsed(Box<ParsedFrontMatter>),
}

#[derive(Debug, Clone)]
pub struct ParsedFrontMatter {
    pub split: Split,
    pub metadata: PromptMetadata,
    pub spans: SpanMap,
}

impl FrontMatter {
    pub fn metadata(&self) -> Option<&PromptMetadata> {
        match self {
            FrontMatter::Parsed(parsed) => Some(&parsed.metadata),
            _ => None,
        }
    }

    pub fn spans(&self) -> Option<&SpanMap> {
        match self {
            FrontMatter::Parsed(parsed) => Some(&parsed.spans),
            FrontMatter::Invalid { spans, .. } => Some(spans),
            _ => None,
        }
    }

    pub fn split(&self) -> Option<&Split> {
        match self {
            FrontMatter::Absent => None,
            FrontMatter::Empty { split } | FrontMatter::Invalid { split, .. } => Some(split),
            FrontMatter::Parsed(parsed) => Some(&parsed.split),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentError {
    pub span: Span,
    pub kind: DocumentErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentErrorKind {
    /// The front matter is not valid YAML, or not a mapping.
    FrontMatterSyntax,
    /// A front-matter field has the wrong type.
    FrontMatterField,
    Template(TemplateErrorKind),
}

/// Bytes that cannot be read as a prompt at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error(
        "file is {size} bytes, over the {limit}-byte limit for prompts: split it into partials"
    )]
    TooLarge { size: usize, limit: usize },
    #[error(
        "file looks binary (it contains a NUL byte at offset {offset}): is it really a prompt?"
    )]
    Binary { offset: usize },
    #[error("file is not valid UTF-8 (line {line}, byte {offset}): save it as UTF-8 and try again")]
    InvalidUtf8 { offset: usize, line: usize },
}

impl Document {
    /// Reads raw file bytes, refusing what is not text.
    pub fn from_bytes(bytes: &[u8]) -> Result<Document, LoadError> {
        if bytes.len() > MAX_SOURCE_BYTES {
            return Err(LoadError::TooLarge {
                size: bytes.len(),
                limit: MAX_SOURCE_BYTES,
            });
        }
        if let Some(offset) = bytes.iter().position(|&b| b == 0) {
            return Err(LoadError::Binary { offset });
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Document::parse(text)),
            Err(error) => {
                let offset = error.valid_up_to();
                let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
                Err(LoadError::InvalidUtf8 { offset, line })
            }
        }
    }

    /// Parses a prompt. Never fails; see [`Document::errors`].
    pub fn parse(source: &str) -> Document {
        let source = source.to_string();
        let start = if source.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let mut errors = Vec::new();

        let (front_matter, template_span) = match frontmatter::split(&source, start) {
            None => (FrontMatter::Absent, Span::new(start, source.len())),
            Some(split) if split.yaml.is_empty() => {
                (FrontMatter::Empty { split }, Span::new(start, source.len()))
            }
            Some(split) => match read_yaml(&source, split.yaml) {
                Ok(raw) => {
                    let (metadata, field_errors) = PromptMetadata::from_raw(raw);
                    let spans = SpanMap::build(&source, split.yaml);
                    for error in field_errors {
                        let span = spans.get(&error.path).map_or(split.yaml, |node| node.value);
                        errors.push(DocumentError {
                            span,
                            kind: DocumentErrorKind::FrontMatterField,
                            message: error.message,
                        });
                    }
                    let body = trimmed(&source, split.body);
                    let parsed = ParsedFrontMatter {
                        split,
                        metadata,
                        spans,
                    };
                    (FrontMatter::Parsed(Box::new(parsed)), body)
                }
                Err(error) => {
                    errors.push(error);
                    let spans = SpanMap::build(&source, split.yaml);
                    let whole = trimmed(&source, Span::new(start, source.len()));
                    (FrontMatter::Invalid { split, spans }, whole)
                }
            },
        };

        let template = parse_template(&source[..template_span.end], template_span.start);
        errors.extend(template.errors.iter().map(|e| DocumentError {
            span: e.span,
            kind: DocumentErrorKind::Template(e.kind),
            message: e.message.clone(),
        }));
        Document {
            line_index: LineIndex::new(&source),
            source,
            front_matter,
            template,
            template_span,
            errors,
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    /// The template text handed to the renderer.
    pub fn template_text(&self) -> &str {
        self.template_span.text(&self.source)
    }

    pub fn metadata(&self) -> Option<&PromptMetadata> {
        self.front_matter.metadata()
    }
}

fn trimmed(source: &str, span: Span) -> Span {
    let text = span.text(source);
    let start = span.start + (text.len() - text.trim_start().len());
    let end = span.start + text.trim_end().len();
    Span::new(start, end.max(start))
}

pub(crate) fn read_yaml(source: &str, yaml: Span) -> Result<Map<String, Value>, DocumentError> {
    let error = |span: Span, message: String| DocumentError {
        span,
        kind: DocumentErrorKind::FrontMatterSyntax,
        message,
    };
    let text = yaml.text(source);
    match yaml_serde::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) => Err(error(
            yaml,
            "front matter must be a mapping of keys to values (`name: value` lines); dotprompt will render the whole file, front matter included, as text".into(),
        )),
        Err(e) => {
            let span = e.location().map_or(yaml, |loc| {
                let at = (yaml.start + loc.index()).min(yaml.end);
                if !source.is_char_boundary(at) {
                    return yaml;
                }
                let line_end = source[at..yaml.end].find('\n').map_or(yaml.end, |i| at + i);
                Span::new(at, line_end.max(at))
            });
            // The error's own "at line N column M" counts from the front matter, not the file;
            // the span already points at the right place.
            let full = e.to_string();
            let reason = full.rsplit_once(" at line ").map_or(full.as_str(), |(r, _)| r);
            Err(error(
                span,
                format!(
                    "front matter is not valid YAML ({reason}); dotprompt will render the whole file, front matter included, as text: fix the YAML"
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests;
