//! `audit verify`: recompute the chain, open every payload, check every signature, and name the
//! first thing that is wrong.
//!
//! Storage-independent: it reads entries and checkpoints as stored, so the SQLite and Postgres
//! stores share it.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use super::chain::{self, Checkpoint, GENESIS, RawEntry};
use super::keys::{KeyRing, verify_signature};
use super::record::{AuditEventRecord, EventType};

/// What is wrong, in the words of the issue a compliance officer files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProblemKind {
    /// An entry's bytes changed after it was written.
    Modified,
    /// Entries are missing from the middle of the log.
    Deleted,
    /// An entry sits at a place other than the one it was written at.
    Reordered,
    /// An entry the store did not write at this place.
    Inserted,
    /// A checkpoint's signature does not verify, or its key is not one of the store's.
    BadSignature,
    /// The log ends before a checkpoint says it should.
    Truncated,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Modified => "modified",
            ProblemKind::Deleted => "deleted",
            ProblemKind::Reordered => "reordered",
            ProblemKind::Inserted => "inserted",
            ProblemKind::BadSignature => "bad signature",
            ProblemKind::Truncated => "truncated",
        }
    }
}

/// The first bad entry (or checkpoint) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub kind: ProblemKind,
    /// The entry's position, when the problem is an entry's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The checkpoint's position, when the problem is a checkpoint's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<u64>,
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.seq, self.checkpoint) {
            (Some(seq), _) => write!(f, "entry {seq}: {}: {}", self.kind.as_str(), self.detail),
            (None, Some(checkpoint)) => write!(
                f,
                "checkpoint at entry {checkpoint}: {}: {}",
                self.kind.as_str(),
                self.detail
            ),
            (None, None) => write!(f, "{}: {}", self.kind.as_str(), self.detail),
        }
    }
}

/// What verify checked when everything held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    pub entries: u64,
    pub checkpoints: u64,
    /// The last entry's hash, hex.
    pub head_hash: Option<String>,
    /// Entries after the last checkpoint (written since, or by a process that stopped before it
    /// signed): still chained and authenticated, not yet signed.
    pub unsigned_tail: u64,
    /// Whether a saved checkpoint was checked too.
    pub against_saved_checkpoint: bool,
}

pub type Verdict = Result<Verified, Problem>;

fn entry_problem(kind: ProblemKind, seq: u64, detail: impl Into<String>) -> Problem {
    Problem {
        kind,
        seq: Some(seq),
        checkpoint: None,
        detail: detail.into(),
    }
}

fn checkpoint_problem(kind: ProblemKind, seq: u64, detail: impl Into<String>) -> Problem {
    Problem {
        kind,
        seq: None,
        checkpoint: Some(seq),
        detail: detail.into(),
    }
}

/// Verify `entries` (in stored order) and `checkpoints` of the store `store_id`, and, if given, a
/// checkpoint saved outside the store.
pub fn verify(
    store_id: &str,
    entries: &[RawEntry],
    checkpoints: &[Checkpoint],
    keys: &KeyRing,
    saved: Option<&Checkpoint>,
) -> Verdict {
    verify_opening(store_id, entries, checkpoints, keys, saved).0
}

/// [`verify`], also handing back the records it opened (those before the first bad entry,
/// seq set), for checks that read them, so no entry is decrypted twice.
pub fn verify_opening(
    store_id: &str,
    entries: &[RawEntry],
    checkpoints: &[Checkpoint],
    keys: &KeyRing,
    saved: Option<&Checkpoint>,
) -> (Verdict, Vec<AuditEventRecord>) {
    let mut problems = Vec::new();
    let mut opened = Opened::default();
    problems.extend(check_chain(
        store_id,
        entries,
        checkpoints,
        keys,
        &mut opened,
    ));
    let Opened { epochs, records } = opened;
    for checkpoint in checkpoints {
        if let Some(problem) = check_checkpoint(store_id, checkpoint, entries, keys, &epochs, false)
        {
            problems.push(problem);
        }
    }
    if let Some(saved) = saved {
        if let Some(problem) = check_checkpoint(store_id, saved, entries, keys, &epochs, true) {
            problems.push(problem);
        }
    }
    // The first bad entry: the problem at the lowest position. An entry problem comes before a
    // checkpoint problem at the same position, since it explains it.
    if let Some(first) = problems
        .into_iter()
        .min_by_key(|problem| (problem.seq.or(problem.checkpoint), problem.seq.is_none()))
    {
        return (Err(first), records);
    }
    let signed = checkpoints.iter().map(|c| c.seq).max().unwrap_or(0);
    let count = entries.len() as u64;
    let verified = Verified {
        entries: count,
        checkpoints: checkpoints.len() as u64,
        head_hash: entries.last().map(|entry| hex::encode(&entry.hash)),
        unsigned_tail: count.saturating_sub(signed),
        against_saved_checkpoint: saved.is_some(),
    };
    (Ok(verified), records)
}

