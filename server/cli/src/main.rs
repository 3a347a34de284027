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
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("promptopt: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
