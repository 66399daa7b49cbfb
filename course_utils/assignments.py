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


def main(argv: list[str] | None = None) -> int:
    """Command line: tag notebooks."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.assignments")
    sub = parser.add_subparsers(dest="command", required=True)
    p_tag = sub.add_parser("tag", help="write nbgrader metadata from the '# Exercise N' comments")
    p_tag.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "tag":
        for path in args.notebooks:
            print(f"{path}: {tag(path)} exercises tagged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
