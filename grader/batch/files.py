"""Reading a student's file, and writing output files atomically.

:func:`read_submission` is the one way the batch reads a file a student handed in: collecting,
fingerprinting, grading, integrity checks, all go through it, with the same rules and caps. A
file is read only when it is a regular file that the student could have submitted:

- never through a symbolic link, in its own name or in a folder of its path below the
  submissions folder (``O_NOFOLLOW`` at every step);
- never a special file (a FIFO, a device, a socket: opening does not even block on a FIFO);
- never a hard link (a file with more than one name may be another file of this machine, say
  the grading secret or ``/etc/shadow``, linked in by an archive unpacked without a filter or by
  a shared drop folder), nor one of the grader's own inputs (the secret, by device and inode);
- never more than the cap into memory;

and the checks are made again on the open file after reading, so swapping the file while it is
read gains nothing. A refusal says why in a sentence that quotes nothing of the file.

``write_atomic``: a reader sees the old output or the new, never half of one. No fsync: every
output is derived again from the results database on the next run, which is where durability
lives.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FileId = tuple[int, int]  # (st_dev, st_ino)


class RefusedError(Exception):
    """The file is not read; ``reason`` says why, quoting nothing of it."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class TooLargeError(RefusedError):
    def __init__(self, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        super().__init__(f"the file is {size:,} bytes, more than the {limit:,} that are read")


LINK = "a symbolic link, not a file: links are never followed"
HARD_LINK = (
    "a hard link (the file has {n} names), so it may be another file of this machine: it is "
    "not read (a copy of it would be)"
)
SPECIAL = "not a regular file ({what}): only files are read"
PROTECTED = "one of the grader's own input files (the secret, a key or a roster): it is not read"
CHANGED = "the file changed while it was read"


@dataclass(frozen=True)
class Guard:
    """What a submission may not be: the grader's own inputs, by (device, inode)."""

    protected: frozenset[FileId] = frozenset()

    @classmethod
    def of(cls, paths: Iterable[Path | None]) -> Guard:
        ids = set()
        for path in paths:
            if path is None:
                continue
            try:
                st = os.stat(path)
            except OSError:
                continue
            ids.add((st.st_dev, st.st_ino))
        return cls(frozenset(ids))

    def refusal(self, st: os.stat_result) -> str | None:
        """Why a file with this status is not read, or None."""
        if stat.S_ISLNK(st.st_mode):
            return LINK
        if not stat.S_ISREG(st.st_mode):
            return SPECIAL.format(what=_kind(st.st_mode))
        if (st.st_dev, st.st_ino) in self.protected:
            return PROTECTED
        if st.st_nlink != 1:
            return HARD_LINK.format(n=st.st_nlink)
        return None

    def check(self, path: Path) -> str | None:
        """Why ``path`` would not be read (from its ``lstat``: the link itself), or None."""
        try:
            return self.refusal(os.lstat(path))
        except OSError as exc:
            return f"cannot read the file ({exc.strerror or exc})"


NO_GUARD = Guard()


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_FLAGS |= getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def _open(path: Path, root: Path | None) -> int:
    """A descriptor of ``path``, following no link at or below ``root`` (else the last part)."""
    parts: tuple[str, ...] = ()
    if root is not None and os.open in os.supports_dir_fd:
        try:
            parts = path.relative_to(root).parts
        except ValueError:
            parts = ()
    if not parts or root is None:
        return os.open(path, _FLAGS)
    fd = os.open(root, os.O_RDONLY | _DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts[:-1]:
            sub = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = sub
        return os.open(parts[-1], _FLAGS, dir_fd=fd)
    finally:
        os.close(fd)


def read_submission(
    path: Path, limit: int, *, guard: Guard = NO_GUARD, root: Path | None = None
) -> bytes:
    """The bytes of a student's file, at most ``limit`` of them; :class:`RefusedError` says why not.

    ``root`` is the submissions folder: no folder between it and the file may be a link
    either. A file over ``limit`` raises :class:`TooLargeError` without being read.
    """
    try:
        fd = _open(path, root)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, getattr(errno, "EMLINK", -1)):
            raise RefusedError(LINK) from None
        if exc.errno == errno.ENXIO:  # a FIFO or socket with nothing at the other end
            raise RefusedError(SPECIAL.format(what="a named pipe or socket")) from None
        raise RefusedError(f"cannot read the file ({exc.strerror or exc})") from None
    try:
        before = os.fstat(fd)
        why = guard.refusal(before)
        if why is not None:
            raise RefusedError(why)
        if before.st_size > limit:
            raise TooLargeError(before.st_size, limit)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        after = os.fstat(fd)
        why = guard.refusal(after)
        if why is not None:
            raise RefusedError(why)
        if size > limit:
            raise TooLargeError(max(size, after.st_size), limit)
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
            size != after.st_size
        ):
            raise RefusedError(CHANGED)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_head(
    path: Path, limit: int, *, guard: Guard = NO_GUARD, root: Path | None = None
) -> bytes:
    """Up to ``limit`` bytes from the start of a student's file, under the same rules (a
    longer file is not refused); empty when the file is refused."""
    try:
        fd = _open(path, root)
    except OSError:
        return b""
    try:
        if guard.refusal(os.fstat(fd)) is not None:
            return b""
        return os.read(fd, limit)
    except OSError:
        return b""
    finally:
        os.close(fd)


def write_private(folder: Path, name: str, data: bytes) -> Path:
    """``data`` in a new file ``folder/name`` that only this user may read (a snapshot of what
    was accepted, handed on to the graders so that none of them reads the student's file)."""
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
