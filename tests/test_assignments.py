"""Every assignment, graded for real: the solution earns full marks, the blank release zero,
and each committed wrong submission (tests/fixtures/<assignment>/cases.py) its expected
points and feedback line."""
import re
import subprocess
import sys

import nbformat
import pytest

from autograder.course import assignment_names, load_spec
from autograder.grade import grade_batch
from autograder.runner import Limits
from submissions import ROOT, load_cases, submission

ASSIGNMENTS = [a for a in assignment_names(ROOT) if (ROOT / "tests" / "fixtures" / a / "cases.py").exists()]
LIMITS = Limits(cell_timeout=180, wall_timeout=900, memory_mb=4096, output_kb=1024, threads=1)


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, real_course, tmp_path_factory):
    """(assignment, spec, cases, verdicts by student id) after grading one batch."""
    name = request.param
    root, db_url = real_course
    spec = load_spec(db_url, name)
    cases = load_cases(name)
    folder = tmp_path_factory.mktemp(f"{name}-submissions")
    nbformat.write(submission(name), folder / "solution.ipynb")
    (folder / "release.ipynb").write_bytes((ROOT / "assignments" / name / f"{name}.ipynb").read_bytes())
    for case in cases:
        nbformat.write(submission(name, case), folder / f"{case}.ipynb")
    verdicts = grade_batch(root, spec, [folder], tmp_path_factory.mktemp(f"{name}-out"), db_url, LIMITS,
                           jobs=2, log=lambda *_: None)
    return name, spec, cases, {v.student_id: v for v in verdicts}


def _auto_max(spec):
    return sum(c.points for c in spec.graded if not c.manual)


def test_solution_earns_full_automatic_marks(graded):
    """Does the solution pass every hidden test?"""
    _, spec, _, verdicts = graded
    v = verdicts["solution"]
    assert (v.status, v.tampered) == ("graded", False), v.message
    assert v.score == _auto_max(spec), [(t.task, t.message) for t in v.tasks if t.result != "pass"]


def test_blank_release_earns_zero(graded):
    """Does the unmodified release score nothing?"""
    _, _, _, verdicts = graded
    v = verdicts["release"]
    assert v.status == "graded" and v.score == 0, [(t.task, t.points) for t in v.tasks]


def test_wrong_submissions_get_expected_points_and_feedback(graded):
    """Does each committed misconception lose exactly the points it should, with a message naming it?"""
    _, spec, cases, verdicts = graded
    problems = []
    for name, case in cases.items():
        v = verdicts[name]
        for task in v.tasks:
            if task.result == "manual":
                continue
            want = case["points"].get(task.task, task.max_points)
            hint = case.get("feedback", {}).get(task.task, "")
            if task.points != want or hint not in task.message:
                problems.append(f"{name}/{task.task}: {task.points} (want {want}) {task.message!r}")
    assert not problems, "\n".join(problems)


CHECK_CASES = [(a, c) for a in ASSIGNMENTS for c, case in load_cases(a).items() if "check" in case]
CHECK_LINE = re.compile(r"^(PASS|FAIL|ERROR|MANUAL|NOT RUN)\s+(\S+)\s+\S+\s*(.*)$")


def check_output(path):
    """(exit status, {task: (result, message)}, NOTE lines) of `python -m autograder check path`."""
    proc = subprocess.run([sys.executable, "-m", "autograder", "check", str(path)], capture_output=True,
                          text=True, cwd=path.parent, timeout=900)
    lines = proc.stdout.splitlines()
    tasks = {m[2]: (m[1], m[3]) for m in map(CHECK_LINE.match, lines) if m}
    return proc.returncode, tasks, [line for line in lines if line.startswith("NOTE")], proc.stdout


@pytest.mark.parametrize("assignment, case", CHECK_CASES, ids=[f"{a}-{c}" for a, c in CHECK_CASES])
def test_check_fails_the_task_the_mistake_is_in_and_names_it(assignment, case, tmp_path):
    """Does the student's self-check (visible tests only) fail exactly the tasks this mistake
    breaks, each with the message that names the cause, and pass every other task?"""
    expected = load_cases(assignment)[case]
    path = tmp_path / f"{assignment}.ipynb"
    nbformat.write(submission(assignment, case), path)
    status, tasks, notes, out = check_output(path)
    assert status == 1, out
    for task, (result, message) in tasks.items():
        want_result, hint = expected["check"].get(task, ("MANUAL" if result == "MANUAL" else "PASS", ""))
        assert (result, hint in message) == (want_result, True), f"{task}: {result} {message!r}\n{out}"
    assert set(expected["check"]) <= set(tasks), out
    for note in expected.get("check_notes", []):
        assert any(note in line for line in notes), out


def test_check_passes_the_solution(tmp_path):
    """Does every assignment's solution pass `check` (exit 0), so a failure above is the mistake's?"""
    for assignment in ASSIGNMENTS:
        path = tmp_path / f"{assignment}.ipynb"
        nbformat.write(submission(assignment), path)
        status, tasks, notes, out = check_output(path)
        assert status == 0 and not notes, out
        assert all(result in ("PASS", "MANUAL") for result, _ in tasks.values()), out


HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)


def _cells(assignment):
    """(setup sources, [(grade_id, test source)]) of the solution notebook."""
    from autograder.trusted import TRUSTED_MARK
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    setup = [c.source for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith(TRUSTED_MARK)]
    tests = [(c.metadata["nbgrader"]["grade_id"], c.source) for c in nb.cells if c.cell_type == "code"
             and c.metadata.get("nbgrader", {}).get("grade")]
    return setup, tests


def _top_level_bindings(tree):
    """Names a module's top-level statements bind (assignments, loops, with, imports, defs), not
    the locals of the functions it defines."""
    import ast
    names, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        if isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        if not isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            todo.extend(ast.iter_child_nodes(node))      # a comprehension's variables are its own
    return names


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_leave_the_students_names_alone(assignment):
    """Does every name a test cell binds start with `_`, so running the tests in the student's
    kernel never replaces one of their variables (x, W, q, model, ...)?"""
    import ast
    _, tests = _cells(assignment)
    clashes = {grade_id: sorted(n for n in _top_level_bindings(ast.parse(source)) if not n.startswith("_"))
               for grade_id, source in tests}
    assert not {k: v for k, v in clashes.items() if v}, clashes


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_visible_test_runs_alone_after_the_setup(assignment):
    """Does each test cell's visible part use only its own names and the trusted setup cells'
    (so it runs alone after a restart, and in the grader), never a helper of another test cell?"""
    import ast
    import builtins
    setup, tests = _cells(assignment)
    known = set(dir(builtins)) | set().union(*(_top_level_bindings(ast.parse(s)) for s in setup))
    missing = {}
    for grade_id, source in tests:
        tree = ast.parse(HIDDEN_REGION.sub("", source))
        bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        bound |= {a.arg for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))
                  for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs + [n.args.vararg, n.args.kwarg] if a}
        bound |= {n.name for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler) and n.name}
        bound |= _top_level_bindings(tree)
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        if used - bound - known:
            missing[grade_id] = sorted(used - bound - known)
    assert not missing, missing
