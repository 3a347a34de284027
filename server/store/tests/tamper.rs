//! Tampering with a stored audit log, the way someone with the database file could: drop the
//! append-only triggers, then change, delete, swap, insert, move or truncate entries (re-chaining
//! the hashes after them, which needs no key), or re-sign a checkpoint with a key of their own.
//! `verify` must catch every one, name the first bad entry and say what is wrong, and must pass
//! the log nobody touched.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::Path;

use promptopt_store::audit::chain::{self, Checkpoint, RawEntry};
use promptopt_store::audit::keys::AuditKey;
use promptopt_store::audit::{Problem, ProblemKind};
use promptopt_store::*;
use proptest::prelude::*;
use proptest::sample::Index;
use rusqlite::{Connection, params};

#[derive(Debug, Clone)]
enum Tamper {
    Nothing,
    /// Flip one bit of one byte of one column of one entry.
    Flip {
        entry: Index,
        column: Index,
        byte: Index,
    },
    Delete {
        entry: Index,
    },
    Swap {
        a: Index,
        b: Index,
    },
    /// Insert a forged entry and re-chain the rest.
    Insert {
        at: Index,
    },
    /// Copy one entry's sealed payload over another's and re-chain.
    MoveCiphertext {
        from: Index,
        to: Index,
    },
    /// Delete the last entries and the checkpoints that covered them.
    TruncateTail {
        count: Index,
    },
    /// Re-sign the last checkpoint with a foreign key, under the store's key id or the foreign one.
    ForeignSignature {
        claim_store_key: bool,
    },
}

const COLUMNS: [&str; 10] = [
    "event_id",
    "event_type",
    "prompt_id",
    "recorded_at",
    "session_id",
    "key_id",
    "nonce",
    "payload",
    "prev_hash",
    "hash",
];

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        Just(Tamper::Nothing),
        (any::<Index>(), any::<Index>(), any::<Index>()).prop_map(|(entry, column, byte)| {
            Tamper::Flip {
                entry,
                column,
                byte,
            }
        }),
        any::<Index>().prop_map(|entry| Tamper::Delete { entry }),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Tamper::Swap { a, b }),
        any::<Index>().prop_map(|at| Tamper::Insert { at }),
        (any::<Index>(), any::<Index>()).prop_map(|(from, to)| Tamper::MoveCiphertext { from, to }),
        any::<Index>().prop_map(|count| Tamper::TruncateTail { count }),
        any::<bool>().prop_map(|claim_store_key| Tamper::ForeignSignature { claim_store_key }),
    ]
}

/// Write `operations` audited operations, save a checkpoint outside the store, close it.
fn build_log(dir: &Path, operations: usize) -> Checkpoint {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = SqliteStore::open(StoreOptions::with_key_dir(dir)).unwrap();
        let prompts = [
            PromptId::new("greet").unwrap(),
            PromptId::new("summarize").unwrap(),
        ];
        for round in 0..operations {
            let prompt = prompts[round % 2].clone();
            if round < 2 || round % 3 != 0 {
                let new = NewVersion::manual(
                    prompt,
                    format!("version {round}"),
                    UserId::new("ana").unwrap(),
                );
                store.save_version(new).await.unwrap();
            } else {
                let feedback = FeedbackPayload {
                    prompt_id: prompt,
                    user: UserId::new("qa").unwrap(),
                    score: Rating::new((round % 5 + 1) as u8).unwrap(),
                    notes: Some(format!("note {round}")),
                    version_id: None,
                };
                store.submit_feedback(feedback).await.unwrap();
            }
        }
        let checkpoint = store.checkpoint().await.unwrap();
        store.close();
        checkpoint
    })
}

fn verify(dir: &Path, saved: &Checkpoint) -> Result<audit::Verified, Problem> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = SqliteStore::open(StoreOptions::with_key_dir(dir)).unwrap();
        store.verify(Some(saved.clone())).await.unwrap()
    })
}

/// The attacker's connection: the append-only triggers dropped.
fn attacker(dir: &Path) -> Connection {
    let conn = Connection::open(dir.join(DATABASE_FILE)).unwrap();
    conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for trigger in triggers {
        conn.execute_batch(&format!("DROP TRIGGER {trigger}"))
            .unwrap();
    }
    conn
}

