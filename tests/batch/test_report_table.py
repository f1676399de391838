"""report.html's table of students: complete, escaped, sortable, small for a class of 1 000."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from grader.assignment import load_assignment
from grader.batch.collect import Collection, Submission
from grader.batch.columns import columns
from grader.batch.engine import BatchResult, StudentResult
from grader.batch.integrity import Flag
from grader.batch.report import render_report
from grader.results import Report, TestResult
from grader.roster import Roster, Student

CODE = load_assignment("nn-code")
FIRST = ["Ada", "Alan", "Grace", "Jürgen", "Åse", "Zoë", "Kurt", "Emmy", "Srinivasa", "Hypatia"]
LAST = ["Lovelace", "Turing", "Hopper", "Müller", "Ørsted", "Noether", "Gödel", "Ramanujan"]


def synthetic_class(n: int, seed: int = 0):
    """``n`` students of nn-code with every status the table shows, and their roster."""
    rng = random.Random(seed)
    results: dict[str, StudentResult] = {}
    submissions: dict[str, Submission] = {}
    students = []
    copied: list[str] = []
    for i in range(n):
        sid = f"A{i:07d}X"
        name = f"{rng.choice(LAST)}, {rng.choice(FIRST)}"
        if i == 3:
            name = "<script>alert('x')</script> Bobby"  # a hostile name stays text
        students.append(Student(sid, name, f"{sid.lower()}@example.edu"))
        kind = i % 10
        meta: dict[str, object] = {}
        submission: Submission | None = Submission(sid, code=Path(f"{sid}.py"), late=kind == 4)
        tests = []
        for task in CODE.code:
            for k in range(3):
                right = kind not in (0, 1) and rng.random() < 0.8
                share = task.points / 3
                tests.append(
                    TestResult(f"{task.function}: case {k + 1}", share if right else 0.0, share)
                )
        if kind == 0:
            submission = None
        elif kind == 1:
            meta["problem"] = "SyntaxError: invalid syntax (line 12)"
        elif kind == 2 and i % 20 == 2:
            meta["held"] = "two files claim this slot"
            submission = Submission(sid, conflict="two files claim this slot")
        elif kind == 5:
            copied.append(sid)
        if submission is not None:
            submissions[sid] = submission
        results[sid] = StudentResult(sid, Report(tuple(tests)), meta, True, submission)
    flags = [Flag("identical-code", tuple(copied[j : j + 2]), "the same code") for j in (0, 2)]
    collection = Collection(submissions, missing=tuple(s for s in results if s not in submissions))
    roster = Roster(tuple(students), ("id", "name", "email"), False)
    return BatchResult(CODE, collection, results, 1.0), flags, roster


class Table(HTMLParser):
    """The students' table as text: its header keys and the cells of each row."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.keys: list[str | None] = []
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self.titles: list[str] = []
        self._cell: list[str] | None = None
        self._head = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == "roll":
            self.inside = True
        if not self.inside:
            return
        if tag == "thead":
            self._head = True
        elif tag == "tbody":
            self._head = False
        elif tag == "tr" and not self._head:
            self.rows.append([])
        elif tag in ("th", "td"):
            if self._head:
                self.keys.append(a.get("data-key"))
            else:
                self._cell = []
        elif tag == "a":
            self.links.append(a.get("href") or "")
        elif tag == "span" and a.get("title"):
            self.titles.append(a["title"] or "")

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(page: str) -> Table:
    table = Table()
    table.feed(page)
    return table


def test_the_table_lists_every_student_with_marks_status_and_feedback() -> None:
    batch, flags, roster = synthetic_class(40)
    table = parse(render_report(batch, flags, roster))
    assert table.keys == ["id", "name", "score", *columns(CODE), "status"]
    assert [r[0] for r in table.rows] == sorted(batch.results)
    names = {s.id: s.name for s in roster.students}
    for row in table.rows:
        sid, name, score, *marks, status = row
        result = batch.results[sid]
        assert name == names[sid]
        if result.held:
            assert score == "" and set(marks) == {""} and "held: conflict" in status
            continue
        assert float(score) == pytest.approx(result.report.score, abs=0.01)
        assert sum(float(m) for m in marks) == pytest.approx(result.report.score, abs=0.1)
        assert ("not submitted" in status) == (result.submission is None)
        assert ("did not load" in status) == (result.problem is not None)
        assert ("late" in status) == bool(result.submission and result.submission.late)
        flagged = any(sid in f.students for f in flags)
        assert ("flag: identical-code" in status) == flagged
    assert table.links == [f"{sid}/feedback.md" for sid in sorted(batch.results)]
    assert "SyntaxError: invalid syntax (line 12)" in table.titles


