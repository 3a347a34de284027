//! The protocol surface: capabilities, the document lifecycle, configuration, and dispatch of
//! each request to its feature module over an immutable [`World`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::commands;
use crate::diagnostics;
use crate::documents::{Kind, Snapshot};
use crate::features::{self, World};
use crate::guard::{answer, answer_blocking};
use crate::state::{ClientSupport, State, lock, read, warm_up_linter, write};

pub struct Server {
    state: Arc<State>,
}

impl Server {
    pub fn new(client: Client, shut_down: Arc<AtomicBool>) -> Self {
        Self {
            state: Arc::new(State::new(client, shut_down)),
        }
    }
}

fn capabilities(support: ClientSupport) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        // Advertised only to clients we answer in pull mode: a client that pulls and is also
        // pushed to would show every diagnostic twice.
        diagnostic_provider: support.pull_diagnostics.then(|| {
            DiagnosticServerCapabilities::Options(DiagnosticOptions {
                identifier: Some(diagnostics::SOURCE.to_string()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })
        }),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(features::code_actions::KINDS.to_vec()),
            resolve_provider: Some(false),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(
                ["{", ".", "@", ">", "\"", " ", "#", ":"]
                    .map(String::from)
                    .to_vec(),
            ),
            ..CompletionOptions::default()
        }),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(vec![" ".to_string()]),
            retrigger_characters: None,
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        document_highlight_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: features::semantic_tokens::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: Some(true),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        inlay_hint_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: commands::ALL.iter().map(|c| c.to_string()).collect(),
            work_done_progress_options: WorkDoneProgressOptions {
                work_done_progress: Some(true),
            },
        }),
        ..ServerCapabilities::default()
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let state = &self.state;
        let _ = state.support.set(ClientSupport::read(&params.capabilities));
        let roots: Vec<PathBuf> = params
            .workspace_folders
            .unwrap_or_default()
            .iter()
            .filter_map(|folder| folder.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        *write(&state.roots) = roots;
        if let Some(options) = params.initialization_options {
            state.load_settings(Some(options)).await;
        }
        Ok(InitializeResult {
            capabilities: capabilities(state.support()),
            server_info: Some(ServerInfo {
                name: "promptopt".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let state = &self.state;
        if state.support().watched_files {
            let watchers = ["**/promptopt.toml", "**/_*.prompt"]
                .map(|glob| FileSystemWatcher {
                    glob_pattern: GlobPattern::String(glob.to_string()),
                    kind: None,
                })
                .to_vec();
            let registration = Registration {
                id: "promptopt-watch".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                    watchers,
                })
                .ok(),
            };
            if let Err(error) = state.client.register_capability(vec![registration]).await {
                tracing::warn!(%error, "the client refused to watch promptopt.toml");
            }
        }
        state.load_settings(None).await;
        // Documents opened while the settings were on their way were linted without them.
        self.state.relint_all().await;
        // Build the rules' lazily compiled patterns before the first keystroke needs them, off
        // every request path. (The tokenizer's vocabulary, ~47 MB, still loads only when a
        // token count is first asked for.)
        std::thread::spawn(warm_up_linter);
        tracing::info!("promptopt language server ready");
    }

    async fn shutdown(&self) -> Result<()> {
        self.state.shut_down.store(true, Ordering::SeqCst);
        // Finish the registry's writes and sign its logs' heads before the process goes.
        let registries = Arc::clone(&self.state.registries);
        let _ = tokio::task::spawn_blocking(move || registries.close_all()).await;
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let path = doc.uri.to_file_path().map(|p| p.into_owned());
        let kind = Kind::detect(&doc.language_id, path.as_deref())
            .unwrap_or(Kind::Prompt(promptopt_core::lint::Format::Plain));
        let snapshot =
            write(&self.state.documents).open(doc.uri.clone(), doc.version, kind, doc.text);
        self.state.schedule(doc.uri.clone(), doc.version);
        if snapshot.is_partial() {
            self.state.relint_includers(&doc.uri).await;
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let changed = write(&self.state.documents).change(&uri, version, params.content_changes);
        match changed {
            Ok(snapshot) => {
                self.state.schedule(uri.clone(), version);
                // A config takes effect when saved (the CLI reads it from disk too).
                if snapshot.is_partial() {
                    self.state.relint_includers(&uri).await;
                }
            }
            Err(_) => tracing::warn!(
                uri = uri.as_str(),
                "a change for a document that is not open was ignored"
            ),
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        let Some(snapshot) = self.state.snapshot(&uri) else {
            return;
        };
        match snapshot.kind {
            Kind::Config => {
                lock(&self.state.projects).invalidate();
                self.state.relint_all().await;
            }
            Kind::Prompt(_) => {
                let record =
                    snapshot.path.is_some() && read(&self.state.settings).registry.record_on_save;
                // The world as saved now: by the time the record runs, the buffer may have moved on.
                if let Some(world) = record.then(|| self.state.world(&uri)).flatten() {
                    // Off the notification path: the next message is served meanwhile.
                    let state = Arc::clone(&self.state);
                    tokio::spawn(async move { commands::record_save(&state, world).await });
                }
            }
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let closed = {
            let mut documents = write(&self.state.documents);
            lock(&self.state.results).remove(&uri);
            documents.close(&uri)
        };
        if !self.state.support().pull_diagnostics {
            self.state
                .client
                .publish_diagnostics(uri.clone(), Vec::new(), None)
                .await;
        }
        if closed.is_some_and(|s| s.is_partial()) {
            self.state.relint_includers(&uri).await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let pushed = (!params.settings.is_null()).then_some(params.settings);
        let from_push = pushed.filter(|_| !self.state.support().configuration);
        self.state.load_settings(from_push).await;
        self.state.relint_all().await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let mut config_changed = false;
        let mut partial_changed = None;
        for change in &params.changes {
            let path = change.uri.path().as_str();
            if path.ends_with(promptopt_core::lint::CONFIG_FILE) {
                config_changed = true;
            } else if path.rsplit('/').next().is_some_and(|n| n.starts_with('_')) {
                partial_changed = Some(change.uri.clone());
            }
        }
        if config_changed {
            lock(&self.state.projects).invalidate();
            self.state.relint_all().await;
        } else if let Some(uri) = partial_changed {
            self.state.relint_includers(&uri).await;
        }
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let state = Arc::clone(&self.state);
        let uri = params.text_document.uri;
        let previous = params.previous_result_id;
        answer_blocking("textDocument/diagnostic", move || {
            let report = match state.world(&uri) {
                Some(world) => {
                    // Read before linting: a change during the lint gets a newer id next time.
                    let generation = state.generation.load(Ordering::SeqCst);
                    let result = state.result(&world);
                    let id = format!("{generation}:{}", result.version);
                    if previous.as_deref() == Some(id.as_str()) {
                        DocumentDiagnosticReport::Unchanged(
                            RelatedUnchangedDocumentDiagnosticReport {
                                related_documents: None,
                                unchanged_document_diagnostic_report:
                                    UnchangedDocumentDiagnosticReport { result_id: id },
                            },
                        )
                    } else {
                        full_report(Some(id), result.diagnostics.clone())
                    }
                }
                None => full_report(None, Vec::new()),
            };
            DocumentDiagnosticReportResult::Report(report)
        })
        .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let state = Arc::clone(&self.state);
        let uri = params.text_document.uri.clone();
        self.on_document_blocking(&uri, "textDocument/codeAction", move |world| {
            let result = state.result(world);
            features::code_actions::code_actions(world, &result, &params)
        })
        .await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let state = Arc::clone(&self.state);
        let at = params.text_document_position_params;
        // Blocking: the diagnostics section may need a lint of a version not linted yet.
        self.on_document_blocking(&at.text_document.uri, "textDocument/hover", move |world| {
            let result = state.result(world);
            features::hover::hover(world, &result, at.position)
        })
        .await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        self.on_document(&at.text_document.uri, "textDocument/completion", |world| {
            features::completion::completion(world, at.position)
        })
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let at = params.text_document_position_params;
        self.on_document(
            &at.text_document.uri,
            "textDocument/signatureHelp",
            |world| features::signature_help::signature_help(world, at.position),
        )
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        self.on_document(&at.text_document.uri, "textDocument/definition", |world| {
            features::navigation::definition(world, at.position)
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        let include_declaration = params.context.include_declaration;
        // Blocking: partial references read the workspace.
        self.on_document_blocking(
            &at.text_document.uri,
            "textDocument/references",
            move |world| features::navigation::references(world, at.position, include_declaration),
        )
        .await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.on_document(
            &params.text_document.uri,
            "textDocument/prepareRename",
            |world| features::navigation::prepare_rename(world, params.position),
        )
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let Some(world) = self
            .state
            .world(&params.text_document_position.text_document.uri)
        else {
            return Ok(None);
        };
        let position = params.text_document_position.position;
        let new_name = params.new_name;
        // Blocking, and its own error: an invalid new name is answered with why.
        answer_blocking("textDocument/rename", move || {
            features::navigation::rename(&world, position, &new_name)
        })
        .await?
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let at = params.text_document_position_params;
        self.on_document(
            &at.text_document.uri,
            "textDocument/documentHighlight",
            |world| features::navigation::highlight(world, at.position),
        )
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.on_document(
            &params.text_document.uri,
            "textDocument/documentSymbol",
            features::symbols::document_symbols,
        )
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let roots = read(&self.state.roots).clone();
        let open: Vec<Arc<Snapshot>> = read(&self.state.documents).all().cloned().collect();
        answer_blocking("workspace/symbol", move || {
            features::symbols::workspace_symbols(&roots, &open, &params.query)
        })
        .await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.on_document(
            &params.text_document.uri,
            "textDocument/foldingRange",
            features::folding::folding_ranges,
        )
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.on_document(
            &params.text_document.uri,
            "textDocument/semanticTokens/full",
            |world| {
                features::semantic_tokens::tokens(world, None).map(SemanticTokensResult::Tokens)
            },
        )
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        self.on_document(
            &params.text_document.uri,
            "textDocument/semanticTokens/range",
            |world| {
                features::semantic_tokens::tokens(world, Some(params.range))
                    .map(SemanticTokensRangeResult::Tokens)
            },
        )
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        // Blocking: counting a long prompt's tokens takes milliseconds.
        let range = params.range;
        self.on_document_blocking(
            &params.text_document.uri,
            "textDocument/inlayHint",
            move |world| features::inlay_hints::inlay_hints(world, range),
        )
        .await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        self.on_document(
            &params.text_document.uri,
            "textDocument/formatting",
            features::formatting::format,
        )
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        commands::execute(&self.state, params).await
    }
}

impl Server {
    /// Answers a request about one document from its [`World`]: null when it is not open, an
    /// internal error (and the server goes on) when the feature panics.
    fn on_document<T>(
        &self,
        uri: &Uri,
        request: &str,
        work: impl FnOnce(&World) -> Option<T>,
    ) -> Result<Option<T>> {
        match self.state.world(uri) {
            Some(world) => answer(request, || work(&world)),
            None => Ok(None),
        }
    }

    /// [`Self::on_document`] on the blocking pool, for features that lint, count tokens or
    /// read the workspace.
    async fn on_document_blocking<T: Send + 'static>(
        &self,
        uri: &Uri,
        request: &'static str,
        work: impl FnOnce(&World) -> Option<T> + Send + 'static,
    ) -> Result<Option<T>> {
        match self.state.world(uri) {
            Some(world) => answer_blocking(request, move || work(&world)).await,
            None => Ok(None),
        }
    }
}

fn full_report(result_id: Option<String>, items: Vec<Diagnostic>) -> DocumentDiagnosticReport {
    DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
        related_documents: None,
        full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id, items },
    })
}
