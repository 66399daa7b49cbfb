"""Exercises as nbgrader assignments: tag cells, build the student version, grade submissions.

Convention in the instructor notebooks (the committed ones):
- an exercise's solution cell starts with ``# Exercise N`` and holds ``### BEGIN SOLUTION`` /
  ``### END SOLUTION``;
- its check cell starts with ``# Check exercise N`` (optionally ``(2 points)``) and may hold
  ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``.
`tag` writes the nbgrader metadata from these comments, so nobody edits cell metadata by hand.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from course_utils.runtime import project_root

SOLUTION_RE = re.compile(r"^#\s*Exercise\s+(\d+)\b", re.I)
CHECK_RE = re.compile(r"^#\s*Check exercise\s+(\d+)(?:\s*\((\d+)\s*points?\))?", re.I)


def exercise_cells(nb) -> dict[str, dict]:
    """Map exercise number -> {'solution': cell index, 'check': cell index, 'points': int}."""
    found: dict[str, dict] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        first = cell.source.lstrip().splitlines()[0]
        if (m := SOLUTION_RE.match(first)) and "### BEGIN SOLUTION" in cell.source:
            found.setdefault(m.group(1), {})["solution"] = index
        elif m := CHECK_RE.match(first):
            entry = found.setdefault(m.group(1), {})
            entry["check"] = index
            entry["points"] = int(m.group(2) or 1)
    return found


def tag(path: Path) -> int:
    """Write nbgrader metadata for every exercise of a notebook; returns the number of exercises."""
    nb = nbformat.read(path, as_version=4)
    exercises = exercise_cells(nb)
    for number, entry in exercises.items():
        if "solution" not in entry or "check" not in entry:
            raise ValueError(
                f"{path}: exercise {number} needs a '# Exercise {number}' cell with ### BEGIN SOLUTION "
                f"and a '# Check exercise {number}' cell; found only {sorted(set(entry) - {'points'})}."
            )
        nb.cells[entry["solution"]].metadata["nbgrader"] = {
            "grade": False,
            "grade_id": f"ex{number}-solution",
            "locked": False,
            "schema_version": 3,
            "solution": True,
        }
        nb.cells[entry["check"]].metadata["nbgrader"] = {
            "grade": True,
            "grade_id": f"ex{number}-check",
            "locked": True,
            "points": entry["points"],
            "schema_version": 3,
            "solution": False,
        }
    nbformat.write(nb, path)
    return len(exercises)


def student_version(nb):
    """The student notebook: nbgrader's own preprocessors clear solutions, hidden tests and outputs."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions, LockCells

    nb = nbformat.from_dict(nb)  # a copy: the instructor notebook stays as it is
    resources = {"language": "python"}
    for preprocessor in (LockCells(), ClearSolutions(), ClearHiddenTests(), ClearOutput()):
        nb, resources = preprocessor.preprocess(nb, resources)
    for cell in nb.cells:  # the wrong answers the realness tests feed the checks stay with the instructor
        cell.metadata.pop("course", None)
    return nb


def build_student(notebooks: list[Path], out_dir: Path) -> list[Path]:
    """Write the student version of each notebook into out_dir; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        if not exercise_cells(nb):
            raise ValueError(f"{path} has no exercises tagged '# Exercise N' / '# Check exercise N'.")
        target = out_dir / path.name
        try:
            student = student_version(nb)
        except RuntimeError as exc:  # nbgrader's complaint about an untagged solution region
            raise ValueError(f"{path}: {exc} Run `make outputs NB={path}` to tag its exercises.") from exc
        nbformat.write(student, target)
        written.append(target)
    return written


# ---------------------------------------------------------------- grading

GRADE_COLUMNS = ["student", "file", "exercise", "points", "max_points", "feedback"]


def _grade_cells(nb) -> dict[str, nbformat.NotebookNode]:
    """Cells with nbgrader metadata, by grade_id."""
    return {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in nb.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    }


def _error_of(cell) -> str | None:
    """The error a cell raised ('Name: message'), or None when it ran cleanly."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            if out.get("ename") == "NotImplementedError":
                return "not attempted: the solution cell still raises NotImplementedError"
            text = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()
            return text.splitlines()[0][:300] if text else "error"
    return None


