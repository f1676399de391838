"""Hostile submissions: each is contained, reported in one line, and costs only what it touches."""

from __future__ import annotations

import os
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.codecheck import check_file
from grader.sandbox import SANDBOX_UIDS, Limits, SandboxServer

HERE = Path(__file__).parent
SUBMISSIONS = HERE.parent / "codecheck" / "submissions"
CORRECT = SUBMISSIONS / "correct.py"
ROOT = os.geteuid() == 0

# hostile file -> (the function it breaks, None, or ALL for the whole file; what it says)
ALL = "*"
HOSTILE = {
    "infinite_loop": ("gradient_descent_step", "took longer than 2 s"),
    "memory_bomb": ("conv2d", "ran out of memory"),
    "sys_exit": ("sse_loss", "called sys.exit(0)"),
    "os_exit": ("neuron_gradients", "ended the Python process (exit code 0)"),
    "segfault": ("conv_param_count", "segmentation fault"),
    "fork_bomb": ("predict", "BlockingIOError"),
    "print_megabytes": (None, ""),
    "monkeypatch_numpy": ("gradient_descent_step", "expected 0.311541, got 123"),
    "lying_objects": ("mlp_forward", "returned an unsupported type"),
    "lying_int": ("dense_param_count", "expected 400010000, got -1"),
    "fake_results": (ALL, "the submission interfered with the checker"),
    "kill_parent": (None, ""),
    "read_secrets": (None, ""),
    "forbidden_import": ("conv2d", "imports reference, which this assignment forbids"),
}


def sandbox_processes(server: SandboxServer) -> list[int]:
    """Processes the server started that are still there (its children, any uid).

    Forked descendants cannot exist (the child may not fork: see the fork bomb), so what is
    left to check is that every child was stopped and reaped. Other sandbox servers on the
    machine, such as other test runs, are not looked at.
    """
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat_line = fh.read()
        except OSError:
            continue
        ppid = int(stat_line[stat_line.rfind(b")") + 2 :].split()[1])
        if ppid == server.pid:
            found.append(int(entry))
    return found


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(Limits(timeout=2.0)) as s:
        yield s


@pytest.fixture
def write(tmp_path: Path):
    def make(extra: str) -> Path:
        path = tmp_path / "hostile.py"
        path.write_text(CORRECT.read_text() + "\n\n" + extra, encoding="utf-8")
        return path

    return make


