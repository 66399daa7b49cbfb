"""Every exercise check is real: it fails on the generated student stub and passes on the solution.

One kernel per notebook: the student version runs top to bottom (each check must fail), then each
instructor solution and its check run again in the same kernel (each check must pass).
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

from course_utils.assignments import exercise_cells, student_version
from tests.conftest import NOTEBOOKS


def _errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]


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
def test_checks_fail_on_stub_and_pass_on_solution(path, tmp_path):
    instructor = nbformat.read(path, as_version=4)
    exercises = exercise_cells(instructor)
    combined = student_version(instructor)
    stub_checks = {n: e["check"] for n, e in exercises.items()}  # same indices: the build keeps every cell
    solution_checks = {}
    for number, entry in sorted(exercises.items(), key=lambda kv: int(kv[0])):
        combined.cells.append(nbformat.from_dict(instructor.cells[entry["solution"]]))
        combined.cells.append(nbformat.from_dict(instructor.cells[entry["check"]]))
        solution_checks[number] = len(combined.cells) - 1
    client = NotebookClient(
        combined,
        timeout=600,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    for number in exercises:
        assert _errors(combined.cells[stub_checks[number]]), (
            f"exercise {number}: its check passed on the stub"
        )
        errors = _errors(combined.cells[solution_checks[number]])
        assert not errors, f"exercise {number}: its check failed on the solution: {errors}"
