"""The numbers an LMS grades by, asserted by value in every format (not only through golden
files): each value, its tolerance as the margin the part's rule gives, and the credit.

The hand quiz's parts are ``a`` = 0.125·k to 3 decimal places (margin 0.0005), with the dropped
½ at 0.25·k and a sign slip 1e-5 away that no LMS could tell from the answer; ``n`` = 6 + k
exactly, with 7 + k off by one; ``M`` within a relative 0.01 of each entry; ``g`` =
1.234567e-5·k to 3 significant figures (margin 5e-8·10^⌊log10 k⌋).
"""

from __future__ import annotations

import re

import pytest

from grader.lms.gift import write_gift
from grader.lms.moodle import write_moodle
from grader.lms.qti import write_qti

WRITERS = {"gift": write_gift, "moodle": write_moodle, "qti": write_qti}


def blanks(fmt, hand, readers) -> dict[str, list[list[tuple[float, float, float]]]]:
    """Each variant ("h1 v1") -> its numeric blanks in order, each the (value, tolerance,
    fraction) of its answers, as the quantity itself (Canvas's scaling undone)."""
    out: dict[str, list[list[tuple[float, float, float]]]] = {}
    for q in getattr(readers, fmt)(WRITERS[fmt](hand.load(2)).data):
        words = q.name.split()
        variant = next(w for w in words if re.fullmatch(r"v\d+", w))
        key = f"{words[0]} {variant}"
        for answers in q.numeric:
            out.setdefault(key, []).append(
                [(v / q.scale, t / q.scale, f) for v, t, f, _fb in answers]
            )
    return out


def near(x: float, y: float, slack: float = 1e-9) -> bool:
    """Equal up to the 1e-9 · max(1, |y|) every bound carries for its own binary rounding."""
    return abs(x - y) <= slack * max(1.0, abs(y)) + 1e-12


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_every_lms_number_by_value(fmt, hand, readers):
    found = blanks(fmt, hand, readers)
    feedback = fmt != "qti"  # Canvas numeric answers carry no wrong answers with feedback
    for k in (1, 2):
        a, n, *matrix = found[f"h1 v{k}"]
        assert len(matrix) == 4
        assert [x[0] for x in a[:1]] == [0.125 * k] and near(a[0][1], 0.0005) and a[0][2] == 1
        # the dropped ½ at 0 %; the sign slip 1e-5 away lies inside the answer's range
        assert a[1:] == ([(0.25 * k, a[0][1], 0.0)] if feedback else [])
        assert n == [(6 + k, 0.0, 1.0)] + ([(7 + k, 0.0, 0.0)] if feedback else [])
        for (value, tol, fraction), entry in zip(
            (m[0] for m in matrix), (1.0, -2.5, 3.25, 4.0 * k), strict=True
        ):
            assert value == entry and fraction == 1.0
            assert near(tol, 0.01 * abs(entry), 1e-12)  # within a relative 0.01
        (g,) = found[f"h2 v{k}"]
        assert near(g[0][0], 1.234567e-5 * k, 1e-15) and g[0][2] == 1.0
        # 3 significant figures of 1.23e-5 or 2.47e-5: half of 1e-7, plus the slack
        assert near(g[0][1], 5e-8 + 1e-9, 1e-15), g
