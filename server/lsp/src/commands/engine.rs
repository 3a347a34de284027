//! `promptopt.generate`, `promptopt.evaluate` and `promptopt.refine`: the engine's three verbs
//! on the editor's text, answered with the JSON the CLI prints with `--json`
//! (`PromptCandidateList`, `PromptEvalResult`, `RefineResult`). On an open document whose
//! project uses the registry, the result is recorded there too.
//!
//! This module only gathers what the engine needs (the buffer, the project's settings, the
//! test file beside the prompt) and hands it over; what each verb does is the engine's.
//!
//! Where the work runs: the engine's `generate` and `refine` futures borrow a [`PromptInput`],
//! whose partial and schema resolvers are `&dyn` references that are not `Sync`, so those
//! futures are not `Send` and cannot be spawned or awaited on the request task. They run on
//! the blocking pool, driven by `Handle::block_on`: the runtime's workers (the server always
//! runs on a multi-threaded runtime) keep serving the protocol and drive the HTTP I/O, and
//! the lint and rubric work inside, which is CPU-bound, is off the protocol loop as well.
//! `evaluate` is split by the engine into a sync [`evaluate::plan`] (blocking pool) and an
//! owned, `Send` [`evaluate::run`], which is awaited on the request task itself.
//!
//! Cancellation: each command's model client shares the request's [`CancellationToken`], which
//! the caller cancels when the request future is dropped (tower-lsp-server drops it on
//! `$/cancelRequest` and on exit), so calls in flight stop and later ones fail at once.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use promptopt_core::lint::{Format, LintOptions, Workspace};
use promptopt_engine::client::ModelClient;
use promptopt_engine::evaluate::{self, PromptEvalRequest};
use promptopt_engine::generate::{self, PromptGenerationRequest};
use promptopt_engine::prompt::PromptInput;
use promptopt_engine::provider::Overrides;
use promptopt_engine::refine::{self, RefineRequest};
use promptopt_engine::settings::{EngineSettings, RunOverrides};
use promptopt_engine::tests_file::TestCase;
use promptopt_workspace::{ProjectConfig, SchemaFiles, read_test_file, tests_beside};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::Uri;

use super::registry::Recorder;
use super::{EVALUATE, GENERATE, REFINE, Running, invalid, not_open};
use crate::documents::{Kind, Overlay};
use crate::features::World;
use crate::guard::answer_blocking;
use crate::state::{State, read};

