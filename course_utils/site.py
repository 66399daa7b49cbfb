"""The course site: the committed, executed notebooks as a static HTML book (`make site`).

Sphinx + myst-nb + sphinx-book-theme (configuration in `site/conf.py`). Nothing is re-executed:
each page shows the notebook's stored outputs, except the exercises, which are shown as learners
get them (nbgrader's student version: solutions replaced by a stub, hidden tests removed, no
outputs). A notebook with an error output is refused, so a broken page never ships.

    python -m course_utils.site [--out build/site] [notebooks ...]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from course_utils.assignments import exercise_cells, student_version, tag
from course_utils.runtime import project_root

SECRET_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")

CELL_METADATA = {"tags", "mystnb", "jupyter", "collapsed", "scrolled", "editable", "deletable"}
NOTEBOOK_METADATA = {"kernelspec", "language_info", "title"}


class SiteError(RuntimeError):
    """A notebook that must not go on the site as it is (an error output, a leaked solution)."""


def error_outputs(nb) -> list[str]:
    """'cell N: Name: message' for every stored error output of a notebook."""
    found = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                message = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()
                found.append(f"cell {index}: {message.splitlines()[0][:200] if message else 'error'}")
    return found


def learner_notebook(nb):
    """The page's notebook: stored outputs everywhere, the student version of every exercise cell."""
    nb = nbformat.from_dict(nb)
    exercise_indices = {i for entry in exercise_cells(nb).values() for k, i in entry.items() if k != "points"}
    exercise_indices |= {
        i for i, c in enumerate(nb.cells) if any(m in c.source for m in SECRET_MARKERS[::2])
    }  # any solution / hidden-test region, even outside the '# Exercise N' convention
    if exercise_indices:
        student = student_version(_tagged(nb))
        for i in exercise_indices:
            nb.cells[i].source = student.cells[i].source
            nb.cells[i].outputs = []
            nb.cells[i].execution_count = None
    # Metadata is instructor material too (e.g. wrong answers for the checks, nbgrader ids): a page and
    # its download keep only what rendering and JupyterLab use.
    nb.metadata = nbformat.from_dict({k: v for k, v in nb.metadata.items() if k in NOTEBOOK_METADATA})
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k in CELL_METADATA})
    for i, cell in enumerate(nb.cells):
        if any(m in cell.source for m in SECRET_MARKERS):
            raise SiteError(f"cell {i} would show a solution or hidden test on the site")
    return nb


def _tagged(nb):
    """A copy with the nbgrader metadata written from the '# Exercise N' comments (as `make outputs` does)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "notebook.ipynb"
        nbformat.write(nb, path)
        tag(path)
        return nbformat.read(path, as_version=4)


def notebook_title(nb, fallback: str) -> str:
    """The first Markdown heading, without the leading '# '."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if m := re.match(r"#\s+(.+)", line):
                    return m.group(1).strip()
    return fallback


