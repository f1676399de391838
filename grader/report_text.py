"""A :class:`~grader.results.Report` as the text a student reads in a terminal.

One line per test (✓ passed, ✗ failed, – not attempted) with its points, the details of each
failure indented beneath it, and a summary line with the score. Colour only when asked (the
CLI asks when writing to a terminal).

Every text taken from the report goes through :func:`~grader.safetext.printable` once more
before it is laid out (results are made printable already; this is the last line of defence
before a terminal), so the only control characters in the result are this module's colours.
"""

from __future__ import annotations

from grader.results import Report, TestResult
from grader.safetext import printable

_RESET = "\033[0m"
_STYLES = {
    "pass": "\033[32m",  # green
    "fail": "\033[31m",  # red
    "skip": "\033[33m",  # yellow
    "dim": "\033[2m",
    "bold": "\033[1m",
}
INDENT = "    "


def _paint(text: str, style: str, color: bool) -> str:
    return f"{_STYLES[style]}{text}{_RESET}" if color else text


def points(x: float) -> str:
    """A score as people write it: 2, 1.5, 0.33."""
    r = round(float(x), 2)
    return str(int(r)) if r == int(r) else f"{r:g}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it takes: 1 integrity flag, 2 integrity flags."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _mark(test: TestResult) -> tuple[str, str]:
    if not test.attempted:
        return "–", "skip"
    if test.status == "passed":
        return "✓", "pass"
    return "✗", "fail"


def render_report(report: Report, color: bool = False) -> str:
    """The terminal text of ``report``; ``color`` adds ANSI colours."""
    lines: list[str] = []
    if report.output:
        lines += [printable(report.output).rstrip(), ""]
    names = [printable(t.name) for t in report.tests]
    width = max((len(name) for name in names), default=0)
    for test, name in zip(report.tests, names, strict=True):
        mark, style = _mark(test)
        if not test.attempted:
            score = "not attempted"
        else:
            score = f"{points(test.score)}/{points(test.max_score)}"
        head = f"{_paint(mark, style, color)} {name:<{width}}  {_paint(score, style, color)}"
        lines.append(head.rstrip())
        show = test.status != "passed" and test.attempted
        details = printable(test.output).splitlines()
        if show and details:
            for detail in details:
                lines.append(INDENT + detail if detail else "")
        elif not test.attempted:  # the reason is "not attempted"; advice may follow it
            lines += [INDENT + d for d in details[1:] if d]
        if test.tags and show:
            tags = printable(", ".join(test.tags))
            lines.append(INDENT + _paint("tags: " + tags, "dim", color))
    lines.append("")
    lines.append(_summary(report, color))
    return "\n".join(lines)


def _summary(report: Report, color: bool) -> str:
    tests = report.tests
    passed = sum(1 for t in tests if t.attempted and t.status == "passed")
    skipped = sum(1 for t in tests if not t.attempted)
    failed = len(tests) - passed - skipped
    parts = [f"{passed} passed"]
    if failed:
        parts.append(f"{failed} failed")
    if skipped:
        parts.append(f"{skipped} not attempted")
    score = f"Score: {points(report.score)}/{points(report.max_score)}"
    style = "pass" if report.passed and not skipped else "bold"
    return f"{_paint(score, style, color)} ({', '.join(parts)})"
