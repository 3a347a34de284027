"""A bare LSP client over a child process's stdio, standard library only: framing, a reader
thread that stamps each message with its arrival time, and optional answers to the server's
own requests. Used by scripts/bench-lsp.py and by the lifecycle tests in tests/lsp, where a
full client library would hide exactly what they look at (timings, exit codes, open stdin)."""

from __future__ import annotations

import itertools
import json
import queue
import subprocess
import threading
import time
from typing import Any

Message = dict[str, Any]


class Closed(Exception):
    """The server closed its output (it exited)."""


class Wire:
    def __init__(self, argv: list[str], *, answer_server_requests: bool = True, stderr=None):
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr if stderr is not None else subprocess.DEVNULL,
        )
        self.answer_server_requests = answer_server_requests
        self.server_requests: list[Message] = []
        self._ids = itertools.count(1)
        self._inbox: queue.Queue[tuple[float, Message] | None] = queue.Queue()
        self._write_lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    # --- sending -------------------------------------------------------------------------

    def send(self, message: Message) -> float:
        """Sends one message; returns the time it was written."""
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        return self.send_raw(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def send_raw(self, data: bytes) -> float:
        """Writes bytes as they are (a frame, or garbage); returns the time they were written."""
        with self._write_lock:
            sent = time.perf_counter()
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        return sent

    def request(self, method: str, params: Any = None) -> tuple[int, float]:
        """Sends a request; returns its id and the time it was sent."""
        id_ = next(self._ids)
        return id_, self.send({"id": id_, "method": method, "params": params})

    def notify(self, method: str, params: Any = None) -> float:
        return self.send({"method": method, "params": params})

    # --- receiving -----------------------------------------------------------------------

    def _read(self) -> None:
        out = self.proc.stdout
        try:
            while True:
                length = None
                while (line := out.readline()) not in (b"\r\n", b"\n"):
                    if not line:
                        return
                    name, _, value = line.decode("ascii").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if length is None:
                    raise ValueError("a frame without Content-Length")
                body = out.read(length)
                if len(body) < length:
                    return  # the server ended mid-frame (it was killed)
                message = json.loads(body)
                arrived = time.perf_counter()
                if "method" in message and "id" in message:
                    self.server_requests.append(message)
                    if self.answer_server_requests:
                        try:
                            self.send({"id": message["id"], "result": _answer(message)})
                        except (OSError, ValueError):
                            pass  # the client closed the server's input meanwhile
                self._inbox.put((arrived, message))
        finally:
            self._inbox.put(None)

    def next(self, timeout: float) -> tuple[float, Message]:
        """The next message from the server with its arrival time."""
        try:
            item = self._inbox.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no message from the server in {timeout} s") from None
        if item is None:
            self._inbox.put(None)  # later calls see the end too
            raise Closed("the server closed its output")
        return item

    def wait_for(self, wanted, timeout: float) -> tuple[float, Message]:
        """Waits for a message for which `wanted(message)` holds, skipping the others."""
        deadline = time.monotonic() + timeout
        while True:
            arrived, message = self.next(max(0.0, deadline - time.monotonic()))
            if wanted(message):
                return arrived, message

    def response(self, id_: int | None, timeout: float) -> tuple[float, Message]:
        """Waits for the response to request `id_` (None: an error about no request)."""
        return self.wait_for(lambda m: m.get("id", 0) == id_ and "method" not in m, timeout)

    # --- lifecycle -----------------------------------------------------------------------

    def initialize(self, root_uri: str | None, capabilities: Message, timeout: float) -> Message:
        id_, _ = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root_uri,
                "workspaceFolders": [{"uri": root_uri, "name": "ws"}] if root_uri else None,
                "capabilities": capabilities,
            },
        )
        _, response = self.response(id_, timeout)
        self.notify("initialized", {})
        return response["result"]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def _answer(request: Message) -> Any:
    """What a client with no settings answers to the server's requests."""
    if request["method"] == "workspace/configuration":
        return [None for _ in request["params"]["items"]]
    return None
