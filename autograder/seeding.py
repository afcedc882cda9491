"""Hidden tests' randomness: different for every student and file, the same on every regrade.

A submission's seed comes from (assignment, student id, sha256 of the submitted file). Before
each cell it runs, the grader seeds `random`, numpy's global generator and torch from that seed
and the cell's grade_id, and `fresh_seed()` hands the cell's tests a reproducible stream of
seeds. So a borderline submission cannot flip on a regrade, while another student, or a changed
file, still meets other shapes and values. Outside the grader (nbval on solutions/,
`tests/submissions.py`) nothing is seeded and `fresh_seed()` draws fresh entropy.
"""
import hashlib
import random
import sys

import numpy as np

_cell = {"entropy": None, "draws": 0}   # the running test cell's seed material (one test at a time)


def _digest_int(text: str) -> int:
    """63 bits of sha256(text): stable across processes and machines, unlike hash()."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def submission_seed(assignment: str, student_id: str, file_digest: str) -> int:
    """The seed of one submission: same assignment, student and file bytes give the same seed."""
    return _digest_int("\0".join([assignment, student_id, file_digest]))


def begin_cell(seed: int, grade_id: str) -> None:
    """Seed random, numpy and torch (when loaded) for one cell, and restart `fresh_seed`'s stream."""
    _cell.update(entropy=[seed, _digest_int(grade_id or "")], draws=0)
    cell_seed = int(np.random.SeedSequence(_cell["entropy"]).generate_state(1, np.uint32)[0])
    random.seed(cell_seed)
    np.random.seed(cell_seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(cell_seed)


def end_cell() -> None:
    """Back to fresh entropy: nothing outside a graded cell reuses its seeds."""
    _cell.update(entropy=None, draws=0)


def fresh_seed() -> int:
    """A seed in [0, 2**31) for one random draw of a hidden test (reproducible while grading)."""
    if _cell["entropy"] is None:
        return int(np.random.SeedSequence().entropy % 2**31)
    _cell["draws"] += 1
    state = np.random.SeedSequence(_cell["entropy"] + [_cell["draws"]]).generate_state(1, np.uint32)
    return int(state[0] >> 1)
