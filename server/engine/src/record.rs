//! Keeping what the use cases produce in the registry: the prompt as evaluated, its results,
//! generated candidates and refinements, each as a version or an evaluation with its audit
//! entry. The CLI and the language server record through here when a project has a store.

use promptopt_store::{
    ContentHash, EvaluationRecord, NewVersion, Origin, PromptId, Recorded, Repository, Saved,
    StoreError, UserId, Version, VersionId,
};

use crate::evaluate::PromptEvalResult;
use crate::generate::PromptCandidateList;
use crate::refine::RefineResult;

/// Who acts on which prompt, whose text is `source` as the user has it now.
pub struct Subject<'a> {
    pub prompt_id: &'a PromptId,
    pub user: &'a UserId,
    pub source: &'a str,
    /// The QA rubric score of `source`.
    pub score: f64,
}

impl Subject<'_> {
    /// `given`, checked to be one of the prompt's versions, else `source` as recorded (saved as
    /// a version first when it changed).
    pub async fn version_or_save<R: Repository>(
        &self,
        repo: &R,
        given: Option<VersionId>,
    ) -> Result<VersionId, StoreError> {
        match given {
            Some(id) => {
                self.check_version(repo, id).await?;
                Ok(id)
            }
            None => Ok(self.save(repo, None).await?.version().id),
        }
    }

    /// `id` names one of this prompt's versions.
    pub async fn check_version<R: Repository>(
        &self,
        repo: &R,
        id: VersionId,
    ) -> Result<(), StoreError> {
        match repo.version(id).await? {
            None => Err(StoreError::NotFound(format!("no version {id} is recorded"))),
            Some(version) if &version.prompt_id != self.prompt_id => {
                Err(StoreError::Invalid(format!(
                    "version {id} belongs to `{}`, not `{}`",
                    version.prompt_id, self.prompt_id
                )))
            }
            Some(_) => Ok(()),
        }
    }

    /// The head, which must hold `source`: an approval or a deployment acts on what its user
    /// sees, never on a version recorded on their behalf (it would be theirs, and their approval
    /// of it a self-approval).
    pub async fn recorded_head<R: Repository>(&self, repo: &R) -> Result<VersionId, StoreError> {
        match repo.head(self.prompt_id).await? {
            None => Err(StoreError::NotFound(format!(
                "no version of `{}` is recorded: save it first (`promptopt save FILE`)",
                self.prompt_id
            ))),
            Some(head) if head.sha256 == ContentHash::of(self.source) => Ok(head.id),
            Some(head) => Err(StoreError::Conflict(format!(
                "the prompt differs from its head (version {}): record it first (`promptopt save FILE`, or save it in the editor), or name the version to act on",
                head.id
            ))),
        }
    }

    /// Record `source` as a manual version when it differs from the head.
    pub async fn save<R: Repository>(
        &self,
        repo: &R,
        message: Option<String>,
    ) -> Result<Saved, StoreError> {
        let mut new = NewVersion::manual(self.prompt_id.clone(), self.source, self.user.clone());
        new.score = Some(self.score);
        new.message = message;
        repo.save_version(new).await
    }
}

/// Save the prompt as evaluated, then its evaluation (which runs its drift monitor).
pub async fn evaluation<R: Repository>(
    repo: &R,
    subject: &Subject<'_>,
    result: &PromptEvalResult,
) -> Result<Recorded, StoreError> {
    let version = subject.save(repo, None).await?.version().id;
    let run = result.summary.total > result.summary.skipped;
    repo.record_evaluation(EvaluationRecord {
        prompt_id: subject.prompt_id.clone(),
        version_id: Some(version),
        user: subject.user.clone(),
        score: result.score,
        evaluator: result.model_version.clone(),
        passed: run.then_some(result.summary.passed as u32),
        failed: run.then_some((result.summary.failed + result.summary.errors) as u32),
        result: serde_json::to_value(result).unwrap_or_default(),
    })
    .await
}

/// Save the prompt the candidates came from, then each candidate beside it.
pub async fn candidates<R: Repository>(
    repo: &R,
    subject: &Subject<'_>,
    template_id: Option<&str>,
    list: &PromptCandidateList,
) -> Result<Vec<Version>, StoreError> {
    subject.save(repo, None).await?;
    let mut versions = Vec::with_capacity(list.candidates.len());
    for candidate in &list.candidates {
        let mut new = NewVersion::manual(
            subject.prompt_id.clone(),
            candidate.prompt.clone(),
            subject.user.clone(),
        );
        new.origin = Origin::Generated;
        new.strategy = Some(candidate.strategy.clone());
        new.score = Some(candidate.score);
        new.message = Some(candidate.explanation.clone());
        new.template_id = template_id.map(str::to_owned);
        versions.push(repo.save_candidate(new).await?);
    }
    Ok(versions)
}

/// Save the prompt before refinement, then the refinement: as the new head when it was applied
/// (written to the file), else as a candidate beside it. Nothing when nothing changed.
pub async fn refinement<R: Repository>(
    repo: &R,
    subject: &Subject<'_>,
    result: &RefineResult,
    applied: bool,
) -> Result<Option<Version>, StoreError> {
    subject.save(repo, None).await?;
    if !result.changed {
        return Ok(None);
    }
    let mut new = NewVersion::manual(
        subject.prompt_id.clone(),
        result.prompt.clone(),
        subject.user.clone(),
    );
    new.origin = Origin::Refined;
    new.strategy = (!result.strategies.is_empty()).then(|| result.strategies.join("+"));
    new.score = Some(result.score_after);
    new.message = Some(result.verdict.clone());
    if applied {
        Ok(Some(repo.save_version(new).await?.version().clone()))
    } else {
        repo.save_candidate(new).await.map(Some)
    }
}
