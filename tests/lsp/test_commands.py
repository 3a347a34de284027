"""workspace/executeCommand: the preview renders, the engine's commands say they are not there
yet with their own error code."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from conftest import Editor

NOT_AVAILABLE = -32001


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
        kinds = [type(r).__name__ for r in editor.client.progress_reports[token]]
        assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"


@pytest.mark.parametrize(
    "name",
    [
        "promptopt.generate",
        "promptopt.evaluate",
        "promptopt.refine",
        "promptopt.feedback",
        "promptopt.history",
        "promptopt.rollback",
    ],
)
async def test_commands_without_their_backend_answer_not_available(editor: Editor, name: str):
    doc = editor.open("summarize.prompt")
    with pytest.raises(JsonRpcException) as error:
        await editor.request(
            editor.client.workspace_execute_command_async(command(name, {"uri": doc.uri}))
        )
    assert error.value.code == NOT_AVAILABLE
    assert "not available yet" in error.value.message
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
