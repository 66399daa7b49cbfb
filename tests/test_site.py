"""The course site (`make site`): built from the committed notebooks, checked as files and in Chromium."""

from __future__ import annotations

import contextlib
import functools
import html
import http.server
import re
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils import site
from course_utils.assignments import exercise_cells
from tests._chromium import chromium, console_errors, require_browser

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def image_outputs(nb) -> int:
    return sum(
        1
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if any(k.startswith("image/") for k in out.get("data", {}))
    )


def secret_lines(nb) -> set[str]:
    """Lines inside solution / hidden-test regions that the learner's version does not show elsewhere."""
    secret = set()
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if re.search(r"### BEGIN (SOLUTION|HIDDEN TESTS)", line):
                inside = True
            elif re.search(r"### END (SOLUTION|HIDDEN TESTS)", line):
                inside = False
            elif inside and len(line.strip()) > 12:
                secret.add(line.strip())
    visible = "\n".join(c.source for c in site.learner_notebook(nb).cells)
    return {line for line in secret if line not in visible}


def page_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def broken_notebook(folder: Path) -> Path:
    nb = new_notebook(
        cells=[
            new_markdown_cell("# 98 · A broken notebook\n\nSome math: $a^2 + b^2$."),
            new_code_cell(
                "1 / 0",
                outputs=[
                    new_output(
                        "error",
                        ename="ZeroDivisionError",
                        evalue="division by zero",
                        traceback=["ZeroDivisionError: division by zero"],
                    )
                ],
            ),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "98_broken.ipynb"
    nbformat.write(nb, path)
    return path


# ------------------------------------------------------------------ without building


def test_learner_notebook_hides_solutions_keeps_other_outputs():
    nb = nbformat.read(ROOT / "notebooks" / "07_rnn.ipynb", as_version=4)
    page = site.learner_notebook(nb)
    exercise_indices = {i for e in exercise_cells(nb).values() for k, i in e.items() if k != "points"}
    assert exercise_indices, "07_rnn has exercises"
    for i, (before, after) in enumerate(zip(nb.cells, page.cells)):
        assert not any(m in after.source for m in site.SECRET_MARKERS), f"cell {i} leaks a solution"
        if i in exercise_indices:
            assert after.get("outputs", []) == []
        else:
            assert after.source == before.source and after.get("outputs") == before.get("outputs")
    nb.cells[0].metadata["course"] = {"wrong_answers": ["instructor only"]}
    assert "instructor only" not in nbformat.writes(site.learner_notebook(nb)), "cell metadata leaks"
    solution = page.cells[exercise_cells(nb)["1"]["solution"]].source
    assert "NotImplementedError" in solution
    assert nb.cells[exercise_cells(nb)["1"]["solution"]].source != solution  # the input is not modified


def test_notebook_with_an_error_output_is_refused(tmp_path):
    path = broken_notebook(tmp_path)
    assert site.error_outputs(nbformat.read(path, as_version=4)) == [
        "cell 1: ZeroDivisionError: division by zero"
    ]
    with pytest.raises(site.SiteError, match="98_broken.ipynb: cell 1: ZeroDivisionError"):
        site.build([path], tmp_path / "out")
    assert not (tmp_path / "out" / "html").exists()


def test_home_page_reads_results_by_column_name(tmp_path):
    csv_path = tmp_path / "results.csv"
    csv_path.write_text(
        "profile,notebook,floor,metric,value,target,seconds,peak_mb,seeds\n"
        "full,07_rnn,20,test MAE,14.24,18.2,13.4,776,3\n"
        "quick,07_rnn,20,test MAE,14.4,18.2,11.0,777,1\n"
    )
    text = site.home_page(
        [("07_rnn", "07 · Recurrent networks"), ("08_lstm", "08 · LSTM")], site.read_results(csv_path)
    )
    row07 = next(line for line in text.splitlines() if line.startswith("| 07 "))
    assert "[Recurrent networks](07_rnn.ipynb)" in row07
    assert "13 s · test MAE **14.2** (target 18.2)" in row07 and "11 s · test MAE **14.4**" in row07
    assert "not measured" in next(line for line in text.splitlines() if line.startswith("| 08 "))
    assert "07_rnn\n08_lstm" in text  # the toctree, in order: previous / next follow it
    assert site.read_results(tmp_path / "missing.csv") == {}


# ------------------------------------------------------------------ the built site


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory) -> list[Path]:
    """A snapshot of the notebooks (others may re-execute them while the tests run)."""
    folder = tmp_path_factory.mktemp("notebooks")
    return [Path(shutil.copy(path, folder / path.name)) for path in NOTEBOOKS]


@pytest.fixture(scope="module")
def site_html(notebooks, tmp_path_factory) -> Path:
    """The whole site, built once for this module from the snapshot (~15 s)."""
    return site.build(notebooks, out=tmp_path_factory.mktemp("site"))


def test_one_page_per_notebook_with_its_figures(site_html, notebooks):
    for path in notebooks:
        page = site_html / f"{path.stem}.html"
        assert page.exists(), f"no page for {path.name}"
        expected = image_outputs(site.learner_notebook(nbformat.read(path, as_version=4)))
        images = re.findall(r'<img[^>]+src="(_images/[^"]+)"', page.read_text())
        assert len(images) == expected, f"{page.name}: {len(images)} figures, the notebook has {expected}"
        for src in images:
            assert (site_html / src).stat().st_size > 0, f"{page.name}: empty image {src}"


def test_no_solution_or_hidden_test_on_the_site(site_html, notebooks):
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        shown = page_text(site_html / f"{path.stem}.html")
        download = (site_html / "_sources" / f"{path.stem}.ipynb").read_text()
        for marker in site.SECRET_MARKERS:
            assert marker not in shown and marker not in download, f"{path.stem}: '{marker}' on the site"
        for line in secret_lines(nb):
            assert line not in shown, f"{path.stem}: a solution / hidden-test line is on the page: {line}"
            assert line not in download, (
                f"{path.stem}: a solution / hidden-test line is in the download: {line}"
            )


def test_home_page_has_the_contents_with_time_and_result(site_html, notebooks):
    home = page_text(site_html / "index.html")
    index_html = (site_html / "index.html").read_text()
    results = site.read_results(ROOT / "benchmarks" / "results.csv")
    for path in notebooks:
        assert f'href="{path.stem}.html"' in index_html, f"the home page does not link {path.stem}"
        if row := results.get((path.stem, "full")):
            assert row["metric"] in home, f"the home page does not show the result of {path.stem}"


def test_site_loads_nothing_from_the_network(site_html):
    for page in site_html.glob("*.html"):
        text = page.read_text()
        remote = re.findall(r'<(?:script|img|iframe)[^>]+src="(?:https?:)?//[^"]+"', text)
        remote += re.findall(r'<link[^>]+href="(?:https?:)?//[^"]+"', text)
        assert not remote, f"{page.name} loads from the network: {remote}"
    assert (site_html / "_static" / "mathjax" / "tex-chtml.js").exists(), "MathJax is not served locally"
    assert list((site_html / "_static" / "mathjax").rglob("*.woff")), "MathJax's fonts are not served locally"


# ------------------------------------------------------------------ in the browser

PAGE_REPORT = """
const done = arguments[arguments.length - 1];
(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const images = Array.from(document.images);
  await Promise.all(images.map(i => i.decode().catch(() => null)));
  const math = Array.from(document.querySelectorAll('span.math, div.math'));
  done({
    figures: document.querySelectorAll('.cell_output img').length,
    undecoded: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    math: math.length,
    untypeset: math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80)),
    mathErrors: Array.from(document.querySelectorAll('mjx-merror')).map(m => m.textContent.slice(0, 80)),
    errorOutputs: Array.from(document.querySelectorAll('.cell_output .output.traceback, .cell_output .output.error'))
      .map(e => e.textContent.slice(0, 200)),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
    ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
    prev: (document.querySelector('.prev-next-area a.left-prev') || {}).href || null,
    next: (document.querySelector('.prev-next-area a.right-next') || {}).href || null,
  });
})();
"""


def page_problems(report: dict, errors: list[str]) -> list[str]:
    """What is wrong with a page as Chromium shows it (empty when nothing)."""
    problems = [f"console error: {e}" for e in errors]
    problems += [f"figure not decoded: {src}" for src in report["undecoded"]]
    problems += [f"math not typeset: {m}" for m in report["untypeset"]]
    problems += [f"math error: {m}" for m in report["mathErrors"]]
    problems += [f"error output: {e}" for e in report["errorOutputs"]]
    return problems


@pytest.fixture(scope="module")
def served(site_html):
    """The site over HTTP on localhost (as `python -m http.server` serves it), stopped afterwards."""
    require_browser()
    with serve(site_html) as base:
        yield base


@contextlib.contextmanager
def serve(folder: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def visit(driver, url: str) -> tuple[dict, list[str]]:
    driver.get(url)
    report = driver.execute_async_script(PAGE_REPORT)
    return report, console_errors(driver)


def test_every_page_in_the_browser(served, site_html, notebooks):
    base = served
    names = ["index", *[p.stem for p in notebooks], "search", "genindex"]
    reports, problems = {}, []
    with chromium() as driver:
        for name in names:
            report, errors = visit(driver, f"{base}{name}.html")
            reports[name] = report
            problems += [f"{name}.html: {p}" for p in page_problems(report, errors)]
        # search (Sphinx's own, offline): results appear for a word of notebook 07
        driver.get(f"{base}search.html?q=recurrence")
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 30).until(lambda d: d.find_elements("css selector", "ul.search li"))
        problems += [f"search.html: console error: {e}" for e in console_errors(driver)]
    assert not problems, "\n".join(problems)

    for path in notebooks:
        report = reports[path.stem]
        nb = site.learner_notebook(nbformat.read(path, as_version=4))
        assert report["figures"] == image_outputs(nb), f"{path.stem}: figures shown vs stored"
        if any("$" in c.source for c in nb.cells if c.cell_type == "markdown"):
            assert report["math"] > 0, f"{path.stem}: its Markdown has math but the page shows none"

    # previous / next follow the table of contents
    order = ["index", *[p.stem for p in notebooks]]
    for i, name in enumerate(order):
        want_prev = f"{base}{order[i - 1]}.html" if i > 0 else None
        want_next = f"{base}{order[i + 1]}.html" if i + 1 < len(order) else None
        assert reports[name]["prev"] == want_prev, f"{name}: previous link"
        assert reports[name]["next"] == want_next, f"{name}: next link"

    # every internal link resolves, anchors included
    ids = {f"{base}{name}.html": set(r["ids"]) for name, r in reports.items()}
    checked, broken = set(), []
    for name, report in reports.items():
        for link in report["links"]:
            if not link.startswith(base):
                continue
            target, _, anchor = link.partition("#")
            target = target.split("?")[0] or f"{base}index.html"
            if target.endswith("/"):
                target += "index.html"
            if target not in checked:
                checked.add(target)
                try:
                    urllib.request.urlopen(target, timeout=10).close()
                except urllib.error.URLError as exc:
                    broken.append(f"{name}.html -> {link}: {exc}")
            if anchor and target in ids and anchor not in ids[target]:
                broken.append(f"{name}.html -> {link}: no element with id '{anchor}'")
    assert checked, "no internal links found"
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_page_with_an_error_output_fails_the_browser_check(tmp_path):
    """The browser check itself catches an error output (build forced with allow_errors)."""
    require_browser()
    html_dir = site.build([broken_notebook(tmp_path)], tmp_path / "out", allow_errors=True)
    with serve(html_dir) as base, chromium() as driver:
        report, errors = visit(driver, f"{base}98_broken.html")
    problems = page_problems(report, errors)
    assert any("error output" in p and "ZeroDivisionError" in p for p in problems), problems
    assert report["math"] > 0 and not report["untypeset"], "the math of the broken page is rendered"
