"""Write a batch's outputs: grades.csv, report.json and one feedback page per student.

Feedback shows each task's result and message, never a test's source. Scores and comments the
instructor gave by hand in formgrader (`hand`: student id -> {task: gradebook.HandGrade}) count
in grades.csv and the feedback page: a hand-given score replaces the automatic one for its
task, as nbgrader's own totals do, and a task still waiting for one is counted in
`manual_pending`, so the score is final only when that is 0.
"""
import csv
import html
import json
from pathlib import Path

FIXED_COLUMNS = ["student_id", "assignment", "score", "max_score", "status"]


def write_all(out: Path, spec, verdicts, release_digest=None, hand=None, shard=None, deadline=None) -> None:
    """grades.csv, report.json and feedback/<student_id>.html for `verdicts`, sorted by student.

    release_digest: of the tests and points graded with (default: the spec's; `merge` passes the shards').
    hand: scores and comments given by hand, from `gradebook.hand_grades` (default: none).
    shard: (index, count) this folder graded, recorded so that `merge` can check every shard is there once.
    deadline: the assignment's `deadlines.Deadline`, whose late policy the scores are given under."""
    verdicts = sorted(verdicts, key=lambda v: v.student_id)
    hand = hand or {}
    task_ids = [c.grade_id for c in spec.graded]
    write_csv(out / "grades.csv", task_ids, verdicts, hand, deadline)
    report = {"assignment": spec.name, "max_score": spec.max_score,
              "release_digest": release_digest or spec.release_digest,
              "shard": f"{shard[0]}/{shard[1]}" if shard else None,
              "tasks": [{"task": c.grade_id, "points": c.points, "manual": c.manual} for c in spec.graded],
              "submissions": [v.to_dict() for v in verdicts]}
    (out / "report.json").write_text(json.dumps(report, indent=1))
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    for v in verdicts:
        (out / "feedback" / f"{v.student_id}.html").write_text(feedback_html(v, hand.get(v.student_id), deadline))


def final_points(task, hand: dict):
    """A task's points with the hand-given score in place of the automatic one (None: none yet)."""
    given = hand.get(task.task)
    return given.score if given is not None and given.score is not None else task.points


def totals(v, hand=None) -> tuple:
    """(score, tasks still waiting for a hand-given score) of a verdict, hand grades counted."""
    points = [final_points(t, hand or {}) for t in v.tasks]
    if not v.tasks:
        return v.score, 0
    return sum(p for p in points if p is not None), sum(p is None for p in points)


def late(v, score: float, deadline=None) -> tuple:
    """(penalty in points, started days late or None if unknown) of a verdict whose score is `score`."""
    if deadline is None:
        return 0.0, None
    return deadline.penalty(score, v.submitted_at), deadline.days_late(v.submitted_at)


def write_csv(path: Path, task_ids, verdicts, hand=None, deadline=None) -> None:
    """One row per student: the fixed columns (`score` after any late penalty), one column per graded
    task, `tampered`, `manual_pending` (tasks still to be graded by hand: the score is final when it
    is 0), then `raw_score`, `late_penalty`, `submitted_at` and `days_late` (empty: time unknown)."""
    hand = hand or {}
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(FIXED_COLUMNS + task_ids + ["tampered", "manual_pending", "raw_score", "late_penalty",
                                                   "submitted_at", "days_late"])
        for v in verdicts:
            given = hand.get(v.student_id, {})
            points = {t.task: _points(final_points(t, given)) for t in v.tasks}
            score, pending = totals(v, given)
            penalty, days = late(v, score, deadline)
            writer.writerow([v.student_id, v.assignment, f"{score - penalty:g}", f"{v.max_score:g}", v.status]
                            + [points.get(t, "") for t in task_ids] + [str(v.tampered).lower(), pending]
                            + [f"{score:g}", f"{penalty:g}", v.submitted_at, "" if days is None else days])


def _points(value) -> str:
    return "" if value is None else f"{value:g}"


