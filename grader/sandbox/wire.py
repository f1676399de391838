"""The wire between the grader and one sandboxed child, and the parent's strict reader of it.

Everything the child sends is the submission's to forge once its code has run, so the parent
reads it as hostile: bounded, typed, and in the one order an honest child follows. A line
that breaks any rule ends the run with :class:`InterferenceError`; it is never skipped, so no
forged line can shift a result into another call's place.

Files and pipes (the fd numbers are the child's):

``job.json``  (parent -> child, in the work directory, read and removed before isolation)
    ``{"nonce": hex, "module": "submission.py", "shown": name, "forbid": [module],
    "refuse": [module], "units": [{"function": name, "calls": n}]}``. No test inputs.
fd 4, inputs  (parent -> child)
    One line per call, ``{"args": [value], "kwargs": {name: value}}``, sent when that call is
    due (after the unit's start, or the previous call's result): the child never holds more
    than the inputs of the call it is running. Values are JSON with ``{"__ndarray__": list}``
    and ``{"__tuple__": list}`` tags.
fd 3, events  (child -> parent)
    Lines ``NONCE JSON``, at most :data:`MAX_LINE` bytes, in this order:
    ``{"ev": "ready"}`` (isolated, before any student code); ``{"ev": "load", "ok": true}``
    or ``{"ev": "load", "ok": false, "err": E}`` (then nothing); per unit ``i`` in order
    ``{"ev": "unit", "i": i, "state": "start" | "missing" | "not_callable"}`` and, after
    ``start``, per call ``j`` in order ``{"ev": "result", "i": i, "j": j, "ok": true,
    "v": V}`` or ``... "ok": false, "err": E}``; last ``{"ev": "done"}``.
    ``E`` is ``{"kind": str, "type": str, "msg": str, "line": int | null, "text": str}``
    (kind, type and msg required), read by :func:`grader.sandbox.server` into a message.
    ``V`` is ``["none"]``, ``["num", x]``, ``["nd", shape, flat]`` or ``["seq", [V]]``: at
    most :data:`MAX_ELEMENTS` numbers in all, :data:`MAX_DEPTH` levels, 32 dimensions.
fds 1 and 2
    What the submission prints: kept up to a limit, shown as text, never interpreted.

The parent alone decides when each step starts and how long it may take (see
``server._ChildRun``): the child's messages say what happened, never how much time is left.
"""

from __future__ import annotations

import json
from typing import Any

MAX_LINE = 8 << 20  # bytes of one event line: 100 000 numbers fit with room to spare
MAX_ELEMENTS = 100_000  # numbers in one result
MAX_DEPTH = 8  # nesting of ["seq", ...] values
MAX_DIMS = 32
MAX_TEXT = 400  # characters kept of any string field


class InterferenceError(Exception):
    """The child sent what an honest child never sends; the message says what, briefly."""


def parse_line(line: bytes, nonce: bytes) -> dict[str, Any]:
    """One event line as a dict with a string ``ev``, else :class:`InterferenceError`."""
    prefix = nonce + b" "
    if not line.startswith(prefix):
        raise InterferenceError("it wrote to the checker's own channel")
    try:
        msg = json.loads(line[len(prefix) :])
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise InterferenceError("it sent the checker a malformed message") from None
    if type(msg) is not dict or type(msg.get("ev")) is not str:
        raise InterferenceError("it sent the checker a malformed message")
    return msg


def is_index(value: Any, expected: int) -> bool:
    """``value`` is exactly the int ``expected`` (not a bool, a float or a huge number)."""
    return type(value) is int and value == expected


def error_fields(err: Any) -> dict[str, Any]:
    """An error object's fields, checked: strings cut to MAX_TEXT, line an int or None."""
    if type(err) is not dict:
        raise InterferenceError("it sent the checker a malformed error")
    out: dict[str, Any] = {}
    for key in ("kind", "type", "msg"):
        value = err.get(key)
        if type(value) is not str:
            raise InterferenceError("it sent the checker a malformed error")
        out[key] = value[:MAX_TEXT]
    text = err.get("text", "")
    out["text"] = text[:MAX_TEXT] if type(text) is str else ""
    line = err.get("line")
    out["line"] = line if type(line) is int and 0 < line < 1 << 31 else None
    return out


def decode_value(data: Any) -> Any:
    """A plain value from the child's tagged JSON: float, int, None, float64 array or a list
    of those; :class:`InterferenceError` for anything else or anything over the bounds."""
    import numpy as np  # here, so that importing the sandbox does not wait for NumPy

    budget = [MAX_ELEMENTS]

    def spend(n: int) -> None:
        budget[0] -= n
        if budget[0] < 0:
            raise InterferenceError("it sent a result larger than any function returns")

    def value(item: Any, depth: int) -> Any:
        if depth > MAX_DEPTH or type(item) is not list or not item:
            raise InterferenceError("it sent the checker a malformed value")
        tag = item[0]
        if tag == "none" and len(item) == 1:
            return None
        if tag == "num" and len(item) == 2 and _is_number(item[1]):
            spend(1)
            return item[1]
        if tag == "nd" and len(item) == 3:
            shape, flat = item[1], item[2]
            if (
                type(shape) is not list
                or len(shape) > MAX_DIMS
                or not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape)
                or type(flat) is not list
            ):
                raise InterferenceError("it sent the checker a malformed array")
            size = 1
            for n in shape:
                size *= n  # exact: every factor is at most MAX_ELEMENTS, checked as it grows
                if size > MAX_ELEMENTS:
                    raise InterferenceError("it sent a result larger than any function returns")
            if size != len(flat) or not all(_is_number(x) for x in flat):
                raise InterferenceError("it sent the checker a malformed array")
            spend(size)
            return np.array(flat, dtype=np.float64).reshape(shape)
        if tag == "seq" and len(item) == 2 and type(item[1]) is list:
            spend(len(item[1]))
            return [value(v, depth + 1) for v in item[1]]
        raise InterferenceError("it sent the checker a malformed value")

    return value(data, 0)


def _is_number(x: Any) -> bool:
    if type(x) is float:
        return True
    return type(x) is int and -(1 << 63) <= x < 1 << 63
