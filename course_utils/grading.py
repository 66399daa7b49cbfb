"""Grading that treats every submission as hostile (the threat model: README, 'For instructors').

Enforced (the submission cannot get around it): each submission's kernel runs in its own sandbox
(`course_utils.sandbox`) under limits; the grader drives it from outside; check cells (hidden tests included)
are the instructor's, restored by grade_id, as code cells; grades are written by the grader only.

Detected (one Python process cannot be defended against code running in it, so the verdict is only taken
from evidence the student's code would have to forge knowingly): each check cell must end by printing an
"ok" marker holding a secret drawn for this run, and must show no error; after each check cell a canary
check, built to fail, must show its error; the kernel's error display, exception handlers, input and AST
transformers and the check helpers must be the same at the end as before the student's first cell; the
student's own cells must not reach for the machinery those attacks need. Anything else gives "needs manual
review" rows with no points, never a silent pass.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import csv
import hashlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from course_utils.sandbox import Limits, Sandbox, process_tree, resident_mb, sandbox_problem, unsafe_prefix

GRADE_COLUMNS = ["student", "file", "exercise", "points", "max_points", "feedback"]
TOTAL_COLUMNS = ["student", "points", "max_points", "needs_manual_review", "files"]
REVIEW = "needs manual review"
CHECKS_PATH = Path(__file__).resolve().parent / "checks.py"
HELPERS = sorted(
    node.name
    for node in ast.parse(CHECKS_PATH.read_text()).body
    if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
)
# A failing call for each helper; the canary's name (its nonce) must appear in the error it raises.
CANARY_CALLS = {
    "check_defined": "check_defined(None, name={n!r})",
    "check_shape": "check_shape([0.0], (2,), name={n!r})",
    "check_dtype": "check_dtype(1, 'float32', name={n!r})",
    "check_range": "check_range([5.0], 0.0, 1.0, name={n!r})",
    "check_close": "check_close(1.0, 2.0, name={n!r})",
    "check_metric": "check_metric(0.0, 1.0, name={n!r})",
    "check_equal": "check_equal(1, 2, name={n!r})",
    "check_raises": "check_raises(lambda: None, ValueError, {n!r})",
}
# What the known attacks on an in-process grader reach for; a student's own cell using any is reviewed.
SUSPICIOUS = re.compile(
    r"get_ipython|InteractiveShell|showtraceback|set_custom_exc|custom_exceptions|sys\.modules|excepthook"
    r"|input_transformer|ast_transformer|\bevents\.register|__code__|__globals__|__builtins__|\bbuiltins\b"
    r"|\bctypes\b|gc\.get_referr|(?<![\w.])(?:exec|eval|compile)\s*\(|__import__|\bimportlib\b"
    r"|\bipykernel\b|\bsys\.settrace|\bsys\.setprofile|course_utils\.checks\.\w+\s*=|setattr\s*\(\s*checks"
    r"|\bos\.kill|\bos\._exit|\bsignal\.signal"
)
# The kernel's state the attacks change; printed before the student's first cell and after the last one.
FINGERPRINT = """\
import sys as _g_sys, hashlib as _g_h, json as _g_json, course_utils.checks
from IPython.core.interactiveshell import InteractiveShell as _g_IS
_g_ip = get_ipython()
def _g_fn(f):
    f = getattr(f, "__func__", f)
    c = getattr(f, "__code__", None)
    return [getattr(f, "__module__", None), getattr(f, "__qualname__", repr(f)),
            _g_h.sha256(c.co_code).hexdigest() if c else None, getattr(c, "co_filename", None)]
