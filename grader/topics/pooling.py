"""Pooling: the largest value or the mean of each window of an image, and the output's size.

A ``size`` × ``size`` window steps over the image by ``stride`` (the window's size unless stated
otherwise: windows side by side); a window that does not fit whole at the border is dropped, so
an n × n image gives ``⌊(n − k)/s⌋ + 1`` rows and columns, as PyTorch's default ``ceil_mode=False``.
The quiz exercise and its worked solution are in ``_pooling_quiz`` and ``_pooling_steps``, loaded
only when a quiz needs them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from exercises.misconceptions import Misconception
from grader.codecheck.cases import Case, _case
from grader.topics import CodeFunction, Quiz, Topic
from reference import conv_output_size, pool2d

POOL_STRIDE_IGNORED = Misconception(
    "pool-stride-ignored",
    (
        "You moved the window one pixel at a time: a pooling window steps by the stride, which "
        "is the window's size unless stated otherwise, so by default the windows do not overlap."
    ),
)

POOL_MAX_INSTEAD_OF_AVERAGE = Misconception(
    "pool-max-instead-of-average",
    (
        "You kept the largest value of each window: average pooling takes the mean, the sum of "
        "the window's values divided by how many there are (k·k)."
    ),
)

POOL_AVERAGE_INSTEAD_OF_MAX = Misconception(
    "pool-average-instead-of-max",
    "You averaged each window: max pooling keeps the largest value of the window.",
)

POOL_SUM_INSTEAD_OF_AVERAGE = Misconception(
    "pool-sum-instead-of-average",
    (
        "You added up each window without dividing: average pooling divides the window's sum "
        "by the number of values in it (k·k)."
    ),
)

POOL_SIZE_OFF_BY_ONE = Misconception(
    "pool-size-off-by-one",
    (
        "Your output size is off by one: the window starts at 0, s, 2s, ... while it fits, "
        "floor((n - k) / s) + 1 positions per axis (the first one counts too)."
    ),
)

POOL_PARTIAL_WINDOW = Misconception(
    "pool-partial-window",
    (
        "You kept windows that run past the border: a window that does not fit whole inside "
        "the image is dropped, so each axis has floor((n - k) / s) + 1 windows, not the ceiling."
    ),
)


# --- the mistakes, as what each would compute ----------------------------------------------


def partial_windows(image: Any, size: int, stride: int, mode: str) -> np.ndarray | None:
    """Pooling that keeps the windows running past the border, over the part inside (PyTorch's
    ``ceil_mode=True``), or None where every window fits whole."""
    img = np.asarray(image, dtype=np.float64)
    starts = [_starts(n, size, stride) for n in img.shape]
    if all(
        len(s) == conv_output_size(n, size, stride) for s, n in zip(starts, img.shape, strict=True)
    ):
        return None
    reduce = np.max if mode == "max" else np.mean
    return np.array(
        [[reduce(img[r : r + size, c : c + size]) for c in starts[1]] for r in starts[0]]
    )


def zero_padded_windows(image: Any, size: int, stride: int) -> np.ndarray | None:
    """Average pooling that keeps the border's windows, padded with zeros (each sum divided by
    k·k, not by the values inside), or None where every window fits whole."""
    img = np.asarray(image, dtype=np.float64)
    kept = partial_windows(img, size, stride, "max")
    if kept is None:
        return None
    rows, cols = ((n - 1) // stride * stride + size - n for n in img.shape)
    padded = np.pad(img, ((0, max(rows, 0)), (0, max(cols, 0))))
    windows = [
        [padded[r : r + size, c : c + size].sum() for c in range(0, kept.shape[1] * stride, stride)]
        for r in range(0, kept.shape[0] * stride, stride)
    ]
    return np.array(windows) / (size * size)


def stride_in_size_only(image: Any, size: int, stride: int, mode: str) -> np.ndarray | None:
    """A map of the strided size whose window still moves one pixel per step, or None for
    stride 1."""
    if stride == 1:
        return None
    rows, cols = (conv_output_size(n, size, stride) for n in np.shape(image))
    return pool2d(image, size, 1, mode)[:rows, :cols]


def _starts(n: int, size: int, stride: int) -> list[int]:
    """Where the windows start when the last one may run past the border (but starts inside)."""
    count = math.ceil((n - size) / stride) + 1
    return [i * stride for i in range(count) if i * stride < n]


def summed(image: Any, size: int, stride: int) -> np.ndarray:
    """Each window's sum: average pooling without the division."""
    return pool2d(image, size, stride, "average") * size * size


