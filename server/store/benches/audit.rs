//! The audit log's two costs: how many durable, audited writes a second the store acknowledges,
//! and how long `audit verify` takes over 100,000 entries. Prints the figures beside the aims
//! (10,000 ops/s; verify of 100k entries under 2 s) without asserting them. For contrast it also
//! times one writer waiting for each acknowledgement, and the concurrent load as annotations,
//! which append to the log without the drift monitor's check that a rating runs.
//! Run: `cargo bench -p promptopt-store --bench audit`.
//!
//! The stores live under the target directory, on the disk the store would really use: a
//! tmpfs would make every fsync free.

// A bench that cannot set up should stop with the reason.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::{Duration, Instant};

use promptopt_store::*;

/// Concurrent writers for the throughput run, and how many writes they make between them.
const TASKS: usize = 64;
const TOTAL_OPS: usize = 50_000;
/// How long the one-at-a-time run goes on.
const SEQUENTIAL_FOR: Duration = Duration::from_secs(3);
/// The log `verify` is timed on.
const VERIFY_ENTRIES: usize = 100_000;
const VERIFY_RUNS: usize = 3;

const AIM_OPS_PER_S: f64 = 10_000.0;
const AIM_VERIFY_100K: Duration = Duration::from_secs(2);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the bench");
    runtime.block_on(bench());
}

fn prompt() -> PromptId {
    PromptId::new("bench").expect("a prompt id")
}

fn user() -> UserId {
    UserId::new("bench@example.com").expect("a user id")
}

fn feedback(i: usize) -> FeedbackPayload {
    FeedbackPayload {
        prompt_id: prompt(),
        user: user(),
        score: Rating::new(3 + (i % 3) as u8).expect("a rating"),
        notes: None,
        version_id: None,
    }
}

/// A fresh store under the target directory, with one version to rate.
async fn fresh_store(base: &Path) -> (tempfile::TempDir, SqliteStore, VersionId) {
    let dir = tempfile::tempdir_in(base).expect("a directory under the target dir");
    let store = SqliteStore::open(StoreOptions::with_key_dir(dir.path())).expect("a store");
    let saved = store
        .save_version(NewVersion::manual(prompt(), "Rate this answer.\n", user()))
        .await
        .expect("the first version");
    let version = saved.version().id;
    (dir, store, version)
}

/// What the writers do.
#[derive(Clone, Copy, PartialEq)]
enum Op {
    /// `submit_feedback`: an audited append, a row, and the drift monitor's check.
    Feedback,
    /// `annotate`: an audited append alone.
    Annotate,
    /// Feedback and annotations in turn.
    Mixed,
}

async fn one(store: &SqliteStore, version: VersionId, op: Op, i: usize) {
    let annotate = match op {
        Op::Feedback => false,
        Op::Annotate => true,
        Op::Mixed => i % 2 == 1,
    };
    if annotate {
        store
            .annotate(Annotation {
                version_id: version,
                user: user(),
                note: format!("note {i}"),
                lines: None,
            })
            .await
            .expect("an annotation is recorded");
    } else {
        store
            .submit_feedback(feedback(i))
            .await
            .expect("a rating is recorded");
    }
}

/// `TASKS` writers submitting `total` ratings between them, each waiting for its
/// acknowledgement before the next. Returns the wall time and every acknowledgement's latency.
async fn concurrent(
    store: &SqliteStore,
    version: VersionId,
    op: Op,
    total: usize,
    tasks: usize,
) -> (Duration, Vec<Duration>) {
    let started = Instant::now();
    let mut writers = tokio::task::JoinSet::new();
    for task in 0..tasks {
        let store = store.clone();
        let share = total / tasks + usize::from(task < total % tasks);
        writers.spawn(async move {
            let mut latencies = Vec::with_capacity(share);
            for i in 0..share {
                let sent = Instant::now();
                one(&store, version, op, task + i).await;
                latencies.push(sent.elapsed());
            }
            latencies
        });
    }
    let mut latencies = Vec::with_capacity(total);
    while let Some(done) = writers.join_next().await {
        latencies.extend(done.expect("a writer task"));
    }
    (started.elapsed(), latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn mark(pass: bool) -> &'static str {
    if pass { "pass" } else { "MISS" }
}

/// The filesystem `path` is on, from /proc/mounts (the longest mount point containing it).
fn filesystem(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let Ok(mounts) = std::fs::read_to_string("/proc/mounts") else {
        return "unknown (no /proc/mounts)".into();
    };
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let device = fields.next()?;
            let point = fields.next()?.replace("\\040", " ");
            let kind = fields.next()?;
            path.starts_with(&point)
                .then(|| (point.len(), format!("{kind} ({device} on {point})")))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, found)| found)
        .unwrap_or_else(|| "unknown".into())
}

