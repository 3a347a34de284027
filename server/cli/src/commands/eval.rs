//! `promptopt eval FILE`: the QA rubric of a prompt and, with a provider, its test cases run
//! and graded. Exits 1 when a case fails or errors, or the score is under `--min-score`, so CI
//! can gate on it.

use std::path::{Path, PathBuf};

use clap::Args;
use promptopt_engine::evaluate::{self, CaseStatus, PromptEvalResult};
use promptopt_engine::tests_file::{TestCase, TestFile};

use crate::commands::engine::{ModelArgs, Session};
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
}

pub fn run(args: &EvalArgs) -> Result<u8, CliError> {
    check_repeat(args.repeat)?;
    let session = Session::open(&args.model, Some(&args.file))?;
    let prompt = session.prompt(&args.file)?;
    let cases = cases_for(&args.file, args.tests.as_deref())?;
    let plan = prompt.with_input(&prompt.source, |input| evaluate::plan(input, None, cases));
    let result = session.block_on(evaluate::run(plan, session.client.as_ref(), args.repeat));
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
    if repeat == 0 || repeat > 100 {
        return Err(CliError::Usage("--repeat must be between 1 and 100".into()));
    }
    Ok(())
}

/// The cases of `--tests`, else of `NAME.tests.yaml` beside the prompt; none without either.
pub fn cases_for(prompt: &Path, explicit: Option<&Path>) -> Result<Vec<TestCase>, CliError> {
    match tests_path(prompt, explicit)? {
        Some(path) => load_cases(&path),
        None => Ok(Vec::new()),
    }
}

/// `--tests`, else `NAME.tests.yaml` (or `.yml`) beside the prompt.
fn tests_path(prompt: &Path, explicit: Option<&Path>) -> Result<Option<PathBuf>, CliError> {
    if let Some(path) = explicit {
        if !path.is_file() {
            return Err(CliError::Usage(format!(
                "test file {} does not exist: check the --tests path",
                path.display()
            )));
        }
        return Ok(Some(path.to_path_buf()));
    }
    let stem = prompt
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let folder = prompt.parent().unwrap_or(Path::new("."));
    Ok(["tests.yaml", "tests.yml"]
        .iter()
        .map(|ext| folder.join(format!("{stem}.{ext}")))
        .find(|p| p.is_file()))
}

fn load_cases(path: &Path) -> Result<Vec<TestCase>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let read = |reference: &str| {
        let file = folder.join(reference.trim_start_matches("file://"));
        std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
    };
    TestFile::load(&text, &read)
        .and_then(|file| file.cases())
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}
