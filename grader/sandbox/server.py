"""The parent's side of the sandbox: a warm fork server and the runs it serves.

:class:`SandboxServer` starts ``_forkserver.py`` once (a Python that has imported NumPy and
nothing of this project) and asks it for one fresh, isolated child per run. The parent never
executes student code and never unpickles anything: it reads result lines tagged with a
per-run nonce, decodes plain values, and enforces the wall-clock timeout of each call.
A server may be shared by many threads.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import select
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.cores import available_cores
from grader.errors import GraderError, UsageError
from grader.safetext import printable
from grader.sandbox import wire
from grader.sandbox.job import (
    PROJECT_PACKAGES,
    CallError,
    CallResult,
    Job,
    Limits,
    RunOutcome,
    UnitOutcome,
    UnitState,
    encode_value,
    valid_timeout,
)
from grader.sandbox.uids import BLOCK_SIZE, UidClaim, UidClaimError, claim_uids

LOAD_FACTOR = 3  # loading the file may take this many times the budget of one call
_DISK_EVERY = 0.2  # seconds between two measures of a child's work directory
_MAX_ENTRIES = 10_000  # more files and folders than this is too much, whatever their size
_SCRIPT = Path(__file__).with_name("_forkserver.py")


class SandboxError(GraderError):
    """The sandbox itself could not run (not the submission's fault)."""


# Isolation a child can get, weakest first (what each means: ``_isolation.py``).
ISOLATION_MODES = ("none", "root", "namespaces")


def _numpy_dir() -> str:
    """The directory NumPy is installed in (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("numpy")
    if spec is None or spec.origin is None:
        raise SandboxError("NumPy is not installed")
    return os.path.dirname(os.path.dirname(os.path.abspath(spec.origin)))


def _server_env() -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if "GRADER_SANDBOX_TRACE" in os.environ:  # debugging the sandbox itself
        env["GRADER_SANDBOX_TRACE"] = os.environ["GRADER_SANDBOX_TRACE"]
    return env


def unsupported(name: str = sys.platform) -> str | None:
    """Why student code cannot be run here, or None: the sandbox needs fork, resource limits
    and file locks, which only POSIX systems have."""
    missing = [m for m in ("fcntl", "resource") if importlib.util.find_spec(m) is None]
    if os.name == "posix" and hasattr(os, "fork") and not missing:
        return None
    return (
        f"running Python code needs Linux or macOS ({name} cannot run the sandbox: it uses "
        "fork and resource limits); on Windows, use WSL. Answer sheets (.toml) can be checked "
        "anywhere"
    )


class SandboxServer:
    """A warm fork server; :meth:`run` is safe to call from several threads at once.

    Parameters
    ----------
    limits : the resource limits of every child.
    isolation : the isolation children get (see :data:`ISOLATION_MODES` and
        ``_isolation.py``): None for the strongest this machine allows, or a weaker mode
        (tests use ``"none"``). As root, each child also drops to an unprivileged uid of a
        block this server claims for its lifetime (see :mod:`grader.sandbox.uids`), so no
        other server's children share it.

    Attributes
    ----------
    uid : the first uid of the claimed block while the server runs (None without a drop);
        concurrent children use ``uid``, ``uid + 1``, ... and at most ``BLOCK_SIZE`` run
        at once.
    """

    def __init__(self, limits: Limits | None = None, *, isolation: str | None = None) -> None:
        reason = unsupported()
        if reason is not None:
            raise UsageError(reason)
        if isolation is not None and isolation not in ISOLATION_MODES:
            raise ValueError(f"isolation must be one of {ISOLATION_MODES}, got {isolation!r}")
        self.limits = limits or Limits()
        self._wanted = isolation  # None: the strongest this machine allows
        self._mode: str | None = None  # what children get, once the server has said
        self._drop = isolation != "none" and os.geteuid() == 0
        self._claim: UidClaim | None = None
        self.uid: int | None = None
        self._children = threading.BoundedSemaphore(BLOCK_SIZE)  # one uid each
        self._running = 0  # children alive now, for their share of the cores
        self._running_lock = threading.Lock()
        self._cores = available_cores()
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._base: str | None = None

    # ---- lifecycle ----------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        """Start the server process (returns at once; it warms up in the background)."""
        with self._lock:
            self._start_locked()
        return self

    def _start_locked(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        if self._sock is not None:
            self._sock.close()
        if self._drop and self._claim is None:
            try:
                self._claim = claim_uids(BLOCK_SIZE)
            except UidClaimError as exc:
                raise SandboxError(f"cannot start the sandbox: {exc}") from None
            self.uid = self._claim.first
        if self._base is None:
            self._base = tempfile.mkdtemp(prefix="grader-sandbox-")
            os.chmod(self._base, 0o711)
        # The fork server holds the uid lock too: the block stays claimed until it is gone.
        keep = [self._claim.fd] if self._claim is not None else []
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-S",
                    "-B",
                    str(_SCRIPT),
                    _numpy_dir(),
                    str(theirs.fileno()),
                ],
                pass_fds=[theirs.fileno(), *keep],
                env=_server_env(),
                cwd=self._base,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=None if os.environ.get("GRADER_DEBUG") else subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            ours.close()
            raise SandboxError(f"cannot start the sandbox: {exc}") from None
        finally:
            theirs.close()
        self._sock = ours
        self._mode = None

    def _read_hello(self) -> None:
        """The server's first message says which isolation this machine allows."""
        assert self._sock is not None
        self._sock.settimeout(READY_WITHIN)
        try:
            hello = json.loads(self._sock.recv(4096))
            available = hello["isolation"]
        except (OSError, ValueError, KeyError, TypeError):
            raise SandboxError("the sandbox server did not start") from None
        finally:
            self._sock.settimeout(None)
        if available not in ISOLATION_MODES:
            raise SandboxError("the sandbox server did not start")
        wanted = self._wanted or available
        rank = ISOLATION_MODES.index
        self._mode = wanted if rank(wanted) <= rank(available) else available
        if self._mode == "root" and self._claim is None:
            self._mode = "none"

    @property
    def isolation(self) -> str:
        """What each child gets: ``namespaces``, ``root`` or ``none`` (see ``_isolation.py``)."""
        with self._lock:
            self._start_locked()
            if self._mode is None:
                self._read_hello()
            assert self._mode is not None
            return self._mode

    def close(self) -> None:
        """Stop the server (it kills any child still running) and remove its files."""
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None
            if self._proc is not None:
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
                self._proc = None
            if self._base is not None:
                shutil.rmtree(self._base, ignore_errors=True)
                self._base = None
            if self._claim is not None:  # the server and its children are gone
                self._claim.release()
                self._claim = None
                self.uid = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # ---- talking to the server ----------------------------------------------------------------
    def _spawn(self, request: dict[str, Any], fds: list[int]) -> int:
        with self._lock:
            for attempt in range(2):
                self._start_locked()
                assert self._sock is not None
                if self._mode is None:
                    self._read_hello()
                request["mode"] = self._mode
                # read under the lock: a restart after close() claims a new block
                claim = self._claim
                request["uid"] = claim.first if claim is not None else None
                request["uids"] = claim.size if claim is not None else 0
                payload = json.dumps(request).encode()
                try:
                    socket.send_fds(self._sock, [payload], fds)
                    reply = self._sock.recv(4096)
                except OSError:
                    reply = b""
                if reply:
                    pid = int(json.loads(reply)["pid"])
                    if pid <= 0:
                        raise SandboxError("the sandbox server refused a request")
                    return pid
                if attempt == 0 and self._proc is not None:  # the server died: once more
                    self._proc.kill()
                    self._proc.wait()
        raise SandboxError("the sandbox server is not responding")

    def _kill(self, pid: int) -> None:
        with self._lock:
            if self._sock is None:
                return
            with contextlib.suppress(OSError):
                self._sock.send(json.dumps({"kill": pid}).encode())

    # ---- runs ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _counted(self) -> Iterator[None]:
        with self._running_lock:
            self._running += 1
        try:
            yield
        finally:
            with self._running_lock:
                self._running -= 1

    def cpu_share(self) -> float:
        """The share of a core each running child gets: 1 unless more run than there are
        cores. Timeouts count a child's time at this rate, so a child is never stopped early
        for sharing a busy machine."""
        return min(1.0, self._cores / max(1, self._running))

    def run(self, job: Job, *, timeout: float | None = None) -> RunOutcome:
        """Run every unit of ``job``; a crash costs only the unit it happened in.

        ``timeout`` (seconds, default ``limits.timeout``) bounds each call; loading the file
        (its top level) may take ``LOAD_FACTOR`` times as long. The seconds are those of a
        core of its own: while more children run than there are cores, each call's wall-clock
        allowance stretches by that ratio (:meth:`cpu_share`). Returns plain data only.

        Raises
        ------
        SandboxError : the sandbox itself failed (its server died twice while this job ran,
            or a child could not be isolated): not the submission's doing, and no verdict.
        """
        budget = self.limits.timeout if timeout is None else valid_timeout(timeout)
        limit = self.limits.source
        if job.source is not None:
            source = job.source
        else:
            try:
                with job.path.open("rb") as fh:  # never more than the limit in memory
                    source = fh.read(limit + 1)
            except OSError as exc:
                raise SandboxError(f"{job.path}: cannot read: {exc.strerror or exc}") from None
        if len(source) > limit:
            size = len(source)
            if job.source is None:  # only the first bytes were read
                size = max(size, job.path.stat().st_size)
            return RunOutcome(
                (),
                CallError("crash", too_large_to_run(size, limit)),
            )
        done: list[UnitOutcome] = []
        out_parts: list[str] = []
        err_parts: list[str] = []
        pending = list(range(len(job.units)))
        lost = 0
        while pending:
            child = _ChildRun(self, job, pending, source, budget)
            try:
                child.execute()
            except _ServerLostError:
                # Every child of a dead server died with it: nothing it said is a verdict.
                lost += 1
                if lost > SERVER_RETRIES:
                    raise SandboxError(
                        "the sandbox server stopped while this submission ran"
                    ) from None
                continue
            out_parts.append(child.stdout)
            err_parts.append(child.stderr)
            finished = child.outcomes()
            if child.load_error is not None:
                return RunOutcome(
                    tuple(done)
                    + tuple(UnitOutcome(job.units[i].function, "not_run") for i in pending),
                    child.load_error,
                    "".join(out_parts),
                    "".join(err_parts),
                )
            done.extend(finished)
            pending = pending[len(finished) :]
        return RunOutcome(tuple(done), None, "".join(out_parts), "".join(err_parts))


class _ServerLostError(Exception):
    """The fork server died while a child ran (its status pipe closed without a status)."""


SERVER_RETRIES = 2  # a job whose server dies more often than this fails as the sandbox's fault
INTERFERED = "the submission interfered with the checker"


@dataclass
class _Capture:
    limit: int
    data: bytearray = field(default_factory=bytearray)
    dropped: int = 0

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        s = printable(self.data.decode("utf-8", errors="replace"))
        if self.dropped:
            s += f"\n[... {self.dropped} more bytes of output not shown]\n"
        return s


# The steps of a child, in order (see grader.sandbox.wire): the parent moves from one to the
# next on the one event it expects, and alone sets each step's allowance.
_READY, _LOAD, _UNIT, _CALL, _DONE, _FINISHED = range(6)


class _ChildRun:
    """One child: send the job, follow its events, enforce deadlines, collect results.

    Time: each step (loading, each call, the checker's own steps between them) has an
    allowance, counted at the child's share of a core; the child's whole life has the sum of
    them as a hard deadline fixed when it starts. Messages move the child from step to step
    (which makes a verdict precise), but never add time.
    """

    def __init__(
        self, server: SandboxServer, job: Job, indices: list[int], source: bytes, timeout: float
    ) -> None:
        self.server, self.job, self.indices = server, job, indices
        self.source, self.timeout = source, timeout
        # Loading runs the file's top level, where students put their own tests and demos.
        self.load_budget = LOAD_FACTOR * timeout
        self.calls = [len(job.units[i].calls) for i in indices]
        # load + every call + one step per unit and the last: the most an honest child needs
        self.life_budget = self.load_budget + timeout * (sum(self.calls) + len(indices) + 1)
        self.nonce = secrets.token_hex(16)
        self.load_error: CallError | None = None
        self.loaded = False
        self.step = _READY
        self.unit = 0  # position (in indices) of the unit now running or due
        self.call = 0  # the call of that unit now running or due
        self.states: dict[int, UnitState] = {}
        self.results: dict[int, list[CallResult]] = {}
        self.outbox = bytearray()  # inputs of the call that is due, not yet written
        self.timed_out = False
        self.disk_full = False  # stopped for writing too much
        self.interference: str | None = None
        self.status: int | None = None
        self.out = _Capture(server.limits.output)
        self.err = _Capture(server.limits.output)
        self.stdout = self.stderr = ""

    @property
    def finished(self) -> bool:
        return self.step == _FINISHED

    def _prepare(self) -> str:
        base = self.server._base
        assert base is not None
        workdir = tempfile.mkdtemp(prefix="run-", dir=base)
        module = Path(workdir, "submission.py")
        module.write_bytes(self.source)
        os.chmod(module, 0o444)
        spec = {
            "nonce": self.nonce,
            "module": "submission.py",
            "shown": self.job.path.name[:100],
            "forbid": sorted(set(PROJECT_PACKAGES) | set(self.job.forbid)),
            "refuse": sorted(set(self.job.refuse) - set(self.job.forbid)),
            "units": [
                {"function": self.job.units[i].function, "calls": n}
                for i, n in zip(self.indices, self.calls, strict=True)
            ],
        }
        path = Path(workdir, "job.json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(spec, fh)
        return workdir

    def execute(self) -> None:
        workdir = self._prepare()
        # result, stdout, stderr (child -> parent); inputs (parent -> child); status (server)
        pipes = [os.pipe() for _ in range(3)]
        inputs = os.pipe()
        status = os.pipe()
        theirs = [w for _, w in pipes] + [inputs[0], status[1]]
        ours = [r for r, _ in pipes] + [inputs[1], status[0]]
        os.set_blocking(inputs[1], False)
        request = {"workdir": workdir, "limits": self.server.limits.to_json()}
        try:
            # no more children at once than uids in the block; each counted while it runs
            with self.server._children, self.server._counted():
                try:
                    pid = self.server._spawn(request, theirs)
                finally:
                    for fd in theirs:
                        os.close(fd)
                try:
                    self._follow(pid, ours, workdir)
                finally:
                    self._ensure_gone(pid, ours[4])
        finally:
            for fd in ours:
                with contextlib.suppress(OSError):
                    os.close(fd)
            shutil.rmtree(workdir, ignore_errors=True)
        self.stdout, self.stderr = self.out.text(), self.err.text()
        if self.step == _READY and self.interference is None and not self.stopped:
            raise SandboxError("the sandbox could not isolate a submission on this machine")

    # ---- the protocol -------------------------------------------------------------------------
    def _allowance(self) -> float:
        """Core-seconds the step that has just begun may take."""
        if self.step == _LOAD:
            return self.load_budget
        return self.timeout

    def _send_calls(self) -> None:
        """Every call of the unit that has just started, one JSON line each: the child reads
        the next as soon as it has answered one, with no round trip to the parent between."""
        for call in self.job.units[self.indices[self.unit]].calls:
            line = json.dumps(
                {"args": [encode_value(a) for a in call.args], "kwargs": encode_value(call.kwargs)}
            )
            self.outbox += line.encode() + b"\n"

    def _next_unit(self) -> None:
        self.unit += 1
        self.call = 0
        self.step = _UNIT if self.unit < len(self.indices) else _DONE

    def _event(self, line: bytes) -> None:
        """Apply one event line, or raise InterferenceError if it is not the one that is due."""
        msg = wire.parse_line(line, self.nonce.encode())
        ev = msg["ev"]
        if self.step == _READY and ev == "ready":
            self.step = _LOAD
        elif self.step == _LOAD and ev == "load" and type(msg.get("ok")) is bool:
            if msg["ok"]:
                self.loaded = True
                self.unit = -1
                self._next_unit()
            else:
                self.load_error = _load_error(wire.error_fields(msg.get("err")))
                self.step = _FINISHED
        elif (
            self.step == _UNIT
            and ev == "unit"
            and wire.is_index(msg.get("i"), self.unit)
            and msg.get("state") in ("start", "missing", "not_callable")
        ):
            state = msg["state"]
            self.states[self.unit] = "ok" if state == "start" else state
            self.results[self.unit] = []
            if state == "start" and self.calls[self.unit] > 0:
                self.step = _CALL
                self._send_calls()
            else:
                self._next_unit()
        elif (
            self.step == _CALL
            and ev == "result"
            and wire.is_index(msg.get("i"), self.unit)
            and wire.is_index(msg.get("j"), self.call)
            and type(msg.get("ok")) is bool
        ):
            if msg["ok"]:
                result = CallResult(value=wire.decode_value(msg.get("v")))
            else:
                result = CallResult(error=_call_error(wire.error_fields(msg.get("err"))))
            self.results[self.unit].append(result)
            self.call += 1
            if self.call == self.calls[self.unit]:
                self._next_unit()
        elif self.step == _DONE and ev == "done":
            self.step = _FINISHED
        elif self.step != _FINISHED:  # after the end, nothing the child says counts
            raise wire.InterferenceError("it sent the checker a message out of turn")

    # ---- following the child ------------------------------------------------------------------
    def _follow(self, pid: int, fds: list[int], workdir: str) -> None:
        result_r, out_r, err_r, input_w, status_r = fds
        sel = selectors.DefaultSelector()
        for fd in (result_r, out_r, err_r, status_r):
            sel.register(fd, selectors.EVENT_READ)
        writing = False
        buffer = bytearray()
        status_buf = bytearray()
        start = last = time.monotonic()
        ready_by = start + READY_WITHIN  # isolating is the sandbox's work, not the child's
        life = self.life_budget  # core-seconds left of the child's whole life
        step_left = self.load_budget
        step = self.step
        next_measure = start + _DISK_EVERY
        kill_sent = False
        reaped_by = 0.0  # once killed: when the server must have reported the child gone
        end_by: float | None = None  # once finished: when the child must have ended
        grace: float | None = None  # once gone: until when to read what it left in the pipes
        readers = 4
        try:
            while readers:
                now = time.monotonic()
                if _READY < self.step < _FINISHED and not self.stopped:
                    spent = (now - last) * self.server.cpu_share()
                    life -= spent
                    step_left -= spent
                last = now
                if self.step != step:  # a new step: a new allowance, within the life left
                    step, step_left = self.step, self._allowance()
                if self.status is not None:
                    grace = now + 1.0 if grace is None else grace
                    if now > grace:
                        break
                    wait = grace - now
                elif kill_sent:
                    if now >= reaped_by:
                        raise SandboxError("the sandbox did not stop a child in time")
                    wait = reaped_by - now
                elif self.stopped or self.interference is not None:
                    self.server._kill(pid)
                    kill_sent, reaped_by = True, now + 10.0
                    continue
                elif self.finished:  # an honest child ends by itself at once
                    end_by = now + 1.0 if end_by is None else end_by
                    if now >= end_by:
                        self.server._kill(pid)
                        kill_sent, reaped_by = True, now + 10.0
                        continue
                    wait = end_by - now
                elif self.step == _READY:
                    if now >= ready_by:
                        self.server._kill(pid)
                        raise SandboxError("the sandbox did not start a child in time")
                    wait = ready_by - now
                elif step_left <= 0 or life <= 0:
                    self.timed_out = True
                    continue
                else:
                    if now >= next_measure:
                        # RLIMIT_FSIZE bounds one file, not how many: measure them all.
                        next_measure = now + _DISK_EVERY
                        if _too_much_disk(workdir, self.server.limits.disk):
                            self.disk_full = True
                            continue
                    share = self.server.cpu_share()
                    wait = min(min(step_left, life) / share, max(next_measure - now, 0.0))
                if self.outbox and not writing and self.status is None:
                    sel.register(input_w, selectors.EVENT_WRITE)
                    writing = True
                for key, _ in sel.select(timeout=max(wait, 0.0)):
                    fd = int(key.fd)
                    if fd == input_w:
                        try:
                            n = os.write(input_w, self.outbox)
                        except BlockingIOError:
                            n = 0
                        except OSError:  # the child closed its end: it will not read it
                            n = len(self.outbox)
                        del self.outbox[:n]
                        if not self.outbox:
                            sel.unregister(input_w)
                            writing = False
                        continue
                    try:
                        chunk = os.read(fd, 65536)
                    except OSError:
                        chunk = b""
                    if not chunk:
                        sel.unregister(fd)
                        readers -= 1
                        if fd == status_r and self.status is None:
                            raise _ServerLostError()
                        continue
                    if fd == result_r:
                        self._read_events(buffer, chunk)
                    elif fd == out_r:
                        self.out.add(chunk)
                    elif fd == err_r:
                        self.err.add(chunk)
                    else:
                        status_buf += chunk
                        if status_buf.endswith(b"\n"):
                            text = status_buf.decode("ascii", "replace").strip()
                            self.status = int(text) if text.lstrip("-").isdigit() else 0
        finally:
            sel.close()

    def _read_events(self, buffer: bytearray, chunk: bytes) -> None:
        if self.interference is not None:
            return
        buffer += chunk
        if b"\n" in chunk:
            *lines, rest = bytes(buffer).split(b"\n")
            buffer[:] = rest
            for line in lines:
                try:
                    if len(line) > wire.MAX_LINE:
                        raise wire.InterferenceError("it sent the checker a message far too long")
                    self._event(line)
                except wire.InterferenceError as exc:
                    self.interference = str(exc)
                    return
        if len(buffer) > wire.MAX_LINE:
            self.interference = "it sent the checker a message far too long"

    def _ensure_gone(self, pid: int, status_r: int) -> None:
        """Whatever happened, the child is killed and its end reported before we return."""
        if self.status is not None:
            return
        self.server._kill(pid)
        deadline = time.monotonic() + 10.0
        data = bytearray()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([status_r], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            try:
                chunk = os.read(status_r, 64)
            except OSError:
                return
            if not chunk:
                return  # the server is gone, and its children with it
            data += chunk
            if data.endswith(b"\n"):
                self.status = 0
                return

    @property
    def stopped(self) -> bool:
        """The parent stopped this child (too slow, or too much written)."""
        return self.timed_out or self.disk_full

    def _death(self) -> CallError:
        """Why the child stopped, for the call it was running."""
        limits = self.server.limits
        if self.timed_out:
            return CallError("timeout", f"took longer than {self.timeout:g} s (stopped)")
        if self.disk_full:
            return CallError(
                "crash",
                f"wrote too much: its files may take {limits.disk >> 20} MB and number "
                f"{_MAX_ENTRIES} in all (stopped)",
            )
        code = os.waitstatus_to_exitcode(self.status) if self.status is not None else None
        if code is None:
            return CallError("crash", "the Python process stopped unexpectedly")
        if code < 0:
            sig = -code
            if sig == signal.SIGXCPU:
                return CallError("timeout", f"used more than {limits.cpu} s of CPU time")
            if sig == signal.SIGKILL:
                return CallError("crash", "was killed (out of memory or CPU time)")
            if sig == signal.SIGSEGV:
                return CallError("crash", "crashed the Python process (segmentation fault)")
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            return CallError("crash", f"the Python process was killed ({name})")
        return CallError("exit", f"ended the Python process (exit code {code})")

    def outcomes(self) -> list[UnitOutcome]:
        """Units this child finished or died in, in order; the rest are left for another."""
        if self.interference is not None:
            self.load_error = CallError("interference", f"{INTERFERED} ({self.interference})")
            return []
        if self.load_error is not None:
            return []
        if not self.loaded:  # died while loading
            self.load_error = (
                CallError("timeout", f"loading the file took longer than {self.load_budget:g} s")
                if self.timed_out
                else CallError("crash", f"loading the file failed: {self._death().message}")
            )
            return []
        complete = len(self.indices) if self.step >= _DONE else self.unit
        out: list[UnitOutcome] = []
        for pos in range(complete):
            function = self.job.units[self.indices[pos]].function
            out.append(UnitOutcome(function, self.states[pos], tuple(self.results[pos])))
        if complete < len(self.indices):  # died in this unit, or just before it started
            function = self.job.units[self.indices[complete]].function
            ordered = (*self.results.get(complete, []), CallResult(error=self._death()))
            out.append(UnitOutcome(function, "ok", tuple(ordered)))
        return out


READY_WITHIN = 30.0  # seconds for a child to isolate itself before the sandbox is at fault


def _load_error(err: Any) -> CallError:
    kind = err.get("kind", "exception") if isinstance(err, dict) else "exception"
    e = _call_error(err)
    if kind == "syntax":
        text = printable(str(err.get("msg", "invalid syntax")))
        source = printable(str(err.get("text", ""))).strip()
        where = f" in `{source}`" if source else ""
        return CallError("syntax", f"SyntaxError: {text}{where}", _line(err.get("line")))
    return CallError(e.kind, f"loading the file failed: {e.message}", e.line)


def _line(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _call_error(err: Any) -> CallError:
    if not isinstance(err, dict):
        return CallError("exception", "failed")
    kind = str(err.get("kind", "exception"))
    name = printable(str(err.get("type", ""))[:80])
    msg = printable(str(err.get("msg", ""))[:300])
    line = _line(err.get("line"))
    text = f"{name}: {msg}" if msg else name
    if kind == "not_implemented":
        return CallError("not_implemented", "raised NotImplementedError", line)
    if kind == "memory":
        return CallError("memory", "ran out of memory (MemoryError)", line)
    if kind == "exit":
        return CallError("exit", f"called sys.exit({msg})" if msg else "called sys.exit()", line)
    if kind == "recursion":
        return CallError("recursion", "recursed too deeply (RecursionError)", line)
    if kind == "forbidden":
        return CallError("forbidden", f"{msg}, which this assignment forbids", line)
    if kind == "unsupported":
        return CallError("unsupported", f"returned an unsupported type ({msg})", line)
    if name == "BlockingIOError":
        text += " (the checker does not let code start processes or threads)"
    if name == "ModuleNotFoundError":
        text += " (the checker offers NumPy and the usual modules of the standard library)"
    return CallError("exception", f"raised {text}", line)


def _too_much_disk(folder: str, limit: int) -> bool:
    """Whether the files under ``folder`` take more than ``limit`` bytes of disk, or are more
    than _MAX_ENTRIES; stops counting as soon as it knows. Unreadable parts count as nothing."""
    used = entries = 0
    stack = [folder]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    entries += 1
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    used += st.st_blocks * 512
                    if used > limit or entries > _MAX_ENTRIES:
                        return True
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue
    return False


def too_large_to_run(size: int, limit: int) -> str:
    """Why a code file of ``size`` bytes is not run, where at most ``limit`` are."""
    return f"the file is {_megabytes(size)}, too large to run (at most {_megabytes(limit)})"


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.0f} MB" if size >= 1 << 20 else f"{size} bytes"
