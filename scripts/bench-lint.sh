#!/usr/bin/env bash
# Lints a folder of prompts (default: the 1,121-file calibration corpus) with every rule on,
# several times, and prints files/s and MB/s for the fastest and the median run.
# Usage: scripts/bench-lint.sh [DIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${1:-../shared/corpus}
runs=${2:-7}
[[ -d $dir ]] || { echo "no folder $dir: pass a folder of .prompt/.prompty files" >&2; exit 2; }

cargo build --release --locked -p promptopt-cli >&2
bin=target/release/promptopt

# Every rule on, the off-by-default ones included.
config=$(mktemp --suffix=.toml)
trap 'rm -f "$config"' EXIT
{
  echo "[lint.rules]"
  "$bin" rules --json | python3 -c '
import json, sys
for rule in json.load(sys.stdin):
    print("%s = \"%s\"" % (rule["id"], rule["severity"]))'
} >"$config"

files=$(find "$dir" -type f \( -name '*.prompt' -o -name '*.prompty' \) | wc -l)
bytes=$(find "$dir" -type f \( -name '*.prompt' -o -name '*.prompty' \) -print0 | du -cb --files0-from=- | tail -1 | cut -f1)

times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  "$bin" lint "$dir" --config "$config" --format json >/dev/null || true
  end=$(date +%s%N)
  times+=($(((end - start) / 1000)))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
best=${sorted[0]}
median=${sorted[$((runs / 2))]}
python3 - "$files" "$bytes" "$best" "$median" "$(nproc)" <<'PY'
import sys
files, size, best, median, cpus = (int(x) for x in sys.argv[1:])
mb = size / 1e6
for label, us in (("best", best), ("median", median)):
    s = us / 1e6
    print(f"{label:>6}: {files} files, {mb:.2f} MB in {s*1000:.0f} ms = {files/s:,.0f} files/s, {mb/s:.1f} MB/s ({cpus} cores, all rules on)")
PY
