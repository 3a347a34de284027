#!/usr/bin/env bash
# Installs the npm packages package-lock.json pins (the extension's build and test tools) into
# node_modules. Idempotent: skipped while node_modules matches the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

key=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.promptopt-installed
if [[ -f $stamp && "$(<"$stamp")" == "$key" ]]; then
  exit 0
fi
echo "== npm ci" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$key" >"$stamp"
