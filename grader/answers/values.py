"""Reading the values students write in an answer sheet.

Each reader takes the raw TOML value of one part and returns a plain value, ``None`` for an
unanswered part (``""``), or raises :class:`AnswerError` with a one-line reason a student
understands. The forms accepted:

* numbers: TOML integers and floats, or text such as ``"0.56"``, ``"-0.118"``, ``"−0.118"``
  (Unicode minus, en or em dash), ``"+2"``, ``".5"``, ``"2e-3"``, ``"1.2×10^-3"``, ``"1/2"``,
  ``"-3/4"``, with spaces around and an optional leading ``≈``; integer parts also take
  ``"400,000,000"`` and ``"4e8"``. NaN and infinity are invalid. Arithmetic (``"0.5*0.25"``)
  is not a number: the question asks for the value. A trailing ``%`` is refused with a hint
  (``"12%"`` could mean 12 or 0.12, so the student is asked to write the number itself), as
  is a decimal comma (``"0,5"``).
* matrices: a TOML array of arrays (entries numbers or number texts), a flat array (one row),
  or text with rows separated by ``;`` or new lines and entries by spaces or commas
  (``"4 3 4; 2 4 3; 2 3 4"``); brackets are tolerated (``"[[4, 3], [2, 4]]"``, ``"[4 3; 2 4]"``),
  and so are parentheses (a shape written ``"(26, 26, 32)"``).
* choices: a letter, any case, also ``"b)"``, ``"(b)"``, ``"b."``, ``"b) the option text"``
  or the option's text itself; a single letter of the options' range is always that letter,
  whatever the options' texts (``"A"`` is option A even where option C reads ``a``), and an
  option's text is read only where no letter fits; a TOML boolean (or ``"true"``/``"false"``,
  or ``"T"``/``"F"`` where the options are True and False) picks the option reading
  True/False. A letter beyond
  the options is invalid, not wrong.
* expressions: text parsed by :mod:`grader.answers.expr` (never evaluated); a plain number
  is an expression too.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from exercises.base import Kind
from grader.answers.expr import ExpressionError, Node, Vocabulary, parse_expression

MAX_TEXT = 2000  # characters in one value
MAX_ENTRIES = 10_000  # entries in one matrix
MAX_INTEGER = 10**15  # whole-number answers are counts and sizes
_DASHES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\ufe63": "-", "\uff0d": "-"})
_DECIMAL = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,4})?"
_NUMBER = re.compile(rf"({_DECIMAL})(?:\s*/\s*({_DECIMAL}))?")
_SCIENTIFIC = re.compile(
    rf"({_DECIMAL})\s*[x×*·]\s*10\s*(?:\^|\*\*)\s*\(?\s*([+-]?\d{{1,3}})\s*\)?"
)
# 400,000,000 or, as the course notes print it, 400 000 000 (one separator throughout)
_THOUSANDS = re.compile(r"[+-]?\d{1,3}([,\u0020\u00a0\u2009\u202f])\d{3}(?:\1\d{3})*")
_SEPARATORS = str.maketrans("", "", ",\u0020\u00a0\u2009\u202f")
_LETTER_ALONE = re.compile(r"\(?\s*([A-Za-z])\s*[).:]?")  # b, B, b), (b), b.
_LETTER_TEXT = re.compile(r"\(?\s*([A-Za-z])\s*[).:]\s+.+", re.DOTALL)  # b) option text


class AnswerError(ValueError):
    """A value that cannot be read; ``str(err)`` is the reason, one line."""


def _show(raw: Any) -> str:
    text = raw if isinstance(raw, str) else repr(raw)
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


def is_blank(raw: Any) -> bool:
    """True for an unanswered part: an empty (or all-space) string."""
    return isinstance(raw, str) and raw.strip() == ""


def _finite(value: float, raw: Any) -> float:
    if math.isnan(value):
        raise AnswerError(f"'{_show(raw)}' is not a number (NaN is not an answer)")
    if math.isinf(value):
        raise AnswerError(f"'{_show(raw)}' is infinite, which is not an answer")
    return value


def _exact_text(text: str, raw: Any) -> Fraction:
    """The exact value of a number text (decimal or fraction), or AnswerError."""
    s = text.translate(_DASHES).strip()
    low = s.lower().lstrip("+-")
    if low in ("nan", "inf", "infinity", "∞"):
        _finite(float("nan") if low == "nan" else float("inf"), raw)
    if s.endswith("%"):
        raise AnswerError(
            f"could not read '{_show(raw)}' as a number: write the number without % "
            "(for 12% write 0.12 if a fraction is asked for)"
        )
    s = s.lstrip("≈~").strip()
    sci = _SCIENTIFIC.fullmatch(s)
    if sci is not None:  # 1.2×10^-3, 1.2*10**(-3)
        return Fraction(sci.group(1)) * Fraction(10) ** int(sci.group(2))
    m = _NUMBER.fullmatch(s)
    if m is None:
        if re.fullmatch(r"[+-]?\d+,\d+", s):
            raise AnswerError(
                f"could not read '{_show(raw)}' as a number: use a point for decimals "
                f"({s.replace(',', '.')})"
            )
        raise AnswerError(f"could not read '{_show(raw)}' as a number")
    num = Fraction(m.group(1))
    if m.group(2) is not None:
        den = Fraction(m.group(2))
        if den == 0:
            raise AnswerError(f"'{_show(raw)}' divides by zero")
        num /= den
    return num


def parse_number(raw: Any) -> float:
    """A finite float from a TOML number or a number text."""
    if isinstance(raw, bool):
        raise AnswerError(f"{str(raw).lower()} is not a number")
    if isinstance(raw, int):
        return _finite(float(raw), raw) if abs(raw) < 10**300 else _finite(math.inf, raw)
    if isinstance(raw, float):
        return _finite(raw, raw)
    if isinstance(raw, str):
        if len(raw) > MAX_TEXT:
            raise AnswerError(f"the answer is too long ({len(raw)} characters)")
        try:
            value = float(_exact_text(raw, raw))
        except OverflowError:
            value = math.inf
        return _finite(value, raw)
    if isinstance(raw, list):
        raise AnswerError(f"expected a single number, got a list '{_show(raw)}'")
    raise AnswerError(f"could not read '{_show(raw)}' as a number")


def parse_integer(raw: Any) -> int:
    """A whole number; ``"4e8"``, ``4.0`` and ``"400,000,000"`` are accepted, ``4.5`` is not."""
    if isinstance(raw, bool):
        raise AnswerError(f"{str(raw).lower()} is not a whole number")
    if isinstance(raw, int):
        return _bounded(raw, raw)
    if isinstance(raw, str) and _THOUSANDS.fullmatch(raw.translate(_DASHES).strip()):
        return _bounded(int(raw.translate(_DASHES).strip().translate(_SEPARATORS)), raw)
    if isinstance(raw, str) and len(raw) <= MAX_TEXT:
        exact = _exact_text(raw, raw)
    else:
        value = parse_number(raw)
        try:
            exact = Fraction(Decimal(repr(value)))
        except InvalidOperation:  # pragma: no cover - parse_number returns finite floats
            raise AnswerError(f"could not read '{_show(raw)}' as a number") from None
    if exact.denominator != 1:
        raise AnswerError(f"'{_show(raw)}' is not a whole number")
    return _bounded(int(exact), raw)


def _bounded(value: int, raw: Any) -> int:
    if abs(value) > MAX_INTEGER:
        raise AnswerError(f"'{_show(raw)}' is too large to be the answer")
    return value


def _rows_from_text(text: str) -> list[list[str]]:
    s = text.translate(_DASHES).strip()
    s = re.sub(r"[\])]\s*[,;]?\s*[\[(]", ";", s)  # "[1, 2], [3, 4]" -> rows
    s = s.replace("[", " ").replace("]", " ").replace("(", " ").replace(")", " ")
    rows = [r for r in re.split(r"[;\n]", s)]
    if rows and rows[-1].strip() == "":  # a trailing ";" or new line
        rows.pop()
    return [[e for e in re.split(r"[\s,]+", r.strip()) if e] for r in rows]


def parse_matrix(raw: Any) -> NDArray[np.float64]:
    """A 2-D float array (a single number is 1x1, a flat list one row)."""
    if isinstance(raw, str):
        if len(raw) > 20 * MAX_TEXT:
            raise AnswerError(f"the answer is too long ({len(raw)} characters)")
        rows: list[list[Any]] = _rows_from_text(raw)
    elif isinstance(raw, list):
        if not raw:
            raise AnswerError("the matrix has no entries")
        if all(isinstance(r, list) for r in raw) and raw:
            rows = list(raw)
        elif not any(isinstance(r, list) for r in raw):
            rows = [raw]
        else:
            raise AnswerError("mix of numbers and rows: write the matrix as a list of rows")
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        rows = [[raw]]
    else:
        raise AnswerError(f"could not read '{_show(raw)}' as a matrix")
    if not rows or any(len(r) == 0 for r in rows):
        raise AnswerError("a row of the matrix is empty" if rows else "the matrix has no entries")
    if sum(len(r) for r in rows) > MAX_ENTRIES:
        raise AnswerError(f"the matrix is too large (more than {MAX_ENTRIES} entries)")
    widths = [len(r) for r in rows]
    if len(set(widths)) > 1:
        bad = next(i for i, w in enumerate(widths) if w != widths[0])
        raise AnswerError(
            f"the rows have different lengths: row 1 has {widths[0]} entries, "
            f"row {bad + 1} has {widths[bad]}"
        )
    out = np.empty((len(rows), widths[0]), dtype=np.float64)
    for i, row in enumerate(rows):
        for j, entry in enumerate(row):
            if isinstance(entry, list):
                raise AnswerError("a matrix has rows and columns: got a list nested too deeply")
            try:
                out[i, j] = parse_number(entry)
            except AnswerError as exc:
                raise AnswerError(f"row {i + 1}, column {j + 1}: {exc}") from None
    out.setflags(write=False)
    return out


def parse_choice(raw: Any, choices: Sequence[str] = ()) -> str:
    """The upper-case letter of an option."""
    letters = [chr(ord("A") + k) for k in range(len(choices))]
    span = f"{letters[0]} to {letters[-1]}" if letters else "A, B, ..."

    def truth(flag: bool) -> str:
        wanted = "true" if flag else "false"
        for letter, option in zip(letters, choices, strict=True):
            if option.strip().lower().rstrip(".") == wanted:
                return letter
        raise AnswerError(f"answer with the letter of an option ({span}), not {wanted}")

    if isinstance(raw, bool):
        return truth(raw)
    if not isinstance(raw, str):
        raise AnswerError(f"answer with the letter of an option ({span}), not '{_show(raw)}'")
    s = raw.strip()
    alone = _LETTER_ALONE.fullmatch(s)
    if alone is not None and alone.group(1).upper() in letters:
        return alone.group(1).upper()  # a letter of the options is that letter, whatever they say
    if s.lower() in ("true", "false"):
        return truth(s.lower() == "true")
    if tuple(o.lower() for o in choices) == ("true", "false") and s.upper() in ("T", "F"):
        return truth(s.upper() == "T")
    for letter, option in zip(letters, choices, strict=True):
        if s.lower() == option.strip().lower():
            return letter
    m = _LETTER_ALONE.fullmatch(s) or _LETTER_TEXT.fullmatch(s)
    if m is None:
        raise AnswerError(f"answer with the letter of an option ({span}), not '{_show(raw)}'")
    letter = m.group(1).upper()
    if letters and letter not in letters:
        raise AnswerError(f"'{letter}' is not one of the options ({span})")
    return letter


def parse_expression_answer(raw: Any, vocab: Vocabulary) -> Node:
    """A checked expression tree (see :mod:`grader.answers.expr`)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = repr(_finite(float(raw), raw))
    if not isinstance(raw, str):
        raise AnswerError(f"write the expression as text in quotes, not '{_show(raw)}'")
    try:
        return parse_expression(raw, vocab)
    except ExpressionError as exc:
        raise AnswerError(f"could not read the expression: {exc}") from None


def parse_answer(
    raw: Any, kind: Kind, *, choices: Sequence[str] = (), vocab: Vocabulary | None = None
) -> Any:
    """The value of one part's raw TOML value, None if unanswered; AnswerError if unreadable."""
    if is_blank(raw):
        return None
    if isinstance(raw, dict):
        raise AnswerError("a table is not an answer: write the value itself")
    if isinstance(raw, (datetime.date, datetime.time)):  # TOML reads 1980-01-01 as a date
        raise AnswerError(
            f"a date or time ({raw}) is not an answer: write a number, or text in quotes"
        )
    if not isinstance(raw, (str, int, float, bool, list)):
        raise AnswerError(f"'{_show(raw)}' is not an answer (a number or text is expected)")
    if kind == Kind.NUMBER:
        return parse_number(raw)
    if kind == Kind.INTEGER:
        return parse_integer(raw)
    if kind == Kind.MATRIX:
        return parse_matrix(raw)
    if kind == Kind.CHOICE:
        return parse_choice(raw, choices)
    if kind == Kind.EXPRESSION:
        from grader.answers.expr import default_vocabulary

        return parse_expression_answer(raw, vocab or default_vocabulary())
    raise AnswerError(f"unknown kind of answer {kind!r}")  # pragma: no cover
