//! `workspace/executeCommand`: the commands the editor runs through the server, with
//! `$/progress` when the client asked for it and cancellation when it sends
//! `$/cancelRequest`. Each answers with the JSON shape ARCHITECTURE.md gives it, so the
//! editor, the CLI and the API agree. The engine's verbs are in [`engine`].

use promptopt_core::lint::{ParsedFile, Workspace};
use promptopt_core::render::{DataArgument, RenderEnv, render};
use promptopt_core::schema::NoSchemas;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, Uri};
use tower_lsp_server::{NotCancellable, OngoingProgress, Unbounded};

use crate::features::World;
use crate::guard::answer_blocking;
use crate::state::State;

mod engine;
mod registry;

pub(crate) use registry::record_save;

pub const GENERATE: &str = "promptopt.generate";
pub const EVALUATE: &str = "promptopt.evaluate";
pub const REFINE: &str = "promptopt.refine";
pub const FEEDBACK: &str = "promptopt.feedback";
pub const HISTORY: &str = "promptopt.history";
pub const ROLLBACK: &str = "promptopt.rollback";
pub const RENDER: &str = "promptopt.render";
pub const SAVE: &str = "promptopt.save";
pub const ANNOTATE: &str = "promptopt.annotate";
pub const FAVORITE: &str = "promptopt.favorite";
pub const REVIEW: &str = "promptopt.review";
pub const APPROVE: &str = "promptopt.approve";
pub const DEPLOY: &str = "promptopt.deploy";
pub const ALERTS: &str = "promptopt.alerts";

pub const ALL: [&str; 14] = [
    GENERATE, EVALUATE, REFINE, FEEDBACK, HISTORY, ROLLBACK, RENDER, SAVE, ANNOTATE, FAVORITE,
    REVIEW, APPROVE, DEPLOY, ALERTS,
];

/// Arguments every document command takes: the prompt it applies to.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocumentArgs {
    uri: Uri,
    /// For `promptopt.render`: dotprompt's `DataArgument` (`input`, `context`, …).
    #[serde(default)]
    data: Option<DataArgument>,
}

pub async fn execute(state: &State, params: ExecuteCommandParams) -> Result<Option<Value>> {
    let command = params.command.as_str();
    let token = params
        .work_done_progress_params
        .work_done_token
        .filter(|_| state.support().work_done_progress);
    let progress = match token {
        Some(token) => Some(state.client.progress(token, title(command)).begin().await),
        None => None,
    };
    let running = Running {
        progress,
        cancel: CancellationToken::new(),
    };
    let outcome = run(command, &params.arguments, state, &running).await;
    running.finish(outcome.is_ok()).await;
    outcome
}

/// A command in progress. tower-lsp-server answers `$/cancelRequest` (and `exit`) by dropping
/// the request's future, so dropping this before [`Running::finish`] means the command was
/// cancelled: its model calls are cancelled and its progress ends saying so.
pub(crate) struct Running {
    progress: Option<OngoingProgress<Unbounded, NotCancellable>>,
    /// Shared by the command's model client.
    pub(crate) cancel: CancellationToken,
}

impl Running {
    /// Tells the client what the command is doing, when it asked for progress.
    pub(crate) async fn report(&self, message: String) {
        if let Some(progress) = &self.progress {
            progress.report(message).await;
        }
    }

    async fn finish(mut self, ok: bool) {
        if let Some(progress) = self.progress.take() {
            progress
                .finish_with_message(if ok { "done" } else { "failed" })
                .await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // After `finish` this is a no-op for the calls: the command's client is its own.
        self.cancel.cancel();
        if let Some(progress) = self.progress.take() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(progress.finish_with_message("cancelled"));
            }
        }
    }
}

async fn run(
    command: &str,
    arguments: &[Value],
    state: &State,
    running: &Running,
) -> Result<Option<Value>> {
    match command {
        RENDER => {
            let args = document_args(arguments)?;
            let world = state.world(&args.uri).ok_or_else(|| not_open(&args.uri))?;
            let data = args.data.unwrap_or_default();
            // Rendering a long prompt takes a while: never on the protocol task.
            answer_blocking(RENDER, move || render_preview(&world, data))
                .await?
                .map(Some)
        }
        EVALUATE => engine::evaluate(state, running, arguments).await.map(Some),
        GENERATE => engine::generate(state, running, arguments).await.map(Some),
        REFINE => engine::refine(state, running, arguments).await.map(Some),
        SAVE => registry::save(state, arguments).await.map(Some),
        HISTORY => registry::history(state, arguments).await.map(Some),
        FEEDBACK => registry::feedback(state, arguments).await.map(Some),
        ROLLBACK => registry::rollback(state, arguments).await.map(Some),
        ANNOTATE => registry::annotate(state, arguments).await.map(Some),
        FAVORITE => registry::favorite(state, arguments).await.map(Some),
        REVIEW => registry::review(state, arguments).await.map(Some),
        APPROVE => registry::approve(state, arguments).await.map(Some),
        DEPLOY => registry::deploy(state, arguments).await.map(Some),
        ALERTS => registry::alerts(state, arguments).await.map(Some),
        other => Err(invalid(format!(
            "unknown command `{other}`: the server runs {}",
            ALL.join(", ")
        ))),
    }
}

fn title(command: &str) -> &'static str {
    match command {
        GENERATE => "Generating variants",
        EVALUATE => "Evaluating",
        REFINE => "Refining",
        RENDER => "Rendering",
        ROLLBACK => "Rolling back",
        _ => "PromptOpt",
    }
}

fn document_args(arguments: &[Value]) -> Result<DocumentArgs> {
    let first = arguments.first().cloned().unwrap_or(Value::Null);
    serde_json::from_value(first).map_err(|e| Error {
        code: ErrorCode::InvalidParams,
        message: format!("expected one argument {{\"uri\": \"file:///…\"}}: {e}").into(),
        data: None,
    })
}

fn not_open(uri: &Uri) -> Error {
    invalid(format!(
        "{} is not open: open the prompt first",
        uri.as_str()
    ))
}

fn invalid(message: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: message.into().into(),
        data: None,
    }
}

/// The prompt rendered as dotprompt would, with the editor's unsaved partials.
fn render_preview(world: &World, data: DataArgument) -> Result<Value> {
    let ParsedFile::Dotprompt(document) = world.snapshot.file() else {
        return Err(Error {
            code: ErrorCode::InvalidParams,
            message: "only .prompt (dotprompt) files render in this version".into(),
            data: None,
        });
    };
    let path = world.snapshot.lint_path();
    let partials = |name: &str| world.overlay.partial(&path, name);
    let env = RenderEnv {
        partials: &partials,
        schemas: &NoSchemas,
    };
    render(document, &data, &Map::new(), &env).map_err(|e| Error {
        code: ErrorCode::InvalidParams,
        message: format!("the prompt does not render: {e}").into(),
        data: e
            .span
            .map(|span| json!({ "range": world.snapshot.lines().range(span) })),
    })
}
