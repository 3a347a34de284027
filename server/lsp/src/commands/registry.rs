//! The registry's commands: save a version, a prompt's history, feedback, rollback,
//! annotations and favorites, review gating, drift alerts. Each answers with the JSON the CLI
//! prints with `--json`. Commands on a document act on its buffer: it is recorded as a version
//! first when it differs from the head, so what is rated or rolled back is what the user sees
//! and an unsaved edit is never lost.
//!
//! The store's work runs on its own writer thread; what runs here is reading the arguments,
//! naming the prompt (a parse, on the blocking pool) and mapping the store's errors.

use std::collections::HashMap;
use std::sync::Arc;

use promptopt_core::text::LineIndex;
use promptopt_engine::evaluate::PromptEvalResult;
use promptopt_engine::generate::PromptCandidateList;
use promptopt_engine::record::{self, Subject};
use promptopt_engine::refine::RefineResult;
use promptopt_store::{
    Alert, Annotation, Approval, Deployment, FeedbackPayload, Label, Override, PromptId, Rating,
    Repository, ReviewRequest, RollbackRequest, Series, StoreError, VersionId, prompt_history,
    validate,
};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::{
    DocumentChanges, MessageType, OneOf, OptionalVersionedTextDocumentIdentifier, Position, Range,
    TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};

use super::engine::{Prompt, object_argument, parse, to_json};
use super::{invalid, not_open};
use crate::convert::Lines;
use crate::features::World;
use crate::guard::answer_blocking;
use crate::registry::{Create, Registry};
use crate::state::{State, read};

/// The application error code for an action a review rule refused (the refusal is recorded).
pub const DENIED: i64 = -32003;

const SAVE_SHAPE: &str = r#"{"uri": "file:///…", "message"?: "…"}"#;
const FEEDBACK_SHAPE: &str =
    r#"{"uri": "file:///…", "score": 1-5, "notes"?: "…", "versionId"?: "…"}"#;
const ROLLBACK_SHAPE: &str =
    r#"{"uri": "file:///…", "reason": "…", "to"?: "<version id>", "override"?: "reason"}"#;
const ANNOTATE_SHAPE: &str =
    r#"{"uri": "file:///…", "note": "…", "versionId"?: "…", "lines"?: [first, last]}"#;
const FAVORITE_SHAPE: &str = r#"{"uri": "file:///…", "versionId": "…", "favorite": true|false}"#;
const REVIEW_SHAPE: &str = r#"{"uri": "file:///…", "note"?: "…"}"#;
const APPROVE_SHAPE: &str =
    r#"{"uri": "file:///…", "versionId"?: "…", "note"?: "…", "override"?: "reason"}"#;
