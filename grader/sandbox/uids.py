"""Unprivileged uids for sandboxed children: a block per server, no two live servers alike.

A child that drops to uid ``u`` can signal every process whose uid is ``u`` (``kill(-1)``
reaches them all). So the children of different sandbox servers on one machine (two
``grader check`` runs, a batch next to a check) must never share a uid, and neither may two
children of one server. Each server claims a block of :data:`BLOCK_SIZE` uids from
:data:`SANDBOX_UIDS` by holding an exclusive ``flock`` on that block's lock file, in a
directory only root can write. The lock lives as long as the open file: it is released
when the server closes it or dies, however it dies. A block is skipped when another server
holds it, or when any of its ids belongs to an account (``/etc/passwd``, ``/etc/group``,
``/etc/subuid``, ``/etc/subgid``) or to a running process. Each uid is also the gid.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable

SANDBOX_UIDS = range(100_000, 1_000_000)  # far above accounts, well below 2**31
BLOCK_SIZE = 64  # uids per server: at most this many of its children at once
LOCK_DIRS = ("/run/grader-sandbox", "/tmp/grader-sandbox-locks")


class UidClaimError(OSError):
    """No block of uids could be claimed (no safe lock directory, or every block taken)."""


class UidClaim:
    """A block of uids held by this process until :meth:`release` (or its death).

    ``fd`` is the locked file; a process that inherits it (the fork server) keeps the
    claim alive as long as it lives.
    """

    def __init__(self, first: int, size: int, fd: int) -> None:
        self.first, self.size, self.fd = first, size, fd

    @property
    def uids(self) -> range:
        return range(self.first, self.first + self.size)

    def release(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1

    def __repr__(self) -> str:
        return f"UidClaim({self.first}..{self.first + self.size - 1})"


def claim_uids(
    size: int = BLOCK_SIZE,
    *,
    pool: range = SANDBOX_UIDS,
    lock_dirs: Iterable[str] = LOCK_DIRS,
) -> UidClaim:
    """Claim a free block of ``size`` uids from ``pool`` (needs root).

    Raises
    ------
    UidClaimError : no lock directory is safe to use, or no block is free.
    """
    directory = _lock_dir(lock_dirs)
    blocks = len(pool) // size
    if blocks < 1:
        raise UidClaimError("the uid pool is smaller than one block")
    taken = _ids_in_use()
    start = secrets.randbelow(blocks)  # servers spread out instead of queueing on block 0
    for k in range(blocks):
        index = (start + k) % blocks
        first = pool.start + index * size
        if any(uid in taken for uid in range(first, first + size)):
            continue
        fd = _lock(os.path.join(directory, f"uids-{first}-{size}.lock"))
        if fd is None:
            continue
        # Looked at again under the lock: a server that held this block a moment ago may
        # leave a dying child behind, and any process may have started since the scan.
        now = _ids_in_use(accounts=False)
        if any(uid in now for uid in range(first, first + size)):
            os.close(fd)
            continue
        return UidClaim(first, size, fd)
    raise UidClaimError(f"every block of {size} sandbox uids is in use")


def _lock_dir(candidates: Iterable[str]) -> str:
    """The first candidate that is (or can be made) a directory only root can touch."""
    for path in candidates:
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            continue
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0:
            continue  # a symlink, or made by someone else: not ours to trust
        if stat.S_IMODE(st.st_mode) != 0o700:
            try:
                os.chmod(path, 0o700)
            except OSError:
                continue
        return path
    raise UidClaimError("no safe directory for the sandbox's uid locks")


def _lock(path: str) -> int | None:
    """An fd holding an exclusive lock on ``path``, or None if another holds it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    import fcntl  # POSIX only: the sandbox is not started where it is missing

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _ids_in_use(*, accounts: bool = True) -> set[int]:
    """Uids and gids of accounts (if ``accounts``) and of every running process."""
    ids: set[int] = set()
    if accounts:
        for name in ("/etc/passwd", "/etc/group"):
            ids.update(_account_ids(name))
        for name in ("/etc/subuid", "/etc/subgid"):
            for first, count in _subordinate_ranges(name):
                ids.update(range(first, first + min(count, 1 << 24)))
    try:
        entries = os.listdir("/proc")
    except OSError:
        return ids
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", "rb") as fh:
                status = fh.read()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith((b"Uid:", b"Gid:")):
                ids.update(int(x) for x in line.split()[1:] if x.isdigit())
    return ids


def _account_ids(path: str) -> set[int]:
    ids: set[int] = set()
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                fields = line.split(":")
                if len(fields) > 2 and fields[2].strip().isdigit():
                    ids.add(int(fields[2]))
    except OSError:
        pass
    return ids


def _subordinate_ranges(path: str) -> list[tuple[int, int]]:
    ranges = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                fields = line.strip().split(":")
                if len(fields) == 3 and fields[1].isdigit() and fields[2].isdigit():
                    ranges.append((int(fields[1]), int(fields[2])))
    except OSError:
        pass
    return ranges
