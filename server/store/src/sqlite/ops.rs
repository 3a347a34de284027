//! The write operations, each run by the writer inside its own savepoint: read what the
//! decision needs, append the event, then the rows derived from it.

use rusqlite::{Connection, params};
use serde_json::json;

use super::CachedMonitor;
use super::Shared;
use super::queries::{self, Damaged};
use super::writer::Tx;
use crate::audit::chain::{self, RawEntry};
use crate::audit::keys::{AuditKey, KeyRing};
use crate::audit::{AuditEventRecord, EventType, KeyId};
use crate::drift::{Monitor, PageHinkley, SD_FLOOR};
use crate::error::{Result, StoreError};
use crate::ids::{EventId, PromptId, UserId, VersionId};
use crate::model::{
    Alert, Annotation, Approval, ContentHash, Deployment, EvaluationRecord, FeedbackPayload,
    NewVersion, Origin, ReviewRequest, ReviewState, RollbackRequest, RolledBack, Saved, Series,
    Version,
};
use crate::repository::Recorded;
use crate::review::{self, Action, Decision};

/// How many recent observations a drift monitor looks at.
const DRIFT_WINDOW: usize = 1000;

fn damaged<'a>(tx: &Tx<'a>) -> impl Fn(Damaged) -> StoreError + 'a {
    let shared = tx.shared();
    move |damaged| shared.database(damaged.0)
}

fn record(tx: &Tx<'_>, event_type: EventType, user: &UserId) -> AuditEventRecord {
    AuditEventRecord::new(event_type, user.clone(), tx.shared().session)
}

fn no_versions(prompt: &PromptId) -> StoreError {
    StoreError::NotFound(format!(
        "no version of `{prompt}` is recorded: save it first (`promptopt save FILE`)"
    ))
}

fn head_of(tx: &Tx<'_>, prompt: &PromptId) -> Result<Version> {
    queries::head(tx.conn(), prompt)
        .map_err(damaged(tx))?
        .ok_or_else(|| no_versions(prompt))
}

fn version_of(tx: &Tx<'_>, id: VersionId) -> Result<Version> {
    queries::version(tx.conn(), id)
        .map_err(damaged(tx))?
        .ok_or_else(|| StoreError::NotFound(format!("no version {id} is recorded")))
}

/// `id` if given (it must be one of `prompt`'s versions), else the head.
fn version_or_head(tx: &Tx<'_>, prompt: &PromptId, id: Option<VersionId>) -> Result<Version> {
    match id {
        None => head_of(tx, prompt),
        Some(id) => {
            let version = version_of(tx, id)?;
            if &version.prompt_id != prompt {
                return Err(StoreError::Invalid(format!(
                    "version {id} belongs to `{}`, not `{prompt}`",
                    version.prompt_id
                )));
            }
            Ok(version)
        }
    }
}

fn event_type_for(origin: Origin) -> EventType {
    match origin {
        Origin::Manual => EventType::PromptVersionSaved,
        Origin::Generated => EventType::PromptGenerated,
        Origin::Refined => EventType::PromptRefined,
        Origin::Rollback => EventType::RollbackTriggered,
        Origin::Imported => EventType::PromptImported,
    }
}

/// Score and line changes from `before` to `after`.
fn deltas(before: &Version, content: &str, score: Option<f64>) -> serde_json::Value {
    let (added, removed) = crate::diff::line_counts(&before.content, content);
    let mut deltas = json!({ "linesAdded": added, "linesRemoved": removed });
    if let (Some(before), Some(after)) = (before.score, score) {
        deltas["scoreBefore"] = json!(before);
        deltas["scoreAfter"] = json!(after);
    }
    deltas
}

fn insert_version(tx: &Tx<'_>, version: &Version, line: Line, seq: u64) -> Result<()> {
    tx.execute(
        "INSERT INTO versions (id, prompt_id, parent_id, content, sha256, author, created_at, \
             origin, strategy, score, message, main_line, event_seq) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            version.id.to_string(),
            version.prompt_id.as_str(),
            version.parent_id.map(|id| id.to_string()),
            version.content,
            version.sha256.as_str(),
            version.author.as_str(),
            version.created_at,
            version.origin.as_str(),
            version.strategy,
            version.score,
            version.message,
            line == Line::Main,
            seq as i64,
        ],
    )?;
    Ok(())
}

