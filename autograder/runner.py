"""Step 1 of grading, "run the student's code": execute a notebook in a fresh, limited kernel.

This module only runs code and records what happened (outputs, which cells ran, how the
run ended). It decides no grade: that is `verdict.py`, which never runs student code.
`run_isolated` executes in a separate worker process (`python -m autograder.runner`), so
a runaway kernel can be killed without touching the grader or other submissions.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

# How a run can end. "ok" means every cell was executed (some may have raised errors).
OK, TIMEOUT, MEMORY, DIED = "ok", "timeout", "memory_exceeded", "kernel_died"
TRUNCATED = "\n[output truncated by the grader: this notebook printed more than the limit]\n"
MEMORY_ERRORS = ("MemoryError", "can't allocate memory", "std::bad_alloc", "DefaultCPUAllocator")


@dataclass
class Limits:
    """Per-submission limits; every one can be set on the command line."""
    cell_timeout: float = 120.0      # seconds per cell
    wall_timeout: float = 600.0      # seconds for the whole notebook, kernel start included
    memory_mb: int = 4096            # address space of the kernel (and what it starts)
    output_kb: int = 1024            # total stream/display output kept per notebook
    threads: int = 1                 # BLAS/OpenMP/torch threads in the kernel


@dataclass
class RunOutcome:
    """How a run ended, and the executed notebook (outputs included)."""
    status: str
    message: str
    notebook: dict
    seconds: float


def _kernel_manager_class(limits: Limits):
    from jupyter_client.manager import AsyncKernelManager

    rlimits = {"memory_mb": limits.memory_mb, "cpu_seconds": int(limits.wall_timeout) + 5,
               "file_size_mb": 256}

    class LimitedKernelManager(AsyncKernelManager):
        """Starts the kernel through `autograder.limits`, which sets rlimits, then execs it."""

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            return [sys.executable, "-m", "autograder.limits", json.dumps(rlimits), "--", *cmd]

    return LimitedKernelManager


def _client_class():
    from nbclient import NotebookClient

    class LimitedClient(NotebookClient):
        """Drops stream/display output beyond `output_bytes`; errors and results are always kept."""
        output_bytes = 2**20
        _used = 0

        def output(self, outs, msg, display_id, cell_index):
            kind = msg["msg_type"]
            if kind in ("stream", "display_data", "update_display_data"):
                self._used += len(json.dumps(msg["content"]))
                if self._used > self.output_bytes:
                    name = msg["content"].get("name", "stdout")
                    if not any(o.get("text") == TRUNCATED and o.get("name") == name for o in outs):
                        outs.append(nbformat.v4.new_output("stream", name=name, text=TRUNCATED))
                    return None
            return super().output(outs, msg, display_id, cell_index)

    return LimitedClient


def _watch_memory(client, limit_bytes, tripped: threading.Event, done: threading.Event):
    """Kill the kernel when its resident memory (children included) passes the limit."""
    import psutil

    while not done.wait(0.2):
        pid = getattr(getattr(getattr(client, "km", None), "provisioner", None), "pid", None)
        if not pid:
            continue
        try:
            proc = psutil.Process(pid)
            rss = sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
        except psutil.Error:
            continue
        if rss > limit_bytes:
            tripped.set()
            os.killpg(os.getpgid(pid), signal.SIGKILL)
            return


def run_notebook(nb, cwd: str, limits: Limits) -> RunOutcome:
    """Execute `nb` (a NotebookNode) in place in a fresh kernel; return how it ended."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    threads = str(limits.threads)
    env = {**os.environ, "NBGRADER_EXECUTION": "autograde", "OMP_NUM_THREADS": threads,
           "MKL_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MPLBACKEND": "Agg",
           "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    client = _client_class()(nb, timeout=limits.cell_timeout, allow_errors=True, kernel_name="python3",
                             kernel_manager_class=_kernel_manager_class(limits),
                             resources={"metadata": {"path": cwd}}, startup_timeout=120,
                             shutdown_kernel="immediate")
    client.output_bytes = limits.output_kb * 1024
    tripped, done = threading.Event(), threading.Event()
    watcher = threading.Thread(target=_watch_memory, daemon=True,
                               args=(client, limits.memory_mb * 2**20, tripped, done))
    watcher.start()
    start = time.monotonic()
    status, message = OK, ""
    try:
        client.execute(cwd=cwd, env=env)
    except CellTimeoutError:
        status, message = TIMEOUT, f"a cell ran longer than {limits.cell_timeout:g} s"
    except DeadKernelError:
        status, message = DIED, "the kernel died while running the notebook"
    finally:
        done.set()
    if tripped.is_set():
        status, message = MEMORY, f"the notebook used more than {limits.memory_mb} MB of memory"
    elif _has_memory_error(nb):
        status, message = MEMORY, f"the notebook ran out of memory (limit {limits.memory_mb} MB)"
    return RunOutcome(status, message, nb, time.monotonic() - start)


def _has_memory_error(nb) -> bool:
    return any(o.get("output_type") == "error" and any(m in f"{o.ename}: {o.evalue}" for m in MEMORY_ERRORS)
               for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def run_isolated(nb, limits: Limits, cwd=None) -> RunOutcome:
    """Run `nb` in a worker process, in `cwd` or else an empty scratch folder; kill it all after wall_timeout."""
    with tempfile.TemporaryDirectory(prefix="autograder-") as scratch:
        job, result = Path(scratch, "job.json"), Path(scratch, "result.json")
        workdir = Path(cwd) if cwd else Path(scratch, "work")
        workdir.mkdir(exist_ok=True)
        job.write_text(json.dumps({"notebook": nb, "cwd": str(workdir), "limits": asdict(limits)}))
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "autograder.runner", str(job), str(result)],
                                start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _, err = proc.communicate(timeout=limits.wall_timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc.pid)
            proc.communicate()
            return RunOutcome(TIMEOUT, f"the notebook ran longer than {limits.wall_timeout:g} s in all",
                              nb, time.monotonic() - start)
        finally:
            _kill_tree(proc.pid)
        if proc.returncode != 0 or not result.exists():
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"the grading worker failed ({proc.returncode}): {tail[0]}")
        data = json.loads(result.read_text())
        return RunOutcome(data["status"], data["message"], nbformat.from_dict(data["notebook"]), data["seconds"])


def _kill_tree(pid: int) -> None:
    """Kill a worker, its kernel (which runs in a session of its own) and their children."""
    import psutil

    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return
    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass


def _worker_main(job_path: str, result_path: str) -> None:
    job = json.loads(Path(job_path).read_text())
    nb = nbformat.from_dict(job["notebook"])
    outcome = run_notebook(nb, job["cwd"], Limits(**job["limits"]))
    Path(result_path).write_text(json.dumps({"status": outcome.status, "message": outcome.message,
                                             "notebook": outcome.notebook, "seconds": outcome.seconds}))


if __name__ == "__main__":
    _worker_main(*sys.argv[1:3])
