"""LaTeX documents compiled to PDF with the TeX engine installed on this machine.

``compile_pdf(tex)`` runs ``pdflatex`` in a temporary folder, with shell escape off, no
interaction, stopping at the first error and under a timeout, and returns the PDF's bytes.
Where no engine is installed, :func:`require_engine` says so in one line before anything is
written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from grader.errors import GraderError, UsageError

ENGINE = "pdflatex"
TIMEOUT = 120.0  # seconds for one document
RUNS = 2  # a second run settles page breaks and the title block


class PdfError(GraderError):
    """LaTeX could not make a PDF of a document."""


def tex_engine() -> str | None:
    """The path of the TeX engine, or None where none is installed."""
    return shutil.which(ENGINE)


def require_engine() -> str:
    engine = tex_engine()
    if engine is None:
        raise UsageError(
            f"cannot write PDF: no TeX engine ({ENGINE}) found on PATH; install TeX Live "
            "(e.g. apt-get install texlive-latex-recommended texlive-fonts-recommended) "
            "or use --format tex"
        )
    return engine


def _first_error(log: str) -> str:
    """The first ``! ...`` line of a LaTeX log, with the line number LaTeX gives after it."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("! "):
            where = next((x for x in lines[i + 1 : i + 8] if x.startswith("l.")), "")
            number = where.split(" ", 1)[0][2:] if where else ""
            return line[2:].strip() + (f" (line {number})" if number.isdigit() else "")
    return "no PDF was produced"


def compile_pdf(tex: str, name: str = "document", timeout: float = TIMEOUT) -> bytes:
    """The PDF of the LaTeX document ``tex``; ``name`` names it in an error."""
    engine = require_engine()
    with tempfile.TemporaryDirectory(prefix="grader-tex-") as tmp:
        folder = Path(tmp)
        (folder / "doc.tex").write_text(tex, encoding="utf-8")
        env = {**os.environ, "openout_any": "p", "openin_any": "p"}  # paranoid file access
        for _ in range(RUNS):
            try:
                run = subprocess.run(
                    [
                        engine,
                        "-no-shell-escape",
                        "-interaction=nonstopmode",
                        "-halt-on-error",
                        "doc.tex",
                    ],
                    cwd=folder,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise PdfError(f"LaTeX took longer than {timeout:g}s on {name}") from None
            except OSError as exc:
                raise PdfError(f"cannot run {ENGINE} on {name}: {exc.strerror}") from None
            if run.returncode != 0:
                log_path = folder / "doc.log"
                log = log_path.read_text(errors="replace") if log_path.exists() else ""
                raise PdfError(f"LaTeX failed on {name}: {_first_error(log)}")
        return (folder / "doc.pdf").read_bytes()