const EVALUATE_SHAPE: &str = r#"{"uri": "file:///…", "testsUri"?: "file:///…", "repeat"?: 1-100} or {"prompt": "<.prompt source>", "testCases"?: [{"input": {…}, "expected"?: …}], "repeat"?: 1-100}"#;
const GENERATE_SHAPE: &str = r#"{"task": "what the prompt is for", "context"?: "…", "templateId"?: "chat"|"json"|"rag", "count"?: 1-10} or {"uri": "file:///…", "count"?: 1-10}"#;
const REFINE_SHAPE: &str = r#"{"uri": "file:///…", "feedback"?: ["…"], "testsUri"?: "file:///…", "repeat"?: 1-100} or {"prompt": "<.prompt source>", "feedback"?: ["…"], "failingCases"?: […]}"#;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EvaluateDocument {
    uri: Uri,
    #[serde(default)]
    tests_uri: Option<Uri>,
    #[serde(default)]
    repeat: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GenerateArgs {
    /// An open prompt to improve (its buffer is the starting prompt).
    #[serde(default)]
    uri: Option<Uri>,
    #[serde(default)]
    task: Option<String>,
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    template_id: Option<String>,
    #[serde(default)]
    count: Option<usize>,
    /// The contract's own way to give a starting prompt: its source.
    #[serde(default)]
    prompt: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RefineDocument {
    uri: Uri,
    #[serde(default)]
    feedback: Vec<String>,
    #[serde(default)]
    tests_uri: Option<Uri>,
    #[serde(default)]
    repeat: Option<u32>,
}

pub(super) async fn evaluate(
    state: &State,
    running: &Running,
    arguments: &[Value],
) -> Result<Value> {
    let argument = object_argument(arguments, EVALUATE_SHAPE)?;
    let mut recorder = None;
    let (prompt, tests, prompt_id, repeat) = if argument.get("uri").is_some() {
        let args: EvaluateDocument = parse(argument, EVALUATE_SHAPE)?;
        let world = state.world(&args.uri).ok_or_else(|| not_open(&args.uri))?;
        let prompt = Prompt::from_world(&world)?;
        let tests = Tests::for_prompt(&prompt, args.tests_uri.as_ref())?;
        recorder = Some(Recorder::new(&prompt));
        (prompt, tests, None, args.repeat)
    } else {
        let request: PromptEvalRequest = parse(argument, EVALUATE_SHAPE)?;
        let cases = request
            .cases()
            .map_err(|e| invalid(format!("testCases: {e}")))?;
        let prompt = Prompt::inline(state, "prompt.prompt", request.prompt, None);
        (
            prompt,
            Tests::Given(cases),
            request.prompt_id,
            request.repeat,
        )
    };
    let repeat = repeat_of(repeat)?;
    let cancel = running.cancel.clone();
    let editor = editor_provider(state);
    let (plan, cases, client) = answer_blocking(EVALUATE, move || -> Result<_> {
        let (cases, fallback) = tests.load()?;
        let count = cases.len();
        let client = model_client(&prompt.project, editor, fallback, &cancel)?;
        let plan = prompt.with_input(&prompt.source, |input| {
            evaluate::plan(input, prompt_id, cases)
        });
        Ok((plan, count, client))
    })
    .await??;
    running
        .report(match &client {
            Some(client) => format!(
                "evaluating {} × {repeat} with {}",
                cases_text(cases),
                client.describe()
            ),
            None if cases == 0 => "scoring the prompt".to_string(),
            None => format!(
                "scoring the prompt (no model to run its {})",
                cases_text(cases)
            ),
        })
        .await;
    let result = evaluate::run(plan, client.as_ref(), repeat).await;
    if let Some(recorder) = recorder {
        recorder.evaluation(state, &result).await;
    }
    to_json(&result)
}

pub(super) async fn generate(
    state: &State,
    running: &Running,
    arguments: &[Value],
) -> Result<Value> {
    let argument = object_argument(arguments, GENERATE_SHAPE)?;
    let args: GenerateArgs = parse(argument, GENERATE_SHAPE)?;
    let mut recorder = None;
    let (prompt, existing) = match &args.uri {
        Some(uri) => {
            let world = state.world(uri).ok_or_else(|| not_open(uri))?;
            let prompt = Prompt::from_world(&world)?;
            let source = prompt.source.clone();
            recorder = Some(Recorder::new(&prompt));
            (prompt, Some(source))
        }
        // As `promptopt generate --task`: a new dotprompt, default lint options.
        None => (
            Prompt::inline(
                state,
                "generated.prompt",
                String::new(),
                Some(LintOptions::default()),
            ),
            args.prompt.clone(),
        ),
    };
    let template_id = args.template_id.clone();
    let request = PromptGenerationRequest {
        task: args.task,
        context: args.context,
        template_id: args.template_id,
        count: args.count,
        prompt: existing,
    };
    let count = request.count().map_err(|e| invalid(e.to_string()))?;
    let base = request
        .base()
        .map_err(|e| invalid(format!("{e}; send {GENERATE_SHAPE}")))?;
    let cancel = running.cancel.clone();
    let project = Arc::clone(&prompt.project);
    let editor = editor_provider(state);
    let client = answer_blocking(GENERATE, move || {
        model_client(&project, editor, None, &cancel)
    })
    .await??;
    running
        .report(match &client {
            Some(client) => format!("{count} candidates from {}", client.describe()),
            None => format!("{count} candidates from the built-in strategies"),
        })
        .await;
    let cancel = running.cancel.clone();
    let list = on_engine_thread(GENERATE, cancel, move |handle| {
        prompt.with_input(&base, |input| {
            handle.block_on(generate::generate(input, &request, client.as_ref()))
        })
    })
    .await?
    .map_err(|e| invalid(e.to_string()))?;
    let mut answer = to_json(&list)?;
    let recorded = match recorder {
        Some(recorder) => {
            recorder
                .candidates(state, template_id.as_deref(), &list)
                .await
        }
        None => None,
    };
    // With the registry's ids the editor can favorite, annotate and rate a candidate.
    if let (Some(ids), Some(Value::Array(candidates))) = (recorded, answer.get_mut("candidates")) {
        for (candidate, id) in candidates.iter_mut().zip(ids) {
            candidate["versionId"] = json!(id);
        }
    }
    Ok(answer)
}

pub(super) async fn refine(state: &State, running: &Running, arguments: &[Value]) -> Result<Value> {
    let argument = object_argument(arguments, REFINE_SHAPE)?;
    let mut recorder = None;
    let (prompt, request, tests, repeat) = if argument.get("uri").is_some() {
        let args: RefineDocument = parse(argument, REFINE_SHAPE)?;
        let world = state.world(&args.uri).ok_or_else(|| not_open(&args.uri))?;
        let prompt = Prompt::from_world(&world)?;
        recorder = Some(Recorder::new(&prompt));
        let tests = Tests::for_prompt(&prompt, args.tests_uri.as_ref())?;
        let request = RefineRequest {
            prompt: prompt.source.clone(),
            feedback: args.feedback,
            failing_cases: Vec::new(),
        };
        (prompt, request, Some(tests), args.repeat)
    } else {
        let request: RefineRequest = parse(argument, REFINE_SHAPE)?;
        let prompt = Prompt::inline(state, "prompt.prompt", request.prompt.clone(), None);
        (prompt, request, None, None)
    };
    let repeat = repeat_of(repeat)?;
    let cancel = running.cancel.clone();
    let project = Arc::clone(&prompt.project);
    let editor = editor_provider(state);
    let (cases, client) = answer_blocking(REFINE, move || -> Result<_> {
        let (cases, fallback) = match tests {
            Some(tests) => {
                let (cases, fallback) = tests.load()?;
                (Some(cases), fallback)
            }
            None => (None, None),
        };
        Ok((cases, model_client(&project, editor, fallback, &cancel)?))
    })
    .await??;
    running
        .report(match (&client, &cases) {
            (Some(client), Some(cases)) if !cases.is_empty() => format!(
                "refining against {} with {}",
                cases_text(cases.len()),
                client.describe()
            ),
            (Some(client), _) => format!("refining with {}", client.describe()),
            (None, _) => "refining with the built-in strategies".to_string(),
        })
        .await;
    let cancel = running.cancel.clone();
    let result = on_engine_thread(REFINE, cancel, move |handle| {
        prompt.with_input(&prompt.source, |input| match cases {
            Some(cases) => handle.block_on(refine::refine_against_cases(
                input,
                request,
                cases,
                client.as_ref(),
                repeat,
            )),
            None => handle.block_on(refine::refine(input, &request, client.as_ref())),
        })
    })
    .await?;
    if let Some(recorder) = recorder {
        recorder.refinement(state, &result).await;
    }
    to_json(&result)
}

/// Runs engine work on the blocking pool with a handle to drive its futures (see the module
/// docs for why), unless the request was cancelled before it started.
async fn on_engine_thread<T: Send + 'static>(
    request: &'static str,
    cancel: CancellationToken,
    work: impl FnOnce(&Handle) -> T + Send + 'static,
) -> Result<T> {
    let handle = Handle::current();
    answer_blocking(request, move || {
        if cancel.is_cancelled() {
            return Err(Error::request_cancelled());
        }
        Ok(work(&handle))
    })
    .await?
}

