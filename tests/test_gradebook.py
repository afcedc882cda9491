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


# A shared gradebook on a real PostgreSQL server (issue #20): the `postgres` fixture starts one.

PG_CLASS = {"ada": "good", "ben": "wrong_cube", "cy": "good", "dee": "infinite_loop", "eve": "good",
            "fay": "wrong_cube"}


def _postgres_course(postgres, tmp_path, name):
    """The squares course released into a new database of the test server: (root, db_url, folder of
    PG_CLASS's submissions)."""
    import shutil

    import nbformat
    from autograder.release import release
    from conftest import FIXTURES

    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(FIXTURES / "course" / "nbgrader_config.py", root)
    shutil.copytree(FIXTURES / "course" / "solutions", root / "solutions")
    db_url = release(root, db_url=postgres.create_database(name), log=lambda *_: None)
    release_nb = nbformat.read(root / "assignments" / "squares" / "squares.ipynb", as_version=4)
    folder = tmp_path / "submitted"
    folder.mkdir()
    for student, recipe in PG_CLASS.items():
        (folder / f"{student}.ipynb").write_bytes(RECIPES[recipe](release_nb))
    return root, db_url, folder


def _grade_command(root, db_url, folder, out, *extra):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade", "squares", str(folder), "--out", str(out),
                             "--db", db_url, "--jobs", "1", "--cell-timeout", "10", *extra], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _gradebook_scores(db_url) -> dict:
    """student id -> (automatic score, manual score) of their squares submission, read through nbgrader's API."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        return {s.student.id: (s.score, sum(g.manual_score or 0 for nb in s.notebooks for g in nb.grades))
                for s in gb.assignment_submissions("squares")}


def _results(out) -> dict:
    return {p.stem: json.loads(p.read_text()) for p in (Path(out) / "results").glob("*.json")}


def test_two_shards_grade_into_one_postgres_gradebook_at_once(postgres, tmp_path):
    """Do two shards grading at the same time into one PostgreSQL gradebook record every student
    once, with the scores of their own results; does a forced regrade leave the records as they
    were (and a score given by hand in place); and does `nbgrader export` read the same totals back?"""
    from nbgrader.api import Gradebook

    root, db_url, folder = _postgres_course(postgres, tmp_path, "two_shards")
    shards = [_grade_command(root, db_url, folder, tmp_path / f"out{i}", "--shard", f"{i}/2") for i in (1, 2)]
    logs = [proc.communicate(timeout=600)[0] for proc in shards]
    assert [proc.returncode for proc in shards] == [0, 0], logs
    results = {**_results(tmp_path / "out1"), **_results(tmp_path / "out2")}
    assert sorted(results) == sorted(PG_CLASS)
    scores = _gradebook_scores(db_url)
    assert {s: auto for s, (auto, _) in scores.items()} == {s: r["score"] for s, r in results.items()}
    assert scores["ada"][0] == 5 and scores["ben"][0] < 5

    with Gradebook(db_url) as gb:   # what formgrader does when the instructor grades the written answer
        grade = next(g for g in gb.find_submission_notebook("squares", "squares", "ada").grades if g.manual_score is None
                     and g.needs_manual_grade)
        grade.manual_score, task = 1.0, grade.name
        gb.db.commit()
        rows = gb.db.execute(__import__("sqlalchemy").text("SELECT count(*) FROM grade")).scalar()
    proc = _grade_command(root, db_url, folder, tmp_path / "out1", "--shard", "1/2", "--force")
    assert proc.wait(timeout=600) == 0, proc.stdout.read()
    with Gradebook(db_url) as gb:
        assert gb.db.execute(__import__("sqlalchemy").text("SELECT count(*) FROM grade")).scalar() == rows
        assert gb.find_grade(task, "squares", "squares", "ada").manual_score == 1.0
    assert _gradebook_scores(db_url) == {**scores, "ada": (scores["ada"][0] + 1, 1.0)}

    exported = tmp_path / "export.csv"
    subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "export", "--db", db_url, "--to", str(exported)],
                   cwd=root, check=True, capture_output=True, timeout=300)
    totals = {row["student_id"]: float(row["score"]) for row in csv.DictReader(open(exported))}
    assert totals == {s: auto + (1.0 if s == "ada" else 0.0) for s, (auto, _) in scores.items()}
    ours = tmp_path / "ours.csv"   # the course's own export reads the same database
    assert main(["export", "squares", "--db", db_url, "--out", str(ours)]) == 0
    final = {row["student_id"]: (row["squares"], row["squares_status"]) for row in csv.DictReader(open(ours))}
    assert final == {s: (f"{t:g}", "graded") if s == "ada" else ("", "needs_manual_grade") for s, t in totals.items()}


def test_losing_the_postgres_server_fails_only_the_students_it_reaches(postgres, tmp_path):
    """When the server goes away in the middle of a batch, does each student graded after that get a
    grader_error that names the gradebook (never a status blaming the notebook; the batch goes on and
    writes its reports), and does the same command, run again once the server is back, complete
    exactly those students?"""
    import time

    root, db_url, folder = _postgres_course(postgres, tmp_path, "lost_connection")
    out = tmp_path / "out"
    proc = _grade_command(root, db_url, folder, out)
    try:
        while not list((out / "results").glob("*.json")) and proc.poll() is None:
            time.sleep(0.05)
        postgres.stop()
        log = proc.communicate(timeout=600)[0]
    finally:
        postgres.start()
    assert proc.returncode == 1, log
    first = _results(out)
    assert sorted(first) == sorted(PG_CLASS)
    lost = sorted(s for s, r in first.items() if r["status"] == "grader_error")
    assert 1 <= len(lost) < len(PG_CLASS), first
    for student in lost:
        assert "gradebook" in first[student]["message"], first[student]["message"]
    assert (out / "grades.csv").exists()

    proc = _grade_command(root, db_url, folder, out)
    log = proc.communicate(timeout=600)[0]
    assert proc.returncode == 0, log
    assert f"{len(PG_CLASS) - len(lost)} already graded, grading {len(lost)}" in log
    assert sorted(_gradebook_scores(db_url)) == sorted(PG_CLASS)
    assert {s: r["status"] for s, r in _results(out).items()} == {
        s: "timeout" if recipe == "infinite_loop" else "graded" for s, recipe in PG_CLASS.items()}


def test_formgrader_sees_no_script_from_the_student(own_squares_course, tmp_path):
    """Does the autograded notebook formgrader renders hold none of the student's <script>, event
    handlers or JavaScript outputs, whether written in an answer or displayed by code, while the
    answer's text and the grade survive?"""
    import nbformat

    from fixtures.broken import solved

    root, db_url, spec, release = own_squares_course
    nb = solved(release)
    attack = "<script>fetch('/api/terminals', {method: 'POST'})</script><img src=x onerror=alert(1)>"
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "explain":
            cell.source = f"Squares grow faster. {attack}"
        elif cell.metadata.get("nbgrader", {}).get("grade_id") == "sol_square":
            cell.source += ("\nfrom IPython.display import HTML, Javascript, display\n"
                            f"display(HTML({attack!r})); display(Javascript('alert(2)'))")
    folder = tmp_path / "submitted"
    folder.mkdir()
    (folder / "xss.ipynb").write_text(nbformat.writes(nb))
    verdicts = grade_batch(root, spec, [folder], tmp_path / "out", db_url, LIMITS, jobs=1, log=lambda *_: None)
    assert (verdicts[0].status, verdicts[0].score) == ("graded", 5)
    for path in [root / "grading" / "autograded" / "xss" / "squares" / "squares.ipynb",
                 tmp_path / "out" / "autograded" / "xss" / "squares" / "squares.ipynb"]:
        cells = nbformat.read(path, as_version=4).cells
        rendered = "".join(c.source for c in cells if c.cell_type == "markdown")     # code is shown as code
        rendered += json.dumps([o for c in cells if c.cell_type == "code" for o in c.get("outputs", [])])
        assert "<script" not in rendered and not re.search(r"<[^>]*\bon\w+\s*=", rendered), path   # escaped at most
        assert "application/javascript" not in rendered, path
        assert "Squares grow faster." in rendered
