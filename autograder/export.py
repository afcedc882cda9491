"""Final grades out of the gradebook, for a learning platform: `python -m autograder export`.

One final score per student and assignment, out of the released maximum: the automatic score
of each task, or the score given by hand in formgrader where there is one (as nbgrader's own
totals count them). Each cell says which of three things it is:

- `graded`: every task has its points; the score is final;
- `needs_manual_grade`: a written answer or another hand-graded task has no score yet (no
  final score is given: the points so far would read as a final 0 for that task);
- `not_submitted`: nothing of this student's was recorded for the assignment, which is not 0.

Formats: `csv` (the course's own: one row per student, a score and a status column per
assignment), `canvas` (Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID,
Section, one column per assignment, and a "Points Possible" row) and `moodle` (Moodle's CSV
grade import: an identity column to map users by, a grade and a feedback column per
assignment); and `gradescope`, Gradescope's autograder results.json per submission, from a
grading folder's results. The roster (a CSV with a `student_id` column, plus any of name, canvas_id,
sis_user_id, sis_login_id, section, email, idnumber) lists the class: its students without a
submission are `not_submitted`, and a graded student missing from it stops the export before
anything is written, listing every such id. Fields are quoted as RFC 4180 requires, and a text
cell that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return) is prefixed with an apostrophe.
"""
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from autograder.course import GraderError

