"""One throwaway sandbox per submission: bubblewrap namespaces, its own user id, resource limits.

What a sandboxed kernel sees: the system's programs and libraries (read-only), the Python install and the
course virtualenv (read-only), the `course_utils` package (read-only), the course's cached data files
(read-only), a scratch home of bounded size holding a read-only copy of its own notebook, and the folder of
the Unix sockets it talks to the grader through. No instructor notebook, no other submission, no grade, no
network (a network namespace with only loopback), no host process (a PID namespace: when the sandbox ends,
every process it started ends with it).

The grader's own process drives the kernel from outside (nbclient over Unix sockets), so the kernel cannot
touch the grader, its files or its memory.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import course_utils
from course_utils.runtime import project_root

INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: `apt-get update && apt-get install -y bubblewrap`; "
    "Fedora: `dnf install bubblewrap`), or run the grader inside a container (README, 'For instructors')"
)
HOME = "/home/student"


@dataclass(frozen=True)
class Limits:
    """Per-submission limits. Defaults fit the course notebooks (quick profile peaks at ~1.6 GB RSS)."""

    memory_mb: int = 4096  # resident memory of all the submission's processes together
    processes: int = 256  # processes and threads of the submission's user id
    cell_timeout: int = 120  # seconds per cell (then the kernel is interrupted)
    total_timeout: int = 600  # seconds of wall time for the whole notebook
    output_mb: int = 16  # outputs the kernel sends back, all cells together
    scratch_mb: int = 1024  # the scratch home; /tmp and /dev/shm get a quarter of it each


def sandbox_problem() -> str | None:
    """Why submissions cannot be sandboxed here (None when they can): checked once, at the start."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux namespaces; this is {sys.platform}"
    missing = [tool for tool in ("bwrap", "prlimit") if shutil.which(tool) is None]
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        missing.append("setpriv")
    if missing:
        return f"{', '.join(missing)} not found: {INSTALL_HINT}"
    probe = Sandbox(Path(os.environ.get("TMPDIR", "/tmp")), Limits(), probe=True)
    try:
        done = subprocess.run([*probe.prefix(), "true"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not start ({exc})"
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"the OS refused the namespaces bwrap needs ({reason}); {INSTALL_HINT}"
    return None


def _ro_binds() -> list[str]:
    """Read-only system, Python and course-environment mounts, at the same paths as on the host."""
    args: list[str] = []
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    args += ["--ro-bind", "/usr", "/usr"]
    etc = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives", "fonts", "mime.types"]
    for name in etc:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    package = Path(course_utils.__file__).resolve().parent
    mounted = ["/usr"]
    for path in (Path(sys.base_prefix).resolve(), Path(sys.prefix), package):
        if not any(str(path).startswith(m + "/") or str(path) == m for m in mounted):
            args += ["--ro-bind", str(path), str(path)]
            mounted.append(str(path))
    parents = sorted(
        {p for m in mounted[1:] for p in Path(m).parents if str(p) != "/"}, key=lambda p: len(p.parts)
    )
    for parent in reversed(parents):  # bwrap's own parents would be 0700
        args = ["--perms", "0755", "--dir", str(parent), *args]
    return args


class Sandbox:
    """The command prefix that runs one submission's kernel; `run_dir` is the grader's folder for it."""

    def __init__(self, run_dir: Path, limits: Limits, *, probe: bool = False):
        self.run_dir, self.limits = run_dir, limits
        self.root = os.geteuid() == 0
        self.uid = 200_000 + secrets.randbelow(60_000) if self.root else os.getuid()
        self.gid = self.uid if self.root else os.getgid()
        self.probe = probe
        self.ipc_dir = run_dir / "ipc"

    def prepare(self, notebook_name: str, source: bytes) -> None:
        """The scratch copy of the submission, the passwd file and the socket folder."""
        self.ipc_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "submission.ipynb").write_bytes(source)
        (self.run_dir / "passwd").write_text(f"student:x:{self.uid}:{self.gid}::{HOME}:/bin/sh\n")
        (self.run_dir / "group").write_text(f"student:x:{self.gid}:\n")
        (self.run_dir / "hosts").write_text("127.0.0.1 localhost\n::1 localhost\n")
        for name in ("submission.ipynb", "passwd", "group", "hosts"):
            os.chmod(self.run_dir / name, 0o444)
        os.chmod(self.run_dir, 0o755)
        if self.root:
            os.chown(self.ipc_dir, self.uid, self.gid)
        os.chmod(self.ipc_dir, 0o700)
        self.notebook_name = notebook_name

    def prefix(self) -> list[str]:
        lim = self.limits
        mb = 1024 * 1024
        limits = [
            "prlimit",
            f"--nproc={lim.processes}",
            f"--data={lim.memory_mb * mb}",
            f"--fsize={(lim.scratch_mb + 16) * mb}",  # a full scratch says ENOSPC before SIGXFSZ kills
            "--core=0",
            "--",
        ]
        bwrap = [
            "bwrap",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname",
            "sandbox",
            "--die-with-parent",
            "--unsetenv",
            "JPY_PARENT_PID",
            # /tmp first, as its own small tmpfs: the course itself may live under /tmp (a CI clone),
            # and the read-only binds below must land on top of it, not be hidden by it
            "--perms",
            "01777",
            "--size",
            str(lim.scratch_mb * mb // 4),
            "--tmpfs",
            "/tmp",
            *_ro_binds(),
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--perms",
            "01777",
            "--size",
            str(lim.scratch_mb * mb // 4),
            "--tmpfs",
            "/dev/shm",
            "--perms",
            "01777",
            "--size",
            str(lim.scratch_mb * mb),
            "--tmpfs",
            HOME,
        ]
        if not self.root:  # no setuid-root here: an unprivileged user namespace, nested ones refused
            bwrap[1:1] = ["--unshare-user", "--disable-userns"]
        if not self.probe:
            files = [("passwd", "/etc/passwd"), ("group", "/etc/group"), ("hosts", "/etc/hosts")]
            for name, target in files:
                bwrap += ["--ro-bind", str(self.run_dir / name), target]
            bwrap += ["--ro-bind", str(self.run_dir / "submission.ipynb"), f"{HOME}/{self.notebook_name}"]
            data = project_root() / "data" / "cache"
            if data.is_dir():  # cached course data, read-only, in a writable folder (fetch wants one)
                bwrap += ["--perms", "0755", "--dir", f"{HOME}/.course_data"]
                for item in sorted(data.iterdir()):
                    if item.is_file() and not item.name.startswith("."):
                        bwrap += ["--ro-bind", str(item), f"{HOME}/.course_data/{item.name}"]
            for parent in reversed(self.ipc_dir.parents[:-1]):
                bwrap += ["--perms", "0755", "--dir", str(parent)]
            bwrap += ["--bind", str(self.ipc_dir), str(self.ipc_dir)]
        bwrap += ["--chdir", HOME, "--"]
        drop = []
        if self.root:  # its own user id: no access to root's files, and the process limit is its own
            drop = [
                "setpriv",
                f"--reuid={self.uid}",
                f"--regid={self.gid}",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
            ]
        return [*limits, *bwrap, *drop]

    def environment(self) -> dict[str, str]:
        venv_bin = str(Path(sys.executable).parent)
        return {
            "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": HOME,
            "USER": "student",
            "LANG": "C.UTF-8",
            "TMPDIR": "/tmp",
            "COURSE_PROFILE": "quick",
            "COURSE_DATA_DIR": f"{HOME}/.course_data",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "TF_ENABLE_ONEDNN_OPTS": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }


def unsafe_prefix(limits: Limits) -> list[str]:
    """--unsafe: no namespaces, only the resource limits (prlimit), when available."""
    if shutil.which("prlimit") is None:
        return []
    mb = 1024 * 1024
    return [
        "prlimit",
        f"--data={limits.memory_mb * mb}",
        f"--fsize={limits.scratch_mb * mb}",
        "--core=0",
        "--",
    ]


def process_tree(root_pid: int) -> list[int]:
    """root_pid and all its descendants (a sandbox's orphans are re-parented inside it, so they count)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def resident_mb(pids: list[int]) -> float:
    """Resident memory of these processes together, in MB."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
                total += int(fh.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
