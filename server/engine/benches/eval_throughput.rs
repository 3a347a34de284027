//! 1,000 test cases through a local fake provider that answers after 50 ms, 16 calls at a
//! time: prints the wall time against the ideal (1000 × 50 ms / 16) and the engine's own
//! overhead per case. Run: `cargo bench -p promptopt-engine --bench eval_throughput`.

// A bench that cannot set up should stop with the reason.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "../tests/support/fake_provider.rs"]
mod fake_provider;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_provider::{FakeProvider, Reply};
use promptopt_core::lint::LintOptions;
use promptopt_core::models::ModelTable;
use promptopt_engine::client::{ClientOptions, ModelClient, RetryPolicy};
use promptopt_engine::evaluate;
use promptopt_engine::prompt::PromptInput;
use promptopt_engine::provider::{Flavor, OpenAiCompatible, Provider};
use promptopt_engine::tests_file::TestFile;

const CASES: usize = 1_000;
const LATENCY: Duration = Duration::from_millis(50);
const CONCURRENCY: usize = 16;

const PROMPT: &str = "---\nname: triage\ninput:\n  schema:\n    ticket: string\n---\n{{role \"system\"}}\nSort the ticket inside <ticket> tags into billing, shipping or other.\n{{role \"user\"}}\n<ticket>{{ticket}}</ticket>\n";

fn tests_yaml() -> String {
    let mut yaml = String::from("tests:\n");
    for i in 0..CASES {
        yaml.push_str(&format!(
            "  - vars: {{ticket: \"ticket number {i}\"}}\n    assert:\n      - {{type: icontains, value: \"number {i}\"}}\n      - {{type: not-contains, value: \"as an AI\"}}\n"
        ));
    }
    yaml
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the bench");
    runtime.block_on(bench());
}

async fn bench() {
    let fake = FakeProvider::start().await;
    fake.otherwise(Reply::after(LATENCY, Reply::Echo));
    let provider = OpenAiCompatible::new(Flavor::OpenAi, &fake.url, None, Duration::from_secs(10))
        .expect("an HTTP client");
    let options = ClientOptions {
        concurrency: CONCURRENCY,
        retry: RetryPolicy::default(),
        budget_usd: None,
        embedding_model: String::new(),
    };
    let lint = LintOptions::default();
    let prompt = PromptInput::standalone("triage.prompt", PROMPT, &lint);
    let cases = TestFile::parse(&tests_yaml())
        .and_then(|file| file.cases())
        .expect("the generated test file parses");

    // Warm up: connections, the tokio pool, the fake server.
    let provider: Arc<dyn Provider> = Arc::new(provider);
    let warm = ModelClient::new(provider.clone(), "fake", &options, ModelTable::embedded());
    let warm_plan = evaluate::plan(&prompt, None, cases[..32].to_vec());
    evaluate::run(warm_plan, Some(&warm), 1).await;

    let mut walls = Vec::new();
    let mut plans = Vec::new();
    for _ in 0..3 {
        let model = ModelClient::new(provider.clone(), "fake", &options, ModelTable::embedded());
        let started = Instant::now();
        let plan = evaluate::plan(&prompt, None, cases.clone());
        plans.push(started.elapsed());
        let result = evaluate::run(plan, Some(&model), 1).await;
        let wall = started.elapsed();
        assert_eq!(
            result.summary.passed, CASES,
            "every case should pass against the echo"
        );
        walls.push(wall);
    }
    walls.sort();
    let best = walls[0];
    let ideal = LATENCY * CASES as u32 / CONCURRENCY as u32;
    let overhead = best.saturating_sub(ideal);
    println!("eval_throughput: {CASES} cases, {LATENCY:?} per answer, concurrency {CONCURRENCY}");
    println!(
        "  wall best {:.3} s (runs: {}), ideal {:.3} s, {:+.1}% of ideal",
        best.as_secs_f64(),
        walls
            .iter()
            .map(|w| format!("{:.3}", w.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", "),
        ideal.as_secs_f64(),
        (best.as_secs_f64() / ideal.as_secs_f64() - 1.0) * 100.0
    );
    plans.sort();
    println!(
        "  of which planning (lint, rubric, render of every case) {:.1} ms, {:.0} µs per case",
        plans[0].as_secs_f64() * 1000.0,
        plans[0].as_secs_f64() * 1e6 / CASES as f64
    );
    // Each of the 16 slots spends (wall − ideal) × 16 / 1000 per case outside the model.
    println!(
        "  engine overhead {:.2} ms per case (render, HTTP, grading; the wall beyond ideal spread over the slots)",
        overhead.as_secs_f64() * 1000.0 * CONCURRENCY as f64 / CASES as f64
    );
}
