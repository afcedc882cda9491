"""Every assignment, graded for real: the solution earns full marks, the blank release zero,
and each committed wrong submission (tests/fixtures/<assignment>/cases.py) its expected
points and feedback line."""
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
