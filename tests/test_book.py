"""The book: every notebook executes once, the site builds with zero warnings, shows every
chapter, and leaks nothing.

Book notebooks are executed by `courselib.notebooks` (two at a time, into the build's
execution cache), then `jupyter-book build` renders them from that cache. nbval does not
collect them (pyproject's testpaths), so each runs once per test run; the tests below prove it.
"""
from pathlib import Path

import pytest

from courselib import notebooks
from test_leaks import leaks, secret_lines

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHAPTERS = ["foundations", "architectures", "nlp", "llms", "research", "frontiers"]
BOOK_NOTEBOOKS = notebooks.book_notebooks(ROOT)


@pytest.fixture(scope="module")
def executions(book_build):
    """{relative path: Execution} of every book notebook (executed once per run, see conftest)."""
    return book_build["executions"]


@pytest.mark.parametrize("path", BOOK_NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_executes(executions, path):
    """Does this notebook run top to bottom, every claim holding (its cell and traceback if not)?"""
    run = executions[str(path.relative_to(ROOT))]
    assert run.ok, run.failure()


@pytest.fixture(scope="module")
def build(book_build):
    """The log of `jupyter-book build . -W --keep-going` from the filled cache, as `make book` runs it."""
    if book_build["failed"]:
        pytest.fail(f"not built: {len(book_build['failed'])} notebook(s) failed to execute "
                    f"(see test_notebook_executes): {book_build['failed']}")
    log = book_build["log"]
    assert "exit status" not in log.splitlines()[-1], log[-5000:]
    return log


def test_build_has_no_warnings(build):
    """Does the build finish without a single Sphinx warning (kernels' own log lines aside)?"""
    warnings = [line for line in build.splitlines() if "WARNING:" in line]
    assert warnings == [], warnings[:10]


def test_build_executes_no_notebook_itself(build):
    """Does the build take every notebook from the cache, executing none a second time?"""
    assert "Executing notebook" not in build, [l for l in build.splitlines() if "Executing notebook" in l][:5]


def test_no_book_notebook_is_collected_by_pytest(request):
    """Does pytest (nbval) leave the book's notebooks alone, so the executor above is their only run?"""
    book = ROOT / "book"
    collected = {Path(str(item.path)) for item in request.session.items}
    assert not [p for p in collected if book in p.parents], "book notebooks collected twice"


def test_index_shows_intro_and_every_chapter(build):
    """Does the landing page link the six chapters of roadmap 5.1 to 5.6?"""
    index = (HTML / "book" / "intro.html").read_text()
    for chapter in CHAPTERS:
        assert f"{chapter}/index.html" in index, chapter
        assert (HTML / "book" / chapter / "index.html").exists(), chapter
    assert (HTML / "index.html").exists()


def test_built_site_leaks_nothing(build):
    """Does the built site, the notebook sources it offers for download included, contain no
    solution code, hidden test, or solution notebook?"""
    assert leaks(HTML, secret_lines()) == []
    assert not list(HTML.rglob("solutions")), "solutions/ was copied into the site"
    sources = sorted(p.relative_to(HTML / "_sources") for p in (HTML / "_sources").rglob("*.ipynb"))
    assert [str(s) for s in sources] == sorted(str(p.relative_to(ROOT)) for p in BOOK_NOTEBOOKS), sources


def _status_table():
    """{roadmap number: (chapter folder, status, [assignments])} from the front page's map."""
    import re
    rows = re.findall(r"^\| (5\.\d) \| \{doc\}`(\w+)/index` \| ([^|]+) \| ([^|]+) \|$",
                      (ROOT / "book" / "intro.md").read_text(), re.M)
    return {n: (folder, status.strip(), sorted(a.strip() for a in names.split(",")) if names.strip() != "none yet"
                else []) for n, folder, status, names in rows}


STILL_TO_COME = "{admonition} Sections still to be written"


def test_front_page_status_is_true():
    """Does the front page's map say 'written' for the chapters whose sections exist in _toc.yml,
    'in progress' if their index still lists sections to be written, 'outline' for the others, and
    list for each chapter exactly the assignments the Assignments page assigns to it?"""
    import re
    import yaml
    table = _status_table()
    assert sorted(table) == ["5.1", "5.2", "5.3", "5.4", "5.5", "5.6"], table
    chapters = yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"][0]["chapters"]
    has_sections = {c["file"].split("/")[1]: bool(c.get("sections")) for c in chapters}
    page = (ROOT / "book" / "assignments.md").read_text()
    taught = {}
    for name, roadmap in re.findall(r"^### (\w+):.*?\n\n\*Roadmap ([^,*]+(?:, [^,*.]*)?)", page, re.M | re.S):
        for number in re.findall(r"5\.\d", roadmap):
            taught.setdefault(number, []).append(name)
    for number, (folder, status, assignments) in table.items():
        unwritten = STILL_TO_COME in (ROOT / "book" / folder / "index.md").read_text()
        expected = ("in progress" if unwritten else "written") if has_sections[folder] else "outline"
        assert status == expected, (number, status)
        assert assignments == sorted(taught.get(number, [])), (number, assignments, taught.get(number))
    listed = re.findall(r"^### (\w+):", page, re.M)
    assert sorted(listed) == sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())


def test_written_chapters_hold_no_planned_text():
    """Does no chapter with sections still call them planned, or speak of itself in the future tense
    (the sections not written yet are listed as such, under STILL_TO_COME)?"""
    import yaml
    chapters = yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"][0]["chapters"]
    for chapter in chapters:
        text = (ROOT / f"{chapter['file']}.md").read_text()
        if chapter.get("sections"):
            assert "Planned sections" not in text and "This chapter will" not in text, chapter["file"]