fn read_entries(conn: &Connection) -> Vec<RawEntry> {
    conn.prepare(
        "SELECT seq, event_id, event_type, prompt_id, recorded_at, session_id, key_id, nonce, \
         payload, prev_hash, hash FROM audit_log ORDER BY seq",
    )
    .unwrap()
    .query_map([], |row| {
        Ok(RawEntry {
            seq: row.get::<_, i64>(0)? as u64,
            event_id: row.get(1)?,
            event_type: row.get(2)?,
            prompt_id: row.get(3)?,
            recorded_at: row.get(4)?,
            session_id: row.get(5)?,
            key_id: row.get(6)?,
            nonce: row.get(7)?,
            payload: row.get(8)?,
            prev_hash: row.get(9)?,
            hash: row.get(10)?,
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn write_entry(conn: &Connection, entry: &RawEntry) {
    conn.execute(
        "INSERT OR REPLACE INTO audit_log (seq, event_id, event_type, prompt_id, recorded_at, \
         session_id, key_id, nonce, payload, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            entry.seq as i64,
            entry.event_id,
            entry.event_type,
            entry.prompt_id,
            entry.recorded_at,
            entry.session_id,
            entry.key_id,
            entry.nonce,
            entry.payload,
            entry.prev_hash,
            entry.hash,
        ],
    )
    .unwrap();
}

fn store_id(conn: &Connection) -> String {
    conn.query_row("SELECT value FROM meta WHERE key = 'store_id'", [], |row| {
        row.get(0)
    })
    .unwrap()
}

/// Recompute every hash from position `from` on, as an attacker covering their tracks would.
fn rechain(conn: &Connection, from: u64) {
    let id = store_id(conn);
    let mut entries = read_entries(conn);
    for index in 0..entries.len() {
        if entries[index].seq < from {
            continue;
        }
        if index > 0 {
            entries[index].prev_hash = entries[index - 1].hash.clone();
        }
        entries[index].hash = chain::entry_hash(&id, &entries[index]).to_vec();
        write_entry(conn, &entries[index]);
    }
}

/// Apply `tamper` to a log of `count` entries; return the problem verify must report (kind and
/// entry), or None for an untouched log.
fn apply(conn: &Connection, count: u64, tamper: &Tamper) -> Option<(ProblemKind, Option<u64>)> {
    let pick = |index: &Index| index.index(count as usize) as u64 + 1;
    let entries = read_entries(conn);
    match tamper {
        Tamper::Nothing => None,
        Tamper::Flip {
            entry,
            column,
            byte,
        } => {
            let seq = pick(entry);
            let column = COLUMNS[column.index(COLUMNS.len())];
            let value: Vec<u8> = conn
                .query_row(
                    &format!("SELECT CAST({column} AS BLOB) FROM audit_log WHERE seq = ?1"),
                    params![seq as i64],
                    |row| row.get(0),
                )
                .unwrap();
            let mut value = value;
            let at = byte.index(value.len());
            value[at] ^= 0x01; // keeps ASCII text ASCII
            let is_blob = matches!(column, "nonce" | "payload" | "prev_hash" | "hash");
            if is_blob {
                conn.execute(
                    &format!("UPDATE audit_log SET {column} = ?1 WHERE seq = ?2"),
                    params![value, seq as i64],
                )
                .unwrap();
            } else {
                conn.execute(
                    &format!("UPDATE audit_log SET {column} = ?1 WHERE seq = ?2"),
                    params![String::from_utf8(value).unwrap(), seq as i64],
                )
                .unwrap();
            }
            Some((ProblemKind::Modified, Some(seq)))
        }
        Tamper::Delete { entry } => {
            let seq = pick(entry);
            conn.execute("DELETE FROM audit_log WHERE seq = ?1", params![seq as i64])
                .unwrap();
            if seq == count {
                Some((ProblemKind::Truncated, Some(count)))
            } else {
                Some((ProblemKind::Deleted, Some(seq)))
            }
        }
        Tamper::Swap { a, b } => {
            let first = pick(a);
            let mut second = pick(b);
            if second == first {
                second = first % count + 1;
            }
            let (low, high) = (first.min(second), first.max(second));
            let mut moved_down = entries[(high - 1) as usize].clone();
            let mut moved_up = entries[(low - 1) as usize].clone();
            moved_down.seq = low;
            moved_up.seq = high;
            // The event ids are unique: park one row while the other moves.
            conn.execute(
                "DELETE FROM audit_log WHERE seq IN (?1, ?2)",
                params![low as i64, high as i64],
            )
            .unwrap();
            write_entry(conn, &moved_down);
            write_entry(conn, &moved_up);
            Some((ProblemKind::Reordered, Some(low)))
        }
        Tamper::Insert { at } => {
            let seq = pick(at);
            for later in (seq..=count).rev() {
                conn.execute(
                    "UPDATE audit_log SET seq = seq + 1 WHERE seq = ?1",
                    params![later as i64],
                )
                .unwrap();
            }
            let mut forged = entries[(seq - 1) as usize].clone();
            forged.event_id = uuid::Uuid::now_v7().to_string();
            forged.payload = vec![0x5a; forged.payload.len()];
            write_entry(conn, &forged);
            rechain(conn, seq);
            Some((ProblemKind::Inserted, Some(seq)))
        }
        Tamper::MoveCiphertext { from, to } => {
            let source = pick(from);
            let mut target = pick(to);
            if target == source {
                target = source % count + 1;
            }
            let mut moved = entries[(target - 1) as usize].clone();
            moved.nonce = entries[(source - 1) as usize].nonce.clone();
            moved.payload = entries[(source - 1) as usize].payload.clone();
            write_entry(conn, &moved);
            rechain(conn, target);
            Some((ProblemKind::Modified, Some(target)))
        }
        Tamper::TruncateTail { count: drop } => {
            let drop = drop.index(count as usize) as u64 + 1;
            let keep = count - drop;
            conn.execute("DELETE FROM audit_log WHERE seq > ?1", params![keep as i64])
                .unwrap();
            conn.execute(
                "DELETE FROM audit_checkpoints WHERE seq > ?1",
                params![keep as i64],
            )
            .unwrap();
            Some((ProblemKind::Truncated, Some(keep + 1)))
        }
        Tamper::ForeignSignature { claim_store_key } => {
            let (foreign, _) = AuditKey::generate().unwrap();
            let (seq, head_hash, signed_at, key_id): (i64, Vec<u8>, String, String) = conn
                .query_row(
                    "SELECT seq, head_hash, signed_at, key_id FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .unwrap();
            let key_id = if *claim_store_key {
                key_id
            } else {
                foreign.id().to_string()
            };
            let checkpoint = Checkpoint {
                store_id: store_id(conn),
                seq: seq as u64,
                head_hash,
                signed_at,
                key_id: key_id.clone(),
                signature: Vec::new(),
            };
            let signature = foreign.sign(&chain::checkpoint_message(&checkpoint));
            conn.execute(
                "UPDATE audit_checkpoints SET signature = ?1, key_id = ?2 WHERE seq = ?3",
                params![signature.to_vec(), key_id, seq],
            )
            .unwrap();
            Some((ProblemKind::BadSignature, None))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn verify_catches_every_tampering_and_passes_an_untouched_log(
        operations in 4usize..24,
        tamper in tamper(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let saved = build_log(dir.path(), operations);
        let count = saved.seq;
        prop_assert_eq!(count, operations as u64);
        let expected = {
            let conn = attacker(dir.path());
            apply(&conn, count, &tamper)
        };
        let verdict = verify(dir.path(), &saved);
        match expected {
            None => prop_assert!(verdict.is_ok(), "untouched log failed: {:?}", verdict),
            Some((kind, seq)) => {
                let problem = match verdict {
                    Ok(verified) => panic!("{tamper:?} went unnoticed: {verified:?}"),
                    Err(problem) => problem,
                };
                prop_assert_eq!(problem.kind, kind, "{:?}: {}", tamper, problem);
                if seq.is_some() {
                    prop_assert_eq!(problem.seq, seq, "{:?}: {}", tamper, problem);
                }
                prop_assert!(!problem.to_string().is_empty());
            }
        }
    }
}

#[test]
fn a_report_names_the_entry_and_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let saved = build_log(dir.path(), 6);
    let conn = attacker(dir.path());
    conn.execute("DELETE FROM audit_log WHERE seq = 3", [])
        .unwrap();
    let problem = verify(dir.path(), &saved).unwrap_err();
    assert_eq!(
        problem.to_string(),
        "entry 3: deleted: entries 3 to 3 are missing: the log skips from 2 to 4"
    );
}