const DEPLOY_SHAPE: &str = r#"{"uri": "file:///…", "versionId"?: "…", "label"?: "production", "deployRef"?: "…", "override"?: "reason"}"#;
const URI_SHAPE: &str = r#"{"uri": "file:///…"}"#;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SaveArgs {
    uri: Uri,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FeedbackArgs {
    uri: Uri,
    score: u8,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    version_id: Option<VersionId>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RollbackArgs {
    uri: Uri,
    reason: String,
    #[serde(default)]
    to: Option<VersionId>,
    #[serde(default, rename = "override")]
    override_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AnnotateArgs {
    uri: Uri,
    note: String,
    #[serde(default)]
    version_id: Option<VersionId>,
    #[serde(default)]
    lines: Option<(u32, u32)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FavoriteArgs {
    uri: Uri,
    version_id: VersionId,
    favorite: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReviewArgs {
    uri: Uri,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ApproveArgs {
    uri: Uri,
    #[serde(default)]
    version_id: Option<VersionId>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default, rename = "override")]
    override_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeployArgs {
    uri: Uri,
    #[serde(default)]
    version_id: Option<VersionId>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    deploy_ref: Option<String>,
    #[serde(default, rename = "override")]
    override_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UriArgs {
    uri: Uri,
}

/// An open prompt, named in its project's registry.
struct Opened {
    registry: Registry,
    prompt_id: PromptId,
    source: String,
    /// The buffer's version `source` is from.
    version: i32,
    score: f64,
}

impl Opened {
    fn subject(&self) -> Subject<'_> {
        Subject {
            prompt_id: &self.prompt_id,
            user: &self.registry.user,
            source: &self.source,
            score: self.score,
        }
    }

    /// `given` (one of this prompt's versions), else the buffer as recorded.
    async fn version_or_save(&self, given: Option<VersionId>) -> Result<VersionId> {
        self.subject()
            .version_or_save(&self.registry.store, given)
            .await
            .map_err(store_error)
    }

    /// `given` (one of this prompt's versions), else the head, which must hold the buffer.
    async fn version_or_head(&self, given: Option<VersionId>) -> Result<VersionId> {
        let subject = self.subject();
        let store = &self.registry.store;
        let found = match given {
            Some(id) => subject.check_version(store, id).await.map(|()| id),
            None => subject.recorded_head(store).await,
        };
        found.map_err(store_error)
    }

    /// Record the buffer as a version when it differs from the head; its version id.
    async fn save(&self, message: Option<String>) -> Result<VersionId> {
        let saved = self
            .subject()
            .save(&self.registry.store, message)
            .await
            .map_err(store_error)?;
        Ok(saved.version().id)
    }
}

/// The open document at `uri`, its project's registry (created if needed) and its prompt id.
async fn open(state: &State, uri: &Uri, request: &'static str) -> Result<Opened> {
    open_if(state, uri, Create::Yes, request)
        .await?
        .ok_or_else(|| invalid("the registry cannot be opened"))
}

/// As [`open`], but `None` when `create` is [`Create::IfUsed`] and the project has no registry.
async fn open_if(
    state: &State,
    uri: &Uri,
    create: Create,
    request: &'static str,
) -> Result<Option<Opened>> {
    let world = state.world(uri).ok_or_else(|| not_open(uri))?;
    let version = world.snapshot.version;
    let prompt = Prompt::from_world(&world)?;
    name(state, prompt, version, create, request).await
}

/// `prompt`'s project registry (per `create`) and its name there. Blocking work (opening the
/// store, parsing and scoring the prompt) runs on the blocking pool.
async fn name(
    state: &State,
    prompt: Prompt,
    version: i32,
    create: Create,
    request: &'static str,
) -> Result<Option<Opened>> {
    let settings = read(&state.settings).registry.clone();
    let registries = Arc::clone(&state.registries);
    answer_blocking(request, move || -> Result<Option<Opened>> {
        let Some(registry) = registries
            .open(&prompt.project, &settings, create)
            .map_err(store_error)?
        else {
            return Ok(None);
        };
        let (id, score) = prompt.with_input(&prompt.source, |input| {
            (input.id(), input.assess().rubric.score)
        });
        let prompt_id = PromptId::new(id)
            .map_err(|e| invalid(format!("this prompt cannot be named in the registry: {e}")))?;
        Ok(Some(Opened {
            registry,
            prompt_id,
            source: prompt.source,
            version,
            score,
        }))
    })
    .await?
}

/// Record a saved prompt as a version (when its content changed): the text as it was saved,
/// not as it is by the time this runs. Saves of one document are recorded in order, and one
/// overtaken by a later save is skipped. Failures are logged and shown once: a save must never
/// fail because of the registry.
pub(crate) async fn record_save(state: &State, world: World) {
    let uri = world.snapshot.uri.clone();
    let version = world.snapshot.version;
    let mut recorded = state.registries.saves().lock().await;
    if recorded.get(&uri).is_some_and(|last| *last >= version) {
        return;
    }
    let outcome = async {
        let prompt = Prompt::from_world(&world)?;
        let opened = name(state, prompt, version, Create::Yes, "didSave")
            .await?
            .ok_or_else(|| invalid("the registry cannot be opened"))?;
        opened
            .subject()
            .save(&opened.registry.store, None)
            .await
            .map_err(store_error)
    }
    .await;
    if outcome.is_ok() {
        recorded.insert(uri, version);
    }
    drop(recorded);
    match outcome {
        Ok(promptopt_store::Saved::Created { version }) => {
            tracing::info!(prompt = %version.prompt_id, version = %version.id, "recorded a version on save");
        }
        Ok(promptopt_store::Saved::Unchanged { .. }) => {}
        Err(error) => {
            tracing::warn!(message = %error.message, "could not record the saved prompt");
            if state.registries.first_failure() {
                state
                    .client
                    .show_message(
                        MessageType::WARNING,
                        format!(
                            "PromptOpt could not record this save in the registry: {}. Versions are not being kept until this is fixed (or set promptopt.registry.recordOnSave to false).",
                            error.message
                        ),
                    )
                    .await;
            }
        }
    }
}

/// Keeps an engine command's result in the prompt's registry when the project uses one. A
/// failure to record is logged, never the command's failure.
pub(super) struct Recorder {
    prompt: Prompt,
}

impl Recorder {
    pub(super) fn new(prompt: &Prompt) -> Self {
        Self {
            prompt: prompt.clone(),
        }
    }

    async fn opened(self, state: &State, request: &'static str) -> Option<Opened> {
        match name(state, self.prompt, 0, Create::IfUsed, request).await {
            Ok(opened) => opened,
            Err(error) => {
                tracing::warn!(message = %error.message, "cannot record the result in the registry");
                None
            }
        }
    }

    pub(super) async fn evaluation(self, state: &State, result: &PromptEvalResult) {
        let Some(opened) = self.opened(state, super::EVALUATE).await else {
            return;
        };
        match record::evaluation(&opened.registry.store, &opened.subject(), result).await {
            Ok(recorded) => announce(state, recorded.alert.as_ref()).await,
            Err(error) => log_failure("evaluation", Some(error)),
        }
    }

    /// The registry's version ids of `list`'s candidates, in order, when they were recorded.
    pub(super) async fn candidates(
        self,
        state: &State,
        template_id: Option<&str>,
        list: &PromptCandidateList,
    ) -> Option<Vec<VersionId>> {
        let opened = self.opened(state, super::GENERATE).await?;
        let store = &opened.registry.store;
        match record::candidates(store, &opened.subject(), template_id, list).await {
            Ok(versions) => Some(versions.into_iter().map(|v| v.id).collect()),
            Err(error) => {
                log_failure("candidates", Some(error));
                None
            }
        }
    }

    /// The refinement is not applied by the command (the client applies it, or not): it is kept
    /// as a candidate; saving the applied buffer records it as the head.
    pub(super) async fn refinement(self, state: &State, result: &RefineResult) {
        let Some(opened) = self.opened(state, super::REFINE).await else {
            return;
        };
        let store = &opened.registry.store;
        let recorded = record::refinement(store, &opened.subject(), result, false).await;
        log_failure("refinement", recorded.err());
    }
}

/// A drift alert the command raised, shown to the user as well as answered: QA hears of a
/// quality shift where they work.
async fn announce(state: &State, alert: Option<&Alert>) {
    let Some(alert) = alert else {
        return;
    };
    let message = format!(
        "PromptOpt: `{}` drifted: its {} went {} from {:.2} to {:.2} ({} observations). See promptopt.alerts or `promptopt alerts`.",
        alert.prompt_id,
        match alert.series {
            Series::EvaluationScore => "evaluation scores",
            Series::FeedbackRating => "feedback ratings",
        },
        alert.direction.as_str(),
        alert.baseline,
        alert.recent,
        alert.observations
    );
    state
        .client
        .show_message(MessageType::WARNING, message)
        .await;
}

fn log_failure(what: &str, error: Option<StoreError>) {
    if let Some(error) = error {
        tracing::warn!(%error, "could not record the {what} in the registry");
    }
}

pub(super) async fn save(state: &State, arguments: &[Value]) -> Result<Value> {
    let args: SaveArgs = parse(object_argument(arguments, SAVE_SHAPE)?, SAVE_SHAPE)?;
    let opened = open(state, &args.uri, super::SAVE).await?;
    let saved = opened
        .subject()
        .save(&opened.registry.store, args.message)
        .await
        .map_err(store_error)?;
    to_json(&saved)
}

pub(super) async fn history(state: &State, arguments: &[Value]) -> Result<Value> {
    let args: UriArgs = parse(object_argument(arguments, URI_SHAPE)?, URI_SHAPE)?;
    let Some(opened) = open_if(state, &args.uri, Create::IfUsed, super::HISTORY).await? else {
        // A project that never recorded anything: an empty history, not an error.
        return Ok(
            json!({ "head": null, "labels": [], "versions": [], "events": [], "alerts": [], "favorites": [] }),
        );
    };
    let registry = &opened.registry;
    let history = prompt_history(&registry.store, &opened.prompt_id, &registry.user)
        .await
        .map_err(store_error)?;
    to_json(&history)
}

pub(super) async fn feedback(state: &State, arguments: &[Value]) -> Result<Value> {
    let args: FeedbackArgs = parse(object_argument(arguments, FEEDBACK_SHAPE)?, FEEDBACK_SHAPE)?;
    let score = Rating::new(args.score).map_err(invalid)?;
    // Checked before the buffer is saved: refused feedback records nothing.
    validate::note("notes", args.notes.as_deref()).map_err(store_error)?;
    let opened = open(state, &args.uri, super::FEEDBACK).await?;
    let version_id = opened.version_or_save(args.version_id).await?;
    let recorded = opened
        .registry
        .store
        .submit_feedback(FeedbackPayload {
            prompt_id: opened.prompt_id.clone(),
            user: opened.registry.user.clone(),
            score,
            notes: args.notes,
            version_id: Some(version_id),
        })
        .await
        .map_err(store_error)?;
    announce(state, recorded.alert.as_ref()).await;
    to_json(&recorded)
}

/// Restore an earlier version, then put its content in the editor's buffer (the user saves it,
/// or undoes the edit, as with any other change).
pub(super) async fn rollback(state: &State, arguments: &[Value]) -> Result<Value> {
    let args: RollbackArgs = parse(object_argument(arguments, ROLLBACK_SHAPE)?, ROLLBACK_SHAPE)?;
    // Checked before the buffer is saved: a refused rollback records nothing.
    promptopt_store::validate::reason(&args.reason).map_err(store_error)?;
    let opened = open(state, &args.uri, super::ROLLBACK).await?;
    if let Some(to) = args.to {
        let store = &opened.registry.store;
        opened
            .subject()
            .check_version(store, to)
            .await
            .map_err(store_error)?;
    }
    opened.save(Some("saved before a rollback".into())).await?;
    let rolled = opened
        .registry
        .store
        .rollback(RollbackRequest {
            prompt_id: opened.prompt_id.clone(),
            to: args.to,
            user: opened.registry.user.clone(),
            reason: args.reason,
            override_rules: args.override_reason.map(|reason| Override { reason }),
        })
        .await
        .map_err(store_error)?;
    let applied = replace_buffer(state, &args.uri, &opened, &rolled.version.content).await;
    let mut answer = to_json(&rolled)?;
    answer["applied"] = json!(applied);
    Ok(answer)
}

/// Replace the whole buffer through `workspace/applyEdit`; whether the editor applied it. With
/// a client that takes versioned edits, an edit made after the rollback began is not clobbered:
/// the editor refuses the stale edit instead.
async fn replace_buffer(state: &State, uri: &Uri, opened: &Opened, new: &str) -> bool {
    let index = LineIndex::new(&opened.source);
    let lines = Lines::new(&opened.source, &index);
    let edit = TextEdit {
        range: Range::new(Position::new(0, 0), lines.position(opened.source.len())),
        new_text: new.to_owned(),
    };
    let edit = if state.support().document_changes {
        WorkspaceEdit {
            document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version: Some(opened.version),
                },
                edits: vec![OneOf::Left(edit)],
            }])),
            ..WorkspaceEdit::default()
        }
    } else {
        WorkspaceEdit::new(HashMap::from([(uri.clone(), vec![edit])]))
    };
    match state.client.apply_edit(edit).await {
        Ok(response) => response.applied,
        Err(error) => {
            tracing::warn!(%error, "the editor did not apply the rollback's edit");
            false
        }
    }
}

