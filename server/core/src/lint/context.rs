//! What a rule sees of one file: the parsed file plus the facts every rule would otherwise
//! recompute (prose, turns, variable uses, declared inputs), built once per file.

use std::any::{Any, TypeId};
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use serde_json::{Map, Value};

use super::facts::{self, Facts, Inputs, PartialUse, Prose, Turn, VariableUse};
use super::options::LintOptions;
use super::source::{Format, ParsedFile};
use super::text::{self, Word};
use crate::document::{Document, SpanMap, Split};
use crate::text::{LineIndex, Span};

/// Answers the questions about the world around a file that the pure linter cannot answer
/// itself (it does no I/O).
pub trait Workspace: Sync {
    /// The source of the partial `name` used by the prompt at `from`: dotprompt and Genkit
    /// look for `_name.prompt` beside the prompt. `None` when there is no such partial.
    fn partial(&self, from: &str, name: &str) -> Option<String>;
}

/// A workspace with no files: every partial is missing. For tests and for text with no path.
pub struct NoWorkspace;

impl Workspace for NoWorkspace {
    fn partial(&self, _from: &str, _name: &str) -> Option<String> {
        None
    }
}

/// Front matter that parsed to a mapping, in any format.
#[derive(Debug, Clone, Copy)]
pub struct FrontMatterView<'a> {
    pub raw: &'a Map<String, Value>,
    pub spans: &'a SpanMap,
    pub split: &'a Split,
}

impl<'a> FrontMatterView<'a> {
    /// The value at `path` (`["model", "configuration", "name"]`).
    pub fn get(&self, path: &[&str]) -> Option<&'a Value> {
        let (first, rest) = path.split_first()?;
        let mut value = self.raw.get(*first)?;
        for key in rest {
            value = value.get(key)?;
        }
        Some(value)
    }
}

pub struct Context<'a> {
    pub path: &'a str,
    pub file: &'a ParsedFile,
    pub options: &'a LintOptions,
    pub workspace: &'a dyn Workspace,
    facts: Facts,
    words: OnceCell<Vec<Word>>,
    sentences: OnceCell<Vec<Span>>,
    /// Analyses several rules share ([`Analysis`]), by type, computed on first use.
    shared: RefCell<Vec<(TypeId, Rc<dyn Any>)>>,
}

/// A per-file analysis that several rules need (the clarity rules' reading of every sentence,
/// say): [`Context::shared`] computes it once per file instead of once per rule. The type is
/// the key, so each analysis is its own type (a newtype around what it computes).
pub(crate) trait Analysis: Any {
    fn compute(cx: &Context<'_>) -> Self;
}

impl<'a> Context<'a> {
    pub fn new(
        path: &'a str,
        file: &'a ParsedFile,
        options: &'a LintOptions,
        workspace: &'a dyn Workspace,
    ) -> Self {
        let facts = facts::collect(path, file, options, workspace);
        Self {
            path,
            file,
            options,
            workspace,
            facts,
            words: OnceCell::new(),
            sentences: OnceCell::new(),
            shared: RefCell::new(Vec::new()),
        }
    }

