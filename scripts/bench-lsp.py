#!/usr/bin/env python3
"""Drives the release `promptopt lsp` over stdio as an editor would, and prints how fast it
answers beside the targets:

- first diagnostics: from `initialize` sent to the first publishDiagnostics of a prompt opened
  right after `initialized`;
- keystroke to diagnostics: single-character incremental edits to a ~50 KB prompt at a typing
  rate, each timed to the publishDiagnostics carrying its version. The server lints only the
  newest version when edits arrive faster than it lints, so an edit superseded before its lint
  finished never gets a publication of its own: percentiles are over published versions, and
  the coalesced ones are counted;
- completion and hover latency over a few hundred requests on the same prompt;
- peak RSS (VmHWM) after opening 200 prompts and receiving their diagnostics.

Standard library only; stdio only; bounded in time (--time-limit). Prompts are made from the
calibration corpus (Prompty files turned into dotprompt), or from examples/ when it is absent.

    cargo build --release -p promptopt-cli && python3 scripts/bench-lsp.py
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from lsp_wire import Wire  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = pathlib.Path(os.environ.get("PROMPTOPT_CORPUS", "/work/shared/corpus"))

TARGETS = {
    "first": 100.0,  # ms
    "keystroke_p99": 20.0,  # ms
    "completion_p99": 10.0,  # ms
    "rss": 50.0,  # MB
}

# A client that lints by push: no textDocument.diagnostic, so the server publishes.
CAPABILITIES = {
    "general": {"positionEncodings": ["utf-16"]},
    "textDocument": {
        "synchronization": {"didSave": True},
        "publishDiagnostics": {"versionSupport": True, "codeDescriptionSupport": True},
        "completion": {"completionItem": {"snippetSupport": True}},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
    },
    "workspace": {"configuration": True, "workspaceFolders": True},
}


# --- prompts ---------------------------------------------------------------------------------


ROLE_LINE = re.compile(r"^(system|user|assistant):\s*$", re.MULTILINE)
INPUT_NAME = re.compile(r"^ {2,}([A-Za-z_][A-Za-z0-9_]*):\s*$", re.MULTILINE)


def from_prompty(text: str) -> tuple[list[str], str] | None:
    """A Prompty prompt's input names and its body with role lines as dotprompt's helpers;
    None for one that uses Jinja statements, which Handlebars cannot read."""
    if not text.startswith("---") or "{%" in text:
        return None
    parts = text.split("---", 2)
    if len(parts) < 3:
        return None
    front, body = parts[1], parts[2].lstrip("\n")
    inputs = front.split("inputs:", 1)[1] if "inputs:" in front else ""
    names = INPUT_NAME.findall(inputs)
    return names, ROLE_LINE.sub(lambda m: '{{role "%s"}}' % m.group(1), body)


def dotprompt(names: list[str], body: str) -> str:
    schema = "".join(f"    {name}: string\n" for name in dict.fromkeys(names))
    front = "---\nmodel: openai/gpt-4o-mini\n"
    if schema:
        front += "input:\n  schema:\n" + schema
    return front + "---\n" + body


def corpus_prompts(limit: int) -> list[str]:
    """Up to `limit` dotprompt texts made from the corpus, in a stable order."""
    prompts = []
    for path in sorted(CORPUS.glob("*/*.prompty")):
        converted = from_prompty(path.read_text(errors="replace"))
        if converted:
            prompts.append(dotprompt(*converted))
        if len(prompts) == limit:
            break
    return prompts


def example_prompts() -> list[str]:
    return [p.read_text() for p in sorted((ROOT / "examples").glob("[!_]*.prompt"))]


def large_prompt(size: int) -> str:
    """A realistic prompt of at least `size` bytes: one system turn made of many real
    prompts' instructions as sections, then the user's turn."""
    names: list[str] = []
    sections: list[str] = []
    paths = sorted(CORPUS.glob("*/*.prompty"))
    for path in paths:
        converted = from_prompty(path.read_text(errors="replace"))
        if not converted:
            continue
        inputs, body = converted
        names += inputs
        text = re.sub(r'\{\{role "\w+"\}\}\n?', "", body).strip()
        sections.append(f"## {path.stem.rsplit('_', 1)[0].replace('_', ' ')}\n\n{text}\n")
        if sum(len(s) for s in sections) >= size:
            break
    if not sections:  # no corpus here: repeat the examples' bodies
        body = "\n".join(p.split("---\n", 2)[2] for p in example_prompts())
        sections = [body] * (size // len(body) + 1)
    body = '{{role "system"}}\n' + "\n".join(sections) + '\n{{role "user"}}\n'
    body += "".join(f"{{{{{name}}}}}\n" for name in dict.fromkeys(names))
    return dotprompt(names, body)


# --- the client ------------------------------------------------------------------------------


class Bench:
    def __init__(self, binary: str, root: pathlib.Path, deadline: float):
        self.wire = Wire([binary, "lsp"])
        self.root = root
        self.deadline = deadline
        self.published: dict[str, list[tuple[float, int | None, int]]] = {}
        self.responses: dict[int, tuple[float, dict]] = {}

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the benchmark ran out of time (--time-limit)")
        return left

    def pump(self, until) -> None:
        """Reads messages until `until()` holds, recording publications and responses."""
        while not until():
            self.record(*self.wire.next(min(self.remaining(), 30.0)))

    def record(self, arrived: float, message: dict) -> None:
        if message.get("method") == "textDocument/publishDiagnostics":
            params = message["params"]
            self.published.setdefault(params["uri"], []).append(
                (arrived, params.get("version"), len(params["diagnostics"]))
            )
        elif "id" in message and "method" not in message:
            self.responses[message["id"]] = (arrived, message)

    def open(self, name: str, text: str) -> str:
        path = self.root / name
        path.write_text(text)
        uri = path.as_uri()
        self.wire.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "dotprompt", "version": 1, "text": text}},
        )
        return uri

    def published_version(self, uri: str, version: int) -> float | None:
        for arrived, v, _ in self.published.get(uri, []):
            if v == version:
                return arrived
        return None

    def call(self, method: str, params: dict) -> tuple[float, dict]:
        """One request, answered; returns (seconds, response)."""
        id_, sent = self.wire.request(method, params)
        self.pump(lambda: id_ in self.responses)
        arrived, response = self.responses.pop(id_)
        return arrived - sent, response

    def stop(self) -> None:
        try:
            id_, _ = self.wire.request("shutdown")
            self.pump(lambda: id_ in self.responses)
            self.wire.notify("exit")
            self.wire.proc.wait(timeout=5)
        except Exception:  # noqa: BLE001 - the figures are printed; just make sure it ends
            pass
        self.wire.kill()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def verdict(value: float, target: float) -> str:
    return f"(target < {target:g}: {'ok' if value < target else 'MISSED'})"


def position(text: str, offset: int) -> dict:
    """LSP position (UTF-16) of a character offset."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": len(text[start:offset].encode("utf-16-le")) // 2}