/// One prompt, owned so it can move to the blocking pool, with what linting and rendering it
/// need: the editor's partials (unsaved ones count) and the lint options in force.
#[derive(Clone)]
pub(super) struct Prompt {
    /// Relative to the project root, as the CLI names it, so prompt ids and diffs agree.
    path: String,
    /// The file on disk, when there is one: its test file is looked up beside it.
    file: Option<PathBuf>,
    pub(super) source: String,
    format: Format,
    options: LintOptions,
    overlay: Overlay,
    pub(super) project: Arc<ProjectConfig>,
}

impl Prompt {
    pub(super) fn from_world(world: &World) -> Result<Prompt> {
        let snapshot = &world.snapshot;
        if snapshot.kind == Kind::Config {
            return Err(invalid(format!(
                "{} is the project's settings, not a prompt: run the command on a .prompt file",
                snapshot.uri.as_str()
            )));
        }
        let path = match &snapshot.path {
            Some(file) => world.project.relative(file),
            None => snapshot.uri.as_str().to_string(),
        };
        Ok(Prompt {
            path,
            file: snapshot.path.clone(),
            source: snapshot.text.to_string(),
            format: snapshot.format(),
            options: world.options(),
            overlay: world.overlay.clone(),
            project: Arc::clone(&world.project),
        })
    }

