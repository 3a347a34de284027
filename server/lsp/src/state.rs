//! What the server keeps between requests: the open documents, settings, configs, lint
//! results and the lint scheduler, and the operations on them (scheduling and publishing
//! lints, re-linting after changes, loading settings). The protocol surface is `server.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{
    Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

use promptopt_workspace::ProjectConfig;
use serde_json::Value;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::*;

use crate::diagnostics::{self, LintResult, Next, Scheduler};
use crate::documents::{Documents, Kind, Snapshot};
use crate::features::World;
use crate::guard::answer_blocking;
use crate::project::{self, Projects};
use crate::registry::Registries;
use crate::settings::Settings;

/// A poisoned lock still holds consistent data here (every critical section is a single
/// insert or lookup), so a panic elsewhere must not take the lock down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// What the client said it supports, read once at `initialize`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ClientSupport {
    pub pull_diagnostics: bool,
    pub configuration: bool,
    pub watched_files: bool,
    pub work_done_progress: bool,
    pub snippets: bool,
    pub document_changes: bool,
    pub create_files: bool,
    pub rename_files: bool,
    pub markdown: bool,
    /// Markdown in completion items' documentation; without it they get plain strings (a
    /// client that names no `documentationFormat`, as Emacs' eglot, accepts only those).
    pub completion_markdown: bool,
}

impl ClientSupport {
    pub(crate) fn read(caps: &ClientCapabilities) -> Self {
        let text = caps.text_document.as_ref();
        let workspace = caps.workspace.as_ref();
        let edit = workspace.and_then(|w| w.workspace_edit.as_ref());
        let operations = edit
            .and_then(|e| e.resource_operations.clone())
            .unwrap_or_default();
        Self {
            // Pull only with a client that can be told to pull again: a partial or a config
            // change alters a prompt's diagnostics without an edit to it. Others get pushes.
            pull_diagnostics: text.is_some_and(|t| t.diagnostic.is_some())
                && workspace
                    .and_then(|w| w.diagnostics.as_ref())
                    .and_then(|d| d.refresh_support)
                    .unwrap_or(false),
            configuration: workspace.and_then(|w| w.configuration).unwrap_or(false),
            watched_files: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|w| w.dynamic_registration)
                .unwrap_or(false),
            work_done_progress: caps
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
            snippets: text
                .and_then(|t| t.completion.as_ref())
                .and_then(|c| c.completion_item.as_ref())
                .and_then(|i| i.snippet_support)
                .unwrap_or(false),
            document_changes: edit.and_then(|e| e.document_changes).unwrap_or(false),
            create_files: operations.contains(&ResourceOperationKind::Create),
            rename_files: operations.contains(&ResourceOperationKind::Rename),
            markdown: text
                .and_then(|t| t.hover.as_ref())
                .and_then(|h| h.content_format.as_ref())
                .is_none_or(|formats| formats.contains(&MarkupKind::Markdown)),
            completion_markdown: text
                .and_then(|t| t.completion.as_ref())
                .and_then(|c| c.completion_item.as_ref())
                .and_then(|i| i.documentation_format.as_ref())
                .is_some_and(|formats| formats.contains(&MarkupKind::Markdown)),
        }
    }
}

/// Everything the server keeps between requests. Locks are held only for a lookup or an
/// insert, never across an `.await`.
pub struct State {
    pub(crate) client: Client,
    pub(crate) documents: RwLock<Documents>,
    pub(crate) settings: RwLock<Settings>,
    pub(crate) projects: Mutex<Projects>,
    pub(crate) results: Mutex<HashMap<Uri, Arc<LintResult>>>,
    pub(crate) scheduler: Scheduler,
    pub(crate) support: OnceLock<ClientSupport>,
    pub(crate) roots: RwLock<Vec<PathBuf>>,
    pub(crate) shut_down: Arc<AtomicBool>,
    /// Bumped whenever results change without an edit (settings, a config, a partial), so a
    /// pulling client never keeps a report from before the change.
    pub(crate) generation: AtomicU64,
    /// The projects' stores, opened on first use.
    pub(crate) registries: Arc<Registries>,
}

