//! What the registry commands share: the state folder and the acting user (flags), opening the
//! store, naming a prompt file in the registry, and mapping the store's answers to exit codes.

use std::future::Future;
use std::path::{Path, PathBuf};

use clap::Args;
use promptopt_engine::record::Subject;
use promptopt_store::{PromptId, Saved, SqliteStore, StoreError, StoreOptions, UserId};

use crate::commands::engine::PromptFile;
use crate::discover::Project;
use crate::exit::CliError;

#[derive(Args, Debug, Clone, Default)]
pub struct StateArgs {
    /// Where the registry and the audit log live (default: PROMPTOPT_STATE_DIR, else .promptopt/
    /// at the project root).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Who is acting, for the audit trail (default: PROMPTOPT_USER, else git's user.email, else
    /// the OS account).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
}

/// `--override REASON`, shared by the commands a review rule can refuse.
#[derive(Args, Debug, Clone, Default)]
pub struct OverrideArg {
    /// Pass the review rule that would refuse this (approving your own version; deploying, or
    /// rolling a label back to, a version never approved); the reason is recorded as
    /// ApprovalOverridden.
    #[arg(long = "override", value_name = "REASON")]
    pub override_reason: Option<String>,
}

impl OverrideArg {
    pub fn rules(&self) -> Option<promptopt_store::Override> {
        self.override_reason
            .clone()
            .map(|reason| promptopt_store::Override { reason })
    }
}

/// The project's store, opened for one command, and who is acting.
pub struct Registry {
    pub store: SqliteStore,
    pub user: UserId,
    pub project: Project,
    runtime: tokio::runtime::Runtime,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Registry {
    /// Open (creating if needed) the store of the project around `anchor`.
    pub fn open(args: &StateArgs, anchor: Option<&Path>) -> Result<Registry, CliError> {
        Self::open_in(args, project_around(anchor)?)
    }

    /// Open the store of the project around `anchor` only if it exists: reading commands never
    /// create one (a mistyped `--state-dir` is an error, not an empty registry).
    pub fn open_existing(args: &StateArgs, anchor: Option<&Path>) -> Result<Registry, CliError> {
        let project = project_around(anchor)?;
        let dir = state_dir(args, &project);
        if !SqliteStore::exists(&dir) {
            return Err(CliError::Usage(format!(
                "no registry at {}: nothing has been recorded yet (`promptopt save FILE` starts one), or --state-dir names the wrong folder",
                dir.display()
            )));
        }
        Self::open_in(args, project)
    }

    /// The store the engine commands record into: the one `--state-dir` names (created if
    /// needed), else the project's if it already exists. A project that never used the registry
    /// does not get one as a side effect of `eval`.
    pub fn for_engine(args: &StateArgs, project: &Project) -> Result<Option<Registry>, CliError> {
        let dir = state_dir(args, project);
        if args.state_dir.is_none() && !SqliteStore::exists(&dir) {
            return Ok(None);
        }
        Self::open_in(args, project.clone()).map(Some)
    }

    fn open_in(args: &StateArgs, project: Project) -> Result<Registry, CliError> {
        let dir = state_dir(args, &project);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::Usage(format!("cannot start the async runtime: {e}")))?;
        let store = SqliteStore::open(StoreOptions::for_dir(dir, &env)).map_err(store_error)?;
        let name = promptopt_workspace::whoami(args.user.as_deref(), project.root(), &env);
        let user = UserId::new(name).map_err(|e| CliError::Usage(format!("--user: {e}")))?;
        Ok(Registry {
            store,
            user,
            project,
            runtime,
        })
    }

    pub fn block_on<T>(&self, work: impl Future<Output = T>) -> T {
        self.runtime.block_on(work)
    }

    /// Run one store operation to completion, mapping its error to an exit code.
    pub fn run<T>(&self, work: impl Future<Output = Result<T, StoreError>>) -> Result<T, CliError> {
        self.block_on(work).map_err(store_error)
    }

    pub fn read(&self, path: &Path) -> Result<(PromptFile, PromptId), CliError> {
        let file = PromptFile::read(&self.project, path)?;
        let id = prompt_id(&file)?;
        Ok((file, id))
    }

    /// Record the file's content as a manual version when it differs from the head, so what
    /// the command acts on is what the file holds.
    pub fn save_file(
        &self,
        file: &PromptFile,
        id: &PromptId,
        message: Option<String>,
    ) -> Result<Saved, CliError> {
        self.run(self.subject(file, id).save(&self.store, message))
    }

    /// The file as the engine's recorder sees it.
    pub fn subject<'a>(&'a self, file: &'a PromptFile, id: &'a PromptId) -> Subject<'a> {
        Subject {
            prompt_id: id,
            user: &self.user,
            source: &file.source,
            score: file.with_input(&file.source, |input| input.assess().rubric.score),
        }
    }

    /// Finish the writes and sign the log's head before the process ends.
    pub fn close(self) {
        self.store.close();
    }
}

/// The project a prompt file (or, without one, the current folder) belongs to.
fn project_around(anchor: Option<&Path>) -> Result<Project, CliError> {
    let paths: Vec<PathBuf> = anchor.map(Path::to_path_buf).into_iter().collect();
    Project::open(None, &paths)
}

fn state_dir(args: &StateArgs, project: &Project) -> PathBuf {
    promptopt_workspace::state_dir(project.root(), args.state_dir.as_deref(), &env)
}

pub fn prompt_id(file: &PromptFile) -> Result<PromptId, CliError> {
    PromptId::new(file.id()).map_err(|e| {
        CliError::Usage(format!(
            "{} cannot be named in the registry: {e}",
            file.path.display()
        ))
    })
}

/// A refusal is an answer (exit 1); anything else that stops the store is a usage problem (2).
pub fn store_error(error: StoreError) -> CliError {
    match error {
        StoreError::Denied { .. } => CliError::Findings(error.to_string()),
        other => CliError::Usage(other.to_string()),
    }
}

/// Write `content` to `path` so a crash leaves the old file or the new one, never half of each.
pub fn replace_file(path: &Path, content: &str) -> Result<(), CliError> {
    let fail = |e: std::io::Error| CliError::Usage(format!("cannot write {}: {e}", path.display()));
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("prompt");
    let temporary = folder.join(format!(".{name}.promptopt-tmp"));
    std::fs::write(&temporary, content).map_err(fail)?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        fail(e)
    })
}
