//! A test client for the language server: the real `promptopt_lsp::serve` on one end of two
//! in-memory pipes, JSON-RPC frames (`Content-Length` framed) in and out.
//!
//! The client records every message the server sends, answers the server's requests
//! (`workspace/configuration` with settings the test chooses, registrations, progress and
//! refresh requests) and lets a test wait for a condition on what it has received. Waits are
//! bounded by [`GUARD`] and never sleep: they wake on each message the server sends.

// Each test crate uses a different part of the harness.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::fmt::Display;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// How long any wait may take before the test fails. A guard against hangs, never an
/// assertion about speed: everything waited for normally arrives in milliseconds.
pub const GUARD: Duration = Duration::from_secs(10);

/// Each pipe's buffer: big enough that a 5 MB document is written in a few chunks.
const PIPE_BUFFER: usize = 16 << 20;

/// JSON-RPC and LSP error codes the tests check.
pub mod codes {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const SERVER_NOT_INITIALIZED: i64 = -32002;
    /// A review rule refused the action (and the refusal was recorded).
    pub const DENIED: i64 = -32003;
}

/// Runs one test on its own multi-threaded runtime (the server lints on the blocking pool),
/// then drops whatever is still running in the background, such as the lint of a huge
/// document, instead of waiting for it.
pub fn run<F: Future>(test: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime for the test");
    let output = runtime.block_on(test);
    runtime.shutdown_background();
    output
}

/// Client capabilities, as a few real editors send them.
pub mod caps {
    use serde_json::{Value, json};

    /// A client that supports nothing optional: push diagnostics, settings only pushed.
    pub fn minimal() -> Value {
        json!({})
    }

    /// Like VS Code with push diagnostics: pulls settings, watches files, shows progress.
    pub fn editor() -> Value {
        json!({
            "workspace": {
                "configuration": true,
                "workspaceFolders": true,
                "didChangeConfiguration": { "dynamicRegistration": true },
                "didChangeWatchedFiles": { "dynamicRegistration": true },
                "diagnostics": { "refreshSupport": true }
            },
            "textDocument": {
                "synchronization": { "dynamicRegistration": true, "didSave": true },
                "publishDiagnostics": {
                    "relatedInformation": true,
                    "versionSupport": true,
                    "codeDescriptionSupport": true,
                    "dataSupport": true,
                    "tagSupport": { "valueSet": [1, 2] }
                }
            },
            "window": { "workDoneProgress": true, "showMessage": {} },
            "general": { "positionEncodings": ["utf-16"] }
        })
    }

    /// [`editor`] that pulls diagnostics (`textDocument/diagnostic`).
    pub fn pull() -> Value {
        let mut caps = editor();
        caps["textDocument"]["diagnostic"] =
            json!({ "dynamicRegistration": false, "relatedDocumentSupport": false });
        caps
    }
}

/// An LSP range from 0-based lines and UTF-16 characters.
pub fn range(start: (u32, u32), end: (u32, u32)) -> Value {
    json!({
        "start": { "line": start.0, "character": start.1 },
        "end": { "line": end.0, "character": end.1 },
    })
}

/// The UTF-16 position of the first `needle` in `text`, as an LSP client counts it.
pub fn position_of(text: &str, needle: &str) -> (u32, u32) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` is not in the test text"));
    let before = &text[..at];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[line_start..].encode_utf16().count();
    (
        u32::try_from(line).expect("a small line number"),
        u32::try_from(character).expect("a small column"),
    )
}

/// The LSP range of the first `needle` in `text`.
pub fn range_of(text: &str, needle: &str) -> Value {
    let start = position_of(text, needle);
    let width = u32::try_from(needle.encode_utf16().count()).expect("a short needle");
    assert!(!needle.contains('\n'), "range_of works within one line");
    range(start, (start.0, start.1 + width))
}

/// A folder on disk for one test's files, with an empty `promptopt.toml` at its root so
/// that no config above the temporary folder leaks into the test.
pub struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("promptopt-lsp-test")
            .tempdir()
            .expect("a temporary folder for the test workspace");
        let workspace = Self { dir };
        workspace.write("promptopt.toml", "");
        workspace
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn root_uri(&self) -> String {
        file_uri(self.root())
    }

    pub fn uri(&self, name: &str) -> String {
        file_uri(&self.path(name))
    }

    pub fn write(&self, name: &str, text: &str) {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        std::fs::write(&path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

/// `file://` URI of an absolute path (temporary folders need no percent-encoding).
pub fn file_uri(path: &Path) -> String {
    let text = path.to_str().expect("a UTF-8 temporary path");
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b)),
        "{text} would need percent-encoding"
    );
    format!("file://{text}")
}

