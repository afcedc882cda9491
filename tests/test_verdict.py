"""autograder/verdict.py: deciding points from outputs alone, as nbgrader would, and stricter."""
import nbformat

from autograder.course import AssignmentSpec, CellSpec
from autograder.verdict import decide

SPEC = AssignmentSpec("hw", "hw", [CellSpec("t1", "code", True, "", "", 2.0),
                                   CellSpec("t2", "code", True, "", "", 3.0),
                                   CellSpec("essay", "markdown", False, "", "", 1.0, solution=True)])


def _test_cell(grade_id, points, outputs=(), count=1):
    cell = nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade": True, "grade_id": grade_id,
                                                                "points": points, "locked": True}})
    cell.execution_count, cell.outputs = count, [nbformat.v4.new_output(**o) for o in outputs]
    return cell


def _essay():
    return nbformat.v4.new_markdown_cell("x", metadata={"nbgrader": {"grade": True, "solution": True,
                                                                      "grade_id": "essay", "points": 1}})


def test_error_and_stderr_score_zero_with_a_message():
    """Does a failed assertion show its message, and stderr in a test cost the points?"""
    nb = nbformat.v4.new_notebook(cells=[
        _test_cell("t1", 2, [dict(output_type="error", ename="AssertionError", evalue="dW looks transposed",
                                  traceback=["secret hidden test line"])]),
        _test_cell("t2", 3, [dict(output_type="stream", name="stderr", text="UserWarning: x")]),
        _essay()])
    tasks, score = decide(nb, SPEC, "ok", "")
    assert score == 0
    assert (tasks[0].result, tasks[0].message) == ("fail", "dW looks transposed")
    assert "secret" not in tasks[0].message
    assert tasks[1].result == "error" and "stderr" in tasks[1].message
    assert (tasks[2].result, tasks[2].points) == ("manual", None)


def test_cut_short_run_gives_no_credit_to_unfinished_or_unrun_cells():
    """After a timeout, do the interrupted cell and the cells never run earn nothing?"""
    nb = nbformat.v4.new_notebook(cells=[_test_cell("t1", 2), _test_cell("t2", 3, count=None), _essay()])
    tasks, score = decide(nb, SPEC, "timeout", "a cell ran longer than 10 s")
    assert score == 0 and [t.result for t in tasks[:2]] == ["not_run", "not_run"]
    tasks, score = decide(nb, SPEC, "ok", "")
    assert score == 2


def test_partial_credit_and_deleted_answer():
    """Is a numeric result partial credit, and a deleted graded cell a zero?"""
    nb = nbformat.v4.new_notebook(cells=[_test_cell("t1", 2, [dict(output_type="execute_result",
                                                                   data={"text/plain": "1.5"})])])
    tasks, score = decide(nb, SPEC, "ok", "")
    assert score == 1.5 and tasks[1].message == "the answer cell was deleted"