# --- the measurements ------------------------------------------------------------------------


def first_diagnostics(bench: Bench, text: str) -> float:
    id_, sent = bench.wire.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": bench.root.as_uri(),
            "workspaceFolders": [{"uri": bench.root.as_uri(), "name": "bench"}],
            "capabilities": CAPABILITIES,
        },
    )
    bench.pump(lambda: id_ in bench.responses)
    bench.wire.notify("initialized", {})
    uri = bench.open("first.prompt", text)
    bench.pump(lambda: bench.published.get(uri))
    return (bench.published[uri][0][0] - sent) * 1000


def keystrokes(bench: Bench, text: str, edits: int, interval: float) -> dict:
    uri = bench.open("large.prompt", text)
    bench.pump(lambda: bench.published_version(uri, 1) is not None)
    # Type a sentence at the end of the system turn's last section, one character at a time.
    at = text.index('{{role "user"}}')
    typed = ("Keep answers short and cite the section you used. " * (edits // 50 + 1))[:edits]
    sent: dict[int, float] = {}
    next_tick = time.perf_counter()
    for i, char in enumerate(typed):
        version = i + 2
        pos = position(text, at)
        sent[version] = bench.wire.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": pos, "end": pos}, "text": char}],
            },
        )
        text = text[:at] + char + text[at:]
        at += 1
        next_tick += interval
        # Read what arrived meanwhile, then wait out the rest of the typing interval.
        while (wait := next_tick - time.perf_counter()) > 0:
            try:
                bench.record(*bench.wire.next(wait))
            except TimeoutError:
                break
    last = len(typed) + 1
    bench.pump(lambda: bench.published_version(uri, last) is not None)
    publications = [(arrived, v) for arrived, v, _ in bench.published[uri] if v]
    latencies, reflected = [], []
    for version, at_sent in sent.items():
        arrived = bench.published_version(uri, version)
        if arrived is not None:
            latencies.append((arrived - at_sent) * 1000)
        # What the user sees: the first diagnostics that take this keystroke into account.
        first = min(a for a, v in publications if v >= version)
        reflected.append((first - at_sent) * 1000)
    return {
        "uri": uri,
        "text": text,
        "latencies": latencies,
        "reflected": reflected,
        "coalesced": len(sent) - len(latencies),
        "diagnostics": bench.published[uri][-1][2],
    }


def requests(bench: Bench, uri: str, text: str, count: int) -> dict:
    """Completion after `{{` on a new line and hover over a variable, `count` times each."""
    user = text.index('{{role "user"}}\n') + len('{{role "user"}}\n')
    variable = re.search(r"\{\{(\w+)\}\}", text[user:])
    hover_at = position(text, user + variable.start() + 3) if variable else position(text, user)
    insert = position(text, user)
    bench.wire.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 100_000},
            "contentChanges": [{"range": {"start": insert, "end": insert}, "text": "{{\n"}],
        },
    )
    complete_at = {"line": insert["line"], "character": 2}
    doc = {"uri": uri}
    results = {}
    for name, method, params in (
        ("completion", "textDocument/completion", {"textDocument": doc, "position": complete_at,
         "context": {"triggerKind": 2, "triggerCharacter": "{"}}),
        ("hover", "textDocument/hover", {"textDocument": doc, "position": hover_at}),
    ):
        times, answered = [], 0
        for _ in range(count):
            took, response = bench.call(method, params)
            times.append(took * 1000)
            answered += response.get("result") not in (None, [])
        results[name] = (times, answered)
    return results


