"""autograder/edition.py: the student edition holds what students need and no secret, and its
`check` works in a fresh virtual environment."""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.edition import write_edition
from submissions import submission
from test_leaks import leaks, secret_lines

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("edition") / "course"
    return out, write_edition(ROOT, out)


def test_edition_holds_what_students_need_and_nothing_private(edition):
    """Are the book, the releases, both packages, requirements, a README, a Makefile and the
    check workflow there, and solutions/, tests/, gradebooks, grading outputs, CI and benchmarks not?"""
    out, files = edition
    tops = {f.split("/")[0] for f in files}
    assert tops == {"book", "assignments", "courselib", "autograder", "requirements.txt", "pyproject.toml",
                    "_config.yml", "_toc.yml", "README.md", "Makefile", ".github", ".gitignore"}, tops
    releases = sorted(f for f in files if f.startswith("assignments/"))
    assert releases == sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("assignments/*/*.ipynb"))
    assert not [f for f in files if f.endswith((".db", ".pyc")) or "/grading/" in f or "__pycache__" in f]
    readme = (out / "README.md").read_text()
    assert "make check NOTEBOOK=" in readme and all(f"`{p.stem}`" in readme for p in ROOT.glob("assignments/*/*.ipynb"))


def test_edition_leaks_no_solution_or_hidden_test(edition):
    """Does the leak scan find no solution line, hidden test or marker anywhere in the edition?"""
    out, _ = edition
    assert leaks(out, secret_lines()) == []


def test_check_workflow_runs_check_on_changed_notebooks(edition):
    """Does the students' CI workflow parse, install as the README says and run check on the
    notebooks that differ from the release (whose hashes the edition records)?"""
    out, _ = edition
    workflow = yaml.safe_load((out / ".github" / "workflows" / "check.yml").read_text())
    steps = [s.get("run", "") for s in workflow["jobs"]["check"]["steps"]]
    assert "make install" in steps and any("python -m autograder check" in s for s in steps)
    recorded = (out / ".github" / "released.sha256").read_text()
    assert all(str(p.relative_to(ROOT)) in recorded for p in ROOT.glob("assignments/*/*.ipynb"))


def test_check_inside_the_edition_in_a_fresh_venv(edition):
    """In a fresh venv made from the edition's own requirements, does `check` exit 1 on a blank
    release and 0 on a solved notebook?"""
    out, _ = edition
    venv = out / ".venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile", "-r", "requirements.txt"],
                             cwd=out, env=env, capture_output=True, text=True, timeout=1800)
    assert install.returncode == 0, install.stderr[-3000:]
    blank = out / "assignments" / "backprop" / "backprop.ipynb"
    solved = out / "assignments" / "backprop" / "solved.ipynb"
    nbformat.write(submission("backprop"), solved)

    def check(path):
        return subprocess.run([str(venv / "bin" / "python"), "-m", "autograder", "check", str(path)], cwd=path.parent,
                              env=env, capture_output=True, text=True, timeout=900)
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import autograder; print(autograder.__file__)"],
                           env=env, capture_output=True, text=True, cwd=out).stdout
    assert where.startswith(str(out)), where           # the edition's own package, not the course's
    blank_run, solved_run = check(blank), check(solved)
    assert blank_run.returncode == 1 and "NotImplementedError" in blank_run.stdout, blank_run.stdout
    assert solved_run.returncode == 0, solved_run.stdout + solved_run.stderr[-2000:]