def read_results(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """(notebook, profile) -> its row of benchmarks/results.csv (columns read by name)."""
    if not path.exists():
        return {}
    with path.open(newline="") as f:
        return {(r.get("notebook", ""), r.get("profile", "")): r for r in csv.DictReader(f)}


def _number(text: str | None) -> str:
    try:
        return f"{float(text):.3g}"
    except (TypeError, ValueError):
        return text or ""


def _result_cell(row: dict[str, str] | None) -> str:
    if not row:
        return "not measured"
    parts = []
    if row.get("seconds"):
        parts.append(f"{float(row['seconds']):.0f} s")
    if row.get("metric"):
        result = f"{row['metric']} **{_number(row.get('value'))}**"
        if row.get("target"):
            result += f" (target {_number(row['target'])})"
        parts.append(result)
    return " · ".join(parts).replace("|", "\\|") or "not measured"


def home_page(pages: list[tuple[str, str]], results: dict) -> str:
    """The index page (MyST Markdown): a table of contents with each notebook's time and result."""
    lines = [
        "# Deep learning with TensorFlow 2 / Keras 3",
        "",
        "A course in executed Jupyter notebooks, from machine learning vs deep learning to scaling out.",
        "Every page below is a notebook as it was last run; each one asserts the result it claims.",
        "The exercises are shown without their solutions: download a page's notebook (the download",
        "button at the top) or clone the repository and run `make lab` to do them.",
        "",
        "| # | notebook | full profile: time · result | quick profile: time · result |",
        "|---|---|---|---|",
    ]
    for stem, title in pages:
        number = stem.split("_", 1)[0]
        name = re.sub(r"^\d+\s*·\s*", "", title).replace("|", "\\|")
        full, quick = (_result_cell(results.get((stem, p))) for p in ("full", "quick"))
        lines.append(f"| {number} | [{name}]({stem}.ipynb) | {full} | {quick} |")
    lines += [
        "",
        "Times and results are measured by `make bench` (`benchmarks/results.csv`) on a 2-core CPU.",
        "",
        "```{toctree}",
        ":hidden:",
        ":maxdepth: 1",
        "",
        *[stem for stem, _ in pages],
        "```",
        "",
    ]
    return "\n".join(lines)


def _write_if_changed(path: Path, text: str) -> None:
    """Keep the mtime of unchanged sources, so Sphinx rebuilds only what changed."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def build(
    notebooks: list[Path] | None = None,
    out: Path | None = None,
    results_csv: Path | None = None,
    *,
    allow_errors: bool = False,
    quiet: bool = True,
) -> Path:
    """Build the site into out/html (sources in out/src); returns the html folder."""
    root = project_root()
    notebooks = notebooks or sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    out = (out or root / "build" / "site").resolve()
    src, html_dir = out / "src", out / "html"
    src.mkdir(parents=True, exist_ok=True)
    pages, problems = [], []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        errors = error_outputs(nb)
        if errors and not allow_errors:
            problems += [f"{path.name}: {e}" for e in errors]
            continue
        try:
            page = learner_notebook(nb)
        except (SiteError, RuntimeError) as exc:
            raise SiteError(f"{path}: {exc}") from exc
        _write_if_changed(src / path.name, nbformat.writes(page) + "\n")
        pages.append((path.stem, notebook_title(nb, path.stem)))
    if problems:
        raise SiteError(
            "notebooks with an error output are not put on the site (re-run them with `make outputs "
            "NB=...`):\n  " + "\n  ".join(problems)
        )
    names = {f"{stem}.ipynb" for stem, _ in pages} | {"index.md"}
    for stale in src.iterdir():
        if stale.is_file() and stale.name not in names:
            stale.unlink()
    results = read_results(results_csv or root / "benchmarks" / "results.csv")
    _write_if_changed(src / "index.md", home_page(pages, results))
    command = [  # -W: a warning (a broken link or image, bad Markdown) fails the build
        sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-c", str(root / "site"),
        "-d", str(out / "doctrees"), str(src), str(html_dir),
    ]  # fmt: skip
    if quiet:
        command.append("-q")
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.run(command, env=env, capture_output=quiet, text=True)
    if proc.returncode != 0:
        raise SiteError(f"sphinx-build failed ({proc.returncode}):\n{proc.stdout or ''}{proc.stderr or ''}")
    if quiet and proc.stderr and proc.stderr.strip():
        print(proc.stderr, file=sys.stderr)
    return html_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.site", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--out", type=Path, default=None, help="default: build/site")
    args = parser.parse_args(argv)
    try:
        html_dir = build(args.notebooks or None, args.out)
    except SiteError as exc:
        print(exc, file=sys.stderr)
        return 1
    index = html_dir / "index.html"
    print(
        f"site built: {index}\nview it: python -m http.server -d {html_dir} 8000  (then http://localhost:8000)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
