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
