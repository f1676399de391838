"""Shards of a class (``grade --shard``) and their merge, with the stand-in backend.

Every test compares the merge against one whole-class run of the same folder: the same
grades.csv and LMS files, the same results per student, the same integrity flags and notices.
The command line, concurrent processes and the Slurm and Kubernetes variables are in
``tests/cli/test_shard_cli.py``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from grader.batch.merge import merge
from grader.batch.pipeline import GradeRequest, grade
from grader.batch.shard import MANIFEST, Shard, parse_shard, shard_of
from grader.batch.store import ResultStore
from grader.errors import InputError, UsageError
from grader.variants import build_variants
from tests.batch.conftest import class_files

SECRET = b"course secret 2026"
CODE = "import numpy as np\n\ndef sigmoid(a, beta=1.0):\n    return 1 / (1 + np.exp(-{k}a))\n"
SHARED = (
    "def sigmoid(a, beta=1.0):\n    # copied\n    return a * 0.5\n\ndef relu(x):\n    return x\n"
)


def answers(assignment, student: str, like: str | None = None) -> str:
    problems = build_variants(assignment, like or student, SECRET)
    lines = [f'student = "{student}"']
    for qid, problem in problems.items():
        lines.append(f"[{qid}]")
        lines += [f"{pid} = {json.dumps(v)}" for pid, v in problem.key().items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def klass(tmp_path: Path, mixed) -> dict[str, Path]:
    """40 students: right, wrong, broken, identical code across the class, a copied sheet,
    late Canvas files, a conflict, a stray file, and roster students with nothing handed in."""
    subs = tmp_path / "subs"
    subs.mkdir()
    ids = [f"B{i:03d}" for i in range(40)]
    for i, s in enumerate(ids[:34]):
        if i % 9 == 4:
            code = SHARED.replace("# copied", f"# copied by {s}")  # comments aside: identical
        elif i % 9 == 7:
            code = "SYNTAX"
        else:
            code = CODE.format(k="1.0*" * (i % 3)) + ("# wrong sigmoid\n" if i % 5 == 1 else "")
        (subs / f"{s}.py").write_text(code)
        if i % 4 == 0:
            (subs / f"{s}.toml").write_text(answers(mixed, s, ids[0] if i % 8 == 4 else None))
    (subs / "B030").mkdir()
    (subs / "B030" / "solution.py").write_text(CODE.format(k=""))  # and B030.py: a conflict
    (subs / "B031.py").unlink()
    (subs / "b031").mkdir()
    (subs / "b031" / "answers.toml").write_text(answers(mixed, "B031"))  # case: the roster's B031
    (subs / "b031" / "notes.txt").write_text("notes")
    (subs / "README.md").write_text("stray")
    (subs / "B032.py").unlink()
    (subs / "B032").mkdir()  # two code files in one folder: the one defining sigmoid is kept
    (subs / "B032" / "helper.py").write_text("def helper():\n    return 1\n")
    (subs / "B032" / "solution.py").write_text(CODE.format(k=""))
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\n" + "".join(f"{s},N {s},{s}@x.org\n" for s in ids))
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET + b"\n")
    return {"subs": subs, "roster": roster, "secret": secret, "root": tmp_path}


def req(k: dict[str, Path], assignment_file: Path, out: str, **kw) -> GradeRequest:
    return GradeRequest(
        submissions=k["subs"],
        assignment=str(assignment_file),
        secret_file=k["secret"],
        out=k["root"] / out,
        roster=k["roster"],
        jobs=2,
        **kw,
    )


def shards(k, assignment_file, fake_factory, count: int, prefix: str = "s") -> list[Path]:
    outs = []
    for i in range(count):
        outcome = grade(
            req(k, assignment_file, f"{prefix}{i}", shard=Shard(i, count)),
            backend_factory=fake_factory,
        )
        assert outcome.shard == Shard(i, count)
        outs.append(k["root"] / f"{prefix}{i}")
    return outs


def test_shard_of_is_sha256_of_the_folded_id_and_spreads_evenly() -> None:
    # an independent oracle: the first 8 bytes of SHA-256, big-endian, modulo N
    want = int(hashlib.sha256(b"a0123456x").hexdigest()[:16], 16) % 7
    assert shard_of("A0123456X", 7) == shard_of("a0123456x", 7) == want
    counts = [0] * 4
    for i in range(4000):
        counts[shard_of(f"S{i:05d}", 4)] += 1
    assert all(900 < c < 1100 for c in counts), counts
    assert {shard_of(f"S{i}", 1) for i in range(50)} == {0}


@pytest.mark.parametrize("count", [2, 3, 5])
def test_merged_shards_are_one_whole_run(klass, assignment_file, fake_factory, count: int) -> None:
    whole = grade(req(klass, assignment_file, "whole"), backend_factory=fake_factory)
    kinds = {n.kind for n in whole.batch.collection.notices}
    assert kinds >= {"conflict", "duplicate", "ignored"}, kinds  # the class is a real mess
    assert whole.batch.results["B030"].held and whole.batch.results["B031"].submission
    outs = shards(klass, assignment_file, fake_factory, count)
    # each shard graded only its own students, and wrote no file of the class
    seen: set[str] = set()
    for i, out in enumerate(outs):
        manifest = json.loads((out / MANIFEST).read_text())
        mine = set(manifest["students"])
        assert mine and all(shard_of(s, count) == i for s in mine)
        assert not seen & mine
        seen |= mine
        assert not any((out / f).exists() for f in ("grades.csv", "canvas.csv", "moodle.csv"))
        assert {p.name for p in out.iterdir() if p.is_dir()} == mine
    assert seen == set(whole.batch.results)
    got = merge(outs, klass["root"] / "merged")
    assert got.flags == whole.flags
    assert {f.kind for f in got.flags} >= {"identical-code", "copied-sheet"}
    # a flag spans shards: identical code of students that different shards graded
    spans = [f for f in got.flags if len({shard_of(s, count) for s in f.students}) > 1]
    assert spans
    assert got.batch.collection.notices == whole.batch.collection.notices
    assert class_files(klass["root"] / "merged") == class_files(klass["root"] / "whole")
    # the merged database is a whole run's: grading the class into it grades nothing again
    again = grade(req(klass, assignment_file, "merged"), backend_factory=fake_factory)
    assert again.batch.fresh == 0
    assert again.flags == whole.flags


def test_merging_twice_or_a_rerun_of_a_shard_gives_the_same(
    klass, assignment_file, fake_factory
) -> None:
    outs = shards(klass, assignment_file, fake_factory, 3)
    merge(outs, klass["root"] / "merged")
    first = class_files(klass["root"] / "merged")
    merge(outs, klass["root"] / "merged")
    assert class_files(klass["root"] / "merged") == first
    rerun = grade(
        req(klass, assignment_file, "s1", shard=Shard(1, 3)), backend_factory=fake_factory
    )
    assert rerun.batch.fresh == 0
    # the same shard given twice (a rerun into another folder) is taken once
    shards(klass, assignment_file, fake_factory, 3, prefix="again")
    merge([*outs, klass["root"] / "again1"], klass["root"] / "merged")
    assert class_files(klass["root"] / "merged") == first


def test_missing_shards_are_named_with_their_roster_students(
    klass, assignment_file, fake_factory
) -> None:
    outs = shards(klass, assignment_file, fake_factory, 4)
    with pytest.raises(UsageError) as err:
        merge([outs[0], outs[2]], klass["root"] / "merged")
    message = str(err.value)
    lacking = sorted(f"B{i:03d}" for i in range(40) if shard_of(f"B{i:03d}", 4) in (1, 3))
    assert message.startswith("shards 1, 3 of 4 missing from the merge (given: 0, 2)")
    assert f"no result for {len(lacking)} students of the roster ({', '.join(lacking[:5])}" in (
        message
    )
    assert "\n" not in message
    assert not (klass["root"] / "merged").exists()


def test_refuses_shards_of_other_grading(klass, assignment_file, fake_factory, tmp_path) -> None:
    outs = shards(klass, assignment_file, fake_factory, 2)
    root = klass["root"]

    def refused(*folders: Path) -> str:
        with pytest.raises((InputError, UsageError)) as err:
            merge(list(folders), root / "merged")
        assert "\n" not in str(err.value)
        return str(err.value)

    other_secret = root / "secret2.txt"
    other_secret.write_bytes(b"another secret\n")
    grade(
        req({**klass, "secret": other_secret}, assignment_file, "x1", shard=Shard(1, 2)),
        backend_factory=fake_factory,
    )
    assert "different secrets" in refused(outs[0], root / "x1")

    other = tmp_path / "other.toml"
    other.write_text(assignment_file.read_text().replace('name = "mixed"', 'name = "other"'))
    grade(req(klass, other, "y1", shard=Shard(1, 2)), backend_factory=fake_factory)
    assert "different assignments ('mixed' and 'other')" in refused(outs[0], root / "y1")

    grade(req(klass, assignment_file, "z1", shard=Shard(1, 3)), backend_factory=fake_factory)
    assert "into 2 and into 3 shards" in refused(outs[0], root / "z1")

    roster2 = root / "roster2.csv"
    roster2.write_text(klass["roster"].read_text() + "B999,Late,\n")
    grade(
        req({**klass, "roster": roster2}, assignment_file, "r1", shard=Shard(1, 2)),
        backend_factory=fake_factory,
    )
    assert "different rosters" in refused(outs[0], root / "r1")

    grade(
        req(klass, assignment_file, "t1", shard=Shard(1, 2), timeout=3.0),
        backend_factory=fake_factory,
    )
    assert "different --timeout (5.0 and 3.0)" in refused(outs[0], root / "t1")

    manifest = json.loads((outs[1] / MANIFEST).read_text())
    manifest["grader"] = "0.0.1"
    (root / "v1").mkdir()
    (root / "v1" / MANIFEST).write_text(json.dumps(manifest))
    (root / "v1" / "grading.sqlite").write_bytes((outs[1] / "grading.sqlite").read_bytes())
    assert "different versions of the grader" in refused(outs[0], root / "v1")

    # one student graded differently by two runs of shard 1: a changed submission in between
    victim = sorted(json.loads((outs[1] / MANIFEST).read_text())["students"])[0]
    (klass["subs"] / f"{victim}.py").write_text(CODE.format(k="") + "# changed\n")
    grade(req(klass, assignment_file, "w1", shard=Shard(1, 2)), backend_factory=fake_factory)
    said = refused(*outs, root / "w1")
    assert f"{victim} was graded differently" in said and "s1" in said

    assert "not the output of `grader grade --shard`" in refused(outs[0], root / "subs")
    (outs[1] / MANIFEST).unlink()
    assert "not a finished shard" in refused(outs[0], outs[1])
    with pytest.raises(UsageError, match="must not be one of the shards"):
        merge([outs[0]], outs[0])


def test_a_killed_shard_leaves_no_record_and_resumes(klass, assignment_file, fake_factory) -> None:
    outs = shards(klass, assignment_file, fake_factory, 2)
    store = ResultStore(outs[0] / "grading.sqlite")
    before = store.load()
    store.close()

    def broken(assignment, jobs):  # the backend dies at once: the run stops with an error
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        grade(req(klass, assignment_file, "s0", shard=Shard(0, 2)), backend_factory=broken)
    assert not (outs[0] / MANIFEST).exists()  # a merge now says the shard is not finished
    with pytest.raises(InputError, match="not a finished shard"):
        merge(outs, klass["root"] / "merged")
    again = grade(
        req(klass, assignment_file, "s0", shard=Shard(0, 2)), backend_factory=fake_factory
    )
    assert again.batch.fresh == 0 and set(again.batch.results) <= set(before)


@pytest.mark.parametrize(
    ("spec", "env", "want"),
    [
        ("2/5", {}, Shard(2, 5)),
        (" 0 / 1 ", {}, Shard(0, 1)),
        (
            "auto",
            {
                "SLURM_ARRAY_TASK_ID": "7",
                "SLURM_ARRAY_TASK_MIN": "5",
                "SLURM_ARRAY_TASK_COUNT": "4",
            },
            Shard(2, 4, "Slurm"),
        ),
        ("auto", {"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"}, Shard(3, 4, "Slurm")),
        ("auto/3", {"JOB_COMPLETION_INDEX": "2"}, Shard(2, 3, "Kubernetes")),
        (
            "auto/3",
            {"JOB_COMPLETION_INDEX": "1", "SLURM_ARRAY_TASK_ID": "0"},
            Shard(1, 3, "Kubernetes"),
        ),
        (
            "auto/3",
            {"SLURM_ARRAY_TASK_ID": "11", "SLURM_ARRAY_TASK_MIN": "10"},
            Shard(1, 3, "Slurm"),
        ),
    ],
)
def test_parse_shard(spec: str, env: dict[str, str], want: Shard) -> None:
    assert parse_shard(spec, env) == want


@pytest.mark.parametrize(
    ("spec", "env", "said"),
    [
        ("3/3", {}, "shard 3 is not one of 0 to 2"),
        ("1/0", {}, "must be 1 to"),
        ("-1/3", {}, "give I/N"),
        ("half", {}, "give I/N"),
        ("auto", {}, "SLURM_ARRAY_TASK_ID is unset"),
        (
            "auto",
            {
                "SLURM_ARRAY_TASK_ID": "9",
                "SLURM_ARRAY_TASK_MIN": "0",
                "SLURM_ARRAY_TASK_COUNT": "4",
            },
            "shard 9 is not one of 0 to 3",
        ),
        ("auto/4", {}, "neither JOB_COMPLETION_INDEX"),
        ("auto/4", {"JOB_COMPLETION_INDEX": "x"}, "JOB_COMPLETION_INDEX is 'x'"),
    ],
)
def test_parse_shard_refuses(spec: str, env: dict[str, str], said: str) -> None:
    with pytest.raises(UsageError, match=re.escape(said)):
        parse_shard(spec, env)
