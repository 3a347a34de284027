#!/usr/bin/env bash
# Builds the VS Code extension's release VSIX for linux-x64 with the release server inside:
# dist/promptopt-VERSION-linux-x64.vsix. Offline: @vscode/vsce packages a staging folder that
# holds only what ships (the manifest, the bundles, grammars, snippets, the binary), so the
# repository's other files never need excluding. Prints the VSIX's path on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-node.sh

echo "== cargo build --release (the server the VSIX carries)" >&2
cargo build --release -p promptopt-cli --locked >&2
echo "== esbuild (production bundles)" >&2
node extension/build.mjs --production >&2

version=$(node -p 'require("./package.json").version')
stage=.cache/vsix-stage
rm -rf "$stage"
mkdir -p "$stage/dist" "$stage/server" "$stage/extension" "$stage/snippets"
# The manifest without the repository's scripts and dev tools: the VSIX needs neither.
node -e '
  const m = require("./package.json");
  delete m.scripts; delete m.devDependencies; delete m.dependencies;
  process.stdout.write(JSON.stringify(m, null, 2) + "\n");
' >"$stage/package.json"
cp extension/README.md "$stage/README.md"
cp LICENSE "$stage/LICENSE"
cp dist/extension.js dist/webview.js dist/widget.css "$stage/dist/"
cp -r extension/syntaxes extension/language-configuration.json extension/prompty-language-configuration.json "$stage/extension/"
cp snippets/*.code-snippets "$stage/snippets/"
strip -o "$stage/server/promptopt" target/release/promptopt
chmod 755 "$stage/server/promptopt"

out="$PWD/dist/promptopt-$version-linux-x64.vsix"
log=$PWD/.cache/vsce.log
if ! (cd "$stage" && "$OLDPWD/node_modules/.bin/vsce" package --no-dependencies --target linux-x64 \
  --allow-missing-repository --out "$out") >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
echo "== packaged $out ($(du -h "$out" | cut -f1))" >&2
echo "$out"
