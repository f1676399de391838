"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.topics import CODE_FUNCTIONS


@pytest.fixture
def api_assignment(tmp_path: Path) -> Path:
    """An assignment file of every function of the student code API, 1 point each (the
    built-in nn-code lists the functions a course sets, which a new topic joins later)."""
    path = tmp_path / "whole-api.toml"
    text = 'name = "whole-api"\ntitle = "The whole code API"\n'
    text += "".join(f'[[code]]\nfunction = "{f}"\npoints = 1\n' for f in CODE_FUNCTIONS)
    path.write_text(text, encoding="utf-8")
    return path