impl State {
    pub(crate) fn new(client: Client, shut_down: Arc<AtomicBool>) -> Self {
        State {
            client,
            documents: RwLock::default(),
            settings: RwLock::default(),
            projects: Mutex::default(),
            results: Mutex::default(),
            scheduler: Scheduler::default(),
            support: OnceLock::new(),
            roots: RwLock::default(),
            shut_down,
            generation: AtomicU64::new(0),
            registries: Arc::default(),
        }
    }

    pub(crate) fn support(&self) -> ClientSupport {
        self.support.get().copied().unwrap_or_default()
    }

    pub(crate) fn snapshot(&self, uri: &Uri) -> Option<Arc<Snapshot>> {
        read(&self.documents).get(uri)
    }

    /// The immutable view a feature answers from.
    pub(crate) fn world(&self, uri: &Uri) -> Option<World> {
        let snapshot = self.snapshot(uri)?;
        let settings = read(&self.settings).clone();
        let roots = read(&self.roots).clone();
        let config = self.project_for(snapshot.path.as_deref());
        let options = project::options_for(
            &config,
            &settings,
            snapshot.path.as_deref(),
            snapshot.format(),
        );
        let (overlay, open) = {
            let documents = read(&self.documents);
            (documents.overlay(), documents.all().cloned().collect())
        };
        Some(World {
            snapshot,
            options,
            project: config,
            overlay,
            open,
            settings,
            roots,
            support: self.support(),
        })
    }

    /// The project config governing a file at `path` (none: an unsaved buffer, which gets the
    /// defaults rooted at the first workspace folder).
    pub(crate) fn project_for(&self, path: Option<&Path>) -> Arc<ProjectConfig> {
        let settings = read(&self.settings).clone();
        let root = read(&self.roots).first().cloned();
        lock(&self.projects).config_for(path, &settings, root.as_deref())
    }

    /// The lint result for the world's version: the cached one when current, else a fresh run.
    pub(crate) fn result(&self, world: &World) -> Arc<LintResult> {
        let cached = lock(&self.results).get(&world.snapshot.uri).cloned();
        if let Some(result) = cached.filter(|r| r.version == world.snapshot.version) {
            return result;
        }
        let result = Arc::new(self.lint_world(world));
        self.keep_if_current(&world.snapshot.uri, &result);
        result
    }

    fn lint_world(&self, world: &World) -> LintResult {
        if !world.settings.lint.enable {
            return LintResult {
                version: world.snapshot.version,
                findings: Vec::new(),
                diagnostics: Vec::new(),
            };
        }
        diagnostics::lint(&world.snapshot, world.options.as_ref(), &world.overlay)
    }

    /// Caches a result if its version is still the document's; returns whether it was.
    fn keep_if_current(&self, uri: &Uri, result: &Arc<LintResult>) -> bool {
        // Under the documents lock: a close (which takes it to write) cannot slip between the
        // check and the insert and leave a closed document's result behind.
        let documents = read(&self.documents);
        let current = documents.version(uri) == Some(result.version);
        if current {
            lock(&self.results).insert(uri.clone(), Arc::clone(result));
        }
        current
    }

    /// Asks for a lint of the document's current version, off the request path.
    pub(crate) fn schedule(self: &Arc<Self>, uri: Uri, version: i32) {
        if self.support().pull_diagnostics {
            // The client pulls; it is told to pull again when something it can't see changed.
            return;
        }
        if self.scheduler.request(&uri, version) == Next::Start {
            let state = Arc::clone(self);
            tokio::spawn(async move { state.lint_loop(uri).await });
        }
    }

