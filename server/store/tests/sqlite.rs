//! The repository contract, run against the SQLite store; then what is SQLite's own: reopening,
//! the append-only triggers, and the state directory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod contract;

use contract::TestResult;
use promptopt_store::*;

fn open(dir: &std::path::Path) -> SqliteStore {
    SqliteStore::open(StoreOptions::with_key_dir(dir)).unwrap_or_else(|error| panic!("{error}"))
}

macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() -> TestResult {
            let dir = tempfile::tempdir()?;
            let store = open(dir.path());
            contract::$name(&store).await
        }
    )*};
}

contract_tests!(
    versions_chain_and_unchanged_content_is_not_a_version,
    candidates_sit_beside_the_head,
    feedback_is_recorded_against_a_version,
    oversized_input_is_refused_and_nothing_is_recorded,
    review_gating_refuses_self_approval_and_records_it,
    overrides_need_a_reason_and_are_recorded,
    rollback_restores_an_earlier_version_as_the_new_head,
    a_quality_drop_raises_one_alert,
    annotations_and_favorites,
    the_trail_verifies_and_exports_by_prompt_and_time,
    a_saved_checkpoint_keeps_verifying_as_the_log_grows,
    rotated_keys_keep_old_entries_readable,
    concurrent_writes_are_all_acknowledged_in_one_chain,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_survives_a_reopen_and_the_close_signs_the_head() -> TestResult {
    let dir = tempfile::tempdir()?;
    let greet = contract::prompt("greet");
    let (store_id, version) = {
        let store = open(dir.path());
        let version = contract::save(&store, &greet, "Hello").await;
        store.rotate_keys(contract::user("admin")).await?;
        contract::save(&store, &greet, "Hi").await;
        store.close();
        (store.store_id().to_owned(), version)
    };
    let store = open(dir.path());
    assert_eq!(store.store_id(), store_id);
    assert_eq!(
        store.version(version.id).await?.map(|v| v.content),
        Some("Hello".into())
    );
    let verdict = store.verify(None).await?;
    let verified = verdict.map_err(|problem| problem.to_string())?;
    assert_eq!(verified.entries, 3);
    assert_eq!(verified.unsigned_tail, 0, "closing signs the head");
    assert_eq!(store.history(&greet).await?.len(), 3 - 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tables_refuse_update_and_delete() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path());
    contract::save(&store, &contract::prompt("greet"), "Hello").await;
    store.close();
    let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE))?;
    for statement in [
        "UPDATE audit_log SET event_type = 'x'",
        "DELETE FROM audit_log",
        "UPDATE versions SET content = 'x'",
        "DELETE FROM versions",
        "DELETE FROM audit_checkpoints",
        "UPDATE audit_keys SET public_key = x'00'",
        "DELETE FROM meta",
    ] {
        let error = conn.execute(statement, []).err();
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("append-only") || message.contains("immutable"),
            "`{statement}` was not refused: {message:?}"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_share_one_chain() -> TestResult {
    // The editor's daemon and a CLI run open the same state directory at once.
    let dir = tempfile::tempdir()?;
    let first = open(dir.path());
    let second = open(dir.path());
    assert_eq!(first.store_id(), second.store_id());
    let greet = contract::prompt("greet");
    for round in 0..10 {
        let store = if round % 2 == 0 { &first } else { &second };
        contract::save(store, &greet, &format!("round {round}")).await;
    }
    let verdict = first.verify(None).await?;
    assert!(
        matches!(verdict, Ok(ref v) if v.entries == 10),
        "{verdict:?}"
    );
    let history = second.history(&greet).await?;
    let sessions: std::collections::HashSet<_> = history.iter().map(|r| r.session_id).collect();
    assert_eq!(
        sessions.len(),
        2,
        "each store writes with its own session id"
    );
    Ok(())
}

#[test]
fn a_state_dir_that_is_a_file_is_a_clear_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("state");
    std::fs::write(&file, "not a directory")?;
    let error = SqliteStore::open(StoreOptions::with_key_dir(&file)).err();
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("cannot be used"), "{message}");
    Ok(())
}

