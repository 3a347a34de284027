//! The registry and audit verbs run as users run them: save, history, feedback, review gating,
//! rollback, the audit trail, drift alerts, and the engine commands recording into a store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const GREET: &str = "---\nname: greet\ninput:\n  schema:\n    name: string\n---\n{{role \"system\"}}\nYou greet the user by name in one sentence.\n{{role \"user\"}}\n<name>{{name}}</name>\n";

fn run_as(dir: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promptopt"))
        .args(args)
        .current_dir(dir)
        .env("PROMPTOPT_USER", user)
        .env("PROMPTOPT_AUDIT_KEY_DIR", dir.join("keys"))
        .env_remove("PROMPTOPT_STATE_DIR")
        .env_remove("OPENAI_BASE_URL")
        .output()
        .expect("the binary runs")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    run_as(dir, "ana", args)
}

fn ok(output: Output) -> Output {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The command could not run (exit 2) and said why.
fn usage_error(output: &Output, says: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert!(stderr(output).contains(says), "{}", stderr(output));
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("greet.prompt"), GREET).unwrap();
    dir
}

fn history(dir: &Path) -> Value {
    json(&ok(run(dir, &["history", "greet.prompt", "--json"])))
}

fn event_types(history: &Value) -> Vec<String> {
    history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn save_records_a_version_only_when_the_content_changed() {
    let dir = project();
    let first = json(&ok(run(
        dir.path(),
        &["save", "greet.prompt", "-m", "first", "--json"],
    )));
    assert_eq!(first["outcome"], "created");
    assert_eq!(first["version"]["promptId"], "greet");
    assert_eq!(first["version"]["origin"], "manual");
    assert_eq!(first["version"]["author"], "ana");
    assert_eq!(first["version"]["message"], "first");
    let again = json(&ok(run(dir.path(), &["save", "greet.prompt", "--json"])));
    assert_eq!(again["outcome"], "unchanged");
    assert_eq!(again["version"]["id"], first["version"]["id"]);
    assert!(dir.path().join(".promptopt/promptopt.db").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".promptopt/.gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    let history = history(dir.path());
    assert_eq!(history["versions"].as_array().unwrap().len(), 1);
    assert_eq!(event_types(&history), ["PromptVersionSaved"]);
    assert_eq!(history["head"], first["version"]["id"]);
}

#[test]
fn an_author_cannot_approve_their_own_version_and_the_refusal_is_audited() {
    let dir = project();
    ok(run(
        dir.path(),
        &["review", "greet.prompt", "--note", "ready"],
    ));
    let own = run(dir.path(), &["approve", "greet.prompt"]);
    assert_eq!(own.status.code(), Some(1));
    assert!(
        stderr(&own).contains("cannot approve their own version"),
        "{}",
        stderr(&own)
    );
    let approved = json(&ok(run_as(
        dir.path(),
        "bo",
        &["approve", "greet.prompt", "--json"],
    )));
    assert_eq!(approved["review"], "approved");
    let deployed = json(&ok(run_as(
        dir.path(),
        "ops",
        &["deploy", "greet.prompt", "--ref", "release-7", "--json"],
    )));
    assert_eq!(deployed["review"], "deployed");
    let history = history(dir.path());
    assert_eq!(
        event_types(&history),
        [
            "PromptVersionSaved",
            "ReviewRequested",
            "AccessDenied",
            "PromptApproved",
            "PromptDeployed"
        ]
    );
    assert_eq!(history["labels"][0]["label"], "production");
    assert_eq!(history["labels"][0]["versionId"], deployed["id"]);
    assert_eq!(history["events"][4]["deployRef"], "release-7");
    assert_eq!(history["events"][4]["user"], "ops");
}

#[test]
fn deploying_an_unapproved_version_needs_a_recorded_reason() {
    let dir = project();
    let unsaved = run(dir.path(), &["deploy", "greet.prompt"]);
    usage_error(&unsaved, "save it first");
    ok(run(dir.path(), &["save", "greet.prompt"]));
    let refused = run(dir.path(), &["deploy", "greet.prompt"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("only an approved version"),
        "{}",
        stderr(&refused)
    );
    ok(run(
        dir.path(),
        &[
            "deploy",
            "greet.prompt",
            "--override",
            "hotfix for incident 42",
        ],
    ));
    let history = history(dir.path());
    assert_eq!(
        event_types(&history)[1..],
        ["AccessDenied", "ApprovalOverridden", "PromptDeployed"]
    );
    assert_eq!(history["events"][2]["reason"], "hotfix for incident 42");
    let bad_label = run(
        dir.path(),
        &["deploy", "greet.prompt", "--label", "not a label"],
    );
    assert_eq!(bad_label.status.code(), Some(2));
}

#[test]
fn rollback_restores_the_file_and_keeps_unsaved_edits_as_a_version() {
    let dir = project();
    let file = dir.path().join("greet.prompt");
    let v1 = json(&ok(run(dir.path(), &["save", "greet.prompt", "--json"])));
    let v2_text = GREET.replace("one sentence", "two sentences");
    std::fs::write(&file, &v2_text).unwrap();
    ok(run(dir.path(), &["save", "greet.prompt"]));
    let unsaved = GREET.replace("one sentence", "a haiku");
    std::fs::write(&file, &unsaved).unwrap();

    let rolled = json(&ok(run(
        dir.path(),
        &[
            "rollback",
            "greet.prompt",
            "--reason",
            "haikus confuse users",
            "--json",
        ],
    )));
    // The unsaved edit became the head first; the default target is the version before it.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), v2_text);
    assert_eq!(rolled["version"]["origin"], "rollback");
    let history = history(dir.path());
    let contents: Vec<&str> = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        contents,
        [GREET, v2_text.as_str(), unsaved.as_str(), v2_text.as_str()]
    );
    let last = history["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["eventType"], "RollbackTriggered");
    assert_eq!(last["reason"], "haikus confuse users");
    assert_eq!(last["previousId"], rolled["restored"]);

    let v1_id = v1["version"]["id"].as_str().unwrap();
    ok(run(
        dir.path(),
        &[
            "rollback",
            "greet.prompt",
            "--to",
            v1_id,
            "--reason",
            "back to the start",
        ],
    ));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), GREET);
    let no_reason = run(dir.path(), &["rollback", "greet.prompt"]);
    assert_eq!(no_reason.status.code(), Some(2));
    let blank = run(dir.path(), &["rollback", "greet.prompt", "--reason", " "]);
    usage_error(&blank, "a reason is required");
}

#[test]
fn feedback_is_validated_and_recorded_with_its_notes() {
    let dir = project();
    let out_of_range = run(dir.path(), &["feedback", "greet.prompt", "--score", "6"]);
    assert_eq!(out_of_range.status.code(), Some(2));
    let recorded = json(&ok(run_as(
        dir.path(),
        "qa@example.com",
        &[
            "feedback",
            "greet.prompt",
            "--score",
            "2",
            "--notes",
            "too stiff",
            "--json",
        ],
    )));
    assert!(recorded["eventId"].is_string());
    let history = history(dir.path());
    let feedback = &history["events"][1];
    assert_eq!(feedback["eventType"], "FeedbackSubmitted");
    assert_eq!(feedback["user"], "qa@example.com");
    assert_eq!(feedback["score"], 2.0);
    assert_eq!(feedback["feedback"], "too stiff");
    assert_eq!(feedback["versionId"], recorded["versionId"]);
}

#[test]
fn a_run_of_low_ratings_raises_one_drift_alert() {
    let dir = project();
    let mut alerted = Vec::new();
    for score in [
        "5", "5", "4", "5", "5", "4", "5", "5", "1", "1", "1", "1", "2",
    ] {
        let out = ok(run(
            dir.path(),
            &["feedback", "greet.prompt", "--score", score],
        ));
        if stdout(&out).contains("drift:") {
            alerted.push(score);
        }
    }
    assert_eq!(alerted.len(), 1, "{alerted:?}");
    let alerts = json(&ok(run(dir.path(), &["alerts", "--json"])));
    assert_eq!(alerts.as_array().unwrap().len(), 1);
    assert_eq!(alerts[0]["direction"], "down");
    assert_eq!(alerts[0]["series"], "feedbackRating");
    assert!(stdout(&ok(run(dir.path(), &["alerts"]))).contains("`greet` feedbackRating went down"));
    let none = json(&ok(run(
        dir.path(),
        &["alerts", "--prompt", "other", "--json"],
    )));
    assert_eq!(none, serde_json::json!([]));
}

#[test]
fn audit_verify_names_the_first_tampered_entry() {
    let dir = project();
    ok(run(dir.path(), &["save", "greet.prompt"]));
    ok(run(
        dir.path(),
        &["feedback", "greet.prompt", "--score", "4"],
    ));
    ok(run(
        dir.path(),
        &["feedback", "greet.prompt", "--score", "3"],
    ));
    let verified = ok(run(dir.path(), &["audit", "verify"]));
    assert!(
        stdout(&verified).starts_with("ok: 3 entries"),
        "{}",
        stdout(&verified)
    );
    let report = json(&ok(run(dir.path(), &["audit", "verify", "--json"])));
    assert_eq!(report["ok"], true);
    assert_eq!(report["verified"]["entries"], 3);

    let conn = rusqlite::Connection::open(dir.path().join(".promptopt/promptopt.db")).unwrap();
    conn.execute_batch("DROP TRIGGER audit_log_no_update")
        .unwrap();
    conn.execute(
        "UPDATE audit_log SET payload = CAST(zeroblob(length(payload)) AS BLOB) WHERE seq = 2",
        [],
    )
    .unwrap();
    drop(conn);
    let failed = run(dir.path(), &["audit", "verify"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        stdout(&failed).starts_with("FAILED: entry 2: modified"),
        "{}",
        stdout(&failed)
    );
    let report = json(&run(dir.path(), &["audit", "verify", "--json"]));
    assert_eq!(report["ok"], false);
    assert_eq!(report["problem"]["seq"], 2);
    assert_eq!(report["problem"]["kind"], "modified");
}

#[test]
fn a_saved_checkpoint_catches_a_log_cut_short() {
    let dir = project();
    ok(run(dir.path(), &["save", "greet.prompt"]));
    ok(run(
        dir.path(),
        &["feedback", "greet.prompt", "--score", "4"],
    ));
    ok(run(
        dir.path(),
        &["audit", "checkpoint", "--out", "checkpoint.json"],
    ));
    ok(run(
        dir.path(),
        &["audit", "verify", "--against", "checkpoint.json"],
    ));
    let conn = rusqlite::Connection::open(dir.path().join(".promptopt/promptopt.db")).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; DROP TRIGGER audit_log_no_delete; \
         DROP TRIGGER audit_checkpoints_no_delete; DROP TRIGGER feedback_no_delete; \
         DELETE FROM feedback; DELETE FROM audit_log WHERE seq = 2; \
         DELETE FROM audit_checkpoints WHERE seq >= 2;",
    )
    .unwrap();
    drop(conn);
    // The log alone still looks whole; the saved checkpoint says it is not.
    ok(run(dir.path(), &["audit", "verify"]));
    let cut = run(
        dir.path(),
        &["audit", "verify", "--against", "checkpoint.json"],
    );
    assert_eq!(cut.status.code(), Some(1));
    assert!(
        stdout(&cut).contains("entry 2: truncated"),
        "{}",
        stdout(&cut)
    );
    let bad = run(
        dir.path(),
        &["audit", "verify", "--against", "greet.prompt"],
    );
    usage_error(&bad, "is not a checkpoint");
}

#[test]
fn export_gives_the_decrypted_trail_as_jsonl_or_csv() {
    let dir = project();
    ok(run(dir.path(), &["save", "greet.prompt"]));
    ok(run(
        dir.path(),
        &[
            "feedback",
            "greet.prompt",
            "--score",
            "4",
            "--notes",
            "=1+1, \"quoted\"",
        ],
    ));
    let jsonl = stdout(&ok(run(
        dir.path(),
        &["audit", "export", "--format", "jsonl"],
    )));
    let records: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["feedback"], "=1+1, \"quoted\"");
    assert_eq!(records[1]["seq"], 2);

    let csv = stdout(&ok(run(
        dir.path(),
        &["audit", "export", "--format", "csv"],
    )));
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("seq,eventId,eventType,promptId")
    );
    assert!(
        csv.contains("'=1+1"),
        "a formula in a note is neutralized: {csv}"
    );

    ok(run(
        dir.path(),
        &["audit", "export", "--format", "csv", "--out", "trail.csv"],
    ));
    assert!(
        std::fs::read_to_string(dir.path().join("trail.csv"))
            .unwrap()
            .contains("FeedbackSubmitted")
    );
    let future = stdout(&ok(run(
        dir.path(),
        &["audit", "export", "--since", "2999-01-01"],
    )));
    assert!(future.is_empty());
    let other = stdout(&ok(run(
        dir.path(),
        &["audit", "export", "--prompt", "other"],
    )));
    assert!(other.is_empty());
    let bad = run(dir.path(), &["audit", "export", "--since", "last tuesday"]);
    usage_error(&bad, "--since");
}