def test_a_hostile_name_is_text_and_the_page_needs_nothing_online() -> None:
    batch, flags, roster = synthetic_class(10)
    page = render_report(batch, flags, roster)
    assert "<script>alert" not in page
    assert escape("<script>alert('x')</script> Bobby") in page
    assert page.count("<script") == 1  # the table's own, inline
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)
    assert "http://" not in page and "https://" not in page


def test_the_page_for_1000_students_stays_under_3_mb() -> None:
    batch, flags, roster = synthetic_class(1000)
    page = render_report(batch, flags, roster)
    size = len(page.encode("utf-8"))
    assert size < 3_000_000, size
    table = parse(page)
    assert len(table.rows) == 1000
    # nn-code has 15 functions: every row has id (a link), name, score, 15 marks and a status
    assert {len(r) for r in table.rows} == {3 + len(columns(CODE)) + 1}
    assert len(table.links) == 1000


def test_the_name_column_is_left_out_without_names() -> None:
    batch, flags, _ = synthetic_class(5)
    table = parse(render_report(batch, flags))
    assert table.keys[:2] == ["id", "score"]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def dump_dom(folder: Path, page: str, hash_: str = "", then: str = "") -> str:
    """The page's DOM after headless Chromium ran its scripts (and ``then``, a script run
    after the page's own, as a user's clicks would)."""
    path = folder / "report.html"
    if then:
        page = page.replace("</body>", f"<script>{then}</script>\n</body>")
    path.write_text(page, "utf-8")
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [
                str(_chromium()),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--dump-dom",
                path.as_uri() + hash_,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


needs_chromium = pytest.mark.skipif(
    _chromium() is None, reason="needs headless chromium (apt-get install chromium)"
)


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize(
    ("hash_", "column", "descending"),
    [
        ("#sort=-score", "score", True),
        ("#sort=score", "score", False),
        ("#sort=name", "name", False),
        ("#sort=-conv2d", "conv2d", True),
        ("#sort=status", "status", False),
    ],
)
def test_the_script_sorts_the_table_in_a_real_browser(tmp_path, hash_, column, descending) -> None:
    batch, flags, roster = synthetic_class(60, seed=1)
    dom = dump_dom(tmp_path, render_report(batch, flags, roster), hash_)
    table = parse(dom)
    assert len(table.rows) == 60
    i = table.keys.index(column)
    got = [r[i] for r in table.rows]
    filled = [x for x in got if x]
    assert got == filled + [""] * (len(got) - len(filled))  # blanks (held students) last
    if column in ("name", "status"):
        assert filled == sorted(filled, key=str.lower, reverse=descending)
    else:
        numbers = [float(x) for x in filled]
        assert numbers == sorted(numbers, reverse=descending)
        assert len(filled) < len(got) or column != "score"  # the class has held students
        # ties keep id order
        for a, b in zip(table.rows, table.rows[1:], strict=False):
            if a[i] == b[i]:
                assert a[0] < b[0]
    assert f'aria-sort="{"descending" if descending else "ascending"}"' in dom


@pytest.mark.slow
@needs_chromium
def test_clicks_sort_by_a_column_and_again_reverse_it(tmp_path) -> None:
    batch, flags, roster = synthetic_class(60, seed=2)
    page = render_report(batch, flags, roster)
    click = "document.querySelector('#roll th[data-key=\"{}\"]').click();"
    scores = parse(render_report(batch, flags, roster)).keys.index("score")

    def column(dom: str) -> list[float]:
        return [float(r[scores]) for r in parse(dom).rows if r[scores]]

    once = column(dump_dom(tmp_path, page, then=click.format("score")))
    assert once == sorted(once, reverse=True)  # numbers: highest first
    twice = column(dump_dom(tmp_path, page, then=click.format("score") * 2))
    assert twice == sorted(twice) and twice != once
    names = parse(dump_dom(tmp_path, page, then=click.format("name"))).rows
    assert [r[1] for r in names] == sorted((r[1] for r in names), key=str.lower)


@pytest.mark.slow
@needs_chromium
def test_typing_in_the_filter_keeps_the_matching_rows(tmp_path) -> None:
    batch, flags, roster = synthetic_class(60, seed=2)
    typed = (
        'var f = document.getElementById("filter"); f.value = "not submitted";'
        'f.dispatchEvent(new Event("input"));'
    )
    dom = dump_dom(tmp_path, render_report(batch, flags, roster), then=typed)
    kept = re.findall(r'<tr(?![^>]*hidden)[^>]*><th scope="row"><a[^>]*>([^<]+)</a>', dom)
    missing = sorted(s for s, r in batch.results.items() if r.submission is None and not r.held)
    assert sorted(kept) == missing and missing
    assert f"{len(missing)} of 60 students" in dom
