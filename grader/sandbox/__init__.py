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


def start_server(workers: int = 1, limits: Limits | None = None) -> SandboxServer:
    """A started :class:`SandboxServer` to share among ``workers`` threads (close it after).

    One server serves any number of threads: each run forks its own child.
    """
    del workers  # every run gets its own child; nothing to size
    return SandboxServer(limits).start()


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
    "start_server",
]
