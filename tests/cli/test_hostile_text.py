"""Control and bidi characters a student puts in an answer sheet never reach a terminal or a file.

A sheet written by ``grader generate`` is filled with values, keys, table names, expression
strings, a ``student`` field and TOML syntax errors that carry one hostile character each;
``grader check`` (text and ``--json``, in-process and as a subprocess) and ``grader grade``
(its summary, ``results.json``, ``feedback.md``, ``report.html``) must show U+FFFD instead
(a carriage return becomes a line break). A normal sheet's outputs are exactly what they
would be with no escaping at all.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import grader.safetext
from grader.cli import main
from grader.safetext import REPLACEMENT

pytest.importorskip("grader.cli.check")
pytest.importorskip("grader.cli.generate")

HOSTILE = {
    "rlo": "\u202e",  # right-to-left override
    "lri": "\u2066",  # left-to-right isolate
    "esc": "\x1b",  # ESC[31m: red from here on
    "cr": "\r",  # back to the start of the line, to overwrite it
    "bel": "\x07",
    "bs": "\x08",
    "vt": "\x0b",
    "us": "\x1f",
    "zwsp": "\u200b",  # zero-width space
}
SECRET = b"hostile secret"


def _toml(text: str) -> str:
    """A TOML basic string for ``text`` (JSON's escapes are TOML's)."""
    return json.dumps(text)


def assert_clean(text: str, char: str) -> None:
    """Nothing of ``char`` in ``text``; its replacement is (a carriage return: a line break)."""
    assert char not in text, f"{char!r} reached the output:\n{text!r}"
    if char != "\r":
        assert REPLACEMENT in text


def strings(data: Any) -> Iterator[str]:
    """Every string (keys too) of decoded JSON."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield k
            yield from strings(v)
    elif isinstance(data, list):
        for v in data:
            yield from strings(v)


