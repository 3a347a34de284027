//! A prompt's whole record in one answer: what `promptopt history` prints and the editor's
//! version trail shows.

use serde::Serialize;

use crate::audit::AuditEventRecord;
use crate::diff::{VersionChange, line_diff};
use crate::error::Result;
use crate::ids::{PromptId, UserId, VersionId};
use crate::model::{Alert, Label, Version};
use crate::repository::Repository;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptHistory {
    pub prompt_id: PromptId,
    pub head: Option<VersionId>,
    pub labels: Vec<LabelAt>,
    /// Oldest first, candidates included.
    pub versions: Vec<Version>,
    /// Each version against its parent, in the order of `versions`: the trail's diffs.
    pub changes: Vec<VersionChange>,
    /// The prompt's audit entries, oldest first.
    pub events: Vec<AuditEventRecord>,
    pub alerts: Vec<Alert>,
    /// The versions the asking user marked.
    pub favorites: Vec<VersionId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelAt {
    pub label: Label,
    pub version_id: VersionId,
}

/// Gather `prompt`'s record as `user` sees it.
pub async fn prompt_history<R: Repository>(
    repo: &R,
    prompt: &PromptId,
    user: &UserId,
) -> Result<PromptHistory> {
    let versions = repo.versions(prompt).await?;
    let own: std::collections::HashSet<VersionId> = versions.iter().map(|v| v.id).collect();
    let changes = changes(&versions);
    Ok(PromptHistory {
        head: repo.head(prompt).await?.map(|version| version.id),
        labels: repo
            .labels(prompt)
            .await?
            .into_iter()
            .map(|(label, version_id)| LabelAt { label, version_id })
            .collect(),
        events: repo.history(prompt).await?,
        alerts: repo.alerts(Some(prompt.clone())).await?,
        favorites: repo
            .favorites(user)
            .await?
            .into_iter()
            .filter(|id| own.contains(id))
            .collect(),
        versions,
        changes,
        prompt_id: prompt.clone(),
    })
}

fn changes(versions: &[Version]) -> Vec<VersionChange> {
    let by_id: std::collections::HashMap<VersionId, &Version> =
        versions.iter().map(|v| (v.id, v)).collect();
    versions
        .iter()
        .map(|version| {
            let parent = version.parent_id.and_then(|id| by_id.get(&id));
            VersionChange {
                version_id: version.id,
                parent_id: parent.map(|p| p.id),
                diff: line_diff(parent.map_or("", |p| p.content.as_str()), &version.content),
            }
        })
        .collect()
}