def _late_note(v, score: float, deadline) -> str:
    """The feedback's line on lateness: the penalty and why, or nothing when on time or no due date."""
    penalty, days = late(v, score, deadline)
    if deadline is None or deadline.due is None:
        return ""
    from autograder.deadlines import iso
    if days is None:
        return (f"<p>Due {iso(deadline.due)}; the time of this submission is not known, so no late "
                f"penalty was applied.</p>")
    if not days:
        return f"<p>Submitted {html.escape(v.submitted_at)}, before the due date ({iso(deadline.due)}).</p>"
    return (f"<p class='warn'>Submitted {html.escape(v.submitted_at)}, {days} day(s) after the due date "
            f"({iso(deadline.due)}): late penalty {penalty:g} of the {score:g} points earned "
            f"(policy: {html.escape(_policy_words(deadline))}).</p>")


def _policy_words(deadline) -> str:
    if deadline.policy == "zero":
        return "a late submission scores 0"
    if deadline.policy == "per_day":
        return (f"{deadline.percent_per_day:g}% per started day late, 0 after "
                f"{deadline.max_days_late} day(s)")
    return "no penalty"


def feedback_html(v, hand=None, deadline=None) -> str:
    """A self-contained page for one student; `hand`: {task: HandGrade} given in formgrader;
    `deadline`: the assignment's due date and late policy."""
    e = html.escape
    hand = hand or {}

    def row(t):
        given = hand.get(t.task)
        result = "graded by hand" if t.result == "manual" and given and given.score is not None else t.result
        comment = f"<p class='comment'>Instructor: {e(given.comment)}</p>" if given and given.comment else ""
        return (f"<tr class='{e(t.result)}'><td><code>{e(t.task)}</code></td><td>{e(result)}</td>"
                f"<td>{_points(final_points(t, hand))} / {t.max_points:g}</td><td>{e(t.message)}{comment}</td></tr>")

    rows = "\n".join(row(t) for t in v.tasks)
    score, pending = totals(v, hand)
    late_note = _late_note(v, score, deadline)
    score -= late(v, score, deadline)[0]
    pending_note = (f"<p>{pending} task(s) marked <em>manual</em> are graded by hand; their points are "
                    f"not included above yet.</p>") if pending else ""
    notes = "".join(f"<li>{e(n)}</li>" for n in v.tampering)
    tamper = (f"<p class='warn'>Locked or test cells were changed and have been restored before grading:"
              f"</p><ul>{notes}</ul>") if v.tampered else ""
    message = f"<p>{e(v.message)}</p>" if v.message else ""
    own = "".join(f"<li>{e(n)}</li>" for n in v.notes)
    message += f"<p>Errors in your own cells (the tests after them may fail because of them):</p><ul>{own}</ul>" if own else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback: {e(v.assignment)} ({e(v.student_id)})</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:.3em .6em;
border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}.pass td:nth-child(2){{color:#070}}
.fail td:nth-child(2),.error td:nth-child(2),.not_run td:nth-child(2){{color:#a00}}.warn{{color:#a50}}</style>
</head><body>
<h1>{e(v.assignment)}: feedback for {e(v.student_id)}</h1>
<p><strong>Score: {score:g} / {v.max_score:g}</strong> &middot; status: <code>{e(v.status)}</code></p>
{late_note}{message}{tamper}
<table><tr><th>task</th><th>result</th><th>points</th><th>message</th></tr>
{rows}
</table>
{pending_note}
{_provenance(v)}
</body></html>
"""


def _provenance(v) -> str:
    """When and by what the file was graded, and which file: a student can check it is theirs."""
    e = html.escape
    parts = [f"graded {e(v.graded_at)}" if v.graded_at else "",
             f"by autograder {e(v.grader_version)}" if v.grader_version else "",
             f"file sha256 <code>{e(v.digest)}</code>" if v.digest else ""]
    text = ", ".join(p for p in parts if p)
    return f"<p class='provenance'><small>{text[:1].upper() + text[1:]}</small></p>" if text else ""
