"""The release `promptopt lsp` driven by pytest-lsp under real clients' capability profiles.

Each test gets a fresh server and a fresh temporary workspace (`WORKSPACE` below), and runs
once per client profile: VS Code, Neovim and Emacs (eglot), as pytest-lsp ships them (the pull
tests under the profiles that declare pull diagnostics). The
`Editor` the tests receive plays the editor's part: it keeps the text of the documents it
opened, sends incremental edits in UTF-16 positions, and reads diagnostics the way the client
would, pushed (`publishDiagnostics`) or pulled (`textDocument/diagnostic`) as its capabilities
say.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("PROMPTOPT_BIN") or str(ROOT / "target" / "release" / "promptopt")

sys.path.insert(0, str(ROOT / "scripts"))
from lsp_wire import Closed, Wire  # noqa: E402, F401  (the raw client, for the tests too)

# Every wait is bounded by this; lints take milliseconds, so hitting it is a failure.
WAIT = 10.0

# The registry's audit keys go to files the run owns, never the OS keyring of the machine
# running the tests, and its entries name a test user. (Each server inherits these.)
os.environ.setdefault(
    "PROMPTOPT_AUDIT_KEY_DIR", tempfile.mkdtemp(prefix="promptopt-lsp-audit-keys-")
)
os.environ.setdefault("PROMPTOPT_USER", "pytest-lsp")

PROFILES = ["visual-studio-code", "neovim", "emacs"]


def capabilities_of(profile: str) -> types.ClientCapabilities:
    """A profile's capabilities. pytest-lsp's VS Code profile is VS Code 1.65, from before pull
    diagnostics; `visual-studio-code+pull` adds what today's vscode-languageclient (9.x)
    declares for them, so the pull tests also run under a VS Code-shaped client."""
    name, _, variant = profile.partition("+")
    capabilities = client_capabilities(name)
    if variant == "pull":
        capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities(
            dynamic_registration=True, related_document_support=False
        )
        capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
            refresh_support=True
        )
    return capabilities


def declares_pull(capabilities: types.ClientCapabilities) -> bool:
    """Whether the server answers this client in pull mode: it must pull diagnostics and accept
    `workspace/diagnostic/refresh`, since a partial or config change alters a prompt's findings
    without an edit to it. Other clients (Neovim 0.11 among them) are pushed to."""
    text = capabilities.text_document
    workspace = capabilities.workspace
    return (
        text is not None
        and text.diagnostic is not None
        and workspace is not None
        and workspace.diagnostics is not None
        and bool(workspace.diagnostics.refresh_support)
    )


# None of pytest-lsp's three profiles both pulls and takes refreshes (Neovim 0.11 pulls without
# refreshSupport, so it is pushed to): the pull tests run under the VS Code-shaped profile.
PULL_PROFILES = [
    p for p in [*PROFILES, "visual-studio-code+pull"] if declares_pull(capabilities_of(p))
]

WORKSPACE = {
    "promptopt.toml": """\
[lint]
model = "gpt-4o"

[lint.rules]
vague-quantifier = "off"
""",
    "_footer.prompt": "Answer in a {{tone}} voice.\n",
    # One finding of each kind the tests need: trailing whitespace (formatting-hygiene, a safe
    # fix), a misspelt variable after a non-BMP character (undefined-variable, positions in
    # UTF-16), and an undeclared variable read by the partial.
    "summarize.prompt": """\
---
model: openai/gpt-4o-mini
input:
  schema:
    topic: string, what to summarize
    text: string, the document
---
{{role "system"}}
You summarize documents about {{topic}}. Reply in plain text.

{{role "user"}}
<document>
{{text}}
</document>
Summarize the document between the tags. 
{{> footer}}
Mention 🙂 {{topci}} once.
""",
    # vague-quantifier fires here unless promptopt.toml turns it off (it does, at first).
    "questions.prompt": """\
---
model: googleai/gemini-2.5-flash
---
Read the article below and write a short summary.
Then suggest a few follow-up questions.
""",
    "clean.prompt": """\
---
model: openai/gpt-4o-mini
input:
  schema:
    question: string, the user's question
---
{{role "system"}}
Answer the question in at most three sentences of plain text.

