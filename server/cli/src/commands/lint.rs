//! `promptopt lint [PATH...]`: lint prompt files in parallel, optionally fix them, and print
//! the findings as text, JSON or SARIF.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use promptopt_core::lint::{self, Finding, Severity};
use rayon::prelude::*;

use crate::discover::{Project, SourceFile};
use crate::exit::{CliError, FINDINGS, SUCCESS, USAGE};
use crate::output::{self, Checked, Unreadable};

#[derive(Args)]
pub struct LintArgs {
    /// Files or folders to lint (folders recursively, respecting .gitignore).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Apply safe fixes in place and report what changed.
    #[arg(long)]
    pub fix: bool,
    /// Use this config instead of the nearest promptopt.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Exit 1 when there are more warnings than this, even with no errors.
    #[arg(long, value_name = "N")]
    pub max_warnings: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Sarif,
}

pub fn run(args: &LintArgs) -> Result<u8, CliError> {
    let project = Project::open(args.config.as_deref(), &args.paths)?;
    let (files, mut unreadable) = project.files(&args.paths)?;
    let results: Vec<Result<Checked, Unreadable>> = files
        .into_par_iter()
        .map(|file| check(&project, file, args.fix))
        .collect();
    let mut checked = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(file) => checked.push(file),
            Err(problem) => unreadable.push(problem),
        }
    }
    checked.sort_by(|a, b| a.display.cmp(&b.display));
    unreadable.sort_by(|a, b| a.display.cmp(&b.display));
    let config = project.config_findings();

    let report = output::Report {
        files: &checked,
        unreadable: &unreadable,
        config: config.as_ref(),
    };
    let text = match args.format {
        OutputFormat::Text => output::text::render(&report),
        OutputFormat::Json => output::json::render(&report),
        OutputFormat::Sarif => output::sarif::render(&report),
    };
    crate::output::emit(&text);

    let summary = report.summary();
    if !unreadable.is_empty() || project.config_is_broken() {
        return Ok(USAGE);
    }
    let too_many_warnings = args
        .max_warnings
        .is_some_and(|limit| summary.warnings > limit);
    Ok(if summary.errors > 0 || too_many_warnings {
        FINDINGS
    } else {
        SUCCESS
    })
}

fn check(project: &Project, file: SourceFile, fix: bool) -> Result<Checked, Unreadable> {
    let source = file.read()?;
    let options = project.options_for(&file.relative);
    let workspace = project.workspace();
    let path = file.path.to_string_lossy().into_owned();
    let lint_now = |text: &str| {
        let parsed = lint::ParsedFile::parse(text, file.format);
        lint::lint(&path, &parsed, &options, &workspace)
    };
    let (source, findings, applied) = if fix {
        let fixed = lint::fix_until_stable(&source, lint_now);
        let applied: Vec<(String, String)> = fixed
            .applied
            .into_iter()
            .map(|(rule, title)| (rule.to_string(), title))
            .collect();
        if !applied.is_empty() {
            file.write(&fixed.source)?;
        }
        (fixed.source, fixed.findings, applied)
    } else {
        let findings = lint_now(&source);
        (source, findings, Vec::new())
    };
    Ok(Checked {
        display: file.display,
        format: file.format,
        source,
        findings,
        fixed: applied,
    })
}

/// Counts of findings by severity.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub hints: usize,
}

impl Summary {
    pub fn add(&mut self, finding: &Finding) {
        match finding.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
            Severity::Hint => self.hints += 1,
        }
    }
}
