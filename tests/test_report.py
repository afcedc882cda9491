"""autograder/report.py: feedback a student can read safely, a CSV a spreadsheet can open."""
import csv

from autograder.course import AssignmentSpec, CellSpec
from autograder.gradebook import HandGrade
from autograder.report import totals, write_all
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
    assert rows == [["student_id", "assignment", "score", "max_score", "status", "t1", "tampered", "manual_pending",
                     "raw_score", "late_penalty", "submitted_at", "days_late"],
                    ["eve", "hw", "0", "2", "graded", "0", "false", "0", "0", "0", "", ""]]


def test_feedback_says_when_by_what_and_which_file(tmp_path):
    """Does the page give the grading date, the grader's version and the graded file's sha256?"""
    v = Verdict("ada", "hw", "graded", 2.0, 2.0, [TaskResult("t1", "pass", 2.0, 2.0, "")],
                digest="ab" * 32, graded_at="2026-12-01 23:50 UTC", grader_version="0.1.0")
    write_all(tmp_path, SPEC, [v])
    page = (tmp_path / "feedback" / "ada.html").read_text()
    assert "Graded 2026-12-01 23:50 UTC, by autograder 0.1.0, file sha256 <code>" + "ab" * 32 in page


MANUAL_SPEC = AssignmentSpec("hw", "hw", [CellSpec("t1", "code", True, "", "", 2.0),
                                          CellSpec("essay", "markdown", False, "", "", 3.0, solution=True)])


def _with_essay(student):
    return Verdict(student, "hw", "graded", 2.0, 5.0, [TaskResult("t1", "pass", 2.0, 2.0, ""),
                                                      TaskResult("essay", "manual", None, 3.0, "graded by hand")])


def test_hand_grades_count_in_grades_csv_and_feedback(tmp_path):
    """Does a score and comment given in formgrader reach grades.csv and the student's page, and is
    a task still waiting for one counted as pending rather than as 0?"""
    hand = {"ada": {"essay": HandGrade(2.5, "Clear <b>argument</b>."), "t1": HandGrade(None, "Tidy code.")}}
    write_all(tmp_path, MANUAL_SPEC, [_with_essay("ada"), _with_essay("bob")], hand=hand)
    rows = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "grades.csv"))}
    assert (rows["ada"]["score"], rows["ada"]["essay"], rows["ada"]["manual_pending"]) == ("4.5", "2.5", "0")
    assert (rows["bob"]["score"], rows["bob"]["essay"], rows["bob"]["manual_pending"]) == ("2", "", "1")
    ada = (tmp_path / "feedback" / "ada.html").read_text()
    assert "Score: 4.5 / 5" in ada and "2.5 / 3" in ada and "graded by hand" in ada
    assert "Instructor: Clear &lt;b&gt;argument&lt;/b&gt;." in ada and "Instructor: Tidy code." in ada
    assert "not included above yet" not in ada
    bob = (tmp_path / "feedback" / "bob.html").read_text()
    assert "Score: 2 / 5" in bob and "1 task(s) marked <em>manual</em>" in bob


def test_a_hand_given_score_replaces_the_automatic_one():
    """An instructor may overrule the grader on an automatic task, as nbgrader's own totals allow."""
    v = _with_essay("cy")
    assert totals(v, {"t1": HandGrade(1.0), "essay": HandGrade(3.0)}) == (4.0, 0)
    assert totals(v, {}) == (2.0, 1)
