"""workspace/executeCommand: the preview renders, the built-in engine evaluates and generates,
and a save becomes a version that feedback rates and a rollback restores."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from conftest import WAIT, Editor



def command(name: str, *arguments, token: str | None = None) -> types.ExecuteCommandParams:
    return types.ExecuteCommandParams(
        command=name, arguments=list(arguments), work_done_token=token
    )


async def test_render_returns_the_messages_with_unsaved_text_and_partials(editor: Editor):
    doc = editor.open("summarize.prompt")
    editor.replace(doc, "plain text", "short plain text")
    progress = editor.capabilities.window.work_done_progress
    token = "render-1" if progress else None
    if token:
        # pytest-lsp tracks tokens the server created; this one the client made.
        editor.client.progress_reports[token] = []

    result = await editor.request(
        editor.client.workspace_execute_command_async(
            command(
                "promptopt.render",
                {"uri": doc.uri, "data": {"input": {"topic": "tides", "text": "The moon pulls."}}},
                token=token,
            )
        )
    )
    messages = result["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]
    system = "".join(part.get("text", "") for part in messages[0]["content"])
    user = "".join(part.get("text", "") for part in messages[1]["content"])
    assert "documents about tides. Reply in short plain text." in system
    assert "The moon pulls." in user
    assert "Answer in a  voice." in user, "the partial renders, with its missing input empty"
    assert result["model"] == "openai/gpt-4o-mini"
    if token:
        kinds = [type(r).__name__ for r in await progress_ended(editor, token)]
        assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"


async def history(editor: Editor, uri: str) -> dict:
    return await editor.request(
        editor.client.workspace_execute_command_async(command("promptopt.history", {"uri": uri}))
    )


async def test_a_save_becomes_a_version_that_feedback_rates_and_rollback_restores(
    editor: Editor,
):
    doc = editor.open("summarize.prompt")
    original = doc.text
    editor.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=doc.uri))
    )
    async with asyncio.timeout(WAIT):
        while len((await history(editor, doc.uri))["versions"]) != 1:
            await asyncio.sleep(0.05)

    editor.replace(doc, "plain text", "short plain text")
    recorded = await editor.request(
        editor.client.workspace_execute_command_async(
            command("promptopt.feedback", {"uri": doc.uri, "score": 2, "notes": "too short"})
        )
    )
    rolled = await editor.request(
        editor.client.workspace_execute_command_async(
            command("promptopt.rollback", {"uri": doc.uri, "reason": "rated 2/5"})
        )
    )
    assert rolled["version"]["content"] == original
    assert rolled["replaced"] == recorded["versionId"]
    assert rolled["applied"] is True
    edit = editor.client.applied_edits[-1]
    texts = [e.new_text for change in edit.document_changes or [] for e in change.edits]
    texts += [e.new_text for edits in (edit.changes or {}).values() for e in edits]
    assert texts == [original], "the editor was handed the restored text"

    trail = await history(editor, doc.uri)
    assert [e["eventType"] for e in trail["events"]] == [
        "PromptVersionSaved",
        "PromptVersionSaved",
        "FeedbackSubmitted",
        "RollbackTriggered",
    ]
    assert trail["events"][2]["user"] == "pytest-lsp"
    assert trail["events"][3]["reason"] == "rated 2/5"
    assert editor.alive()


async def test_render_of_a_document_that_is_not_open_says_so(editor: Editor):
    with pytest.raises(JsonRpcException) as error:
        await editor.request(
            editor.client.workspace_execute_command_async(
                command("promptopt.render", {"uri": editor.uri("summarize.prompt")})
            )
        )
    assert error.value.code == types.ErrorCodes.InvalidParams
    assert "is not open" in error.value.message


CLEAN_TESTS = """\
tests:
  - description: answers briefly
    vars: { question: Why is the sky blue? }
    assert:
      - type: icontains
        value: light
"""


async def progress_ended(editor: Editor, token: str) -> list:
    """The progress reports for `token` once its end has arrived: the server's `$/progress`
    notifications and its response travel separately, so the end may follow the answer."""
    async with asyncio.timeout(WAIT):
        while True:
            reports = editor.client.progress_reports[token]
            if reports and isinstance(reports[-1], types.WorkDoneProgressEnd):
                return reports
            # pytest-lsp records progress itself, without a hook to wake on: poll briefly.
            await asyncio.sleep(0.01)


def track_progress(editor: Editor, token: str) -> str | None:
    """A client-made progress token when the profile shows progress (else None)."""
    if not editor.capabilities.window.work_done_progress:
        return None
    # pytest-lsp tracks tokens the server created; this one the client made.
    editor.client.progress_reports[token] = []
    return token


async def test_evaluate_scores_the_unsaved_buffer_with_the_built_in_engine(editor: Editor):
    (editor.root / "clean.tests.yaml").write_text(CLEAN_TESTS)
    doc = editor.open("clean.prompt")
    editor.replace(doc, "at most three sentences", "at most two sentences")
    token = track_progress(editor, "evaluate-1")

    result = await editor.request(
        editor.client.workspace_execute_command_async(
            command("promptopt.evaluate", {"uri": doc.uri}, token=token)
        )
    )
    assert 1 <= result["score"] <= 5
    assert len(result["rubric"]["dimensions"]) == 5
    assert result["modelVersion"] == "builtin/1"
    assert result["promptId"] == "clean"
    assert [(c["name"], c["status"]) for c in result["cases"]] == [("answers briefly", "skipped")]
    assert result["summary"]["skipped"] == 1
    if token:
        reports = await progress_ended(editor, token)
        kinds = [type(r).__name__ for r in reports]
        assert kinds == ["WorkDoneProgressBegin", "WorkDoneProgressReport", "WorkDoneProgressEnd"]
        assert reports[0].title == "Evaluating"
        assert reports[1].message == "scoring the prompt (no model to run its 1 case)"
        assert reports[2].message == "done"


async def test_generate_returns_the_candidates_asked_for(editor: Editor):
    result = await editor.request(
        editor.client.workspace_execute_command_async(
            command(
                "promptopt.generate",
                {"task": "Answer billing questions for a SaaS product", "count": 3},
            )
        )
    )
    candidates = result["candidates"]
    assert len(candidates) == 3
    for candidate in candidates:
        assert candidate["prompt"].strip()
        assert 1 <= candidate["score"] <= 5
        assert candidate["modelVersion"] == "builtin/1"
        assert candidate["strategy"]

    with pytest.raises(JsonRpcException) as error:
        await editor.request(
            editor.client.workspace_execute_command_async(
                command("promptopt.generate", {"task": "Answer billing questions", "count": 11})
            )
        )
    assert error.value.code == types.ErrorCodes.InvalidParams
    assert "between 1 and 10" in error.value.message
    assert editor.alive()
