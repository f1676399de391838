"""Why a function's output is wrong: known mistakes, hints, and finite differences.

A wrong output is compared with what each known mistake (a misconception id) would have
returned on the same call; a match names the mistake. Gradient functions can also be checked
against finite differences of the student's *own* forward function, which tells a wrong
backward pass from a wrong forward pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from exercises.misconceptions import (
    CONV_SIZE_FLOAT_DIVISION,
    INPUTS_NOT_ARRAYS,
    LOSS_MEAN_INSTEAD_OF_SUM,
    ids,
)
from grader.codecheck.cases import Case
from grader.codecheck.compare import as_array, fmt_number, matches
from grader.sandbox import Call

STEP = 1e-5


def name_mistakes(
    failures: Sequence[tuple[Case, Any]], seen: Mapping[str, set[int]] | None = None
) -> list[str]:
    """Misconception ids that explain wrong values, most often first.

    A mistake must explain at least half of the wrong values (a loss averaged instead of
    summed matches "missing half" on one-element cases only: that is not the mistake); one
    that explains only cases another named mistake explains too is left out. Mistakes made
    together are listed as ``"a+b"`` and named one by one. ``seen`` adds mistakes recognised
    otherwise (the comparison's own: a column vector), by the indexes of the failures.
    """
    explained: dict[str, set[int]] = {m: set(ks) for m, ks in (seen or {}).items()}
    for k, (case, got) in enumerate(failures):
        for mistake in case.mistakes:
            if matches(got, mistake.value):
                explained.setdefault(mistake.misconception, set()).add(k)
    named: list[str] = []
    enough = (len(failures) + 1) // 2  # a mistake must explain at least half the failures
    for m in sorted(explained, key=lambda m: -len(explained[m])):
        if len(explained[m]) < enough:
            continue
        if not any(explained[m] <= explained[n] for n in named):
            named.append(m)
    # a pair of mistakes made together ("a+b") names each of them
    return list(dict.fromkeys(i for m in named for i in ids(m)))


# What Python says when code written for one number is given an array.
ARRAY_REFUSED = (
    "only 0-dimensional arrays can be converted to Python scalars",
    "only length-1 arrays can be converted to Python scalars",
    "truth value of an array with more than one element is ambiguous",
)
# ... and when a Python list reaches arithmetic (``-z``, ``lr * grad``, ``y - y_hat``).
LIST_REFUSED = (
    "can't multiply sequence by non-int",
    "not supported between instances of 'list'",
    "unsupported operand type(s) for -: 'list'",
    "unsupported operand type(s) for -: 'float' and 'list'",
    "unsupported operand type(s) for -: 'int' and 'list'",
    "unsupported operand type(s) for /: 'list'",
    "unsupported operand type(s) for /: 'float' and 'list'",
    "unsupported operand type(s) for /: 'int' and 'list'",
    "unsupported operand type(s) for ** or pow(): 'list'",
    "unsupported operand type(s) for @: 'list'",
    "bad operand type for unary -: 'list'",
)

# ... and when code written for a list is given a single number.
SEQUENCE_ONLY = (
    "'float' object is not iterable",
    "'int' object is not iterable",
    "object of type 'float' has no len()",
    "object of type 'int' has no len()",
    "'float' object is not subscriptable",
    "'int' object is not subscriptable",
)


# What Python says when a size worked out with / (a float) is used as a count or an index.
FLOAT_COUNT = (
    "'float' object cannot be interpreted as an integer",
    "only integers, slices",
    "expected a sequence of integers or a single integer, got",
)


def error_mistakes(function: str, errors: Sequence[str], failed: int) -> list[str]:
    """Misconception ids that the errors raised by at least half of the ``failed`` calls
    show: a float size (``/`` for ``//``) used to make or index the output of a convolution."""
    if function not in ("conv2d", "conv2d_multichannel") or not errors:
        return []
    floats = sum(1 for e in errors if any(p in e for p in FLOAT_COUNT))
    return [CONV_SIZE_FLOAT_DIVISION] if floats and 2 * floats >= failed else []


def hints(
    function: str,
    failures: Sequence[tuple[Case, Any]],
    kinds: set[str],
    errors: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> list[str]:
    """Advice for wrong values and errors no misconception id covers (``errors``: the
    messages of the calls that raised; ``tags``: the mistakes already named, whose own
    sentence says what to fix)."""
    out = []
    lists = INPUTS_NOT_ARRAYS in tags  # its sentence says how to fix it
    arrays_refused = any(p in e for e in errors for p in ARRAY_REFUSED)
    lists_refused = not lists and any(p in e for e in errors for p in LIST_REFUSED)
    scalar_only = not lists and arrays_refused
    sequence_only = not lists and any(p in e for e in errors for p in SEQUENCE_ONLY)
    if lists_refused and not arrays_refused and not sequence_only:
        out.append(
            "A Python list reached arithmetic (such as -a, lr * grad or y - y_hat), which "
            "lists do not do element by element: convert inputs with np.asarray first."
        )
    elif scalar_only and sequence_only:
        out.append(
            "The function is called with single numbers, lists and arrays of any shape: "
            "convert with np.asarray and use NumPy's element-wise operations (np.exp, "
            "np.maximum, np.where) instead of loops, math.exp, max() or an if on the value."
        )
    elif scalar_only:
        out.append(
            "Your code works on one number at a time, but the function is also called with "
            "arrays and lists: convert with np.asarray and use NumPy's element-wise operations "
            "(np.exp, np.maximum, np.where) rather than math.exp, max() or an if on the value."
        )
    elif sequence_only:
        out.append(
            "Your code loops over its input, but the function is also called with a single "
            "number: np.asarray and NumPy's element-wise operations handle numbers and arrays "
            "alike."
        )
    if any("matmul: Input operand" in e and "not have enough dimensions" in e for e in errors):
        out.append(
            "@ (matmul) needs arrays of at least one dimension, but the function is also "
            "called with plain numbers: np.dot, or np.asarray(...) with np.atleast_1d, handles "
            "both."
        )
    overflow = any("math range error" in e or "overflow" in e.lower() for e in errors)
    if "finite" in kinds or overflow:
        from grader.topics import code_function

        hint = code_function(function).overflow_hint
        if hint:
            out.append(hint)
    if function in ("conv2d", "conv2d_multichannel"):
        out += _window_counts(failures)
    if (
        function == "sse_loss"
        and LOSS_MEAN_INSTEAD_OF_SUM not in tags
        and _averaged(function, failures)
    ):
        out.append(
            "Your loss is averaged: the course's loss is the sum ½ Σ (y − ŷ)² over every "
            "sample and output, not its mean."
        )
    if (
        function in ("neuron_gradients", "mlp_gradients")
        and LOSS_MEAN_INSTEAD_OF_SUM not in tags
        and _averaged(function, failures)
    ):
        out.append(
            "Your gradients are averaged over the samples: the loss is a sum over the "
            "samples, so its gradient is the sum of theirs, not the mean."
        )
    return out


def _window_counts(failures: Sequence[tuple[Case, Any]]) -> list[str]:
    """What a feature map of the wrong size says about the loop over window positions: the
    size of a stride-1 map (the stride is ignored), or another wrong count of windows."""
    for case, got in failures:
        arr = as_array(got)
        expected = np.shape(case.expected)
        if arr is None or arr.ndim != len(expected) or arr.shape == expected:
            continue
        stride = int(case.kwargs.get("stride", 1))
        padding = int(case.kwargs.get("padding", 0))
        image, kernel = np.shape(case.args[0])[-2:], np.shape(case.args[1])[-2:]
        one = tuple(n + 2 * padding - k + 1 for n, k in zip(image, kernel, strict=True))
        got_hw, want = arr.shape[-2:], expected[-2:]
        shown = "×".join(map(str, got_hw))
        if stride != 1 and got_hw == one:
            return [
                f"Your output is {shown}, the size of a stride-1 map: with stride {stride} the "
                f"window moves {stride} pixels each step, so each axis has "
                f"floor((n + 2p − k) / {stride}) + 1 positions ({'×'.join(map(str, want))} here)."
            ]
        return [
            f"Your output has {shown} window positions, expected {'×'.join(map(str, want))}: "
            "the window starts at 0, s, 2s, ... while it fits inside the (padded) image, "
            "floor((n + 2p − k) / s) + 1 positions per axis; check the range of your loops "
            "(from 0, with the last start n + 2p − k included)."
        ]
    return []


def _flat(value: Any) -> NDArray[np.float64]:
    """Every number of a value (a number, an array, or tuples and lists of them), in order."""
    if isinstance(value, (tuple, list)):
        parts = [_flat(v) for v in value]
        return np.concatenate(parts) if parts else np.zeros(0)
    return np.ravel(np.asarray(value, dtype=np.float64))


def _samples(function: str, case: Case) -> set[int]:
    """What a mean over the samples of ``case`` would have divided by (1s left out)."""
    first = np.shape(case.args[0])
    if function == "sse_loss":  # a mean over every value, or over the rows
        counts = {int(np.prod(first)), first[0] if first else 1}
    else:  # gradients: a mean over the samples, one per row of x
        counts = {first[0] if len(first) == 2 else 1}
    return counts - {1}


def _averaged(function: str, failures: Sequence[tuple[Case, Any]]) -> bool:
    """Whether every wrong value is the right one divided by the number of samples."""
    if not failures:
        return False
    for case, got in failures:
        try:
            value, expected = _flat(got), _flat(case.expected)
        except (TypeError, ValueError):
            return False
        if value.shape != expected.shape or not np.isfinite(value).all():
            return False
        if not any(
            np.allclose(value * n, expected, rtol=1e-6, atol=1e-12)
            for n in _samples(function, case)
        ):
            return False
    return True


# ---- finite differences of the student's own forward function --------------------------------


@dataclass(frozen=True)
class Probe:
    """Calls of a forward function around one case's point, and how to read them back."""

    function: str  # the gradient function this probe explains
    forward: str
    case: Case
    got: Any  # what the gradient function returned on ``case``
    calls: tuple[Call, ...]
    names: tuple[str, ...]  # the parameter each pair of calls perturbs


def _perturbed(values: list[NDArray[np.float64]]) -> list[tuple[int, tuple[int, ...]]]:
    return [(i, idx) for i, v in enumerate(values) for idx in np.ndindex(v.shape)]


def plan_probe(function: str, case: Case, got: Any) -> Probe | None:
    """Forward calls whose finite differences give the gradient at ``case``, or None."""
    from grader.topics import code_function

    forward = code_function(function).forward
    if forward is None:
        return None
    calls: list[Call] = []
    names: list[str] = []
    if function == "sigmoid_derivative":
        a = np.asarray(case.args[0], dtype=np.float64)
        if np.abs(a).max(initial=0) > 50:
            return None
        for sign in (1, -1):
            calls.append(Call((a + sign * STEP,), dict(case.kwargs)))
        names.append("a")
    elif function == "neuron_gradients":
        x, _y, w, b = case.args
        params = [np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)]
        for i, idx in _perturbed(params):
            for sign in (1, -1):
                p = [q.copy() for q in params]
                p[i][idx] += sign * STEP
                wv: Any = float(p[0]) if p[0].ndim == 0 else p[0]
                calls.append(Call((x, wv, float(p[1]))))
            names.append(("w" + _idx(idx)) if i == 0 else "b")
    else:
        x, _y, weights, biases = case.args
        params = [np.asarray(w, dtype=np.float64) for w in weights] + [
            np.asarray(b, dtype=np.float64) for b in biases
        ]
        n = len(weights)
        if sum(p.size for p in params) > 60:
            return None
        for i, idx in _perturbed(params):
            for sign in (1, -1):
                p = [q.copy() for q in params]
                p[i][idx] += sign * STEP
                calls.append(Call((x, p[:n], p[n:]), dict(case.kwargs)))
            names.append(f"W{i + 1}{_idx(idx)}" if i < n else f"b{i - n + 1}{_idx(idx)}")
    return Probe(function, forward, case, got, tuple(calls), tuple(names))


def _idx(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, idx)) + "]" if idx else ""


def _loss(out: NDArray[np.float64], y: Any) -> float:
    target = np.asarray(y, dtype=np.float64)
    return 0.5 * float(np.sum((target.reshape(out.shape) - out) ** 2))


def read_probe(probe: Probe, values: Sequence[Any], forward_ok: bool) -> str | None:
    """A sentence comparing the student's gradient with finite differences of their forward."""
    arrays = [as_array(v) for v in values]
    if len(arrays) != len(probe.calls) or any(a is None for a in arrays):
        return None
    outs = [a for a in arrays if a is not None]
    case = probe.case
    if probe.function == "sigmoid_derivative":
        if outs[0].shape != outs[1].shape:
            return None
        fd: Any = (outs[0] - outs[1]) / (2 * STEP)
        got = as_array(probe.got)
        if got is None or got.size != fd.size:
            return None
        own = np.allclose(got.reshape(fd.shape), fd, rtol=1e-3, atol=1e-6)
        expected = np.asarray(case.expected, dtype=np.float64)
        fd_right = np.allclose(fd.reshape(expected.shape), expected, rtol=1e-3, atol=1e-6)
        label = f"sigmoid_derivative({case.label})"
    else:
        y = case.args[1]
        try:
            losses = [_loss(o, y) for o in outs]
        except ValueError:
            return None
        fd_list = [
            (losses[2 * k] - losses[2 * k + 1]) / (2 * STEP) for k in range(len(probe.names))
        ]
        fd = np.array(fd_list)
        flat_got = _flatten(probe.got)
        flat_exp = _flatten(case.expected)
        if flat_exp is None:
            return None
        fd_right = np.allclose(fd, flat_exp, rtol=1e-3, atol=1e-6)
        own = (
            flat_got is not None
            and flat_got.size == fd.size
            and np.allclose(flat_got, fd, rtol=1e-3, atol=1e-6)
        )
        label = f"{probe.function}({case.label})"
    forward = probe.forward
    if own and not fd_right:
        return (
            f"On {label} your gradients agree with finite differences of your own {forward}, "
            f"so the backward pass is consistent: the error is in the forward pass ({forward})."
        )
    if fd_right and forward_ok and not own:
        sample = ""
        if (
            probe.function != "sigmoid_derivative"
            and flat_got is not None
            and flat_got.size == fd.size
        ):
            k = int(np.argmax(np.abs(flat_got - fd)))
            sample = (
                f" (for {probe.names[k]}: finite differences give {fmt_number(float(fd[k]))}, "
                f"you returned {fmt_number(float(flat_got[k]))})"
            )
        return (
            f"Finite differences of your own {forward}, which is right, disagree with your "
            f"{probe.function} on {label}{sample}: the error is in the derivative, not in "
            f"{forward}."
        )
    return None


def _flatten(value: Any) -> NDArray[np.float64] | None:
    """All numbers of a (dW list, db list) or (dw, db) structure, in parameter order."""
    parts: list[NDArray[np.float64]] = []

    def walk(v: Any) -> bool:
        if isinstance(v, (list, tuple)) and v and not all(isinstance(x, (int, float)) for x in v):
            return all(walk(x) for x in v)
        a = as_array(list(v) if isinstance(v, tuple) else v)
        if a is None:
            return False
        parts.append(a.ravel())
        return True

    if not walk(value):
        return None
    return np.concatenate(parts) if parts else None
