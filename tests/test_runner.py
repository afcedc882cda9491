"""autograder/runner.py: what one submission can do to the batch and the machine (issue #21).

Each overload of `fixtures/overload.py` is graded by the real command line, in one batch with
an honest neighbour, while the resident size of every process it starts is sampled, with
TMPDIR pointing at a folder of the test's own so that leftover scratch can be counted.
"""
import csv
import os
import subprocess
import sys
import threading

import psutil
import pytest

from fixtures.broken import RECIPES
from autograder.sandbox import missing_reason
from fixtures.overload import OVERLOADS, SANDBOX_ONLY, with_square

# The largest process outside the sandbox: grader, worker or test process. Without a cap on the
# worker's stderr pipe, the 1 GiB flood alone took the grader past 2 GB; without a bound on
# what the worker queues from the kernel, 1 GiB through sys.stderr took the worker to 3 GB.
PEAK_BOUND_MB = 600


def _sample_peaks(pid: int, peaks: dict, done: threading.Event) -> None:
    """Every 20 ms until `done`: the largest resident size seen of each process under `pid`,
    {(pid, "kernel" | "grader"): MB}. Sampled, because wait4's ru_maxrss mixes the roles (it
    counts an unsandboxed kernel) and misses a kernel that bubblewrap's namespace reaps; a
    flood lasts seconds, far longer than a sample."""
    root = psutil.Process(pid)
    while not done.wait(0.02):
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
        for proc in procs:
            try:
                role = "kernel" if "ipykernel_launcher" in " ".join(proc.cmdline()) else "grader"
                key = (proc.pid, role)
                peaks[key] = max(peaks.get(key, 0.0), proc.memory_info().rss / 2**20)
            except psutil.Error:
                pass


@pytest.fixture(scope="module")
def overloaded(squares_course, tmp_path_factory):
    """Every overload plus `good`, graded in one `grade` run: (rows by student, exit code, log, peak MB, tmpdir)."""
    root, _, _, release = squares_course
    folder, tmp = tmp_path_factory.mktemp("overloads"), tmp_path_factory.mktemp("tmpdir")
    (folder / "good.ipynb").write_bytes(RECIPES["good"](release))
    for name, (source, _, _) in OVERLOADS.items():
        if name not in SANDBOX_ONLY or not missing_reason():
            (folder / f"{name}.ipynb").write_bytes(with_square(release, source))
    out = tmp_path_factory.mktemp("out")
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "grade", "squares", str(folder), "--out", str(out),
                             "--jobs", "2", "--no-gradebook", "--cell-timeout", "60", "--disk-mb", "512"], cwd=root,
                            env={**os.environ, "TMPDIR": str(tmp)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peaks, done = {}, threading.Event()
    sampler = threading.Thread(target=_sample_peaks, args=(proc.pid, peaks, done), daemon=True)
    sampler.start()
    log = proc.stdout.read().decode(errors="replace")
    _, status, _ = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    peak = {role: max([mb for (_, r), mb in peaks.items() if r == role], default=0.0) for role in ("grader", "kernel")}
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    return rows, os.waitstatus_to_exitcode(status), log, peak, tmp


def test_batch_exits_0_and_the_neighbour_keeps_full_marks(overloaded):
    """Does the batch finish normally, the honest student untouched by the others?"""
    rows, code, log, _, _ = overloaded
    assert code == 0, log
    assert (rows["good"]["status"], rows["good"]["score"]) == ("graded", "5"), rows["good"]


@pytest.mark.parametrize("name", sorted(OVERLOADS))
def test_each_overload_gets_its_status_and_score(overloaded, name):
    """Is the attacker graded like anyone else (its square is correct), not a grader error?"""
    rows, _, log, _, _ = overloaded
    if name in SANDBOX_ONLY and missing_reason():
        pytest.skip(f"{name} is bounded by the sandbox only, and there is none: {missing_reason()}")
    _, status, score = OVERLOADS[name]
    assert (rows[name]["status"], float(rows[name]["score"])) == (status, score), log


def test_floods_do_not_reach_the_grader(overloaded):
    """Does 1 GiB written to fd 2, and 1 GiB through sys.stderr, leave every process outside the
    sandbox under the bound, and the kernels under their own memory limit (4096 MB)?"""
    _, _, _, peak, _ = overloaded
    assert peak["grader"] < PEAK_BOUND_MB, f"largest process outside the sandbox: {peak['grader']:.0f} MB"
    assert 0 < peak["kernel"] < 4096, f"largest kernel: {peak['kernel']:.0f} MB"


def test_no_scratch_is_left_behind(overloaded):
    """Is every sandbox's scratch deleted, the 1200-deep folder chain included (and with it the job file)?"""
    *_, tmp = overloaded
    assert not list(tmp.iterdir()), sorted(p.name for p in tmp.iterdir())


def test_describe_cell_names_a_task_test_or_the_students_cell():
    """Is a test cell named by its task, and a student's cell by its number and first line?"""
    import nbformat
    from autograder.runner import describe_cell
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("\n# train\nfor epoch in range(10**9): pass"),
                                         nbformat.v4.new_code_cell("assert True", metadata={
                                             "nbgrader": {"grade": True, "grade_id": "mlp"}})])
    assert describe_cell(nb, 0) == "cell 1 (`# train`)"
    assert describe_cell(nb, 1) == "the test cell of task `mlp`"
    assert describe_cell(nb, None) == "a cell"


