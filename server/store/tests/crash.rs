//! Crash safety: what the store acknowledged survives a SIGKILL, and the log still verifies.
//!
//! Without arguments (the test), for a few rounds: start this binary again as a child with
//! `--child DIR`, read the writes it says were acknowledged, kill it at a varying point, then
//! open the store in DIR and check that every acknowledged version and event is there and that
//! `verify` holds. The directory is kept across rounds, so each round appends to a log that has
//! already survived a crash.
//!
//! With `--child DIR`: write to the store in DIR from many tasks at once, printing one line per
//! acknowledged write (`version <id>` or `event <id>`), until killed (or until stdout closes).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use promptopt_store::*;

const ROUNDS: usize = 3;
/// Acknowledgements to wait for before the kill; a random extra up to `EXTRA` moves the kill.
const ACKS: usize = 300;
const EXTRA: usize = 300;
/// The last round's: past the writer's one-second checkpoint, even in a debug build.
const LONG_ACKS: usize = 3_000;
const WRITERS: usize = 16;
const PROMPTS: usize = 4;
/// The most the child may stay silent before the test gives up on it.
const SILENCE: Duration = Duration::from_secs(30);
/// The most one round may take, start to verified.
const ROUND_LIMIT: Duration = Duration::from_secs(120);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, dir, ..] = args.as_slice() {
        if flag == "--child" {
            return child(Path::new(dir));
        }
    }
    match parent() {
        Ok(()) => {
            println!("crash: ok");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("crash: FAILED: {failure}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

// ---------------------------------------------------------------------------------------------
// The child: writes until killed.

fn prompt(index: usize) -> PromptId {
    PromptId::new(format!("crash-{index}")).expect("a prompt id")
}

fn user(name: &str) -> UserId {
    UserId::new(name).expect("a user id")
}

/// Print one acknowledgement; stop the process if nobody is reading any more.
fn acknowledge(kind: &str, id: impl std::fmt::Display) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{kind} {id}")
        .and_then(|()| out.flush())
        .is_err()
    {
        std::process::exit(0);
    }
}

fn child(dir: &Path) -> ExitCode {
    let store = match SqliteStore::open(StoreOptions::with_key_dir(dir)) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("crash child: cannot open the store: {error}");
            return ExitCode::FAILURE;
        }
    };
    let failure = runtime().block_on(async move {
        // Every prompt has a head before feedback and evaluations refer to it.
        for index in 0..PROMPTS {
            let saved = store
                .save_version(NewVersion::manual(
                    prompt(index),
                    format!("prompt {index}, first seen by pid {}\n", std::process::id()),
                    user("ana"),
                ))
                .await?;
            acknowledge("version", saved.version().id);
        }
        let mut writers = tokio::task::JoinSet::new();
        for writer in 0..WRITERS {
            let store = store.clone();
            writers.spawn(async move { write_forever(&store, writer).await });
        }
        match writers.join_next().await {
            Some(Ok(Err(error))) => Err(error),
            Some(Err(join)) => Err(StoreError::Invalid(format!("a writer task failed: {join}"))),
            Some(Ok(Ok(()))) | None => Ok(()),
        }
    });
    match failure {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("crash child: a write failed: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn write_forever(store: &SqliteStore, writer: usize) -> Result<()> {
    let pid = std::process::id();
    for step in 0usize.. {
        let prompt_id = prompt((writer + step) % PROMPTS);
        match step % 4 {
            0 => {
                let content = format!(
                    "prompt {prompt_id}\nrewritten by pid {pid}, writer {writer}, step {step}\n"
                );
                let saved = store
                    .save_version(NewVersion::manual(prompt_id, content, user("ana")))
                    .await?;
                acknowledge("version", saved.version().id);
            }
            1 | 2 => {
                let recorded = store
                    .submit_feedback(FeedbackPayload {
                        prompt_id,
                        user: user("qa"),
                        score: Rating::new((1 + (writer * 7 + step) % 5) as u8)
                            .map_err(StoreError::Invalid)?,
                        notes: (step % 3 == 0).then(|| format!("writer {writer} step {step}")),
                        version_id: None,
                    })
                    .await?;
                acknowledge("event", recorded.event_id);
            }
            _ => {
                let recorded = store
                    .record_evaluation(EvaluationRecord {
                        prompt_id,
                        version_id: None,
                        user: user("ci"),
                        score: 1.0 + ((writer + step) % 5) as f64,
                        evaluator: "builtin/1".into(),
                        passed: Some(3),
                        failed: Some(1),
                        result: serde_json::json!({ "writer": writer, "step": step }),
                    })
                    .await?;
                acknowledge("event", recorded.event_id);
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The parent: crashes the child and checks what it acknowledged.

/// A running child, killed and reaped however the round ends.
struct Running(Child);

impl Running {
    fn kill(&mut self) -> Result<std::process::ExitStatus, String> {
        // An error here means it had already exited; `wait` says how.
        let _ = self.0.kill();
        self.0
            .wait()
            .map_err(|error| format!("cannot reap the child: {error}"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(Default)]
struct Acknowledged {
    versions: Vec<VersionId>,
    events: Vec<EventId>,
}

impl Acknowledged {
    fn len(&self) -> usize {
        self.versions.len() + self.events.len()
    }

    fn take(&mut self, line: &str) -> Result<(), String> {
        let bad = || format!("the child printed an unexpected line: {line:?}");
        let (kind, id) = line.trim_end().split_once(' ').ok_or_else(bad)?;
        match kind {
            "version" => self.versions.push(id.parse().map_err(|_| bad())?),
            "event" => self.events.push(id.parse().map_err(|_| bad())?),
            _ => return Err(bad()),
        }
        Ok(())
    }
}

/// A number that differs from run to run, without a dependency.
fn random_below(bound: usize) -> usize {
    let hash = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (hash % bound.max(1) as u64) as usize
}

fn parent() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|error| format!("no temporary directory: {error}"))?;
    let exe = std::env::current_exe().map_err(|error| format!("cannot find this test: {error}"))?;
    let mut all = Acknowledged::default();
    let started = Instant::now();
    for round in 1..=ROUNDS {
        // The last round runs long enough for the child to sign checkpoints before it dies.
        let base = if round == ROUNDS { LONG_ACKS } else { ACKS };
        let target = base + random_below(EXTRA + 1);
        let acked = crash_once(&exe, dir.path(), target)?;
        let this_round = acked.len();
        all.versions.extend(acked.versions);
        all.events.extend(acked.events);
        let verified = check(dir.path(), &all)?;
        println!(
            "round {round}: killed after {this_round} acknowledgements (aimed at {target}); \
             all {} versions and {} events acknowledged so far are there; verify ok: {} entries, \
             {} checkpoints, unsigned tail {}",
            all.versions.len(),
            all.events.len(),
            verified.entries,
            verified.checkpoints,
            verified.unsigned_tail,
        );
    }
    println!(
        "{ROUNDS} crashes survived in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Run a child in `dir` until it acknowledged at least `target` writes, SIGKILL it, and return
/// every write it acknowledged (those printed before it died included).
fn crash_once(exe: &Path, dir: &Path, target: usize) -> Result<Acknowledged, String> {
    let deadline = Instant::now() + ROUND_LIMIT;
    let mut child = Command::new(exe)
        .arg("--child")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| format!("cannot start the child: {error}"))?;
    let stdout = child.stdout.take();
    let mut running = Running(child);
    let stdout = stdout.ok_or("the child has no stdout")?;

    // A thread reads the pipe so the wait for a line can time out.
    let (lines, received) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        loop {
            let mut line = String::new();
            match stdout.read_line(&mut line) {
                // A line cut short by the kill is not an acknowledgement.
                Ok(_) if line.ends_with('\n') => {
                    if lines.send(line).is_err() {
                        return;
                    }
                }
                _ => return,
            }
        }
    });

    let mut acked = Acknowledged::default();
    while acked.len() < target {
        let wait = SILENCE.min(deadline.saturating_duration_since(Instant::now()));
        match received.recv_timeout(wait) {
            Ok(line) => acked.take(&line)?,
            Err(mpsc::RecvTimeoutError::Timeout) if wait < SILENCE => {
                return Err(format!(
                    "the round took over {} s; the child had acknowledged {} writes",
                    ROUND_LIMIT.as_secs(),
                    acked.len()
                ));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(format!(
                    "the child printed nothing for {} s after {} acknowledgements",
                    SILENCE.as_secs(),
                    acked.len()
                ));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = running.kill()?;
                return Err(format!(
                    "the child stopped by itself ({status}) after {} acknowledgements",
                    acked.len()
                ));
            }
        }
    }
    let status = running.kill()?;
    if status.success() {
        return Err(format!("the child exited cleanly ({status}), not killed"));
    }
    // What it printed before it died was acknowledged too. The pipe is closed now, so the
    // reader ends; the bound is only a guard.
    loop {
        let wait = Duration::from_secs(10).min(deadline.saturating_duration_since(Instant::now()));
        match received.recv_timeout(wait) {
            Ok(line) => acked.take(&line)?,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err("the child's output did not end after it was killed".into());
            }
        }
    }
    let _ = reader.join();
    Ok(acked)
}

/// Open the store after a crash and check that everything acknowledged is there and the log
/// verifies.
fn check(dir: &Path, acked: &Acknowledged) -> Result<audit::Verified, String> {
    let dir: PathBuf = dir.to_owned();
    let versions = acked.versions.clone();
    let events = acked.events.clone();
    runtime().block_on(async move {
        let store = SqliteStore::open(StoreOptions::with_key_dir(&dir))
            .map_err(|error| format!("the store does not open after the crash: {error}"))?;
        let failure = |what: &str, error: StoreError| format!("{what} failed: {error}");
        // The unique ids, so an unchanged save (the head's id again) is looked up once.
        let unique: HashSet<VersionId> = versions.iter().copied().collect();
        for id in unique {
            if store
                .version(id)
                .await
                .map_err(|e| failure("version", e))?
                .is_none()
            {
                return Err(format!(
                    "version {id} was acknowledged but is gone after the crash"
                ));
            }
        }
        let recorded: HashSet<EventId> = store
            .audit_records(AuditFilter::default())
            .await
            .map_err(|e| failure("audit_records", e))?
            .into_iter()
            .map(|record| record.event_id)
            .collect();
        let missing: Vec<&EventId> = events.iter().filter(|id| !recorded.contains(id)).collect();
        if let Some(first) = missing.first() {
            return Err(format!(
                "{} acknowledged events are not in the audit log after the crash (first: {first})",
                missing.len()
            ));
        }
        let verdict = store.verify(None).await.map_err(|e| failure("verify", e))?;
        let verified =
            verdict.map_err(|problem| format!("verify fails after the crash: {problem}"))?;
        if verified.entries < (unique_count(&versions) + events.len()) as u64 {
            return Err(format!(
                "the log has {} entries, fewer than the writes acknowledged",
                verified.entries
            ));
        }
        store.close();
        Ok(verified)
    })
}

fn unique_count(versions: &[VersionId]) -> usize {
    versions.iter().collect::<HashSet<_>>().len()
}