/// One `textDocument/publishDiagnostics` the server sent.
#[derive(Debug, Clone)]
pub struct Publish {
    pub version: Option<i64>,
    pub diagnostics: Vec<Value>,
}

impl Publish {
    fn from_params(params: &Value) -> Self {
        Self {
            version: params["version"].as_i64(),
            diagnostics: params["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// The rule ids (`code`) of the diagnostics, in order.
    pub fn codes(&self) -> Vec<&str> {
        self.diagnostics
            .iter()
            .map(|d| d["code"].as_str().unwrap_or("<no code>"))
            .collect()
    }

    pub fn has(&self, code: &str) -> bool {
        self.codes().contains(&code)
    }

    /// The first diagnostic of a rule, or a panic listing what there is.
    pub fn find(&self, code: &str) -> &Value {
        self.diagnostics
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("no `{code}` diagnostic in {:#?}", self.diagnostics))
    }

    pub fn all(&self, code: &str) -> Vec<&Value> {
        self.diagnostics
            .iter()
            .filter(|d| d["code"] == code)
            .collect()
    }
}

/// Everything the server has sent so far.
#[derive(Debug, Default)]
pub struct Inbox {
    /// Every message, in the order it arrived.
    pub messages: Vec<Value>,
    /// Responses by their id, as JSON text (`1`, `"a"`, `null`).
    responses: HashMap<String, Value>,
    /// The server closed its output: `serve` returned.
    pub output_closed: bool,
    /// Frames the client could not read; a test fails on any.
    pub frame_errors: Vec<String>,
}

impl Inbox {
    /// The `$/progress` values sent for `token`, in order.
    pub fn progress(&self, token: &Value) -> Vec<Value> {
        self.notifications("$/progress")
            .filter(|p| &p["token"] == token)
            .map(|p| p["value"].clone())
            .collect()
    }

    /// The params of each notification of `method`.
    pub fn notifications<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a Value> {
        self.messages
            .iter()
            .filter(move |m| m["method"] == method && m.get("id").is_none())
            .map(|m| &m["params"])
    }

    /// Each request of `method` the server sent (the whole message, with its id).
    pub fn requests<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a Value> {
        self.messages
            .iter()
            .filter(move |m| m["method"] == method && m.get("id").is_some())
    }

    /// Every publish for `uri`, oldest first.
    pub fn publishes(&self, uri: &str) -> Vec<Publish> {
        self.notifications("textDocument/publishDiagnostics")
            .filter(|p| p["uri"] == uri)
            .map(Publish::from_params)
            .collect()
    }

    pub fn latest_publish(&self, uri: &str) -> Option<Publish> {
        self.publishes(uri).pop()
    }

    pub fn all_publishes(&self) -> usize {
        self.notifications("textDocument/publishDiagnostics")
            .count()
    }

    /// Responses whose id is `null`: the server's answer to a frame it could not read.
    pub fn null_id_responses(&self) -> Vec<&Value> {
        self.messages
            .iter()
            .filter(|m| m.get("method").is_none() && m["id"].is_null())
            .collect()
    }

    /// A note for failure messages when the server is gone.
    fn ended(&self) -> &'static str {
        if self.output_closed {
            " (the server closed its output: serve has returned)"
        } else {
            ""
        }
    }

    /// The last few messages, for failure messages.
    fn tail(&self) -> String {
        let start = self.messages.len().saturating_sub(12);
        self.messages[start..]
            .iter()
            .map(|m| {
                let text = m.to_string();
                if text.chars().count() > 400 {
                    format!("{}…", text.chars().take(400).collect::<String>())
                } else {
                    text
                }
            })
            .collect::<Vec<_>>()
            .join("\n  ")
    }
}

/// How the client answers the server's requests.
#[derive(Debug, Default)]
struct Answers {
    /// The `promptopt` section returned for each `workspace/configuration` item.
    settings: Value,
    /// Methods whose requests are recorded but not answered until released.
    held: HashSet<String>,
    waiting: Vec<Value>,
}

struct Shared {
    inbox: Mutex<Inbox>,
    /// Bumped on every message, so waiters re-check.
    changed: watch::Sender<u64>,
    answers: Mutex<Answers>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn update(&self, change: impl FnOnce(&mut Inbox)) {
        change(&mut lock(&self.inbox));
        self.changed.send_modify(|n| *n += 1);
    }

