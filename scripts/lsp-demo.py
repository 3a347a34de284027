#!/usr/bin/env python3
"""A scripted editor session with `promptopt lsp`, for the demo: opens the lint showcase,
prints the diagnostics it gets as you would see them, a hover, the quick fixes at the first
finding, and the inlay hints. Standard library only; the server is the release binary."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from lsp_wire import Wire  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
WAIT = 30.0


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/release/promptopt")
    prompt = ROOT / "examples/lint-showcase/support-triage.prompt"
    text = prompt.read_text()
    uri = prompt.as_uri()
    wire = Wire([binary, "lsp"])
    try:
        wire.initialize(ROOT.as_uri(), {"textDocument": {"hover": {"contentFormat": ["plaintext"]}}}, WAIT)
        wire.notify("initialized", {})
        wire.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "dotprompt", "version": 1, "text": text}},
        )
        _, published = wire.wait_for(
            lambda m: m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri,
            WAIT,
        )
        diagnostics = published["params"]["diagnostics"]
        print(f"diagnostics for {prompt.relative_to(ROOT)}: {len(diagnostics)}")
        for d in diagnostics[:8]:
            line = d["range"]["start"]["line"] + 1
            print(f"  line {line:>3}  {d['code']:<28} {d['message'][:90]}")
        if len(diagnostics) > 8:
            print(f"  … and {len(diagnostics) - 8} more")

        # The first finding with a quick fix beyond "disable this rule here".
        first, titles = diagnostics[0], []
        for diagnostic in diagnostics:
            id_, _ = wire.request(
                "textDocument/codeAction",
                {"textDocument": {"uri": uri}, "range": diagnostic["range"],
                 "context": {"diagnostics": [diagnostic], "only": ["quickfix"]}},
            )
            _, actions = wire.response(id_, WAIT)
            titles = [a["title"] for a in actions.get("result") or []]
            if any(not t.startswith("Disable") for t in titles):
                first = diagnostic
                break
        print(f"\nquick fixes for {first['code']} at line {first['range']['start']['line'] + 1}: {titles}")

        id_, _ = wire.request(
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": first["range"]["start"]},
        )
        _, hover = wire.response(id_, WAIT)
        value = ((hover.get("result") or {}).get("contents") or {}).get("value", "")
        print("\nhover there:\n  " + "\n  ".join(value.splitlines()[:4]))

        id_, _ = wire.request(
            "textDocument/inlayHint",
            {"textDocument": {"uri": uri},
             "range": {"start": {"line": 0, "character": 0}, "end": {"line": 10_000, "character": 0}}},
        )
        _, hints = wire.response(id_, WAIT)
        labels = [f"line {h['position']['line'] + 1}: {h['label']}" for h in hints.get("result") or []]
        print(f"\ninlay hints: {labels}")

        id_, _ = wire.request("shutdown")
        wire.response(id_, WAIT)
        wire.notify("exit")
        return wire.proc.wait(timeout=10)
    finally:
        wire.kill()


if __name__ == "__main__":
    sys.exit(main())
