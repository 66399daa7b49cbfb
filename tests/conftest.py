"""Shared fixtures: the notebooks of the course."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

os.environ.setdefault("COURSE_PROFILE", "quick")


def pytest_generate_tests(metafunc):
    """Parametrise any test that takes `notebook_path` over every notebook."""
    if "notebook_path" in metafunc.fixturenames:
        metafunc.parametrize("notebook_path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])


@pytest.fixture
def root() -> Path:
    return ROOT


def pytest_terminal_summary(terminalreporter):
    """Report (without failing) notebooks whose cells took longer than 24 s in this run."""
    per_notebook: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            if ".ipynb::" in nodeid and getattr(report, "when", "") == "call":
                name = nodeid.split("::", 1)[0]
                per_notebook[name] = per_notebook.get(name, 0.0) + report.duration
    if not per_notebook:
        return
    slow = {name: s for name, s in per_notebook.items() if s > 24}  # + ~6 s kernel start = 30 s
    terminalreporter.section("notebook cell times in this run (informational)")
    terminalreporter.line(
        f"{len(per_notebook)} notebooks executed; slowest cell total {max(per_notebook.values()):.1f} s"
    )
    for name, seconds in sorted(slow.items()):
        terminalreporter.line(f"slower than 24 s here: {name}: cells took {seconds:.1f} s")
    terminalreporter.line(
        "(parallel test workers share the CPU, so these are not the budget; the budget is a multiple"
        " of a calibration job, measured one notebook at a time by `make bench` and asserted on its"
        " table by tests/test_bench.py)"
    )
