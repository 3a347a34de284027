#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test of every crate.
# Installs nothing beyond what cargo fetches; later suites (LSP clients, VS Code, Postgres,
# a model server) add their own idempotent setup steps here.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --workspace --locked
