"""The command line as a whole: help, version, the catalogue, errors."""

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from grader import __version__
from grader.cli import COMMANDS, main


def test_version_and_help():
    runner = CliRunner()
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "list" in result.output


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_installed_command_has_help_with_an_example(name):
    command = main.get_command(None, name)  # type: ignore[arg-type]
    if command is None:
        pytest.skip(f"{name} is not built into this installation")
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`grader {name} --help` shows no example"


def test_unknown_command_is_usage_error():
    result = CliRunner().invoke(main, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_list_json_is_valid():
    import json

    result = CliRunner().invoke(main, ["list", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    ids = [e["id"] for e in data["exercises"]]
    assert len(ids) == len(set(ids))


def test_grader_runs_as_a_program_from_another_directory(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "grader", "list"], cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr


def test_installed_package_ships_its_templates_and_assignments(tmp_path):
    """Run from outside the checkout, so that CI's non-editable install is what runs."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [sys.executable, "-m", "grader", "generate", "--assignment", "nn-quiz", "--out", "sets"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    for name in ("problems.html", "problems.tex", "solutions.md", "answers.toml"):
        assert (tmp_path / "sets" / "default" / name).stat().st_size > 0
    stub = subprocess.run(
        [sys.executable, "-m", "grader", "stub", "--assignment", "nn-code"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert stub.returncode == 0, stub.stderr
    assert "def conv2d(image, kernel, stride=1, padding=0):" in stub.stdout