fn move_review(tx: &Tx<'_>, version: VersionId, state: ReviewState, seq: u64) -> Result<()> {
    tx.execute(
        "INSERT INTO review_moves (version_id, state, event_seq) VALUES (?1, ?2, ?3)",
        params![version.to_string(), state.as_str(), seq as i64],
    )?;
    Ok(())
}

fn move_label(
    tx: &Tx<'_>,
    prompt: &PromptId,
    label: &str,
    version: VersionId,
    seq: u64,
) -> Result<()> {
    tx.execute(
        "INSERT INTO label_moves (prompt_id, label, version_id, event_seq) VALUES (?1, ?2, ?3, ?4)",
        params![prompt.as_str(), label, version.to_string(), seq as i64],
    )?;
    Ok(())
}

/// Where a new version goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// It becomes the head (unless its content is the head's).
    Main,
    /// Beside the head (a generated variant, a refinement not applied).
    Candidate,
}

/// Record a version on the main line or as a candidate beside it.
pub fn save_version(tx: &mut Tx<'_>, new: NewVersion, line: Line) -> Result<Saved> {
    let main_line = line == Line::Main;
    let head = queries::head(tx.conn(), &new.prompt_id).map_err(damaged(tx))?;
    let sha256 = ContentHash::of(&new.content);
    if let Some(head) = head
        .as_ref()
        .filter(|head| main_line && head.sha256 == sha256)
    {
        return Ok(Saved::Unchanged {
            version: head.clone(),
        });
    }
    let version = Version {
        id: VersionId::generate(),
        prompt_id: new.prompt_id,
        parent_id: head.as_ref().map(|head| head.id),
        sha256,
        author: new.author,
        created_at: crate::clock::now(),
        origin: new.origin,
        strategy: new.strategy,
        score: new.score,
        message: new.message,
        review: ReviewState::Draft,
        content: new.content,
    };
    let mut event = record(tx, event_type_for(version.origin), &version.author)
        .prompt(&version.prompt_id)
        .version(version.id);
    event.parent_id = version.parent_id;
    event.template_id = new.template_id;
    event.score = version.score;
    event.origin = Some(version.origin.as_str().to_owned());
    event.strategy = version.strategy.clone();
    event.sha256 = Some(version.sha256.as_str().to_owned());
    event.note = version.message.clone();
    event.deltas = head
        .as_ref()
        .map(|head| deltas(head, &version.content, version.score));
    if !main_line {
        event.details = Some(json!({ "candidate": true }));
    }
    event.timestamp = version.created_at.clone();
    let seq = tx.append(&event)?;
    insert_version(tx, &version, line, seq)?;
    Ok(Saved::Created { version })
}

