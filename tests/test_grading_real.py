"""Grading a real course notebook: an answer that passes the visible checks but not the hidden ones
loses those points, and honest answers on a real TensorFlow notebook are not flagged."""

from __future__ import annotations

import nbformat

from course_utils.assignments import exercise_cells, student_version
from course_utils.grading import grade
from tests.conftest import ROOT
from tests.test_grading_hostile import _ensure_bwrap

NAME = "07_rnn.ipynb"  # the cheapest notebook of the course
# Right for the default horizon=1 (all the visible checks use it), wrong for the hidden horizon=3.
VISIBLE_ONLY = """# Exercise 1
def windows_by_hand(series, window, horizon=1):
    series = np.asarray(series, dtype=np.float32)
    count = len(series) - window
    x = np.stack([series[i : i + window] for i in range(count)])[..., None]
    y = np.array([series[i + window] for i in range(count)], dtype=np.float32)
    return x, y"""


def test_hidden_tests_count_on_a_real_notebook(tmp_path):
    _ensure_bwrap()
    instructor = nbformat.read(ROOT / "notebooks" / NAME, as_version=4)
    nb = student_version(instructor)  # what students get: no hidden tests in the check cells
    for number, entry in exercise_cells(instructor).items():
        answer = VISIBLE_ONLY if number == "1" else instructor.cells[entry["solution"]].source
        nb.cells[entry["solution"]].source = answer
    (tmp_path / "subs" / "carol").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "subs" / "carol" / NAME)
    rows = {r["exercise"]: r for r in grade(tmp_path / "subs", tmp_path / "g.csv", log=lambda message: None)}
    assert rows["ex1-check"]["points"] == 0 and "horizon=3" in rows["ex1-check"]["feedback"], rows[
        "ex1-check"
    ]
    others = [r for name, r in rows.items() if name != "ex1-check"]
    assert others and all(r["points"] == r["max_points"] and r["feedback"] == "passed" for r in others), (
        others
    )
