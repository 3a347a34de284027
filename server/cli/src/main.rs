//! `promptopt`: the command-line door into PromptOpt. Argument parsing and output only; the
//! work happens in the library crates.

mod commands;
mod discover;
mod exit;
mod files;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "promptopt",
    version,
    about = "Prompts as code: lint, render, generate, evaluate and refine dotprompt files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a .prompt file to dotprompt's RenderedPrompt JSON (metadata plus messages).
    Render(commands::render::RenderArgs),
    /// Lint prompt files (.prompt, .prompty, and plain-text prompts named in promptopt.toml).
    Lint(commands::lint::LintArgs),
    /// List the lint rules, or explain one.
    Rules(commands::rules::RulesArgs),
    /// Generate candidate prompts from a task or an existing prompt, ranked by the QA rubric.
    Generate(commands::generate::GenerateArgs),
    /// Refine a prompt from feedback, lint findings and failing test cases.
    Refine(commands::refine::RefineArgs),
    /// Score a prompt with the QA rubric and run its test cases (promptfoo's test shape).
    Eval(commands::eval::EvalArgs),
    /// Record the file as a new version in the registry when its content changed.
    Save(commands::save::SaveArgs),
    /// A prompt's versions, labels and audit trail.
    History(commands::history::HistoryArgs),
    /// Rate a prompt 1–5, with notes.
    Feedback(commands::feedback::FeedbackArgs),
    /// Restore an earlier version of a prompt, in the registry and in the file.
    Rollback(commands::rollback::RollbackArgs),
    /// Ask for a review of the prompt as the file holds it.
    Review(commands::review::ReviewArgs),
    /// Approve a version (not your own, unless overridden with a reason).
    Approve(commands::review::ApproveArgs),
    /// Point a label (production) at an approved version.
    Deploy(commands::review::DeployArgs),
    /// Verify or export the audit trail; sign checkpoints; rotate the audit keys.
    Audit(commands::audit::AuditArgs),
    /// Drift alerts raised when a prompt's scores or ratings shift.
    Alerts(commands::alerts::AlertsArgs),
    /// Store, remove or check model providers' API keys in the OS keyring.
    Key(commands::key::KeyArgs),
    /// Run the language server over stdio (what the VS Code extension and other editors start).
    Lsp(commands::lsp::LspArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version itself; everything else is a usage error (2).
            let code = if error.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Render(args) => commands::render::run(&args),
        Command::Lint(args) => commands::lint::run(&args),
        Command::Rules(args) => commands::rules::run(&args),
        Command::Lsp(args) => commands::lsp::run(&args),
        Command::Eval(args) => commands::eval::run(&args),
        Command::Generate(args) => commands::generate::run(&args),
        Command::Refine(args) => commands::refine::run(&args),
        Command::Key(args) => commands::key::run(&args),
        Command::Save(args) => commands::save::run(&args),
        Command::History(args) => commands::history::run(&args),
        Command::Feedback(args) => commands::feedback::run(&args),
        Command::Rollback(args) => commands::rollback::run(&args),
        Command::Review(args) => commands::review::review(&args),
        Command::Approve(args) => commands::review::approve(&args),
        Command::Deploy(args) => commands::review::deploy(&args),
        Command::Audit(args) => commands::audit::run(&args),
        Command::Alerts(args) => commands::alerts::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("promptopt: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap checks a command's arguments only when it is built in a debug build: two arguments
    /// with one name would otherwise reach users of the release binary.
    #[test]
    fn every_subcommand_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
