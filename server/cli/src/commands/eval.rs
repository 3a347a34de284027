//! `promptopt eval FILE`: the QA rubric of a prompt and, with a provider, its test cases run
//! and graded. Exits 1 when a case fails or errors, or the score is under `--min-score`, so CI
//! can gate on it.

use std::path::{Path, PathBuf};

use clap::Args;
use promptopt_engine::evaluate::{self, CaseStatus, PromptEvalResult};
use promptopt_engine::provider::Overrides;
use promptopt_engine::tests_file::{TestCase, TestFile, map_promptfoo_provider};

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
    let tests = tests_for(&args.file, args.tests.as_deref())?;
    let session = Session::open(&args.model, Some(&args.file), tests.fallback_provider())?;
    let prompt = session.prompt(&args.file)?;
    let cases = tests.cases;
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

/// Test cases and the promptfoo providers their file names.
#[derive(Default)]
pub struct Tests {
    pub cases: Vec<TestCase>,
    providers: Vec<String>,
}

impl Tests {
    /// The first provider of a promptfooconfig.yaml that maps to one here, used when neither
    /// the command line nor promptopt.toml names a provider.
    pub fn fallback_provider(&self) -> Option<Overrides> {
        let (id, mapped) = self
            .providers
            .iter()
            .find_map(|id| map_promptfoo_provider(id).map(|m| (id, m)))?;
        eprintln!(
            "promptopt: the test file names provider {id}; it answers unless --provider or promptopt.toml says otherwise"
        );
        Some(Overrides {
            provider: Some(mapped.provider.to_string()),
            model: Some(mapped.model),
            base_url: mapped.base_url,
        })
    }
}

/// The cases of `--tests`, else of `NAME.tests.yaml` beside the prompt; none without either.
pub fn tests_for(prompt: &Path, explicit: Option<&Path>) -> Result<Tests, CliError> {
    match tests_path(prompt, explicit)? {
        Some(path) => load_tests(&path),
        None => Ok(Tests::default()),
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

fn load_tests(path: &Path) -> Result<Tests, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let read = |reference: &str| {
        let file = folder.join(reference.trim_start_matches("file://"));
        std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
    };
    let file = TestFile::load(&text, &read)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    let cases = file
        .cases()
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    Ok(Tests {
        cases,
        providers: file.providers,
    })
}
