"""``[grading] shape_strict``: right values as a column fail with a named cause by default,
and pass where an assignment accepts squeezable shapes; through ``grader check``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main

COLUMN = """import numpy as np

def relu(a):
    r = np.maximum(0.0, np.asarray(a, dtype=float))
    return r.reshape(-1, 1) if r.ndim == 1 else r  # a vector as a column

def relu_derivative(a):
    a = np.asarray(a, dtype=float)
    return (a > 0).astype(float) * 2  # wrong values in any shape
"""


def run(path: Path, *extra: str) -> dict:
    result = CliRunner().invoke(main, ["check", str(path), "--json", "--timeout", "2", *extra])
    assert result.exit_code == 1, result.output
    return {t["name"]: t for t in json.loads(result.output)["tests"]}


def assignment(tmp_path: Path, strict: bool) -> Path:
    path = tmp_path / f"a-{strict}.toml"
    path.write_text(
        'name = "shapes"\ntitle = "Shapes"\n'
        f"[grading]\nshape_strict = {str(strict).lower()}\n"
        '[[code]]\nfunction = "relu"\n[[code]]\nfunction = "relu_derivative"\n'
    )
    return path


def test_a_column_of_right_values_is_named_by_default_and_passes_when_allowed(tmp_path):
    code = tmp_path / "sub.py"
    code.write_text(COLUMN)
    strict = run(code, "--assignment", str(assignment(tmp_path, True)))
    assert strict["relu"]["status"] == "failed"
    assert strict["relu"]["tags"] == ["shape-column-vector"]
    assert "the values are right, in the wrong shape" in strict["relu"]["output"]
    assert run(code)["relu"]["tags"] == ["shape-column-vector"]  # nn-code: strict by default
    lenient = run(code, "--assignment", str(assignment(tmp_path, False)))
    assert lenient["relu"]["status"] == "passed"
    # wrong values stay wrong, whatever the shape policy
    assert lenient["relu_derivative"]["status"] == "failed"
    assert lenient["relu_derivative"]["tags"] == []


def test_shape_strict_must_be_a_known_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\ntitle = "x"\n[grading]\nshape_stric = false\n[[code]]\nfunction = "relu"\n'
    )
    code = tmp_path / "sub.py"
    code.write_text(COLUMN)
    result = CliRunner().invoke(main, ["check", str(code), "--assignment", str(bad)])
    assert result.exit_code == 2 and "shape_stric" in result.output
