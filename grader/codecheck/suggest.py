"""Python's own "Did you mean ...?" for a NameError in a student's file.

The sandbox reports an exception by its type and message; the suggestion Python prints under a
traceback is not part of the message, so it is worked out here as Python works it out (the
same edit distance and cut-off), over the names the file's text defines and the builtins. The
file is read as tokens, never run.
"""

from __future__ import annotations

import builtins
import io
import keyword
import re
import tokenize
from collections.abc import Iterable

_NAME_ERROR = re.compile(r"NameError: name '([A-Za-z_]\w*)' is not defined")
_MOVE_COST = 2  # CPython's costs: a move (insert, delete, substitute), a change of case
_CASE_COST = 1
_MAX_CANDIDATES = 750


def names_in(source: str) -> list[str]:
    """The identifiers a file's text binds or uses (attributes after a dot left out)."""
    out: dict[str, None] = {}
    last = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NAME and last != "." and not keyword.iskeyword(tok.string):
                out[tok.string] = None
            if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                last = tok.string
    except (tokenize.TokenError, SyntaxError, ValueError):  # unfinished text: what was read
        pass
    return list(out)


def _distance(a: str, b: str, limit: int) -> int:
    """CPython's edit distance of two names, or more than ``limit`` when it is over it."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) * _MOVE_COST > limit:
        return limit + 1
    row = [i * _MOVE_COST for i in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i * _MOVE_COST
        best = row[0]
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cost = 0
            elif ca.lower() == cb.lower():
                cost = _CASE_COST
            else:
                cost = _MOVE_COST
            prev, row[j] = row[j], min(prev + cost, row[j] + _MOVE_COST, row[j - 1] + _MOVE_COST)
            best = min(best, row[j])
        if best > limit:
            return limit + 1
    return row[-1]


def suggestion(wrong: str, candidates: Iterable[str]) -> str | None:
    """The name Python would suggest for the undefined ``wrong``, or None."""
    names = [c for c in dict.fromkeys(candidates) if c != wrong][:_MAX_CANDIDATES]
    best: str | None = None
    best_distance = 0
    for name in sorted(names):
        limit = (len(name) + len(wrong) + 3) * _MOVE_COST // 6
        if best is not None:
            limit = min(limit, best_distance - 1)
        d = _distance(wrong, name, limit)
        if d <= limit:
            best, best_distance = name, d
    return best


def with_suggestion(message: str, source: str) -> str:
    """``message`` with Python's "Did you mean: 'x'?" after a NameError it reports, where
    the file's names or the builtins hold a near miss; otherwise unchanged."""
    m = _NAME_ERROR.search(message)
    if m is None or "Did you mean" in message:
        return message
    near = suggestion(m.group(1), [*names_in(source), *dir(builtins)])
    if near is None:
        return message
    return message[: m.end()] + f". Did you mean: '{near}'?" + message[m.end() :]
