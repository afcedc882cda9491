"""autograder/export.py: one final grade per student and assignment, in files learning platforms import."""
import csv
import io

import pytest

from autograder import gradebook
from autograder.cli import main
from autograder.course import GraderError
from autograder.export import export, neutralise, read_roster
from autograder.verdict import TaskResult, Verdict


def _verdict(student, square, cube):
    tasks = [TaskResult("square", "pass" if square else "fail", 2.0 if square else 0.0, 2.0),
             TaskResult("cube", "pass" if cube else "fail", 3.0 if cube else 0.0, 3.0),
             TaskResult("explain", "manual", None, 1.0, "graded by hand")]
    return Verdict(student, "squares", "graded", 2.0 * square + 3.0 * cube, 6.0, tasks)


@pytest.fixture
def graded_class(own_squares_course, tmp_path):
    """ada (all tests pass, essay graded 1/1 with a comment), bob (cube fails, essay not graded
    yet), and a roster that also lists cy, who submitted nothing: (db_url, roster path)."""
    from nbgrader.api import Gradebook

    root, db_url, spec, _ = own_squares_course
    gradebook.record(root, db_url, spec, _verdict("ada", True, True))
    gradebook.record(root, db_url, spec, _verdict("bob", True, False))
    with Gradebook(db_url) as gb:                                   # what formgrader does
        grade = gb.find_grade("explain", "squares", "squares", "ada")
        grade.manual_score, grade.needs_manual_grade = 1.0, False
        gb.find_comment("explain", "squares", "squares", "ada").manual_comment = "Well argued."
        gb.db.commit()
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name,canvas_id,sis_user_id,section,email\n"
                      "ada,\"Lovelace, Ada\",101,S1,A,ada@example.org\n"
                      "bob,=HYPERLINK(\"http://x\"),102,S2,A,bob@example.org\n"
                      "cy,Cy Young,103,S3,B,cy@example.org\n")
    return db_url, roster


def _rows(path):
    return list(csv.reader(io.StringIO(path.read_text(), newline="")))


def test_final_csv_tells_graded_pending_and_not_submitted_apart(graded_class, tmp_path):
    """Is the hand-given score added to the automatic ones, an ungraded essay no final score, and
    a student with no submission 'not_submitted' rather than 0?"""
    db_url, roster = graded_class
    out = tmp_path / "final.csv"
    grades = export(db_url, ["squares"], out, "csv", roster, log=lambda *_: None)
    assert [(g.student_id, g.status, g.score) for g in grades] == [
        ("ada", "graded", 6.0), ("bob", "needs_manual_grade", None), ("cy", "not_submitted", None)]
    rows = _rows(out)
    assert rows[0] == ["student_id", "name", "squares", "squares_status", "total", "max_total"]
    assert rows[1] == ["ada", "Lovelace, Ada", "6", "graded", "6", "6"]
    assert rows[2] == ["bob", "'=HYPERLINK(\"http://x\")", "", "needs_manual_grade", "", "6"]   # no total yet
    assert rows[3] == ["cy", "Cy Young", "", "not_submitted", "0", "6"]
    assert '"Lovelace, Ada"' in out.read_text()                    # RFC 4180 quoting
    assert out.read_bytes().count(b"\r\n") == 4


def test_canvas_file_has_its_identity_columns_and_points_possible_row(graded_class, tmp_path):
    db_url, roster = graded_class
    out = tmp_path / "canvas.csv"
    export(db_url, ["squares"], out, "canvas", roster, columns={"squares": "Squares (5512)"}, log=lambda *_: None)
    rows = _rows(out)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Squares (5512)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "6"]
    assert rows[2:] == [["Lovelace, Ada", "101", "S1", "", "A", "6"],
                        ["'=HYPERLINK(\"http://x\")", "102", "S2", "", "A", ""],
                        ["Cy Young", "103", "S3", "", "B", ""]]


def test_moodle_file_is_keyed_by_email_with_feedback(graded_class, tmp_path):
    db_url, roster = graded_class
    out = tmp_path / "moodle.csv"
    export(db_url, ["squares"], out, "moodle", roster, log=lambda *_: None)
    assert _rows(out) == [["Email address", "squares", "squares feedback"],
                          ["ada@example.org", "6", "Well argued."],
                          ["bob@example.org", "", "Not graded yet."],
                          ["cy@example.org", "", "Not submitted."]]


def test_a_graded_student_missing_from_the_roster_stops_the_export_before_writing(graded_class, tmp_path):
    db_url, _ = graded_class
    roster = tmp_path / "partial.csv"
    roster.write_text("student_id,email\nada,ada@example.org\n")
    out = tmp_path / "final.csv"
    with pytest.raises(GraderError, match="not on the roster .*: bob"):
        export(db_url, ["squares"], out, "csv", roster, log=lambda *_: None)
    assert not out.exists()


