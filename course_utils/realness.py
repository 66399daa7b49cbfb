"""Proof that every exercise check is real, inside the one nbval execution of each notebook.

`augmented(nb)` returns the instructor notebook with cells added around each exercise: before the
solution, the student stub and every recorded wrong answer are run against the check (each must be
rejected); after the solution, the student-visible check alone must pass; then the instructor's check
(hidden tests included) runs as before. Wrong answers live in the solution cell's metadata,
``metadata["course"]["wrong_answers"]`` (a list of cell sources); `make student` removes them.
"""

from __future__ import annotations

import nbformat

MARK = "# realness check (added by the test suite)"


def wrong_answers(cell) -> list[str]:
    """The plausible wrong answers recorded on a solution cell."""
    answers = cell.get("metadata", {}).get("course", {}).get("wrong_answers", [])
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        raise ValueError("metadata.course.wrong_answers must be a list of non-empty code strings.")
    return answers


def _probe(number: str, what: str, answer: str, check: str, allowed: tuple[str, ...]):
    source = (
        f"{MARK}\nfrom course_utils.realness import expect_rejected\n\n"
        f"expect_rejected({number!r}, {what!r}, {answer!r}, {check!r}, globals(), allowed={allowed!r})"
    )
    return nbformat.v4.new_code_cell(source)


def augmented(nb):
    """The notebook with the realness cells of every exercise added (a copy; `nb` is unchanged)."""
    from course_utils.assignments import exercise_cells, student_version

    nb = nbformat.from_dict(nb)
    student = student_version(nb)  # same cell indices: the build keeps every cell
    exercises = exercise_cells(nb)
    before: dict[int, list] = {}
    for number, entry in exercises.items():
        if "solution" not in entry or "check" not in entry:
            raise ValueError(f"exercise {number} needs both a solution and a check cell.")
        solution, check = entry["solution"], entry["check"]
        full_check, visible_check = nb.cells[check].source, student.cells[check].source
        probes = [_probe(number, "student stub", student.cells[solution].source, full_check,
                         ("NotImplementedError", "CheckFailed"))]  # fmt: skip
        for k, answer in enumerate(wrong_answers(nb.cells[solution]), 1):
            probes.append(_probe(number, f"wrong answer {k}", answer, full_check, ("CheckFailed",)))
        before.setdefault(solution, []).extend(probes)
        visible = nbformat.v4.new_code_cell(
            f"{MARK}\n# the student-visible check alone passes on the solution\n{visible_check}"
        )
        before.setdefault(check, []).append(visible)
    cells = []
    for index, cell in enumerate(nb.cells):
        cells += before.get(index, [])
        cells.append(cell)
    nb.cells = cells
    return nb


def expect_rejected(number: str, what: str, answer: str, check: str, namespace: dict, *, allowed) -> str:
    """Run `answer` then `check` in `namespace`; pass only if one raises an exception named in `allowed`."""
    from IPython import get_ipython

    shell = get_ipython()

    def run(source: str, label: str) -> None:
        code = shell.transform_cell(source) if shell is not None else source
        exec(compile(code, f"<exercise {number}: {label}>", "exec"), namespace)  # noqa: S102 - our own cells

    try:
        run(answer, what)
        run(check, "check")
    except Exception as err:  # judged by name: CheckFailed may come from a re-imported module
        if type(err).__name__ in allowed:
            return f"exercise {number}: the {what} is rejected ({type(err).__name__})"
        raise AssertionError(
            f"exercise {number}: the {what} should be rejected with {' or '.join(allowed)}, but it raised "
            f"{type(err).__name__}: {err} (missing setup in the student version, or a check that crashes?)"
        ) from err
    raise AssertionError(f"exercise {number}: the check accepted the {what}: the check is not real.")
