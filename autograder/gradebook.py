"""Record verdicts in nbgrader's gradebook, so nbgrader's own tools take over from there.

After `grade`, formgrader (nbgrader's Jupyter server extension, in `jupyter lab`) shows each
autograded notebook for the written answers, and `nbgrader export` writes final grades: manual
and automatic scores together.
"""
import copy
import functools
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.course import strip_hidden
from autograder.deadlines import parse_time
from autograder.verdict import MANUAL


@functools.lru_cache(maxsize=8)
def autograded_dir(root) -> Path:
    """Where nbgrader looks for autograded notebooks: CourseDirectory.autograded_directory."""
    from autograder.course import nbgrader_config

    folder = nbgrader_config(Path(root)).CourseDirectory.get("autograded_directory", "autograded")
    return Path(root) / folder


def record(root, db_url, spec, verdict, notebook=None) -> None:
    """Store a graded verdict's automatic scores (and its autograded notebook, if given)."""
    from nbgrader.api import Gradebook

    if verdict.status not in ("graded", "timeout", "memory_exceeded", "kernel_died"):
        return  # nothing was graded: there are no scores to record
    with Gradebook(db_url) as gb:
        gb.update_or_create_student(verdict.student_id)
        when = {"timestamp": parse_time(verdict.submitted_at).replace(tzinfo=None)} if verdict.submitted_at else {}
        gb.update_or_create_submission(spec.name, verdict.student_id, **when)   # nbgrader keeps UTC, naive
        for task in verdict.tasks:
            grade = gb.find_grade(task.task, spec.notebook, spec.name, verdict.student_id)
            grade.auto_score = None if task.result == MANUAL else task.points
            # a score the instructor gave by hand stays, and is not asked for again
            grade.needs_manual_grade = task.result == MANUAL and grade.manual_score is None
        gb.db.commit()
    if notebook is not None:
        write_autograded(autograded_dir(root), spec, verdict.student_id, notebook)


def record_students(db_url, roster: list) -> tuple:
    """Put the roster's students in the gradebook with their names and email (and Canvas id as
    nbgrader's lms_user_id), so formgrader lists people rather than "None, None". `roster`: rows
    of export.read_roster. Returns (added, updated) counts; ids and grades are left as they are."""
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.export import split_name

    added = updated = 0
    with Gradebook(db_url) as gb:
        for row in roster:
            first, last = split_name(row)
            fields = {"first_name": first or None, "last_name": last or None,
                      "email": row.get("email") or None, "lms_user_id": row.get("canvas_id") or None}
            try:
                gb.find_student(row["student_id"])
                updated += 1
            except MissingEntry:
                added += 1
            gb.update_or_create_student(row["student_id"], **fields)
    return added, updated


def write_autograded(folder: Path, spec, student_id: str, notebook) -> Path:
    """Write the executed notebook, hidden tests cut out, in nbgrader's
    `<folder>/<student>/<assignment>/<notebook>.ipynb` layout; returns its path."""
    path = Path(folder) / student_id / spec.name / f"{spec.notebook}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(without_hidden_tests(notebook), path)
    return path


def read_autograded(folder: Path, spec, student_id: str):
    """The notebook `write_autograded` wrote there, or None."""
    path = Path(folder) / student_id / spec.name / f"{spec.notebook}.ipynb"
    return nbformat.read(path, as_version=4) if path.exists() else None


def without_hidden_tests(notebook):
    """The executed notebook with every hidden-test region cut out of its cells, and its HTML made safe.

    nbgrader's `generate_feedback` (formgrader's feedback buttons) renders the autograded
    notebook as it is, so anything left here reaches the student. The gradebook keeps the
    full source, which is all nbgrader's formgrader and `export` need. Error outputs keep
    only their last line: a traceback quotes the test's source. Formgrader shows this notebook
    in the instructor's Jupyter origin, which can reach kernels and terminals, so the student's
    HTML (in outputs and in written answers) goes through nbconvert's SanitizeHTML (bleach:
    no script, no event handlers) and JavaScript outputs are dropped.
    """
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    notebook, _ = SanitizeHTML().preprocess(copy.deepcopy(notebook), {})
    for cell in notebook.cells:
        cell.source = strip_hidden(cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', '')}: {output.get('evalue', '')}"]
    return notebook


@dataclass(frozen=True)
class HandGrade:
    """What the instructor entered in formgrader for one task: a score (None: not given) and a comment."""
    score: float = None
    comment: str = ""


def hand_grades(db_url, spec) -> dict:
    """student id -> {task: HandGrade} for every task of `spec` given a score or a comment by hand."""
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook(db_url) as gb:
        try:
            submissions = gb.assignment_submissions(spec.name)
        except MissingEntry:
            return {}
        for submission in submissions:
            for notebook in submission.notebooks:
                comments = {c.name: (c.manual_comment or "").strip() for c in notebook.comments}
                for grade in notebook.grades:
                    hand = HandGrade(grade.manual_score, comments.get(grade.name, ""))
                    if hand.score is not None or hand.comment:
                        out.setdefault(submission.student.id, {})[grade.name] = hand
    return out


def read_hand_grades(db_url, spec, log=print) -> dict:
    """The gradebook's hand-given scores and comments for the reports ({} without a gradebook, or
    with a warning if it cannot be read: the automatic grades are reported all the same)."""
    if not db_url:
        return {}
    try:
        return hand_grades(db_url, spec)
    except Exception as err:  # the reports must still be written
        log(f"WARNING: hand-given grades could not be read from the gradebook ({type(err).__name__}: {err}); "
            f"the reports show automatic scores only")
        return {}
