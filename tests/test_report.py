"""autograder/report.py: feedback a student can read safely, a CSV a spreadsheet can open."""
import csv

from autograder.course import AssignmentSpec, CellSpec
from autograder.report import write_all
from autograder.verdict import TaskResult, Verdict

SPEC = AssignmentSpec("hw", "hw", [CellSpec("t1", "code", True, "", "", 2.0)])


def test_feedback_escapes_student_controlled_text(tmp_path):
    """Can a message chosen by the student's code inject HTML into the feedback page?"""
    v = Verdict("eve", "hw", "graded", 0.0, 2.0,
                [TaskResult("t1", "fail", 0.0, 2.0, "<script>alert(1)</script>")])
    write_all(tmp_path, SPEC, [v])
    page = (tmp_path / "feedback" / "eve.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    rows = list(csv.reader(open(tmp_path / "grades.csv")))
    assert rows == [["student_id", "assignment", "score", "max_score", "status", "t1", "tampered"],
                    ["eve", "hw", "0", "2", "graded", "0", "false"]]


def test_feedback_says_when_by_what_and_which_file(tmp_path):
    """Does the page give the grading date, the grader's version and the graded file's sha256?"""
    v = Verdict("ada", "hw", "graded", 2.0, 2.0, [TaskResult("t1", "pass", 2.0, 2.0, "")],
                digest="ab" * 32, graded_at="2026-12-01 23:50 UTC", grader_version="0.1.0")
    write_all(tmp_path, SPEC, [v])
    page = (tmp_path / "feedback" / "ada.html").read_text()
    assert "Graded 2026-12-01 23:50 UTC, by autograder 0.1.0, file sha256 <code>" + "ab" * 32 in page
