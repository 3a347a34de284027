//! What the registry keeps: immutable versions, ratings, evaluation results, review states,
//! labels and drift alerts. These are the values the repository trait takes and returns.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::{PromptId, UserId, VersionId};

/// Where a version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Saved by a person (the editor's save, `promptopt save`).
    Manual,
    Generated,
    Refined,
    /// Restores an earlier version's content.
    Rollback,
    Imported,
}

impl Origin {
    pub const ALL: [Origin; 5] = [
        Origin::Manual,
        Origin::Generated,
        Origin::Refined,
        Origin::Rollback,
        Origin::Imported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Manual => "manual",
            Origin::Generated => "generated",
            Origin::Refined => "refined",
            Origin::Rollback => "rollback",
            Origin::Imported => "imported",
        }
    }
}

impl FromStr for Origin {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Origin::ALL
            .into_iter()
            .find(|origin| origin.as_str() == text)
            .ok_or_else(|| format!("unknown origin `{text}`"))
    }
}

/// The SHA-256 of a version's content, hex-encoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentHash(String);

impl ContentHash {
    pub fn of(content: &str) -> Self {
        Self(hex::encode(Sha256::digest(content.as_bytes())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn from_stored(hex: String) -> Self {
        Self(hex)
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An immutable version of a prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    pub id: VersionId,
    pub prompt_id: PromptId,
    pub parent_id: Option<VersionId>,
    pub content: String,
    pub sha256: ContentHash,
    pub author: UserId,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub origin: Origin,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// The QA rubric score (1–5) when the version was made, if it was scored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub review: ReviewState,
}

/// A version to record. The store assigns the id, the parent (the prompt's head), the hash and
/// the time.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    pub prompt_id: PromptId,
    pub content: String,
    pub author: UserId,
    pub origin: Origin,
    pub strategy: Option<String>,
    pub score: Option<f64>,
    pub message: Option<String>,
    /// The generator's template (PromptGenerated's `templateId`).
    pub template_id: Option<String>,
}

impl NewVersion {
    pub fn manual(prompt_id: PromptId, content: impl Into<String>, author: UserId) -> Self {
        Self {
            prompt_id,
            content: content.into(),
            author,
            origin: Origin::Manual,
            strategy: None,
            score: None,
            message: None,
            template_id: None,
        }
    }
}

/// What saving a version did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum Saved {
    /// A new head version.
    Created { version: Version },
    /// The content equals the head's: nothing was recorded.
    Unchanged { version: Version },
}

impl Saved {
    pub fn version(&self) -> &Version {
        match self {
            Saved::Created { version } | Saved::Unchanged { version } => version,
        }
    }
}

/// A rating from 1 (poor) to 5 (excellent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    pub fn new(value: u8) -> Result<Self, String> {
        if (1..=5).contains(&value) {
            Ok(Self(value))
        } else {
            Err(format!(
                "a rating is a whole number from 1 to 5, not {value}"
            ))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Rating {
    type Error = String;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Rating> for u8 {
    fn from(rating: Rating) -> Self {
        rating.0
    }
}

/// The most a free-text note (feedback notes, reasons, annotations) may hold.
pub const MAX_NOTE_BYTES: usize = 16 * 1024;

/// `FeedbackPayload { promptId, user, score, notes }` from the product brief, plus the version
/// rated (default: the head).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeedbackPayload {
    pub prompt_id: PromptId,
    pub user: UserId,
    pub score: Rating,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<VersionId>,
}

/// An evaluation's result, as the engine reports it, to keep beside the version it scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationRecord {
    pub prompt_id: PromptId,
    /// Default: the head.
    pub version_id: Option<VersionId>,
    pub user: UserId,
    /// 1–5.
    pub score: f64,
    /// `builtin/1`, or the model that ran the cases.
    pub evaluator: String,
    pub passed: Option<u32>,
    pub failed: Option<u32>,
    /// The engine's whole result, kept as it came.
    pub result: serde_json::Value,
}

/// Where a version is in review. Versions start as drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReviewState {
    Draft,
    InReview,
    Approved,
    Deployed,
}

impl ReviewState {
    pub const ALL: [ReviewState; 4] = [
        ReviewState::Draft,
        ReviewState::InReview,
        ReviewState::Approved,
        ReviewState::Deployed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Draft => "draft",
            ReviewState::InReview => "inReview",
            ReviewState::Approved => "approved",
            ReviewState::Deployed => "deployed",
        }
    }
}

