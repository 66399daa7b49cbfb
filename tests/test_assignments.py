"""The assignment tools on a small notebook: tagging, the student build, and grading every kind of submission."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_utils.assignments import build_student, exercise_cells, grade, tag
from course_utils.sandbox import sandbox_problem

SOLUTION_LINE = "return x * x"
HIDDEN_LINE = "square(-2.0)"


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    """An instructor notebook with two exercises (one with hidden tests), tagged."""
    folder = tmp_path_factory.mktemp("instructor")
    nb = new_notebook(
        cells=[
            new_markdown_cell("# 99 · Toy"),
            new_code_cell("from course_utils.checks import check_close, check_metric"),
            new_code_cell(
                f"# Exercise 1\ndef square(x):\n    ### BEGIN SOLUTION\n    {SOLUTION_LINE}\n    ### END SOLUTION"
            ),
            new_code_cell(
                "# Check exercise 1 (2 points)\ncheck_close(square(3.0), 9.0, name='square(3)')\n"
                f"### BEGIN HIDDEN TESTS\ncheck_close({HIDDEN_LINE}, 4.0, name='square(-2)')\n### END HIDDEN TESTS"
            ),
            new_code_cell("# Exercise 2\n### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION"),
            new_code_cell("# Check exercise 2\ncheck_metric(answer, 42, name='answer')"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "99_toy.ipynb"
    nbformat.write(nb, path)
    assert tag(path) == 2
    return folder


def test_tag_writes_nbgrader_metadata(course_dir):
    nb = nbformat.read(course_dir / "99_toy.ipynb", as_version=4)
    entries = exercise_cells(nb)
    assert entries["1"]["points"] == 2 and entries["2"]["points"] == 1
    check = nb.cells[entries["1"]["check"]].metadata["nbgrader"]
    assert check["grade"] and check["grade_id"] == "ex1-check" and check["points"] == 2


def test_tag_rejects_an_exercise_without_check(tmp_path):
    nb = new_notebook(cells=[new_code_cell("# Exercise 1\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    nbformat.write(nb, tmp_path / "a.ipynb")
    with pytest.raises(ValueError, match="exercise 1 needs"):
        tag(tmp_path / "a.ipynb")


def test_student_version_leaks_nothing(course_dir, tmp_path):
    (path,) = build_student([course_dir / "99_toy.ipynb"], tmp_path)
    text = path.read_text()
    assert SOLUTION_LINE not in text and HIDDEN_LINE not in text and "BEGIN SOLUTION" not in text
    assert text.count("raise NotImplementedError()") == 2
    nb = nbformat.read(path, as_version=4)
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")


@pytest.fixture(scope="module")
def graded(course_dir, tmp_path_factory):
    """Grade one folder holding a correct, a stub, a broken, a looping and a mutilated submission."""
    if shutil.which("bwrap") is None and os.geteuid() == 0 and shutil.which("apt-get"):  # as on CI
        subprocess.run("apt-get update -qq && apt-get install -y -qq bubblewrap", shell=True, timeout=600)
    if problem := sandbox_problem():
        pytest.skip(f"grading sandbox unavailable here: {problem}")
    subs = tmp_path_factory.mktemp("submissions")
    source = course_dir / "99_toy.ipynb"
    for student in ("alice", "bob", "carol", "dave", "erin", "frank"):
        (subs / student).mkdir()
    shutil.copy(source, subs / "alice" / source.name)
    build_student([source], subs / "bob")
    (subs / "carol" / source.name).write_text('{"cells": [')  # invalid JSON
    looping = json.loads(source.read_text())
    looping["cells"][2]["source"] = "# Exercise 1\ndef square(x):\n    while True:\n        pass"
    (subs / "dave" / source.name).write_text(json.dumps(looping))
    cheating = json.loads(source.read_text())
    cheating["cells"][4]["source"] = "# Exercise 2\nanswer = 41"
    cheating["cells"][5]["source"] = "# Check exercise 2\npass  # an edited check is replaced by the original"
    del cheating["cells"][3]  # deletes the check of exercise 1
    (subs / "erin" / source.name).write_text(json.dumps(cheating))
    (subs / "frank" / "answers.txt").write_text("42")
    out = tmp_path_factory.mktemp("out") / "grades.csv"
    grade(subs, out, instructor_dir=course_dir, cell_timeout=8, total_timeout=120, jobs=3)
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {(r["student"], r["exercise"]): r for r in rows}


def test_instructor_version_gets_full_points(graded):
    assert graded["alice", "ex1-check"]["points"] == "2" and graded["alice", "ex2-check"]["points"] == "1"
    assert graded["alice", "ex1-check"]["feedback"] == "passed"


def test_student_stub_gets_zero_with_the_reason(graded):
    for exercise in ("ex1-check", "ex2-check"):
        assert graded["bob", exercise]["points"] == "0"
    assert "NotImplementedError" in graded["bob", "ex1-check"]["feedback"]
    assert "NameError" in graded["bob", "ex2-check"]["feedback"]


def test_invalid_json_is_graded_as_failed(graded):
    row = graded["carol", "ex1-check"]
    assert row["points"] == "0" and row["max_points"] == "2" and "not a valid notebook" in row["feedback"]


def test_infinite_loop_fails_that_exercise_only(graded):
    assert graded["dave", "ex1-check"]["points"] == "0"
    assert graded["dave", "ex2-check"]["points"] == "1"


def test_deleted_check_and_wrong_answer(graded):
    assert "deleted" in graded["erin", "ex1-check"]["feedback"]
    row = graded["erin", "ex2-check"]
    assert row["points"] == "0" and "answer: expected ≥ 42, got 41" in row["feedback"]


def test_non_notebook_file_gets_a_row(graded):
    assert "not a notebook" in graded["frank", "-"]["feedback"]


def test_grade_needs_a_folder(tmp_path):
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        grade(tmp_path / "missing", tmp_path / "g.csv")
    with pytest.raises(FileNotFoundError, match="holds no files"):
        grade(tmp_path, tmp_path / "g.csv")