/// Feed the observation at `seq` to the drift monitor of `series` for `prompt`; record an alert
/// if it fires.
///
/// The writer keeps each monitor's state between observations. It is used only when the
/// observation before this one is the last it saw (else another process wrote, or a batch was
/// rolled back), and rebuilt from the stored scores otherwise.
fn watch_drift(
    tx: &mut Tx<'_>,
    prompt: &PromptId,
    series: Series,
    seq: u64,
    value: f64,
) -> Result<Option<Alert>> {
    let previous =
        queries::previous_observation(tx.conn(), prompt, series, seq).map_err(damaged(tx))?;
    let key = (prompt.clone(), series);
    let cached = tx.shared().monitors().remove(&key);
    let mut monitor = match cached {
        Some(cached) if Some(cached.last_seq) == previous => cached.monitor,
        _ => {
            let mut monitor = Monitor::new(PageHinkley::default());
            let earlier = queries::series_since_last_alert(tx.conn(), prompt, series, DRIFT_WINDOW)
                .map_err(damaged(tx))?;
            for (_, earlier) in earlier.iter().filter(|(at, _)| *at < seq) {
                // An alarm inside the history was recorded then; replaying it restarts.
                if monitor.push(*earlier).is_some() {
                    monitor = Monitor::new(PageHinkley::default());
                }
            }
            monitor
        }
    };
    let shift = monitor.push(value);
    if shift.is_some() {
        monitor = Monitor::new(PageHinkley::default());
    }
    tx.shared().monitors().insert(
        key,
        CachedMonitor {
            last_seq: seq,
            monitor,
        },
    );
    let Some(shift) = shift else {
        return Ok(None);
    };
    let alert = Alert {
        id: uuid::Uuid::now_v7().to_string(),
        prompt_id: prompt.clone(),
        series,
        direction: shift.direction,
        baseline: shift.baseline,
        recent: shift.recent,
        observations: shift.observations,
        raised_at: crate::clock::now(),
    };
    let monitor_user = UserId::new("promptopt/drift-monitor")
        .map_err(|error| StoreError::Invalid(error.to_string()))?;
    let test = PageHinkley::default();
    let mut event = record(tx, EventType::DriftDetected, &monitor_user).prompt(prompt);
    event.timestamp = alert.raised_at.clone();
    event.details = Some(json!({
        "alertId": alert.id,
        "series": series.as_str(),
        "direction": alert.direction.as_str(),
        "baseline": alert.baseline,
        "recent": alert.recent,
        "observations": alert.observations,
        "monitor": { "test": "page-hinkley", "k": test.k, "h": test.h, "sdFloor": SD_FLOOR },
    }));
    let event_seq = tx.append(&event)?;
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO alerts (id, prompt_id, series, direction, baseline, recent, \
             observations, raised_at, through_seq, event_seq) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            alert.id,
            prompt.as_str(),
            series.as_str(),
            alert.direction.as_str(),
            alert.baseline,
            alert.recent,
            alert.observations,
            alert.raised_at,
            seq as i64,
            event_seq as i64,
        ],
    )?;
    Ok((inserted == 1).then_some(alert))
}

pub fn submit_feedback(tx: &mut Tx<'_>, feedback: FeedbackPayload) -> Result<Recorded> {
    let version = version_or_head(tx, &feedback.prompt_id, feedback.version_id)?;
    let mut event = record(tx, EventType::FeedbackSubmitted, &feedback.user)
        .prompt(&feedback.prompt_id)
        .version(version.id);
    event.score = Some(f64::from(feedback.score.get()));
    event.feedback = feedback.notes.clone();
    let seq = tx.append(&event)?;
    tx.execute(
        "INSERT INTO feedback (event_seq, prompt_id, version_id, user, score) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            seq as i64,
            feedback.prompt_id.as_str(),
            version.id.to_string(),
            feedback.user.as_str(),
            feedback.score.get(),
        ],
    )?;
    let value = f64::from(feedback.score.get());
    let alert = watch_drift(tx, &feedback.prompt_id, Series::FeedbackRating, seq, value)?;
    Ok(Recorded {
        event_id: event.event_id,
        version_id: version.id,
        alert,
    })
}

pub fn record_evaluation(tx: &mut Tx<'_>, evaluation: EvaluationRecord) -> Result<Recorded> {
    let version = version_or_head(tx, &evaluation.prompt_id, evaluation.version_id)?;
    let mut event = record(tx, EventType::PromptEvaluated, &evaluation.user)
        .prompt(&evaluation.prompt_id)
        .version(version.id);
    event.score = Some(evaluation.score);
    event.evaluator = Some(evaluation.evaluator.clone());
    event.details = Some(json!({
        "passed": evaluation.passed,
        "failed": evaluation.failed,
        "result": evaluation.result,
    }));
    let seq = tx.append(&event)?;
    tx.execute(
        "INSERT INTO evaluations (event_seq, prompt_id, version_id, score, evaluator) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            seq as i64,
            evaluation.prompt_id.as_str(),
            version.id.to_string(),
            evaluation.score,
            evaluation.evaluator,
        ],
    )?;
    let alert = watch_drift(
        tx,
        &evaluation.prompt_id,
        Series::EvaluationScore,
        seq,
        evaluation.score,
    )?;
    Ok(Recorded {
        event_id: event.event_id,
        version_id: version.id,
        alert,
    })
}

