//! The open documents: their text and version as the client last sent them, with incremental
//! edits applied in UTF-16 positions, and immutable snapshots that features read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use promptopt_core::lint::{CONFIG_FILE, Format, ParsedFile, Workspace};
use promptopt_core::text::LineIndex;
use promptopt_workspace::PartialFiles;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use crate::convert::Lines;

/// What an open document is to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A prompt in one of the formats the linter reads.
    Prompt(Format),
    /// The project's `promptopt.toml`.
    Config,
}

impl Kind {
    /// From the client's language id, else the file name. Markdown and text are prompts
    /// only when the project's `lint.include` says so, which the caller decides.
    pub fn detect(language_id: &str, path: Option<&Path>) -> Option<Kind> {
        let name = path.and_then(Path::file_name).and_then(|n| n.to_str());
        if name == Some(CONFIG_FILE) {
            return Some(Kind::Config);
        }
        match language_id {
            "dotprompt" => return Some(Kind::Prompt(Format::Dotprompt)),
            "prompty" => return Some(Kind::Prompt(Format::Prompty)),
            _ => {}
        }
        let extension = path.and_then(Path::extension).and_then(|e| e.to_str())?;
        Format::from_extension(extension).map(Kind::Prompt)
    }
}

/// One version of one document, never changed once made: features and lint runs hold it
/// while the user goes on typing.
#[derive(Debug)]
pub struct Snapshot {
    pub uri: Uri,
    pub path: Option<PathBuf>,
    pub version: i32,
    pub kind: Kind,
    pub text: Arc<str>,
    line_index: LineIndex,
    parsed: OnceLock<ParsedFile>,
}

impl Snapshot {
    pub fn new(uri: Uri, version: i32, kind: Kind, text: Arc<str>) -> Self {
        let path = uri.to_file_path().map(|p| p.into_owned());
        Self {
            line_index: LineIndex::new(&text),
            uri,
            path,
            version,
            kind,
            text,
            parsed: OnceLock::new(),
        }
    }

    pub fn lines(&self) -> Lines<'_> {
        Lines::new(&self.text, &self.line_index)
    }

    pub fn format(&self) -> Format {
        match self.kind {
            Kind::Prompt(format) => format,
            Kind::Config => Format::Plain,
        }
    }

    /// The parsed file, parsed on first use and shared by every later reader.
    pub fn file(&self) -> &ParsedFile {
        self.parsed
            .get_or_init(|| ParsedFile::parse(&self.text, self.format()))
    }

    /// The path the linter and partial lookup see: the file path, else the URI.
    pub fn lint_path(&self) -> String {
        match &self.path {
            Some(path) => path.to_string_lossy().into_owned(),
            None => self.uri.as_str().to_string(),
        }
    }

    /// Whether this is a dotprompt partial (`_name.prompt`), which other prompts include.
    pub fn is_partial(&self) -> bool {
        self.kind == Kind::Prompt(Format::Dotprompt)
            && self
                .path
                .as_deref()
                .and_then(Path::file_name)
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('_'))
    }
}

#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<Uri, Arc<Snapshot>>,
}

/// A change the client sent that cannot be applied to the text we hold.
#[derive(Debug, PartialEq, Eq)]
pub enum ChangeError {
    NotOpen,
}

impl Documents {
    pub fn open(&mut self, uri: Uri, version: i32, kind: Kind, text: String) -> Arc<Snapshot> {
        let snapshot = Arc::new(Snapshot::new(uri.clone(), version, kind, text.into()));
        self.open.insert(uri, Arc::clone(&snapshot));
        snapshot
    }

    /// Applies the client's edits in order (each range is in the text the previous edit left).
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> Result<Arc<Snapshot>, ChangeError> {
        let current = self.open.get(uri).ok_or(ChangeError::NotOpen)?;
        let mut text = current.text.to_string();
        for change in changes {
            match change.range {
                Some(range) => {
                    let index = LineIndex::new(&text);
                    let span = Lines::new(&text, &index).span(range);
                    text.replace_range(span.start..span.end, &change.text);
                }
                None => text = change.text,
            }
        }
        let snapshot = Arc::new(Snapshot::new(
            uri.clone(),
            version,
            current.kind,
            text.into(),
        ));
        self.open.insert(uri.clone(), Arc::clone(&snapshot));
        Ok(snapshot)
    }

    pub fn close(&mut self, uri: &Uri) -> Option<Arc<Snapshot>> {
        self.open.remove(uri)
    }

    pub fn get(&self, uri: &Uri) -> Option<Arc<Snapshot>> {
        self.open.get(uri).cloned()
    }

