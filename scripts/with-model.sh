#!/usr/bin/env bash
# Runs a command beside a real language model: scripts/with-model.sh [--embeddings] CMD ARGS...
# Installs the model if needed (scripts/setup-model.sh), starts llama.cpp's OpenAI-compatible
# server on a free port of 127.0.0.1 (scripts/model_server.py), waits until it is healthy, then
# runs CMD, in the caller's directory, with
#   PROMPTOPT_TEST_MODEL_URL=http://127.0.0.1:PORT/v1   (base URL: POST .../chat/completions)
#   PROMPTOPT_TEST_MODEL=smollm2                         (the model name to send)
#   PROMPTOPT_TEST_MODEL_LOG=FILE                        (the server's log, while CMD runs)
# --embeddings also serves $PROMPTOPT_TEST_MODEL_URL/embeddings from the same server.
# The server is stopped when this script exits, whichever way (SIGTERM or SIGINT also reach CMD;
# SIGKILL leaves the server to its parent-death signal); it exits with CMD's status.
# A server that is not ready within 120 s fails the run, with its log on stderr.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
server_args=()
if [[ ${1:-} == --embeddings ]]; then
  server_args+=(--embeddings)
  shift
fi
if [[ $# -eq 0 ]]; then
  echo "usage: scripts/with-model.sh [--embeddings] CMD ARGS..." >&2
  exit 2
fi

gguf=$("$root/scripts/setup-model.sh")
python=$(<"$root/.cache/model/python")

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/promptopt-model.XXXXXX")
server_out=$run_dir/stdout
server_log=$run_dir/server.log
server_pid=

stop_server() {
  local status=$?
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$run_dir"
  return "$status"
}
trap stop_server EXIT
# Without these, a signal would end the script without running the EXIT trap.
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "with-model.sh: $1; the server's log ($server_log):" >&2
  sed 's/^/  | /' "$server_log" >&2 || true
  exit 1
}

started=$EPOCHREALTIME
"$python" "$root/scripts/model_server.py" --model "$gguf" --port 0 "${server_args[@]}" \
  >"$server_out" 2>"$server_log" &
server_pid=$!

url=
deadline=$((SECONDS + 120))
while [[ -z $url ]]; do
  url=$(sed -n 's/^READY //p' "$server_out")
  [[ -n $url ]] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the model server (pid $server_pid) exited before it was ready"
  ((SECONDS < deadline)) || fail "the model server (pid $server_pid) was not ready within 120 s"
  sleep 0.05
done
awk -v url="$url" -v s="$started" -v e="$EPOCHREALTIME" -v pid="$server_pid" \
  'BEGIN { printf "with-model.sh: model server ready at %s in %.2f s (pid %s)\n", url, e - s, pid }' >&2

export PROMPTOPT_TEST_MODEL_URL=$url
export PROMPTOPT_TEST_MODEL=smollm2
export PROMPTOPT_TEST_MODEL_LOG=$server_log

# CMD runs in the background so that a SIGTERM or SIGINT to this script is handled at once (bash
# defers traps while a foreground command runs): it is passed on to CMD, then the server stops.
# The explicit <&0 keeps CMD's standard input, which a background job would lose to /dev/null.
"$@" <&0 &
cmd_pid=$!
stop_cmd() {
  kill -TERM "$cmd_pid" 2>/dev/null || true
  wait "$cmd_pid" 2>/dev/null || true
  exit "$1"
}
trap 'stop_cmd 130' INT
trap 'stop_cmd 143' TERM
status=0
wait "$cmd_pid" || status=$?
exit "$status"
