"""autograder/sandbox.py + trusted.py: hostile submissions cannot forge a grade or reach secrets (issue #7)."""
import socket
import threading

import pytest

from autograder import sandbox
from autograder.grade import grade_batch
from autograder.runner import Limits
from fixtures.attacks import ATTACKS, build
from fixtures.broken import RECIPES

LIMITS = Limits(cell_timeout=60, wall_timeout=180, memory_mb=4096, output_kb=256, threads=1)
needs_sandbox = pytest.mark.skipif(bool(sandbox.missing_reason()), reason=f"no sandbox here: {sandbox.missing_reason()}")


@pytest.fixture(scope="module")
def attacked(squares_course, tmp_path_factory):
    """Every attack, plus one honest submission, graded in one batch; (verdicts, places, listener hits)."""
    root, db_url, spec, release = squares_course
    folder = tmp_path_factory.mktemp("attacks")
    (folder / "honest.ipynb").write_bytes(RECIPES["good"](release))
    secret = root / "grading" / "gradebook.db"           # the gradebook holds the hidden tests
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    hits, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                hits.append(listener.accept())
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    places = {"secret": str(secret), "target": str(root / "pwned.txt"), "port": listener.getsockname()[1]}
    for name in ATTACKS:
        (folder / f"{name}.ipynb").write_bytes(build(release, name, **places))
    out = tmp_path_factory.mktemp("out")
    verdicts = grade_batch(root, spec, [folder], out, db_url, LIMITS, jobs=2, log=lambda *_: None)
    stop.set()
    listener.close()
    assert secret.exists()
    return {v.student_id: v for v in verdicts}, places, hits


@needs_sandbox
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_earns_nothing_on_the_attacked_task(attacked, name):
    """Does each attack end with an allowed status and 0 points on `square`, without a grader error?"""
    verdict = attacked[0][name]
    allowed = ATTACKS[name][1]
    assert verdict.status in allowed, (verdict.status, verdict.message)
    square = next(t for t in verdict.tasks if t.task == "square") if verdict.tasks else None
    assert square is None or square.points == 0, square


@needs_sandbox
def test_honest_submission_in_the_same_batch_keeps_full_marks(attacked):
    """Do the attacks (fork bomb, kill -1, ...) leave the honest student's grade alone?"""
    verdict = attacked[0]["honest"]
    assert (verdict.status, verdict.score) == ("graded", 5), verdict.tasks
    assert verdict.isolation == "sandboxed kernel; tests run by the grader"


@needs_sandbox
def test_attacks_that_need_no_secret_still_get_the_correct_task(attacked):
    """Are graded attacks on `square` still scored normally on `cube` (the sandbox breaks nothing else)?"""
    for name in ("always_equal", "ndarray_subclass", "fake_pass_print", "read_secret", "network", "write_outside"):
        cube = next(t for t in attacked[0][name].tasks if t.task == "cube")
        assert cube.points == 3, (name, cube)


@needs_sandbox
def test_nothing_was_written_outside_and_no_connection_was_made(attacked):
    """Did the write and the network attacks fail for real (no file, no connection on loopback)?"""
    _, places, hits = attacked
    assert not __import__("pathlib").Path(places["target"]).exists()
    assert hits == []


def test_sandbox_sees_no_course_folder(squares_course):
    """Does the sandbox bind only system, Python and the two packages, never the course root?"""
    root = squares_course[0]
    binds = sandbox.command(root / "scratch")
    mounted = [binds[i + 1] for i, a in enumerate(binds) if a in ("--ro-bind", "--bind")]
    assert str(root / "scratch") in mounted
    assert not any(str(root) == m or str(root).startswith(m + "/") and m != "/" for m in mounted
                   if m != str(root / "scratch")), mounted


def test_each_sandbox_gets_a_user_of_its_own():
    """Do two sandboxes get different user ids, so one's fork bomb (RLIMIT_NPROC is per user) cannot starve the other?"""
    first, second = sandbox.fresh_uid(), sandbox.fresh_uid()
    assert first != second and min(first, second) >= 100_000
    if sandbox.os.geteuid() == 0:
        assert f"--reuid={first}" in sandbox.command(sandbox.Path("/tmp/x"), uid=first)


def test_switch_reports_the_sandbox_missing(monkeypatch):
    """Does AUTOGRADER_SANDBOX=off make the sandbox say it is missing, and why (the fallback CI tests)?"""
    monkeypatch.setenv(sandbox.SWITCH, "off")
    assert sandbox.missing_reason() == f"switched off by {sandbox.SWITCH}=off"
    monkeypatch.setenv(sandbox.SWITCH, "on")
    assert "switched off" not in sandbox.missing_reason()


def test_grading_without_sandbox_says_so_and_still_grades(squares_course, tmp_path, monkeypatch):
    """With the sandbox missing, does `grade` warn once, grade with limits only, and say so in the report?"""
    root, db_url, spec, release = squares_course
    monkeypatch.setenv(sandbox.SWITCH, "off")
    (tmp_path / "good.ipynb").write_bytes(RECIPES["good"](release))
    lines = []
    [verdict] = grade_batch(root, spec, [tmp_path / "good.ipynb"], tmp_path / "out", db_url, LIMITS,
                            log=lines.append)
    assert [line for line in lines if line.startswith("WARNING: no sandbox: switched off")], lines
    assert (verdict.status, verdict.score) == ("graded", 5)
    assert verdict.isolation == "kernel with resource limits only; tests run by the grader"
