"""A determined attacker against the sandbox: forged messages, the network, the grader's
processes and files, a dying server. Each attack is contained: the run ends within the
child's deadline, the parent shows no internal error, honest neighbours keep their marks."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.codecheck import check_file
from grader.sandbox import Call, Job, Limits, SandboxServer, Unit
from grader.sandbox.server import INTERFERED, SandboxError

HERE = Path(__file__).parent
CORRECT = HERE.parent / "codecheck" / "submissions" / "correct.py"
ROOT = os.geteuid() == 0

# Finds the runner's own `send` and its nonce by walking up from the student's function, as
# an attacker who read _forkserver.py would.
FIND_CHECKER = """
import os, sys, time

def _checker():
    f = sys._getframe(1)
    while f is not None and "send" not in f.f_locals:
        f = f.f_back
    send = f.f_locals["send"]
    cells = dict(zip(send.__code__.co_freevars, (c.cell_contents for c in send.__closure__)))
    return send, cells["nonce"]

def _raw(line):
    send, nonce = _checker()
    data = (nonce + " " + line + "\\n").encode()
    while data:
        data = data[os.write(3, data):]
"""


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(Limits(timeout=1.0)) as s:
        yield s


def _file(tmp_path: Path, body: str, name: str = "attack.py") -> Path:
    path = tmp_path / name
    path.write_text(CORRECT.read_text() + "\n\n" + FIND_CHECKER + "\n\n" + body)
    return path


def _run(server: SandboxServer, path: Path, function: str, calls: int = 2):
    unit = Unit(function, tuple(Call((0.5,)) for _ in range(calls)))
    return server.run(Job(path, (Unit("relu", (Call((1.0,)),)), unit)), timeout=1.0)


def test_forged_progress_buys_no_time(server, tmp_path):
    # The bypass that made `grader check` run forever: fake "call" progress while sleeping.
    path = _file(
        tmp_path,
        "def sigmoid(a, beta=1.0):\n"
        "    send, nonce = _checker()\n"
        "    while True:\n"
        "        for ev in ({'ev': 'call', 'i': 1, 'j': 0}, {'ev': 'unit', 'i': 1, 'state': 'start'}):\n"
        "            try:\n"
        "                send(ev)\n"
        "            except Exception:\n"
        "                pass\n"
        "        time.sleep(0.05)\n",
    )
    start = time.monotonic()
    run = _run(server, path, "sigmoid")
    elapsed = time.monotonic() - start
    assert elapsed < 15  # a life of load (3 s) + 2 calls + 3 steps, at most
    assert run.load_error is not None and INTERFERED in run.load_error.message


def test_a_child_that_answers_in_turn_but_stalls_still_meets_its_deadline(server, tmp_path):
    # Forges exactly the events an honest child would send, then sleeps between them: each
    # step has its own allowance, so it is stopped at the first one it overruns.
    path = _file(
        tmp_path,
        "def sigmoid(a, beta=1.0):\n    time.sleep(30)\n",
    )
    start = time.monotonic()
    run = _run(server, path, "sigmoid", calls=3)
    assert time.monotonic() - start < 10
    sigmoid = run.units[1]
    assert sigmoid.results[-1].error is not None
    assert "took longer than 1 s" in sigmoid.results[-1].error.message
    assert run.units[0].results[0].ok  # relu, before it, keeps its result


@pytest.mark.parametrize(
    "line",
    [
        '{"ev": "result", "i": Infinity, "j": 0, "ok": true, "v": ["num", 1]}',
        '{"ev": "result", "i": 1e400, "j": 0, "ok": true, "v": ["num", 1]}',
        '{"ev": "result", "i": 1, "j": 0, "ok": true, "v": ' + "[" * 200_000 + "]" * 200_000 + "}",
        '{"ev": "result", "i": 1, "j": 0, "ok": true, "v": ["nd", [1180591620717411303424], []]}',
        '{"ev": "result", "i": 1, "j": 0, "ok": true, "v": ["nd", [0, 1180591620717411303424], []]}',
        '{"ev": "result", "i": 1, "j": 0, "ok": true, "v": ["num", 1' + "0" * 5000 + "]}",
        '{"ev": "result", "i": 1, "j": 5, "ok": true, "v": ["num", 1]}',
        '{"ev": "result", "i": 0, "j": 0, "ok": true, "v": ["num", 1]}',
        '{"ev": "done"}',
        '{"ev": "load", "ok": true}',
        '{"ev": "result", "i": 1, "j": 0, "ok": false, "err": {"kind": 1}}',
        '{"ev": "result", "i": true, "j": 0, "ok": true, "v": ["num", 1]}',
        "[1, 2, 3]",
        "not json at all \x00\x1b[2J",
    ],
    ids=[
        "inf",
        "huge-float",
        "nested",
        "shape-2**70",
        "empty-shape-2**70",
        "huge-int",
        "other-call",
        "other-unit",
        "early-done",
        "second-load",
        "bad-error",
        "bool-index",
        "not-an-object",
        "garbage",
    ],
)
def test_forged_lines_fail_the_submission_in_one_line(server, tmp_path, line):
    path = _file(tmp_path, f"def sigmoid(a, beta=1.0):\n    _raw({line!r})\n    return 0.5\n")
    run = _run(server, path, "sigmoid")
    assert run.load_error is not None
    message = run.load_error.message
    assert message.startswith(INTERFERED) and "\n" not in message and len(message) < 200
    assert "\x1b" not in message and "Traceback" not in message


def test_a_result_can_never_take_another_calls_place(server, tmp_path):
    # A forged answer for call 1 sent during call 0: nothing shifts, the run is refused.
    path = _file(
        tmp_path,
        "def sigmoid(a, beta=1.0):\n"
        "    send, nonce = _checker()\n"
        "    send({'ev': 'result', 'i': 1, 'j': 0, 'ok': True, 'v': ['num', 0.25]})\n"
        "    return 0.5\n",
    )
    run = _run(server, path, "sigmoid")
    assert run.load_error is not None and INTERFERED in run.load_error.message


def test_an_endless_line_on_the_result_channel_is_refused(server, tmp_path):
    path = _file(
        tmp_path,
        "def sigmoid(a, beta=1.0):\n"
        "    chunk = b'x' * (1 << 20)\n"
        "    for _ in range(12):\n"
        "        os.write(3, chunk)\n"
        "    return 0.5\n",
    )
    run = _run(server, path, "sigmoid")
    assert run.load_error is not None and "far too long" in run.load_error.message


def test_inputs_arrive_one_call_at_a_time(server, tmp_path):
    # At load nothing of the hidden tests is in the child; during a call, only that call's.
    path = tmp_path / "peek.py"
    path.write_text(
        "import os, select\n"
        "def _waiting():\n"
        "    return bool(select.select([4], [], [], 0)[0])\n"
        "AT_LOAD = _waiting()\n"
        "def peek(x):\n"
        "    return [float(AT_LOAD), float(_waiting())]\n"
    )
    run = server.run(Job(path, (Unit("peek", tuple(Call((i,)) for i in range(3))),)))
    assert [r.value for r in run.units[0].results] == [[0.0, 0.0]] * 3


# ---- the network ------------------------------------------------------------------------------


def test_no_socket_reaches_loopback(server, tmp_path):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    path = tmp_path / "net.py"
    path.write_text(
        "import socket\n"
        "def connect(family, port):\n"
        "    try:\n"
        "        s = socket.socket(family, socket.SOCK_STREAM)\n"
        "        s.settimeout(0.5)\n"
        "        s.connect(('127.0.0.1', port) if family == socket.AF_INET else '\\0grader-test')\n"
        "        s.sendall(b'hidden inputs')\n"
        "    except OSError as exc:\n"
        "        return -float(exc.errno or 1)\n"
        "    return 1.0\n"
    )
    calls = (Call((int(socket.AF_INET), port)), Call((int(socket.AF_UNIX), 0)))
    try:
        run = server.run(Job(path, (Unit("connect", calls),)))
        for result in run.units[0].results:
            assert result.ok and result.value < 0, result
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()


def test_two_submissions_cannot_talk(server, tmp_path):
    # One listens on an abstract unix socket while the other tries to reach it.
    path = tmp_path / "pair.py"
    path.write_text(
        "import socket, time\n"
        "def listen():\n"
        "    try:\n"
        "        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "        s.bind('\\0grader-pair')\n"
        "        s.listen(1)\n"
        "    except OSError:\n"
        "        return -1.0\n"
        "    time.sleep(0.5)\n"
        "    return 1.0\n"
        "def talk():\n"
        "    time.sleep(0.2)\n"
        "    try:\n"
        "        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "        s.connect('\\0grader-pair')\n"
        "    except OSError:\n"
        "        return -1.0\n"
        "    return 1.0\n"
    )
    results = {}

    def run(name: str) -> None:
        results[name] = server.run(Job(path, (Unit(name, (Call(()),)),))).units[0].results[0]

    threads = [threading.Thread(target=run, args=(n,)) for n in ("listen", "talk")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["talk"].value == -1.0


# ---- the grader's processes and files ---------------------------------------------------------


def test_the_grader_and_its_files_are_out_of_reach(server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    home = Path(os.path.expanduser("~"))
    path = tmp_path / "spy.py"
    path.write_text(
        "import os, signal\n"
        "def spy(target):\n"
        "    try:\n"
        "        with open(target, 'rb') as fh:\n"
        "            return float(len(fh.read()) + 1)\n"
        "    except OSError:\n"
        "        return -1.0\n"
        "def ls(target):\n"
        "    try:\n"
        "        return float(len(os.listdir(target)) + 1)\n"
        "    except OSError:\n"
        "        return -1.0\n"
        "def signal_parent():\n"
        "    hits = 0\n"
        "    for pid in (os.getppid(), -1):\n"
        "        try:\n"
        "            os.kill(pid, signal.SIGKILL)\n"
        "            hits += 1\n"
        "        except OSError:\n"
        "            pass\n"
        "    return float(hits)\n"
    )
    files = [str(secret), f"/proc/{os.getpid()}/environ", f"/proc/{os.getpid()}/cmdline"]
    folders = [str(tmp_path), str(home), "/proc", "/etc", "/tmp"]
    run = server.run(
        Job(
            path,
            (
                Unit("spy", tuple(Call((f,)) for f in files)),
                Unit("ls", tuple(Call((f,)) for f in folders)),
                Unit("signal_parent", (Call(()),)),
            ),
        )
    )
    assert [r.value for r in run.units[0].results] == [-1.0] * len(files)
    assert [r.value for r in run.units[1].results] == [-1.0] * len(folders)
    assert server._proc is not None and server._proc.poll() is None
    assert check_file(CORRECT, server=server, timeout=2).passed  # the server still serves


def test_a_killed_server_costs_nobody_a_grade(tmp_path):
    # Runs in flight when the server dies start again on a new server: none becomes a zero.
    path = tmp_path / "slow.py"
    path.write_text("import time\ndef slow():\n    time.sleep(0.6)\n    return 7.0\n")
    job = Job(path, (Unit("slow", (Call(()),)),))
    with SandboxServer(Limits(timeout=5.0)) as s:
        assert s.isolation  # started, and the server has said what it gives
        results: list = []

        def run() -> None:
            results.append(s.run(job).units[0].results[0])

        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        assert s._proc is not None
        os.kill(s._proc.pid, signal.SIGKILL)
        for t in threads:
            t.join()
        assert [r.value for r in results] == [7.0] * 3, results


def test_a_server_that_keeps_dying_is_the_sandboxs_fault_not_the_students(tmp_path):
    path = tmp_path / "slow.py"
    path.write_text("import time\ndef slow():\n    time.sleep(5)\n    return 7.0\n")
    job = Job(path, (Unit("slow", (Call(()),)),))
    with SandboxServer(Limits(timeout=10.0)) as s:
        stop = threading.Event()

        def killer() -> None:
            while not stop.is_set():
                time.sleep(0.4)
                proc = s._proc
                if proc is not None and proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)

        thread = threading.Thread(target=killer)
        thread.start()
        try:
            with pytest.raises(SandboxError, match=r"server (stopped|did not start)"):
                s.run(job)
        finally:
            stop.set()
            thread.join()


@pytest.mark.skipif(not ROOT, reason="only root can compare with the uid of the grader")
def test_children_run_under_another_uid_than_the_grader(server, tmp_path):
    path = tmp_path / "who.py"
    path.write_text("import os\ndef who():\n    return float(os.getuid())\n")
    run = server.run(Job(path, (Unit("who", (Call(()),)),)))
    assert run.units[0].results[0].value not in (0.0, float(os.getuid()))


def test_the_isolation_in_force_is_the_strongest_here(server):
    assert server.isolation in ("namespaces", "root")
    if ROOT:
        assert server.isolation in ("namespaces", "root")
    with SandboxServer(isolation="none") as weak:
        assert weak.isolation == "none"