GRADED, NEEDS_MANUAL, NOT_SUBMITTED = "graded", "needs_manual_grade", "not_submitted"
ROSTER_COLUMNS = ["student_id", "name", "first_name", "last_name", "canvas_id", "sis_user_id", "sis_login_id", "section", "email", "idnumber"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class FinalGrade:
    """One student's result for one assignment."""
    student_id: str
    assignment: str
    status: str             # graded / needs_manual_grade / not_submitted
    score: float            # None unless status is graded
    max_score: float
    comments: str = ""      # the instructor's comments, joined


def neutralise(text) -> str:
    """Text a spreadsheet shows as text: a leading formula character gets an apostrophe before it."""
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(FORMULA_START) else text


def read_roster(path: Path) -> list:
    """Rows of the roster CSV as dicts of ROSTER_COLUMNS (missing columns empty), in file order.
    A missing `student_id` column, an empty id or an id given twice is an error naming the line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise GraderError(f"cannot read the roster {path}: {err}") from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "student_id" not in fields:
        raise GraderError(f"the roster {path} has no student_id column (its columns: {', '.join(fields) or 'none'})")
    rows, seen = [], {}
    for line, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        sid = row.get("student_id", "")
        if not sid:
            raise GraderError(f"the roster {path}, line {line}: empty student_id")
        if sid in seen:
            raise GraderError(f"the roster {path}, line {line}: student_id {sid!r} is also on line {seen[sid]}")
        seen[sid] = line
        rows.append({c: row.get(c, "") for c in ROSTER_COLUMNS})
    return rows


def split_name(row: dict) -> tuple:
    """(first_name, last_name) of a roster row, as nbgrader's gradebook keeps names: the roster's
    first_name and last_name columns when it has them; else its name, "Last, First" split at the
    comma, "First Last" at the last space, a single word as the last name."""
    if row.get("first_name") or row.get("last_name"):
        return row.get("first_name", ""), row.get("last_name", "")
    name = row.get("name", "")
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    first, _, last = name.rpartition(" ")
    return first.strip(), last.strip()


def display_name(row: dict) -> str:
    """The roster's name, or first and last name joined."""
    return row.get("name") or " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p)


def final_grades(db_url: str, assignments: list, students: list, deadlines: dict = None) -> list:
    """FinalGrade for each (student, assignment), students in the given order; with `deadlines`
    (assignment -> deadlines.Deadline) a late submission's score is after its penalty, from the
    submission time `grade` recorded in the gradebook."""
    from autograder.deadlines import iso
    from nbgrader.api import Gradebook, MissingEntry

    out = []
    with Gradebook(db_url) as gb:
        maxima = {}
        for name in assignments:
            try:
                maxima[name] = gb.find_assignment(name).max_score
            except MissingEntry:
                raise GraderError(f"unknown assignment {name!r}: the gradebook has "
                                  f"{', '.join(a.name for a in gb.assignments) or 'none'}") from None
        for student in students:
            for name in assignments:
                try:
                    submission = gb.find_submission(name, student)
                except MissingEntry:
                    out.append(FinalGrade(student, name, NOT_SUBMITTED, None, maxima[name]))
                    continue
                pending = any(g.needs_manual_grade for nb in submission.notebooks for g in nb.grades)
                comments = " ".join(c.manual_comment.strip() for nb in submission.notebooks
                                    for c in nb.comments if c.manual_comment and c.manual_comment.strip())
                score = None if pending else float(submission.score)
                deadline = (deadlines or {}).get(name)
                if score is not None and deadline is not None and submission.timestamp is not None:
                    score -= deadline.penalty(score, iso(submission.timestamp))
                out.append(FinalGrade(student, name, NEEDS_MANUAL if pending else GRADED, score, maxima[name], comments))
    return out


def graded_students(db_url: str, assignments: list) -> list:
    """Ids of every student with a submission of any of `assignments`, sorted."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        return sorted({s.student.id for name in assignments for s in gb.assignment_submissions(name)})


def _score(grade: FinalGrade) -> str:
    return "" if grade.score is None else f"{grade.score:g}"


def write_csv(f, grades: list, assignments: list, roster: dict) -> None:
    """student_id, name, then `<assignment>` (final score or empty) and `<assignment>_status`, then
    the total and the most it could be (every assignment's maximum). An assignment not submitted
    adds 0 to the total; while one still needs a manual grade the total is left empty, since the
    points so far would read as final."""
    writer = csv.writer(f)
    writer.writerow(["student_id", "name"] + [c for a in assignments for c in (a, f"{a}_status")]
                    + ["total", "max_total"])
    for sid, row in _by_student(grades).items():
        cells = [c for a in assignments for c in (_score(row[a]), row[a].status)]
        pending = any(row[a].status == "needs_manual_grade" for a in assignments)
        total = "" if pending else f"{sum(row[a].score or 0 for a in assignments):g}"
        writer.writerow([neutralise(sid), neutralise(display_name(roster.get(sid, {})))] + cells
                        + [total, f"{sum(row[a].max_score for a in assignments):g}"])


def write_canvas(f, grades: list, assignments: list, roster: dict, columns: dict) -> None:
    """Canvas's gradebook CSV: its five identity columns, one column per assignment (headed
    `columns[name]`, e.g. "Backprop (12345)" to update an existing Canvas assignment; the bare
    name makes Canvas create one), a "Points Possible" row; empty where no final score exists."""
    writer = csv.writer(f)
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
                    + [neutralise(columns.get(a, a)) for a in assignments])
    max_scores = {g.assignment: g.max_score for g in grades}
    writer.writerow(["Points Possible", "", "", "", ""] + [f"{max_scores.get(a, 0):g}" for a in assignments])
    for sid, row in _by_student(grades).items():
        person = roster.get(sid, {})
        writer.writerow([neutralise(display_name(person) or sid), neutralise(person.get("canvas_id", "")),
                         neutralise(person.get("sis_user_id", "")), neutralise(person.get("sis_login_id", "")),
                         neutralise(person.get("section", ""))] + [_score(row[a]) for a in assignments])


def write_moodle(f, grades: list, assignments: list, roster: dict, identity: str) -> None:
    """Moodle's CSV grade import: the identity column (`email` -> "Email address", `idnumber` ->
    "ID number") that the import maps users by, then per assignment its grade and a feedback
    text (the status when there is no final score, and the instructor's comments)."""
    header = {"email": "Email address", "idnumber": "ID number"}[identity]
    writer = csv.writer(f)
    writer.writerow([header] + [c for a in assignments for c in (a, f"{a} feedback")])
    for sid, row in _by_student(grades).items():
        key = roster.get(sid, {}).get(identity, "")
        feedback = {a: " ".join(p for p in ({NEEDS_MANUAL: "Not graded yet.", NOT_SUBMITTED: "Not submitted."}
                                            .get(row[a].status, ""), row[a].comments) if p) for a in assignments}
        writer.writerow([neutralise(key)] + [c for a in assignments for c in (_score(row[a]), neutralise(feedback[a]))])


def _by_student(grades: list) -> dict:
    """student id -> {assignment: FinalGrade}, in the order the grades came."""
    rows = {}
    for g in grades:
        rows.setdefault(g.student_id, {})[g.assignment] = g
    return rows


def export(db_url: str, assignments: list, out: Path, fmt: str = "csv", roster_path: Path = None,
           columns: dict = None, identity: str = "email", log=print, deadlines: dict = None) -> list:
    """Write the final grades of `assignments` to `out` in `fmt`; return the FinalGrades.

    With a roster, its students in its order; without, every student with a submission."""
    graded = graded_students(db_url, assignments)
    if roster_path is not None:
        rows = read_roster(roster_path)
        roster = {r["student_id"]: r for r in rows}
        unknown = [s for s in graded if s not in roster]
        if unknown:
            raise GraderError(f"{len(unknown)} graded student(s) are not on the roster {roster_path}: "
                              f"{', '.join(unknown)}; add them, or fix their ids, then export again")
        students = [r["student_id"] for r in rows]
    else:
        roster, students = {}, graded
    if fmt == "canvas" and roster and not any(r["canvas_id"] or r["sis_user_id"] for r in roster.values()):
        raise GraderError("a Canvas import matches students by ID or SIS User ID: add a canvas_id or "
                          "sis_user_id column to the roster")
    if fmt == "moodle":
        if roster_path is None:
            raise GraderError("a Moodle import maps students by email or ID number: give --roster with that column")
        missing = [s for s in students if not roster[s][identity]]
        if missing:
            raise GraderError(f"{len(missing)} student(s) have no {identity} in the roster: {', '.join(missing[:10])}")
    grades = final_grades(db_url, assignments, students, deadlines)
    buffer = io.StringIO(newline="")
    if fmt == "csv":
        write_csv(buffer, grades, assignments, roster)
    elif fmt == "canvas":
        write_canvas(buffer, grades, assignments, roster, columns or {})
    elif fmt == "moodle":
        write_moodle(buffer, grades, assignments, roster, identity)
    else:
        raise GraderError(f"unknown format {fmt!r}: csv, canvas or moodle")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    counts = {s: sum(g.status == s for g in grades) for s in (GRADED, NEEDS_MANUAL, NOT_SUBMITTED)}
    log(f"exported {len(students)} student(s) x {len(assignments)} assignment(s) to {out} ({fmt}): "
        + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return grades


def gradescope_results(verdict, hand=None) -> dict:
    """One submission's results.json in Gradescope's autograder format: the total score, one test
    per graded task (name, score, max_score, status, output) and the grader's message as output.

    Hand-graded tasks appear once a score is given (status from whether it earned full marks);
    until then they are left out, and the output says so."""
    from autograder.report import final_points

    hand = hand or {}
    tests, pending = [], []
    for t in verdict.tasks:
        points = final_points(t, hand)
        if points is None:
            pending.append(t.task)
            continue
        comment = hand[t.task].comment if t.task in hand else ""
        tests.append({"name": t.task, "score": points, "max_score": t.max_points,
                      "status": "passed" if points >= t.max_points else "failed",
                      "output": " ".join(p for p in (t.message, comment) if p), "visibility": "visible"})
    notes = [verdict.message] if verdict.message else []
    if pending:
        notes.append(f"Not graded yet (by hand): {', '.join(pending)}.")
    return {"score": sum(test["score"] for test in tests), "output": " ".join(notes),
            "visibility": "visible", "stdout_visibility": "hidden",
            "execution_time": round(verdict.seconds, 1), "tests": tests}


def write_gradescope(folder: Path, verdicts, hand: dict, out: Path, log=print) -> int:
    """out/<student_id>/results.json for every verdict; returns how many were written."""
    import json

    for v in verdicts:
        path = Path(out) / v.student_id / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(gradescope_results(v, hand.get(v.student_id)), indent=1))
    log(f"wrote {len(verdicts)} Gradescope results.json file(s) from {folder} under {out}")
    return len(verdicts)