/// Which key seals and signs from which position on: the first entry's key, then each
/// KeysRotated entry's new key from the entry after it.
type Epochs = Vec<(u64, String)>;

/// The key current at position `seq`.
fn key_at(epochs: &Epochs, seq: u64) -> Option<&str> {
    epochs
        .iter()
        .take_while(|(from, _)| *from <= seq.max(1))
        .last()
        .map(|(_, key)| key.as_str())
}

/// What walking the chain learned: the key epochs and the records opened.
#[derive(Default)]
struct Opened {
    epochs: Epochs,
    records: Vec<AuditEventRecord>,
}

/// The first bad entry, if any; `opened` holds what was learned up to it.
fn check_chain(
    store_id: &str,
    entries: &[RawEntry],
    checkpoints: &[Checkpoint],
    keys: &KeyRing,
    opened: &mut Opened,
) -> Option<Problem> {
    let epochs = &mut opened.epochs;
    // Where each hash sits, and where each hash was expected (by the next entry's link or by a
    // checkpoint): a moved entry is recognized by its hash being expected at another place.
    let position_of_hash: HashMap<&[u8], u64> = entries
        .iter()
        .map(|entry| (entry.hash.as_slice(), entry.seq))
        .collect();
    let mut written_at_by_hash: HashMap<&[u8], u64> = checkpoints
        .iter()
        .map(|checkpoint| (checkpoint.head_hash.as_slice(), checkpoint.seq))
        .collect();
    written_at_by_hash.extend(
        entries
            .iter()
            .map(|entry| (entry.prev_hash.as_slice(), entry.seq.saturating_sub(1))),
    );
    let mut seen_ids: HashMap<&str, u64> = HashMap::new();
    let mut previous: &[u8] = &GENESIS;
    for (index, entry) in entries.iter().enumerate() {
        let expected = index as u64 + 1;
        if entry.seq != expected {
            let detail = if entry.seq > expected {
                format!(
                    "entries {expected} to {} are missing: the log skips from {} to {}",
                    entry.seq - 1,
                    expected - 1,
                    entry.seq
                )
            } else {
                format!("the entry is numbered {} at position {expected}", entry.seq)
            };
            let kind = if entry.seq > expected {
                ProblemKind::Deleted
            } else {
                ProblemKind::Reordered
            };
            return Some(entry_problem(kind, expected, detail));
        }
        if let Some(earlier) = seen_ids.insert(&entry.event_id, entry.seq) {
            return Some(entry_problem(
                ProblemKind::Inserted,
                entry.seq,
                format!(
                    "a copy of entry {earlier} (same event id {})",
                    entry.event_id
                ),
            ));
        }
        let recomputed = chain::entry_hash(store_id, entry);
        if recomputed.as_slice() != entry.hash.as_slice() {
            let written_at = written_at_by_hash
                .get(entry.hash.as_slice())
                .copied()
                .filter(|&at| at != entry.seq && at > 0);
            return Some(match written_at {
                Some(at) => entry_problem(
                    ProblemKind::Reordered,
                    entry.seq,
                    format!("this entry was written at position {at}"),
                ),
                None => entry_problem(
                    ProblemKind::Modified,
                    entry.seq,
                    "its contents no longer match its hash",
                ),
            });
        }
        if entry.prev_hash.as_slice() != previous {
            let detail = match position_of_hash.get(entry.prev_hash.as_slice()) {
                Some(at) => format!(
                    "it follows entry {at}, not entry {}: entries were moved",
                    entry.seq - 1
                ),
                None => "it does not follow the entry before it: the chain was rewritten from here"
                    .to_owned(),
            };
            let kind = if position_of_hash.contains_key(entry.prev_hash.as_slice()) {
                ProblemKind::Reordered
            } else {
                ProblemKind::Inserted
            };
            return Some(entry_problem(kind, entry.seq, detail));
        }
        match key_at(epochs, entry.seq) {
            None => epochs.push((entry.seq, entry.key_id.clone())),
            Some(current) if current != entry.key_id => {
                return Some(entry_problem(
                    ProblemKind::Inserted,
                    entry.seq,
                    format!(
                        "sealed with key {}, but key {current} was current here (keys change only through a KeysRotated entry)",
                        entry.key_id
                    ),
                ));
            }
            Some(_) => {}
        }
        let mut record = match open_entry(store_id, entry, keys, entries) {
            Ok(record) => record,
            Err(problem) => return Some(problem),
        };
        record.seq = Some(entry.seq);
        if record.event_type == EventType::KeysRotated {
            let next = record
                .details
                .as_ref()
                .and_then(|details| details.get("newKeyId"))
                .and_then(|id| id.as_str());
            match next {
                Some(next) => epochs.push((entry.seq + 1, next.to_owned())),
                None => {
                    return Some(entry_problem(
                        ProblemKind::Modified,
                        entry.seq,
                        "a key rotation that does not name its new key",
                    ));
                }
            }
        }
        previous = &entry.hash;
        opened.records.push(record);
    }
    None
}

