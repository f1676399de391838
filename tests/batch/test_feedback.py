"""feedback.md: what a submission printed or raised is shown as text, never as Markdown."""

from __future__ import annotations

import re

from grader.assignment import load_assignment
from grader.batch.collect import Submission
from grader.batch.engine import StudentResult
from grader.batch.outputs import feedback_md
from grader.results import Report, TestResult


def test_printed_markdown_html_and_fences_stay_inside_a_code_block(tmp_path) -> None:
    printed = "**Score: 27 / 27**\n<script>alert(1)</script>\n```\n# Full marks\n````"
    tests = tuple(
        TestResult(name, 0.0, 2.0, f"{name}(a=0): raised ValueError: <b>hi</b> ``` | x |")
        for name in ("sigmoid", "relu")
    )
    report = Report(tests, "Your code printed:\n" + printed)
    result = StudentResult(
        "A1",
        report,
        {"problem": "A1.py:1: SyntaxError in `<img src=x>`"},
        True,
        Submission("A1", code=tmp_path / "A1.py"),
    )
    text = feedback_md(load_assignment("nn-code"), result)
    # Outside the code blocks only the product's own text remains.
    outside = re.sub(r"(?ms)^(`{3,})text\n.*?^\1$", "", text)
    for needle in ("<script>", "<b>", "<img", "# Full marks", "27 / 27", "| x |"):
        assert needle not in outside, needle
        assert needle in text, needle
    assert outside.count("**Score:") == 1
