"""The realness probes on a toy notebook: a real check passes them; a check that proves nothing fails them."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from course_utils.assignments import tag
from course_utils.realness import MARK, augmented, wrong_answers

SETUP = "from course_utils.checks import check_close\nimport numpy as np"
SOLUTION = "# Exercise 1\ndef square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION"
WRONG = "# Exercise 1\ndef square(x):\n    return 2 * x"
CHECK = (
    "# Check exercise 1\ncheck_close(square(3.0), 9.0, name='square(3)')\n"
    "### BEGIN HIDDEN TESTS\ncheck_close(square(-2.0), 4.0, name='square(-2)')\n### END HIDDEN TESTS"
)


def _run(tmp_path, setup=SETUP, check=CHECK, wrong=WRONG):
    nb = new_notebook(cells=[new_code_cell(setup), new_code_cell(SOLUTION), new_code_cell(check)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells[1].metadata["course"] = {"wrong_answers": [wrong]}
    path = tmp_path / "99_toy.ipynb"
    nbformat.write(nb, path)
    tag(path)
    probed = augmented(nbformat.read(path, as_version=4))
    NotebookClient(probed, timeout=120, allow_errors=True, kernel_name="python3").execute()
    return [
        f"{o.ename}: {o.evalue}"
        for c in probed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]


def test_a_real_check_passes_every_probe(tmp_path):
    assert _run(tmp_path) == []


def test_a_check_without_its_assertion_is_caught(tmp_path):
    errors = _run(tmp_path, check="# Check exercise 1\nsquare(3.0)")
    assert any("the check accepted the wrong answer 1" in e for e in errors), errors


def test_wrong_answers_meet_the_hidden_tests(tmp_path):
    # x * |x| is right at x = 3 (the visible check) and wrong at x = -2 (the hidden test)
    sneaky = "# Exercise 1\ndef square(x):\n    return x * abs(x)"
    assert _run(tmp_path, wrong=sneaky) == []
    visible_only = CHECK.split("### BEGIN HIDDEN TESTS")[0]
    errors = _run(tmp_path, check=visible_only, wrong=sneaky)
    assert any("the check accepted the wrong answer 1" in e for e in errors), errors


def test_a_stub_that_fails_for_the_wrong_reason_is_caught(tmp_path):
    errors = _run(tmp_path, setup="import numpy as np")  # check_close never imported: a NameError
    assert any(
        "should be rejected with NotImplementedError or CheckFailed" in e and "NameError" in e for e in errors
    )


def test_the_visible_check_alone_must_pass_on_the_solution(tmp_path):
    visible_wrong = "# Check exercise 1\ncheck_close(square(3.0), 10.0, name='square(3)')"
    errors = _run(tmp_path, check=visible_wrong)
    assert errors and any("CheckFailed" in e for e in errors)


def test_wrong_answers_metadata_is_validated():
    cell = new_code_cell("x = 1")
    assert wrong_answers(cell) == []
    cell.metadata["course"] = {"wrong_answers": "x = 2"}
    with pytest.raises(ValueError, match="list of non-empty code strings"):
        wrong_answers(cell)


def test_probes_are_marked_and_the_student_build_drops_wrong_answers():
    from course_utils.assignments import student_version

    nb = new_notebook(cells=[new_code_cell(SOLUTION), new_code_cell(CHECK)])
    nb.cells[0].metadata["course"] = {"wrong_answers": [WRONG]}
    nb.cells[0].metadata["nbgrader"] = {"grade": False, "grade_id": "ex1-solution", "locked": False,
                                        "schema_version": 3, "solution": True}  # fmt: skip
    nb.cells[1].metadata["nbgrader"] = {"grade": True, "grade_id": "ex1-check", "locked": True, "points": 1,
                                        "schema_version": 3, "solution": False}  # fmt: skip
    probes = [c for c in augmented(nb).cells if c.source.startswith(MARK)]
    assert len(probes) == 3  # the stub, one wrong answer, the visible check
    assert all("course" not in c.metadata for c in student_version(nb).cells)
