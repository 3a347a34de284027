#!/usr/bin/env bash
# The engine's model path against a real local model: SmolLM2-135M served by llama.cpp's
# OpenAI-compatible server (scripts/with-model.sh installs and starts it, with embeddings),
# driven through the release `promptopt` binary (PROMPTOPT_BIN overrides it). The tests assert
# structure (fields, types, counts, usage), never the quality of a 135M model's text.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=$(scripts/setup-lsp-clients.sh) # its pytest serves here too
export PYTHONPYCACHEPREFIX=$PWD/.cache/pycache
exec scripts/with-model.sh --embeddings "$venv/bin/python" -m pytest -c tests/model/pytest.ini \
  --rootdir tests/model tests/model "$@"