impl FromStr for ReviewState {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ReviewState::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
            .ok_or_else(|| format!("unknown review state `{text}`"))
    }
}

/// A named pointer to a version (`production`, `staging`), moved by deploy and rollback.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Label(String);

impl Label {
    pub const PRODUCTION: &'static str = "production";

    pub fn new(name: impl Into<String>) -> Result<Self, String> {
        let name = name.into();
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if valid {
            Ok(Self(name))
        } else {
            Err(format!(
                "a label is 1–64 letters, digits, `-`, `_` or `.`, not `{name}`"
            ))
        }
    }

    pub fn production() -> Self {
        Self(Self::PRODUCTION.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Label {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Label> for String {
    fn from(label: Label) -> Self {
        label.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An override of the review rules: who may use it is the caller's business (RBAC), that it is
/// used with a reason and recorded as ApprovalOverridden is the store's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRequest {
    pub version_id: VersionId,
    pub user: UserId,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    pub version_id: VersionId,
    pub approver: UserId,
    pub note: Option<String>,
    pub override_rules: Option<Override>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub prompt_id: PromptId,
    /// Default: the head.
    pub version_id: Option<VersionId>,
    pub label: Label,
    pub user: UserId,
    /// Where it went: a release, a commit, a ticket.
    pub deploy_ref: Option<String>,
    pub override_rules: Option<Override>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RollbackRequest {
    pub prompt_id: PromptId,
    /// Default: the version before the head.
    pub to: Option<VersionId>,
    pub user: UserId,
    pub reason: String,
    /// A rollback that moves a label deploys the restored content: it must have been approved,
    /// unless this overrides the rule.
    pub override_rules: Option<Override>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RolledBack {
    /// The new head, whose content equals `restored`'s.
    pub version: Version,
    pub restored: VersionId,
    /// The head the rollback replaced.
    pub replaced: VersionId,
    /// The labels that pointed past the restored version and now point at the new head.
    pub labels_moved: Vec<Label>,
}

/// A note pinned to a version, optionally to a line range of its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotation {
    pub version_id: VersionId,
    pub user: UserId,
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<(u32, u32)>,
}

/// Which series a drift monitor watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Series {
    EvaluationScore,
    FeedbackRating,
}

impl Series {
    pub fn as_str(self) -> &'static str {
        match self {
            Series::EvaluationScore => "evaluationScore",
            Series::FeedbackRating => "feedbackRating",
        }
    }
}

impl FromStr for Series {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Series::EvaluationScore, Series::FeedbackRating]
            .into_iter()
            .find(|series| series.as_str() == text)
            .ok_or_else(|| format!("unknown series `{text}`"))
    }
}

/// A drift alert: the series' mean moved by more than the monitor tolerates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub id: String,
    pub prompt_id: PromptId,
    pub series: Series,
    pub direction: crate::drift::Direction,
    /// Mean of the series before the change, and of the points since.
    pub baseline: f64,
    pub recent: f64,
    /// How many observations the monitor had seen when it fired.
    pub observations: u32,
    pub raised_at: String,
}

/// One prompt in the registry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptSummary {
    pub prompt_id: PromptId,
    pub head: VersionId,
    pub versions: u32,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five() {
        assert!(Rating::new(0).is_err());
        assert!(Rating::new(6).is_err());
        assert_eq!(Rating::new(3).map(Rating::get), Ok(3));
        assert!(serde_json::from_str::<Rating>("7").is_err());
    }

    #[test]
    fn labels_are_plain_names() {
        assert!(Label::new("production").is_ok());
        assert!(Label::new("canary-2").is_ok());
        assert!(Label::new("").is_err());
        assert!(Label::new("a b").is_err());
    }

    #[test]
    fn feedback_payload_is_the_brief_shape() {
        let payload: FeedbackPayload = serde_json::from_str(
            r#"{"promptId":"greet","user":"qa@example.com","score":4,"notes":"terse"}"#,
        )
        .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(payload.score.get(), 4);
        assert!(
            serde_json::from_str::<FeedbackPayload>(
                r#"{"promptId":"greet","user":"qa","score":4,"mood":"x"}"#
            )
            .is_err()
        );
    }
}
