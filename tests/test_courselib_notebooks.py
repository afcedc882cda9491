"""Tests for courselib/notebooks.py: the book's executor runs each notebook once, reports the
failing cell, honours the seed, checks glue, and fills the cache the build reads."""
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache

from courselib import notebooks

ROOT = Path(__file__).resolve().parents[1]


def write_notebook(path: Path, cells) -> Path:
    """A notebook of ("code" | "markdown", source) cells, with the book's kernelspec."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) if kind == "code" else nbformat.v4.new_markdown_cell(src)
                for kind, src in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def tiny_book(tmp_path):
    """A book root with one notebook in its toc and the course's execution timeout."""
    (tmp_path / "_config.yml").write_text("execute:\n  timeout: 60\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: ch/page\n")
    (tmp_path / "intro.md").write_text("# intro\n")
    write_notebook(tmp_path / "ch" / "page.ipynb", [
        ("code", "from courselib import glue, seed_for\nglue('stream', seed_for(0))"),
        ("markdown", "Stream {glue:text}`stream:d`."),
        ("code", "assert seed_for(0) >= 0")])
    return tmp_path


def test_book_notebooks_follow_the_toc():
    """Does the executor find exactly the .ipynb pages of _toc.yml, in its order?"""
    found = notebooks.book_notebooks(ROOT)
    assert found and all(p.suffix == ".ipynb" and p.exists() for p in found)
    toc = (ROOT / "_toc.yml").read_text()
    assert [toc.index(str(p.relative_to(ROOT).with_suffix(""))) for p in found] == \
        sorted(toc.index(str(p.relative_to(ROOT).with_suffix(""))) for p in found)
    assert len(found) == len(set(found))


def test_failing_claim_names_its_cell_and_stops(tmp_path):
    """Does a false assert fail the run at its cell, with the traceback, and stop there as the build does?"""
    path = write_notebook(tmp_path / "nb.ipynb", [
        ("code", "x = 1"), ("markdown", "text"), ("code", "assert x == 2, 'x is not 2'"), ("code", "y = 3")])
    run, nb = notebooks.execute(path, timeout=60)
    assert run.status == "failed" and not run.ok
    assert [(e.index, e.ename, e.evalue) for e in run.errors] == [(2, "AssertionError", "x is not 2")]
    assert "cell 2" in run.failure() and "assert x == 2" in run.failure()
    assert run.asserting_cells == [2] and nb.cells[3].outputs == [] and nb.cells[3].execution_count is None


def test_allow_errors_evaluates_every_claim(tmp_path):
    """With allow_errors (the claims benchmark), are the claims after a failing one still evaluated?"""
    path = write_notebook(tmp_path / "nb.ipynb", [
        ("code", "assert False"), ("code", "assert True"), ("code", "assert 1 + 1 == 3")])
    run, _ = notebooks.execute(path, allow_errors=True, timeout=60)
    assert [e.index for e in run.errors] == [0, 2] and run.asserting_cells == [0, 1, 2]


def test_seed_reaches_the_kernel(tmp_path):
    """Does execute(seed=s) run the kernel under COURSE_SEED=s, and seed=None as written?"""
    path = write_notebook(tmp_path / "nb.ipynb", [("code", "from courselib import seed_for\nprint(seed_for(0))")])
    as_written, _ = notebooks.execute(path, timeout=60)
    printed = {}
    for seed in (None, 1, 2):
        _, nb = notebooks.execute(path, seed=seed, timeout=60)
        printed[seed] = nb.cells[0].outputs[0]["text"].strip()
    assert as_written.ok and printed[None] == "0"
    assert len(set(printed.values())) == 3


def test_glue_errors_are_reported(tmp_path):
    """Are a missing glue key, a value that cannot take its format and a key glued twice each reported?"""
    path = write_notebook(tmp_path / "nb.ipynb", [
        ("code", "from courselib import glue\nglue('name', 'BPE')\nglue('twice', 1)\nglue('twice', 2)"),
        ("markdown", "{glue:text}`name:.2f`, {glue:text}`absent:d` and {glue:text}`name`.")])
    run, _ = notebooks.execute(path, timeout=60)
    messages = sorted(e.evalue for e in run.errors)
    assert run.status == "failed" and len(messages) == 3, messages
    assert "'twice' glued twice" in messages
    assert any("no code cell glued 'absent'" in m for m in messages)
    assert any("'name' cannot take format '.2f'" in m for m in messages)


def test_fill_cache_executes_once_then_serves_the_cache(tiny_book):
    """Is a notebook executed on the first fill, found by myst-nb's own cache lookup, and not re-run?"""
    first = notebooks.fill_cache(tiny_book, jobs=1, log=lambda *_: None)
    assert [(r.path, r.status) for r in first] == [("ch/page.ipynb", "executed")], first[0].failure()
    cache = get_cache(str(tiny_book / notebooks.CACHE))
    record = cache.match_cache_notebook(nbformat.read(tiny_book / "ch" / "page.ipynb", as_version=4))
    assert record.data["execution_seconds"] > 0
    second = notebooks.fill_cache(tiny_book, jobs=1, log=lambda *_: None)
    assert [r.status for r in second] == ["cached"]
    assert (tiny_book / notebooks.REPORT).exists()


def test_command_exits_1_and_names_the_failure(tmp_path, capsys, monkeypatch):
    """Does `python -m courselib.notebooks` exit 1 on a failing notebook, naming it and its cell?"""
    (tmp_path / "_config.yml").write_text("execute:\n  timeout: 60\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: bad\n")
    write_notebook(tmp_path / "bad.ipynb", [("code", "raise ValueError('broken on purpose')")])
    monkeypatch.setattr(notebooks, "ROOT", tmp_path)
    assert notebooks.main(["--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "FAILED bad.ipynb, cell 0: ValueError: broken on purpose" in err


def test_graded_test_cells_count_as_claims(tmp_path):
    """Is an assignment's graded test cell (it fails through its checks, not an assert) a claim?"""
    path = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1"), ("code", "check(x)"), ("code", "assert x")])
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 1}
    assert notebooks.asserting_cells(nb) == [1, 2]
