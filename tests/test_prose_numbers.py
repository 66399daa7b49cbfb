"""Every decimal number the prose quotes is one the notebook shows (the evidence standard).

A re-store that moves a printed result (another CPU, a changed experiment) makes the prose quote a
number the outputs no longer show; this test finds it. A quoted number counts as shown when it
appears in a code cell or an output, to the precision the prose gives it (0.43 matches a printed
0.4253). Numbers the prose derives by arithmetic are listed in DERIVED with the arithmetic.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.conftest import NOTEBOOKS

# (notebook prefix, number as the prose writes it): how it follows from what the notebook shows.
DERIVED = {
    ("00", "0.0013"): "one test image of 750",
    ("00", "0.13"): "one test image of 750, in percentage points",
    ("01", "0.014"): "half the width of the printed binomial interval 0.944 to 0.972",
    ("02", "3.4"): "12 % of 28 pixels",
    ("04", "0.08"): "the generator's default noise, in course_utils.generators",
    ("06", "0.0013"): "one test image of 750",
    ("06", "3.6"): "the printed means 4.901 / 1.351 s per epoch",
    ("06", "1.47"): "the paper's weight count, worked out in exercise 3",
    ("13", "0.989"): "1 - exp(-9/2), the mass of a 2-D Gaussian within 3 standard deviations",
    ("13", "12.5"): "one mode in eight, in per cent",
    ("14", "0.5"): "a bound on the printed largest relative gap (0.33 %)",
}

DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?!\w)(?!\.\d)")
NOT_CLAIMS = [
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"\$[^$\n]*\$"),  # inline math
    re.compile(r"`[^`]*`"),  # code spans
    re.compile(r"\]\([^)]*\)|https?://\S+"),  # link targets
    re.compile(r"arXiv:\s*\d{4}\.\d{4,5}"),
    re.compile(r"(§|[Ss]ection|[Ss]ec\.|Fig\.|Table|Eq\.)\s*\d+(\.\d+)*"),
]


def _prose_decimals(nb) -> list[tuple[int, str]]:
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = cell.source
        for pattern in NOT_CLAIMS:
            text = pattern.sub(" ", text)
        found += [(index, m.group(0)) for m in DECIMAL.finditer(text)]
    return found


def _shown_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts += [v for k, v in output.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(parts)


def _is_shown(number: str, shown: str, values: list[float]) -> bool:
    if number in shown:
        return True
    places = len(number.split(".")[1])
    target, half_step = float(number), 0.5 * 10.0**-places
    return any(abs(abs(v) - target) <= half_step + 1e-12 for v in values)


def unshown_numbers(nb, prefix: str) -> list[str]:
    """The decimals in the prose that no code or output shows and DERIVED does not explain."""
    shown = _shown_text(nb)
    values = [float(m) for m in re.findall(r"\d+\.\d+", shown)]
    return [
        f"cell {index}: {number}"
        for index, number in _prose_decimals(nb)
        if (prefix, number) not in DERIVED and not _is_shown(number, shown, values)
    ]


def test_every_quoted_decimal_is_shown(notebook_path):
    nb = nbformat.read(notebook_path, as_version=4)
    missing = unshown_numbers(nb, notebook_path.name[:2])
    assert not missing, (
        f"{notebook_path.name}: the prose quotes numbers that no output shows: {missing}. Re-word the prose by"
        " the stored outputs, or, for a number derived by arithmetic, add it to DERIVED with the arithmetic."
    )


def test_derived_numbers_are_still_quoted():
    # an entry whose number the prose no longer quotes is stale
    quoted = {
        (path.name[:2], number) for path in NOTEBOOKS for _, number in _prose_decimals(nbformat.read(path, 4))
    }
    assert not set(DERIVED) - quoted, (
        f"DERIVED lists numbers no prose quotes: {sorted(set(DERIVED) - quoted)}"
    )


def test_a_number_that_drifted_is_found():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("print(acc)", outputs=[nbformat.v4.new_output("stream", text="0.9604\n")]),
        nbformat.v4.new_markdown_cell("The CNN reaches 0.9604 (0.960, about 0.96); the SVM 0.9613."),
    ]
    assert unshown_numbers(nb, "99") == ["cell 1: 0.9613"]


@pytest.mark.parametrize("text", ["$0.9613$", "`lr=0.9613`", "([paper](https://arxiv.org/abs/1512.03385))"])
def test_math_code_and_links_are_not_claims(text):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text)]
    assert unshown_numbers(nb, "99") == []
