"""An output folder with one writer at a time, and a full disk named as such.

``grade`` and ``merge`` hold an exclusive lock on ``OUT/.grader.lock`` (``flock``, which Linux
also takes on NFS) from before they open the results database until the last output is
written: a second run on the same folder stops at once with a message saying who holds it,
so two runs can never interleave their outputs. The lock goes with the process: a killed run
leaves nothing to clean up.

A disk that fills (``ENOSPC``, a quota, or SQLite's "database or disk is full") stops the run
with one line naming the folder. Every result committed before stays in ``grading.sqlite``
(each is its own transaction), so the next run, with space again, resumes from there.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grader.errors import GraderError, InputError

LOCK_NAME = ".grader.lock"
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
NEARLY_FULL = 64 << 10  # bytes free under which a failed write is taken for a full disk


class FolderInUseError(GraderError):
    """Another ``grade`` or ``merge`` is writing into the output folder."""


class DiskFullError(GraderError):
    """The disk (or quota) of the output folder is full."""


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says that the disk, or the user's quota on it, is full."""
    if isinstance(exc, OSError):
        return exc.errno in _FULL
    if isinstance(exc, sqlite3.DatabaseError):
        code = getattr(exc, "sqlite_errorcode", None)
        return code == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
    return False


def full_message(out: Path) -> str:
    return (
        f"the disk holding {out} is full (no space left): free some space and run again; "
        "every result stored so far is kept and not graded again"
    )


def nearly_full(folder: Path) -> bool:
    """Whether the file system of ``folder`` has next to no room left (SQLite reports a
    full disk as an I/O error when its shared-memory file cannot grow)."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < NEARLY_FULL


@contextmanager
def _named_full(out: Path) -> Iterator[None]:
    try:
        yield
    except (OSError, sqlite3.DatabaseError, InputError) as exc:
        # a database that could not be created is an InputError caused by the full disk
        cause = (exc.__cause__ or exc.__context__) if isinstance(exc, InputError) else exc
        if cause is not None and (disk_full(cause) or nearly_full(out)):
            raise DiskFullError(full_message(out)) from None
        raise


@contextmanager
def writing(out: Path, what: str = "grade") -> Iterator[None]:
    """Create ``out`` if need be and hold it for one writer while the block runs.

    A full disk anywhere in the block (the database, an output file, a temporary file in the
    folder) becomes a :class:`DiskFullError`; a folder another run holds, a
    :class:`FolderInUseError` saying which run.
    """
    with _named_full(out):
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if disk_full(exc):
                raise
            raise InputError(out, f"cannot create the output folder: {exc.strerror}") from None
        path = out / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            if disk_full(exc):
                raise
            raise InputError(out, f"cannot lock the output folder: {exc.strerror}") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise FolderInUseError(_in_use(out, fd)) from None
            os.ftruncate(fd, 0)
            # who holds it, for the message of a run that finds it held (best effort)
            holder = f"{what} {os.getpid()} {socket.gethostname()} {int(time.time())}\n"
            try:
                os.pwrite(fd, holder.encode("utf-8", "replace"), 0)
            except OSError as exc:
                if not disk_full(exc):
                    raise
            yield
        finally:
            os.close(fd)  # releases the lock


@contextmanager
def reading(folder: Path) -> Iterator[None]:
    """Hold ``folder`` (a shard's output) against writers while the block reads it: a
    ``grade`` still writing into it stops the merge, with who it is, and none starts."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:  # no run ever wrote here (the merge then says what the folder lacks)
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderInUseError(_in_use(folder, fd)) from None
        yield
    finally:
        os.close(fd)


def _in_use(out: Path, fd: int) -> str:
    """The message for a folder another run holds: which run, where, since when."""
    try:
        text = os.pread(fd, 512, 0).decode("utf-8", "replace").split()
        command, pid, host, since = text[0], int(text[1]), text[2], int(text[3])
        who = f"`grader {command}` (process {pid} on {host}, since " + time.strftime(
            "%H:%M:%S)", time.localtime(since)
        )
    except (OSError, ValueError, IndexError):
        who = "another `grader grade` or `grader merge`"
    return (
        f"{out} is in use: {who} is writing into it. Wait for it to finish, or give another "
        "folder (each shard of a class needs its own --out)"
    )
