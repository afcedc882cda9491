"""autograder/check.py: a student's self-check, with an exit status that means something."""
import subprocess
import sys

import nbformat

from fixtures.broken import solved


def run_check(path, cwd):
    proc = subprocess.run([sys.executable, "-m", "autograder", "check", str(path), "--cell-timeout", "60"],
                          capture_output=True, text=True, cwd=cwd, timeout=600)
    return proc.returncode, proc.stdout


def test_check_passes_a_solved_notebook_and_fails_a_blank_one(squares_course, tmp_path):
    """Does `check` exit 0 on a solved notebook and 1 on the release, one line per task?"""
    root, _, _, release = squares_course
    nbformat.write(solved(release), tmp_path / "solved.ipynb")
    nbformat.write(release, tmp_path / "blank.ipynb")
    code, out = run_check(tmp_path / "solved.ipynb", tmp_path)
    assert code == 0, out
    assert "PASS    square" in out and "MANUAL  explain" in out
    code, out = run_check(tmp_path / "blank.ipynb", tmp_path)
    assert code == 1, out
    assert "ERROR   square" in out and "NotImplementedError" in out


def test_check_reports_a_failed_assertion_and_an_edited_test(squares_course, tmp_path):
    """Does a wrong answer show its check's message, and an edited test cell a warning?"""
    _, _, _, release = squares_course
    nb = solved(release, {"sol_square": "return x + x", "sol_cube": "return x ** 3"})
    next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "cube").source += "\n# edited"
    path = tmp_path / "wrong.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    code, out = run_check(path, tmp_path)
    assert code == 1
    assert "FAIL    square" in out and "square(3) should be 9" in out
    assert "read-only cell 'cube' was edited" in out
    assert path.read_bytes() == before, "check must not write the student's notebook"


def test_check_rejects_a_file_that_is_not_a_notebook(tmp_path):
    """Does a broken file give a clear message and exit status 2?"""
    path = tmp_path / "broken.ipynb"
    path.write_text("{oops")
    code, out = run_check(path, tmp_path)
    assert code == 2 and "not valid JSON" in out