def _network_isolation() -> list[str]:
    """A command prefix that runs without network (a new namespace with only loopback), where the OS allows it."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if unshare is None or ip is None:
        return []
    prefix = [unshare, "-n", "sh", "-c", f'{ip} link set lo up && exec "$@"', "sh"]
    if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
        return prefix
    return []


def execute(source: Path, target: Path, *, cell_timeout: int, total_timeout: int) -> str | None:
    """Execute a notebook in a fresh kernel, offline, in a scratch folder; returns a failure reason or None."""
    env = dict(os.environ, COURSE_PROFILE="quick", PYTHONPATH=str(project_root()))
    command = [
        *_network_isolation(),
        sys.executable,
        "-m",
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--allow-errors",
        f"--ExecutePreprocessor.timeout={cell_timeout}",
        "--ExecutePreprocessor.interrupt_on_timeout=True",
        "--ExecutePreprocessor.startup_timeout=300",
        "--ExecutePreprocessor.kernel_name=python3",
        "--output",
        str(target),
        str(source),
    ]
    with tempfile.TemporaryDirectory() as scratch:
        try:
            done = subprocess.run(
                command, cwd=scratch, env=env, capture_output=True, text=True, timeout=total_timeout
            )
        except subprocess.TimeoutExpired:
            return f"timed out: the notebook ran longer than {total_timeout} s"
    if done.returncode != 0 or not target.exists():
        last = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        return f"could not be executed: {last[:300]}"
    return None


def grade_submission(
    path: Path, submissions_root: Path, instructor_dir: Path, *, cell_timeout: int, total_timeout: int
) -> list[dict]:
    """Grade one submitted file into rows of GRADE_COLUMNS; never raises for a bad submission."""
    student = path.parent.name if path.parent != submissions_root else path.stem

    def row(exercise="-", points=0, max_points=0, feedback=""):
        return dict(
            student=student,
            file=path.name,
            exercise=exercise,
            points=points,
            max_points=max_points,
            feedback=feedback,
        )

    if path.suffix != ".ipynb":
        return [row(feedback="not a notebook: submit the .ipynb file")]
    reference_path = instructor_dir / path.name
    if not reference_path.exists():
        return [row(feedback=f"unknown assignment: there is no notebook named {path.name} in the course")]
    reference = nbformat.read(reference_path, as_version=4)
    exercises = exercise_cells(reference)
    checks = {
        f"ex{n}-check": (reference.cells[e["check"]], e["points"])
        for n, e in sorted(exercises.items(), key=lambda kv: int(kv[0]))
    }
    try:
        submitted = nbformat.read(path, as_version=4)
    except Exception as exc:  # invalid JSON, wrong schema, binary junk
        reason = f"not a valid notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
        return [row(grade_id, 0, pts, reason) for grade_id, (_, pts) in checks.items()]

    cells = _grade_cells(submitted)
    missing = {}
    for grade_id, (reference_cell, _) in checks.items():
        if grade_id not in cells:
            missing[grade_id] = f"the check cell {grade_id} was deleted from the notebook"
        else:  # the instructor's check (hidden tests included) replaces whatever the student left there
            cells[grade_id].source = reference_cell.source
    for number in exercises:
        if f"ex{number}-solution" not in cells:
            missing.setdefault(f"ex{number}-check", f"the solution cell ex{number}-solution was deleted")

    with tempfile.TemporaryDirectory() as work_dir:
        source, executed = Path(work_dir) / path.name, Path(work_dir) / f"executed-{path.name}"
        nbformat.write(submitted, source)
        failure = execute(source, executed, cell_timeout=cell_timeout, total_timeout=total_timeout)
        results = _grade_cells(nbformat.read(executed, as_version=4)) if failure is None else {}

    rows = []
    for grade_id, (_, points) in checks.items():
        if grade_id in missing:
            rows.append(row(grade_id, 0, points, missing[grade_id]))
        elif failure:
            rows.append(row(grade_id, 0, points, failure))
        elif error := _error_of(results[grade_id]):
            rows.append(row(grade_id, 0, points, error))
        else:
            rows.append(row(grade_id, points, points, "passed"))
    return rows


def grade(
    submissions: Path,
    out_csv: Path,
    *,
    instructor_dir: Path | None = None,
    cell_timeout: int = 120,
    total_timeout: int = 600,
) -> list[dict]:
    """Grade every file under `submissions` (one folder per student, or files directly) into a CSV."""
    if not submissions.is_dir():
        raise NotADirectoryError(
            f"{submissions} is not a folder: put the submitted notebooks there (one sub-folder per student)."
        )
    instructor_dir = instructor_dir or project_root() / "notebooks"
    files = sorted(p for p in submissions.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise FileNotFoundError(f"{submissions} holds no files to grade.")
    rows = []
    try:
        from tqdm import tqdm

        files_iter = tqdm(files, desc="grading", unit="notebook")
    except ImportError:  # pragma: no cover - tqdm is a pinned dependency
        files_iter = files
    for path in files_iter:
        rows += grade_submission(
            path, submissions, instructor_dir, cell_timeout=cell_timeout, total_timeout=total_timeout
        )
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with open(out_csv, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=GRADE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line: tag notebooks, build the student version, grade submissions."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.assignments")
    sub = parser.add_subparsers(dest="command", required=True)
    p_tag = sub.add_parser("tag", help="write nbgrader metadata from the '# Exercise N' comments")
    p_tag.add_argument("notebooks", nargs="+", type=Path)
    p_student = sub.add_parser("student", help="write the student version of notebooks")
    p_student.add_argument("notebooks", nargs="+", type=Path)
    p_student.add_argument("--out", type=Path, default=Path("build/student"))
    p_grade = sub.add_parser("grade", help="grade a folder of submitted notebooks into a CSV")
    p_grade.add_argument("submissions", type=Path)
    p_grade.add_argument("--out", type=Path, default=Path("build/grades.csv"))
    p_grade.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell")
    p_grade.add_argument("--timeout", type=int, default=600, help="seconds per notebook")
    args = parser.parse_args(argv)
    if args.command == "tag":
        for path in args.notebooks:
            print(f"{path}: {tag(path)} exercises tagged")
    elif args.command == "student":
        for path in build_student(args.notebooks, args.out):
            print(f"wrote {path}")
    else:
        try:
            rows = grade(
                args.submissions, args.out, cell_timeout=args.cell_timeout, total_timeout=args.timeout
            )
        except (NotADirectoryError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        earned = sum(r["points"] for r in rows)
        possible = sum(r["max_points"] for r in rows)
        print(f"wrote {args.out}: {len(rows)} rows, {earned}/{possible} points in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