@pytest.mark.parametrize("text, problem", [
    ("name,email\nada,a@x\n", "no student_id column"),
    ("student_id\nada\nada\n", "line 3: student_id 'ada' is also on line 2"),
    ("student_id,name\n,nobody\n", "line 2: empty student_id"),
])
def test_a_bad_roster_is_named_with_its_line(tmp_path, text, problem):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    with pytest.raises(GraderError, match=problem):
        read_roster(path)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_characters_are_neutralised(text):
    assert neutralise(text) == "'" + text
    assert neutralise("Ada") == "Ada"


def test_cli_export_errors_are_one_line_with_exit_status_2(graded_class, tmp_path, monkeypatch, capsys):
    """An unknown assignment or a malformed --column: one line, status 2, nothing written."""
    db_url, roster = graded_class
    out = tmp_path / "x.csv"
    assert main(["export", "sqaures", "--db", db_url, "--out", str(out)]) == 2
    assert "unknown assignment(s) sqaures: the gradebook has squares" in capsys.readouterr().err
    assert main(["export", "--db", db_url, "--out", str(out), "--column", "squares"]) == 2
    assert "--column takes ASSIGNMENT=HEADER" in capsys.readouterr().err
    assert not out.exists()
    assert main(["export", "--db", db_url, "--out", str(out), "--roster", str(roster)]) == 0
    assert _rows(out)[1][:4] == ["ada", "Lovelace, Ada", "6", "graded"]


def test_gradescope_results_follow_its_autograder_format(graded_class):
    """Per task a test with name, score, max_score, status and output; a hand-graded task only once
    graded, and the total equal to the tests' sum."""
    from autograder.export import gradescope_results

    hand = {"explain": gradebook.HandGrade(0.5, "Half right.")}
    done = gradescope_results(_verdict("ada", True, False), hand)
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in done["tests"]] == [
        ("square", 2.0, 2.0, "passed"), ("cube", 0.0, 3.0, "failed"), ("explain", 0.5, 1.0, "failed")]
    assert done["score"] == 2.5 and done["tests"][2]["output"].endswith("Half right.")
    assert all(t["visibility"] == "visible" for t in done["tests"])
    waiting = gradescope_results(_verdict("bob", True, True))
    assert [t["name"] for t in waiting["tests"]] == ["square", "cube"] and waiting["score"] == 5.0
    assert "Not graded yet (by hand): explain." in waiting["output"]


def test_cli_gradescope_writes_one_file_per_graded_student(graded_class, tmp_path, capsys):
    import json

    from autograder.grade import _save

    db_url, _ = graded_class
    grading = tmp_path / "grading"
    (grading / "results").mkdir(parents=True)
    for v in (_verdict("ada", True, True), _verdict("bob", True, False)):
        _save(grading / "results", v)
    out = tmp_path / "gs"
    assert main(["export", "squares", "--format", "gradescope", "--grading", str(grading), "--out", str(out),
                 "--db", db_url]) == 0
    ada = json.loads((out / "ada" / "results.json").read_text())
    assert ada["score"] == 6.0 and [t["name"] for t in ada["tests"]] == ["square", "cube", "explain"]
    assert json.loads((out / "bob" / "results.json").read_text())["score"] == 2.0
    assert main(["export", "--format", "gradescope", "--out", str(out), "--db", db_url]) == 2
    assert "name exactly one" in capsys.readouterr().err


def test_roster_names_reach_the_gradebook_formgrader_reads(graded_class, tmp_path, capsys):
    """formgrader lists a student as "last_name, first_name" from the gradebook: after `students`
    the roster's names are there (split as documented), with email and Canvas id; grades untouched."""
    from nbgrader.api import Gradebook

    db_url, roster = graded_class
    assert main(["students", str(roster), "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "3 student(s)" in out and "1 added, 2 updated" in out
    with Gradebook(db_url) as gb:
        ada, cy = gb.find_student("ada"), gb.find_student("cy")
        assert (ada.first_name, ada.last_name, ada.email, ada.lms_user_id) == ("Ada", "Lovelace", "ada@example.org", "101")
        assert (cy.first_name, cy.last_name) == ("Cy", "Young")
        assert gb.find_submission("squares", "ada").score == 6.0
    both = tmp_path / "both.csv"
    both.write_text("student_id,first_name,last_name,name\nada,Augusta Ada,King,ignored\nzoe,,Zoe,\n")
    assert main(["students", str(both), "--db", db_url]) == 0
    with Gradebook(db_url) as gb:
        assert (gb.find_student("ada").first_name, gb.find_student("ada").last_name) == ("Augusta Ada", "King")
        assert (gb.find_student("zoe").first_name, gb.find_student("zoe").last_name) == (None, "Zoe")
    assert main(["students", str(tmp_path / "nope.csv"), "--db", db_url]) == 2
    assert "cannot read the roster" in capsys.readouterr().err
