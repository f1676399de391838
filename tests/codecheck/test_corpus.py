"""Realistic student files (``corpus/``) through the command line: each function's verdict
and named mistake, as ``corpus/manifest.toml`` records them.

The files are written the way course students write: loops and lists, ``math.exp``, column
vectors and ``np.matrix``, mean losses and 1/m gradients, 1-based classes, flipped kernels,
``/`` for ``//``, stride loops that stop short, code at the top level. ``grader check`` runs
the public tests, ``grader grade`` hidden ones from the secret: the verdicts and the named
causes must be the same.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.codecheck.conftest import grade_code

CORPUS = Path(__file__).parent / "corpus"
MANIFEST: dict[str, dict[str, Any]] = tomllib.loads((CORPUS / "manifest.toml").read_text())
NOT_LOADED = "not run (the file did not load)"


def test_every_file_of_the_corpus_is_in_the_manifest():
    assert {p.stem for p in CORPUS.glob("*.py")} == set(MANIFEST)


def expect(name: str, data: dict[str, Any]) -> None:
    """``data`` (a results JSON) gives every function of file ``name`` its recorded verdict."""
    spec = MANIFEST[name]
    for words in spec.get("output", []):
        assert words in data["output"], (name, data["output"])
    for test in data["tests"]:
        fn, output = test["name"], test["output"]
        want = spec.get(fn)
        where = f"{name}.py: {fn}: {output}"
        if want is None:  # not in the file
            assert output.startswith("not attempted"), where
            continue
        verdict = want["verdict"]
        if verdict == "not run":
            assert output == NOT_LOADED and test["status"] == "failed", where
        else:
            assert test["status"] == verdict, where
            assert output != NOT_LOADED, where
        assert sorted(test["tags"]) == sorted(want.get("tags", [])), where
        for words in want.get("says", []):
            assert words in output, (words, where)
        for words in want.get("not_says", []):
            assert words not in output, (words, where)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_check_gives_each_function_its_verdict_and_its_named_mistake(name):
    result = CliRunner().invoke(
        main, ["check", str(CORPUS / f"{name}.py"), "--json", "--timeout", "2"]
    )
    assert result.exit_code == 1, result.output  # every file has something left to do
    expect(name, json.loads(result.output))


@pytest.mark.parametrize("name", ["lists_fail", "toplevel_loop"])
def test_check_in_a_subprocess_reads_the_same(name):
    path = CORPUS / f"{name}.py"
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(path), "--timeout", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    text = proc.stdout
    if name == "lists_fail":
        assert "Likely mistake: Your code fails when its inputs are Python lists" in text
        assert "one number at a time" not in text
        assert "tags: inputs-not-arrays" in text
    else:  # the reason on top, each function written in the file not run
        first = text.splitlines()[0]
        assert first.startswith(f"{path}: loading the file took longer than")
        assert "code outside your functions runs when the file is loaded" in text
        lines = text.splitlines()
        assert any(ln.startswith("✗ sigmoid") for ln in lines)
        assert text.count(NOT_LOADED) == 2  # sigmoid and relu; the rest are not in the file


def test_grade_gives_the_same_verdicts_and_causes_on_hidden_tests(tmp_path):
    subs = tmp_path / "subs"
    for name in MANIFEST:
        folder = subs / name.replace("_", "-")
        folder.mkdir(parents=True)
        (folder / "solution.py").write_text((CORPUS / f"{name}.py").read_text())
    out = tmp_path / "out"
    grade_code(subs, out, "corpus secret\n", "2")
    for name in MANIFEST:
        data = json.loads((out / name.replace("_", "-") / "results.json").read_text())
        expect(name, data)
    feedback = (out / "toplevel-loop" / "feedback.md").read_text()
    assert "loading the file took longer than" in feedback and NOT_LOADED in feedback
    assert feedback.count("loading the file took longer than") == 1  # the reason, once
    assert "code outside your functions runs when the file is loaded" in feedback
    named = (out / "misspelt-name" / "feedback.md").read_text()
    assert "Did you mean: 'mlp_forward'?" in named