/// Open the sealed record and check it says what the clear header says.
fn open_entry(
    store_id: &str,
    entry: &RawEntry,
    keys: &KeyRing,
    entries: &[RawEntry],
) -> Result<AuditEventRecord, Problem> {
    let Some(key) = keys.get(&entry.key_id) else {
        return Err(entry_problem(
            ProblemKind::Inserted,
            entry.seq,
            format!(
                "sealed with key {}, which is not one of this store's keys",
                entry.key_id
            ),
        ));
    };
    let aad = chain::associated_data(store_id, entry);
    let Some(plain) = key.open(&entry.nonce, &entry.payload, &aad) else {
        // The hash and the link hold (checked before), so whoever wrote this entry rebuilt the
        // chain around it, but could not seal it: it was not written here by the store.
        let source = entries
            .iter()
            .find(|other| other.seq != entry.seq && other.payload == entry.payload);
        return Err(match source {
            Some(source) => entry_problem(
                ProblemKind::Modified,
                entry.seq,
                format!(
                    "its sealed payload is entry {}'s, moved here (it only opens at its own place)",
                    source.seq
                ),
            ),
            None => entry_problem(
                ProblemKind::Inserted,
                entry.seq,
                "its chain links hold but its payload was not sealed here by this store: forged or inserted",
            ),
        });
    };
    let record: AuditEventRecord = match serde_json::from_slice(&plain) {
        Ok(record) => record,
        Err(error) => {
            return Err(entry_problem(
                ProblemKind::Modified,
                entry.seq,
                format!("its payload is not an audit record: {error}"),
            ));
        }
    };
    let header_agrees = record.event_id.to_string() == entry.event_id
        && record.event_type.as_str() == entry.event_type
        && record.prompt_id.as_ref().map(|id| id.as_str()) == entry.prompt_id.as_deref()
        && record.timestamp == entry.recorded_at
        && record.session_id.to_string() == entry.session_id;
    if !header_agrees {
        return Err(entry_problem(
            ProblemKind::Modified,
            entry.seq,
            "its clear header disagrees with its sealed record",
        ));
    }
    Ok(record)
}

fn check_checkpoint(
    store_id: &str,
    checkpoint: &Checkpoint,
    entries: &[RawEntry],
    keys: &KeyRing,
    epochs: &Epochs,
    saved: bool,
) -> Option<Problem> {
    let which = if saved {
        "the saved checkpoint"
    } else {
        "the checkpoint"
    };
    if checkpoint.store_id != store_id {
        return Some(checkpoint_problem(
            ProblemKind::BadSignature,
            checkpoint.seq,
            format!(
                "{which} belongs to store {}, not {store_id}",
                checkpoint.store_id
            ),
        ));
    }
    let Some(key) = keys.get(&checkpoint.key_id) else {
        return Some(checkpoint_problem(
            ProblemKind::BadSignature,
            checkpoint.seq,
            format!(
                "{which} is signed with key {}, which is not one of this store's keys",
                checkpoint.key_id
            ),
        ));
    };
    if let Some(current) = key_at(epochs, checkpoint.seq) {
        if current != checkpoint.key_id {
            return Some(checkpoint_problem(
                ProblemKind::BadSignature,
                checkpoint.seq,
                format!(
                    "{which} is signed with key {}, but key {current} was current at entry {}",
                    checkpoint.key_id, checkpoint.seq
                ),
            ));
        }
    }
    let message = chain::checkpoint_message(checkpoint);
    if !verify_signature(&key.public(), &message, &checkpoint.signature) {
        return Some(checkpoint_problem(
            ProblemKind::BadSignature,
            checkpoint.seq,
            format!(
                "{which}'s signature does not verify with key {}",
                checkpoint.key_id
            ),
        ));
    }
    let count = entries.len() as u64;
    if checkpoint.seq > count {
        return Some(entry_problem(
            ProblemKind::Truncated,
            count + 1,
            format!(
                "{which} covers {} entries but the log has {count}: entries {} to {} are gone",
                checkpoint.seq,
                count + 1,
                checkpoint.seq
            ),
        ));
    }
    if checkpoint.seq == 0 {
        return None;
    }
    let covered = &entries[(checkpoint.seq - 1) as usize];
    (covered.hash != checkpoint.head_hash).then(|| {
        entry_problem(
            ProblemKind::Modified,
            checkpoint.seq,
            format!("the log up to here differs from what {which} signed"),
        )
    })
}
