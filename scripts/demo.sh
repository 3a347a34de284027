#!/usr/bin/env bash
# Builds everything in release mode and renders each example prompt with its sample data.
# Needs only a Rust toolchain: no account, no network beyond crates.io, no model.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --workspace --locked
bin=target/release/promptopt
for prompt in examples/*.prompt; do
  name=$(basename "$prompt" .prompt)
  case "$name" in _*) continue ;; esac # partials render as part of their prompts
  data=examples/data/$name.json
  echo "== $prompt"
  if [[ -f $data ]]; then
    "$bin" render "$prompt" --data "@$data"
  else
    "$bin" render "$prompt"
  fi
done
