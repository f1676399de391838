"""A Gradescope autograder zip that runs this grader on Gradescope's own machines.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once when it builds
the image, then ``run_autograder`` per submission, with the student's files in
``/autograder/submission`` and who they are in ``/autograder/submission_metadata.json``; the
grade is read from ``/autograder/results/results.json`` (the schema every command here writes).

The zip holds this grader as a wheel (built here from the installed packages, so no build
tool is needed) or, with ``pypi``, only its PyPI name; the assignment; and, when given, the
course secret (hidden tests, each student's variant) and ``key.json``. Without a secret the
autograder runs the public tests, as ``grader check`` does.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.assignment import Assignment

DIST = "nn-grader"
PACKAGES = ("grader", "reference", "exercises", "templates")
SKIP_DIRS = {"__pycache__"}
SKIP_SUFFIXES = {".pyc", ".pyo"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip > /dev/null
PY=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    apt-get install -y -qq python3.11 python3.11-venv > /dev/null
    PY=python3.11
fi
"$PY" -m venv /opt/grader
/opt/grader/bin/pip install --quiet --upgrade pip
/opt/grader/bin/pip install --quiet {install}
/opt/grader/bin/grader --version
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission.
set -uo pipefail
mkdir -p /autograder/results
exec /opt/grader/bin/python -m grader.batch.autograder /autograder
"""


@dataclass(frozen=True)
class AutograderFiles:
    """What goes into ``/autograder/source`` besides the two scripts."""

    assignment_toml: str
    secret: bytes | None = None
    key_json: str | None = None
    timeout: float = 5.0


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _package_files() -> Iterator[tuple[str, bytes]]:
    """(path inside the wheel, bytes) of every file of the project's packages."""
    for name in PACKAGES:
        module = __import__(name)
        root = Path(module.__file__ or "").parent
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root.parent)
            if (
                path.is_file()
                and path.suffix not in SKIP_SUFFIXES
                and not SKIP_DIRS & set(rel.parts)
            ):
                yield rel.as_posix(), path.read_bytes()


def build_wheel() -> tuple[str, bytes]:
    """(file name, bytes) of a pure-Python wheel of the installed grader."""
    version = __version__
    dist_info = f"nn_grader-{version}.dist-info"
    requires = [r for r in importlib.metadata.requires(DIST) or [] if "extra ==" not in r]
    metadata = "\n".join(
        [
            "Metadata-Version: 2.1",
            f"Name: {DIST}",
            f"Version: {version}",
            "Summary: Auto-graded exercises and quizzes for neural-network courses",
            "Requires-Python: >=3.11",
            *(f"Requires-Dist: {r}" for r in requires),
            "",
        ]
    )
    extra = {
        f"{dist_info}/METADATA": metadata.encode(),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: grader\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{dist_info}/entry_points.txt": b"[console_scripts]\ngrader = grader.cli:main\n",
    }
    files = [*_package_files(), *extra.items()]
    record = [f"{name},{_record_hash(data)},{len(data)}" for name, data in files]
    record.append(f"{dist_info}/RECORD,,")
    files.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(_entry(name), data)
    return f"nn_grader-{version}-py3-none-any.whl", buf.getvalue()


def _entry(name: str, executable: bool = False) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build_autograder(assignment: Assignment, files: AutograderFiles, *, pypi: bool) -> bytes:
    """The bytes of ``autograder.zip``."""
    if pypi:
        install = f"'{DIST}=={__version__}'"
        wheel: tuple[str, bytes] | None = None
    else:
        wheel = build_wheel()
        install = f"/autograder/source/{wheel[0]}"
    config = [
        f'assignment = "assignment.toml"\nname = "{assignment.name}"',
        f"timeout = {float(files.timeout)!r}",
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_entry("setup.sh", True), SETUP_SH.format(install=install))
        zf.writestr(_entry("run_autograder", True), RUN_AUTOGRADER)
        zf.writestr(_entry("assignment.toml"), files.assignment_toml)
        zf.writestr(_entry("grader.toml"), "\n".join(config) + "\n")
        if files.secret is not None:
            zf.writestr(_entry("secret.txt"), files.secret)
        if files.key_json is not None:
            zf.writestr(_entry("key.json"), files.key_json)
        if wheel is not None:
            zf.writestr(_entry(wheel[0]), wheel[1])
    return buf.getvalue()