{{role "user"}}
<question>
{{question}}
</question>
""",
}


# --- text positions, as LSP counts them (UTF-16 code units) ----------------------------------


def position(text: str, offset: int) -> types.Position:
    """The LSP position of a character offset into `text`."""
    before = text[:offset]
    line = before.count("\n")
    start = before.rfind("\n") + 1
    return types.Position(line=line, character=utf16_len(text[start:offset]))


def offset(text: str, pos: types.Position) -> int:
    """The character offset of an LSP position (the spec clamps past-the-end positions)."""
    lines = text.split("\n")
    if pos.line >= len(lines):
        return len(text)
    at = sum(len(line) + 1 for line in lines[: pos.line])
    units = 0
    for index, char in enumerate(lines[pos.line]):
        if units >= pos.character:
            return at + index
        units += utf16_len(char)
    return at + len(lines[pos.line])


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def range_of(text: str, needle: str, nth: int = 0) -> types.Range:
    """The range of the `nth` occurrence of `needle` in `text`."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    return types.Range(start=position(text, at), end=position(text, at + len(needle)))


def covered(text: str, rng: types.Range) -> str:
    """The text a range covers."""
    return text[offset(text, rng.start) : offset(text, rng.end)]


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Applies non-overlapping text edits, as an editor does (all ranges refer to `text`)."""
    spans = sorted(
        ((offset(text, e.range.start), offset(text, e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


# --- the client --------------------------------------------------------------------------------


class Client(LanguageClient):
    """pytest-lsp's client that also keeps every diagnostics publication and every request the
    server sends it, and can wait for any of them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.published: dict[str, list[types.PublishDiagnosticsParams]] = defaultdict(list)
        self.registrations: list[types.Registration] = []
        self.refreshes = 0
        self.settings_requests = 0
        self.applied_edits: list[types.WorkspaceEdit] = []
        self._news = asyncio.Event()

    def note(self) -> None:
        self._news.set()

    async def until(self, what: str, check: Callable[[], Any], timeout: float = WAIT) -> Any:
        """Waits for `check()` to return something truthy, re-checking on each message the
        server sends; fails the test after `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                while not (found := check()):
                    self._news.clear()
                    await self._news.wait()
                return found
        except TimeoutError:
            pytest.fail(f"waited {timeout:.0f} s for {what}")


def make_client() -> Client:
    client = Client(converter_factory=default_converter)
    replaced = (
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        types.WORKSPACE_DIAGNOSTIC_REFRESH,
        types.WORKSPACE_CONFIGURATION,
    )
    features = {m: h for m, h in DEFAULT_CLIENT_FEATURES.items() if m not in replaced}
    register_lsp_features(client, features)

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def configuration(client: Client, params: types.ConfigurationParams) -> list:
        answer = DEFAULT_CLIENT_FEATURES[types.WORKSPACE_CONFIGURATION](client, params)
        client.settings_requests += 1
        client.note()
        return answer

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish_diagnostics(client: Client, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published[params.uri].append(params)
        client.note()

    @client.feature(types.WORKSPACE_DIAGNOSTIC_REFRESH)
    def diagnostic_refresh(client: Client, params: None) -> None:
        client.refreshes += 1
        client.note()

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(
        client: Client, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        # As an editor: take the edit (a rollback's restored text); the test reads it back.
        client.applied_edits.append(params.edit)
        client.note()
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(client: Client, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)
        client.note()

    return client


# --- the editor --------------------------------------------------------------------------------


@dataclass
class Doc:
    name: str
    uri: str
    version: int
    text: str


@dataclass
class Mark:
    """How many publications and refreshes had arrived for a document at some point."""

    published: int
    refreshes: int


class Editor:
    """What a test drives: a client under one profile, in one workspace."""

    def __init__(self, client: Client, profile: str, root: pathlib.Path):
        self.client = client
        self.profile = profile
        self.root = root
        self.capabilities = capabilities_of(profile)
        self.pull = declares_pull(self.capabilities)
        self.init: types.InitializeResult | None = None

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    def open(self, name: str, text: str | None = None, language_id: str = "dotprompt") -> Doc:
        if text is None:
            text = (self.root / name).read_text()
        doc = Doc(name=name, uri=self.uri(name), version=1, text=text)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=doc.uri, language_id=language_id, version=1, text=text
                )
            )
        )
        return doc

    def edit(self, doc: Doc, rng: types.Range, new_text: str) -> None:
        """One incremental change, applied here and sent with the next version."""
        doc.text = apply_edits(doc.text, [types.TextEdit(range=rng, new_text=new_text)])
        doc.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=doc.uri, version=doc.version
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=rng, text=new_text)
                ],
            )
        )

    def replace(self, doc: Doc, old: str, new: str) -> None:
        self.edit(doc, range_of(doc.text, old), new)

    def close(self, doc: Doc) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=doc.uri)
            )
        )

    def mark(self, doc: Doc) -> Mark:
        return Mark(len(self.client.published[doc.uri]), self.client.refreshes)

    async def diagnostics(self, doc: Doc) -> list[types.Diagnostic]:
        """The diagnostics of the document's current version, as this client gets them."""
        if self.pull:
            return await self.pull_diagnostics(doc)
        publication = await self.client.until(
            f"diagnostics for {doc.name} v{doc.version}",
            lambda: next(
                (p for p in self.client.published[doc.uri] if p.version == doc.version), None
            ),
        )
        return list(publication.diagnostics)

    async def pull_diagnostics(self, doc: Doc) -> list[types.Diagnostic]:
        report = await self.request(
            self.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(
                    text_document=types.TextDocumentIdentifier(uri=doc.uri)
                )
            )
        )
        assert report.kind == "full", report
        return list(report.items)

    async def relinted(
        self, doc: Doc, since: Mark, showing: Callable[[list[types.Diagnostic]], bool]
    ) -> list[types.Diagnostic]:
        """The document's diagnostics once something outside it changed: for a pushing client,
        the first publication since `since` that is `showing` the change (the server may
        re-publish the old findings first, e.g. when the editor's settings arrive); for a
        pulling one, the server's refresh request, then a pull, which must show it.
        """
        if self.pull:
            await self.client.until(
                "workspace/diagnostic/refresh", lambda: self.client.refreshes > since.refreshes
            )
            diagnostics = await self.pull_diagnostics(doc)
            assert showing(diagnostics), diagnostics
            return diagnostics
        publication = await self.client.until(
            f"diagnostics for {doc.name} that show the change",
            lambda: next(
                (
                    p
                    for p in self.client.published[doc.uri][since.published :]
                    if showing(list(p.diagnostics))
                ),
                None,
            ),
        )
        return list(publication.diagnostics)

    async def request(self, call: Any, timeout: float = WAIT) -> Any:
        """Awaits a request's answer, bounded in time."""
        async with asyncio.timeout(timeout):
            return await call

    def alive(self) -> bool:
        server = self.client._server
        return server is not None and server.returncode is None


