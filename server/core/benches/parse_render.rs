//! Parse and render throughput on a large, realistic prompt (all the constructs at once).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches fail loudly

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use promptopt_core::document::Document;
use promptopt_core::render::{DataArgument, RenderEnv, render};
use promptopt_core::schema::NoSchemas;
use serde_json::{Map, json};

const SECTION: &str = r#"{{role "user"}}
Ticket {{ticket.id}} from {{customer.name}} ({{@state.tier}}):
{{#if ticket.urgent}}URGENT: answer within the hour.{{else}}Normal priority.{{/if}}
{{#each ticket.messages as |message index|}}
  {{index}}. {{message.author}}: {{message.text}}
  {{#ifEquals message.author "agent"}}(ours){{/ifEquals}}
{{/each}}
{{!-- a comment explaining the next block --}}
{{#with customer}}Plan: {{plan}}, since {{since}}.{{/with}}
{{json ticket.tags}}
"#;

fn large_prompt() -> String {
    let mut source = String::from(
        "---\nname: support-triage\nmodel: openai/gpt-4o\nconfig:\n  temperature: 0.2\ninput:\n  schema:\n    ticket(object):\n      id: string\n      urgent?: boolean\n      tags(array): string\n      messages(array):\n        author: string\n        text: string\n    customer(object):\n      name: string\n      plan: string\n      since: string\noutput:\n  format: json\n  schema:\n    category(enum): [billing, bug, question]\n    reply: string\n---\n{{role \"system\"}}\nYou triage support tickets.\n",
    );
    while source.len() < 256 * 1024 {
        source.push_str(SECTION);
    }
    source
}

fn benches(c: &mut Criterion) {
    let source = large_prompt();
    let mut group = c.benchmark_group("large_prompt");
    group.throughput(Throughput::Bytes(source.len() as u64));
    group.bench_function("parse", |b| b.iter(|| Document::parse(black_box(&source))));

    let document = Document::parse(&source);
    let messages: Vec<_> = (0..5)
        .map(|i| json!({"author": if i % 2 == 0 { "customer" } else { "agent" }, "text": "It crashes on start."}))
        .collect();
    let data: DataArgument = serde_json::from_value(json!({
        "input": {
            "ticket": {"id": "T-1", "urgent": true, "tags": ["crash", "mac"], "messages": messages},
            "customer": {"name": "Ada", "plan": "team", "since": "2024"}
        },
        "context": {"state": {"tier": "gold"}}
    }))
    .unwrap_or_default();
    let options = Map::new();
    let env = RenderEnv {
        partials: &|_: &str| None,
        schemas: &NoSchemas,
    };
    group.bench_function("render", |b| {
        b.iter(|| render(black_box(&document), &data, &options, &env))
    });
    group.finish();
}

criterion_group!(parse_render, benches);
criterion_main!(parse_render);
