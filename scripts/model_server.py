#!/usr/bin/env python3
"""Serves a .gguf model with llama.cpp's own OpenAI-compatible server, through PyPI's xllamacpp.

    model_server.py --model PATH [--port N] [--embeddings] [--alias NAME] [--ctx N]

Listens on 127.0.0.1 only. --port 0 (the default) lets the server pick a free port. Once
GET /health answers 200 it prints one line on stdout and nothing else there:

    READY http://127.0.0.1:PORT/v1

The server's own log goes to stderr. SIGTERM or SIGINT stops it (exit 0); so does the death of
the process that started it (Linux's parent-death signal), so a killed test run leaves no server.

One thread for prompt and generation alike: with two, speed collapses whenever cargo also runs.

--embeddings also serves /v1/embeddings (mean pooling, since SmolLM2 is a causal model with no
pooling of its own) from the same process; /v1/chat/completions keeps working beside it.

Run it with the Python recorded by scripts/setup-model.sh in .cache/model/python; the
packages installed there (.cache/model/pkgs) are put on sys.path here.
"""

import argparse
import ctypes
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PKGS = os.path.join(os.path.dirname(HERE), ".cache", "model", "pkgs")


def log(message):
    print(f"model_server: {message}", file=sys.stderr, flush=True)


def die_with_parent():
    """Asks Linux for SIGTERM when the parent exits, whatever way it exits."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def wait_healthy(base, deadline):
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="path of the .gguf")
    parser.add_argument("--port", type=int, default=0, help="0 = a free port (default)")
    parser.add_argument("--alias", default="smollm2", help="the model name clients send (default smollm2)")
    parser.add_argument("--ctx", type=int, default=2048, help="context size in tokens (default 2048)")
    parser.add_argument("--embeddings", action="store_true", help="also serve /v1/embeddings")
    parser.add_argument("--health-timeout", type=float, default=60.0, help="seconds (default 60)")
    args = parser.parse_args()

    if not os.path.isfile(args.model):
        parser.error(f"no such model file: {args.model}")

    stop = threading.Event()

    def on_signal(signum, _frame):
        log(f"{signal.Signals(signum).name}: stopping")
        stop.set()

    # Set explicitly: a background job of a non-interactive shell starts with SIGINT ignored.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    parent = os.getppid()
    die_with_parent()
    if os.getppid() != parent:  # the parent died before prctl took effect
        return 0

    if os.path.isdir(PKGS):
        sys.path.insert(0, PKGS)
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    params.model_alias = {args.alias}
    params.n_ctx = args.ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    params.ui = False
    if args.embeddings:
        params.embedding = True
        params.pooling_type = xllamacpp.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN

    started = time.monotonic()
    # Loads the model and starts listening before it returns (about a second here).
    server = xllamacpp.Server(params)
    address = server.listening_address  # e.g. "http://127.0.0.1:41234", the port chosen
    port = int(address.rsplit(":", 1)[1].strip("/"))
    base = f"http://127.0.0.1:{port}"
    if stop.is_set():
        return 0
    if not wait_healthy(base, started + args.health_timeout):
        log(f"{base}/health did not answer 200 within {args.health_timeout:.0f} s")
        os._exit(1)
    log(f"ready in {time.monotonic() - started:.2f} s at {base}/v1 (model {args.alias!r}"
        f"{', embeddings' if args.embeddings else ''})")
    print(f"READY {base}/v1", flush=True)

    while not stop.wait(1.0):
        pass

    # The library's destructor stops the HTTP server and frees the model; should it hang on a
    # request still in flight, leave anyway.
    watchdog = threading.Timer(5.0, lambda: os._exit(0))
    watchdog.daemon = True
    watchdog.start()
    del server
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