def assert_clean_json(text: str, char: str) -> Any:
    data = json.loads(text)
    assert_clean(text, char)
    assert_clean("\n".join(strings(data)), char)
    return data


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("set")
    result = CliRunner().invoke(main, ["generate", "--assignment", "nn-quiz", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return (out / "default" / "answers.toml").read_text(encoding="utf-8")


def fill(text: str, answers: dict[str, dict[str, str]], extra: dict[str, list[str]]) -> str:
    """The generated sheet with ``answers`` (TOML literals) in place of its ``""`` and the
    lines of ``extra[table]`` added at the end of each table (``""``: before the first)."""
    out, table, done = [], "", set()
    for line in text.splitlines():
        header = re.fullmatch(r"\[([^\]]+)\]\s*", line)
        if header:
            if table not in done:
                out += extra.get(table, [])
                done.add(table)
            table = header.group(1)
        m = re.fullmatch(r'(\w+) = ""', line)
        if m and m.group(1) in answers.get(table, {}):
            line = f"{m.group(1)} = {answers[table][m.group(1)]}"
        out.append(line)
    if table not in done:
        out += extra.get(table, [])
    return "\n".join(out) + "\n"


def hostile_sheet(text: str, c: str, *, student: str = "default", assignment: str = "") -> str:
    """The generated sheet with ``c`` in values, keys, a table name and the ``student`` (after
    its first letter)."""
    answers = {
        "q1": {"z": _toml(f"0.5{c}1"), "y_hat": _toml(f"{c}0.6")},
        "q2": {"expression": _toml(f"beta*s{c}*(1-s)"), "value": _toml(f"1/{c}2")},
        "q7": {"feature_map": _toml(f"4 3 4; 2 4{c} 3; 2 3 4")},
        "q11": {"answer": _toml(f"B{c}x")},
    }
    extra = {
        "": [f"{_toml('top' + c)} = 1"],  # outside any table
        "q3": [f"{_toml('k' + c + 'ey')} = 1"],  # an unknown part
        "q13": ["", f"[{_toml('q' + c + '99')}]", "x = 1"],  # an unknown question
    }
    sheet = fill(text, answers, extra)
    sheet = sheet.replace('student = "default"', f"student = {_toml(student[0] + c + student[1:])}")
    if assignment:
        sheet = sheet.replace('assignment = "nn-quiz"', f"assignment = {_toml(assignment)}")
    return sheet


def run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


@pytest.mark.parametrize("char", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("assignment", ["", "homework"], ids=["nn-quiz", "own"])
def test_check_escapes_what_the_sheet_says(
    generated: str, tmp_path: Path, char: str, assignment: str
) -> None:
    # "homework" is no built-in assignment: the sheet's own tables become the tests' names
    path = tmp_path / "answers.toml"
    path.write_text(hostile_sheet(generated, char, assignment=assignment), encoding="utf-8")
    code, text = run(["check", str(path)])
    assert code == 1, text
    assert_clean(text, char)
    assert "could not read '0.5" in text and "q2.expression" in text
    assert "unknown part `k" in text and "is outside any question table" in text

    code, out = run(["check", str(path), "--json"])
    assert code == 1, out
    data = assert_clean_json(out, char)
    tests = {t["name"]: t for t in data["tests"]}
    assert tests["q1.z"]["output"].startswith("unreadable: line ")
    assert tests["q11.answer"]["output"].startswith("unreadable: line ")
    if assignment:
        (odd,) = [n for n in tests if n.startswith("q") and n.endswith("99")]
        assert char not in odd


def test_check_escapes_each_quoted_value(generated: str, tmp_path: Path) -> None:
    path = tmp_path / "answers.toml"
    path.write_text(hostile_sheet(generated, "\u202e"), encoding="utf-8")
    tests = {t["name"]: t for t in json.loads(run(["check", str(path), "--json"])[1])["tests"]}
    r = REPLACEMENT
    assert tests["q1.z"]["output"].endswith(f"could not read '0.5{r}1' as a number")
    assert tests["q1.y_hat"]["output"].endswith(f"could not read '{r}0.6' as a number")
    assert f"'B{r}x'" in tests["q11.answer"]["output"]
    assert f"could not read '4{r}'" in tests["q7.feature_map"]["output"]
    assert "\\u202e" in tests["q2.expression"]["output"]  # the expression reader names it so
    output = json.loads(run(["check", str(path), "--json"])[1])["output"]
    assert f"`top{r}`" in output and f"`k{r}ey`" in output and f"`q{r}99`" in output


@pytest.mark.parametrize("char", list(HOSTILE.values()), ids=list(HOSTILE))
def test_toml_syntax_errors_are_escaped(generated: str, tmp_path: Path, char: str) -> None:
    # the raw character breaks the TOML (a control character) or is in a broken line; the
    # file's name carries it too
    path = tmp_path / f"answers{char}x.toml"
    lines = generated.splitlines()
    broken = lines.index('z = ""')
    lines[broken] = f"z = 0.5.5 {char} # {char}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    for args in (["check", str(path)], ["check", str(path), "--json"]):
        code, text = run(args)
        assert code == 2, text
        assert "not valid TOML" in text and "Traceback" not in text
        assert char not in text
        assert f"answers{REPLACEMENT}x.toml" in text or char == "\r"


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_subprocess_check_prints_no_hostile_byte(
    generated: str, tmp_path: Path, as_json: bool
) -> None:
    path = tmp_path / "answers.toml"
    chars = "".join(HOSTILE.values())
    path.write_text(hostile_sheet(generated, chars, assignment="homework"), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(path), *(["--json"] if as_json else [])],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.decode("utf-8")
    for char in HOSTILE.values():
        assert char not in out
    assert REPLACEMENT in out
    if as_json:
        assert not any(c in s for s in strings(json.loads(out)) for c in HOSTILE.values())
    else:
        assert "could not read '0.5" in out


def _grade(tmp_path: Path, subs: Path, name: str = "out") -> tuple[int, str, Path]:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET + b"\n")
    out = tmp_path / name
    args = ["grade", str(subs), "-a", "nn-quiz", "--secret-file", str(secret), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output, out


@pytest.mark.parametrize("char", list(HOSTILE.values()), ids=list(HOSTILE))
def test_grade_escapes_sheets_and_file_names(generated: str, tmp_path: Path, char: str) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    # A1's sheet says it is someone else's, with the character in the name, and in its values
    (subs / "A1.toml").write_text(hostile_sheet(generated, char, student="B9"), encoding="utf-8")
    # A2 handed in a file whose name carries the character (noticed, not graded) and a sheet
    # whose name does, with the character breaking its TOML
    (subs / "A2").mkdir()
    (subs / "A2" / f"notes{char}.txt").write_text("hello")
    lines = generated.splitlines()
    lines[lines.index('z = ""')] = f"z = 1 {char} 2"
    (subs / "A2" / f"answers{char}.toml").write_text("\n".join(lines) + "\n", newline="")
    code, terminal, out = _grade(tmp_path, subs)
    assert code == 0, terminal
    # a file name holding a control or formatting character names nothing to grade
    assert char not in terminal and "graded 1 student (" in terminal

    results = assert_clean_json((out / "A1" / "results.json").read_text("utf-8"), char)
    assert f"the sheet is for student `B{REPLACEMENT}9`" in results["output"] or char == "\r"
    feedback = (out / "A1" / "feedback.md").read_text("utf-8")
    assert_clean(feedback, char)
    assert "could not read '0.5" in feedback
    html = (out / "report.html").read_text("utf-8")
    assert_clean(html, char)
    assert "notes" in html  # the notice of A2's text file, by its name
    assert not (out / "A2").exists()
    assert char not in (out / "grades.csv").read_text("utf-8")


def _normal_outputs(generated: str, tmp_path: Path) -> dict[str, str]:
    """Everything check and grade show of an ordinary sheet, some answers right, some not."""
    answers = {
        "q1": {"z": '"−0.118"', "y_hat": '"1/2"'},
        "q2": {"expression": '"beta*s*(1-s)"', "value": '"abc"'},
        "q3": {"y_hat": "0.56", "loss": "0.44", "dL_dw": "-0.118", "b_new": '"≈ 0.125"'},
        "q7": {"feature_map": '"4 3 4; 2 4 3; 2 3 4"'},
        "q11": {"answer": '"B"'},
    }
    sheet = fill(generated, {q: dict(a) for q, a in answers.items()}, {"q3": ['extra = "σ"']})
    sheet = sheet.replace('student = "default"', 'student = "A1"')
    path = tmp_path / "answers.toml"
    path.write_text(sheet, encoding="utf-8")
    shown = {"check": run(["check", str(path)])[1], "json": run(["check", str(path), "--json"])[1]}
    subs = tmp_path / "subs"
    subs.mkdir(exist_ok=True)
    (subs / "A1.toml").write_text(sheet.replace('"A1"', '"A2"'), encoding="utf-8")
    (subs / "A2").mkdir(exist_ok=True)
    (subs / "A2" / "notes ü.txt").write_text("hello")
    (subs / "A2" / "answers.toml").write_text(sheet.replace("0.56", '"0,56"'), encoding="utf-8")
    code, terminal, out = _grade(tmp_path, subs, name=f"out{len(list(tmp_path.iterdir()))}")
    assert code == 0, terminal
    # how long it took ("in 0.3s (6.7/s)", or "in under 0.1s") differs from run to run
    shown["grade"] = re.sub(r"in (?:under )?[\d.]+s(?: \([\d.]+/s\))?|see \S+", "", terminal)
    for name in ("A1/results.json", "A1/feedback.md", "A2/feedback.md", "grades.csv"):
        shown[name] = (out / name).read_text("utf-8")
    html = (out / "report.html").read_text("utf-8")
    shown["report.html"] = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "", html)
    return shown


def test_a_normal_sheet_shows_exactly_what_it_did(generated: str, tmp_path: Path) -> None:
    escaped = _normal_outputs(generated, tmp_path)
    assert "extra" in escaped["check"] and "could not read 'abc'" in escaped["json"]
    assert "the sheet is for student `A2`, not `A1`" in escaped["A1/results.json"]
    assert "notes ü.txt" in escaped["report.html"]
    assert REPLACEMENT not in "".join(escaped.values())
    with pytest.MonkeyPatch.context() as mp:
        original = grader.safetext.printable
        for module in list(sys.modules.values()):
            if getattr(module, "printable", None) is original:
                mp.setattr(module, "printable", lambda text: text)
        plain = _normal_outputs(generated, tmp_path)
    assert plain == escaped
