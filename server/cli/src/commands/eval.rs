//! `promptopt eval FILE`: the QA rubric of a prompt and, with a provider, its test cases run
//! and graded. Exits 1 when a case fails or errors, or the score is under `--min-score`, so CI
//! can gate on it.

use std::path::{Path, PathBuf};

use promptopt_workspace::{read_test_file, tests_beside};

use clap::Args;
use promptopt_engine::evaluate::{self, CaseStatus, PromptEvalResult};
use promptopt_engine::provider::Overrides;
use promptopt_engine::record;
use promptopt_engine::tests_file::{TestCase, TestFile};

use crate::commands::engine::{ModelArgs, Session};
use crate::commands::state::{Registry, StateArgs, prompt_id};
use crate::exit::{CliError, FINDINGS, SUCCESS};
use crate::output::engine as print;

#[derive(Args)]
pub struct EvalArgs {
    /// The .prompt file to evaluate.
    pub file: PathBuf,
    /// Test cases in promptfoo's shape (`tests:`/`defaultTest:`), or a promptfooconfig.yaml.
    /// Default: FILE's `NAME.tests.yaml` beside it, when there is one.
    #[arg(long, value_name = "FILE")]
    pub tests: Option<PathBuf>,
    /// Run each case N times and flag the cases whose verdict changes (flaky).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub repeat: u32,
    /// Exit 1 when the rubric score is below this (1–5).
    #[arg(long, value_name = "SCORE")]
    pub min_score: Option<f64>,
    /// Print the PromptEvalResult JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub state: StateArgs,
}

pub fn run(args: &EvalArgs) -> Result<u8, CliError> {
    check_repeat(args.repeat)?;
    let tests = tests_for(&args.file, args.tests.as_deref())?;
    let session = Session::open(&args.model, Some(&args.file), tests.fallback_provider())?;
    let prompt = session.prompt(&args.file)?;
    let cases = tests.cases;
    let plan = prompt.with_input(&prompt.source, |input| evaluate::plan(input, None, cases));
    let result = session.block_on(evaluate::run(plan, session.client.as_ref(), args.repeat));
    if let Some(registry) = Registry::for_engine(&args.state, &session.project)? {
        let id = prompt_id(&prompt)?;
        let subject = registry.subject(&prompt, &id);
        let recorded = registry.run(record::evaluation(&registry.store, &subject, &result))?;
        registry.close();
        eprintln!(
            "recorded the evaluation of version {} of `{id}`",
            recorded.version_id
        );
        if let Some(alert) = &recorded.alert {
            eprint!("{}", crate::output::registry::alert_line(alert));
        }
    }
    if args.json {
        print::json(&result);
    } else {
        print::emit(&print::eval_table(&prompt.relative, &result));
    }
    Ok(exit_code(&result, args.min_score))
}

fn exit_code(result: &PromptEvalResult, min_score: Option<f64>) -> u8 {
    let failing = result
        .cases
        .iter()
        .any(|c| matches!(c.status, CaseStatus::Failed | CaseStatus::Error));
    let too_low = min_score.is_some_and(|min| result.score < min);
    if failing || too_low {
        FINDINGS
    } else {
        SUCCESS
    }
}

pub fn check_repeat(repeat: u32) -> Result<(), CliError> {
    evaluate::check_repeat(repeat)
        .map(|_| ())
        .map_err(|e| CliError::Usage(format!("--{e}")))
}

/// Test cases and the provider their file brings.
#[derive(Default)]
pub struct Tests {
    pub cases: Vec<TestCase>,
    file: TestFile,
}

impl Tests {
    /// The provider a promptfooconfig.yaml names, used when neither the command line nor
    /// promptopt.toml names one.
    pub fn fallback_provider(&self) -> Option<Overrides> {
        let (id, overrides) = self.file.fallback_provider()?;
        eprintln!(
            "promptopt: the test file names provider {id}; it answers unless --provider or promptopt.toml says otherwise"
        );
        Some(overrides)
    }
}

/// The cases of `--tests`, else of `NAME.tests.yaml` beside the prompt; none without either.
pub fn tests_for(prompt: &Path, explicit: Option<&Path>) -> Result<Tests, CliError> {
    let Some(path) = explicit
        .map(Path::to_path_buf)
        .or_else(|| tests_beside(prompt))
    else {
        return Ok(Tests::default());
    };
    let file = read_test_file(&path).map_err(|e| match explicit {
        Some(_) if !path.is_file() => CliError::Usage(format!("{e}: check the --tests path")),
        _ => CliError::Usage(e),
    })?;
    let cases = file
        .cases()
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    Ok(Tests { cases, file })
}