def test_a_memory_error_in_the_grader_is_not_the_students():
    """Is a MemoryError raised by a test's own code (run in the grader) kept apart from one the
    student's code raised, in their cell or relayed by the handle?"""
    import nbformat
    from autograder.runner import _grader_memory_error, _has_memory_error
    error = lambda ename, evalue: nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])
    cells = [nbformat.v4.new_code_cell("x = [0] * 10**12"), nbformat.v4.new_code_cell("test")]
    nb = nbformat.v4.new_notebook(cells=cells)
    steps = {1: ("test", "test")}
    cells[1].outputs = [error("MemoryError", "")]                    # the grader's own allocation
    assert (_has_memory_error(nb, steps), _grader_memory_error(nb, steps)) == (False, 1)
    cells[1].outputs = [error("StudentError", "square raised MemoryError")]   # relayed from the kernel
    assert (_has_memory_error(nb, steps), _grader_memory_error(nb, steps)) == (True, None)
    cells[1].outputs, cells[0].outputs = [], [error("MemoryError", "")]     # the student's own cell
    assert (_has_memory_error(nb, steps), _grader_memory_error(nb, steps)) == (True, None)


def test_results_and_errors_count_against_the_output_budget(squares_course, tmp_path):
    """Do 60 cells whose results are 4 MB each and 60 cells raising errors with 1 MB messages stay
    within the output budget in the autograded notebook (the grade unchanged, each error still named)?"""
    import json as json_mod

    import nbformat

    root, _, _, release = squares_course
    nb = nbformat.reads(with_square(release, "def square(x):\n    return x * x\n").decode(), as_version=4)
    floods = [nbformat.v4.new_code_cell('"r" * (4 << 20)') for _ in range(60)]
    floods += [nbformat.v4.new_code_cell('raise ValueError("e" * (1 << 20))') for _ in range(60)]
    nb.cells[1:1] = floods
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "flood.ipynb").write_text(nbformat.writes(nb))
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "squares", str(folder), "--out", str(out),
                           "--jobs", "1", "--no-gradebook", "--output-kb", "256"], cwd=root, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    row = next(csv.DictReader(open(out / "grades.csv")))
    assert (row["status"], row["score"]) == ("graded", "5"), row
    autograded = out / "autograded" / "flood" / "squares" / "squares.ipynb"
    assert autograded.stat().st_size < 2 * 2**20, autograded.stat().st_size
    outputs = [o for c in nbformat.read(autograded, as_version=4).cells for o in c.get("outputs", [])]
    assert sum(o.get("ename") == "ValueError" for o in outputs) == 60
    assert len(json_mod.dumps(outputs)) < 2 * 2**20


def test_memory_in_memfd_files_counts_against_the_limit(squares_course, tmp_path):
    """Are 8 memfd files of 200 MB (each under the file-size cap, none in the kernel's RSS) counted
    as the kernel's memory, so that under --memory-mb 1024 the submission ends memory_exceeded?"""
    root, _, _, release = squares_course
    hog = ('import os\n_fds = []\nfor _ in range(8):\n    _fd = os.memfd_create("hog")\n'
           '    for _ in range(200):\n        os.write(_fd, b"x" * (1 << 20))\n    _fds.append(_fd)\n'
           'import time; time.sleep(5)\n' + "def square(x):\n    return x * x\n")
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "memfd.ipynb").write_bytes(with_square(release, hog))
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "squares", str(folder), "--out", str(out),
                           "--jobs", "1", "--no-gradebook", "--memory-mb", "1024"], cwd=root, capture_output=True,
                          text=True, timeout=900)
    row = next(csv.DictReader(open(out / "grades.csv")))
    assert row["status"] == "memory_exceeded", (row, proc.stdout)
