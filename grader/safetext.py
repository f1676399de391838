"""Text from outside (what a submission printed, what a student wrote in a sheet, a file's
name) made safe to show in a terminal or a file.

:func:`printable` replaces every character that acts on a terminal or reorders text rather
than shows: C0 and C1 controls (bar tab and newline; carriage returns become newlines),
zero-width and bidirectional formatting characters (the Arabic letter mark among them), the
line and paragraph separators, interlinear annotation marks, tag characters, the byte-order
mark. Each becomes U+FFFD,
so the reader sees that something was there. Ordinary text is returned unchanged.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"

# Characters that act on a terminal or reorder text rather than show: C0/C1 controls (bar tab
# and newline), the Arabic letter mark, the Mongolian vowel separator, zero-width and
# bidirectional formatting characters, the line and paragraph separators, invisible operators,
# the byte-order mark, interlinear annotation marks, tag characters.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)


def printable(text: str) -> str:
    """Text from a submission (what it printed, its error messages) made safe to show: line
    breaks normalised, characters that could hide, reorder or recolour text replaced by U+FFFD.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNPRINTABLE.sub(REPLACEMENT, text)
