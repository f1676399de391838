"""The progress bar: drawn on a terminal, silent otherwise."""

from __future__ import annotations

import io

from grader.batch.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_on_a_terminal_shows_counts_and_rate() -> None:
    stream = Terminal()
    bar = ProgressBar(stream)
    bar(0, 4)
    bar(4, 4)
    text = stream.getvalue()
    assert "4/4" in text and "/s" in text and "\r" in text
    bar.close()
    assert stream.getvalue().endswith("\r\033[K")


def test_silent_in_a_pipeline() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar(1, 2)
    bar(2, 2)
    bar.close()
    assert stream.getvalue() == ""
