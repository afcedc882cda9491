"""`check`: a student's self-check with the visible tests, offline, without the gradebook.

Runs a copy of the notebook in a fresh kernel (the file itself is never written) and
prints one line per graded task. Exit status 0 only when every automatically graded
task passes, so scripts and CI can rely on it (unlike `nbgrader validate`, nbgrader #1908).
"""
from pathlib import Path

from nbgrader.utils import compute_checksum, is_grade, is_locked

from autograder.course import AssignmentSpec, CellSpec
from autograder.runner import OK, Limits, run_isolated
from autograder.sanitize import Rejected, read_notebook
from autograder.verdict import MANUAL, PASS, cell_errors, decide

SYMBOLS = {PASS: "PASS", "fail": "FAIL", "error": "ERROR", MANUAL: "MANUAL", "not_run": "NOT RUN"}


def spec_from_notebook(nb, name: str) -> AssignmentSpec:
    """What the notebook's own nbgrader metadata says about its graded cells."""
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if "grade_id" in meta:
            cells.append(CellSpec(meta["grade_id"], cell.cell_type, bool(meta.get("locked")), cell.source,
                                  meta.get("checksum", ""), float(meta.get("points", 0)) if is_grade(cell) else None,
                                  bool(meta.get("solution"))))
    return AssignmentSpec(name, name, cells)


def edited_locked_cells(nb) -> list:
    """grade_ids of locked cells whose text no longer matches the checksum nbgrader stored at release."""
    return [c.metadata.nbgrader["grade_id"] for c in nb.cells
            if is_locked(c) and c.metadata.nbgrader.get("checksum")
            and compute_checksum(c) != c.metadata.nbgrader["checksum"]]


def check(path: Path, limits: Limits, out=print) -> int:
    """Run the notebook's visible tests; print a line per task; return the exit status."""
    try:
        nb = read_notebook(Path(path).read_bytes())
    except (OSError, Rejected) as err:
        out(f"cannot check {path}: {getattr(err, 'message', err)}")
        return 2
    spec = spec_from_notebook(nb, Path(path).stem)
    if not spec.graded:
        out(f"{path} has no graded cells: is it an assignment notebook?")
        return 2
    for grade_id in edited_locked_cells(nb):
        out(f"warning: read-only cell {grade_id!r} was edited; grading restores the original")
    outcome = run_isolated(nb, limits, cwd=Path(path).resolve().parent)
    tasks, score = decide(outcome.notebook, spec, outcome.status, outcome.message)
    width = max(len(t.task) for t in tasks)
    for t in tasks:
        points = "  -  " if t.points is None else f"{t.points:g}/{t.max_points:g}"
        out(f"{SYMBOLS[t.result]:8s}{t.task:{width}s}  {points:>7s}  {t.message}")
    for _, note in cell_errors(outcome.notebook, spec):
        out(f"NOTE    {note}")
    auto = [t for t in tasks if t.result != MANUAL]
    passed = sum(t.result == PASS for t in auto)
    out(f"{passed} of {len(auto)} automatically graded tasks pass the visible tests "
        f"({score:g} of {sum(t.max_points for t in auto):g} points); hidden tests run at grading.")
    if outcome.status != OK:
        out(f"the run stopped early: {outcome.message}")
    return 0 if outcome.status == OK and passed == len(auto) else 1
