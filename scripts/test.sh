#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test of every crate, the language server
# driven by real LSP clients, and the engine against a real local model. Installs what it needs
# itself, idempotently (cargo's crates; the LSP clients into .cache/venv-lsp; llama.cpp's server
# and SmolLM2 into .cache/model; npm packages, Chromium and code-server for the VS Code
# extension); later suites (Postgres) add their own steps here.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --workspace --locked

echo "== cargo build --release (the binary the end-to-end tests drive)"
cargo build --release -p promptopt-cli --locked

echo "== LSP clients (pytest-lsp, Neovim)"
scripts/setup-lsp-clients.sh >/dev/null

echo "== LSP end-to-end: pytest-lsp as VS Code, Neovim and Emacs; headless Neovim applies a quick fix"
tests/lsp/run.sh -q

echo "== model path: eval, generate and refine against SmolLM2 served by llama.cpp (tests/model)"
tests/model/run.sh -q

echo "== VS Code extension: types, unit tests, grammars, snippets, the widget in Chromium, the VSIX in code-server"
extension/test/run.sh
