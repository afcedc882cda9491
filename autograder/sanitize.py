"""Before running: read a submission, check it is this assignment's notebook, restore locked cells.

Reading never changes the student's file. Tampering (a locked or test cell edited, deleted,
duplicated, or its points changed) is reported, then undone: the gradebook's version of
each such cell is put back, hidden tests included, through nbgrader's own preprocessors.
"""
import copy
import json
import re
from dataclasses import dataclass, field

import nbformat

from autograder.course import grade_id as _grade_id, strip_hidden

INVALID, WRONG = "invalid_notebook", "wrong_assignment"
# The largest submission graded, and the most cells: a released notebook is ~100 kB and ~40 cells,
# one with every plot kept a few MB; past these, parsing alone would slow the batch for everyone.
MAX_NOTEBOOK_MB, MAX_CELLS = 32, 2000


class Rejected(Exception):
    """The submission cannot be graded; `status` says why (invalid_notebook, wrong_assignment)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Prepared:
    """A notebook ready to run, and what had to be repaired to get there."""
    notebook: object
    tampering: list = field(default_factory=list)   # one line per repaired cell


def read_notebook(data: bytes):
    """Parse bytes into an nbformat-4 notebook, or raise Rejected(invalid_notebook)."""
    if not data.strip():
        raise Rejected(INVALID, "the file is empty")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise Rejected(INVALID, f"the file is not valid JSON ({str(err)[:120]})") from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise Rejected(INVALID, "the file is JSON but not a Jupyter notebook")
    if raw.get("nbformat") != 4:
        raise Rejected(INVALID, f"nbformat {raw.get('nbformat')!r}: only version 4 notebooks can be graded")
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)  # joins multi-line sources
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises several unrelated types for broken files
        raise Rejected(INVALID, f"the notebook's structure is invalid ({str(err).splitlines()[0][:160]})") from None
    if not nb.cells:
        raise Rejected(INVALID, "the notebook has no cells")
    if len(nb.cells) > MAX_CELLS:
        raise Rejected(INVALID, f"the notebook has {len(nb.cells)} cells; at most {MAX_CELLS} can be graded")
    return safe_text(nb)


def too_large(size_bytes: int) -> str:
    """Why a file of this size is not graded ("" if it can be)."""
    if size_bytes <= MAX_NOTEBOOK_MB * 2**20:
        return ""
    return (f"the file is {size_bytes / 2**20:.0f} MB; at most {MAX_NOTEBOOK_MB} MB can be graded "
            f"(clear the outputs, Kernel > Restart & Clear Output, and submit again)")


SURROGATE = re.compile("[\ud800-\udfff]")


def safe_text(value):
    """`value` with every string made encodable as UTF-8: a lone surrogate ("\\ud800", legal in
    JSON's escapes and in Python strings) becomes U+FFFD. Applied once to whatever enters the
    grader from a submission (the file, then what its run printed), so no later write fails."""
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        for key in list(value):
            value[key] = safe_text(value[key])
        return value
    if isinstance(value, list):
        value[:] = [safe_text(v) for v in value]
        return value
    return value


def find_tampering(nb, spec) -> list:
    """Describe every locked or graded cell that differs from the release."""
    problems, seen = [], {}
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid is not None:
            seen.setdefault(gid, []).append(cell)
    for ref in spec.cells:
        cells = seen.get(ref.grade_id, [])
        if not (ref.locked or ref.graded):
            continue
        if not cells:
            problems.append(f"cell {ref.grade_id!r} was deleted")
            continue
        if len(cells) > 1:
            problems.append(f"cell {ref.grade_id!r} appears {len(cells)} times")
        cell, meta = cells[-1], cells[-1].metadata.get("nbgrader", {})
        if cell.cell_type != ref.cell_type:
            problems.append(f"cell {ref.grade_id!r} changed type to {cell.cell_type}")
        if ref.locked and cell.source != strip_hidden(ref.source):
            problems.append(f"locked cell {ref.grade_id!r} was edited")
        if ref.graded and _points(meta) != ref.points:
            problems.append(f"points of {ref.grade_id!r} changed from {ref.points:g} to {meta.get('points')}")
        if bool(meta.get("locked", False)) != ref.locked:
            problems.append(f"cell {ref.grade_id!r} was unlocked")
    return problems


def _points(meta):
    try:
        return float(meta.get("points"))
    except (TypeError, ValueError):
        return None


def _restore_missing(nb, spec):
    """Put back deleted locked cells (with the released text) after their predecessor."""
    present = {_grade_id(c) for c in nb.cells}
    for i, ref in enumerate(spec.cells):
        if ref.grade_id in present or not ref.locked:
            continue
        position = 0
        for before in reversed(spec.cells[:i]):
            idx = next((j for j, c in enumerate(nb.cells) if _grade_id(c) == before.grade_id), None)
            if idx is not None:
                position = idx + 1
                break
        meta = {"grade": ref.graded, "grade_id": ref.grade_id, "locked": True, "solution": ref.solution,
                "schema_version": 3, "task": False, **({"points": ref.points} if ref.graded else {})}
        maker = nbformat.v4.new_code_cell if ref.cell_type == "code" else nbformat.v4.new_markdown_cell
        nb.cells.insert(position, maker(strip_hidden(ref.source), metadata={"nbgrader": meta}))
        present.add(ref.grade_id)


def prepare(data: bytes, spec, db_url: str, lock=None) -> Prepared:
    """Validate, identify and repair a submission; the result is ready for the runner.

    lock: held only around nbgrader's preprocessors, which open the gradebook (one writer at a
    time for SQLite); parsing and the checks before them run outside it."""
    problem = too_large(len(data))
    if problem:
        raise Rejected(INVALID, problem)
    nb = read_notebook(data)
    ids = {_grade_id(c) for c in nb.cells} - {None}
    graded_ids = {c.grade_id for c in spec.graded}
    if not ids & graded_ids:
        raise Rejected(WRONG, f"no graded cell of assignment {spec.name!r} in this notebook "
                              f"(is it another assignment's notebook?)")
    tampering = find_tampering(nb, spec)
    nb = copy.deepcopy(nb)
    _restore_missing(nb, spec)
    from sqlalchemy.exc import SQLAlchemyError
    try:
        if lock is None:
            nb = _nbgrader_sanitize(nb, spec, db_url)
        else:
            with lock:
                nb = _nbgrader_sanitize(nb, spec, db_url)
    except SQLAlchemyError:
        raise   # the gradebook failed, not the notebook: the grader's error, graded again next run
    except Exception as err:  # nbgrader raises bare exceptions for corrupt metadata
        raise Rejected(INVALID, f"nbgrader could not read the cells' metadata ({str(err)[:160]})") from None
    return Prepared(nb, tampering)


def _nbgrader_sanitize(nb, spec, db_url):
    """nbgrader's autograde sanitising chain: clear outputs, dedupe ids, overwrite locked cells."""
    from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds,
                                        OverwriteCells, OverwriteKernelspec)

    resources = {"nbgrader": {"notebook": spec.notebook, "assignment": spec.name, "db_url": db_url}}
    for preprocessor in (ClearOutput(), DeduplicateIds(), _DropEmptyMetadata(), OverwriteKernelspec(),
                         OverwriteCells(add_missing_cells=True), CheckCellMetadata()):
        nb, resources = preprocessor.preprocess(nb, resources)
    return nb


class _DropEmptyMetadata:
    """DeduplicateIds leaves `nbgrader: {}` on the copies it demotes, which CheckCellMetadata
    then rejects (nbgrader #1083): make those copies plain cells instead."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.metadata.get("nbgrader") == {}:
                del cell.metadata["nbgrader"]
        return nb, resources
