"""nbgrader's own commands on a course-style notebook, with the repository's nbgrader_config.py, unchanged."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from course_utils.assignments import tag
from tests.test_grading_hostile import toy_notebook

ROOT = Path(__file__).resolve().parent.parent
NBGRADER = [sys.executable, "-m", "nbgrader"]


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # nbgrader runs `alembic`
    env = dict(os.environ, COURSE_PROFILE="quick", PYTHONPATH=str(ROOT), PATH=path)
    done = subprocess.run(
        [*NBGRADER, *args], cwd=course, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_generate_autograde_export(tmp_path):
    course = tmp_path / "course"
    (course / "source" / "ps1").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    nb = toy_notebook("# 97 · nbgrader toy")
    nb.cells[4].metadata["course"] = {"wrong_answers": ["answer = 41"]}  # stays with the instructor
    source = course / "source" / "ps1" / "97_toy.ipynb"
    nbformat.write(nb, source)
    tag(source)  # exactly what the committed notebooks carry

    _nbgrader(course, "generate_assignment", "ps1", "--force")
    released = course / "release" / "ps1" / "97_toy.ipynb"
    text = released.read_text()
    assert "return x * x" not in text and "square(-2.0)" not in text and "wrong_answers" not in text
    assert text.count("raise NotImplementedError()") == 2

    for student, notebook in (("alice", source), ("bob", released)):
        target = course / "submitted" / student / "ps1"
        target.mkdir(parents=True)
        shutil.copy(notebook, target / "97_toy.ipynb")
    _nbgrader(course, "autograde", "ps1", "--force")
    _nbgrader(course, "export")
    with open(course / "grades.csv", newline="") as fh:
        scores = {r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in csv.DictReader(fh)}
    assert scores["alice"] == (3.0, 3.0)
    assert scores["bob"] == (0.0, 3.0)
