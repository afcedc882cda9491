"""Step 2 of grading, "decide the verdict": turn an executed notebook into per-task results.

Works on data only (the executed notebook's outputs and the assignment's spec); it runs no
student code. Messages carry the exception's name and text, never a traceback, so hidden
tests' source never reaches feedback.
"""
import re
from dataclasses import asdict, dataclass, field

from nbgrader.utils import determine_grade

PASS, FAIL, ERROR, MANUAL, NOT_RUN = "pass", "fail", "error", "manual", "not_run"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
FAILURES = ("AssertionError", "CheckFailure")


@dataclass
class TaskResult:
    """One graded cell: its points and what the student is told."""
    task: str
    result: str           # pass / fail / error / manual / not_run
    points: float         # None for a manually graded task not yet graded
    max_points: float
    message: str = ""


@dataclass
class Verdict:
    """One submission's outcome: status, score and tasks."""
    student_id: str
    assignment: str
    status: str
    score: float
    max_score: float
    tasks: list = field(default_factory=list)
    message: str = ""
    tampered: bool = False
    tampering: list = field(default_factory=list)
    origin: str = ""
    digest: str = ""
    seconds: float = 0.0
    isolation: str = ""      # how the student's code was kept apart from the verdict

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        data["tasks"] = [TaskResult(**t) for t in data.get("tasks", [])]
        return cls(**data)


def clean(text: str, limit: int = 400) -> str:
    """One readable line: colour codes removed, whitespace collapsed, length capped."""
    text = " ".join(ANSI.sub("", str(text)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def task_result(cell, points_max: float, ran: bool, manual: bool) -> TaskResult:
    """Judge one graded cell of an executed notebook, as nbgrader would, plus a message."""
    task = cell.metadata["nbgrader"]["grade_id"]
    if manual:
        return TaskResult(task, MANUAL, None, points_max, "graded by hand")
    if not ran:
        return TaskResult(task, NOT_RUN, 0.0, points_max, "not run: the notebook stopped before this cell")
    points, _ = determine_grade(cell)
    points = 0.0 if points is None else float(points)
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            kind = FAIL if out.ename in FAILURES else ERROR
            text = f"{out.evalue}" if kind == FAIL and out.evalue else f"{out.ename}: {out.evalue}"
            return TaskResult(task, kind, points, points_max, clean(text) or out.ename)
        if out.output_type == "stream" and out.name == "stderr":
            return TaskResult(task, ERROR, points, points_max,
                              clean(f"the test wrote to stderr (a warning?): {out.text}"))
    return TaskResult(task, PASS if points >= points_max else FAIL, points, points_max,
                      "" if points >= points_max else f"partial credit: {points:g} of {points_max:g}")


def decide(nb, spec, run_status: str, run_message: str) -> tuple:
    """Every graded task of `spec`, judged on the executed `nb`; returns (tasks, score)."""
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    ran = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count") is not None]
    # in a run that was cut short, the last cell that started never finished: it cannot pass
    unfinished = ran[-1] if run_status != "ok" and ran else None
    tasks = []
    for ref in spec.graded:
        cell = cells.get(ref.grade_id)
        if cell is None:
            tasks.append(TaskResult(ref.grade_id, FAIL, 0.0, ref.points, "the answer cell was deleted"))
            continue
        started = cell.cell_type != "code" or cell.get("execution_count") is not None
        result = task_result(cell, ref.points, started and cell is not unfinished, ref.manual)
        if result.result == NOT_RUN and run_status != "ok":
            result.message = f"not run: {run_message}"
        tasks.append(result)
    score = sum(t.points or 0.0 for t in tasks)
    return tasks, score
