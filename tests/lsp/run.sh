#!/usr/bin/env bash
# Runs the language server's end-to-end tests: pytest-lsp under the VS Code, Neovim and Emacs
# capability profiles, and a headless Neovim applying a quick fix, against the release binary
# (PROMPTOPT_BIN overrides it). Installs the clients first (a no-op when they are current).
# Extra arguments go to pytest, e.g. `tests/lsp/run.sh -k neovim -x`.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=$(scripts/setup-lsp-clients.sh)
# Python's bytecode goes into the ignored cache folder, never beside the tests.
export PYTHONPYCACHEPREFIX=$PWD/.cache/pycache
exec "$venv/bin/python" -m pytest -c tests/lsp/pytest.ini --rootdir tests/lsp tests/lsp "$@"
