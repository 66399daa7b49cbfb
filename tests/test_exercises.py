"""Every exercise check is real: the student build leaks nothing, and every exercise is probed.

The probes (stub and wrong answers rejected, the visible check alone passing on the solution) run
inside nbval's single execution of each notebook: see course_utils/realness.py and
notebooks/conftest.py.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from course_utils.assignments import exercise_cells, student_version
from course_utils.realness import MARK, augmented, wrong_answers
from tests.conftest import NOTEBOOKS

REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_student_version_leaks_no_solution(path):
    instructor = nbformat.read(path, as_version=4)
    student = student_version(instructor)
    student_text = "\n".join(c.source for c in student.cells)
    assert "BEGIN SOLUTION" not in student_text and "HIDDEN TESTS" not in student_text
    # Lines the lesson shows anyway (outside any solution or hidden test) are not a leak.
    public_text = "\n".join(REGION.sub("", c.source) for c in instructor.cells)
    for cell in instructor.cells:
        for _, body in REGION.findall(cell.source):
            lines = [line.strip() for line in body.splitlines() if line.strip()]
            if len(lines) > 1:
                assert body.strip() not in student_text, f"a whole solution leaked: {body[:80]!r}"
            for line in lines:
                if len(line) > 12 and line not in public_text:
                    assert line not in student_text, f"leaked into the student version: {line!r}"
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    stubs = student_text.count("raise NotImplementedError()")
    assert stubs >= len(exercise_cells(instructor)), "every exercise needs a stub in the student version"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_exercise_carries_a_wrong_answer_and_is_probed(path):
    # The probes themselves run inside nbval's execution of the notebook (notebooks/conftest.py).
    instructor = nbformat.read(path, as_version=4)
    exercises = exercise_cells(instructor)
    assert 2 <= len(exercises) <= 4, f"2-4 exercises per notebook, found {len(exercises)}"
    for number, entry in exercises.items():
        answers = wrong_answers(instructor.cells[entry["solution"]])
        assert answers, f"exercise {number}: record a plausible wrong answer in metadata.course.wrong_answers"
    probes = [c.source for c in augmented(instructor).cells if c.source.startswith(MARK)]
    expected = sum(2 + len(wrong_answers(instructor.cells[e["solution"]])) for e in exercises.values())
    assert len(probes) == expected, (
        "a stub probe, the wrong-answer probes and a visible-check cell per exercise"
    )