#[test]
fn rotated_keys_keep_the_trail_verifiable() {
    let dir = project();
    ok(run(dir.path(), &["save", "greet.prompt"]));
    let rotated = json(&ok(run_as(
        dir.path(),
        "admin",
        &["audit", "rotate-keys", "--json"],
    )));
    let key_id = rotated["keyId"].as_str().unwrap().to_owned();
    assert_eq!(key_id.len(), 16, "{rotated}");
    ok(run(
        dir.path(),
        &["feedback", "greet.prompt", "--score", "5"],
    ));
    assert!(stdout(&ok(run(dir.path(), &["audit", "verify"]))).starts_with("ok: 3 entries"));
    let keys = std::fs::read_dir(dir.path().join("keys")).unwrap().count();
    assert_eq!(keys, 2);
    let trail = stdout(&ok(run(dir.path(), &["audit", "export"])));
    assert!(trail.contains("\"eventType\":\"KeysRotated\""));
    assert!(trail.contains(&key_id), "the rotation names the new key");
}

#[test]
fn the_engine_records_into_a_store_only_when_the_project_uses_one() {
    let dir = project();
    let quiet = ok(run(dir.path(), &["eval", "greet.prompt"]));
    assert!(
        !dir.path().join(".promptopt").exists(),
        "eval created a store"
    );
    assert!(!stderr(&quiet).contains("recorded"));

    ok(run(dir.path(), &["save", "greet.prompt"]));
    let eval = ok(run(dir.path(), &["eval", "greet.prompt"]));
    assert!(
        stderr(&eval).contains("recorded the evaluation"),
        "{}",
        stderr(&eval)
    );
    let generate = ok(run(
        dir.path(),
        &["generate", "greet.prompt", "--count", "3", "--json"],
    ));
    assert!(
        stderr(&generate).contains("recorded 3 candidates"),
        "{}",
        stderr(&generate)
    );
    let refine = ok(run(
        dir.path(),
        &[
            "refine",
            "greet.prompt",
            "--feedback",
            "it needs a worked example",
            "--write",
        ],
    ));
    assert!(
        stderr(&refine).contains("as the new head"),
        "{}",
        stderr(&refine)
    );

    let history = history(dir.path());
    let types = event_types(&history);
    assert_eq!(types[..2], ["PromptVersionSaved", "PromptEvaluated"]);
    assert_eq!(types.iter().filter(|t| *t == "PromptGenerated").count(), 3);
    assert_eq!(types.last().map(String::as_str), Some("PromptRefined"));
    let evaluated = &history["events"][1];
    assert_eq!(evaluated["evaluator"], "builtin/1");
    let head = history["head"].as_str().unwrap();
    let head_version = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == head)
        .unwrap();
    assert_eq!(head_version["origin"], "refined");
    assert_eq!(
        head_version["content"].as_str().unwrap(),
        std::fs::read_to_string(dir.path().join("greet.prompt")).unwrap()
    );
}

