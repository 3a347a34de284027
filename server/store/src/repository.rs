//! The one repository trait: every door (the CLI, the language server, the Mesh API) reads and
//! writes prompts, versions, ratings, decisions and the audit trail through it, whichever
//! database is behind. `tests/contract.rs` holds the tests each implementation must pass.

use std::future::Future;

use crate::audit::{AuditEventRecord, Checkpoint, KeyId, Verdict};
use crate::error::Result;
use crate::ids::{EventId, PromptId, UserId, VersionId};
use crate::model::{
    Alert, Annotation, Approval, Deployment, EvaluationRecord, FeedbackPayload, Label, NewVersion,
    PromptSummary, ReviewRequest, RollbackRequest, RolledBack, Saved, Version,
};

/// Which audit entries to read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    /// RFC 3339; entries at or after it.
    pub since: Option<String>,
    pub prompt_id: Option<PromptId>,
}

/// What recording a rating or an evaluation did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recorded {
    pub event_id: EventId,
    pub version_id: VersionId,
    /// The drift alert this observation raised, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<Alert>,
}

pub trait Repository: Send + Sync {
    /// Record `new` as the prompt's new head, unless its content equals the head's.
    fn save_version(&self, new: NewVersion) -> impl Future<Output = Result<Saved>> + Send;

    /// Record a candidate (a generated variant): a version whose parent is the head, which does
    /// not become the head.
    fn save_candidate(&self, new: NewVersion) -> impl Future<Output = Result<Version>> + Send;

    fn version(&self, id: VersionId) -> impl Future<Output = Result<Option<Version>>> + Send;

    fn head(&self, prompt: &PromptId) -> impl Future<Output = Result<Option<Version>>> + Send;

    /// Every version of a prompt, candidates included, oldest first.
    fn versions(&self, prompt: &PromptId) -> impl Future<Output = Result<Vec<Version>>> + Send;

    fn prompts(&self) -> impl Future<Output = Result<Vec<PromptSummary>>> + Send;

    /// The prompt's labels and the versions they point at.
    fn labels(
        &self,
        prompt: &PromptId,
    ) -> impl Future<Output = Result<Vec<(Label, VersionId)>>> + Send;

    fn submit_feedback(
        &self,
        feedback: FeedbackPayload,
    ) -> impl Future<Output = Result<Recorded>> + Send;

    fn record_evaluation(
        &self,
        evaluation: EvaluationRecord,
    ) -> impl Future<Output = Result<Recorded>> + Send;

    fn annotate(&self, annotation: Annotation) -> impl Future<Output = Result<EventId>> + Send;

    fn set_favorite(
        &self,
        version: VersionId,
        user: UserId,
        favorite: bool,
    ) -> impl Future<Output = Result<()>> + Send;

    fn favorites(&self, user: &UserId) -> impl Future<Output = Result<Vec<VersionId>>> + Send;

    fn request_review(
        &self,
        request: ReviewRequest,
    ) -> impl Future<Output = Result<Version>> + Send;

    /// Approve a version. An author approving their own version is refused (and the refusal
    /// recorded) unless the rules are overridden with a reason.
    fn approve(&self, approval: Approval) -> impl Future<Output = Result<Version>> + Send;

    /// Point a label at a version (default: the head). Only approved versions, unless overridden.
    fn deploy(&self, deployment: Deployment) -> impl Future<Output = Result<Version>> + Send;

    /// Restore an earlier version (default: the head's parent) as a new head, moving the labels
    /// that pointed at the old head.
    fn rollback(&self, request: RollbackRequest)
    -> impl Future<Output = Result<RolledBack>> + Send;

    /// The prompt's audit entries, decrypted, oldest first.
    fn history(
        &self,
        prompt: &PromptId,
    ) -> impl Future<Output = Result<Vec<AuditEventRecord>>> + Send;

    fn audit_records(
        &self,
        filter: AuditFilter,
    ) -> impl Future<Output = Result<Vec<AuditEventRecord>>> + Send;

    fn alerts(&self, prompt: Option<PromptId>) -> impl Future<Output = Result<Vec<Alert>>> + Send;

    /// Recompute the whole audit trail; `saved` is a checkpoint kept outside the store.
    fn verify(&self, saved: Option<Checkpoint>) -> impl Future<Output = Result<Verdict>> + Send;

    /// Sign the chain's head now and return the checkpoint (to keep outside the store).
    fn checkpoint(&self) -> impl Future<Output = Result<Checkpoint>> + Send;

    /// Make a new key generation current; the rotation is recorded and signed by the old one.
    fn rotate_keys(&self, user: UserId) -> impl Future<Output = Result<KeyId>> + Send;
}
