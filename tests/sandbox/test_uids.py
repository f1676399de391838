"""Each sandbox server's children have uids no other server's children have.

A child that kills every process it may signal (``kill(-1)``) must not reach the children of
another grading run on the same machine, nor a sibling, nor anything running as root.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.codecheck import check_file
from grader.sandbox import Call, CallResult, Job, Limits, SandboxServer, Unit
from grader.sandbox.uids import BLOCK_SIZE, SANDBOX_UIDS, UidClaimError, claim_uids

HERE = Path(__file__).parent
SUBMISSIONS = HERE.parent / "codecheck" / "submissions"
ROOT = os.geteuid() == 0
root_only = pytest.mark.skipif(not ROOT, reason="the uid drop needs root")

# Waits in its work directory until the test drops a file named "go" there, then answers
# with its uid: the test decides when it finishes, so nothing depends on timing.
WAITER = (
    "import os, time\n"
    "def wait():\n"
    "    while not os.path.exists('go'):\n"
    "        time.sleep(0.01)\n"
    "    return os.getuid()\n"
)


def _until(condition: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + 60
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.02)


def _dropped_children(server: SandboxServer) -> dict[int, int]:
    """pid -> real uid of the server's descendants that have dropped root (a child, or the
    child of its warden where each child has a PID namespace of its own)."""
    parents, uids = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry)] = int(fields["PPid"])
        uids[int(entry)] = int(fields["Uid"].split()[0])
    found = {}
    for pid, ppid in parents.items():
        if uids[pid] != 0 and server.pid in (ppid, parents.get(ppid)):
            found[pid] = uids[pid]
    return found


def _start_waiters(
    server: SandboxServer, path: Path, n: int
) -> tuple[list[threading.Thread], list[CallResult]]:
    results: list[CallResult] = []

    def run() -> None:
        outcome = server.run(Job(path, (Unit("wait", (Call(()),)),)), timeout=60)
        results.append(outcome.units[0].results[0])

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    _until(lambda: len(_dropped_children(server)) == n, f"{n} waiting children")
    return threads, results


def _release_waiters(server: SandboxServer, threads: list[threading.Thread]) -> None:
    assert server._base is not None
    for run_dir in Path(server._base).glob("run-*"):
        (run_dir / "go").write_text("")
    for t in threads:
        t.join(timeout=120)


@root_only
def test_kill_everything_in_one_server_spares_another_server(tmp_path):
    waiter = tmp_path / "waiter.py"
    waiter.write_text(WAITER)
    hostile = tmp_path / "hostile.py"
    hostile.write_text(
        (SUBMISSIONS / "correct.py").read_text()
        + "\n\n"
        + (SUBMISSIONS / "hostile" / "kill_parent.py").read_text()
    )
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        with SandboxServer(Limits(timeout=60)) as a, SandboxServer(Limits(timeout=60)) as b:
            threads, results = _start_waiters(b, waiter, 1)
            b_uids = set(_dropped_children(b).values())
            # While B's child waits, A's child kills every process it may signal.
            report = check_file(hostile, server=a, timeout=10)
            assert report.passed, report.dumps()
            _release_waiters(b, threads)
            assert len(results) == 1
            (result,) = results
            assert result.ok, result.error  # not "was killed"
            assert {result.value} == b_uids
            # Nothing running as root was reached: the servers, the grader, a bystander.
            assert a._proc is not None and a._proc.poll() is None
            assert b._proc is not None and b._proc.poll() is None
            assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


@root_only
def test_servers_and_their_children_have_disjoint_uids(tmp_path):
    waiter = tmp_path / "waiter.py"
    waiter.write_text(WAITER)
    with SandboxServer() as a, SandboxServer() as b:
        assert a.uid is not None and b.uid is not None
        block_a = set(range(a.uid, a.uid + BLOCK_SIZE))
        block_b = set(range(b.uid, b.uid + BLOCK_SIZE))
        assert block_a.isdisjoint(block_b)
        assert block_a <= set(SANDBOX_UIDS) and block_b <= set(SANDBOX_UIDS)
        seen = {}
        for name, server, block in (("a", a, block_a), ("b", b, block_b)):
            threads, results = _start_waiters(server, waiter, 3)
            live = sorted(_dropped_children(server).values())
            _release_waiters(server, threads)
            uids = sorted(r.value for r in results)
            assert all(r.ok for r in results)
            assert uids == live and len(set(uids)) == 3  # siblings never share a uid
            assert set(uids) <= block
            seen[name] = set(uids)
        assert seen["a"].isdisjoint(seen["b"])
    assert a.uid is None and b.uid is None  # released with the servers


@root_only  # uid blocks are claimed by root alone, in a root-owned folder
def test_blocks_are_claimed_once_and_freed_on_release(tmp_path):
    locks = tmp_path / "locks"
    pool = range(2_000_000_000, 2_000_000_000 + 8)  # far from any real uid
    first = claim_uids(4, pool=pool, lock_dirs=[str(locks)])
    second = claim_uids(4, pool=pool, lock_dirs=[str(locks)])
    assert set(first.uids).isdisjoint(second.uids)
    assert set(first.uids) | set(second.uids) == set(pool)
    with pytest.raises(UidClaimError):
        claim_uids(4, pool=pool, lock_dirs=[str(locks)])
    first.release()
    again = claim_uids(4, pool=pool, lock_dirs=[str(locks)])
    assert again.uids == first.uids
    assert oct(locks.stat().st_mode & 0o777) == oct(0o700)
    again.release()
    second.release()


@root_only  # uid blocks are claimed by root alone, in a root-owned folder
def test_a_claim_dies_with_its_process(tmp_path):
    locks = tmp_path / "locks"
    pool = range(2_000_000_000, 2_000_000_000 + 4)
    code = (
        "import sys, time\n"
        "from grader.sandbox.uids import claim_uids\n"
        f"claim_uids(4, pool=range({pool.start}, {pool.stop}), lock_dirs=[{str(locks)!r}])\n"
        "print('claimed', flush=True)\n"
        "time.sleep(600)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "claimed"
        with pytest.raises(UidClaimError):
            claim_uids(4, pool=pool, lock_dirs=[str(locks)])
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    claim_uids(4, pool=pool, lock_dirs=[str(locks)]).release()


def test_blocks_used_by_processes_or_accounts_are_skipped(tmp_path):
    locks = tmp_path / "locks"
    me = os.getuid()
    block = (me // 4) * 4
    with pytest.raises(UidClaimError):  # the only block holds this process's own uid
        claim_uids(4, pool=range(block, block + 4), lock_dirs=[str(locks)])


@root_only
def test_an_untrusted_lock_directory_is_not_used(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    loose = tmp_path / "loose"
    loose.mkdir()
    os.chown(loose, 12345, 12345)
    good = tmp_path / "good"
    pool = range(2_000_000_000, 2_000_000_000 + 4)
    claim = claim_uids(4, pool=pool, lock_dirs=[str(link), str(loose), str(good)])
    try:
        assert list(good.iterdir()) and not list(target.iterdir()) and not list(loose.iterdir())
    finally:
        claim.release()
    with pytest.raises(UidClaimError):
        claim_uids(4, pool=pool, lock_dirs=[str(link), str(loose)])