    /// A prompt given as text (the contract's `prompt` field, or a new one from a task),
    /// governed by the first workspace folder's `promptopt.toml`. `options`: the ones to lint
    /// with, else the project's for `name`.
    fn inline(state: &State, name: &str, source: String, options: Option<LintOptions>) -> Prompt {
        let root = read(&state.roots).first().cloned();
        let virtual_file = root.as_ref().map(|root| root.join(name));
        let project = state.project_for(virtual_file.as_deref());
        let options = options.unwrap_or_else(|| project.options_for(name));
        Prompt {
            path: name.to_string(),
            file: None,
            source,
            format: Format::Dotprompt,
            options,
            overlay: Overlay::default(),
            project,
        }
    }

    /// Hands the engine this prompt's surroundings with `source` as its text (the buffer, or
    /// the starting prompt a generation was built from).
    pub(super) fn with_input<T>(
        &self,
        source: &str,
        work: impl FnOnce(&PromptInput<'_>) -> T,
    ) -> T {
        let from = self.file.as_ref().map(|f| f.to_string_lossy().into_owned());
        let partials = |name: &str| {
            from.as_deref()
                .and_then(|from| self.overlay.partial(from, name))
        };
        let workspace = Rooted {
            root: &self.project.root,
            overlay: &self.overlay,
        };
        let schema_files = self
            .file
            .as_deref()
            .map(|file| SchemaFiles::new(file, serde_json::Map::new()));
        let schemas = |name: &str| schema_files.as_ref().and_then(|s| s.resolve(name));
        let input = PromptInput {
            path: &self.path,
            source,
            format: self.format,
            options: &self.options,
            workspace: &workspace,
            partials: &partials,
            schemas: &schemas,
        };
        work(&input)
    }
}

/// Partials for paths relative to the project root (how the engine names the prompt), with
/// the editor's open partials over the disk.
struct Rooted<'a> {
    root: &'a Path,
    overlay: &'a Overlay,
}

impl Workspace for Rooted<'_> {
    fn partial(&self, from: &str, name: &str) -> Option<String> {
        let from = self.root.join(from);
        self.overlay.partial(&from.to_string_lossy(), name)
    }
}

/// Where a command's test cases come from.
enum Tests {
    None,
    /// A test file in promptfoo's shape (or a `promptfooconfig.yaml`).
    File(PathBuf),
    Given(Vec<TestCase>),
}

