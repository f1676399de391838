"""CSV files that a spreadsheet opens as data: every CSV the project writes goes through here.

Excel, LibreOffice Calc and Google Sheets evaluate a cell whose text begins with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) as a formula: a roster's display name
``=HYPERLINK("http://…","click")`` or ``=cmd|"/c calc"!A1`` would reach the instructor's
spreadsheet live, and an id ``-2-3`` would show as -5. As OWASP's CSV-injection guidance
advises, such a text cell is written with a leading apostrophe, which spreadsheets read as
"this is text" (the full-width forms of those characters, which some spreadsheets also read as
formulas, likewise). Numbers, scores among them, are written as they are: a cell that is a plain
number (``-0.118``, ``14``, ``2e-3``), or a matrix of them as answer sheets write one
(``-1 2; 3 4``), is not a formula a spreadsheet would run, and stays as it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_START = frozenset("=+-@\t\r\n\0\uff1d\uff0b\uff0d\uff20")
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
# a number, or numbers in rows as answer sheets write matrices ("-1 2; 3 4"): no formula
NUMBERS = re.compile(rf"{_NUM}(?:(?: +|; *){_NUM})*")


def cell(value: object) -> object:
    """``value`` as a spreadsheet should see it: a text that would be evaluated gets a ``'``."""
    if not isinstance(value, str) or not value or value[0] not in FORMULA_START:
        return value
    if NUMBERS.fullmatch(value):
        return value
    return "'" + value


def to_csv(rows: Iterable[Sequence[object]], lineterminator: str = "\r\n") -> str:
    """The rows as CSV text, each text cell neutralised by :func:`cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=lineterminator)
    writer.writerows([cell(v) for v in row] for row in rows)
    return buf.getvalue()
