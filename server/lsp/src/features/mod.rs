//! One module per LSP feature. Each answers from a [`World`]: an immutable view of one
//! document version with everything needed to read it, so features are plain functions that
//! tests call without a client.

mod at;

pub mod code_actions;
pub mod completion;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod inlay_hints;
pub mod navigation;
pub mod semantic_tokens;
pub mod signature_help;
pub mod symbols;

use std::path::PathBuf;
use std::sync::Arc;

use promptopt_core::lint::{Context, LintOptions};
use promptopt_workspace::ProjectConfig;

use crate::documents::{Overlay, Snapshot};
use crate::settings::Settings;
use crate::state::ClientSupport;

pub struct World {
    pub snapshot: Arc<Snapshot>,
    /// `None` when the project excludes the file from linting.
    pub options: Option<LintOptions>,
    /// The `promptopt.toml` that governs the file (the defaults when there is none): the
    /// engine commands read its `[provider]` and `[engine]` tables.
    pub project: Arc<ProjectConfig>,
    pub overlay: Overlay,
    /// Every open document, for features that read other files (references, rename): an
    /// unsaved buffer counts over the file on disk.
    pub open: Vec<Arc<Snapshot>>,
    pub settings: Settings,
    pub roots: Vec<PathBuf>,
    pub support: ClientSupport,
}

impl World {
    /// The facts the linter computes (variable uses, inputs, turns, partials), for features
    /// that read the template the way the rules do.
    pub fn with_context<T>(&self, read: impl FnOnce(&Context<'_>) -> T) -> T {
        let defaults = LintOptions::default();
        let options = self.options.as_ref().unwrap_or(&defaults);
        let path = self.snapshot.lint_path();
        let context = Context::new(&path, self.snapshot.file(), options, &self.overlay);
        read(&context)
    }

    /// The options in force, the defaults for an excluded file.
    pub fn options(&self) -> LintOptions {
        self.options.clone().unwrap_or_default()
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Worlds for feature tests: one document, no client.

    use super::*;
    use crate::convert::Lines;
    use crate::documents::Kind;
    use promptopt_core::lint::Format;
    use tower_lsp_server::ls_types::{Position, Uri};

    /// A world for `text` as `/w/name` (the format from the extension). A `|` marks the
    /// cursor (or `‸`, for texts that contain `|`); its position is returned and the marker
    /// removed.
    pub fn world(name: &str, text: &str) -> (World, Position) {
        let marker = if text.contains('‸') { '‸' } else { '|' };
        let (text, cursor) = match text.find(marker) {
            Some(at) => (
                format!("{}{}", &text[..at], &text[at + marker.len_utf8()..]),
                at,
            ),
            None => (text.to_string(), 0),
        };
        let uri: Uri = format!("file:///w/{name}")
            .parse()
            .expect("a valid test uri");
        let kind =
            Kind::detect("", uri.to_file_path().as_deref()).unwrap_or(Kind::Prompt(Format::Plain));
        let snapshot = Arc::new(Snapshot::new(uri, 1, kind, text.into()));
        let position = {
            let lines: Lines<'_> = snapshot.lines();
            lines.position(cursor)
        };
        let world = World {
            snapshot,
            options: Some(LintOptions::default()),
            project: Arc::new(ProjectConfig::defaults("/w".into())),
            overlay: Overlay::default(),
            open: Vec::new(),
            settings: Settings::default(),
            roots: Vec::new(),
            support: ClientSupport {
                snippets: true,
                markdown: true,
                document_changes: true,
                create_files: true,
                rename_files: true,
                ..ClientSupport::default()
            },
        };
        (world, position)
    }
}
