"""The sandbox that student code runs in: bubblewrap (`bwrap`), as an unprivileged user.

What the student's kernel sees (`command`):
- read-only: the system (/usr, /lib*, /bin, /etc), the Python installation and virtual
  environment, and the two packages it imports (`autograder`, `courselib`) - and nothing else
  of the course: not `solutions/`, not the gradebook, not other submissions, not any home;
- read-write: one working folder of its own (also HOME and TMPDIR), a tmpfs of bounded size
  (`--disk-mb`: a submission that fills it gets "No space left" in its own cells, never the
  grader's disk), and the kernel's socket folder until the kernel has made its sockets;
- no network (a network namespace with only its own loopback), its own PID namespace
  (it cannot see or signal the grader), a new session (no terminal injection);
- run, when the grader is root, as a user id of its own (`fresh_uid`, no account), so
  RLIMIT_NPROC bounds its processes alone (Linux exempts root from it), with no capabilities.
CPU time, memory, file size and processes are bounded by `autograder.limits`, run inside.

Where `bwrap` is missing or cannot start (no user namespaces), `missing_reason()` says why, and
the grader says so plainly and falls back to those limits alone. AUTOGRADER_SANDBOX=off makes it
report the sandbox missing on purpose, so the tests can take a newcomer's fallback path on a
machine that has bubblewrap (CI runs the grading tests once that way).
"""
import functools
import itertools
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

SANDBOX_UID = 65534  # nobody: the probe's user
_slots = itertools.count()
_slots_lock = threading.Lock()


def fresh_uid() -> int:
    """A user id of its own for one sandbox (no account needed). RLIMIT_NPROC counts per user,
    so sandboxes running side by side must not share one: a fork bomb in one would starve the
    others. Ids cycle through 1000 per grader process, far more than run at once."""
    with _slots_lock:
        slot = next(_slots) % 1000
    return 100_000 + (os.getpid() % 100_000) * 1000 + slot
SYSTEM_DIRS = ("/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc")


def _package_dirs():
    """The folders of the packages the student's kernel may import from the project."""
    import autograder
    import courselib
    return [Path(autograder.__file__).parent, Path(courselib.__file__).parent]


def _python_dirs():
    """The Python installation and the virtual environment (prefixes; duplicates removed)."""
    dirs = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.prefix)}
    return sorted(dirs)


def _read_only_dirs():
    dirs = [Path(d) for d in SYSTEM_DIRS if Path(d).exists()]
    dirs += _python_dirs() + _package_dirs()
    unique = []
    for d in dirs:  # skip a folder already inside another one in the list
        if not any(d != other and other in d.parents for other in dirs) and d not in unique:
            unique.append(d)
    return unique


def _parents_option(path: Path, made: set):
    """bwrap creates missing parents as root-only (0700); make them 0755 so the sandbox user can pass."""
    args = []
    for parent in reversed(path.parents):
        if str(parent) != "/" and parent not in made:
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def command(scratch: Path, workdir: Path = None, env=None, uid=SANDBOX_UID, disk_mb=None) -> list:
    """The bwrap prefix that runs a command inside the sandbox.

    `scratch` is the one folder it may write to (where the grader lets it: `workdir` is its
    own); the environment is `env` alone (plus PATH and HOME), nothing of the grader's.
    """
    scratch, workdir = Path(scratch), Path(workdir or scratch)
    drop = os.geteuid() == 0
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv",
            "--proc", "/proc", "--dev", "/dev"]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8", **(env or {})}
    for key, value in env.items():
        args += ["--setenv", key, str(value)]
    made = set()
    for d in _read_only_dirs():
        args += _parents_option(d, made) + ["--ro-bind", str(d), str(d)]
    args += _parents_option(scratch, made) + ["--bind", str(scratch), str(scratch)]
    if disk_mb:   # the working folder (also HOME and TMPDIR) is a tmpfs of its own, of bounded size
        args += ["--size", str(int(disk_mb) * 2**20), "--perms", "1777", "--tmpfs", str(workdir)]
    args += ["--setenv", "HOME", str(workdir), "--setenv", "TMPDIR", str(workdir),
             "--setenv", "MPLCONFIGDIR", str(workdir), "--chdir", str(workdir)]
    if drop:
        args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}",
                 "--clear-groups", "--no-new-privs", "--inh-caps=-all"]
    else:
        args += ["--cap-drop", "ALL", "--"]
    return args


def give(path: Path, uid=SANDBOX_UID) -> None:
    """Hand a folder (and what is in it) to the sandbox's user (when the grader is root)."""
    if os.geteuid() == 0:
        for root, dirs, files in os.walk(path):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.chown(name, uid, uid)


SWITCH = "AUTOGRADER_SANDBOX"


def missing_reason() -> str:
    """Why the sandbox cannot run here ('' when it can): switched off, not installed, or failing."""
    if os.environ.get(SWITCH, "").strip().lower() in ("off", "0", "no", "false"):
        return f"switched off by {SWITCH}={os.environ[SWITCH]}"
    return _probe()


@functools.lru_cache(maxsize=1)
def _probe() -> str:
    """'' if bwrap starts a Python here, else what went wrong (probed once per process)."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    import tempfile
    with tempfile.TemporaryDirectory(prefix="autograder-probe-") as scratch:
        give(Path(scratch))
        try:
            done = subprocess.run(command(Path(scratch)) + [sys.executable, "-c", "pass"],
                                  capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"bwrap could not start: {err}"
    if done.returncode != 0:
        return "bwrap could not start: " + done.stderr.decode(errors="replace").strip()[-300:]
    return ""