pub(super) async fn annotate(state: &State, arguments: &[Value]) -> Result<Value> {
    let args: AnnotateArgs = parse(object_argument(arguments, ANNOTATE_SHAPE)?, ANNOTATE_SHAPE)?;
    if args.note.trim().is_empty() {
        return Err(invalid("an annotation needs a note"));
    }
    validate::note("note", Some(&args.note)).map_err(store_error)?;
    let opened = open(state, &args.uri, super::ANNOTATE).await?;
    let version_id = opened.version_or_save(args.version_id).await?;
    let event_id = opened
        .registry
        .store
        .annotate(Annotation {
            version_id,
            user: opened.registry.user.clone(),
            note: args.note,
            lines: args.lines,
        })
        .await
        .map_err(store_error)?;
    Ok(json!({ "eventId": event_id, "versionId": version_id }))
}

pub(super) async fn favorite(state: &State, arguments: &[Value]) -> Result<Value> {
    let args: FavoriteArgs = parse(object_argument(arguments, FAVORITE_SHAPE)?, FAVORITE_SHAPE)?;
    let opened = open(state, &args.uri, super::FAVORITE).await?;
    let registry = &opened.registry;
    registry
        .store
        .set_favorite(args.version_id, registry.user.clone(), args.favorite)
        .await
        .map_err(store_error)?;
    Ok(json!({ "versionId": args.version_id, "favorite": args.favorite }))
}

