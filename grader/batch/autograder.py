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

from grader.batch.collect import SLOTS
from grader.batch.files import write_atomic
from grader.errors import GraderError
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


def hidden(root: Path, config: dict[str, Any], student: str) -> Report:
    from grader.batch.pipeline import GradeRequest, grade

    source = root / "source"
    with tempfile.TemporaryDirectory(prefix="grader-gs-") as tmp:
        folder = Path(tmp) / "submissions" / student
        folder.mkdir(parents=True)
        for i, path in enumerate(submitted_files(root / "submission")):
            shutil.copyfile(path, folder / f"{i:03d}_{path.name}")
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
            )
        )
        report = outcome.batch.results[student].report
        notes = [n.message for n in outcome.batch.collection.notices]
        notes += [m for _, m in outcome.batch.mismatches]
    if notes:
        report = Report(report.tests, "\n".join([*notes, report.output]).strip(), report.extra)
    return report


def public(root: Path, config: dict[str, Any]) -> Report:
    from grader.assignment import load_assignment

    assignment = load_assignment(root / "source" / config.get("assignment", "assignment.toml"))
    tests: list[TestResult] = []
    outputs: list[str] = []
    for path in submitted_files(root / "submission"):
        if path.suffix.lower() == ".py" and assignment.code:
            from grader.codecheck import check_file

            report = check_file(path, assignment, timeout=float(config.get("timeout", 5.0)))
        elif path.suffix.lower() == ".toml" and assignment.questions:
            from grader.answers import check_sheet

            report = check_sheet(path, assignment)
        else:
            continue
        tests += report.tests
        outputs.append(report.output)
    if not tests:
        return Report((), "No code (.py) or answer sheet (.toml) for this assignment was found.")
    return Report(tuple(tests), "\n\n".join(o for o in outputs if o))


def run(root: Path) -> Report:
    config = tomllib.loads((root / "source" / "grader.toml").read_text("utf-8"))
    if (root / "source" / "secret.txt").is_file():
        return hidden(root, config, student_id(root))
    return public(root, config)


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