def rss(bench: Bench) -> tuple[float, float]:
    """(peak, current) resident memory of the server, in MB."""
    status = pathlib.Path(f"/proc/{bench.wire.proc.pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    kb = lambda name: int(fields[name].split()[0])  # noqa: E731
    return kb("VmHWM") / 1024, kb("VmRSS") / 1024


def memory(bench: Bench, prompts: list[str]) -> tuple[float, float, int]:
    root = bench.root.as_uri()
    bench.call(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root,
            "workspaceFolders": [{"uri": root, "name": "bench"}],
            "capabilities": CAPABILITIES,
        },
    )
    bench.wire.notify("initialized", {})
    uris = [bench.open(f"many/p{i:03}.prompt", text) for i, text in enumerate(prompts)]
    bench.pump(lambda: all(bench.published.get(u) for u in uris))
    peak, now = rss(bench)
    return peak, now, len(uris)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--bin",
        default=os.environ.get("PROMPTOPT_BIN", str(ROOT / "target/release/promptopt")),
    )
    parser.add_argument("--edits", type=int, default=300)
    parser.add_argument("--interval-ms", type=float, default=30.0)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--size-kb", type=int, default=50)
    parser.add_argument("--time-limit", type=float, default=180.0, help="seconds, in all")
    args = parser.parse_args()
    if not os.access(args.bin, os.X_OK):
        print(f"{args.bin} is not built: run `cargo build --release -p promptopt-cli`")
        return 2

    many = corpus_prompts(args.files) or example_prompts()
    many = (many * (args.files // len(many) + 1))[: args.files]
    large = large_prompt(args.size_kb * 1024)
    first_name, first = "examples/customer-support.prompt", (ROOT / "examples/customer-support.prompt").read_text()
    source = f"{CORPUS} (Prompty turned into dotprompt)" if CORPUS.is_dir() else "examples/"

    root = pathlib.Path(tempfile.mkdtemp(prefix="promptopt-bench-"))
    (root / "many").mkdir()
    bench = Bench(args.bin, root, time.monotonic() + args.time_limit)
    try:
        print(f"promptopt lsp benchmark: {args.bin}")
        print(f"prompts from {source}; large prompt {len(large.encode()) / 1024:.0f} KB\n")

        ms = first_diagnostics(bench, first)
        print(f"first diagnostics after initialize   {ms:8.1f} ms        {verdict(ms, TARGETS['first'])}  ({first_name})")

        typing = keystrokes(bench, large, args.edits, args.interval_ms / 1000)
        lat, seen = typing["latencies"], typing["reflected"]
        p99 = percentile(lat, 99)
        print(
            f"keystroke -> its diagnostics         p50 {percentile(lat, 50):6.1f} ms  "
            f"p99 {p99:6.1f} ms  max {max(lat):6.1f} ms  {verdict(p99, TARGETS['keystroke_p99'])}"
        )
        print(
            f"    {args.edits} edits every {args.interval_ms:g} ms: {len(lat)} versions published "
            f"(the percentiles' sample), {typing['coalesced']} coalesced into a newer one; "
            f"{typing['diagnostics']} diagnostics on the prompt"
        )
        print(
            f"keystroke -> first diagnostics after p50 {percentile(seen, 50):6.1f} ms  "
            f"p99 {percentile(seen, 99):6.1f} ms  (every edit: until a publication of its version "
            "or a newer one)"
        )

        answers = requests(bench, typing["uri"], typing["text"], args.requests)
        for name in ("completion", "hover"):
            times, answered = answers[name]
            p99 = percentile(times, 99)
            target = verdict(p99, TARGETS["completion_p99"]) if name == "completion" else ""
            print(
                f"{name:<10} ({len(times)} requests)           p50 {percentile(times, 50):6.2f} ms  "
                f"p99 {p99:6.2f} ms  {target}"
            )
            if answered == 0:
                print(f"    every {name} answer was empty: the feature returned nothing to time")

        _, session_rss = rss(bench)
        # Memory on a server of its own: 200 prompts opened, as when an editor restores a
        # session, without the 50 KB typing session above.
        fresh = Bench(args.bin, root, bench.deadline)
        try:
            peak, now, opened = memory(fresh, many)
        finally:
            fresh.stop()
        print(
            f"peak RSS, fresh server, {opened} prompts {peak:8.1f} MB        "
            f"{verdict(peak, TARGETS['rss'])}  (RSS now {now:.1f} MB)"
        )
        print(
            f"RSS after the typing session above    {session_rss:8.1f} MB        "
            "(includes a tokenizer vocabulary once a token count was needed)"
        )
        print("\n(one run on a shared machine: compare ratios, not single figures)")
    finally:
        bench.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
