//! `AuditEventRecord`: one audit entry as the compliance officer reads it, and as it is stored,
//! encrypted, in the log.

use serde::{Deserialize, Serialize};

use crate::ids::{EventId, PromptId, SessionId, UserId, VersionId};

/// The kinds of entry in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// A person saved a new version (the editor's save, `promptopt save`).
    PromptVersionSaved,
    PromptGenerated,
    PromptRefined,
    PromptImported,
    PromptEvaluated,
    FeedbackSubmitted,
    PromptAnnotated,
    FavoriteChanged,
    ReviewRequested,
    PromptApproved,
    ApprovalOverridden,
    PromptDeployed,
    RollbackTriggered,
    /// A refused attempt: a review rule said no (RBAC denials join it with the Mesh API).
    AccessDenied,
    DriftDetected,
    KeysRotated,
}

impl EventType {
    pub const ALL: [EventType; 16] = [
        EventType::PromptVersionSaved,
        EventType::PromptGenerated,
        EventType::PromptRefined,
        EventType::PromptImported,
        EventType::PromptEvaluated,
        EventType::FeedbackSubmitted,
        EventType::PromptAnnotated,
        EventType::FavoriteChanged,
        EventType::ReviewRequested,
        EventType::PromptApproved,
        EventType::ApprovalOverridden,
        EventType::PromptDeployed,
        EventType::RollbackTriggered,
        EventType::AccessDenied,
        EventType::DriftDetected,
        EventType::KeysRotated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::PromptVersionSaved => "PromptVersionSaved",
            EventType::PromptGenerated => "PromptGenerated",
            EventType::PromptRefined => "PromptRefined",
            EventType::PromptImported => "PromptImported",
            EventType::PromptEvaluated => "PromptEvaluated",
            EventType::FeedbackSubmitted => "FeedbackSubmitted",
            EventType::PromptAnnotated => "PromptAnnotated",
            EventType::FavoriteChanged => "FavoriteChanged",
            EventType::ReviewRequested => "ReviewRequested",
            EventType::PromptApproved => "PromptApproved",
            EventType::ApprovalOverridden => "ApprovalOverridden",
            EventType::PromptDeployed => "PromptDeployed",
            EventType::RollbackTriggered => "RollbackTriggered",
            EventType::AccessDenied => "AccessDenied",
            EventType::DriftDetected => "DriftDetected",
            EventType::KeysRotated => "KeysRotated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// One audit entry, with the fields the product brief lists. Fields that do not apply to an
/// event are absent, not null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventRecord {
    /// Position in the log, from 1. Not part of the encrypted payload: it is the entry's place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    pub event_id: EventId,
    pub event_type: EventType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_id: Option<PromptId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<VersionId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<VersionId>,
    /// For RollbackTriggered: the earlier version whose content was restored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_id: Option<VersionId>,
    pub user: UserId,
    /// RFC 3339, UTC.
    pub timestamp: String,
    pub session_id: SessionId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluator: Option<String>,
    /// The feedback's notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<String>,
    /// What changed: score before and after, lines added and removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deltas: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// SHA-256 of the version's content: the log commits to every version it records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// For AccessDenied and ApprovalOverridden: the action tried and the rule in the way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Whatever else the event carries (an evaluation's result, a drift alert, a new key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl AuditEventRecord {
    /// A record of `event_type` by `user`, stamped now, with every optional field absent.
    pub fn new(event_type: EventType, user: UserId, session_id: SessionId) -> Self {
        Self {
            seq: None,
            event_id: EventId::generate(),
            event_type,
            prompt_id: None,
            version_id: None,
            template_id: None,
            parent_id: None,
            previous_id: None,
            user,
            timestamp: crate::clock::now(),
            session_id,
            score: None,
            evaluator: None,
            feedback: None,
            deltas: None,
            deploy_ref: None,
            approver: None,
            reason: None,
            note: None,
            label: None,
            origin: None,
            strategy: None,
            sha256: None,
            action: None,
            rule: None,
            details: None,
        }
    }

    pub fn prompt(mut self, prompt_id: &PromptId) -> Self {
        self.prompt_id = Some(prompt_id.clone());
        self
    }

    pub fn version(mut self, version_id: VersionId) -> Self {
        self.version_id = Some(version_id);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_round_trip_through_their_names() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::String(kind.as_str().to_owned()))
            );
        }
    }
}
