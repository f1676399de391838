"""A progress bar for a terminal: counts, rate and time left, on one rewritten line."""

from __future__ import annotations

import shutil
import time
from typing import TextIO


class ProgressBar:
    """Call with ``(done, total)``; draws only when ``stream`` is a terminal."""

    def __init__(self, stream: TextIO, label: str = "grading", enabled: bool | None = None):
        self.stream, self.label = stream, label
        self.enabled = stream.isatty() if enabled is None else enabled
        self._start = time.monotonic()
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total == 0:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        elapsed = max(now - self._start, 1e-6)
        rate = done / elapsed
        left = f"{(total - done) / rate:4.0f}s left" if rate > 0 and done < total else ""
        text = f" {done}/{total}  {rate:5.1f}/s  {left}"
        width = max(10, min(40, shutil.get_terminal_size().columns - len(self.label) - 30))
        filled = int(width * done / total)
        bar = "█" * filled + "·" * (width - filled)
        self.stream.write(f"\r{self.label} {bar}{text}\033[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False
