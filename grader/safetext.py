"""Text from outside (what a submission printed, what a student wrote in a sheet, a file's
name) made safe to show in a terminal or a file.

:func:`printable` replaces every character that acts on a terminal or reorders text rather
than shows: C0 and C1 controls (bar tab and newline; carriage returns become newlines),
zero-width and bidirectional formatting characters, the byte-order mark. Each becomes U+FFFD,
so the reader sees that something was there. Ordinary text is returned unchanged.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"

# Characters that act on a terminal or reorder text rather than show: C0/C1 controls (bar tab
# and newline), zero-width and bidirectional formatting characters, the byte-order mark.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)


def printable(text: str) -> str:
    """Text from a submission (what it printed, its error messages) made safe to show: line
    breaks normalised, characters that could hide, reorder or recolour text replaced by U+FFFD.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNPRINTABLE.sub(REPLACEMENT, text)
