"""Shared fixtures: private copies of courses, released into a temporary gradebook.

Tests never write into the repository: each course is copied to a temporary folder first.
"""
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(ROOT / "tests"))


def _released_copy(source_root: Path, dest: Path, assignments=None):
    """Copy nbgrader_config.py and solutions/ to `dest`, release there; return (root, db_url)."""
    from autograder.release import release

    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(source_root / "nbgrader_config.py", dest)
    shutil.copytree(source_root / "solutions", dest / "solutions")
    db_url = release(dest, assignments, log=lambda *_: None)
    return dest, db_url


@pytest.fixture(scope="session")
def squares_course(tmp_path_factory):
    """The tiny one-assignment course, released: (root, db_url, spec, release notebook)."""
    from autograder.course import load_spec

    root, db_url = _released_copy(FIXTURES / "course", tmp_path_factory.mktemp("squares"))
    release = nbformat.read(root / "assignments" / "squares" / "squares.ipynb", as_version=4)
    return root, db_url, load_spec(db_url, "squares"), release


@pytest.fixture
def own_squares_course(tmp_path):
    """A private released copy of the tiny course, for a test that changes its gradebook:
    (root, db_url, spec, release notebook)."""
    from autograder.course import load_spec

    root, db_url = _released_copy(FIXTURES / "course", tmp_path / "squares")
    release = nbformat.read(root / "assignments" / "squares" / "squares.ipynb", as_version=4)
    return root, db_url, load_spec(db_url, "squares"), release


@pytest.fixture(scope="session")
def real_course(tmp_path_factory):
    """The course's own assignments, released into a private gradebook: (root, db_url)."""
    return _released_copy(ROOT, tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="session")
def book_build():
    """Execute the book's notebooks once (courselib.notebooks) and build the site once per test
    run, however many modules and xdist workers ask: {"executions": {path: Execution},
    "log": build log or None, "failed": [paths]}. A file lock makes the second asker wait for,
    then reuse, the first one's build."""
    import fcntl
    import json
    import os
    import subprocess

    from courselib import notebooks

    build_dir = ROOT / "_build"
    build_dir.mkdir(exist_ok=True)
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())
    marker = build_dir / f".tests-built-{run}.json"
    with open(build_dir / ".tests-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            for old in build_dir.glob(".tests-built-*.json"):
                old.unlink()
            runs = notebooks.fill_cache(ROOT, jobs=2, log=lambda *_: None)
            failed = [r.path for r in runs if not r.ok]
            log = None
            if not failed:
                env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
                proc = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "-W",
                                       "--keep-going"], capture_output=True, text=True, env=env, timeout=3000)
                log = proc.stdout + proc.stderr + ("" if proc.returncode == 0 else f"\nexit status {proc.returncode}")
            marker.write_text(json.dumps({"executions": [r.__dict__ | {"errors": [e.__dict__ for e in r.errors]}
                                                         for r in runs], "log": log, "failed": failed}))
    data = json.loads(marker.read_text())
    data["executions"] = {r["path"]: notebooks.Execution(**{**r, "errors": [notebooks.CellError(**e) for e in r["errors"]]})
                          for r in data["executions"]}
    return data


def _skip_or_fail_without(what: str, reason: str, required_by: str) -> None:
    """Where `what` cannot start (`reason` says why), skip the test saying so, or fail it when the
    environment variable `required_by` is 1 (as .ci/run sets it where it installed `what`)."""
    import os

    if not reason:
        return
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{required_by}=1 but no {what} can start: {reason}")
    pytest.skip(f"no {what} can start here: {reason}")


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server (fixtures/postgres.py), for the whole run; skipped or failed
    where none can start (COURSE_REQUIRE_POSTGRES)."""
    from fixtures import postgres as pg

    _skip_or_fail_without("PostgreSQL server", pg.missing_reason(), "COURSE_REQUIRE_POSTGRES")
    server = pg.Server()
    server.start()
    yield server
    server.remove()


@pytest.fixture(scope="session")
def slurm():
    """A real single-node Slurm cluster (fixtures/slurm.py), for the whole run; skipped or failed
    where none can start (COURSE_REQUIRE_SLURM)."""
    from fixtures import slurm as cluster_mod

    _skip_or_fail_without("Slurm cluster", cluster_mod.missing_reason(), "COURSE_REQUIRE_SLURM")
    cluster = cluster_mod.Cluster()
    cluster.start()
    yield cluster
    cluster.stop()