    fn receive(&self, message: Value, out: &mpsc::UnboundedSender<Outgoing>) {
        let is_request = message.get("method").is_some() && message.get("id").is_some();
        if is_request {
            let method = message["method"].as_str().unwrap_or_default().to_string();
            let mut answers = lock(&self.answers);
            if answers.held.contains(&method) {
                answers.waiting.push(message.clone());
            } else {
                let _ = out.send(Outgoing::Frame(answer(&message, &answers.settings)));
            }
        }
        self.update(|inbox| {
            if message.get("method").is_none() {
                inbox
                    .responses
                    .insert(message["id"].to_string(), message.clone());
            }
            inbox.messages.push(message);
        });
    }
}

/// The client's answer to a server request.
fn answer(request: &Value, settings: &Value) -> Value {
    let id = request["id"].clone();
    let result = match request["method"].as_str().unwrap_or_default() {
        "workspace/configuration" => {
            let items = request["params"]["items"].as_array().map_or(0, Vec::len);
            Value::Array(vec![settings.clone(); items])
        }
        "client/registerCapability"
        | "client/unregisterCapability"
        | "window/workDoneProgress/create"
        | "workspace/diagnostic/refresh"
        | "workspace/semanticTokens/refresh"
        | "workspace/inlayHint/refresh"
        | "workspace/codeLens/refresh" => Value::Null,
        // An editor applies the edit (a rollback's new content) and says so.
        "workspace/applyEdit" => json!({ "applied": true }),
        other => {
            return json!({
                "jsonrpc": "2.0",
                "id": id,
                "error": { "code": codes::METHOD_NOT_FOUND, "message": format!("the test client does not answer {other}") },
            });
        }
    };
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

enum Outgoing {
    /// A JSON-RPC message; the writer frames it.
    Frame(Value),
    /// Bytes written as they are (malformed frames).
    Raw(Vec<u8>),
    /// Close the server's input.
    Close,
}

async fn write_frames(mut pipe: DuplexStream, mut outgoing: mpsc::UnboundedReceiver<Outgoing>) {
    while let Some(item) = outgoing.recv().await {
        let bytes = match item {
            Outgoing::Frame(message) => {
                let body = message.to_string();
                let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
                bytes.extend_from_slice(body.as_bytes());
                bytes
            }
            Outgoing::Raw(bytes) => bytes,
            Outgoing::Close => break,
        };
        // The server may be gone (after `exit`): later writes just stop.
        if pipe.write_all(&bytes).await.is_err() || pipe.flush().await.is_err() {
            break;
        }
    }
    let _ = pipe.shutdown().await;
}

async fn read_frames(
    pipe: DuplexStream,
    shared: Arc<Shared>,
    out: mpsc::UnboundedSender<Outgoing>,
) {
    let mut reader = BufReader::new(pipe);
    loop {
        match read_frame(&mut reader).await {
            Ok(Some(message)) => shared.receive(message, &out),
            Ok(None) => break,
            Err(problem) => {
                shared.update(|inbox| inbox.frame_errors.push(problem));
                break;
            }
        }
    }
    shared.update(|inbox| inbox.output_closed = true);
}

/// One frame, `None` at the end of the stream.
async fn read_frame(reader: &mut BufReader<DuplexStream>) -> Result<Option<Value>, String> {
    let mut length = None;
    loop {
        let mut line = String::new();
        let read = reader
            .read_line(&mut line)
            .await
            .map_err(|e| format!("reading a header: {e}"))?;
        if read == 0 {
            return match length {
                None => Ok(None),
                Some(_) => Err("the stream ended inside a frame's headers".into()),
            };
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("a header without a colon: {line:?}"))?;
        if name.eq_ignore_ascii_case("content-length") {
            let value: usize = value
                .trim()
                .parse()
                .map_err(|e| format!("Content-Length {value:?}: {e}"))?;
            length = Some(value);
        }
    }
    let length = length.ok_or("a frame without Content-Length")?;
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .await
        .map_err(|e| format!("reading a {length}-byte body: {e}"))?;
    serde_json::from_slice(&body).map(Some).map_err(|e| {
        format!(
            "a body that is not JSON ({e}): {}",
            String::from_utf8_lossy(&body)
        )
    })
}

/// The language id an editor would send for a file name.
fn language_of(uri: &str) -> &'static str {
    if uri.ends_with(".toml") {
        "toml"
    } else if uri.ends_with(".prompt") {
        "dotprompt"
    } else {
        "plaintext"
    }
}

/// The editor side of one server.
pub struct TestClient {
    out: mpsc::UnboundedSender<Outgoing>,
    shared: Arc<Shared>,
    next_id: i64,
    server: Option<JoinHandle<bool>>,
    pub workspace: Workspace,
}

impl TestClient {
    /// Starts a server in this runtime, with a fresh workspace folder. Nothing is sent yet.
    pub fn start() -> Self {
        let (client_out, server_in) = tokio::io::duplex(PIPE_BUFFER);
        let (server_out, client_in) = tokio::io::duplex(PIPE_BUFFER);
        let server = tokio::spawn(promptopt_lsp::serve(server_in, server_out));
        let (out, outgoing) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            inbox: Mutex::default(),
            changed: watch::Sender::new(0),
            answers: Mutex::new(Answers::default()),
        });
        tokio::spawn(write_frames(client_out, outgoing));
        tokio::spawn(read_frames(client_in, Arc::clone(&shared), out.clone()));
        Self {
            out,
            shared,
            next_id: 0,
            server: Some(server),
            workspace: Workspace::new(),
        }
    }

    /// Starts a server and initializes it (`initialize`, then `initialized`).
    pub async fn initialized(capabilities: Value, options: Value) -> Self {
        let mut client = Self::start();
        client.initialize(capabilities, options).await;
        client
    }

    /// `initialize` with the workspace folder as the only root, then `initialized`. Returns
    /// the server's `InitializeResult`.
    ///
    /// When the client pulls settings, this also waits for the server's first
    /// `workspace/configuration` request (its answer is then queued ahead of anything the test
    /// sends next): a server still waiting on that answer when `exit` arrives never returns,
    /// which `robustness::exit_returns_even_while_the_server_waits_on_the_client` pins down.
    pub async fn initialize(&mut self, capabilities: Value, options: Value) -> Value {
        let pulls_settings = capabilities["workspace"]["configuration"] == true;
        // The server pulls only with clients that take refreshes.
        let pulls_diagnostics = capabilities["textDocument"]["diagnostic"].is_object()
            && capabilities["workspace"]["diagnostics"]["refreshSupport"] == true;
        let result = self.initialize_only(capabilities, options).await;
        self.notify("initialized", json!({}));
        if pulls_settings {
            self.wait_for_request("workspace/configuration", 1).await;
        }
        if pulls_diagnostics {
            // `initialized` ends by asking a pulling client to pull again (its settings may
            // have changed every result); tests count refreshes from after that one.
            self.wait_for_request("workspace/diagnostic/refresh", 1)
                .await;
        }
        result
    }

    /// `initialize` alone, for tests that control what happens before `initialized`.
    pub async fn initialize_only(&mut self, capabilities: Value, options: Value) -> Value {
        let root = self.workspace.root_uri();
        let mut params = json!({
            "processId": null,
            "clientInfo": { "name": "promptopt-lsp-tests" },
            "rootUri": root,
            "workspaceFolders": [{ "uri": root, "name": "workspace" }],
            "capabilities": capabilities,
        });
        if !options.is_null() {
            params["initializationOptions"] = options;
        }
        self.request("initialize", params)
            .await
            .unwrap_or_else(|error| panic!("initialize failed: {error}"))
    }

    // ---- sending -------------------------------------------------------------------------

    fn send(&self, message: Value) {
        // The writer only stops after `close_input`; a send after that is the test's choice.
        let _ = self.out.send(Outgoing::Frame(message));
    }

    /// Sends a request and returns its id without waiting.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// The whole response to request `id` (waits for it).
    pub async fn response(&self, id: i64) -> Value {
        let key = id.to_string();
        self.wait_until(format_args!("the response to request {id}"), |inbox| {
            inbox.responses.get(&key).cloned()
        })
        .await
    }

    /// Sends a request and waits for its answer: `Ok(result)` or `Err(error object)`.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.send_request(method, params);
        let response = self.response(id).await;
        match response.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(response.get("result").cloned().unwrap_or(Value::Null)),
        }
    }

    /// A request that must succeed.
    pub async fn request_ok(&mut self, method: &str, params: Value) -> Value {
        self.request(method, params)
            .await
            .unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }

    /// A request that must fail; returns the error's code and message.
    pub async fn request_err(&mut self, method: &str, params: Value) -> (i64, String) {
        match self.request(method, params).await {
            Ok(result) => panic!("{method} succeeded with {result} where an error was expected"),
            Err(error) => (
                error["code"].as_i64().expect("an error code"),
                error["message"].as_str().unwrap_or_default().to_string(),
            ),
        }
    }

    pub fn notify(&self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Writes bytes to the server as they are.
    pub fn send_raw(&self, bytes: &[u8]) {
        let _ = self.out.send(Outgoing::Raw(bytes.to_vec()));
    }

    /// Closes the server's input, as a client process that dies would.
    pub fn close_input(&self) {
        let _ = self.out.send(Outgoing::Close);
    }

    /// A request the server answers from its own state; its answer means every message sent
    /// before it has been read (handlers may still be finishing concurrently).
    pub async fn roundtrip(&mut self) {
        let (code, _) = self.request_err("promptopt/roundtrip", json!({})).await;
        assert_eq!(code, codes::METHOD_NOT_FOUND);
    }

    // ---- documents -----------------------------------------------------------------------

    /// `didOpen` at version 1, with the language id an editor would pick for the name.
    pub fn open(&self, uri: &str, text: &str) {
        self.open_as(uri, language_of(uri), 1, text);
    }

    pub fn open_as(&self, uri: &str, language: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": version, "text": text } }),
        );
    }

    /// One incremental change.
    pub fn change(&self, uri: &str, version: i64, range: Value, text: &str) {
        self.change_many(uri, version, vec![json!({ "range": range, "text": text })]);
    }

    /// Several content changes in one `didChange`, applied in order.
    pub fn change_many(&self, uri: &str, version: i64, changes: Vec<Value>) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        );
    }

    /// A whole-text change.
    pub fn change_full(&self, uri: &str, version: i64, text: &str) {
        self.change_many(uri, version, vec![json!({ "text": text })]);
    }

    /// `didSave` (the buffer's text is what was saved).
    pub fn save(&self, uri: &str) {
        self.notify(
            "textDocument/didSave",
            json!({ "textDocument": { "uri": uri } }),
        );
    }

    pub fn close(&self, uri: &str) {
        self.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
    }

    /// `workspace/didChangeWatchedFiles` for one file (1 created, 2 changed, 3 deleted).
    pub fn watched_file_changed(&self, uri: &str, kind: u8) {
        self.notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": uri, "type": kind }] }),
        );
    }

    /// `workspace/executeCommand`.
    pub async fn command(&mut self, command: &str, arguments: Value) -> Result<Value, Value> {
        self.request(
            "workspace/executeCommand",
            json!({ "command": command, "arguments": arguments }),
        )
        .await
    }

    /// `textDocument/diagnostic` (pull), with the previous result id when there is one.
    pub async fn pull(&mut self, uri: &str, previous: Option<&str>) -> Value {
        let mut params = json!({ "textDocument": { "uri": uri } });
        if let Some(previous) = previous {
            params["previousResultId"] = json!(previous);
        }
        self.request_ok("textDocument/diagnostic", params).await
    }

    // ---- what the client answers ---------------------------------------------------------

    /// The `promptopt` section the client returns for `workspace/configuration`.
    pub fn set_settings(&self, settings: Value) {
        lock(&self.shared.answers).settings = settings;
    }

    /// Record requests of `method` without answering them until [`Self::release`].
    pub fn hold(&self, method: &str) {
        lock(&self.shared.answers).held.insert(method.to_string());
    }

    /// Answer the held requests of `method` (with the settings as they are now) and stop
    /// holding it.
    pub fn release(&self, method: &str) {
        let mut answers = lock(&self.shared.answers);
        answers.held.remove(method);
        let (release, keep): (Vec<Value>, Vec<Value>) = answers
            .waiting
            .drain(..)
            .partition(|request| request["method"] == method);
        answers.waiting = keep;
        for request in release {
            let _ = self
                .out
                .send(Outgoing::Frame(answer(&request, &answers.settings)));
        }
    }

    // ---- waiting and looking -------------------------------------------------------------

    /// What the server has sent so far. Do not hold it across an `.await`.
    pub fn inbox(&self) -> MutexGuard<'_, Inbox> {
        lock(&self.shared.inbox)
    }

    /// Waits until `check` finds something in what the server sent, re-checking on every new
    /// message; fails the test after [`GUARD`], or as soon as the server has ended without it.
    /// `check` runs with the inbox locked: read the inbox it is given, never [`Self::inbox`]
    /// (that would deadlock).
    pub async fn wait_until<T>(
        &self,
        what: impl Display,
        check: impl FnMut(&Inbox) -> Option<T>,
    ) -> T {
        match self.poll(check).await {
            Some(found) => found,
            None => {
                let inbox = self.inbox();
                panic!(
                    "waited for {what} in vain{}; the server's last messages:\n  {}",
                    inbox.ended(),
                    inbox.tail()
                )
            }
        }
    }

    /// Waits until the latest diagnostics published for `uri` satisfy `expected`.
    pub async fn wait_for_diagnostics(
        &self,
        uri: &str,
        expected: impl Fn(&Publish) -> bool,
    ) -> Publish {
        let mut latest = None;
        let found = self
            .poll(|inbox| {
                latest = inbox.latest_publish(uri);
                latest.clone().filter(|p| expected(p))
            })
            .await;
        match found {
            Some(publish) => publish,
            None => {
                let inbox = self.inbox();
                let history: Vec<String> = inbox
                    .publishes(uri)
                    .iter()
                    .map(|p| format!("v{:?} {:?}", p.version, p.codes()))
                    .collect();
                panic!(
                    "waited for diagnostics of {uri} to match in vain{}; published so far:\n  {}\nlatest: {:#?}",
                    inbox.ended(),
                    history.join("\n  "),
                    latest
                )
            }
        }
    }

    /// What `check` finds, re-checking on each message; `None` after [`GUARD`] or once the
    /// server has closed its output without it.
    async fn poll<T>(&self, mut check: impl FnMut(&Inbox) -> Option<T>) -> Option<T> {
        let mut changed = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + GUARD;
        loop {
            changed.borrow_and_update();
            {
                let inbox = self.inbox();
                assert!(
                    inbox.frame_errors.is_empty(),
                    "the server sent an unreadable frame: {:?}",
                    inbox.frame_errors
                );
                if let Some(found) = check(&inbox) {
                    return Some(found);
                }
                if inbox.output_closed {
                    return None;
                }
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => unreachable!("the client holds the sender"),
                Err(_) => return None,
            }
        }
    }

    /// Waits for the diagnostics of `uri` at `version`.
    pub async fn wait_for_version(&self, uri: &str, version: i64) -> Publish {
        self.wait_for_diagnostics(uri, |p| p.version == Some(version))
            .await
    }

    /// Waits for the `n`th (1-based) request of `method` from the server.
    pub async fn wait_for_request(&self, method: &str, n: usize) -> Value {
        self.wait_until(format_args!("request #{n} of {method}"), |inbox| {
            inbox.requests(method).nth(n - 1).cloned()
        })
        .await
    }

    /// Waits for the `n`th (1-based) notification of `method` and returns its params.
    pub async fn wait_for_notification(&self, method: &str, n: usize) -> Value {
        self.wait_until(format_args!("notification #{n} of {method}"), |inbox| {
            inbox.notifications(method).nth(n - 1).cloned()
        })
        .await
    }

    // ---- the end -------------------------------------------------------------------------

    /// What `serve` returned, waiting for it to return.
    pub async fn served(&mut self) -> bool {
        let server = self
            .server
            .take()
            .expect("the server's result was already taken");
        match tokio::time::timeout(GUARD, server).await {
            Ok(Ok(shut_down)) => shut_down,
            Ok(Err(error)) => panic!("the server task failed: {error}"),
            Err(_) => panic!("serve did not return within {GUARD:?}"),
        }
    }

    /// `shutdown` then `exit`, as an editor closes: `serve` must return true promptly.
    pub async fn shutdown_and_exit(mut self) {
        let result = self.request("shutdown", Value::Null).await;
        assert_eq!(result, Ok(Value::Null), "shutdown must answer null");
        self.notify("exit", Value::Null);
        assert!(
            self.served().await,
            "serve returned false after shutdown and exit"
        );
    }
}

impl Drop for TestClient {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