async fn bench() {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(base).expect("the target's temporary directory");
    println!(
        "audit: stores in {}, filesystem {}; synchronous=FULL, WAL",
        base.display(),
        filesystem(base)
    );

    // (a) Durable, audited writes: each acknowledgement means the rating and its audit entry are
    // committed and synced.
    let (_dir, store, version) = fresh_store(base).await;
    // Warm up: pages, the reader pool, a full drift window.
    concurrent(&store, version, Op::Feedback, 2_000, TASKS).await;
    let (wall, mut latencies) = concurrent(&store, version, Op::Feedback, TOTAL_OPS, TASKS).await;
    latencies.sort();
    let rate = TOTAL_OPS as f64 / wall.as_secs_f64();
    println!(
        "  durable appends, {TASKS} concurrent writers: {TOTAL_OPS} submit_feedback in {:.2} s = \
         {rate:.0} ops/s (aim {AIM_OPS_PER_S:.0}: {}); ack latency p50 {}, p99 {}",
        wall.as_secs_f64(),
        mark(rate >= AIM_OPS_PER_S),
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
    );

    let mut latencies = Vec::new();
    let started = Instant::now();
    let mut i = 0;
    while started.elapsed() < SEQUENTIAL_FOR {
        let sent = Instant::now();
        one(&store, version, Op::Feedback, i).await;
        latencies.push(sent.elapsed());
        i += 1;
    }
    let wall = started.elapsed();
    latencies.sort();
    println!(
        "  durable appends, 1 writer, one at a time: {i} submit_feedback in {:.2} s = {:.0} ops/s \
         (a commit and fsync each); ack latency p50 {}, p99 {}",
        wall.as_secs_f64(),
        i as f64 / wall.as_secs_f64(),
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
    );

    // The same load without the drift monitor: what the log itself costs.
    let (wall, mut latencies) = concurrent(&store, version, Op::Annotate, TOTAL_OPS, TASKS).await;
    latencies.sort();
    println!(
        "  for contrast, {TASKS} concurrent writers: {TOTAL_OPS} annotate (an audited append, no \
         drift check) in {:.2} s = {:.0} ops/s; ack latency p50 {}, p99 {}",
        wall.as_secs_f64(),
        TOTAL_OPS as f64 / wall.as_secs_f64(),
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
    );
    let alerts = store.alerts(None).await.expect("the alerts").len();
    println!(
        "  the drift monitor raised {alerts} alerts over {} ratings drawn from 3–5 with a steady mean",
        2_000 + TOTAL_OPS + i
    );
    store.close();
    drop(store);

    // (b) `audit verify` over a 100k-entry log, read back by a fresh open.
    let (dir, store, version) = fresh_store(base).await;
    let started = Instant::now();
    concurrent(&store, version, Op::Mixed, VERIFY_ENTRIES - 1, TASKS).await;
    let built = started.elapsed();
    store.close();
    drop(store);
    let store = SqliteStore::open(StoreOptions::with_key_dir(dir.path())).expect("the reopen");
    let mut times = Vec::new();
    let mut checked = None;
    for _ in 0..VERIFY_RUNS {
        let started = Instant::now();
        let verdict = store.verify(None).await.expect("verify runs");
        times.push(started.elapsed());
        let verified =
            verdict.unwrap_or_else(|problem| panic!("the log does not verify: {problem}"));
        checked = Some(verified);
    }
    let verified = checked.expect("verify ran");
    times.sort();
    let (min, median) = (times[0], times[times.len() / 2]);
    // Scaled to exactly 100k: drift alerts add a few entries of their own.
    let per_100k = median.mul_f64(100_000.0 / verified.entries.max(1) as f64);
    println!(
        "  audit verify: {} entries (ratings and annotations, built in {:.1} s), {} checkpoints, \
         reopened: min {}, median {} of {VERIFY_RUNS} = {:.0} entries/s; {} per 100k \
         (aim < {:.0} s: {})",
        verified.entries,
        built.as_secs_f64(),
        verified.checkpoints,
        ms(min),
        ms(median),
        verified.entries as f64 / median.as_secs_f64(),
        ms(per_100k),
        AIM_VERIFY_100K.as_secs_f64(),
        mark(per_100k < AIM_VERIFY_100K),
    );
    store.close();
}
