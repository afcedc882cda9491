"""autograder/deadlines.py: due dates and the late policy, from the course's configuration to the grades."""
import csv
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from autograder.course import GraderError
from autograder.deadlines import Deadline, deadline_for, parse_time
from autograder.submissions import find_submissions
from fixtures.broken import RECIPES

DUE = datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc)


def _at(**delta) -> str:
    return (DUE + timedelta(**delta)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")   # as nbgrader writes timestamp.txt


@pytest.mark.parametrize("submitted, policy, penalty", [
    (_at(seconds=-1), "per_day", 0), (_at(), "per_day", 0), (_at(seconds=1), "per_day", 1),
    (_at(days=1), "per_day", 1), (_at(days=1, seconds=1), "per_day", 2), (_at(days=5), "per_day", 5),
    (_at(days=5, seconds=1), "per_day", 10), (_at(days=3), "zero", 10), (_at(seconds=-5), "zero", 0),
    (_at(days=30), "none", 0), ("", "per_day", 0),
])
def test_penalty_per_started_day_up_to_the_limit(submitted, policy, penalty):
    """With 10 points earned and 10% per started day for at most 5 days: is 1 second late a whole day, the
    due second itself on time, the 6th day a score of 0, 'zero' all or nothing, and an unknown time no penalty?"""
    deadline = Deadline(DUE, policy, percent_per_day=10, max_days_late=5)
    assert deadline.penalty(10.0, submitted) == pytest.approx(penalty)


def test_times_in_other_zones_and_formats_are_the_same_instant():
    """Do nbgrader's timestamp format, ISO 8601 with an offset and a zone-less time (UTC) agree?"""
    same = [parse_time("2026-12-01 23:59:00.000000 UTC"), parse_time("2026-12-02T00:59:00+01:00"),
            parse_time("2026-12-01 23:59:00")]
    assert len(set(same)) == 1 and same[0] == DUE


def _course_with(tmp_path, deadlines: str):
    import shutil

    from conftest import FIXTURES
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "course", root, ignore=shutil.ignore_patterns("grading", "assignments"))
    with open(root / "nbgrader_config.py", "a") as f:
        f.write(deadlines)
    return root


def test_a_late_policy_outside_the_three_is_refused(tmp_path):
    """Does a misspelt policy stop with a message naming the setting and the choices?"""
    root = _course_with(tmp_path, 'c.Deadlines.late_policy = "per-day"\n')
    with pytest.raises(GraderError, match="late_policy is 'per-day', not one of none, zero, per_day"):
        deadline_for(root, "squares")


def test_submission_times_come_from_nbgrader_timestamps_and_zip_entries(tmp_path):
    """Is the time read from nbgrader's timestamp.txt (in a folder and in a zip), from a platform zip's
    entry date, and left unknown for a bare file, with timestamp.txt never listed as skipped?"""
    folder = tmp_path / "submitted"
    (folder / "ada" / "squares").mkdir(parents=True)
    (folder / "ada" / "squares" / "squares.ipynb").write_text("{}")
    (folder / "ada" / "squares" / "timestamp.txt").write_text(_at(hours=2))
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ben/squares/squares.ipynb", "{}")
        zf.writestr("ben/squares/timestamp.txt", _at(days=-1))
        zf.writestr(zipfile.ZipInfo("cy.ipynb", date_time=(2026, 12, 3, 8, 30, 0)), "{}")
    (tmp_path / "dee.ipynb").write_text("{}")
    skipped = []
    subs = find_submissions([folder, archive, tmp_path / "dee.ipynb"], "squares", tmp_path / "scratch", skipped=skipped)
    assert {s.student_id: s.submitted_at for s in subs} == {
        "ada": "2026-12-02 01:59:00 UTC", "ben": "2026-11-30 23:59:00 UTC", "cy": "2026-12-03 08:30:00 UTC", "dee": ""}
    assert skipped == []


def test_grades_feedback_and_export_apply_the_policy(tmp_path):
    """Graded under 10% per day for 5 days, do grades.csv, the feedback pages and `export` show each
    student's raw score, penalty and final score (on time, 2 days late, 7 days late, time unknown), and
    does the gradebook hold the due date and the submission times?"""
    import nbformat
    from nbgrader.api import Gradebook

    from autograder.cli import main
    from autograder.release import release

    root = _course_with(tmp_path, 'c.Deadlines.due = {"squares": "2026-12-01 23:59:00 UTC"}\n'
                                  'c.Deadlines.late_policy = "per_day"\nc.Deadlines.percent_per_day = 10\n'
                                  'c.Deadlines.max_days_late = 5\n')
    db_url = release(root, log=lambda *_: None)
    release_nb = nbformat.read(root / "assignments" / "squares" / "squares.ipynb", as_version=4)
    folder = tmp_path / "submitted"
    for student, when in {"ontime": _at(hours=-3), "twodays": _at(days=1, hours=5), "week": _at(days=7), "bare": None}.items():
        place = folder / student / "squares" if when else folder
        place.mkdir(parents=True, exist_ok=True)
        (place / ("squares.ipynb" if when else f"{student}.ipynb")).write_bytes(RECIPES["good"](release_nb))
        if when:
            (place / "timestamp.txt").write_text(when)
    import os
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert main(["grade", "squares", str(folder), "--out", str(tmp_path / "out"), "--jobs", "2"]) == 0
        assert main(["export", "squares", "--out", str(tmp_path / "final.csv")]) == 0
    finally:
        os.chdir(cwd)
    rows = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "out" / "grades.csv"))}
    got = {s: (r["raw_score"], r["late_penalty"], r["score"], r["days_late"]) for s, r in rows.items()}
    assert got == {"ontime": ("5", "0", "5", "0"), "twodays": ("5", "1", "4", "2"), "week": ("5", "5", "0", "7"),
                   "bare": ("5", "0", "5", "")}
    page = (tmp_path / "out" / "feedback" / "twodays.html").read_text()
    assert "2 day(s) after the due date" in page and "late penalty 1 of the 5 points" in page and "Score: 4 / 6" in page
    assert "not known, so no late penalty" in (tmp_path / "out" / "feedback" / "bare.html").read_text()
    with Gradebook(db_url) as gb:
        assert gb.find_assignment("squares").duedate == DUE.replace(tzinfo=None)
        assert gb.find_submission("squares", "week").timestamp == (DUE + timedelta(days=7)).replace(tzinfo=None)
    statuses = {r["student_id"]: r["squares_status"] for r in csv.DictReader(open(tmp_path / "final.csv"))}
    assert set(statuses.values()) == {"needs_manual_grade"}     # the written answer waits for a person
    with Gradebook(db_url) as gb:                              # graded by hand: 1 point each
        for student in rows:
            grade = gb.find_grade("explain", "squares", "squares", student)
            grade.manual_score, grade.needs_manual_grade = 1.0, False
        gb.db.commit()
    os.chdir(root)
    try:
        assert main(["export", "squares", "--out", str(tmp_path / "final.csv")]) == 0
    finally:
        os.chdir(cwd)
    final = {r["student_id"]: r["squares"] for r in csv.DictReader(open(tmp_path / "final.csv"))}
    assert final == {"ontime": "6", "twodays": "4.8", "week": "0", "bare": "6"}   # 20% of 6, and all of it