#[test]
fn an_explicit_state_dir_is_used_and_created() {
    let dir = project();
    ok(run(
        dir.path(),
        &["eval", "greet.prompt", "--state-dir", "elsewhere"],
    ));
    assert!(dir.path().join("elsewhere/promptopt.db").is_file());
    assert!(!dir.path().join(".promptopt").exists());
}

#[test]
fn approving_acts_on_the_recorded_head_never_on_a_version_made_for_the_reviewer() {
    let dir = project();
    ok(run(dir.path(), &["review", "greet.prompt"]));
    // The reviewer's copy differs (an editor added a trailing newline): approving it would
    // record a version authored by the reviewer and refuse their own approval.
    std::fs::write(dir.path().join("greet.prompt"), format!("{GREET}\n")).unwrap();
    let differs = run_as(dir.path(), "bo", &["approve", "greet.prompt"]);
    usage_error(&differs, "differs from its head");
    let head = history(dir.path())["head"].as_str().unwrap().to_owned();
    ok(run_as(
        dir.path(),
        "bo",
        &["approve", "greet.prompt", "--version", &head],
    ));
    let history = history(dir.path());
    assert_eq!(
        history["versions"].as_array().unwrap().len(),
        1,
        "nothing was recorded for bo"
    );
}

#[test]
fn refused_input_records_nothing_and_reading_commands_create_nothing() {
    let dir = project();
    let history_first = run(dir.path(), &["history", "greet.prompt"]);
    usage_error(&history_first, "no registry at");
    for command in [
        &["audit", "verify"][..],
        &["alerts"][..],
        &["audit", "export"][..],
    ] {
        assert_eq!(
            run(dir.path(), command).status.code(),
            Some(2),
            "{command:?}"
        );
    }
    assert!(
        !dir.path().join(".promptopt").exists(),
        "a reading command created a store"
    );

    ok(run(dir.path(), &["save", "greet.prompt"]));
    std::fs::write(dir.path().join("greet.prompt"), GREET.replace("one", "two")).unwrap();
    let long = "x".repeat(20_000);
    let refused = run(
        dir.path(),
        &["feedback", "greet.prompt", "--score", "3", "--notes", &long],
    );
    assert_eq!(refused.status.code(), Some(2));
    let nowhere = run(
        dir.path(),
        &[
            "rollback",
            "greet.prompt",
            "--to",
            "01a21eec-0000-7000-8000-000000000000",
            "--reason",
            "x",
        ],
    );
    usage_error(&nowhere, "no version");
    let history = history(dir.path());
    assert_eq!(history["events"].as_array().unwrap().len(), 1, "{history}");
}
