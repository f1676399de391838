"""Reading a notebook into one program: magics dropped, places kept, nothing run."""

from __future__ import annotations

import json

import pytest

from grader.errors import InputError
from grader.notebook.source import Cell, build_program, read_cells
from tests.notebook.conftest import notebook


def cells(*sources: str) -> list[Cell]:
    return [Cell(f"cell {i}", "code", s) for i, s in enumerate(sources, start=1)]


def test_places_name_cell_and_line_as_the_student_counts_them() -> None:
    nb = notebook(("md", "# title"), "import numpy as np\n", "x = 1\n\ny = 2\n")
    program = build_program(read_cells(json.dumps(nb).encode(), "hw.ipynb"))
    lines = program.text.splitlines()
    assert lines == ["import numpy as np", "x = 1", "", "y = 2"]
    # markdown cells count: the code cell below the title is cell 2
    assert program.place(1) == "cell 2, line 1"
    assert program.place(4) == "cell 3, line 3"
    assert program.place(5) is None and program.place(None) is None


def test_magics_and_shell_escapes_become_pass_with_a_note() -> None:
    program = build_program(
        cells("%matplotlib inline\nimport numpy as np\n!pip install torch\n", "if True:\n    !ls\n")
    )
    assert program.text.splitlines() == [
        "pass",
        "import numpy as np",
        "pass",
        "if True:",
        "    pass",
    ]
    note = program.notes[0]
    assert note.startswith("Not run (IPython magics and shell commands):")
    assert "cell 1, line 1 `%matplotlib inline`" in note and "cell 2, line 2 `!ls`" in note
    compile(program.text, "x", "exec")  # still Python


def test_a_cell_magic_leaves_the_whole_cell_out() -> None:
    program = build_program(cells("%%time\nwhile True:\n    pass\n", "def f():\n    return 1\n"))
    assert "while" not in program.text and "def f" in program.text
    assert "cell 1 (a `%%time` cell, left out whole)" in program.notes[0]
    assert program.place(4) == "cell 2, line 1"


def test_percent_lines_inside_a_string_are_kept() -> None:
    source = 'TEXT = """\n%d items\n!important\n"""\n'
    program = build_program(cells(source))
    assert program.text == source and not program.notes


def test_the_notebooks_own_check_is_left_out_silently() -> None:
    program = build_program(
        cells(
            "%load_ext grader\n%grader check",
            "import grader\ngrader.notebook.check()",
            "from grader.notebook import check as c\nc()\nx = 1",
        )
    )
    assert [ln for ln in program.text.splitlines() if ln.strip() not in ("", "pass")] == ["x = 1"]
    assert program.notes == ()


def test_a_syntax_error_leaves_out_its_cell_only() -> None:
    program = build_program(
        cells("def sigmoid(a):\n    return a\n", "x = 1\ndef relu(a)\n    return a\n")
    )
    assert "def sigmoid" in program.text and "relu" not in program.text
    assert program.notes[0].startswith("cell 2, line 2: SyntaxError:")
    assert program.broken == {
        "relu": "cell 2, line 2 has a syntax error (expected ':' in `def relu(a)`)"
    }


def test_top_level_work_is_told_from_definitions() -> None:
    program = build_program(
        cells(
            "import numpy as np\nEPS = 1e-12\nTABLE = {'a': [1, 2]}\n",
            "@staticmethod\ndef f(x):\n    return x\nclass A:\n    pass\n",
            "data = np.loadtxt('d.csv')\nfor i in range(3):\n    print(i)\ninput()\n",
            "try:\n    import scipy\nexcept ImportError:\n    scipy = None\n",
        )
    )
    work = program.top_level_work()
    kinds = [(st.first, st.defines) for st in program.statements]
    assert [d for _, d in kinds] == [True, True, True, True, True, False, False, False, True]
    stripped = program.without(work).splitlines()
    assert stripped[8:12] == ["", "", "", ""]  # cell 3 blank, lines kept in place
    assert stripped[12] == "try:"
    assert stripped[3] == "@staticmethod"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json", "is not a valid notebook: it is not JSON (line 1)"),
        (b"[1, 2]", "holds no notebook cells"),
        (b'{"cells": "no", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "not nbformat v4"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 100000, "nested too deeply"),
    ],
)
def test_what_is_not_a_notebook_gets_one_line(data: bytes, reason: str) -> None:
    with pytest.raises(InputError) as info:
        read_cells(data, "hw.ipynb")
    message = str(info.value)
    assert reason in message and "\n" not in message and message.startswith("hw.ipynb: ")
