"""A generated sheet carries its assignment's tolerance and rounding for practice checks."""

import tomllib

from click.testing import CliRunner

from grader.answers import check_sheet
from grader.cli import main

ASSIGNMENT = """
name = "week12"
title = "Week 12 tutorial"
[[question]]
id = "t1"
exercise = "neuron_backprop"
points = 8
tolerance = { sigfigs = 2 }
rounding = 2
params = { x = 0.5, y = 1.5, w = 0.3, b = 0.1, lr = 0.1 }
"""


def test_custom_assignment_settings_reach_the_sheet_and_its_check(tmp_path):
    (tmp_path / "week12.toml").write_text(ASSIGNMENT)
    result = CliRunner().invoke(
        main,
        ["generate", "--assignment", str(tmp_path / "week12.toml"), "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    sheet = tmp_path / "out" / "default" / "answers.toml"
    data = tomllib.loads(sheet.read_text())
    assert data["_problems"]["t1"]["rounding"] == 2
    assert data["_problems"]["t1"]["tolerance"] == {"sigfigs": 2}

    # w_new = 0.311542: 0.31 is right to 2 significant figures, wrong to the default 3 places.
    text = sheet.read_text().replace('w_new = ""', "w_new = 0.31", 1)
    sheet.write_text(text)
    report = check_sheet(sheet, None)  # the sheet names a custom assignment: no file at hand
    w_new = next(t for t in report.tests if t.name == "t1.w_new")
    assert w_new.status == "passed", w_new.output
    sheet.write_text(text.replace("w_new = 0.31", "w_new = 0.33"))
    w_new = next(t for t in check_sheet(sheet, None).tests if t.name == "t1.w_new")
    assert w_new.status == "failed"
