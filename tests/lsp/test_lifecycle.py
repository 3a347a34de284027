"""Process lifecycle with a raw client (scripts/lsp_wire.py): the server ends promptly after
`exit` although the client keeps its stdin open, as editors do, with the exit code LSP asks
for; also when the client sends `exit` while the server is still waiting on a request of its
own (the client quit during start-up)."""

from __future__ import annotations

import time

import pytest

from conftest import RAW_CAPABILITIES, WAIT, Closed, Wire

# Exit must be prompt: editors wait about this long before they kill a server.
PROMPT = 2.0

def exited_within(wire: Wire, seconds: float) -> tuple[int, float]:
    """Waits for the process to end with its stdin still open; returns (code, seconds taken)."""
    started = time.perf_counter()
    code = wire.proc.wait(timeout=seconds)
    assert not wire.proc.stdin.closed
    return code, time.perf_counter() - started


def shutdown(wire: Wire) -> None:
    id_, _ = wire.request("shutdown")
    _, response = wire.response(id_, WAIT)
    assert response.get("result", "missing") is None, response


@pytest.mark.parametrize(
    "wire", [True, False], indirect=True, ids=["client-answers", "client-never-answers"]
)
def test_shutdown_then_exit_ends_the_process_with_0_while_stdin_stays_open(wire: Wire):
    wire.initialize(wire.root_uri, RAW_CAPABILITIES, WAIT)
    # The server asks for the settings right after `initialized`; this client either answers
    # or quits without answering, as an editor closed during start-up does.
    deadline = time.monotonic() + WAIT
    while not wire.server_requests:
        wire.next(max(0.0, deadline - time.monotonic()))
    shutdown(wire)
    wire.notify("exit")
    code, took = exited_within(wire, PROMPT)
    assert code == 0
    print(f"exited {took * 1000:.0f} ms after `exit`")


def test_exit_without_shutdown_ends_the_process_with_1(wire: Wire):
    wire.initialize(wire.root_uri, RAW_CAPABILITIES, WAIT)
    wire.notify("exit")
    code, _ = exited_within(wire, PROMPT)
    assert code == 1


def test_closing_stdin_ends_the_process(wire: Wire):
    wire.initialize(wire.root_uri, RAW_CAPABILITIES, WAIT)
    wire.proc.stdin.close()
    assert wire.proc.wait(timeout=PROMPT) == 1


def test_requests_after_shutdown_are_refused_and_exit_still_works(wire: Wire):
    wire.initialize(wire.root_uri, RAW_CAPABILITIES, WAIT)
    shutdown(wire)
    id_, _ = wire.request("textDocument/hover", {
        "textDocument": {"uri": wire.root_uri + "/a.prompt"},
        "position": {"line": 0, "character": 0},
    })
    _, response = wire.response(id_, WAIT)
    assert response["error"]["code"] == -32600, response  # InvalidRequest after shutdown
    wire.notify("exit")
    code, _ = exited_within(wire, PROMPT)
    assert code == 0
    with pytest.raises(Closed):
        while True:
            wire.next(WAIT)