pub(super) async fn review(state: &State, arguments: &[Value]) -> Result<Value> {
    let args: ReviewArgs = parse(object_argument(arguments, REVIEW_SHAPE)?, REVIEW_SHAPE)?;
    let opened = open(state, &args.uri, super::REVIEW).await?;
    let version_id = opened.save(None).await?;
    let version = opened
        .registry
        .store
        .request_review(ReviewRequest {
            version_id,
            user: opened.registry.user.clone(),
            note: args.note,
        })
        .await
        .map_err(store_error)?;
    to_json(&version)
}

pub(super) async fn approve(state: &State, arguments: &[Value]) -> Result<Value> {
    let args: ApproveArgs = parse(object_argument(arguments, APPROVE_SHAPE)?, APPROVE_SHAPE)?;
    let opened = open(state, &args.uri, super::APPROVE).await?;
    let version_id = opened.version_or_head(args.version_id).await?;
    let version = opened
        .registry
        .store
        .approve(Approval {
            version_id,
            approver: opened.registry.user.clone(),
            note: args.note,
            override_rules: args.override_reason.map(|reason| Override { reason }),
        })
        .await
        .map_err(store_error)?;
    to_json(&version)
}

pub(super) async fn deploy(state: &State, arguments: &[Value]) -> Result<Value> {
    let args: DeployArgs = parse(object_argument(arguments, DEPLOY_SHAPE)?, DEPLOY_SHAPE)?;
    let label = match args.label {
        Some(label) => Label::new(label).map_err(invalid)?,
        None => Label::production(),
    };
    let opened = open(state, &args.uri, super::DEPLOY).await?;
    let version_id = opened.version_or_head(args.version_id).await?;
    let version = opened
        .registry
        .store
        .deploy(Deployment {
            prompt_id: opened.prompt_id.clone(),
            version_id: Some(version_id),
            label,
            user: opened.registry.user.clone(),
            deploy_ref: args.deploy_ref,
            override_rules: args.override_reason.map(|reason| Override { reason }),
        })
        .await
        .map_err(store_error)?;
    to_json(&version)
}

