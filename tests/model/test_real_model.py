"""`promptopt eval`, `generate` and `refine` with `--provider openai` against a real model.

The model is SmolLM2-135M behind llama.cpp's server (scripts/with-model.sh sets
PROMPTOPT_TEST_MODEL_URL). It is tiny: these tests check that every field the contract promises
is there, typed and counted, that calls, tokens and the cache are accounted, and that whatever
the model writes only becomes a candidate when it lints clean; never how good the text is.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("PROMPTOPT_BIN") or str(ROOT / "target" / "release" / "promptopt")
URL = os.environ.get("PROMPTOPT_TEST_MODEL_URL")
MODEL = os.environ.get("PROMPTOPT_TEST_MODEL", "smollm2")

if not URL:
    pytest.fail(
        "PROMPTOPT_TEST_MODEL_URL is not set: run these tests with tests/model/run.sh",
        pytrace=False,
    )

PROMPT = """---
name: capital
config:
  temperature: 0
  maxOutputTokens: 24
input:
  schema:
    country: string, a country's name
---
{{role "system"}}
You answer geography questions in one short sentence.
{{role "user"}}
What is the capital of <country>{{country}}</country>?
"""

TESTS = """
defaultTest:
  assert:
    - {type: latency, threshold: 60000}
tests:
  - description: france
    vars: {country: France}
    assert:
      - {type: icontains, value: paris}
  - description: judged
    vars: {country: Japan}
    assert:
      - {type: llm-rubric, value: "names a city"}
      - {type: similar, value: "The capital of Japan is Tokyo.", threshold: 0.1}
"""


def promptopt(*args: str, cwd: pathlib.Path) -> tuple[int, dict]:
    model_flags = ["--provider", "openai", "--base-url", URL, "--model", MODEL, "--json"]
    result = subprocess.run(
        [BINARY, *args, *model_flags],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=220,
        env={**os.environ, "OPENAI_API_KEY": ""},
    )
    assert result.returncode in (0, 1), f"exit {result.returncode}: {result.stderr}"
    return result.returncode, json.loads(result.stdout)


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / "promptopt.toml").write_text(
        "[provider]\nembedding-model = \"smollm2\"\ntimeout-secs = 120\n"
    )
    (tmp_path / "capital.prompt").write_text(PROMPT)
    (tmp_path / "capital.tests.yaml").write_text(TESTS)
    return tmp_path


def test_eval_runs_every_case_and_accounts_for_the_calls(project: pathlib.Path) -> None:
    code, result = promptopt("eval", "capital.prompt", "--no-cache", cwd=project)
    assert result["promptId"] == "capital"
    assert MODEL in result["modelVersion"]
    assert 1 <= result["score"] <= 5 and len(result["rubric"]["dimensions"]) == 5
    cases = {case["name"]: case for case in result["cases"]}
    assert set(cases) == {"france", "judged"}
    for case in cases.values():
        assert isinstance(case["pass"], bool)
        assert case["status"] in ("passed", "failed")
        (run,) = case["runs"]
        assert isinstance(run["output"], str) and run["output"].strip()
        assert run["latencyMs"] > 0 and run["cached"] is False
    kinds = [a["type"] for a in cases["judged"]["runs"][0]["assertions"]]
    assert kinds == ["latency", "llm-rubric", "similar"]
    for assertion in cases["judged"]["runs"][0]["assertions"]:
        assert 0 <= assertion["score"] <= 1 and assertion["reason"]
    usage = result["usage"]
    # Two cases, one judge call; embeddings are not chat calls.
    assert usage["calls"] == 3 and usage["cached"] == 0
    assert usage["inputTokens"] > 0 and usage["outputTokens"] > 0
    assert usage["costUnknown"] is True  # a local model has no price in the table
    assert code == (0 if result["summary"]["failed"] == 0 else 1)


def test_repeats_and_the_cache(project: pathlib.Path) -> None:
    _, first = promptopt("eval", "capital.prompt", "--repeat", "2", cwd=project)
    for case in first["cases"]:
        assert [run["sample"] for run in case["runs"]] == [0, 1]
        assert isinstance(case["flaky"], bool)
    assert (project / ".promptopt" / "cache" / "responses").is_dir()
    _, again = promptopt("eval", "capital.prompt", "--repeat", "2", cwd=project)
    assert again["usage"]["calls"] == 0, "every answer came from the cache"
    assert again["usage"]["cached"] == first["usage"]["calls"]
    outputs = lambda r: [run["output"] for c in r["cases"] for run in c["runs"]]  # noqa: E731
    assert outputs(again) == outputs(first)


def test_generate_keeps_only_model_drafts_that_lint_clean(project: pathlib.Path) -> None:
    out = project / "candidates"
    _, result = promptopt(
        "generate", "capital.prompt", "--count", "2", "--out", str(out), cwd=project
    )
    assert len(result["candidates"]) == 2
    for candidate in result["candidates"]:
        assert candidate["prompt"].startswith("---\nname: capital\n")
        assert 1 <= candidate["score"] <= 5
        assert candidate["modelVersion"] in ("builtin/1",) or MODEL in candidate["modelVersion"]
        assert candidate["strategy"] and candidate["explanation"]
    lint = subprocess.run(
        [BINARY, "lint", str(out)], capture_output=True, text=True, timeout=60
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert result["usage"]["calls"] == 2


def test_refine_with_the_model_reports_scores_and_a_diff(project: pathlib.Path) -> None:
    _, result = promptopt(
        "refine", "capital.prompt", "--feedback", "Answer with the city name only.",
        "--no-cache", cwd=project,
    )
    assert isinstance(result["changed"], bool)
    assert isinstance(result["diff"], str)
    if result["changed"]:
        assert result["diff"].startswith("--- a/capital.prompt")
    assert 1 <= result["scoreBefore"] <= 5 and 1 <= result["scoreAfter"] <= 5
    assert result["regressed"] == (
        result["scoreAfter"] < result["scoreBefore"]
        or "test cases got worse" in result["verdict"]
    )
    assert result["casesBefore"]["total"] == 2
    assert result["changes"], "every refinement says what it did or why not"


def test_a_promptfoo_config_brings_its_provider(tmp_path: pathlib.Path) -> None:
    (tmp_path / "capital.prompt").write_text(PROMPT)
    (tmp_path / "promptfooconfig.yaml").write_text(
        "prompts: [file://capital.prompt]\n"
        f"providers: [openai:chat:{MODEL}]\n"
        "tests:\n  - vars: {country: Italy}\n    assert: [{type: icontains, value: rome}]\n"
    )
    result = subprocess.run(
        [BINARY, "eval", "capital.prompt", "--tests", "promptfooconfig.yaml", "--json", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "OPENAI_BASE_URL": URL, "OPENAI_API_KEY": ""},
    )
    assert result.returncode in (0, 1), result.stderr
    assert "names provider openai:chat:" in result.stderr
    evaluated = json.loads(result.stdout)
    assert MODEL in evaluated["modelVersion"]
    assert evaluated["usage"]["calls"] == 1
    assert isinstance(evaluated["cases"][0]["pass"], bool)