_g_cm = _g_sys.modules.get("course_utils.checks")
print("{marker}" + _g_json.dumps({{
    "showtraceback": [_g_fn(_g_IS.showtraceback), _g_fn(_g_ip.showtraceback), _g_fn(_g_IS._showtraceback),
                      _g_fn(_g_ip._showtraceback), _g_fn(_g_IS.showsyntaxerror)],
    "run": [_g_fn(getattr(_g_IS, n)) for n in ("run_cell", "run_cell_async", "run_ast_nodes", "run_code",
                                                "transform_cell", "should_run_async")],
    "custom_exceptions": repr(_g_ip.custom_exceptions),
    "CustomTB": _g_fn(getattr(_g_ip, "CustomTB", None)),
    "excepthook": _g_fn(_g_sys.excepthook),
    "input_transformers": [len(_g_ip.input_transformers_cleanup), len(_g_ip.input_transformers_post),
                           len(_g_ip.input_transformer_manager.cleanup_transforms),
                           len(_g_ip.input_transformer_manager.line_transforms)],
    "ast_transformers": len(_g_ip.ast_transformers),
    "checks_module": getattr(_g_cm, "__file__", None),
    "checks": {{n: _g_fn(getattr(_g_cm, n, None)) for n in {helpers!r}}} if _g_cm else None,
    "trace": [_g_sys.gettrace() is None, _g_sys.getprofile() is None],
}}, sort_keys=True))
del _g_sys, _g_h, _g_json, _g_IS, _g_ip, _g_fn, _g_cm
"""


def _fresh_helpers(names: list[str], tag: str) -> str:
    """Code that binds the check helpers to a fresh load of checks.py (not sys.modules, not the notebook's)."""
    if not names:
        return ""
    binds = "; ".join(f"{n} = _g_m.{n}" for n in names)
    return (
        f"import importlib.util as _g_u; _g_s = _g_u.spec_from_file_location('_course_checks_{tag}', "
        f"{str(CHECKS_PATH)!r}); _g_m = _g_u.module_from_spec(_g_s); _g_s.loader.exec_module(_g_m); "
        f"{binds}; del _g_u, _g_s, _g_m\n"
    )


def _helpers_in(source: str) -> list[str]:
    return [name for name in HELPERS if re.search(rf"\b{name}\b", source)]


def safe_cell(value):
    """A CSV cell a spreadsheet will not read as a formula (OWASP: prefix = + - @ tab CR with ')."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") and value != "-":
        return "'" + value
    return value


@contextlib.contextmanager
def _atomic_file(path: Path, **open_args):
    """A text file that replaces `path` only once it is written and synced (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", **open_args) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_csv_atomically(path: Path, columns: list[str], rows: list[dict]) -> None:
    with _atomic_file(path, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows({k: safe_cell(r.get(k, "")) for k in columns} for r in rows)


def _write_json_atomically(path: Path, data) -> None:
    with _atomic_file(path) as fh:
        json.dump(data, fh, indent=1)


def _error_of(cell) -> str | None:
    """The error a cell raised ('Name: message'), or None when it ran cleanly."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            if out.get("ename") == "NotImplementedError":
                return "not attempted: the solution cell still raises NotImplementedError"
            text = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()
            return text.splitlines()[0][:300] if text else "error"
    return None


def _stream_text(cell) -> str:
    return "".join(
        "".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream"
    )


# ------------------------------------------------------------------ executing in the sandbox


@dataclass
class RunResult:
    cells: list  # the executed cells, in the order they ran
    failure: str | None = None  # a limit or crash: every exercise gets 0 with this reason
    notes: list[str] = field(default_factory=list)


def _kernel_manager(prefix: list[str], ipc_dir: Path, sandbox: Sandbox | None):
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class SandboxedKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            if sandbox is not None and sandbox.root:
                os.chown(self.connection_file, sandbox.uid, sandbox.gid)
            cmd = [*prefix, sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file]
            return cmd + ["--HistoryManager.enabled=False"]

    km = SandboxedKernelManager(kernel_name="python3")
    km._kernel_spec = KernelSpec(
        argv=["python"], display_name="sandbox", language="python", interrupt_mode="message"
    )
    km.transport = "ipc"
    km.ip = str(ipc_dir / "k")
    km.connection_file = str(ipc_dir / "kernel.json")
    return km


async def _execute(cells, limits: Limits, run_dir: Path, sandbox: Sandbox | None) -> RunResult:
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    result = RunResult(cells=[])
    state = {"output": 0, "over_output": False}
    budget = limits.output_mb * 1024 * 1024

    class LimitedClient(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):
            state["output"] += len(json.dumps(msg.get("content", {})))
            if state["output"] > budget:
                state["over_output"] = True
                return None
            return super().output(outs, msg, display_id, cell_index)

        async def _async_handle_timeout(self, timeout, cell=None):
            reply = await super()._async_handle_timeout(timeout, cell)
            await asyncio.sleep(1)  # nbclient asks again at once; a kernel ignoring interrupts gets 1/s
            return reply

    ipc_dir = run_dir / "ipc"
    ipc_dir.mkdir(exist_ok=True)
    if sandbox is not None:
        prefix, env, cwd = sandbox.prefix(), sandbox.environment(), str(run_dir)
    else:
        scratch = run_dir / "scratch"
        scratch.mkdir(exist_ok=True)
        prefix, cwd = unsafe_prefix(limits), str(scratch)
        env = dict(os.environ, COURSE_PROFILE="quick", HOME=str(scratch), TF_CPP_MIN_LOG_LEVEL="3")
    env = {k: v for k, v in env.items() if k != "JPY_PARENT_PID"}
    km = _kernel_manager(prefix, ipc_dir, sandbox)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = LimitedClient(
        nb,
        km=km,
        timeout=limits.cell_timeout,
        interrupt_on_timeout=True,
        allow_errors=True,
        startup_timeout=min(300, limits.total_timeout),
        record_timing=False,
    )
    memory = {"peak": 0.0, "over": False}

    async def watch_memory():
        while True:
            await asyncio.sleep(0.2)
            process = getattr(km.provisioner, "process", None)
            if process is None:
                continue
            used = resident_mb(process_tree(process.pid))
            memory["peak"] = max(memory["peak"], used)
            if used > limits.memory_mb:
                memory["over"] = True
                _kill_tree(process.pid)
                return

    async def run_all():
        quiet = None if os.environ.get("COURSE_GRADER_DEBUG") else subprocess.DEVNULL  # no floods here
        await km.start_kernel(env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=quiet)
        client.kc = km.client()
        client.kc.start_channels()
        await client.kc.wait_for_ready(timeout=client.startup_timeout)
        for index, cell in enumerate(nb.cells):
            await client.async_execute_cell(cell, index)
            result.cells.append(cell)
            if state["over_output"] or memory["over"]:
                return

    watcher = asyncio.ensure_future(watch_memory())
    task = asyncio.ensure_future(run_all())
    try:
        finished, _ = await asyncio.wait({task}, timeout=limits.total_timeout)
        if not finished:  # nbclient turns the cancellation into DeadKernelError: decide here
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            result.failure = f"over the time limit: the notebook ran longer than {limits.total_timeout} s"
        else:
            task.result()
    except DeadKernelError:
        result.failure = "the kernel died (a crash, os._exit, or a killed process)"
    except Exception as exc:  # the kernel did not start or stopped answering
        result.failure = f"could not be executed: {str(exc).splitlines()[0][:200] if str(exc) else 'error'}"
    finally:
        watcher.cancel()
        process = getattr(km.provisioner, "process", None) if km.has_kernel else None
        if client.kc is not None:
            client.kc.stop_channels()
        if process is not None:
            _kill_tree(process.pid)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(km.shutdown_kernel(now=True), timeout=10)
    if memory["over"]:
        result.failure = f"over the memory limit: more than {limits.memory_mb} MB resident"
    elif state["over_output"]:
        result.failure = f"over the output limit: the cells printed more than {limits.output_mb} MB"
    return result


def _kill_tree(root_pid: int) -> None:
    """SIGKILL the sandbox and all it started (its PID namespace ends with its first process)."""
    for pid in reversed(process_tree(root_pid)):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def execute_cells(
    cells, limits: Limits, *, unsafe: bool = False, notebook_name="submission.ipynb", source=b"{}"
):
    """Run cells in a fresh sandboxed kernel (or, with unsafe, a plain kernel under rlimits)."""
    base = "/var/tmp" if os.path.isdir("/var/tmp") else None  # not /tmp: that is the sandbox's own
    with tempfile.TemporaryDirectory(prefix="grade-", dir=base) as tmp:
        run_dir = Path(tmp)
        sandbox = None
        if not unsafe:
            sandbox = Sandbox(run_dir, limits)
            sandbox.prepare(notebook_name, source)
        return asyncio.run(_execute(cells, limits, run_dir, sandbox))


# ------------------------------------------------------------------ one submission


def _plan(submitted, reference, exercises, secret: str):
    """The cells to run: the submission's code, checks restored and wrapped, canaries, two fingerprints.

    Returns (cells, roles, problems): roles[i] says what cell i is, problems are tampering found by reading.
    """
    reference_sources = {c.source for c in reference.cells if c.cell_type == "code"}
    checks = {f"ex{n}-check": reference.cells[e["check"]] for n, e in exercises.items()}
    cells, roles, problems = [], [], []
    cells.append(new_code_cell(FINGERPRINT.format(marker=f"fingerprint-{secret}-start:", helpers=HELPERS)))
    roles.append(("fingerprint", "start"))
    seen: dict[str, int] = {}
    for index, cell in enumerate(submitted.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id in checks:
            seen[grade_id] = seen.get(grade_id, 0) + 1
            if seen[grade_id] > 1:
                problems.append(f"two cells claim to be {grade_id}")
                continue
            source = checks[grade_id].source
            helpers = _helpers_in(source)
            ok = f"grader-ok-{secret}-{grade_id}"
            cells.append(new_code_cell(_fresh_helpers(helpers, secret) + source + f"\nprint({ok!r})\n"))
            roles.append(("check", grade_id))
            for helper in helpers or [None]:
                nonce = f"canary-{secrets.token_hex(6)}"
                call = CANARY_CALLS.get(helper, "raise AssertionError({n!r})").format(n=nonce)
                canary_ok = f"grader-ok-{secret}-{nonce}"
                cells.append(
                    new_code_cell(
                        f"{source.splitlines()[0]}\n"
                        + _fresh_helpers([helper] if helper else [], secret)
                        + f"{call}\nprint({canary_ok!r})\n"
                    )
                )
                roles.append(("canary", nonce))
            continue
        if cell.cell_type != "code":
            continue
        if cell.source not in reference_sources and (m := SUSPICIOUS.search(cell.source)):
            line = cell.source[: m.start()].count("\n") + 1
            problems.append(
                f"cell {index + 1} uses {m.group(0)!r} (line {line}), which the grading attacks need"
            )
        cells.append(new_code_cell(cell.source))
        roles.append(("student", index))
    cells.append(new_code_cell(FINGERPRINT.format(marker=f"fingerprint-{secret}-end:", helpers=HELPERS)))
    roles.append(("fingerprint", "end"))
    return cells, roles, problems


def _fingerprint(cell, marker: str):
    for line in _stream_text(cell).splitlines():
        if line.startswith(marker):
            with contextlib.suppress(ValueError):
                return json.loads(line[len(marker) :])
    return None


def _judge(run: RunResult, roles, secret: str, exercises_ids) -> tuple[dict[str, str | None], list[str]]:
    """Per check: None (passed) or the reason it failed; and the tampering the evidence shows."""
    verdicts: dict[str, str | None] = {}
    tamper: list[str] = []
    start = end = None
    ran = dict(zip(range(len(run.cells)), run.cells))
    last_check = None
    for i, (role, what) in enumerate(roles):
        cell = ran.get(i)
        if cell is None:
            continue
        executed = cell.get("execution_count") is not None
        error, text = _error_of(cell), _stream_text(cell)
        if role == "fingerprint":
            fp = _fingerprint(cell, f"fingerprint-{secret}-{what}:")
            start, end = (fp, end) if what == "start" else (start, fp)
        elif role == "check":
            last_check = what
            ok = f"grader-ok-{secret}-{what}" in text
            if not executed:
                verdicts[what] = "the check cell did not run"
            elif ok and not error:
                verdicts[what] = None
            elif error and not ok:
                verdicts[what] = error
            elif ok and error:
                tamper.append(f"{what} printed its ok marker and an error")
                verdicts[what] = error
            else:
                tamper.append(
                    f"{what} ended without an error and without its ok marker (error display hidden?)"
                )
                verdicts[what] = "no result"
        elif role == "canary":
            outs = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            raised = any(what in o.get("evalue", "") for o in outs)
            if f"grader-ok-{secret}-{what}" in text or not raised:
                tamper.append(
                    f"the canary check after {last_check} did not fail as it must (error display, exception "
                    "handlers, check helpers or the input were tampered with)"
                )
    if run.failure is None:
        if start is None:
            tamper.append("the grader's first cell gave no fingerprint")
        elif end is None:
            tamper.append("the grader's last cell gave no fingerprint")
        elif start != end:
            changed = sorted(k for k in start if start.get(k) != end.get(k))
            tamper.append(f"the kernel's {', '.join(changed)} changed while the submission ran")
    for grade_id in exercises_ids:
        verdicts.setdefault(grade_id, "the check cell did not run")
    return verdicts, tamper


def grade_submission(
    path: Path,
    submissions_root: Path,
    instructor_dir: Path,
    *,
    limits: Limits | None = None,
    unsafe: bool = False,
    cell_timeout: int | None = None,
    total_timeout: int | None = None,
) -> list[dict]:
    """Grade one submitted file into rows of GRADE_COLUMNS; never raises for a bad submission."""
    from course_utils.assignments import exercise_cells

    limits = limits or Limits()
    if cell_timeout or total_timeout:
        limits = Limits(
            **{
                **limits.__dict__,
                "cell_timeout": cell_timeout or limits.cell_timeout,
                "total_timeout": total_timeout or limits.total_timeout,
            }
        )
    relative = path.relative_to(submissions_root)
    student = relative.parts[0] if len(relative.parts) > 1 else path.stem

    def row(exercise="-", points=0, max_points=0, feedback=""):
        return dict(
            student=student,
            file=path.name,
            exercise=exercise,
            points=points,
            max_points=max_points,
            feedback=feedback,
        )

    if path.is_symlink():
        return [row(feedback="a link, not a file: submit the notebook itself")]
    if path.suffix != ".ipynb":
        return [row(feedback="not a notebook: submit the .ipynb file")]
    reference_path = instructor_dir / path.name
    if not reference_path.is_file():
        return [row(feedback=f"unknown assignment: there is no notebook named {path.name} in the course")]
    reference = nbformat.read(reference_path, as_version=4)
    exercises = dict(sorted(exercise_cells(reference).items(), key=lambda kv: int(kv[0])))
    points = {f"ex{n}-check": e["points"] for n, e in exercises.items()}
    source = path.read_bytes()
    try:
        submitted = nbformat.reads(source.decode("utf-8"), as_version=4)
    except Exception as exc:  # invalid JSON, wrong schema, binary junk
        reason = f"not a valid notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''})"
        return [row(g, 0, p, reason) for g, p in points.items()]

    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in submitted.cells]
    missing = {}
    for number in exercises:
        if f"ex{number}-check" not in ids:
            missing[f"ex{number}-check"] = f"the check cell ex{number}-check was deleted from the notebook"
        elif f"ex{number}-solution" not in ids:
            missing[f"ex{number}-check"] = f"the solution cell ex{number}-solution was deleted"

    secret = secrets.token_hex(16)
    cells, roles, problems = _plan(submitted, reference, exercises, secret)
    run = execute_cells(cells, limits, unsafe=unsafe, notebook_name=path.name, source=source)
    verdicts, tamper = _judge(run, roles, secret, list(points))
    tamper = problems + tamper
    rows = []
    for grade_id, pts in points.items():
        if tamper:
            rows.append(row(grade_id, 0, pts, f"{REVIEW}: {'; '.join(dict.fromkeys(tamper))}"[:1000]))
        elif run.failure:
            rows.append(row(grade_id, 0, pts, run.failure))
        elif grade_id in missing:
            rows.append(row(grade_id, 0, pts, missing[grade_id]))
        elif verdicts[grade_id]:
            rows.append(row(grade_id, 0, pts, verdicts[grade_id]))
        else:
            rows.append(row(grade_id, pts, pts, "passed"))
    return rows


# ------------------------------------------------------------------ a class


def totals(rows: list[dict]) -> list[dict]:
    """One row per student: points, maximum, whether any row needs manual review, the files graded."""
    by_student: dict[str, dict] = {}
    for r in rows:
        t = by_student.setdefault(
            r["student"],
            {"student": r["student"], "points": 0, "max_points": 0, "needs_manual_review": "no", "files": []},
        )
        t["points"] += int(r["points"])
        t["max_points"] += int(r["max_points"])
        if str(r["feedback"]).startswith(REVIEW):
            t["needs_manual_review"] = "yes"
        if r["file"] not in t["files"]:
            t["files"].append(r["file"])
    return [dict(t, files=" ".join(t["files"])) for _, t in sorted(by_student.items())]


def grade(
    submissions: Path,
    out_csv: Path,
    *,
    instructor_dir: Path | None = None,
    limits: Limits | None = None,
    unsafe: bool = False,
    regrade: bool = False,
    cell_timeout: int | None = None,
    total_timeout: int | None = None,
    jobs: int = 1,
    log=None,
) -> list[dict]:
    """Grade every file under `submissions` (one folder per student) into out_csv and its totals sheet.

    Progress is kept in `<out_csv>.state.json` (written atomically after each submission): an interrupted
    run started again skips the submissions already graded, unless their file changed or regrade is set.
    """
    from course_utils.runtime import project_root

    log = log or (lambda message: print(message, file=sys.stderr))
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise NotADirectoryError(
            f"{submissions} is not a folder: put the submitted notebooks there (one sub-folder per student)."
        )
    instructor_dir = Path(instructor_dir or project_root() / "notebooks")
    files = sorted(
        p for p in submissions.rglob("*") if (p.is_file() or p.is_symlink()) and not p.name.startswith(".")
    )
    if not files:
        raise FileNotFoundError(f"{submissions} holds no files to grade.")
    out_csv = Path(out_csv).resolve()
    inside = [d for d in (submissions.resolve(), instructor_dir.resolve()) if d in out_csv.parents]
    if inside:
        raise ValueError(f"{out_csv} is inside {inside[0]}: write the grades somewhere else.")
    if not unsafe and (problem := sandbox_problem()):
        raise SandboxUnavailableError(
            f"cannot isolate submissions: {problem}. Refusing to grade; pass --unsafe to grade without a "
            "sandbox (only for submissions you trust)."
        )
    if unsafe:
        log("WARNING: --unsafe: submissions run WITHOUT a sandbox; they can read and change this machine.")
    state_path = out_csv.with_name(out_csv.name + ".state.json")
    state = {"version": 1, "submissions": {}}
    if state_path.exists() and not regrade:
        with contextlib.suppress(ValueError, OSError):
            loaded = json.loads(state_path.read_text())
            if loaded.get("version") == 1 and isinstance(loaded.get("submissions"), dict):
                state = loaded
    done = state["submissions"]
    current, todo = {}, []
    for path in files:
        key = str(path.relative_to(submissions))
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if not path.is_symlink() else "link"
        current[key] = digest
        if not (key in done and done[key].get("sha256") == digest):
            todo.append((key, digest, path))
    lock = threading.Lock()

    def one(key, digest, path):
        log(f"grading {key}")
        rows = grade_submission(
            path,
            submissions,
            instructor_dir,
            limits=limits,
            unsafe=unsafe,
            cell_timeout=cell_timeout,
            total_timeout=total_timeout,
        )
        with lock:  # progress after each submission: an interrupted run resumes from here
            done[key] = {"sha256": digest, "rows": rows}
            _write_json_atomically(state_path, state)

    if jobs <= 1:
        for item in todo:
            one(*item)
    else:  # each submission has its own sandbox and limits; memory adds up: jobs x --memory-mb
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for future in [pool.submit(one, *item) for item in todo]:
                future.result()
    rows = [r for key in sorted(current) for r in done[key]["rows"]]
    _write_csv_atomically(out_csv, GRADE_COLUMNS, rows)
    _write_csv_atomically(totals_path(out_csv), TOTAL_COLUMNS, totals(rows))
    return rows


def totals_path(out_csv: Path) -> Path:
    return Path(out_csv).with_name(Path(out_csv).stem + "_totals.csv")


class SandboxUnavailableError(RuntimeError):
    """The OS refuses the namespaces the sandbox needs (and --unsafe was not given)."""


# ------------------------------------------------------------------ nbgrader's own workflow


def _drop_course_metadata():
    from nbconvert.preprocessors import Preprocessor

    class DropCourseMetadata(Preprocessor):
        """nbgrader generate_assignment: drop the `course` cell metadata (the realness tests' wrong answers)."""

        def __init__(self, **kw):
            super().__init__(**kw)
            self.enabled = True

        def preprocess_cell(self, cell, resources, index):
            cell.metadata.pop("course", None)
            return cell, resources

    return DropCourseMetadata


DropCourseMetadata = _drop_course_metadata()