pub(super) async fn alerts(state: &State, arguments: &[Value]) -> Result<Value> {
    let args: UriArgs = parse(object_argument(arguments, URI_SHAPE)?, URI_SHAPE)?;
    let Some(opened) = open_if(state, &args.uri, Create::IfUsed, super::ALERTS).await? else {
        return Ok(json!([]));
    };
    let alerts = opened
        .registry
        .store
        .alerts(Some(opened.prompt_id.clone()))
        .await
        .map_err(store_error)?;
    to_json(&alerts)
}

/// The store's refusals and mistakes as JSON-RPC errors: a refused action gets its own code
/// (and the rule, for the client to explain); bad input is InvalidParams; the rest is internal.
pub(crate) fn store_error(error: StoreError) -> Error {
    let message = error.to_string();
    match error {
        StoreError::Denied { rule } => Error {
            code: ErrorCode::ServerError(DENIED),
            message: message.into(),
            data: Some(json!({ "rule": rule.as_str(), "recorded": true })),
        },
        StoreError::NotFound(_) | StoreError::Invalid(_) | StoreError::Conflict(_) => {
            invalid(message)
        }
        StoreError::Keys(_)
        | StoreError::Database { .. }
        | StoreError::Io { .. }
        | StoreError::Closed => {
            tracing::error!(%message, "the registry failed");
            Error {
                code: ErrorCode::InternalError,
                message: format!("the registry failed: {message}").into(),
                data: None,
            }
        }
    }
}
