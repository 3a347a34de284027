#!/usr/bin/env bash
# The main job: builds everything (the release server, the extension and its VSIX) and opens
# PromptOpt in VS Code on examples/. Into the user's own `code` when it is installed; otherwise
# into a private code-server (VS Code in the browser) on 127.0.0.1, whose URL it prints, and
# which runs until Ctrl-C. No account, model or network is needed.
#
#   PROMPTOPT_PORT=8080       the code-server port (default: 8080, or a free one if taken)
# The code-server part is scripts/code-server.mjs, which the VS Code tests use too.
#   PROMPTOPT_CODE_SERVER=1   use code-server even when `code` is installed
#   PROMPTOPT_SMOKE=1         start code-server, check it serves the workspace, stop (for CI)
set -euo pipefail
cd "$(dirname "$0")/.."

vsix=$(scripts/package-extension.sh)
workspace=$PWD/examples

if [[ -z ${PROMPTOPT_CODE_SERVER:-}${PROMPTOPT_SMOKE:-} ]] && command -v code >/dev/null; then
  code --install-extension "$vsix" --force
  code "$workspace"
  echo "PromptOpt is installed in VS Code, with examples/ open. Try lint-showcase/support-triage.prompt."
  exit 0
fi

code_server=$(scripts/setup-vscode.sh --no-browser)
exec node scripts/code-server.mjs "$code_server" "$vsix" "$workspace" .cache/vscode-demo \
  --port "${PROMPTOPT_PORT:-8080}" ${PROMPTOPT_SMOKE:+--smoke}