    /// The file's `T`, computed on the first call and shared by every later caller (an `Rc`
    /// because the cache cannot lend out references into itself without `unsafe`).
    pub(crate) fn shared<T: Analysis>(&self) -> Rc<T> {
        let key = TypeId::of::<T>();
        let cached = self
            .shared
            .borrow()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, value)| Rc::clone(value));
        // The downcast cannot fail (the entry was stored under `T`'s own type id); were it
        // to, computing afresh is still correct.
        if let Some(Ok(value)) = cached.map(Rc::downcast::<T>) {
            return value;
        }
        // Computed with no borrow held: an analysis may build on other shared analyses.
        let value = Rc::new(T::compute(self));
        self.shared
            .borrow_mut()
            .push((key, Rc::clone(&value) as Rc<dyn Any>));
        value
    }

    pub fn source(&self) -> &'a str {
        self.file.source()
    }

    pub fn format(&self) -> Format {
        self.file.format()
    }

    pub fn line_index(&self) -> &'a LineIndex {
        self.file.line_index()
    }

    /// The text under a span of this file.
    pub fn text(&self, span: Span) -> &'a str {
        span.text(self.file.source())
    }

    /// True for a dotprompt partial (`_name.prompt`): a fragment included by other prompts,
    /// which supply its variables, turns and output format.
    pub fn is_partial(&self) -> bool {
        self.format() == Format::Dotprompt
            && self
                .path
                .rsplit(['/', '\\'])
                .next()
                .is_some_and(|name| name.starts_with('_'))
    }

    /// The dotprompt document, for rules on Handlebars and picoschema.
    pub fn document(&self) -> Option<&'a Document> {
        match self.file {
            ParsedFile::Dotprompt(document) => Some(document),
            _ => None,
        }
    }

    pub fn prompty(&self) -> Option<&'a crate::prompty::PromptyDocument> {
        match self.file {
            ParsedFile::Prompty(document) => Some(document),
            _ => None,
        }
    }

    /// The front matter when it parsed to a mapping.
    pub fn front_matter(&self) -> Option<FrontMatterView<'a>> {
        match self.file {
            ParsedFile::Dotprompt(document) => match &document.front_matter {
                crate::document::FrontMatter::Parsed(parsed) => Some(FrontMatterView {
                    raw: &parsed.metadata.raw,
                    spans: &parsed.spans,
                    split: &parsed.split,
                }),
                _ => None,
            },
            ParsedFile::Prompty(document) => match &document.front_matter {
                crate::prompty::PromptyFrontMatter::Parsed { split, raw, spans } => {
                    Some(FrontMatterView { raw, spans, split })
                }
                _ => None,
            },
            ParsedFile::Plain(_) => None,
        }
    }

    /// The span of the body: the template (dotprompt, Prompty) or the whole file.
    pub fn body(&self) -> Span {
        self.facts.body
    }

    /// Literal text the model reads, in source order: template text outside tags, comments
    /// and front matter.
    pub fn prose(&self) -> &[Prose] {
        &self.facts.prose
    }

    /// The conversation turns in source order; text before the first role marker belongs to
    /// an implicit first turn.
    pub fn turns(&self) -> &[Turn] {
        &self.facts.turns
    }

    /// The turn an offset falls in.
    pub fn turn_at(&self, offset: usize) -> Option<&Turn> {
        let index = self
            .facts
            .turns
            .partition_point(|turn| turn.span.start <= offset);
        index.checked_sub(1).and_then(|i| self.facts.turns.get(i))
    }

    /// Every variable the template reads, resolved against the input root.
    pub fn uses(&self) -> &[VariableUse] {
        &self.facts.uses
    }

    /// The partials the template includes, with whether each was found.
    pub fn partials(&self) -> &[PartialUse] {
        &self.facts.partials
    }

    /// The declared inputs (dotprompt `input.schema`, Prompty `inputs`) as JSON Schema, when
    /// declared and valid.
    pub fn inputs(&self) -> Option<&Inputs> {
        self.facts.inputs.as_ref()
    }

    /// True when inputs are declared but could not be read (an invalid schema): variable
    /// rules then stay quiet rather than guess.
    pub fn inputs_unreadable(&self) -> bool {
        self.facts.inputs_unreadable
    }

    /// True inside a fenced code block (```` ``` ```` or `~~~`) of the body.
    pub fn in_code_block(&self, offset: usize) -> bool {
        // Blocks are sorted and disjoint: the only candidate is the last one starting at or
        // before the offset. Rules ask per line or per tag, so this stays logarithmic.
        let blocks = &self.facts.code_blocks;
        let i = blocks.partition_point(|block| block.start <= offset);
        i.checked_sub(1)
            .and_then(|i| blocks.get(i))
            .is_some_and(|block| block.contains(offset))
    }

    /// The words of the prose, shared by every rule that scans text.
    pub fn words(&self) -> &[Word] {
        self.words
            .get_or_init(|| text::words(self.source(), &self.facts.prose))
    }

    /// The sentences of the prose (a line break also ends one: prompts are full of lists).
    pub fn sentences(&self) -> &[Span] {
        self.sentences
            .get_or_init(|| text::sentences(self.source(), &self.facts.prose))
    }

    /// The model the prompt names (dotprompt `model`, Prompty `model.configuration.name` or
    /// `.model`), else the configured default.
    pub fn model(&self) -> Option<(&str, Option<Span>)> {
        let named = |path: &[&str]| {
            let front_matter = self.front_matter()?;
            let span = front_matter.spans.get(path).map(|node| node.value);
            front_matter.get(path)?.as_str().map(|name| (name, span))
        };
        let found = match self.format() {
            Format::Dotprompt => named(&["model"]),
            // `azure_deployment` is a name the team chose, not a model id: not looked up.
            Format::Prompty => named(&["model", "configuration", "name"])
                .or_else(|| named(&["model", "configuration", "model"])),
            Format::Plain => None,
        };
        found.or_else(|| self.options.default_model.as_deref().map(|m| (m, None)))
    }

    /// The span of a front-matter value by path, when there is front matter.
    pub fn yaml_value_span<S: AsRef<str>>(&self, path: &[S]) -> Option<Span> {
        self.front_matter()?.spans.get(path).map(|node| node.value)
    }

    /// The span of a front-matter key by path.
    pub fn yaml_key_span<S: AsRef<str>>(&self, path: &[S]) -> Option<Span> {
        self.front_matter()?
            .spans
            .get(path)
            .and_then(|node| node.key)
    }
}
