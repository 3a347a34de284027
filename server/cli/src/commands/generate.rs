//! `promptopt generate`: candidate prompts from a task, or from an existing prompt, ranked by
//! the QA rubric.

use std::path::PathBuf;

use clap::Args;
use promptopt_core::lint::{Format, LintOptions};
use promptopt_engine::generate::{
    self, PromptCandidateList, PromptGenerationRequest, TEMPLATES, Template,
};
use promptopt_engine::prompt::PromptInput;
use promptopt_engine::record;

use crate::commands::engine::{ModelArgs, PromptFile, Session};
use crate::commands::state::{Registry, StateArgs, prompt_id};
use crate::exit::{CliError, FINDINGS, SUCCESS};
use crate::output::engine as print;

#[derive(Args)]
pub struct GenerateArgs {
    /// An existing .prompt file to improve (instead of, or with, --task).
    pub file: Option<PathBuf>,
    /// What the prompt is for, in plain words.
    #[arg(long, value_name = "TEXT")]
    pub task: Option<String>,
    /// Background for the prompt: audience, domain, what the input looks like.
    #[arg(long, value_name = "TEXT")]
    pub context: Option<String>,
    /// How many candidates (1–10).
    #[arg(long, value_name = "N", default_value_t = generate::DEFAULT_COUNT)]
    pub count: usize,
    /// The shape to start a task from: chat, json or rag.
    #[arg(long = "template", value_name = "ID")]
    pub template_id: Option<String>,
    /// Write each candidate to DIR/NAME.N.prompt.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the PromptCandidateList JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub state: StateArgs,
}

pub fn run(args: &GenerateArgs) -> Result<u8, CliError> {
    if args.file.is_none() && args.task.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(CliError::Usage(
            "give a --task (what the prompt is for) or a .prompt FILE to improve".into(),
        ));
    }
    // Checked before anything is opened, also when a FILE makes the template moot.
    Template::find(args.template_id.as_deref()).map_err(|_| {
        let known: Vec<String> = TEMPLATES
            .iter()
            .map(|t| format!("{} ({})", t.id, t.summary))
            .collect();
        CliError::Usage(format!(
            "unknown --template `{}`: use one of {}",
            args.template_id.as_deref().unwrap_or_default(),
            known.join("; ")
        ))
    })?;
    let session = Session::open(&args.model, args.file.as_deref(), None)?;
    let existing = args
        .file
        .as_deref()
        .map(|path| session.prompt(path))
        .transpose()?;
    let request = PromptGenerationRequest {
        task: args.task.clone(),
        context: args.context.clone(),
        template_id: args.template_id.clone(),
        count: Some(args.count),
        prompt: existing.as_ref().map(|p| p.source.clone()),
    };
    let base = request.base().map_err(|e| CliError::Usage(e.to_string()))?;
    let list = match &existing {
        Some(file) => file.with_input(&base, |input| {
            session.block_on(generate::generate(input, &request, session.client.as_ref()))
        }),
        None => {
            let options = LintOptions::default();
            let input = PromptInput {
                format: Format::Dotprompt,
                ..PromptInput::standalone("generated.prompt", &base, &options)
            };
            session.block_on(generate::generate(
                &input,
                &request,
                session.client.as_ref(),
            ))
        }
    }
    .map_err(|e| CliError::Usage(e.to_string()))?;

    if let Some(file) = &existing {
        record_candidates(args, &session, file, &list)?;
    }
    if let Some(dir) = &args.out {
        let name = args
            .file
            .as_deref()
            .and_then(|f| f.file_stem())
            .and_then(|s| s.to_str())
            .unwrap_or("candidate");
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Usage(format!("cannot create {}: {e}", dir.display())))?;
        for (i, candidate) in list.candidates.iter().enumerate() {
            let path = dir.join(format!("{name}.{}.prompt", i + 1));
            std::fs::write(&path, &candidate.prompt)
                .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))?;
            eprintln!("wrote {}", path.display());
        }
    }
    if args.json {
        print::json(&list);
    } else {
        print::emit(&print::candidates_table(&list));
    }
    Ok(if list.candidates.is_empty() {
        FINDINGS
    } else {
        SUCCESS
    })
}

/// Keep the candidates beside the prompt they came from, when the project uses the registry.
fn record_candidates(
    args: &GenerateArgs,
    session: &Session,
    file: &PromptFile,
    list: &PromptCandidateList,
) -> Result<(), CliError> {
    let Some(registry) = Registry::for_engine(&args.state, &session.project)? else {
        return Ok(());
    };
    let id = prompt_id(file)?;
    let subject = registry.subject(file, &id);
    let template = args.template_id.as_deref();
    let versions = registry.run(record::candidates(
        &registry.store,
        &subject,
        template,
        list,
    ))?;
    registry.close();
    eprintln!("recorded {} candidates of `{id}`", versions.len());
    Ok(())
}
