#!/usr/bin/env bash
# The main job: builds everything (the release server, the extension and its VSIX) and opens
# PromptOpt in VS Code on examples/. Into the user's own `code` when it is installed; otherwise
# into a private code-server (VS Code in the browser) on 127.0.0.1, whose URL it prints, and
# which runs until Ctrl-C. No account, model or network is needed.
#
#   PROMPTOPT_PORT=8080       the code-server port (default: 8080, or a free one if taken)
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
state=.cache/vscode-demo
mkdir -p "$state/user/User"
"$code_server" --extensions-dir "$state/extensions" --user-data-dir "$state/user" \
  --install-extension "$vsix" --force >/dev/null
settings=$state/user/User/settings.json
[[ -f $settings ]] || cat >"$settings" <<'JSON'
{
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false
}
JSON

port=${PROMPTOPT_PORT:-$(node -e '
  const net = require("node:net");
  const tryPort = (p) => { const s = net.createServer(); s.once("error", () => tryPort(0));
    s.listen(p, "127.0.0.1", () => { const { port } = s.address(); s.close(() => console.log(port)); }); };
  tryPort(8080);')}
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$port" >"$state/config.yaml"
"$code_server" --bind-addr "127.0.0.1:$port" --auth none --config "$state/config.yaml" \
  --extensions-dir "$state/extensions" --user-data-dir "$state/user" \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override "$workspace" >"$state/code-server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM

url="http://127.0.0.1:$port/?folder=$workspace"
# GET $1 and, with $2, check the body contains it (node's fetch: no curl needed).
fetch_ok() {
  node -e 'fetch(process.argv[1]).then((r) => r.text().then((t) => process.exit(r.ok && t.includes(process.argv[2] ?? "") ? 0 : 1)), () => process.exit(1))' "$@"
}
for _ in $(seq 1 120); do
  if fetch_ok "http://127.0.0.1:$port/healthz"; then
    break
  fi
  kill -0 "$pid" 2>/dev/null || { cat "$state/code-server.log" >&2; exit 1; }
  sleep 0.5
done
if [[ -n ${PROMPTOPT_SMOKE:-} ]]; then
  fetch_ok "$url" vscode-workbench || { echo "code-server did not serve the workbench" >&2; exit 1; }
  ls "$state/extensions" | grep -q '^promptopt\.promptopt-' || { echo "the VSIX is not installed" >&2; exit 1; }
  echo "ok: code-server serves $url with PromptOpt installed"
  exit 0
fi
echo
echo "PromptOpt is running in VS Code (code-server) on examples/:"
echo
echo "    $url"
echo
echo "Open lint-showcase/support-triage.prompt, then PromptOpt: Show Feedback Widget. Ctrl-C stops it."
wait "$pid"
