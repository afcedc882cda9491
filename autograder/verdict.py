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
# a test's docstring names the tasks whose functions it calls: "... Depends on: linear_forward, relu."
DEPENDS = re.compile(r"depends on:\s*([\w`, ]+)", re.I)
CELL_FRAME = re.compile(r"Cell In\[\d*\], line (\d+)(?:, in (\w+))?")


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
    notes: list = field(default_factory=list)   # errors raised by the student's own cells
    seed: int = None         # seeded the grader's test cells (autograder.seeding); None: not seeded
    release_digest: str = ""  # AssignmentSpec.release_digest of the tests and points it was graded with
    graded_at: str = ""      # when, in UTC ("2026-12-01 23:50 UTC")
    grader_version: str = ""  # the course package's version that graded it
    submitted_at: str = ""   # when the student submitted, in UTC (autograder.deadlines); "": unknown

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


def depends_on(source: str) -> list:
    """The task ids a test's docstring says it depends on ("Depends on: a, b")."""
    match = DEPENDS.search(source.split('"""')[1] if source.lstrip().startswith('"""') else "")
    return [name.strip(" `") for name in match.group(1).split(",") if name.strip(" `")] if match else []


def cell_errors(nb, spec) -> list:
    """(cell index, note) for each error raised by a cell that is not a test: the student's own code
    (a training loop, a plot), which a failing test may owe its failure to."""
    tests = {ref.grade_id for ref in spec.graded}
    notes = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade_id") in tests:
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
                frames = CELL_FRAME.findall(ANSI.sub("", "\n".join(out.get("traceback", []))))
                where = ""
                if frames:          # the cell's own line first, then the deepest function of the student's
                    where = f" at line {frames[0][0]}"
                    line, function = frames[-1]
                    where += f" (in {function}, line {line} of its cell)" if function and len(frames) > 1 else ""
                notes.append((index, clean(f"your cell starting `{clean(first, 60)}` raised "
                                           f"{out.ename}{where}: {out.evalue}", 300)))
    return notes


def decide(nb, spec, run_status: str, run_message: str) -> tuple:
    """Every graded task of `spec`, judged on the executed `nb`; returns (tasks, score).

    A failing task whose test depends on another failing task says so first, and one that
    follows an error in the student's own cells names that cell: the real cause comes first."""
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
    _point_at_causes(tasks, spec, cells, nb, cell_errors(nb, spec))
    score = sum(t.points or 0.0 for t in tasks)
    return tasks, score


def _point_at_causes(tasks, spec, cells, nb, errors) -> None:
    """Prefix failing tasks' messages with the failure they follow from: a task they depend on,
    or an error in the student's own cells since the previous test."""
    failing = {t.task for t in tasks if t.result in (FAIL, ERROR, NOT_RUN)}
    sources = {ref.grade_id: ref.source for ref in spec.graded}
    position = {id(c): i for i, c in enumerate(nb.cells)}
    test_positions = sorted(position.get(id(cells.get(t.task)), -1) for t in tasks)
    for t in tasks:
        if t.result not in (FAIL, ERROR):
            continue
        causes = [d for d in depends_on(sources.get(t.task, "")) if d in failing and d != t.task]
        if causes:
            which = "which fails its own test" if len(causes) == 1 else "which fail their own tests"
            t.message = f"depends on {', '.join(causes)}, {which}: fix that first. Here: {t.message}"
        at = position.get(id(cells.get(t.task)), -1)
        previous = max((p for p in test_positions if p < at), default=-1)
        since = [note for index, note in errors if previous < index < at]
        if since:
            more = f" (and {len(since) - 1} more)" if len(since) > 1 else ""
            t.message = f"{t.message} (Before this test, {since[0]}{more}.)"
