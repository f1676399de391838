"""Run hostile student code in an isolated child process and get plain data back.

``SandboxServer`` is a warm fork server (NumPy imported once); each :meth:`SandboxServer.run`
forks a fresh child with resource limits, an unprivileged uid (when started as root), an empty
working directory, a scrubbed environment and import guards, and returns a ``RunOutcome``.
"""

from grader.sandbox.job import (
    PROJECT_PACKAGES,
    Call,
    CallError,
    CallResult,
    Job,
    Limits,
    RunOutcome,
    Unit,
    UnitOutcome,
)
from grader.sandbox.server import SANDBOX_UID, SandboxError, SandboxServer

__all__ = [
    "PROJECT_PACKAGES",
    "SANDBOX_UID",
    "Call",
    "CallError",
    "CallResult",
    "Job",
    "Limits",
    "RunOutcome",
    "SandboxError",
    "SandboxServer",
    "Unit",
    "UnitOutcome",
]
