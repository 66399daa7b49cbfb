"""Every notebook meets the course standard (CONTRIBUTING.md): structure, outputs, exercises."""

from __future__ import annotations

import re

import nbformat
import pytest

from course_utils.assignments import exercise_cells
from tests.conftest import NOTEBOOKS


def _load(path):
    return nbformat.read(path, as_version=4)


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3, "the course needs at least notebooks 00-02"


def test_notebooks_are_numbered_in_order():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers[:3] == [0, 1, 2], "the course starts with 00, 01, 02"
    assert len(set(numbers)) == len(numbers), f"two notebooks share a number: {numbers}"
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name) for p in NOTEBOOKS), "name them NN_topic.ipynb"


def test_sections(notebook_path):
    nb = _load(notebook_path)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {notebook_path.name[:2]} · "), (
        "the first cell must be the title '# NN · Topic'"
    )
    md = _markdown(nb)
    for heading in ("## Learning objectives", "## Exercises", "## Summary", "## Further reading"):
        assert heading in md, f"missing the '{heading}' section"
    assert "**Prerequisites:**" in md
    objectives = md.split("## Learning objectives", 1)[1].split("\n#", 1)[0]
    bullets = [line for line in objectives.splitlines() if line.lstrip().startswith(("-", "*"))]
    assert 3 <= len(bullets) <= 6, f"3-5 learning objectives expected, found {len(bullets)}"


def test_setup_comes_before_tensorflow(notebook_path):
    code = [c.source for c in _code(_load(notebook_path))]
    setup_at = next((i for i, s in enumerate(code) if "course_utils.setup(" in s), None)
    assert setup_at is not None, "the notebook must call course_utils.setup()"
    for i, source in enumerate(code[: setup_at + 1]):
        head = source.split("course_utils.setup(")[0] if i == setup_at else source
        assert not re.search(r"^\s*(import|from)\s+(tensorflow|keras)\b", head, re.M), (
            "import TensorFlow/Keras after course_utils.setup(), which silences its logs first"
        )


def test_stored_outputs_are_clean(notebook_path):
    nb = _load(notebook_path)
    code = _code(nb)
    assert any(c.outputs for c in code), "outputs must be stored (run `make outputs NB=...`)"
    counts = [c.execution_count for c in code if c.source.strip()]
    assert all(isinstance(n, int) for n in counts), "every code cell needs an execution count"
    assert counts == sorted(counts) and len(set(counts)) == len(counts), "run top to bottom in one kernel"
    for cell in code:
        for out in cell.outputs:
            assert out.output_type != "error", f"stored error in cell: {cell.source[:80]!r}"
            if out.get("name") == "stderr":
                assert not re.search(r"oneDNN|absl::|I0000|E0000|W0000|cuda", out.text), (
                    f"TensorFlow log lines stored: {out.text[:120]!r}"
                )
            text = out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
            assert not re.search(r"\d+ms/step|\d+s/step|ETA:", text), (
                "progress-bar timings stored: use verbose=0"
            )


def test_no_forbidden_code(notebook_path):
    source = "\n".join(c.source for c in _code(_load(notebook_path)))
    assert not re.search(r"^\s*[!%]\s*pip\s+install", source, re.M), "no pip install in notebooks"
    assert not re.search(r"(/root/|/home/|/tmp/|/Users/|[A-Z]:\\\\)", source), "no absolute paths"
    assert not re.search(r"(?<![.\w])eval\(|\bpickle\b|allow_pickle\s*=\s*True", source), "no eval/pickle"
    assert not re.search(r"verbose\s*=\s*[12]\b", source), "use verbose=0 so outputs stay reproducible"


def test_checked_outputs_and_headline(notebook_path):
    source = [c.source for c in _code(_load(notebook_path))]
    assert any(s.startswith("# NBVAL_CHECK_OUTPUT") for s in source), "mark deterministic cells for nbval"
    assert sum("course.headline(" in s for s in source) == 1, "exactly one course.headline(...) call"
    call = next(s for s in source if "course.headline(" in s).split("course.headline(", 1)[1]
    # headline() itself asserts that the quick floor beats this baseline by the margin
    assert re.search(r"\bbaseline\s*=", call) and re.search(r"\bmargin\s*=", call), (
        "the headline names the no-learning baseline it must beat: baseline=..., margin=..."
    )


def _all_output_text(nb) -> str:
    return "\n".join(
        out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
        for c in _code(nb)
        for out in c.outputs
    )


def test_stored_outputs_are_the_full_profile(notebook_path):
    nb = _load(notebook_path)
    setup_cell = next(c for c in _code(nb) if "course_utils.setup(" in c.source)
    shown = "".join(o.get("text", "") for o in setup_cell.outputs)
    assert "profile: full" in shown, (
        "the stored outputs must be the full profile's: run `make outputs NB=...` (full by default)"
    )
    assert not setup_cell.source.startswith("# NBVAL_CHECK_OUTPUT"), "the setup cell prints the profile"


def test_comparisons_are_shown_over_seeds(notebook_path):
    if notebook_path.name[:2] in ("00", "16"):  # their claims are exact identities and timings
        return
    text = _all_output_text(_load(notebook_path))
    assert re.search(r"\b([3-9]|\d\d+)\s+seeds\b", text), (
        "comparative claims need >= 3 seeds in the stored outputs (course.over_seeds, course.seeds)"
    )


def test_training_shows_progress(notebook_path):
    source = "\n".join(c.source for c in _code(_load(notebook_path)))
    if not re.search(r"\.fit\(|for \w+ in .*range\(", source):
        return
    assert re.search(r"course\.(progress|track|over_seeds)\(", source), (
        "long training cells show progress: fit(..., callbacks=[course.progress('...')]) or course.track(...)"
    )


def test_exercises_are_tagged(notebook_path):
    nb = _load(notebook_path)
    exercises = exercise_cells(nb)
    assert 2 <= len(exercises) <= 4, f"2-4 exercises expected, found {len(exercises)}"
    for number, entry in exercises.items():
        assert {"solution", "check"} <= set(entry), f"exercise {number} needs a solution and a check cell"
        assert entry["solution"] < entry["check"], f"exercise {number}: the check must follow the solution"
        solution = nb.cells[entry["solution"]].metadata.get("nbgrader", {})
        check = nb.cells[entry["check"]].metadata.get("nbgrader", {})
        assert solution.get("solution") and solution.get("grade_id") == f"ex{number}-solution", (
            "run `make outputs` to write the nbgrader metadata"
        )
        assert check.get("grade") and check.get("points", 0) > 0
    source = "\n".join(c.source for c in _code(nb))
    assert source.count("### BEGIN SOLUTION") == source.count("### END SOLUTION")
    assert source.count("### BEGIN HIDDEN TESTS") == source.count("### END HIDDEN TESTS")


@pytest.mark.parametrize(
    "name", ["README.md", "data/README.md", ".ci/run", "requirements.txt", "environment.yml"]
)
def test_project_files_exist(root, name):
    assert (root / name).is_file(), f"{name} is missing"


def test_readme_lists_every_notebook(root):
    readme = (root / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"notebooks/{path.name}" in readme, f"README's table of contents misses {path.name}"
