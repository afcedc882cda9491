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


@pytest.fixture(scope="session")
def real_course(tmp_path_factory):
    """The course's own assignments, released into a private gradebook: (root, db_url)."""
    return _released_copy(ROOT, tmp_path_factory.mktemp("course"))