    /// The current version of an open document.
    pub fn version(&self, uri: &Uri) -> Option<i32> {
        self.open.get(uri).map(|s| s.version)
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<Snapshot>> {
        self.open.values()
    }

    /// The open partials' text by path: unsaved edits to a partial count for the prompts
    /// that include it.
    pub fn overlay(&self) -> Overlay {
        let partials = self
            .open
            .values()
            .filter(|s| s.is_partial())
            .filter_map(|s| Some((s.path.clone()?, Arc::clone(&s.text))))
            .collect();
        Overlay { partials }
    }
}

/// Partials as the editor sees them: open buffers first, then disk.
#[derive(Debug, Default, Clone)]
pub struct Overlay {
    partials: HashMap<PathBuf, Arc<str>>,
}

impl Overlay {
    /// The file `{{> name}}` in the prompt at `from` resolves to, open or on disk.
    pub fn locate(&self, from: &str, name: &str) -> Option<PathBuf> {
        PartialFiles::new(Path::new(from), &[])
            .candidates(name)
            .into_iter()
            .find(|path| self.partials.contains_key(path) || path.is_file())
    }
}

impl Workspace for Overlay {
    fn partial(&self, from: &str, name: &str) -> Option<String> {
        let path = self.locate(from, name)?;
        match self.partials.get(&path) {
            Some(text) => Some(text.to_string()),
            None => promptopt_workspace::read_prompt(&path).ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn uri() -> Uri {
        "file:///w/a.prompt".parse().unwrap()
    }

    fn edit(range: ((u32, u32), (u32, u32)), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(
                Position::new(range.0.0, range.0.1),
                Position::new(range.1.0, range.1.1),
            )),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_edits_apply_in_order_in_utf16_units() {
        let mut docs = Documents::default();
        let kind = Kind::Prompt(Format::Dotprompt);
        docs.open(uri(), 1, kind, "héllo 😀 world\nline two".into());
        // Replace "world" (after an emoji of two UTF-16 units), then insert on line 2.
        let snapshot = docs
            .change(
                &uri(),
                2,
                vec![
                    edit(((0, 9), (0, 14)), "there"),
                    edit(((1, 0), (1, 0)), "> "),
                ],
            )
            .unwrap();
        assert_eq!(&*snapshot.text, "héllo 😀 there\n> line two");
        assert_eq!(snapshot.version, 2);
        assert_eq!(docs.version(&uri()), Some(2));
    }

    #[test]
    fn a_full_text_change_replaces_the_text_and_unknown_documents_are_refused() {
        let mut docs = Documents::default();
        docs.open(uri(), 1, Kind::Prompt(Format::Dotprompt), "a".into());
        let full = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "b".into(),
        };
        assert_eq!(
            &*docs.change(&uri(), 2, vec![full.clone()]).unwrap().text,
            "b"
        );
        let other: Uri = "file:///w/b.prompt".parse().unwrap();
        assert_eq!(
            docs.change(&other, 1, vec![full]).unwrap_err(),
            ChangeError::NotOpen
        );
    }

    /// LSP's rule, written out independently: a line ends before its `\n` (and a `\r` right
    /// before it); a character past the end clamps to the line's end; one inside a surrogate
    /// pair rounds down to the character's start; a line past the last clamps to the end.
    fn reference_offset(text: &str, line: u32, character: u32) -> usize {
        let mut start = 0;
        for _ in 0..line {
            match text[start..].find('\n') {
                Some(i) => start += i + 1,
                None => return text.len(),
            }
        }
        let rest = &text[start..];
        let mut end = rest.find('\n').unwrap_or(rest.len());
        if rest[..end].ends_with('\r') {
            end -= 1;
        }
        let mut units = 0;
        for (i, ch) in rest[..end].char_indices() {
            if units + ch.len_utf16() as u32 > character {
                return start + i;
            }
            units += ch.len_utf16() as u32;
        }
        start + end
    }

    fn text_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(vec!["a", "é", "😀", "\n", "\r\n", " ", "{{", "}}", "\t"]),
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    use proptest::prelude::*;

    proptest! {
        /// Any sequence of incremental edits, with positions anywhere (past line ends, inside
        /// emoji, past the last line), gives the text LSP's rules give, and never panics.
        #[test]
        fn incremental_edits_match_lsp_rules(
            initial in text_strategy(),
            edits in proptest::collection::vec(
                (0u32..6, 0u32..12, 0u32..6, 0u32..12, text_strategy()),
                1..8,
            ),
        ) {
            let mut docs = Documents::default();
            docs.open(uri(), 0, Kind::Prompt(Format::Dotprompt), initial.clone());
            let mut expected = initial;
            for (version, (l1, c1, l2, c2, insert)) in edits.into_iter().enumerate() {
                let a = reference_offset(&expected, l1, c1);
                let b = reference_offset(&expected, l2, c2);
                let (start, end) = (a.min(b), a.max(b));
                expected.replace_range(start..end, &insert);
                let snapshot = docs
                    .change(&uri(), version as i32 + 1, vec![edit(((l1, c1), (l2, c2)), &insert)])
                    .unwrap();
                prop_assert_eq!(&*snapshot.text, expected.as_str());
            }
        }
    }

    #[test]
    fn kinds_come_from_language_ids_and_file_names() {
        let p = |s: &str| Some(PathBuf::from(s));
        assert_eq!(
            Kind::detect("dotprompt", p("/x/a.txt").as_deref()),
            Some(Kind::Prompt(Format::Dotprompt))
        );
        assert_eq!(
            Kind::detect("plaintext", p("/x/a.prompty").as_deref()),
            Some(Kind::Prompt(Format::Prompty))
        );
        assert_eq!(
            Kind::detect("toml", p("/x/promptopt.toml").as_deref()),
            Some(Kind::Config)
        );
        assert_eq!(Kind::detect("markdown", p("/x/a.md").as_deref()), None);
    }
}
