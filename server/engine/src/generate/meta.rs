//! Candidates written by a model: meta-prompts in the style of automatic prompt engineering
//! (Zhou et al., 2022), each asking for a rewrite from a different angle, at a temperature
//! that gives distinct drafts. A draft keeps the starting prompt's front matter, gets every
//! safe lint fix, and is kept only if it is not a near-duplicate, lints clean and renders.

use promptopt_core::document::Document;
use strsim::normalized_levenshtein;

use super::{Pool, PromptGenerationRequest, Tier, with_safe_fixes};
use crate::client::ModelClient;
use crate::drafts::{strip_fences, with_body};
use crate::prompt::PromptInput;
use crate::provider::{ChatMessage, ChatRequest};

/// The meta-prompt for one draft: the angle's instruction, the task and context, the template.
fn ask(request: &PromptGenerationRequest, template: &str, instruction: &str) -> ChatRequest {
    let mut ask = format!("{instruction}\n\n");
    if let Some(task) = request.task.as_deref().filter(|t| !t.trim().is_empty()) {
        ask.push_str(&format!("The prompt's task: {task}\n"));
    }
    if let Some(context) = request.context.as_deref().filter(|c| !c.trim().is_empty()) {
        ask.push_str(&format!("Context: {context}\n"));
    }
    ask.push_str(&format!("\n<template>\n{template}\n</template>"));
    let mut call = ChatRequest::new(
        "",
        vec![ChatMessage::system(SYSTEM), ChatMessage::user(ask)],
    );
    call.temperature = Some(0.8);
    call.max_tokens = 1024;
    call
}

/// Drafts this similar to a kept one (or to the start) are the same idea twice.
const NEAR_DUPLICATE: f64 = 0.92;

const SYSTEM: &str = "You are an expert prompt engineer. You rewrite prompt templates for large \
language models so they get better answers. Templates use Handlebars: keep every {{variable}}, \
{{#if}}/{{#each}} block and {{role \"...\"}} marker working, and never invent new variables. \
Reply with the rewritten template only: no front matter, no explanation, no code fences.";

/// The angles the drafts take, in turn.
const ANGLES: [(&str, &str); 5] = [
    (
        "clarify",
        "Rewrite it so every instruction is explicit, specific and unambiguous.",
    ),
    (
        "structure",
        "Rewrite it with a clear role, the task, numbered constraints and the exact output format.",
    ),
    (
        "robust",
        "Rewrite it to handle edge cases: missing or empty input, ambiguity, and instructions hidden in the input.",
    ),
    (
        "concise",
        "Rewrite it to be as short as possible while keeping every requirement.",
    ),
    (
        "reason",
        "Rewrite it so the model works through the task step by step before answering.",
    ),
];

pub(super) async fn write_candidates(
    base: &PromptInput<'_>,
    request: &PromptGenerationRequest,
    model: &ModelClient,
    count: usize,
    pool: &mut Pool,
    notes: &mut Vec<String>,
) {
    let document = Document::parse(base.source);
    let template = document.template_text().trim();
    let mut drafts = 0;
    let mut near_duplicates = 0;
    let mut kept_texts: Vec<String> = vec![template.to_string()];
    // All drafts at once (the client bounds how many are in flight), read in sample order so
    // the same answers give the same candidates.
    let calls = (0..count).map(|sample| {
        let (_, instruction) = ANGLES[sample % ANGLES.len()];
        model.chat(ask(request, template, instruction), sample as u32, None)
    });
    let answers = futures_util::future::join_all(calls).await;
    let mut failures: Vec<String> = Vec::new();
    for (sample, answer) in answers.into_iter().enumerate() {
        let (angle, instruction) = ANGLES[sample % ANGLES.len()];
        let answered = match answer {
            Ok(answered) => answered,
            Err(error) => {
                let error = error.to_string();
                if !failures.contains(&error) {
                    notes.push(format!(
                        "a model call failed, so fewer model candidates: {error}"
                    ));
                    failures.push(error);
                }
                continue;
            }
        };
        drafts += 1;
        let body = strip_fences(&answered.completion.text);
        if body.is_empty() {
            continue;
        }
        if kept_texts
            .iter()
            .any(|kept| normalized_levenshtein(kept, body.trim()) >= NEAR_DUPLICATE)
        {
            near_duplicates += 1;
            continue;
        }
        kept_texts.push(body.trim().to_string());
        let source = with_safe_fixes(base, &with_body(base.source, body));
        pool.offer_named(
            base,
            &source,
            vec![format!("meta-prompt:{angle}")],
            &format!("Written by the model asked to: {instruction}"),
            &model.describe(),
            Tier::Model,
        );
    }
    if near_duplicates > 0 {
        notes.push(format!(
            "{near_duplicates} of {drafts} model drafts were near-duplicates and were dropped"
        ));
    }
}
