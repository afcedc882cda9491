"""autograder/release.py: assignments/ is generated from solutions/, never edited by hand."""
import filecmp
from pathlib import Path

import pytest

from autograder.course import GraderError, assignment_names
from autograder.release import release

ROOT = Path(__file__).resolve().parents[1]


def test_release_reproduces_the_committed_assignments(real_course):
    """Does regenerating every release from solutions/ give byte-identical files?"""
    root, _ = real_course
    names = assignment_names(ROOT)
    assert names, "no assignments in solutions/"
    for name in names:
        committed = ROOT / "assignments" / name / f"{name}.ipynb"
        fresh = root / "assignments" / name / f"{name}.ipynb"
        assert committed.exists(), f"assignments/{name} is missing: run `make release`"
        assert filecmp.cmp(committed, fresh, shallow=False), \
            f"assignments/{name} differs from a fresh release: run `make release` and commit"
    committed_dirs = sorted(p.name for p in (ROOT / "assignments").iterdir() if p.is_dir())
    assert committed_dirs == names, "assignments/ holds a folder with no source in solutions/"


def test_release_fails_loudly_on_a_missing_assignment(tmp_path):
    """Does asking for an assignment that has no source raise, instead of exiting 0?"""
    (tmp_path / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    (tmp_path / "solutions").mkdir()
    with pytest.raises(GraderError):
        release(tmp_path, ["nope"], log=lambda *_: None)
