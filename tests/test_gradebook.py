"""autograder/gradebook.py: what `grade` leaves for nbgrader's own tools (formgrader, feedback, export)."""
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.grade import grade_batch
from autograder.runner import Limits
from fixtures.broken import RECIPES
from test_leaks import visible_text

LIMITS = Limits(cell_timeout=60, wall_timeout=180, memory_mb=4096, output_kb=256, threads=1)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def hidden_test_lines(root: Path) -> set:
    """Every non-blank line of every hidden-test region in the course's solutions/."""
    lines = set()
    for path in (root / "solutions").glob("*/*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            for region in HIDDEN.findall("".join(cell["source"])):
                lines |= {line.strip() for line in region.splitlines() if line.strip()}
    return lines


def _grade_class(course, names, tmp_path, **kwargs):
    root, db_url, spec, release = course
    folder = tmp_path / "submitted"
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / f"{name}.ipynb").write_bytes(RECIPES[name](release))
    out = tmp_path / "out"
    verdicts = grade_batch(root, spec, [folder], out, db_url, LIMITS, jobs=2, log=lambda *_: None, **kwargs)
    return folder, out, {v.student_id: v for v in verdicts}


def test_nbgrader_feedback_holds_no_hidden_test(own_squares_course, tmp_path):
    """Does nbgrader's own `generate_feedback` (formgrader's feedback button) show no hidden test?"""
    root = own_squares_course[0]
    _, out, verdicts = _grade_class(own_squares_course, ["good", "wrong_cube", "edited_test_cell"], tmp_path)
    assert {v.status for v in verdicts.values()} == {"graded"}
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "generate_feedback", "squares",
                           "--force"], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    feedback = sorted((root / "feedback").rglob("*.html"))
    autograded = sorted((root / "grading" / "autograded").rglob("*.ipynb"))
    assert len(feedback) == len(autograded) == 3, (feedback, autograded)
    secrets = hidden_test_lines(root)
    assert secrets
    for path in feedback + autograded + sorted((out / "feedback").glob("*.html")):
        text = visible_text(path)   # HTML without its syntax-highlighting tags
        assert "BEGIN HIDDEN TESTS" not in text, path
        assert [line for line in secrets if line in text] == [], path


def test_forced_regrade_keeps_manual_grades_and_comments(own_squares_course, tmp_path):
    """After an instructor grades a written answer, do `report` and `grade --force` show the score and
    comment on the student's page and in grades.csv, and does the gradebook keep them?"""
    from nbgrader.api import Gradebook

    root, db_url, spec, release = own_squares_course
    folder, out, _ = _grade_class(own_squares_course, ["good"], tmp_path)
    with Gradebook(db_url) as gb:
        assert gb.find_grade("explain", "squares", "squares", "good").needs_manual_grade
        grade = gb.find_grade("explain", "squares", "squares", "good")
        grade.manual_score, grade.needs_manual_grade = 1.0, False      # what formgrader does
        gb.find_comment("explain", "squares", "squares", "good").manual_comment = "well argued"
        gb.db.commit()
    page = out / "feedback" / "good.html"
    assert "not included above yet" in page.read_text()
    assert main(["report", "squares", "--out", str(out), "--db", db_url]) == 0   # after formgrader
    assert "Score: 6 / 6" in page.read_text() and "Instructor: well argued" in page.read_text()
    grade_batch(root, spec, [folder], out, db_url, LIMITS, force=True, log=lambda *_: None)
    assert "Score: 6 / 6" in page.read_text() and "Instructor: well argued" in page.read_text()
    row = next(csv.DictReader(open(out / "grades.csv")))
    assert (row["score"], row["explain"], row["manual_pending"]) == ("6", "1", "0")
    with Gradebook(db_url) as gb:
        grade = gb.find_grade("explain", "squares", "squares", "good")
        assert (grade.manual_score, grade.needs_manual_grade) == (1.0, False)
        assert gb.find_comment("explain", "squares", "squares", "good").manual_comment == "well argued"
        assert gb.find_submission("squares", "good").score == 6.0