#[test]
fn stores_opened_at_the_same_moment_on_a_new_folder_agree() -> TestResult {
    // The editor's daemon and a CLI run may create a project's store at the same instant.
    for _ in 0..10 {
        let dir = tempfile::tempdir()?;
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let dir = dir.path().to_owned();
                std::thread::spawn(move || {
                    SqliteStore::open(StoreOptions::with_key_dir(&dir))
                        .map(|store| store.store_id().to_owned())
                        .map_err(|error| error.to_string())
                })
            })
            .collect();
        let mut ids = std::collections::HashSet::new();
        for opener in openers {
            let id = opener.join().map_err(|_| "an opener panicked")??;
            ids.insert(id);
        }
        assert_eq!(ids.len(), 1, "one store, one identity: {ids:?}");
    }
    Ok(())
}

/// Every kind of registry row, written by the store.
async fn busy_registry(store: &SqliteStore) -> Result<Version, Box<dyn std::error::Error>> {
    let greet = contract::prompt("greet");
    let first = contract::save(store, &greet, "one").await;
    contract::save(store, &greet, "two").await;
    store
        .request_review(ReviewRequest {
            version_id: first.id,
            user: contract::user("ana"),
            note: None,
        })
        .await?;
    store
        .approve(Approval {
            version_id: first.id,
            approver: contract::user("bo"),
            note: None,
            override_rules: None,
        })
        .await?;
    store
        .deploy(Deployment {
            prompt_id: greet.clone(),
            version_id: Some(first.id),
            label: Label::production(),
            user: contract::user("ops"),
            deploy_ref: None,
            override_rules: None,
        })
        .await?;
    store
        .set_favorite(first.id, contract::user("qa"), true)
        .await?;
    for score in [5, 5, 4, 5, 5, 4, 5, 5, 1, 1, 1] {
        store
            .submit_feedback(FeedbackPayload {
                prompt_id: greet.clone(),
                user: contract::user("qa"),
                score: Rating::new(score)?,
                notes: None,
                version_id: None,
            })
            .await?;
    }
    store
        .record_evaluation(EvaluationRecord {
            prompt_id: greet.clone(),
            version_id: None,
            user: contract::user("ci"),
            score: 4.25,
            evaluator: "builtin/1".into(),
            passed: None,
            failed: None,
            result: serde_json::json!({}),
        })
        .await?;
    store
        .rollback(RollbackRequest {
            prompt_id: greet,
            to: Some(first.id),
            user: contract::user("ops"),
            reason: "back".into(),
            override_rules: None,
        })
        .await?;
    assert_eq!(store.alerts(None).await?.len(), 1);
    Ok(first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_rows_are_checked_against_the_entries_that_wrote_them() -> TestResult {
    let forgeries = [
        // Approve a draft without an approval on record.
        "INSERT INTO review_moves (version_id, state, event_seq) \
         SELECT id, 'approved', 2 FROM versions WHERE content = 'two'",
        // Point production at another version.
        "INSERT INTO label_moves (prompt_id, label, version_id, event_seq) \
         SELECT 'greet', 'production', id, 3 FROM versions WHERE content = 'two'",
        // Change what a version says.
        "UPDATE versions SET content = 'three' WHERE content = 'two'",
        // A rating nobody gave.
        "INSERT INTO feedback (event_seq, prompt_id, version_id, user, score) \
         SELECT 1, 'greet', id, 'qa', 5 FROM versions WHERE content = 'one' LIMIT 1",
    ];
    for forgery in forgeries {
        let dir = tempfile::tempdir()?;
        let store = open(dir.path());
        busy_registry(&store).await?;
        let verdict = store.verify(None).await?;
        assert!(
            verdict.is_ok(),
            "an untouched registry verifies: {verdict:?}"
        );
        store.close();
        drop(store);

        let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE))?;
        // The triggers refuse each of these; the attacker drops them first.
        assert!(
            conn.execute_batch(forgery).is_err(),
            "`{forgery}` was not refused"
        );
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        let triggers: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        for trigger in triggers {
            conn.execute_batch(&format!("DROP TRIGGER {trigger}"))?;
        }
        conn.execute_batch(forgery)?;
        drop(conn);

        let store = open(dir.path());
        let verdict = store.verify(None).await?;
        let problem = verdict
            .err()
            .unwrap_or_else(|| panic!("`{forgery}` went unnoticed"));
        assert!(problem.seq.is_some(), "{problem}");
        assert!(problem.detail.contains("row"), "`{forgery}` → {problem}");
    }
    Ok(())
}
