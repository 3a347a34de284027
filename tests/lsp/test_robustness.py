"""Garbage in, the server stays up: unknown methods, malformed parameters, edits that make no
sense, and huge or odd documents each get an answer (an error where one is due) and the server
goes on serving."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from conftest import RAW_CAPABILITIES, WAIT, WORKSPACE, Editor, Wire, by_rule


async def still_serving(editor: Editor) -> None:
    """The server is alive and lints a prompt correctly."""
    assert editor.alive()
    doc = editor.open("summarize.prompt", WORKSPACE["summarize.prompt"])
    diagnostics = await editor.diagnostics(doc)
    assert [d for d in by_rule(diagnostics, "undefined-variable") if "topci" in d.message]


async def test_unknown_methods_and_notifications_are_answered_or_dropped(editor: Editor):
    protocol = editor.client.protocol
    with pytest.raises(JsonRpcException) as unknown:
        await editor.request(protocol.send_request_async("promptopt/noSuchMethod", {"x": 1}))
    assert unknown.value.code == types.ErrorCodes.MethodNotFound

    # Unknown notifications are dropped, `$/` ones silently; a cancel for nothing is fine.
    protocol.notify("promptopt/noSuchNotification", {"x": 1})
    protocol.notify("$/somethingNew", None)
    protocol.notify("$/cancelRequest", types.CancelParams(id=99999))
    # Requests about documents the client never opened.
    nowhere = types.TextDocumentIdentifier(editor.uri("never-opened.prompt"))
    hover = await editor.request(
        editor.client.text_document_hover_async(
            types.HoverParams(text_document=nowhere, position=types.Position(0, 0))
        )
    )
    assert hover is None
    await still_serving(editor)


async def test_edits_that_make_no_sense_are_survived(editor: Editor):
    doc = editor.open("clean.prompt")
    await editor.diagnostics(doc)
    far = types.Position(line=10_000, character=10_000)

    # Past the end, reversed, and in the middle of a surrogate pair: the server clamps
    # or ignores, and never dies.
    editor.edit(doc, types.Range(start=far, end=far), "tail")
    editor.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version + 1),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=types.Position(5, 3), end=types.Position(1, 0)),
                    text="x",
                )
            ],
        )
    )
    emoji = editor.open("emoji.prompt", "---\nmodel: openai/gpt-4o\n---\n🙂🙂 {{x}}\n")
    editor.edit(emoji, types.Range(start=types.Position(3, 1), end=types.Position(3, 3)), "?")
    # A change for a document that is not open, and a second open of the same document.
    editor.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=editor.uri("not-open.prompt"), version=3
            ),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="hi")],
        )
    )
    editor.open("clean.prompt")
    editor.close(editor.open("closed-twice.prompt", "x"))
    editor.client.text_document_did_close(
        types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(editor.uri("closed-twice.prompt"))
        )
    )
    await still_serving(editor)


ODD_DOCUMENTS = {
    "empty.prompt": "",
    "only-dashes.prompt": "---\n",
    "unterminated-front-matter.prompt": "---\nmodel: x\ninput:\n  schema:\n    a: string\n",
    "bad-yaml.prompt": "---\nmodel: [unclosed\n  : :\n---\n{{a}}\n",
    "nul-and-controls.prompt": "---\nmodel: openai/gpt-4o\n---\nHi\x00there\x07\x1b[31m {{a}}\n",
    "lone-cr.prompt": "---\rmodel: openai/gpt-4o\r---\rLine one.\rLine two {{b}}.\r",
    "crlf-and-lf.prompt": "---\r\nmodel: openai/gpt-4o\r\n---\r\nOne.  \nTwo.\r\n\r\n\r\n\r\nThree.\n",
    "unbalanced.prompt": "{{#if a}}{{#each b}}{{/if}}{{/each}}{{> }}{{{{raw}}}}{{",
    "deep-blocks.prompt": "{{#if a}}" * 2_000 + "x" + "{{/if}}" * 2_000,
    "deep-yaml.prompt": "---\nmodel: " + "[" * 2_000 + "]" * 2_000 + "\n---\nHi\n",
    "wide-unicode.prompt": "---\nmodel: openai/gpt-4o\n---\n" + "é́👩‍👩‍👧‍👦\u202e\u200b" * 5_000 + "\n",
    "many-lines.prompt": "---\nmodel: openai/gpt-4o\n---\n" + "Say it.\n" * 100_000,
}


@pytest.mark.parametrize("name", sorted(ODD_DOCUMENTS))
async def test_odd_documents_are_linted_without_taking_the_server_down(editor: Editor, name: str):
    doc = editor.open(name, ODD_DOCUMENTS[name])
    diagnostics = await editor.diagnostics(doc)
    for diagnostic in diagnostics:
        assert diagnostic.range.start.line <= diagnostic.range.end.line
        assert diagnostic.range.end.line <= max(doc.text.count("\n"), doc.text.count("\r"))
    await still_serving(editor)


async def test_a_huge_prompt_does_not_stall_the_others(editor: Editor):
    # About 1 MB, far above any real prompt (the CLI's limit is 8 MiB). Its lint runs off the
    # request path: the server answers for other documents meanwhile.
    section = WORKSPACE["summarize.prompt"].split("---\n", 2)[2]
    body = section * (1_000_000 // len(section))
    huge = editor.open("huge.prompt", WORKSPACE["summarize.prompt"] + body)
    await still_serving(editor)
    editor.close(huge)
    assert editor.alive()


def hover_nowhere(wire: Wire) -> dict:
    id_, _ = wire.request(
        "textDocument/hover",
        {"textDocument": {"uri": wire.root_uri + "/a.prompt"}, "position": {"line": 0, "character": 0}},
    )
    return wire.response(id_, WAIT)[1]


def test_malformed_params_get_errors_and_the_server_goes_on(wire: Wire):
    """Below the client libraries, which would refuse to send these: raw frames."""
    wire.initialize(wire.root_uri, RAW_CAPABILITIES, WAIT)

    def answer(method: str, params) -> dict:
        id_, _ = wire.request(method, params)
        return wire.response(id_, WAIT)[1]

    for params in (None, {}, {"textDocument": {"uri": 42}}, {"position": "top"}, [1, 2, 3]):
        error = answer("textDocument/hover", params).get("error")
        assert error and error["code"] == types.ErrorCodes.InvalidParams, params
    assert answer("promptopt/noSuchMethod", {})["error"]["code"] == types.ErrorCodes.MethodNotFound
    # A message with neither method nor id is dropped.
    wire.send({})

    assert hover_nowhere(wire)["result"] is None
    assert wire.proc.poll() is None


@pytest.mark.parametrize(
    "frame",
    [
        b"Content-Length: 9\r\n\r\n{not json",
        b"Content-Length: 3\r\n\r\n\xe9t\xe9",
        b"Content-Length: 2\r\n\r\n[]",
        b'Content-Length: 9\r\n\r\n{"id": 5}',
        b"Content-Length: lots\r\n\r\n",
        b"A: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 2\r\n\r\n{}",
    ],
    ids=["not-json", "not-utf8", "batch", "not-jsonrpc", "bad-length", "many-headers"],
)
def test_an_undecodable_frame_gets_an_error_and_the_session_goes_on(wire: Wire, frame: bytes):
    wire.initialize(wire.root_uri, RAW_CAPABILITIES, WAIT)
    wire.send_raw(frame)
    # JSON-RPC: Parse error for what is not JSON, Invalid Request for what is no message; the
    # id is null since none could be read.
    _, reply = wire.response(None, WAIT)
    assert reply["error"]["code"] in (-32700, -32600), reply
    assert hover_nowhere(wire)["result"] is None
    assert wire.proc.poll() is None
