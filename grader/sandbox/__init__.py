"""Run hostile student code in an isolated child process and get plain data back.

``SandboxServer`` is a warm fork server: a ``python -I -S`` that has imported NumPy (and a few
standard modules) and nothing of this project. Each :meth:`SandboxServer.run` forks a fresh
child which, before the submission is even read:

- starts a new session (every process it could leave behind is killed with its group);
- sets resource limits: address space (1 GiB), CPU seconds, file size, open files, no core
  dumps, and one process per uid (so it cannot fork or start threads);
- isolates itself as far as the machine allows (``_isolation.py``): its own mount, network,
  PID, IPC and UTS namespaces (and a user namespace without root), with its work directory
  (a copy of the submission is all it holds) as its whole file system; or, as root where
  namespaces are refused, a chroot. As root it also drops to an unprivileged uid/gid that no
  account, no other process and no other sandbox server uses (each server claims its own
  block of ``SANDBOX_UIDS``, one uid per concurrent child). A seccomp filter refuses
  sockets, tracing, mounts and namespaces;
- closes every file descriptor but its stdout/stderr pipes, the event pipe and the input
  pipe, scrubs its environment (``OPENBLAS_NUM_THREADS=1`` and friends), cannot be traced,
  dies with the server, and makes imports of the project (and of forbidden modules) fail.

Inputs go to the child one call at a time; results come back as JSON lines tagged with a
per-run nonce, which the parent reads as hostile (``wire.py``): strictly ordered and bounded.
The parent alone sets every step's time and the child's whole life.
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