pub fn annotate(tx: &mut Tx<'_>, annotation: Annotation) -> Result<EventId> {
    let version = version_of(tx, annotation.version_id)?;
    if annotation.note.trim().is_empty() {
        return Err(StoreError::Invalid("an annotation needs a note".into()));
    }
    let mut event = record(tx, EventType::PromptAnnotated, &annotation.user)
        .prompt(&version.prompt_id)
        .version(version.id);
    event.note = Some(annotation.note);
    event.details = annotation
        .lines
        .map(|(first, last)| json!({ "lines": [first, last] }));
    tx.append(&event)?;
    Ok(event.event_id)
}

pub fn set_favorite(tx: &mut Tx<'_>, id: VersionId, user: UserId, favorite: bool) -> Result<()> {
    let version = version_of(tx, id)?;
    let mut event = record(tx, EventType::FavoriteChanged, &user)
        .prompt(&version.prompt_id)
        .version(id);
    event.details = Some(json!({ "favorite": favorite }));
    let seq = tx.append(&event)?;
    tx.execute(
        "INSERT INTO favorite_moves (version_id, user, favorite, event_seq) \
         VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), user.as_str(), favorite, seq as i64],
    )?;
    Ok(())
}

/// Record a refusal, then report it: the AccessDenied entry commits, the caller gets the error.
fn deny(
    tx: &mut Tx<'_>,
    version: &Version,
    user: &UserId,
    action: Action,
    rule: review::Rule,
) -> StoreError {
    let mut event = record(tx, EventType::AccessDenied, user)
        .prompt(&version.prompt_id)
        .version(version.id);
    event.action = Some(action.as_str().to_owned());
    event.rule = Some(rule.as_str().to_owned());
    event.reason = Some(rule.explain().to_owned());
    match tx.append(&event) {
        Ok(_) => StoreError::Denied { rule },
        Err(error) => error,
    }
}

fn overridden(
    tx: &mut Tx<'_>,
    version: &Version,
    user: &UserId,
    action: Action,
    rule: review::Rule,
    reason: String,
) -> Result<u64> {
    let mut event = record(tx, EventType::ApprovalOverridden, user)
        .prompt(&version.prompt_id)
        .version(version.id);
    event.approver = Some(user.as_str().to_owned());
    event.action = Some(action.as_str().to_owned());
    event.rule = Some(rule.as_str().to_owned());
    event.reason = Some(reason);
    tx.append(&event)
}

pub fn request_review(tx: &mut Tx<'_>, request: ReviewRequest) -> Result<Version> {
    let mut version = version_of(tx, request.version_id)?;
    let by_author = version.author == request.user;
    match review::decide(version.review, Action::RequestReview, by_author, None) {
        Decision::Allowed(to) => {
            let mut event = record(tx, EventType::ReviewRequested, &request.user)
                .prompt(&version.prompt_id)
                .version(version.id);
            event.note = request.note;
            let seq = tx.append(&event)?;
            move_review(tx, version.id, to, seq)?;
            version.review = to;
            Ok(version)
        }
        Decision::Pointless(why) => Err(StoreError::Conflict(why.to_owned())),
        Decision::Denied(rule) => Err(deny(
            tx,
            &version,
            &request.user,
            Action::RequestReview,
            rule,
        )),
        Decision::Overridden { .. } => Err(StoreError::Conflict("nothing to override".into())),
    }
}

pub fn approve(tx: &mut Tx<'_>, approval: Approval) -> Result<Version> {
    let mut version = version_of(tx, approval.version_id)?;
    let by_author = version.author == approval.approver;
    let verdict = review::decide(
        version.review,
        Action::Approve,
        by_author,
        approval.override_rules.as_ref(),
    );
    let (to, seq) = match verdict {
        Decision::Allowed(to) => {
            let mut event = record(tx, EventType::PromptApproved, &approval.approver)
                .prompt(&version.prompt_id)
                .version(version.id);
            event.approver = Some(approval.approver.as_str().to_owned());
            event.note = approval.note;
            (to, tx.append(&event)?)
        }
        Decision::Overridden { to, rule, reason } => {
            let seq = overridden(
                tx,
                &version,
                &approval.approver,
                Action::Approve,
                rule,
                reason,
            )?;
            (to, seq)
        }
        Decision::Denied(rule) => {
            return Err(deny(
                tx,
                &version,
                &approval.approver,
                Action::Approve,
                rule,
            ));
        }
        Decision::Pointless(why) => return Err(StoreError::Conflict(why.to_owned())),
    };
    move_review(tx, version.id, to, seq)?;
    version.review = to;
    Ok(version)
}

