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
import re
import sys
from pathlib import Path

import nbformat

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
# Grading lives in course_utils.grading (hostile submissions, one sandbox each: course_utils.sandbox).
from course_utils.grading import (  # noqa: E402
    GRADE_COLUMNS,
    REVIEW,
    SandboxUnavailableError,
    grade,
    grade_submission,
    totals_path,
)
from course_utils.sandbox import Limits  # noqa: E402

__all__ = ["GRADE_COLUMNS", "REVIEW", "build_student", "exercise_cells", "grade", "grade_submission", "tag"]


def _add_grade_arguments(p_grade) -> None:
    d = Limits()
    p_grade.add_argument("submissions", type=Path)
    p_grade.add_argument("--out", type=Path, default=Path("build/grades.csv"))
    p_grade.add_argument("--instructor-dir", type=Path, default=None, help="default: notebooks/")
    p_grade.add_argument("--cell-timeout", type=int, default=d.cell_timeout, help="seconds per cell")
    p_grade.add_argument("--timeout", type=int, default=d.total_timeout, help="seconds per notebook")
    p_grade.add_argument("--memory-mb", type=int, default=d.memory_mb, help="resident memory per submission")
    p_grade.add_argument("--processes", type=int, default=d.processes, help="processes per submission")
    p_grade.add_argument("--output-mb", type=int, default=d.output_mb, help="cell outputs per submission")
    p_grade.add_argument("--scratch-mb", type=int, default=d.scratch_mb, help="scratch disk per submission")
    p_grade.add_argument("--jobs", type=int, default=1, help="submissions graded at once (memory adds up)")
    p_grade.add_argument("--regrade", action="store_true", help="ignore the progress of an earlier run")
    p_grade.add_argument(
        "--unsafe", action="store_true", help="grade WITHOUT a sandbox where the OS refuses namespaces"
    )


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
    _add_grade_arguments(p_grade)
    args = parser.parse_args(argv)
    if args.command == "tag":
        for path in args.notebooks:
            print(f"{path}: {tag(path)} exercises tagged")
    elif args.command == "student":
        for path in build_student(args.notebooks, args.out):
            print(f"wrote {path}")
    else:
        limits = Limits(
            memory_mb=args.memory_mb,
            processes=args.processes,
            cell_timeout=args.cell_timeout,
            total_timeout=args.timeout,
            output_mb=args.output_mb,
            scratch_mb=args.scratch_mb,
        )
        try:
            rows = grade(
                args.submissions,
                args.out,
                instructor_dir=args.instructor_dir,
                limits=limits,
                unsafe=args.unsafe,
                regrade=args.regrade,
                jobs=args.jobs,
            )
        except (NotADirectoryError, FileNotFoundError, ValueError, SandboxUnavailableError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        earned = sum(int(r["points"]) for r in rows)
        possible = sum(int(r["max_points"]) for r in rows)
        review = sorted({r["student"] for r in rows if str(r["feedback"]).startswith(REVIEW)})
        print(
            f"wrote {args.out} and {totals_path(args.out)}: {len(rows)} rows, {earned}/{possible} points in all"
        )
        if review:
            print(f"{len(review)} submission(s) need manual review: {', '.join(review)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
