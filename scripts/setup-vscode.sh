#!/usr/bin/env bash
# Installs what the VS Code tests drive: Debian's Chromium (for Playwright) and code-server
# 4.100.3 (VS Code 1.100.3, the last release that runs on Node 20) into .cache/code-server.
# Idempotent: a warm machine skips both. code-server's ripgrep postinstall would download from
# GitHub, which these machines cannot reach, so its cache is seeded with Debian's rg first.
# `--no-browser` skips Chromium (opening VS Code needs only code-server).
# Prints the code-server binary's path on stdout (everything else goes to stderr).
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=4.100.3
prefix=.cache/code-server
bin=$prefix/node_modules/.bin/code-server

need_apt=()
[[ ${1:-} == --no-browser ]] || command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
if [[ ! -x $bin ]]; then
  # Headers code-server's native modules build against.
  for pkg in libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need_apt+=("$pkg")
  done
fi
if ((${#need_apt[@]})); then
  echo "== apt-get install ${need_apt[*]}" >&2
  sudo_=""; [[ $(id -u) == 0 ]] || sudo_=sudo
  mkdir -p .cache
  $sudo_ apt-get update -qq >.cache/apt.log 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "${need_apt[@]}" >>.cache/apt.log 2>&1 ||
    { tail -20 .cache/apt.log >&2; exit 1; }
fi

stamp=$prefix/.installed
if [[ -x $bin && -f $stamp && "$(<"$stamp")" == "$CODE_SERVER_VERSION" ]]; then
  echo "$bin"
  exit 0
fi

echo "== installing code-server $CODE_SERVER_VERSION into $prefix" >&2
cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
tarball="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [[ ! -s $tarball ]]; then
  mkdir -p "$cache"
  work=$(mktemp -d)
  cp "$(command -v rg)" "$work/rg"
  tar -C "$work" -czf "$tarball" rg
  rm -rf "$work"
fi
rm -f "$stamp"
mkdir -p "$prefix"
[[ -f $prefix/package.json ]] || echo '{"private": true}' >"$prefix/package.json"
# unsafe_perm: as root the postinstall refuses without it. yes: node-pty's postinstall runs
# `npx node-gyp`, which otherwise waits for a confirmation nobody gives.
(cd "$prefix" && npm_config_unsafe_perm=true npm_config_yes=true npm install --no-audit --no-fund --loglevel=error \
  "code-server@$CODE_SERVER_VERSION" >&2)
"$bin" --version >&2
echo "$CODE_SERVER_VERSION" >"$stamp"
echo "$bin"