pub fn deploy(tx: &mut Tx<'_>, deployment: Deployment) -> Result<Version> {
    let mut version = version_or_head(tx, &deployment.prompt_id, deployment.version_id)?;
    let verdict = review::decide(
        version.review,
        Action::Deploy,
        version.author == deployment.user,
        deployment.override_rules.as_ref(),
    );
    let to = match verdict {
        Decision::Allowed(to) => to,
        Decision::Overridden { to, rule, reason } => {
            overridden(tx, &version, &deployment.user, Action::Deploy, rule, reason)?;
            to
        }
        Decision::Denied(rule) => {
            return Err(deny(tx, &version, &deployment.user, Action::Deploy, rule));
        }
        Decision::Pointless(why) => return Err(StoreError::Conflict(why.to_owned())),
    };
    let mut event = record(tx, EventType::PromptDeployed, &deployment.user)
        .prompt(&version.prompt_id)
        .version(version.id);
    event.label = Some(deployment.label.as_str().to_owned());
    event.deploy_ref = deployment.deploy_ref;
    let seq = tx.append(&event)?;
    move_label(
        tx,
        &version.prompt_id,
        deployment.label.as_str(),
        version.id,
        seq,
    )?;
    if version.review != to {
        move_review(tx, version.id, to, seq)?;
        version.review = to;
    }
    Ok(version)
}