def test_every_hostile_file_is_listed():
    assert {p.stem for p in (SUBMISSIONS / "hostile").glob("*.py")} == set(HOSTILE)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_behaviour_costs_only_its_own_function(server, write, name, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-FILE")
    secret.chmod(0o600)
    extra = (SUBMISSIONS / "hostile" / f"{name}.py").read_text()
    extra = extra.replace('os.environ.get("SECRET_PATH", "")', repr(str(secret)))
    os.environ["GRADER_TEST_SECRET"] = "TOPSECRET-ENV"
    try:
        report = check_file(write(extra), server=server, timeout=2)
    finally:
        del os.environ["GRADER_TEST_SECRET"]
    function, reason = HOSTILE[name]
    failed = {t.name: t for t in report.tests if t.status != "passed"}
    if function == ALL:  # forged messages: nothing the child said counts
        assert report.score == 0 and reason in report.output.splitlines()[0]
        assert len(report.output.splitlines()[0]) < 400
        function = None
        failed = {}
    assert set(failed) == ({function} if function else set()), {
        k: v.output for k, v in failed.items()
    }
    if function:
        assert reason in failed[function].output
        first_detail = failed[function].output.splitlines()[1]
        assert "\n" not in first_detail and len(first_detail) < 400
    assert "TOPSECRET" not in report.dumps()
    assert server._proc is not None and server._proc.poll() is None  # the server survived
    assert sandbox_processes(server) == []


def test_printed_output_is_capped(server, write):
    extra = (SUBMISSIONS / "hostile" / "print_megabytes.py").read_text()
    report = check_file(write(extra), server=server, timeout=2)
    assert report.passed
    assert 0 < len(report.output) < 5000 and report.output.startswith("Your code printed:")


def test_warnings_and_errors_name_the_students_file(server, tmp_path):
    # The student knows their file, not the sandbox's private copy of it in /tmp.
    path = tmp_path / "my_work.py"
    path.write_text(
        CORRECT.read_text()
        + "\n\nimport warnings\nwarnings.warn('careful')\n\n"
        + "def relu(a):\n    return 1 / 0\n",
        encoding="utf-8",
    )
    report = check_file(path, server=server, timeout=2)
    assert "my_work.py:" in report.output and "UserWarning: careful" in report.output
    assert "grader-sandbox" not in report.dumps() and "submission.py" not in report.output
    relu = next(t for t in report.tests if t.name == "relu")
    line = path.read_text().splitlines().index("    return 1 / 0") + 1
    assert f"ZeroDivisionError: division by zero (line {line})" in relu.output


@pytest.mark.skipif(not ROOT, reason="the uid drop needs root")
def test_child_runs_as_an_unprivileged_uid_in_an_empty_directory(server, tmp_path):
    from grader.sandbox import Call, Job, Unit

    path = tmp_path / "probe.py"
    path.write_text(
        "import os\n"
        "def probe():\n"
        "    return [os.getuid(), os.getgid(), len(os.getgroups()),\n"
        "            len(os.listdir('.')), os.path.exists('submission.py'), len(os.environ)]\n"
        "def env(name):\n"
        "    return [ord(c) for c in os.environ.get(name, '')]\n"
    )
    os.environ["GRADER_TEST_SECRET"] = "x"
    try:
        run = server.run(
            Job(
                path,
                (
                    Unit("probe", (Call(()),)),
                    Unit("env", (Call(("GRADER_TEST_SECRET",)), Call(("OPENBLAS_NUM_THREADS",)))),
                ),
            )
        )
    finally:
        del os.environ["GRADER_TEST_SECRET"]
    assert run.units[0].results[0].ok, run.units[0].results[0].error
    uid, gid, groups, n_files, has_submission, n_env = run.units[0].results[0].value
    assert server.uid is not None and server.uid <= uid < server.uid + 64
    assert uid in SANDBOX_UIDS and gid == uid and groups == 0
    assert n_files == 1 and has_submission == 1
    assert n_env < 10
    assert run.units[1].results[0].value == []
    assert run.units[1].results[1].value == [ord("1")]


@pytest.mark.skipif(not ROOT, reason="the uid drop needs root")
def test_other_files_are_unreadable(server, tmp_path):
    from grader.sandbox import Call, Job, Unit

    other = tmp_path / "other_student.py"
    other.write_text("ANSWERS")
    other.chmod(0o600)
    path = tmp_path / "probe.py"
    path.write_text("def read(p):\n    return open(p).read()\n")
    import reference

    readable = tmp_path / "world_readable.py"
    readable.write_text("ANSWERS")
    readable.chmod(0o644)
    targets = [str(other), str(readable), reference.__file__, "/proc/1/environ", "/etc/passwd"]
    run = server.run(Job(path, (Unit("read", tuple(Call((t,)) for t in targets)),)))
    for target, result in zip(targets, run.units[0].results, strict=True):
        # strings are not results: a successful read comes back as an unsupported type
        assert result.error is not None and result.error.kind == "exception", target
        assert "FileNotFoundError" in result.error.message or "Permission" in result.error.message


def test_the_submission_cannot_write_where_it_pleases(server, tmp_path):
    from grader.sandbox import Call, Job, Unit

    target = tmp_path / "planted.txt"
    path = tmp_path / "probe.py"
    path.write_text(
        "def write(p, n):\n    with open(p, 'w') as fh:\n        fh.write('x' * n)\n    return 1\n"
    )
    big = 64 << 20
    run = server.run(
        Job(path, (Unit("write", (Call((str(target), 10)), Call(("local.txt", big)))),))
    )
    first, second = run.units[0].results
    if ROOT:
        assert not first.ok and not target.exists()
    assert not second.ok and "File too large" in second.error.message  # RLIMIT_FSIZE


@pytest.mark.parametrize(
    "body",
    [
        # many files, each under the file-size limit, that would fill the disk together
        "    for i in range(24):\n        with open(f'f{i}', 'wb') as fh:\n"
        "            fh.write(b'x' * (4 << 20))\n",
        # a flood of empty files (inodes)
        "    import os\n    os.mkdir('d')\n    for i in range(12000):\n"
        "        open(f'd/{i}', 'w').close()\n",
    ],
    ids=["megabytes", "inodes"],
)
def test_writing_too_much_in_all_is_stopped(tmp_path, body):
    from grader.sandbox import Call, Job, Unit

    path = tmp_path / "filler.py"
    path.write_text("import time\n\ndef fill():\n" + body + "    time.sleep(1.5)\n    return 1\n")
    # time enough for a slow disk to reach the limit (10 000 empty files took 2.5 s on one)
    with SandboxServer(Limits(timeout=20.0)) as roomy:
        run = roomy.run(Job(path, (Unit("fill", (Call(()), Call(()))),)))
        first = run.units[0].results[0]
        assert not first.ok and "wrote too much" in first.error.message
        assert "64 MB" in first.error.message
        assert sandbox_processes(roomy) == []
        assert not any(Path(roomy._base).iterdir())  # the child's files went with it


def test_a_students_usual_imports_load(server, tmp_path):
    # The child has no file system left to import from: what a correct file imports at the
    # top for type hints, its own tests or debugging must already be in memory.
    header = (
        "from __future__ import annotations\n"
        "import pdb, pprint, unittest, doctest, logging, argparse, csv, timeit\n"
        "from typing import Union\n"
        "import numpy.testing as npt\n\n"
    )
    path = tmp_path / "tidy.py"
    path.write_text(header + CORRECT.read_text() + "\nnpt.assert_allclose(sigmoid(0.0), 0.5)\n")
    report = check_file(path, server=server, timeout=2)
    assert report.passed, report.output


def test_printed_and_raised_text_cannot_act_on_a_screen(server, tmp_path):
    # Terminal escapes, bidi overrides (which reorder what a reader sees) and NULs from a
    # submission reach students' terminals, feedback files and the instructor's report.
    path = tmp_path / "escapes.py"
    path.write_text(
        CORRECT.read_text()
        + "\nprint('\\x1b[2J\\x1b[31mred\\r\\nnext\\u202eevil\\x00')\n\n"
        + "def relu(a):\n    raise ValueError('\\x1b]0;title\\x07\\u2066x')\n",
        encoding="utf-8",
    )
    report = check_file(path, server=server, timeout=2)
    relu = next(t for t in report.tests if t.name == "relu")
    for text in (report.output, relu.output):
        assert not any(ch in text for ch in "\x1b\x07\x00\r\u202e\u2066"), repr(text)
    assert "[31mred\nnext\ufffdevil" in report.output


def test_a_slow_top_level_has_more_than_one_calls_budget(server, tmp_path):
    # Students run their own demos at the top of the file (training on XOR, say): loading may
    # take longer than one call, within a bound.
    slow = tmp_path / "demo.py"
    slow.write_text(CORRECT.read_text() + "\nimport time\ntime.sleep(0.8)\n", encoding="utf-8")
    assert check_file(slow, server=server, timeout=0.5).passed
    endless = tmp_path / "endless.py"
    endless.write_text(CORRECT.read_text() + "\nwhile True:\n    pass\n", encoding="utf-8")
    report = check_file(endless, server=server, timeout=0.5)
    assert "loading the file took longer than 1.5 s" in report.output


def test_a_file_too_large_to_be_code_is_not_read(tmp_path):
    # A "submission" of gigabytes was read whole into the grader (twice: hashed, then copied
    # for the child), enough to take the grading run down; it is refused by its size.
    huge = tmp_path / "huge.py"
    huge.write_text(CORRECT.read_text())
    with huge.open("r+b") as fh:
        fh.truncate(40 << 20)  # sparse: no disk used
    with SandboxServer(Limits(timeout=2.0, source=1 << 20)) as small:
        report = check_file(huge, server=small, timeout=2)
    assert report.score == 0
    assert "the file is 40 MB, too large to run (at most 1 MB)" in report.output


@pytest.mark.parametrize("meddling", ["os.close(3)", "os.dup2(2, 3)"])
def test_a_closed_result_pipe_shows_none_of_the_checkers_insides(server, tmp_path, meddling):
    path = tmp_path / "meddle.py"
    path.write_text(CORRECT.read_text() + f"\nimport os\n{meddling}\n", encoding="utf-8")
    report = check_file(path, server=server, timeout=2)
    assert report.score == 0
    assert "_forkserver" not in report.dumps() and "Traceback" not in report.dumps()


def test_one_server_serves_threads_concurrently(server, tmp_path):
    naive = SUBMISSIONS / "naive.py"
    reports = {}

    def work(i):
        reports[i] = check_file(naive if i % 2 else CORRECT, server=server, seed=i, timeout=5)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(reports) == 6 and all(r.passed for r in reports.values())
    assert sandbox_processes(server) == []


def test_a_dead_server_is_restarted(tmp_path):
    with SandboxServer(Limits(timeout=2.0)) as s:
        assert check_file(CORRECT, server=s, timeout=2).passed
        assert s._proc is not None
        os.kill(s._proc.pid, signal.SIGKILL)
        s._proc.wait()
        assert check_file(CORRECT, server=s, timeout=2).passed


def test_closing_the_server_leaves_nothing_behind(tmp_path):
    s = SandboxServer(Limits(timeout=2.0)).start()
    check_file(CORRECT, server=s, timeout=2)
    base, proc = s._base, s._proc
    assert base is not None and stat.S_IMODE(os.stat(base).st_mode) == 0o711
    s.close()
    assert proc is not None and proc.poll() is not None
    assert not os.path.exists(base)


def test_assignment_forbidden_modules_fail_only_where_used(server, write):
    from grader.assignment import parse_assignment

    spec = parse_assignment(
        'name = "no-fractions"\n'
        '[[code]]\nfunction = "conv2d"\npoints = 3\nforbid = ["fractions"]\n'
        '[[code]]\nfunction = "relu"\npoints = 1\n'
    )
    extra = (
        "import fractions\n\n"
        "def conv2d(image, kernel, stride=1, padding=0):\n"
        "    fractions.Fraction(1, 2)\n"
        "    return _conv(image, kernel, stride, padding)\n"
    )
    path = write(extra)
    path.write_text(path.read_text().replace("def conv2d(", "def _conv(", 1))
    report = check_file(path, spec, server=server, timeout=2)
    by_name = {t.name: t for t in report.tests}
    assert by_name["relu"].status == "passed"
    assert "uses fractions.Fraction, which this assignment forbids" in by_name["conv2d"].output


def test_malformed_values_are_refused():
    from grader.sandbox.wire import InterferenceError, decode_value

    for bad in (
        ["nd", [2], [1.0]],
        ["num", "1"],
        ["num", True],
        ["num", 2**70],
        ["seq", "x"],
        ["eval", 1],
        {},
        ["nd", [2**70], []],
        ["nd", [0, 2**70], []],
        ["nd", [100_001], [0.0] * 100_001],
        ["nd", [1] * 33, [1.0]],
        ["seq", [["num", 1.0]] * 100_001],
    ):
        with pytest.raises(InterferenceError):
            decode_value(bad)
    assert decode_value(["seq", [["num", 1], ["nd", [1, 2], [1, 2]]]])[1].shape == (1, 2)


@pytest.mark.parametrize("module", ["grader", "reference.conv", "exercises", "grader.codecheck"])
def test_importing_the_project_at_the_top_fails_the_load(server, write, module):
    path = write(f"import {module}\n")
    report = check_file(path, server=server, timeout=2)
    assert report.score == 0
    line = len(path.read_text().splitlines())
    assert report.output.startswith(
        f"{path}:{line}: loading the file failed: imports {module.split('.')[0]}, "
        "which this assignment forbids"
    )


def test_removing_the_import_guard_does_not_reach_the_project(server, write):
    extra = (
        "import sys\n\n"
        "def conv_output_size(n, k, stride=1, padding=0):\n"
        "    sys.meta_path[:] = [f for f in sys.meta_path if 'Guard' not in type(f).__name__]\n"
        "    import reference\n"
        "    return reference.conv_output_size(n, k, stride, padding)\n"
    )
    report = check_file(write(extra), server=server, timeout=2)
    failed = {t.name: t for t in report.tests if t.status != "passed"}
    assert set(failed) == {"conv_output_size"}
    assert "No module named 'reference'" in failed["conv_output_size"].output


def test_assignment_wide_forbids_fail_the_import(server, write):
    from grader.assignment import parse_assignment

    spec = parse_assignment(
        'name = "no-fractions"\nforbid = ["fractions"]\n[[code]]\nfunction = "conv2d"\n'
        '[[code]]\nfunction = "relu"\n'
    )
    extra = (
        "def conv2d(image, kernel, stride=1, padding=0):\n"
        "    from fractions import Fraction\n"
        "    return Fraction(1, 2)\n"
    )
    report = check_file(write(extra), spec, server=server, timeout=2)
    by_name = {t.name: t for t in report.tests}
    assert by_name["relu"].status == "passed"
    assert "imports fractions, which this assignment forbids" in by_name["conv2d"].output


def test_without_isolation_limits_and_timeouts_still_hold(write):
    # Where the machine allows no isolation: the same limits and timeouts still hold.
    extra = (SUBMISSIONS / "hostile" / "infinite_loop.py").read_text()
    extra += "\n\n" + (SUBMISSIONS / "hostile" / "memory_bomb.py").read_text()
    with SandboxServer(Limits(timeout=1.0), isolation="none") as s:
        report = check_file(write(extra), server=s, timeout=1)
    failed = {t.name: t.output for t in report.tests if t.status != "passed"}
    assert set(failed) == {"gradient_descent_step", "conv2d"}
    assert "took longer than 1 s" in failed["gradient_descent_step"]
    assert "ran out of memory" in failed["conv2d"]


def test_the_server_cleans_up_when_the_grader_dies(tmp_path):
    import subprocess
    import sys
    import time

    code = (
        "import os, sys\n"
        "from grader.sandbox import SandboxServer\n"
        "s = SandboxServer().start()\n"
        "print(s._base, s.pid, flush=True)\n"
        "os.kill(os.getpid(), 9)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    base, pid = out.stdout.split()
    for _ in range(400):  # the server notices once it has finished starting
        if not os.path.exists(base) and not os.path.exists(f"/proc/{pid}"):
            break
        time.sleep(0.05)
    assert not os.path.exists(base)
    assert not os.path.exists(f"/proc/{pid}") or "Z" in Path(f"/proc/{pid}/stat").read_text()


def test_timeouts_stretch_while_children_outnumber_the_cores(tmp_path):
    from grader.sandbox import Call, Job, Unit

    path = tmp_path / "slow.py"
    path.write_text("import time\n\ndef slow():\n    time.sleep(1.5)\n    return 1\n")
    job = Job(path, (Unit("slow", (Call(()),)),))
    with SandboxServer(Limits(timeout=1.0)) as server:
        server._cores = 1  # as on a one-core machine
        alone = server.run(job).units[0].results[0]
        assert not alone.ok and "took longer than 1 s" in alone.error.message
        assert server.cpu_share() == 1.0
        # two at once on one core: each has half of it, so each may take twice as long
        results: list = [None, None]

        def run(i: int) -> None:
            results[i] = server.run(job).units[0].results[0]

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(r.ok and r.value == 1 for r in results), results
        assert server.cpu_share() == 1.0  # no child counted once they are done