def last_window_dropped(pooled: np.ndarray) -> np.ndarray | None:
    """The map a loop one short in each direction gives (``range(n - k)`` for ``range(n - k +
    1)``), or None where that leaves nothing."""
    if min(pooled.shape) < 2:
        return None
    return pooled[:-1, :-1]


def other_mode(mode: str) -> str:
    return "average" if mode == "max" else "max"


MODE_MISTAKE = {"max": POOL_AVERAGE_INSTEAD_OF_MAX, "average": POOL_MAX_INSTEAD_OF_AVERAGE}


# --- the code functions' cases -----------------------------------------------------------------

CS231N = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]  # cs231n's max-pool example


def _images(rng: np.random.Generator) -> list[tuple[Any, int, dict[str, Any]]]:
    """(image, size, keyword arguments): fixed edge cases, then images drawn from ``rng``."""

    def ints(rows: int, cols: int, low: int = 0, high: int = 10) -> np.ndarray:
        return rng.integers(low, high, size=(rows, cols)).astype(np.float64)

    return [
        (np.array(CS231N, dtype=np.float64), 2, {}),  # the notes' example: [[6, 8], [3, 4]]
        (CS231N, 2, {"stride": 2}),  # lists, the stride given
        (ints(5, 5), 2, {}),  # the last row and column fit no window
        (ints(5, 5, -9, 0), 2, {"stride": None}),  # all negative: a maximum is not >= 0
        (ints(4, 6), 2, {}),  # not square
        (ints(6, 6), 3, {"stride": 1}),  # overlapping windows
        (ints(7, 7), 3, {"stride": 2}),
        (ints(7, 6), 2, {"stride": 3}),  # gaps between the windows
        (ints(3, 3), 3, {}),  # one window: the whole image
        (ints(3, 4), 1, {}),  # 1x1 windows: the image itself
        (rng.normal(size=(6, 8)), 2, {}),
        (rng.normal(size=(9, 7)), int(rng.integers(2, 4)), {"stride": int(rng.integers(1, 4))}),
    ]


def _pool_cases(mode: str, rng: np.random.Generator) -> list[Case]:
    names = ("image", "size")
    out = []
    for image, k, kw in _images(rng):
        stride = kw.get("stride") or k
        expected = pool2d(image, k, stride, mode)
        mistakes: list[tuple[str, Any]] = [
            (MODE_MISTAKE[mode].id, pool2d(image, k, stride, other_mode(mode))),
            (POOL_STRIDE_IGNORED.id, pool2d(image, k, 1, mode) if stride != 1 else None),
            (POOL_PARTIAL_WINDOW.id, partial_windows(image, k, stride, mode)),
            (POOL_SIZE_OFF_BY_ONE.id, last_window_dropped(expected)),
        ]
        mistakes.append((POOL_STRIDE_IGNORED.id, stride_in_size_only(image, k, stride, mode)))
        if mode == "average":
            mistakes.append((POOL_SUM_INSTEAD_OF_AVERAGE.id, summed(image, k, stride)))
            mistakes.append((POOL_PARTIAL_WINDOW.id, zero_padded_windows(image, k, stride)))
        label = f"image of shape {np.shape(image)}, size={k}"
        label += "".join(f", {key}={value}" for key, value in kw.items())
        if isinstance(image, list):
            label += " (lists)"
        out.append(_case(names, (image, k), kw, expected, mistakes, label=label))
    return out


def max_pool2d_cases(rng: np.random.Generator) -> list[Case]:
    return _pool_cases("max", rng)


def avg_pool2d_cases(rng: np.random.Generator) -> list[Case]:
    return _pool_cases("average", rng)


def quiz() -> Quiz:
    from grader.topics._pooling_quiz import Pooling
    from grader.topics._pooling_steps import pooling_solution

    return Quiz(exercises=(Pooling(),), solutions={"pooling": pooling_solution})


TOPIC = Topic(
    id="pooling",
    order=45,
    quiz=quiz,
    functions=(
        CodeFunction("max_pool2d", max_pool2d_cases),
        CodeFunction("avg_pool2d", avg_pool2d_cases),
    ),
    misconceptions=(
        POOL_STRIDE_IGNORED,
        POOL_MAX_INSTEAD_OF_AVERAGE,
        POOL_AVERAGE_INSTEAD_OF_MAX,
        POOL_SUM_INSTEAD_OF_AVERAGE,
        POOL_SIZE_OFF_BY_ONE,
        POOL_PARTIAL_WINDOW,
    ),
)
