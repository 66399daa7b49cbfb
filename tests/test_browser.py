"""The course as a learner meets it: JupyterLab, started as `make lab` starts it, driven in headless Chromium.

A copy of the cheapest notebook is opened (its stored figures must show), then restarted and run
in full in the quick profile: it must finish with new figures, no error output, on the course's
own environment. A notebook that raises must be caught by the same check.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_utils.site import error_outputs
from tests._chromium import chromium, require_browser

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "07_rnn.ipynb"  # the cheapest: ~15 s in the quick profile
BIN = Path(sys.executable).parent  # .venv/bin under `make test`
TOKEN = secrets.token_hex(16)
RUN_TIMEOUT = 240  # s, for the whole run-all (shared CPU under the parallel test suite)

NOTEBOOK_STATE = """
const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
if (!nb) { return null; }
const prompts = Array.from(nb.querySelectorAll('.jp-CodeCell .jp-InputPrompt')).map(p => p.textContent.trim());
const images = Array.from(nb.querySelectorAll('.jp-OutputArea-output img'));
const indicator = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
return {
  prompts: prompts,
  status: indicator ? indicator.getAttribute('data-status') : null,
  images: images.length,
  stored: images.filter(i => i.dataset.stored === '1').length,
  undecoded: images.filter(i => !(i.complete && i.naturalWidth > 0)).length,
  // JupyterLab shows an error output as stderr text with IPython's traceback
  errors: Array.from(nb.querySelectorAll('.jp-OutputArea-output[data-mime-type^="application/vnd.jupyter.std"], '
                                         + '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'))
    .map(e => e.textContent).filter(t => t.includes('Traceback (most recent call last)'))
    .map(t => t.trim().split('\\n').slice(-1)[0].slice(0, 300)),
  text: Array.from(nb.querySelectorAll('.jp-OutputArea-output')).map(e => e.textContent).join('\\n'),
};
"""


def stored_images(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum(
        1
        for c in nb.cells
        for o in c.get("outputs", [])
        if any(k.startswith("image/") for k in o.get("data", {}))
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, poll: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@contextmanager
def jupyter_lab(folder: Path, home: Path):
    """`make lab` (register the course kernel, then `jupyter lab`), in a scratch Jupyter home, on localhost."""
    if not (BIN / "jupyter").exists():
        pytest.skip(f"no jupyter next to {sys.executable}: run `make venv`")
    env = dict(
        os.environ,
        COURSE_PROFILE="quick",
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
    )
    env.pop("JUPYTER_PATH", None)
    subprocess.run(
        [BIN / "python", "-m", "ipykernel", "install", "--user", "--name", "dl-course"]
        + ["--display-name", "Deep learning course (.venv)"],
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    command = [
        BIN / "jupyter", "lab", str(folder), "--no-browser", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
        "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI and containers run as root
    log = (home / "server.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    kernels: set[psutil.Process] = set()
    try:

        def up():
            assert server.poll() is None, "jupyter lab exited:\n" + (home / "server.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2).close()
                return True
            except OSError:
                return False

        wait_for(up, 90, "jupyter lab to answer")

        def kernel_processes():
            found = [
                p
                for p in psutil.Process(server.pid).children(recursive=True)
                if "ipykernel" in " ".join(p.cmdline())
            ]
            kernels.update(found)
            return found

        yield base, kernel_processes
    finally:
        try:
            kernels.update(psutil.Process(server.pid).children(recursive=True))
        except psutil.Error:
            pass
        server.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()
        for process in kernels:
            try:
                process.kill()
            except psutil.Error:
                pass


def open_notebook(driver, base: str, name: str, images: int = 0) -> dict:
    """Open a notebook; wait for its kernel to be idle and its stored figures to be shown."""
    driver.get(f"{base}/lab/tree/{name}?token={TOKEN}&reset")
    return wait_for(
        lambda: (
            (s := driver.execute_script(NOTEBOOK_STATE))
            and s["prompts"]
            and s["status"] == "idle"
            and s["images"] >= images
            and s
        ),
        120,
        f"{name} to open with an idle kernel and {images} figures",
    )


def restart_and_run_all(driver, timeout: float = RUN_TIMEOUT) -> dict:
    """Press the toolbar's 'restart the kernel and run all cells', confirm, and wait until it is done."""
    from selenium.webdriver.common.by import By

    driver.execute_script(
        "document.querySelectorAll('.jp-OutputArea-output img').forEach(i => i.dataset.stored = '1')"
    )
    before = driver.execute_script(NOTEBOOK_STATE)["prompts"]
    visible = ".jp-NotebookPanel:not(.lm-mod-hidden) "
    driver.find_element(
        By.CSS_SELECTOR, visible + 'jp-button[data-command="notebook:restart-run-all"]'
    ).click()
    wait_for(
        lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog .jp-mod-accept"), 30, "the restart dialog"
    )
    driver.find_element(By.CSS_SELECTOR, ".jp-Dialog .jp-mod-accept").click()
    wait_for(
        lambda: (
            (s := driver.execute_script(NOTEBOOK_STATE))
            and ("[*]:" in s["prompts"] or s["status"] != "idle" or s["prompts"] != before)
        ),
        60,
        "the run to start",
        poll=0.2,
    )
    quiet_polls, last = 0, {}

    def finished():
        nonlocal quiet_polls, last
        state = last = driver.execute_script(NOTEBOOK_STATE)
        done = state["status"] == "idle" and "[*]:" not in state["prompts"]
        quiet_polls = quiet_polls + 1 if done else 0
        return state if quiet_polls >= 3 else None

    try:
        return wait_for(finished, timeout, "restart-and-run-all to finish")
    except AssertionError as exc:
        shown = {k: v for k, v in last.items() if k != "text"}
        raise AssertionError(
            f"{exc}; last state {shown}, outputs end with {last.get('text', '')[-500:]!r}"
        ) from None


