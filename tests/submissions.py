"""Build student submissions from the committed fixture cases, and try them out quickly.

A fixture case (tests/fixtures/<assignment>/cases.py, dict CASES) says how a student's
notebook differs from a correct one:

    CASES = {
        "dW_transposed": {
            "patches": [("<solution cell grade_id>", "<old text>", "<new text>")],
            "points": {"linear_backward": 0},        # expected points; other tasks: full marks
            "feedback": {"linear_backward": "transposed"},  # substring of the failure message
        },
    }

`submission(assignment, case)` fills the *released* notebook's solution cells with the
solution's code (markers removed), then applies the case's patches: exactly what a
student who made that one mistake would hand in.

`python tests/submissions.py ASSIGNMENT [CASE ...]` runs cases against the solution
notebook itself (hidden tests included, no gradebook needed) and prints per-task points
and messages: the quick loop for writing hidden tests and fixtures.
"""
import copy
import importlib.util
import os
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.M)
HIDDEN_MARKERS = re.compile(r"^\s*### (BEGIN|END) HIDDEN TESTS\s*$\n?", re.M)


def load_cases(assignment):
    """The dict CASES of tests/fixtures/<assignment>/cases.py."""
    path = ROOT / "tests" / "fixtures" / assignment / "cases.py"
    spec = importlib.util.spec_from_file_location(f"cases_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


def solution_sources(assignment):
    """grade_id -> the solution cell's source with the solution markers removed."""
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: SOLUTION_MARKERS.sub("", c.source)
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}


def apply_patches(nb, patches):
    """Replace text inside the cells named by grade_id; a patch that matches nothing is an error."""
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for grade_id, old, new in patches:
        cell = cells.get(grade_id)
        if cell is None or old not in cell.source:
            raise ValueError(f"patch for cell {grade_id!r}: text {old!r} not found")
        cell.source = cell.source.replace(old, new)
    return nb


def filled_release(assignment):
    """The released notebook with every solution cell filled in correctly."""
    nb = nbformat.read(ROOT / "assignments" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = solution_sources(assignment)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def submission(assignment, case_name=None):
    """A notebook as a student with the named fixture case's mistakes would submit it."""
    nb = filled_release(assignment)
    if case_name is not None:
        apply_patches(nb, load_cases(assignment)[case_name]["patches"])
    return nb


def tryout(assignment, case_names):
    """Run cases against the solution notebook (hidden tests in place); return mismatches."""
    from nbclient import NotebookClient
    from nbgrader.utils import determine_grade, is_grade

    source = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    cases = load_cases(assignment)
    problems = []
    for name in case_names:
        nb = copy.deepcopy(source)
        for cell in nb.cells:
            cell.source = HIDDEN_MARKERS.sub("", SOLUTION_MARKERS.sub("", cell.source))
        case = cases.get(name, {"patches": [], "points": {}, "feedback": {}})
        apply_patches(nb, case["patches"])
        os.environ["NBGRADER_EXECUTION"] = "autograde"
        NotebookClient(nb, timeout=300, allow_errors=True,
                       resources={"metadata": {"path": str(ROOT / "solutions" / assignment)}}).execute()
        print(f"== {name}")
        for cell in nb.cells:
            if not is_grade(cell) or cell.cell_type != "code":
                continue
            task = cell.metadata["nbgrader"]["grade_id"]
            got, max_points = determine_grade(cell)
            message = next((f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"), "")
            want = case["points"].get(task, max_points)
            hint = case["feedback"].get(task, "")
            ok = got == want and hint in message
            print(f"  {'ok ' if ok else 'BAD'} {task:28s} {got}/{max_points} (want {want}) {message[:150]}")
            if not ok:
                problems.append((name, task, got, want, message))
    return problems


if __name__ == "__main__":
    assignment, *names = sys.argv[1:]
    names = names or ["solution"] + list(load_cases(assignment))
    sys.exit(1 if tryout(assignment, names) else 0)
