//! The file formats the linter reads, and a file parsed in its format.

use serde::Serialize;

use crate::document::Document;
use crate::text::LineIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Google's dotprompt: YAML front matter, Handlebars, picoschema.
    Dotprompt,
    /// Microsoft Prompty: YAML front matter with `inputs`, role lines, Jinja.
    Prompty,
    /// A prompt kept as plain Markdown or text: only the prose is checked.
    Plain,
}

impl Format {
    /// The format a file extension implies. Markdown and text files are prompts only when
    /// the configuration says so (they are usually documentation), so they are not listed.
    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension {
            "prompt" => Some(Format::Dotprompt),
            "prompty" => Some(Format::Prompty),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Dotprompt => "dotprompt",
            Format::Prompty => "prompty",
            Format::Plain => "plain",
        }
    }
}

/// A source file parsed in its format. Parsing never fails; errors are inside.
#[derive(Debug, Clone)]
pub enum ParsedFile {
    Dotprompt(Document),
    Prompty(crate::prompty::PromptyDocument),
    Plain(PlainText),
}

#[derive(Debug, Clone)]
pub struct PlainText {
    source: String,
    line_index: LineIndex,
}

impl ParsedFile {
    pub fn parse(source: &str, format: Format) -> Self {
        match format {
            Format::Dotprompt => ParsedFile::Dotprompt(Document::parse(source)),
            Format::Prompty => ParsedFile::Prompty(crate::prompty::PromptyDocument::parse(source)),
            Format::Plain => ParsedFile::Plain(PlainText {
                source: source.to_string(),
                line_index: LineIndex::new(source),
            }),
        }
    }

    pub fn format(&self) -> Format {
        match self {
            ParsedFile::Dotprompt(_) => Format::Dotprompt,
            ParsedFile::Prompty(_) => Format::Prompty,
            ParsedFile::Plain(_) => Format::Plain,
        }
    }

    pub fn source(&self) -> &str {
        match self {
            ParsedFile::Dotprompt(document) => document.source(),
            ParsedFile::Prompty(document) => document.source(),
            ParsedFile::Plain(plain) => &plain.source,
        }
    }

    /// Where the front matter is, in any format that has one (even when its YAML is broken).
    pub fn front_matter_split(&self) -> Option<&crate::document::Split> {
        match self {
            ParsedFile::Dotprompt(document) => document.front_matter.split(),
            ParsedFile::Prompty(document) => document.front_matter.split(),
            ParsedFile::Plain(_) => None,
        }
    }

    pub fn line_index(&self) -> &LineIndex {
        match self {
            ParsedFile::Dotprompt(document) => document.line_index(),
            ParsedFile::Prompty(document) => document.line_index(),
            ParsedFile::Plain(plain) => &plain.line_index,
        }
    }
}
