"""nbval runs each notebook with the realness cells of `course_utils.realness` added (one execution)."""

from __future__ import annotations

import types
from pathlib import Path

import nbformat
import nbval.plugin
import pytest

from course_utils.realness import augmented

HERE = Path(__file__).resolve().parent


class AugmentedNotebook(nbval.plugin.IPyNbFile):
    """nbval's notebook collector, reading the notebook with its realness cells added."""

    def collect(self):
        reader = types.SimpleNamespace(
            read=lambda path, as_version: augmented(nbformat.read(path, as_version))
        )
        real, nbval.plugin.nbformat = nbval.plugin.nbformat, reader  # nbval reads through this name
        try:
            yield from super().collect()
        finally:
            nbval.plugin.nbformat = real


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    """Swap nbval's collector of each course notebook for the augmented one."""
    collected = yield
    if file_path.suffix != ".ipynb" or file_path.parent != HERE:
        return collected
    return [
        AugmentedNotebook.from_parent(parent, path=file_path) if isinstance(c, nbval.plugin.IPyNbFile) else c
        for c in collected
    ]
