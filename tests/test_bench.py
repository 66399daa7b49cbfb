"""Tests of course_utils.bench: one real measured run of a tiny notebook, and the reports."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_utils import bench


def test_run_notebook_measures_time_memory_and_headline(tmp_path):
    nb = new_notebook(
        cells=[
            new_code_cell(
                "from course_utils.runtime import Course\n"
                "course = Course('quick', 0)\n"
                "blob = bytearray(200 * 2**20)  # 200 MB that the memory probe must see\n"
                "import time; time.sleep(1.0)\n"
                "course.headline('accuracy', 0.91, quick_floor=0.5, full_target=0.95)"
            )
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "98_tiny.ipynb"
    nbformat.write(nb, path)
    row = bench.run_notebook(path, "quick", timeout=300, calibration_s=2.0, store=True)
    assert row["notebook"] == "98_tiny" and row["profile"] == "quick"
    assert (
        row["multiple"] == pytest.approx(row["seconds"] / 2.0, abs=0.05) and row["cpu_seconds"] > 0
    )  # seconds are rounded
    stored = nbformat.read(path, as_version=4)  # store=True wrote the executed notebook back
    assert "accuracy = 0.9100" in stored.cells[0].outputs[0]["text"]
    assert row["metric"] == "accuracy" and row["value"] == 0.91 and row["target"] == 0.95
    assert row["seconds"] >= 1.0 and row["peak_mb"] >= 200
    assert row["tf_version"].startswith("2.")


def test_failed_notebook_has_no_metric(tmp_path):
    nb = new_notebook(cells=[new_code_cell("raise RuntimeError('broken')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "97_broken.ipynb")
    row = bench.run_notebook(tmp_path / "97_broken.ipynb", "quick", timeout=300)
    assert row["metric"] == "error"
    assert bench.over_budget([row]) == ["97_broken (quick): no headline metric (error)"]


def _row(notebook, profile, seconds, peak=500, value=0.9):
    return dict(
        notebook=notebook, profile=profile, seconds=seconds, peak_mb=peak, metric="acc", value=value,
        target=0.95, device="cpu", tf_version="2.21.0",
    )  # fmt: skip


def test_merge_replaces_same_notebook_and_profile():
    old = [_row("01_a", "quick", 10), _row("02_b", "quick", 12)]
    merged = bench.merge(old, [_row("01_a", "quick", 20), _row("01_a", "full", 100)])
    assert [(r["notebook"], r["profile"], r["seconds"]) for r in merged] == [
        ("01_a", "full", 100),
        ("01_a", "quick", 20),
        ("02_b", "quick", 12),
    ]


def test_over_budget_reports_time_and_memory():
    rows = [_row("01_a", "quick", 31), _row("02_b", "full", 500, peak=5000), _row("03_c", "quick", 29)]
    assert bench.over_budget(rows) == ["01_a (quick): 31 s > 30 s", "02_b (full): 5000 MB > 4096 MB"]


def test_over_budget_uses_calibration_multiples_when_measured():
    budget = bench.BUDGET_MULTIPLES["quick"]
    fast_host = dict(_row("01_a", "quick", 40), calibration_s=2.0, multiple=40 / 2.0)  # 20x: over
    slow_host = dict(_row("02_b", "quick", 50), calibration_s=16.0, multiple=50 / 16.0)  # 3.1x: within
    notes = bench.over_budget([fast_host, slow_host])
    assert len(notes) == 1 and notes[0].startswith(f"01_a (quick): 20.0 calibrations > {budget:.1f}")
    # today's budgets stay as strict: 30 s on the Xeon is the quick budget in multiples
    assert budget * bench.CALIBRATION_XEON_S == pytest.approx(30)


def test_calibration_brackets_the_runs(tmp_path, monkeypatch):
    # the VM's speed drifts: the multiples use the mean of a calibration before and one after the runs
    times = iter([6.0, 8.0])
    monkeypatch.setattr(bench, "calibrate", lambda: next(times))
    monkeypatch.setattr(
        bench, "run_notebook", lambda path, profile, timeout, store: dict(_row(path.stem, profile, 21.0))
    )
    notebook = tmp_path / "96_fake.ipynb"
    notebook.write_text("{}")
    assert bench.main(["--notebooks", str(notebook), "--out", str(tmp_path / "out")]) == 0
    (row,) = bench.read_results(tmp_path / "out" / "results.csv")
    assert float(row["calibration_s"]) == 7.0 and float(row["multiple"]) == 3.0


def test_calibration_job_runs():
    seconds = bench.calibrate(repeats=1)
    assert 0.5 < seconds < 300


def test_markdown_table_and_readme(tmp_path):
    quick = dict(
        _row("01_a", "quick", 12.3),
        floor=0.8,
        baseline=0.1,
        baseline_name="chance",
        calibration_s=4.0,
        multiple=3.08,
    )
    full = dict(_row("01_a", "full", 200), seeds=3, spread=0.004)
    table = bench.markdown_table([quick, full])
    assert (
        "| 01 | [01_a](notebooks/01_a.ipynb) | 12 s (3.1×) · 500 MB · acc 0.9 (floor 0.8; chance 0.1) "
        "| 200 s · 500 MB · acc 0.9 ± 0.004 (3 seeds) (target 0.95) |" in table
    )
    assert "calibration job (4.0 s here)" in table
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{bench.TOC_START}\nold\n{bench.TOC_END}\nrest\n")
    assert bench.update_readme(table, readme)
    text = readme.read_text()
    assert "old" not in text and table in text and text.startswith("intro") and text.endswith("rest\n")
    readme.write_text("no markers")
    assert not bench.update_readme(table, readme)


def test_plot_is_written(tmp_path):
    bench.plot([_row("01_a", "quick", 12), _row("01_a", "full", 200)], tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 1000


def _headline_line(path):
    """The line the stored headline cell printed: 'name = value ...'."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "course.headline(" in c.source)
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    return next((line for line in text.splitlines() if "required in the full profile" in line), "")


def test_results_table_matches_the_stored_outputs():
    """One full execution writes the stored notebook and its row, so the two must agree."""
    from tests.conftest import NOTEBOOKS

    rows = {
        r["notebook"]: r
        for r in bench.read_results(bench.project_root() / "benchmarks" / "results.csv")
        if r["profile"] == "full"
    }
    for path in NOTEBOOKS:
        row = rows.get(path.stem)
        assert row, f"{path.stem}: no full-profile row in benchmarks/results.csv (make outputs NB={path})"
        line = _headline_line(path)
        assert line.startswith(f"{row['metric']} = {float(row['value']):.4f}"), (
            f"{path.stem}: the stored headline says {line!r} but results.csv has {row['metric']} = {row['value']}"
        )


def test_committed_results_are_within_budget():
    rows = bench.read_results(bench.project_root() / "benchmarks" / "results.csv")
    notes = bench.over_budget(rows)
    assert rows and not notes, notes
