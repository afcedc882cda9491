"""Write a batch's outputs: grades.csv, report.json and one feedback page per student.

Feedback shows each task's result and message, never a test's source.
"""
import csv
import html
import json
from pathlib import Path

FIXED_COLUMNS = ["student_id", "assignment", "score", "max_score", "status"]


def write_all(out: Path, spec, verdicts, release_digest=None) -> None:
    """grades.csv, report.json and feedback/<student_id>.html for `verdicts`, sorted by student.

    release_digest: of the tests and points graded with (default: the spec's; `merge` passes the shards')."""
    verdicts = sorted(verdicts, key=lambda v: v.student_id)
    task_ids = [c.grade_id for c in spec.graded]
    write_csv(out / "grades.csv", task_ids, verdicts)
    report = {"assignment": spec.name, "max_score": spec.max_score,
              "release_digest": release_digest or spec.release_digest,
              "tasks": [{"task": c.grade_id, "points": c.points, "manual": c.manual} for c in spec.graded],
              "submissions": [v.to_dict() for v in verdicts]}
    (out / "report.json").write_text(json.dumps(report, indent=1))
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    for v in verdicts:
        (out / "feedback" / f"{v.student_id}.html").write_text(feedback_html(v))


def write_csv(path: Path, task_ids, verdicts) -> None:
    """One row per student: the fixed columns, one column per graded task, then `tampered`."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(FIXED_COLUMNS + task_ids + ["tampered"])
        for v in verdicts:
            points = {t.task: ("" if t.points is None else f"{t.points:g}") for t in v.tasks}
            writer.writerow([v.student_id, v.assignment, f"{v.score:g}", f"{v.max_score:g}", v.status]
                            + [points.get(t, "") for t in task_ids] + [str(v.tampered).lower()])


def feedback_html(v) -> str:
    """A self-contained page for one student."""
    e = html.escape
    rows = "\n".join(
        f"<tr class='{e(t.result)}'><td><code>{e(t.task)}</code></td><td>{e(t.result)}</td>"
        f"<td>{'' if t.points is None else f'{t.points:g}'} / {t.max_points:g}</td><td>{e(t.message)}</td></tr>"
        for t in v.tasks)
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
<p><strong>Score: {v.score:g} / {v.max_score:g}</strong> &middot; status: <code>{e(v.status)}</code></p>
{message}{tamper}
<table><tr><th>task</th><th>result</th><th>points</th><th>message</th></tr>
{rows}
</table>
{_provenance(v)}
<p>Tasks marked <em>manual</em> are graded by hand; their points are not included above yet.</p>
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