pub fn rollback(tx: &mut Tx<'_>, request: RollbackRequest) -> Result<RolledBack> {
    let head = head_of(tx, &request.prompt_id)?;
    let target_id = match request.to {
        Some(id) => id,
        None => head.parent_id.ok_or_else(|| {
            StoreError::Conflict(format!(
                "`{}` has one version: there is nothing earlier to roll back to",
                request.prompt_id
            ))
        })?,
    };
    let target = version_or_head(tx, &request.prompt_id, Some(target_id))?;
    if target.id == head.id {
        return Err(StoreError::Conflict(format!(
            "version {} is already the head of `{}`",
            target.id, request.prompt_id
        )));
    }
    // Labels on versions recorded after the restored one roll back with it.
    let order: Vec<VersionId> = queries::versions(tx.conn(), &request.prompt_id)
        .map_err(damaged(tx))?
        .into_iter()
        .map(|version| version.id)
        .collect();
    let position = |id: VersionId| order.iter().position(|v| *v == id);
    let labels_moved: Vec<_> = queries::labels(tx.conn(), &request.prompt_id)
        .map_err(damaged(tx))?
        .into_iter()
        .filter(|(_, at)| position(*at) > position(target.id))
        .map(|(label, _)| label)
        .collect();
    if !labels_moved.is_empty() {
        // Moving a label deploys the restored content: the deploy rule applies to it.
        match review::decide(
            target.review,
            Action::Deploy,
            target.author == request.user,
            request.override_rules.as_ref(),
        ) {
            Decision::Allowed(_) => {}
            Decision::Overridden { rule, reason, .. } => {
                overridden(tx, &target, &request.user, Action::Rollback, rule, reason)?;
            }
            Decision::Denied(rule) => {
                return Err(deny(tx, &target, &request.user, Action::Rollback, rule));
            }
            Decision::Pointless(why) => return Err(StoreError::Conflict(why.to_owned())),
        }
    }
    let reason = request.reason.trim().to_owned();
    let mut version = Version {
        id: VersionId::generate(),
        prompt_id: request.prompt_id.clone(),
        parent_id: Some(head.id),
        content: target.content.clone(),
        sha256: target.sha256.clone(),
        author: request.user.clone(),
        created_at: crate::clock::now(),
        origin: Origin::Rollback,
        strategy: None,
        score: target.score,
        message: Some(reason.clone()),
        review: ReviewState::Draft,
    };
    let mut event = record(tx, EventType::RollbackTriggered, &request.user)
        .prompt(&request.prompt_id)
        .version(version.id);
    event.timestamp = version.created_at.clone();
    event.parent_id = Some(head.id);
    event.previous_id = Some(target.id);
    event.approver = Some(request.user.as_str().to_owned());
    event.reason = Some(reason);
    event.origin = Some(Origin::Rollback.as_str().to_owned());
    event.sha256 = Some(version.sha256.as_str().to_owned());
    event.deltas = Some(deltas(&head, &version.content, version.score));
    if !labels_moved.is_empty() {
        event.label = Some(
            labels_moved
                .iter()
                .map(|label| label.as_str())
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    let seq = tx.append(&event)?;
    insert_version(tx, &version, Line::Main, seq)?;
    for label in &labels_moved {
        move_label(tx, &request.prompt_id, label.as_str(), version.id, seq)?;
    }
    if !labels_moved.is_empty() {
        move_review(tx, version.id, ReviewState::Deployed, seq)?;
        version.review = ReviewState::Deployed;
    }
    Ok(RolledBack {
        version,
        restored: target.id,
        replaced: head.id,
        labels_moved,
    })
}

pub fn rotate_keys(tx: &mut Tx<'_>, user: UserId) -> Result<KeyId> {
    let (key, secret) = AuditKey::generate()?;
    let shared = tx.shared().clone();
    shared.vault().save(&shared.store_id, key.id(), &secret)?;
    let previous = shared.keys()?.current().id().clone();
    let mut event = record(tx, EventType::KeysRotated, &user);
    event.details = Some(json!({
        "previousKeyId": previous.as_str(),
        "newKeyId": key.id().as_str(),
        "newPublicKey": hex::encode(key.public().as_bytes()),
        "vault": shared.vault().describe(shared.path.parent().unwrap_or(std::path::Path::new("."))),
    }));
    // Sealed and signed by the outgoing key: the new key is vouched for by the old one.
    tx.append(&event)?;
    tx.execute(super::INSERT_AUDIT_KEY, super::audit_key_row(&key))?;
    tx.sign_checkpoint()?;
    // From here on this writer seals with the new key, in this batch too, as verify expects
    // of every entry after the rotation. Should the batch not commit, the next one reloads the
    // ring from the records (their count differs from the ring's).
    let id = key.id().clone();
    shared.make_current(key);
    Ok(id)
}

/// Open stored entries into records. A key the shared ring lacks (another process rotated
/// since) is read from the store's records into a ring of the reader's own.
pub fn open_entries(
    conn: &Connection,
    shared: &Shared,
    entries: &[RawEntry],
) -> Result<Vec<AuditEventRecord>> {
    let shared_ring = shared.keys()?;
    let all_known = entries
        .iter()
        .all(|entry| shared_ring.get(&entry.key_id).is_some());
    let fresh;
    let keys: &KeyRing = if all_known {
        &shared_ring
    } else {
        fresh = shared.ring_from(conn)?;
        &fresh
    };
    open_entries_with(keys, &shared.store_id, entries).map_err(|seq| {
        shared.database(format!(
            "audit entry {seq} cannot be opened: run `promptopt audit verify` to see what is wrong"
        ))
    })
}

/// Open `entries` with `keys`; the position of the first that does not open.
pub fn open_entries_with(
    keys: &KeyRing,
    store_id: &str,
    entries: &[RawEntry],
) -> std::result::Result<Vec<AuditEventRecord>, u64> {
    entries
        .iter()
        .map(|entry| {
            let key = keys.get(&entry.key_id).ok_or(entry.seq)?;
            let plain = key
                .open(
                    &entry.nonce,
                    &entry.payload,
                    &chain::associated_data(store_id, entry),
                )
                .ok_or(entry.seq)?;
            let mut record: AuditEventRecord =
                serde_json::from_slice(&plain).map_err(|_| entry.seq)?;
            record.seq = Some(entry.seq);
            Ok(record)
        })
        .collect()
}
