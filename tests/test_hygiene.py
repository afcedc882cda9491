"""Committed notebooks carry no outputs: the build executes, git stores sources."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(ROOT.glob("book/**/*.ipynb")) + sorted(ROOT.glob("solutions/**/*.ipynb"))


def dirty_cells(path: Path) -> list:
    """Indices of code cells that have outputs or an execution count."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [i for i, c in enumerate(cells)
            if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_has_no_outputs(path):
    """Is this notebook committed without outputs and execution counts?"""
    assert dirty_cells(path) == [], f"{path.name}: strip outputs before committing"


def test_the_check_can_fail(tmp_path):
    """Does the check flag a notebook that still has an output?"""
    nb = {"cells": [{"cell_type": "code", "source": "1", "metadata": {}, "execution_count": 1,
                     "outputs": [{"output_type": "execute_result", "data": {"text/plain": "1"},
                                  "metadata": {}, "execution_count": 1}]}]}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    assert dirty_cells(path) == [0]
