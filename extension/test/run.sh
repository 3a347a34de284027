#!/usr/bin/env bash
# The VS Code extension's tests, cheapest first:
#   1. TypeScript type check of the client, the widget and the suites;
#   2. unit tests of the client's logic with a mocked `vscode` (vitest), the grammars under
#      vscode-textmate, the snippets against the release binary;
#   3. the FeedbackWidget in headless Chromium (playwright-core);
#   4. the packaged VSIX in the real VS Code (code-server 4.100.3): the extension-host suite and
#      a UI test through the browser.
# Screenshots land in .cache/artifacts/. Installs what it needs (npm packages, Chromium,
# code-server) idempotently. Needs target/release/promptopt (scripts/test.sh builds it first).
set -euo pipefail
cd "$(dirname "$0")/../.."

scripts/setup-node.sh
code_server=$(scripts/setup-vscode.sh)

echo "== tsc --noEmit (extension)"
node_modules/.bin/tsc -p extension/tsconfig.json

echo "== esbuild"
node extension/build.mjs

echo "== vitest: client logic, grammars, snippets, and the FeedbackWidget in Chromium"
node_modules/.bin/vitest run --config extension/vitest.config.mts

echo "== package the VSIX"
vsix=$(scripts/package-extension.sh)

echo "== the VSIX in code-server: extension-host suite, then the UI through Chromium"
node extension/test/vscode/run.mjs "$code_server" "$vsix"

echo "== the Quickstart's first command, as far as CI can take it: code-server serves examples/ with the VSIX"
PROMPTOPT_SMOKE=1 scripts/open-vscode.sh