def by_rule(diagnostics: list[types.Diagnostic], rule: str) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.code == rule]


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: pathlib.Path) -> pathlib.Path:
    for name, text in WORKSPACE.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def pytest_configure(config: pytest.Config) -> None:
    if not os.access(BINARY, os.X_OK):
        pytest.exit(
            f"{BINARY} is not built: run `cargo build --release -p promptopt-cli` "
            "(or point PROMPTOPT_BIN at a promptopt binary)",
            returncode=2,
        )


SERVER = ClientServerConfig(server_command=[BINARY, "lsp"], client_factory=make_client)


async def start(client: Client, profile: str, root: pathlib.Path) -> Editor:
    editor = Editor(client, profile, root)
    folder = types.WorkspaceFolder(uri=root.as_uri(), name=root.name)
    editor.init = await editor.request(
        client.initialize_session(
            types.InitializeParams(
                capabilities=editor.capabilities,
                client_info=types.ClientInfo(name=f"pytest-lsp as {profile}"),
                root_uri=folder.uri,
                workspace_folders=[folder],
            )
        )
    )
    # Every profile lets the server ask for the editor's settings, which it does once
    # initialized; documents opened before the answer is applied are linted twice.
    await client.until("the settings request", lambda: client.settings_requests > 0)
    return editor


async def stop(client: Client) -> None:
    async with asyncio.timeout(WAIT):
        await client.shutdown_session()


def lsp_fixture(name: str, profiles: list[str]):
    """A fixture that runs each test once per profile, with a server initialized under it."""

    @pytest_lsp.fixture(name=name, params=profiles, config=SERVER)
    async def fixture(
        lsp_client: Client, request: pytest.FixtureRequest, workspace: pathlib.Path
    ):
        lsp_client.editor = await start(lsp_client, request.param, workspace)
        yield
        await stop(lsp_client)

    return fixture


client = lsp_fixture("client", PROFILES)
pull_client = lsp_fixture("pull_client", PULL_PROFILES)


# For raw tests (scripts/lsp_wire.py): a client that asks the server for everything it may
# ask back: settings, a file watcher, progress.
RAW_CAPABILITIES = {
    "workspace": {
        "configuration": True,
        "didChangeWatchedFiles": {"dynamicRegistration": True},
    },
    "window": {"workDoneProgress": True},
}


@pytest.fixture
def wire(tmp_path: pathlib.Path, request: pytest.FixtureRequest):
    """The server under a raw client; `indirect` parametrization False makes a client that
    never answers the server's requests."""
    answering = getattr(request, "param", True)
    server = Wire([BINARY, "lsp"], answer_server_requests=answering)
    server.root_uri = tmp_path.as_uri()
    yield server
    server.kill()


@pytest.fixture
def editor(client: Client) -> Editor:
    return client.editor


@pytest.fixture
def pull_editor(pull_client: Client) -> Editor:
    return pull_client.editor
