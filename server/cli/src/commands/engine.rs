//! What `generate`, `eval` and `refine` share: the provider flags, the project and the client
//! they describe, and a runtime to drive the async engine from a plain command.

use std::future::Future;
use std::path::{Path, PathBuf};

use clap::Args;
use promptopt_core::lint::Workspace;
use promptopt_core::lint::{Format, LintOptions};
use promptopt_engine::client::ModelClient;
use promptopt_engine::prompt::PromptInput;
use promptopt_engine::provider::Overrides;
use promptopt_engine::settings::{EngineSettings, RunOverrides};
use promptopt_workspace::{PartialFiles, SchemaFiles, read_prompt};
use tokio_util::sync::CancellationToken;

use crate::discover::Project;
use crate::exit::CliError;

#[derive(Args, Debug, Clone, Default)]
pub struct ModelArgs {
    /// The model provider: openai (any OpenAI-compatible server: OpenAI, Ollama, vLLM,
    /// llama.cpp), azure, anthropic. Without one (and no [provider] in promptopt.toml), the
    /// built-in offline engine answers.
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// The model (for Azure, the deployment).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// The provider's base URL (else OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT, ANTHROPIC_BASE_URL).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Stop before the run spends more than this many US dollars (default 5).
    #[arg(long, value_name = "USD")]
    pub budget: Option<f64>,
    /// Model calls in flight at once.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Call the model even when an identical request was answered before.
    #[arg(long)]
    pub no_cache: bool,
    /// Use this promptopt.toml instead of the nearest one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// One engine command's surroundings: the project, the settings and the client.
pub struct Session {
    pub project: Project,
    pub client: Option<ModelClient>,
    runtime: tokio::runtime::Runtime,
    cancel: CancellationToken,
}

impl Session {
    /// Opens the project around `anchor` (a prompt file, or the current folder) and connects
    /// the configured provider, if any.
    /// `fallback` is the provider to use when neither the flags nor promptopt.toml name one.
    pub fn open(
        args: &ModelArgs,
        anchor: Option<&Path>,
        fallback: Option<Overrides>,
    ) -> Result<Session, CliError> {
        let paths: Vec<PathBuf> = anchor.map(Path::to_path_buf).into_iter().collect();
        let project = Project::open(args.config.as_deref(), &paths)?;
        let overrides = RunOverrides {
            provider: Overrides {
                provider: args.provider.clone(),
                model: args.model.clone(),
                base_url: args.base_url.clone(),
            },
            budget_usd: args.budget,
            no_cache: args.no_cache,
            concurrency: args.concurrency,
            fallback_provider: fallback,
        };
        let env = |name: &str| std::env::var(name).ok();
        let settings = EngineSettings::resolve(project.config_text(), &overrides, &env)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let cancel = CancellationToken::new();
        let client = settings
            .client(project.models(), Some(project.root()))
            .map_err(|e| CliError::Usage(e.to_string()))?
            .map(|client| client.with_cancellation(cancel.clone()));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| CliError::Usage(format!("cannot start the async runtime: {e}")))?;
        Ok(Session {
            project,
            client,
            runtime,
            cancel,
        })
    }

    /// Runs the engine's async work to completion. The first Ctrl-C cancels the model calls in
    /// flight (their requests are dropped) and the work ends with what it has, which is printed
    /// as usual; a second Ctrl-C ends the process.
    pub fn block_on<T>(&self, work: impl Future<Output = T>) -> T {
        self.runtime.block_on(async {
            let mut work = std::pin::pin!(work);
            tokio::select! {
                done = &mut work => return done,
                Ok(()) = tokio::signal::ctrl_c() => {
                    eprintln!("promptopt: cancelling the model calls in flight (Ctrl-C again to quit)");
                    self.cancel.cancel();
                }
            }
            tokio::select! {
                done = &mut work => done,
                Ok(()) = tokio::signal::ctrl_c() => std::process::exit(130),
            }
        })
    }

    pub fn prompt(&self, path: &Path) -> Result<PromptFile, CliError> {
        PromptFile::read(&self.project, path)
    }
}

/// A prompt read from disk with what linting and rendering it need.
pub struct PromptFile {
    pub path: PathBuf,
    pub relative: String,
    pub source: String,
    pub format: Format,
    pub options: LintOptions,
    root: PathBuf,
    partials: PartialFiles,
    schemas: SchemaFiles,
}

/// Partials for paths relative to the project root, as the engine reports prompts.
struct Rooted<'a>(&'a Path);

impl Workspace for Rooted<'_> {
    fn partial(&self, from: &str, name: &str) -> Option<String> {
        PartialFiles::new(&self.0.join(from), &[]).resolve(name)
    }
}

impl PromptFile {
    /// Reads the prompt at `path` in `project`.
    pub fn read(project: &Project, path: &Path) -> Result<PromptFile, CliError> {
        let source = read_prompt(path).map_err(|e| CliError::Usage(e.0))?;
        let format = path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_extension)
            .unwrap_or(Format::Plain);
        let relative = project.relative(path);
        Ok(PromptFile {
            options: project.options_for(&relative),
            partials: PartialFiles::new(path, &[]),
            schemas: SchemaFiles::new(path, serde_json::Map::new()),
            relative,
            source,
            format,
            root: project.root().to_path_buf(),
            path: path.to_path_buf(),
        })
    }

    /// The prompt's registry id: its front matter `name` (and `variant`), else its path.
    pub fn id(&self) -> String {
        self.with_input(&self.source, |input| input.id())
    }

    /// Hands the engine the prompt, with partials and schemas read from beside it.
    pub fn with_input<T>(&self, source: &str, work: impl FnOnce(&PromptInput<'_>) -> T) -> T {
        let partials = |name: &str| self.partials.resolve(name);
        let schemas = |name: &str| self.schemas.resolve(name);
        let input = PromptInput {
            path: &self.relative,
            source,
            format: self.format,
            options: &self.options,
            workspace: &Rooted(&self.root),
            partials: &partials,
            schemas: &schemas,
        };
        work(&input)
    }
}
