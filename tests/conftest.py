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
