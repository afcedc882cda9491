"""benchmarks/claims.py: every failure of any run shows up in the claims table."""
from benchmarks.claims import claims_table
from courselib.notebooks import CellError, Execution


def _run(errors=(), asserting=(2,)):
    return Execution("nb.ipynb", 1.0, "failed" if errors else "executed", list(errors), list(asserting))


def test_a_failure_outside_the_asserting_cells_is_a_row():
    """Does a run that fails (here: a cell timeout) in a cell without an assert count as a failure?"""
    timeout = CellError(5, "train()", "CellTimeoutError", "cell timed out", "")
    rows = claims_table({"nb.ipynb": {None: _run(), 1: _run([timeout])}})
    assert ("nb.ipynb", 5, 1, 2) == rows[-1][:4] and "seed 1" in rows[-1][4]
    assert rows[0][:4] == ("nb.ipynb", 2, 2, 2)


def test_a_failing_claim_counts_once_per_failing_seed():
    """Is an assert that fails under one of three runs reported as 2 of 3?"""
    failed = CellError(2, "assert x", "AssertionError", "", "")
    rows = claims_table({"nb.ipynb": {None: _run(), 1: _run([failed]), 2: _run()}})
    assert rows == [("nb.ipynb", 2, 2, 3, "seed 1: AssertionError: ")]