impl Tests {
    /// `testsUri`, else `NAME.tests.yaml` (or `.yml`) beside the prompt, as `promptopt eval`
    /// looks for it. Existence is checked when the file is read, on the blocking pool.
    fn for_prompt(prompt: &Prompt, explicit: Option<&Uri>) -> Result<Tests> {
        if let Some(uri) = explicit {
            let path = uri.to_file_path().ok_or_else(|| {
                invalid(format!(
                    "testsUri {} is not a file: send a file:/// URI",
                    uri.as_str()
                ))
            })?;
            return Ok(Tests::File(path.into_owned()));
        }
        let Some(file) = &prompt.file else {
            return Ok(Tests::None);
        };
        Ok(tests_beside(file).map_or(Tests::None, Tests::File))
    }

    /// Reads the cases, and the provider a promptfooconfig.yaml names (blocking: reads files).
    fn load(self) -> Result<(Vec<TestCase>, Option<Overrides>)> {
        let path = match self {
            Tests::None => return Ok((Vec::new(), None)),
            Tests::Given(cases) => return Ok((cases, None)),
            Tests::File(path) => path,
        };
        let file = read_test_file(&path).map_err(invalid)?;
        let cases = file
            .cases()
            .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
        // As `promptopt eval`: the first provider that maps to ours answers when
        // promptopt.toml names none.
        let fallback = file.fallback_provider().map(|(_, overrides)| overrides);
        Ok((cases, fallback))
    }
}

/// The editor's `promptopt.provider` settings.
fn editor_provider(state: &State) -> Overrides {
    read(&state.settings).provider.overrides()
}

/// The client the editor's provider settings and the project's `[provider]` and `[engine]`
/// tables describe (`None`: the built-in engine answers), cancelled with the request.
/// Blocking: it may read the OS keyring.
fn model_client(
    project: &ProjectConfig,
    editor: Overrides,
    fallback: Option<Overrides>,
    cancel: &CancellationToken,
) -> Result<Option<ModelClient>> {
    let env = |name: &str| std::env::var(name).ok();
    let overrides = RunOverrides {
        provider: editor,
        fallback_provider: fallback,
        ..RunOverrides::default()
    };
    let settings = EngineSettings::resolve(&project.text, &overrides, &env)
        .map_err(|e| settings_error(project, &e))?;
    let client = settings
        .client(project.config.base.models(), Some(&project.root))
        .map_err(|e| settings_error(project, &e))?;
    Ok(client.map(|client| client.with_cancellation(cancel.clone())))
}

/// The project's model settings cannot be used. InvalidParams rather than an LSP code of its
/// own: -32002 is LSP's ServerNotInitialized, which clients treat as "retry later".
fn settings_error(project: &ProjectConfig, error: &dyn std::fmt::Display) -> Error {
    let file = project.path.as_ref().map_or_else(
        || "the environment".to_string(),
        |p| p.display().to_string(),
    );
    Error {
        code: ErrorCode::InvalidParams,
        message: format!(
            "cannot use the model settings ({file}): {error}. Fix them and save, or remove [provider] to use the built-in engine"
        )
        .into(),
        data: Some(json!({ "config": project.path })),
    }
}

fn cases_text(n: usize) -> String {
    if n == 1 {
        "1 case".to_string()
    } else {
        format!("{n} cases")
    }
}

fn repeat_of(repeat: Option<u32>) -> Result<u32> {
    evaluate::check_repeat(repeat.unwrap_or(1)).map_err(invalid)
}

/// The command's one argument, which must be an object.
pub(super) fn object_argument<'a>(arguments: &'a [Value], shape: &str) -> Result<&'a Value> {
    match arguments {
        [argument @ Value::Object(_)] => Ok(argument),
        _ => Err(invalid(format!("expected one argument {shape}"))),
    }
}

pub(super) fn parse<T: DeserializeOwned>(argument: &Value, shape: &str) -> Result<T> {
    T::deserialize(argument).map_err(|e| invalid(format!("expected one argument {shape}: {e}")))
}

pub(super) fn to_json(value: &impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| {
        tracing::error!(%e, "an engine result does not serialize");
        Error::internal_error()
    })
}
