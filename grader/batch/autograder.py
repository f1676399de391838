"""The grader inside a Gradescope container: ``python -m grader.batch.autograder /autograder``.

Reads the configuration the zip carries (``source/grader.toml``), finds who submitted in
``submission_metadata.json``, grades ``submission/`` and writes ``results/results.json``.
With the course secret it is one student's ``grader grade`` (hidden tests, the student's own
variant); without, the public tests of ``grader check``. It always writes a results file: a
problem becomes a zero score with the reason, never a failed autograder run.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from grader.batch.collect import SLOTS, Collection, Slot, collect
from grader.batch.files import write_atomic
from grader.errors import GraderError, InputError
from grader.results import Report, TestResult
from grader.roster import ID_PATTERN


def student_id(root: Path) -> str:
    """The submitter's student id (``sid``), else their email, else Gradescope's user id."""
    try:
        meta: Any = json.loads((root / "submission_metadata.json").read_text("utf-8"))
        user = (meta.get("users") or [{}])[0]
    except (OSError, ValueError, AttributeError, IndexError, TypeError):
        return "student"
    for field in ("sid", "email", "id"):
        value = str(user.get(field) or "").strip()
        if value and ID_PATTERN.fullmatch(value):
            return value
    return "student"


def submitted_files(submission: Path) -> list[Path]:
    return sorted(
        p
        for p in submission.rglob("*")
        if p.is_file()
        and not p.is_symlink()
        and p.suffix.lower() in SLOTS
        and not any(part.startswith(".") for part in p.relative_to(submission).parts)
    )


def stage(root: Path, tmp: str, student: str) -> Path:
    """Copy the upload's files to ``tmp/submissions/<student>/``, the layout ``collect`` reads.

    Copies keep their names, folders and times: feedback names the student's own files, and of
    several files the newest is still the newest.
    """
    folder = Path(tmp) / "submissions" / student
    folder.mkdir(parents=True)
    upload = root / "submission"
    for path in submitted_files(upload):
        target = folder / path.relative_to(upload)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return folder


def notices(found: Collection, student: str) -> list[str]:
    """What collect noticed, with paths as the student uploaded them."""
    prefix = f"{student}/"
    return [
        f"{n.path.removeprefix(prefix)}: {n.message.replace(prefix, '')}" for n in found.notices
    ]


def hidden(root: Path, config: dict[str, Any], student: str) -> Report:
    from grader.batch.pipeline import GradeRequest, grade

    source = root / "source"
    with tempfile.TemporaryDirectory(prefix="grader-gs-") as tmp:
        folder = stage(root, tmp, student)
        key = source / "key.json"
        roster = Path(tmp) / "roster.csv"  # so that submitting nothing usable still scores 0
        roster.write_text(f"id\n{student}\n", "utf-8")
        outcome = grade(
            GradeRequest(
                submissions=folder.parent,
                assignment=str(source / config.get("assignment", "assignment.toml")),
                secret_file=source / "secret.txt",
                out=Path(tmp) / "out",
                key=key if key.is_file() else None,
                roster=roster,
                jobs=1,
                timeout=float(config.get("timeout", 5.0)),
                allow_empty=True,  # an upload of nothing usable is a 0 with the reason
            )
        )
        report = outcome.batch.results[student].report
        notes = notices(outcome.batch.collection, student)
        notes += [m for _, m in outcome.batch.mismatches]
    if notes:
        report = Report(report.tests, "\n".join([*notes, report.output]).strip(), report.extra)
    return report


def public(root: Path, config: dict[str, Any], student: str) -> Report:
    from grader.assignment import load_assignment

    assignment = load_assignment(root / "source" / config.get("assignment", "assignment.toml"))
    wanted: list[Slot] = []
    if assignment.code:
        wanted.append("code")
    if assignment.questions:
        wanted.append("sheet")
    tests: list[TestResult] = []
    outputs: list[str] = []
    with tempfile.TemporaryDirectory(prefix="grader-gs-") as tmp:
        # One file per slot, chosen as `grader grade` chooses: several code files (a solution
        # and a test script) are not each graded, which would count every test twice.
        found = collect(
            stage(root, tmp, student).parent,
            wanted=wanted,
            functions=[task.function for task in assignment.code],
        )
        outputs += notices(found, student)
        sub = found.submissions.get(student)
        if sub is not None and sub.code is not None:
            from grader.codecheck import check_file

            try:
                report = check_file(sub.code, assignment, timeout=float(config.get("timeout", 5.0)))
            except InputError as exc:  # a notebook that is not one: named as uploaded
                reason = str(exc).replace(str(sub.code), sub.code.name)
                report = Report(
                    tuple(
                        TestResult(t.function, 0.0, t.points, reason, attempted=False)
                        for t in assignment.code
                    ),
                    reason,
                )
            tests += report.tests
            outputs.append(report.output)
        if sub is not None and sub.sheet is not None:
            from grader.answers import check_sheet

            report = check_sheet(sub.sheet, assignment)
            tests += report.tests
            outputs.append(report.output)
    if not tests:
        return Report(
            (), "No code (.py, .ipynb) or answer sheet (.toml) for this assignment was found."
        )
    return Report(tuple(tests), "\n\n".join(o for o in outputs if o))


def run(root: Path) -> Report:
    config = tomllib.loads((root / "source" / "grader.toml").read_text("utf-8"))
    if (root / "source" / "secret.txt").is_file():
        return hidden(root, config, student_id(root))
    return public(root, config, student_id(root))


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "/autograder")
    try:
        report = run(root)
    except (GraderError, OSError, ValueError) as exc:
        report = Report((), f"The autograder could not grade this submission: {exc}")
    write_atomic(root / "results" / "results.json", report.dumps() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
