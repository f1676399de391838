"""``grader.safetext.printable``: what may reach a terminal or a file from outside."""

from __future__ import annotations

import pytest

from grader.safetext import REPLACEMENT, printable

HOSTILE = {
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "pop directional isolate": "\u2069",
    "right-to-left mark": "\u200f",
    "zero-width space": "\u200b",
    "word joiner": "\u2060",
    "byte-order mark": "\ufeff",
    "escape": "\x1b",
    "bell": "\x07",
    "backspace": "\x08",
    "NUL": "\x00",
    "vertical tab": "\x0b",
    "form feed": "\x0c",
    "delete": "\x7f",
    "C1 control sequence introducer": "\x9b",
    "next line (C1)": "\x85",
    "Arabic letter mark": "\u061c",
    "Mongolian vowel separator": "\u180e",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "invisible times": "\u2062",
    "inhibit symmetric swapping": "\u206a",
    "interlinear annotation anchor": "\ufff9",
    "interlinear annotation terminator": "\ufffb",
    "tag latin capital letter A": "\U000e0041",
    "cancel tag": "\U000e007f",
}


@pytest.mark.parametrize("char", list(HOSTILE.values()), ids=list(HOSTILE))
def test_each_hostile_character_becomes_the_replacement(char: str) -> None:
    out = printable(f"a{char}b")
    assert char not in out
    assert out == f"a{REPLACEMENT}b"


def test_carriage_returns_become_newlines() -> None:
    assert printable("a\r\nb\rc") == "a\nb\nc"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain ASCII, with\ttabs\nand newlines\n",
        "σ'(a) = β·s·(1 − s); ŷ ≈ 0.56; −0.118; ∂L/∂w; ½(y − ŷ)²",
        "✓ q1.z  1/1\n✗ q2.value  0/1\n– q3.loss  not attempted",
        "日本語, عربي, עברית, emoji 🎓, accents éàü, U+FFFD \ufffd itself",
    ],
)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert printable(text) == text


def test_idempotent() -> None:
    once = printable("x\u202e\x1b[31m\r\n\u200by")
    assert printable(once) == once == f"x{REPLACEMENT}{REPLACEMENT}[31m\n{REPLACEMENT}y"


def test_the_sandbox_escapes_the_same_characters() -> None:
    from grader.sandbox import server

    samples = [*HOSTILE.values(), "\r", "\r\n", "plain", "σ", "\t", "\n"]
    samples += [chr(c) for c in range(0x00, 0x3000)]
    for s in samples:
        assert server.printable(f"<{s}>") == printable(f"<{s}>"), repr(s)


def test_results_carry_only_printable_text() -> None:
    from grader.results import Report, TestResult

    bad = "x\u202e\x1b[31m\u2066\u200b\x07\ry"
    test = TestResult(f"q\u202e.{bad}", 0.0, 1.0, f"wrong: '{bad}'", tags=(bad,))
    report = Report((test,), f"note {bad}", {"extra_data": {"flags": [bad], bad: (bad, 1)}})
    text = report.dumps() + repr(report)
    for char in "\u202e\x1b\u2066\u200b\x07\r":
        assert char not in text
    assert REPLACEMENT in test.name and REPLACEMENT in test.output
    assert report.extra["extra_data"]["flags"] == [printable(bad)]
    assert report.extra["extra_data"][printable(bad)] == (printable(bad), 1)


def test_results_of_ordinary_text_are_unchanged() -> None:
    from grader.results import Report, TestResult

    test = TestResult("q3.dL_dw", 0.5, 1.0, "wrong: expected about −0.118, got 0.118", ("x",))
    extra = {"extra_data": {"flags": ["the sheet is for student `A1`, not `A2`"]}, "n": 3}
    report = Report((test,), "σ'(a)\n\n1 of 2 parts right", extra)
    assert test.name == "q3.dL_dw" and test.output.endswith("got 0.118")
    assert report.output == "σ'(a)\n\n1 of 2 parts right" and report.extra == extra