    async fn lint_loop(self: Arc<Self>, uri: Uri) {
        loop {
            let state = Arc::clone(&self);
            let target = uri.clone();
            let outcome = answer_blocking("lint", move || {
                let world = state.world(&target)?;
                let result = Arc::new(state.lint_world(&world));
                state.keep_if_current(&target, &result).then_some(result)
            })
            .await;
            if let Ok(Some(result)) = outcome {
                // Checked again right before sending: an edit may have landed meanwhile.
                if read(&self.documents).version(&uri) == Some(result.version) {
                    self.client
                        .publish_diagnostics(
                            uri.clone(),
                            result.diagnostics.clone(),
                            Some(result.version),
                        )
                        .await;
                    // Closed while that was on its way: the close's empty list went first,
                    // so clear again rather than leave diagnostics for a closed file.
                    if read(&self.documents).version(&uri).is_none() {
                        self.client
                            .publish_diagnostics(uri.clone(), Vec::new(), None)
                            .await;
                    }
                }
            }
            if self.scheduler.finished(&uri).is_none() {
                break;
            }
        }
    }

    /// Re-lints every open document (settings or a config changed), or tells a pulling
    /// client to pull again.
    pub(crate) async fn relint_all(self: &Arc<Self>) {
        lock(&self.results).clear();
        self.generation.fetch_add(1, Ordering::SeqCst);
        if self.support().pull_diagnostics {
            let _ = self.client.workspace_diagnostic_refresh().await;
            return;
        }
        let open: Vec<(Uri, i32)> = read(&self.documents)
            .all()
            .map(|s| (s.uri.clone(), s.version))
            .collect();
        for (uri, version) in open {
            self.schedule(uri, version);
        }
    }

    /// A partial changed: the prompts that may include it are linted again.
    pub(crate) async fn relint_includers(self: &Arc<Self>, changed: &Uri) {
        let includers: Vec<(Uri, i32)> = read(&self.documents)
            .all()
            .filter(|s| {
                &s.uri != changed && s.kind == Kind::Prompt(promptopt_core::lint::Format::Dotprompt)
            })
            .map(|s| (s.uri.clone(), s.version))
            .collect();
        if includers.is_empty() {
            return;
        }
        {
            let mut results = lock(&self.results);
            for (uri, _) in &includers {
                results.remove(uri);
            }
        }
        self.generation.fetch_add(1, Ordering::SeqCst);
        if self.support().pull_diagnostics {
            let _ = self.client.workspace_diagnostic_refresh().await;
            return;
        }
        for (uri, version) in includers {
            self.schedule(uri, version);
        }
    }

    pub(crate) async fn load_settings(&self, from_initialize: Option<Value>) {
        let value = match from_initialize {
            Some(value) => Some(value),
            None if self.support().configuration => self
                .client
                .configuration(vec![ConfigurationItem {
                    scope_uri: None,
                    section: Some("promptopt".to_string()),
                }])
                .await
                .ok()
                .and_then(|mut values| values.pop())
                // A client with no `promptopt` section answers null: keep what we have
                // (the initializationOptions), don't reset to the defaults.
                .filter(|value| !value.is_null()),
            None => None,
        };
        let Some(value) = value else {
            return;
        };
        let (settings, problems) = Settings::from_json(&value);
        *write(&self.settings) = settings;
        lock(&self.projects).invalidate();
        for problem in problems {
            tracing::warn!(%problem, "settings");
            self.client
                .show_message(MessageType::WARNING, problem)
                .await;
        }
    }
}

/// Lints each rule's own bad example once, so every pattern a rule compiles on first use is
/// ready before the user's first edit.
pub(crate) fn warm_up_linter() {
    use promptopt_core::lint::{Level, LintOptions};
    // token-budget's example is over its model's window: counting it would load a vocabulary.
    let options = LintOptions {
        levels: [("token-budget".to_string(), Level::Off)].into(),
        ..LintOptions::default()
    };
    for rule in promptopt_core::lint::rules::all() {
        let _ = std::panic::catch_unwind(|| {
            promptopt_core::lint::lint_source(
                "warm-up.prompt",
                rule.docs.bad,
                promptopt_core::lint::Format::Dotprompt,
                &options,
                &promptopt_core::lint::NoWorkspace,
            )
        });
    }
}
