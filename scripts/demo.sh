#!/usr/bin/env bash
# Builds everything in release mode, lints the examples and the lint showcase, evaluates,
# generates and refines with the built-in engine, keeps versions, a review and a rollback in a
# scratch project's registry and verifies its audit trail, and renders each example prompt with
# its sample data. Needs only a Rust toolchain: no account, no network
# beyond crates.io, no model.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --workspace --locked
bin=target/release/promptopt

echo "== promptopt lint examples/*.prompt (the clean set)"
"$bin" lint examples/*.prompt

echo
echo "== promptopt lint examples/lint-showcase (a prompt with a mistake from most rule categories)"
# Exit 1 means "found errors", which is the point of the showcase; anything else is a failure.
status=0
"$bin" lint examples/lint-showcase || status=$?
[[ $status -eq 1 ]] || { echo "lint exited $status on the showcase, expected 1" >&2; exit 1; }

echo
echo "== promptopt lsp: a scripted editor session on the showcase (diagnostics, quick fixes, hover, inlay hints)"
python3 scripts/lsp-demo.py "$bin"

echo
echo "== promptopt eval examples/customer-support.prompt (built-in engine: the QA rubric; its test cases render, a --provider runs them)"
"$bin" eval examples/customer-support.prompt

echo
echo "== promptopt generate --task ... --count 3 (built-in strategies, each candidate lints clean and renders)"
"$bin" generate --task "Summarize a support ticket for an engineer" \
  --context "Tickets come from customers by email" --count 3

echo
echo "== promptopt refine examples/summarize.prompt --feedback ... (a diff and the scores before and after; the file is not changed)"
"$bin" refine examples/summarize.prompt --feedback "Show an example of a good summary."

echo
echo "== the registry in a scratch project: versions, feedback, review gating, rollback, the audit trail"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp examples/summarize.prompt "$scratch/"
(
  cd "$scratch"
  export PROMPTOPT_AUDIT_KEY_DIR="$scratch/keys" PROMPTOPT_USER=ana
  promptopt() { "$OLDPWD/$bin" "$@"; }
  run() { echo "\$ $*"; "$@"; }
  run promptopt save summarize.prompt -m "as shipped"
  echo "Keep it under 80 words." >>summarize.prompt
  run promptopt feedback summarize.prompt --score 4 --notes "good, a little long"
  run promptopt review summarize.prompt
  echo "\$ promptopt approve summarize.prompt   # ana wrote it: refused, and the refusal is recorded"
  status=0
  promptopt approve summarize.prompt || status=$?
  [[ $status -eq 1 ]] || { echo "self-approval exited $status, expected 1" >&2; exit 1; }
  run promptopt approve summarize.prompt --user bo
  run promptopt deploy summarize.prompt --user ops --ref release-1
  # Production goes back to a version nobody approved: that needs a recorded reason.
  run promptopt rollback summarize.prompt --reason "the word limit cut key facts" --user ops \
    --override "the first version ran in production before the registry"
  run promptopt history summarize.prompt
  run promptopt audit verify
  run promptopt audit export --format csv --prompt summarize | cut -c1-150
)

for prompt in examples/*.prompt; do
  name=$(basename "$prompt" .prompt)
  case "$name" in _*) continue ;; esac # partials render as part of their prompts
  data=examples/data/$name.json
  echo
  echo "== promptopt render $prompt"
  if [[ -f $data ]]; then
    "$bin" render "$prompt" --data "@$data"
  else
    "$bin" render "$prompt"
  fi
done
