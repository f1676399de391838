"""Run hostile student code in an isolated child process and get plain data back.

``SandboxServer`` is a warm fork server: a ``python -I -S`` that has imported NumPy (and a few
standard modules) and nothing of this project. Each :meth:`SandboxServer.run` forks a fresh
child which, before the submission is even read:

- starts a new session (every process it could leave behind is killed with its group);
- sets resource limits: address space (1 GiB), CPU seconds, file size, open files, no core
  dumps, and one process per uid (so it cannot fork or start threads);
- when the server runs as root: chroots into its own empty work directory (a copy of the
  submission is all it holds) and drops to an unprivileged uid/gid that no account, no other
  process and no other sandbox server on the machine uses (each server claims its own block
  of ``SANDBOX_UIDS`` for its lifetime, one uid per concurrent child), so the grading secret,
  other submissions and the grader's sources are out of reach, and a child that signals
  every process it can (``kill(-1)``) reaches only itself;
- closes every file descriptor but its stdout/stderr pipes and a result pipe, scrubs its
  environment (``OPENBLAS_NUM_THREADS=1`` and friends), cannot be traced, dies with the
  server, and makes imports of the project (and of modules the assignment forbids) fail.

Results come back as JSON lines tagged with a per-run nonce, converted to plain numbers and
lists by code that snapshots what it needs before student code runs; the parent decodes them
strictly and enforces a wall-clock timeout on every call. Without root, the same limits and
timeouts apply but files readable by the user stay readable.
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
from grader.sandbox.server import SandboxError, SandboxServer
from grader.sandbox.uids import SANDBOX_UIDS

__all__ = [
    "PROJECT_PACKAGES",
    "SANDBOX_UIDS",
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
