"""What the sandbox is asked to run and what comes back: plain frozen data.

A :class:`Job` names a submission file and a list of :class:`Unit` (one function, many calls).
The answer is a :class:`RunOutcome`: per unit, per call, either a plain value (``float``,
``int``, ``None``, a float64 ``ndarray`` or a list of those) or a :class:`CallError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from grader.errors import UsageError

ErrorKind = Literal[
    "exception",
    "not_implemented",
    "memory",
    "exit",
    "recursion",
    "forbidden",
    "unsupported",
    "timeout",
    "crash",
    "syntax",
    "interference",
]

UnitState = Literal["ok", "missing", "not_callable", "not_run"]

# The longest wall-clock budget of one call, in seconds.
MAX_TIMEOUT = 600.0


def valid_timeout(seconds: float) -> float:
    """``seconds`` as the wall-clock budget of one call, or a UsageError saying what is wrong.

    It must be above 0 and at most :data:`MAX_TIMEOUT`: NaN, infinity or a huge number would
    overflow the sandbox's clocks and fail every submission instead of one command.
    """
    value = float(seconds)
    if not 0 < value <= MAX_TIMEOUT:  # NaN fails every comparison
        raise UsageError(
            f"--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}, "
            f"got {seconds}"
        )
    return value


# The project's own packages: a submission may neither import nor call them.
PROJECT_PACKAGES: tuple[str, ...] = ("grader", "reference", "exercises", "templates")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed child.

    ``timeout`` is the wall-clock budget of one call (loading the file gets three times as
    much: students' own tests and demos run there); ``cpu`` the CPU seconds of the whole
    child; ``memory`` its address space in bytes; ``processes`` the per-uid process limit
    (1: the child cannot fork); ``file_size`` the largest file it may write; ``disk`` the most
    its files may take in all (the parent measures its work directory and stops it beyond);
    ``source`` the largest code file that is run at all; ``output`` how many bytes of
    printed output are kept per stream.
    """

    timeout: float = 5.0
    cpu: int = 60
    memory: int = 1 << 30
    processes: int = 1
    file_size: int = 8 << 20
    open_files: int = 64
    disk: int = 64 << 20
    source: int = 16 << 20
    output: int = 64 << 10

    def __post_init__(self) -> None:
        valid_timeout(self.timeout)

    def to_json(self) -> dict[str, Any]:
        return {
            "cpu": int(self.cpu),
            "memory": int(self.memory),
            "processes": int(self.processes),
            "file_size": int(self.file_size),
            "open_files": int(self.open_files),
        }


@dataclass(frozen=True)
class Call:
    """One call ``function(*args, **kwargs)``; arguments are numbers, strings, lists, arrays."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Unit:
    """Calls of one function of the submission, run in order."""

    function: str
    calls: tuple[Call, ...]


@dataclass(frozen=True)
class Job:
    """A submission and the units to run against it.

    ``forbid`` lists modules the submission may not import (the project's packages are
    always added): the import itself raises. ``refuse`` lists modules that may be imported
    but not used: the first use raises, failing only the call that touches it. ``source`` is
    the code to run when it is not the file's own text (a notebook's code cells); ``path``
    then only names it.
    """

    path: Path
    units: tuple[Unit, ...]
    forbid: tuple[str, ...] = ()
    refuse: tuple[str, ...] = ()
    source: bytes | None = None


@dataclass(frozen=True)
class CallError:
    """Why a call gave no value, in a sentence a student understands."""

    kind: ErrorKind
    message: str
    line: int | None = None


@dataclass(frozen=True)
class CallResult:
    value: Any = None
    error: CallError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class UnitOutcome:
    function: str
    state: UnitState
    results: tuple[CallResult, ...] = ()


@dataclass(frozen=True)
class RunOutcome:
    """Everything one run learned; ``load_error`` set means no unit ran."""

    units: tuple[UnitOutcome, ...]
    load_error: CallError | None = None
    stdout: str = ""
    stderr: str = ""


def encode_value(value: Any) -> Any:
    """JSON data for an input value (arrays and tuples tagged so the child rebuilds them)."""
    import numpy as np  # here, so that starting a server does not wait for NumPy

    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.astype(np.float64).tolist()}
    if isinstance(value, tuple):
        return {"__tuple__": [encode_value(v) for v in value]}
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value
