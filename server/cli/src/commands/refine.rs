//! `promptopt refine FILE`: a better prompt from feedback, lint findings and failing test
//! cases, with a diff and the scores before and after.

use std::path::PathBuf;

use clap::Args;
use promptopt_engine::record;
use promptopt_engine::refine::{self, RefineRequest};

use crate::commands::engine::{ModelArgs, Session};
use crate::commands::eval::{check_repeat, tests_for};
use crate::commands::state::{Registry, StateArgs, prompt_id, replace_file};
use crate::exit::{CliError, FINDINGS, SUCCESS};
use crate::output::engine as print;

#[derive(Args)]
pub struct RefineArgs {
    /// The .prompt file to refine.
    pub file: PathBuf,
    /// A reviewer's note ("answers are too long"); repeat for more.
    #[arg(long, value_name = "TEXT")]
    pub feedback: Vec<String>,
    /// Test cases to refine against (run before and after, with a provider). Default:
    /// FILE's NAME.tests.yaml, when there is one.
    #[arg(long, value_name = "FILE")]
    pub tests: Option<PathBuf>,
    /// Runs of each case.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub repeat: u32,
    /// Replace FILE with the refinement (not when it scores worse, unless --force).
    #[arg(long)]
    pub write: bool,
    /// With --write: keep a refinement even when it scores worse.
    #[arg(long, requires = "write")]
    pub force: bool,
    /// Print the RefineResult JSON instead of the diff and a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub state: StateArgs,
}

pub fn run(args: &RefineArgs) -> Result<u8, CliError> {
    check_repeat(args.repeat)?;
    let tests = tests_for(&args.file, args.tests.as_deref())?;
    let session = Session::open(&args.model, Some(&args.file), tests.fallback_provider())?;
    let prompt = session.prompt(&args.file)?;
    let cases = tests.cases;
    let request = RefineRequest {
        prompt: prompt.source.clone(),
        feedback: args.feedback.clone(),
        failing_cases: Vec::new(),
    };
    let result = prompt.with_input(&prompt.source, |input| {
        session.block_on(refine::refine_against_cases(
            input,
            request,
            cases,
            session.client.as_ref(),
            args.repeat,
        ))
    });
    if args.json {
        print::json(&result);
    } else {
        print::emit(&print::refine_report(&result));
    }
    let refused = args.write && result.changed && result.regressed && !args.force;
    let applied = args.write && result.changed && !refused;
    if applied {
        replace_file(&prompt.path, &result.prompt)?;
        eprintln!("wrote {}", prompt.path.display());
    }
    if let Some(registry) = Registry::for_engine(&args.state, &session.project)? {
        let id = prompt_id(&prompt)?;
        let subject = registry.subject(&prompt, &id);
        let kept = registry.run(record::refinement(
            &registry.store,
            &subject,
            &result,
            applied,
        ))?;
        registry.close();
        if let Some(version) = kept {
            let role = if applied {
                "the new head"
            } else {
                "a candidate"
            };
            eprintln!(
                "recorded the refinement as {role}: version {} of `{id}`",
                version.id
            );
        }
    }
    if refused {
        eprintln!(
            "promptopt: not writing {}: the refinement is worse ({}); pass --force to keep it anyway",
            args.file.display(),
            result.verdict
        );
        return Ok(FINDINGS);
    }
    Ok(if result.regressed { FINDINGS } else { SUCCESS })
}