def save(driver, path: Path):
    """Press the toolbar's save button; the notebook as written to disk."""
    from selenium.webdriver.common.by import By

    before = path.stat().st_mtime_ns
    driver.find_element(By.CSS_SELECTOR, 'jp-button[data-command="docmanager:save"]').click()
    wait_for(lambda: path.stat().st_mtime_ns != before, 30, f"{path.name} to be saved")
    return wait_for(lambda: _read(path), 10, f"{path.name} to be readable")


def _read(path: Path):
    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # caught mid-write
        return None


def run_problems(state: dict, saved=None) -> list[str]:
    """What is wrong with a finished run (empty when nothing): error outputs shown or saved, cells not run."""
    problems = [f"error output: {e}" for e in state["errors"]]
    if saved is not None:
        problems += [f"error output in the saved notebook: {e}" for e in error_outputs(saved)]
    not_run = [i for i, p in enumerate(state["prompts"]) if not p.strip("[]: ").isdigit()]
    if not_run:
        problems.append(f"{len(not_run)} code cells did not run (first: code cell {not_run[0]})")
    return problems


def test_jupyterlab_opens_and_runs_a_notebook(tmp_path):
    require_browser()
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(NOTEBOOK, folder / NOTEBOOK.name)  # a copy: the committed notebook is never touched
    committed = hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest()
    broken = new_notebook(
        cells=[new_code_cell("print('before')"), new_code_cell("raise ValueError('boom in the lab')")]
    )
    broken.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(broken, folder / "99_raises.ipynb")
    expected_images = stored_images(NOTEBOOK)

    t0 = time.monotonic()
    with jupyter_lab(folder, tmp_path / "jupyter-home") as (base, kernel_processes), chromium() as driver:
        print(f"\njupyter lab up: {time.monotonic() - t0:.1f} s")
        opened = open_notebook(driver, base, NOTEBOOK.name, expected_images)
        assert opened["images"] == expected_images, "the stored figures are not all shown"
        wait_for(
            lambda: driver.execute_script(NOTEBOOK_STATE)["undecoded"] == 0,
            30,
            "the stored figures to decode",
        )

        # the kernel is the course's environment
        kernels = kernel_processes()
        assert len(kernels) == 1, [k.cmdline() for k in kernels]
        python = kernels[0].cmdline()[0]
        prefix = subprocess.run(
            [python, "-c", "import sys, course_utils; print(sys.prefix); print(course_utils.__file__)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
        assert prefix[0] == sys.prefix, f"the kernel runs {python} (prefix {prefix[0]}), not {sys.prefix}"
        assert Path(prefix[1]).resolve().is_relative_to(ROOT), (
            f"the kernel imports course_utils from {prefix[1]}"
        )
        sessions = json.load(urllib.request.urlopen(f"{base}/api/sessions?token={TOKEN}", timeout=10))
        assert [s["kernel"]["name"] for s in sessions] in (["python3"], ["dl-course"]), sessions
        specs = json.load(urllib.request.urlopen(f"{base}/api/kernelspecs?token={TOKEN}", timeout=10))
        assert "dl-course" in specs["kernelspecs"], "make lab's kernel is not registered"

        print(f"notebook open with its figures: {time.monotonic() - t0:.1f} s")
        started = time.monotonic()
        state = restart_and_run_all(driver)
        seconds = time.monotonic() - started
        saved = save(driver, folder / NOTEBOOK.name)
        assert not run_problems(state, saved), "\n".join(run_problems(state, saved))
        assert stored_images(folder / NOTEBOOK.name) == expected_images, "the saved run lacks figures"
        assert state["stored"] == 0, "stored figures were not replaced"
        assert state["images"] == expected_images, (
            f"{state['images']} new figures, expected {expected_images}"
        )
        wait_for(
            lambda: driver.execute_script(NOTEBOOK_STATE)["undecoded"] == 0, 30, "the new figures to decode"
        )
        assert "profile: quick" in state["text"], "the kernel did not get COURSE_PROFILE=quick"
        print(f"restart-and-run-all of {NOTEBOOK.name} in JupyterLab: {seconds:.1f} s")

        print(f"saved and checked: {time.monotonic() - t0:.1f} s")
        # the same check catches a notebook that raises
        open_notebook(driver, base, "99_raises.ipynb")
        state = restart_and_run_all(driver, timeout=60)
        assert state["errors"] == ["ValueError: boom in the lab"], state["errors"]
        problems = run_problems(state, save(driver, folder / "99_raises.ipynb"))
        assert "error output in the saved notebook: cell 1: ValueError: boom in the lab" in problems, problems

    assert hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest() == committed, "the committed notebook changed"
