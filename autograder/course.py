"""Where things are: the course root, nbgrader's configuration, the gradebook, the assignments.

An assignment's *spec* is what the gradebook knows about it (cells, points, checksums),
read once per batch so that workers never need the database.
"""
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path


class GraderError(RuntimeError):
    """The grader itself cannot run (bad configuration, missing gradebook): exit non-zero."""


def course_root(start=None) -> Path:
    """The nearest folder, from `start` (default: cwd) upwards, holding nbgrader_config.py."""
    here = Path(start or os.getcwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "nbgrader_config.py").is_file():
            return folder
    raise GraderError(f"no nbgrader_config.py in {here} or its parents: run from the course's root")


def nbgrader_config(root: Path, db_url=None):
    """nbgrader's configuration for the course at `root`, with an optional gradebook URL."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.merge(Config({"CourseDirectory": {"root": str(root)}}))
    if db_url:
        config.merge(Config({"CourseDirectory": {"db_url": db_url}}))
    return config


def default_db_url(root: Path, config) -> str:
    """The gradebook URL, with a relative sqlite path made absolute against the root."""
    url = config.CourseDirectory.db_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        url = f"sqlite:///{(root / url[len('sqlite:///'):]).resolve()}"
    return url


def nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata, or {} (a submission may hold anything there)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def grade_id(cell):
    """A cell's nbgrader grade_id, or None."""
    return nbgrader_meta(cell).get("grade_id")


def strip_hidden(source: str) -> str:
    """A test cell's source as students see it: hidden-test regions removed, exactly as nbgrader does."""
    if "### BEGIN HIDDEN TESTS" not in source:
        return source
    from nbformat.v4 import new_code_cell
    from nbgrader.preprocessors import ClearHiddenTests

    cell = new_code_cell(source)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


@dataclass
class CellSpec:
    """One nbgrader cell of the released assignment, as the gradebook records it."""
    grade_id: str
    cell_type: str
    locked: bool
    source: str            # full source (hidden tests included)
    checksum: str
    points: float = None   # set for graded cells
    solution: bool = False

    @property
    def graded(self):
        return self.points is not None

    @property
    def manual(self):
        """Graded by a person: a written answer (markdown) or a graded solution cell."""
        return self.graded and (self.solution or self.cell_type != "code")


@dataclass
class AssignmentSpec:
    """An assignment's single notebook: its cells in order and the total points."""
    name: str
    notebook: str
    cells: list = field(default_factory=list)

    @property
    def graded(self):
        return [c for c in self.cells if c.graded]

    @property
    def max_score(self):
        return sum(c.points for c in self.graded)

    @property
    def release_digest(self) -> str:
        """sha256 of every cell's id, type, source (hidden tests included) and points, as released:
        a verdict reached under another release (a changed test or points) is stale."""
        cells = [[c.grade_id, c.cell_type, c.locked, c.source, c.points] for c in self.cells]
        return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def _missing_gradebook(db_url: str) -> str:
    """Why a sqlite gradebook cannot be opened without creating one ("" if it is there): opening
    a missing file would make an empty gradebook, or fail deep inside SQLAlchemy."""
    if not db_url.startswith("sqlite:///"):
        return ""
    path = Path(db_url[len("sqlite:///"):])
    return "" if path.is_file() else f"no gradebook at {path}: run `python -m autograder release` first"


def released_assignments(db_url: str) -> list:
    """Sorted names of the assignments released into the gradebook."""
    from nbgrader.api import Gradebook

    missing = _missing_gradebook(db_url)
    if missing:
        raise GraderError(missing)
    with Gradebook(db_url) as gb:
        return sorted(a.name for a in gb.assignments)


def load_spec(db_url: str, assignment: str) -> AssignmentSpec:
    """Read an assignment's cells and points from the gradebook (made by `release`)."""
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SQLAlchemyError

    missing = _missing_gradebook(db_url)
    if missing:
        raise GraderError(missing)
    try:
        with Gradebook(db_url) as gb:
            known = sorted(a.name for a in gb.assignments)
            record = gb.find_assignment(assignment)
            if len(record.notebooks) != 1:
                raise GraderError(f"assignment {assignment!r} must have exactly one notebook")
            nb = record.notebooks[0]
            points = {c.name: float(c.max_score) for c in nb.grade_cells}
            solution = {c.name for c in nb.solution_cells}
            cells = [CellSpec(c.name, c.cell_type, bool(c.locked), c.source, c.checksum,
                              points.get(c.name), c.name in solution) for c in nb.source_cells]
            return AssignmentSpec(assignment, nb.name, cells)
    except MissingEntry:
        raise GraderError(f"assignment {assignment!r} is not in the gradebook {db_url} "
                          f"(it holds: {', '.join(known) or 'none'}): check the name, or run "
                          f"`python -m autograder release {assignment}` first") from None
    except SQLAlchemyError as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise GraderError(f"cannot read the gradebook {db_url} ({first}): run `python -m autograder "
                          f"release` to make it") from None


def assignment_names(root: Path):
    """Every assignment in solutions/ (a folder holding a notebook of the same name)."""
    return sorted(p.parent.name for p in (root / "solutions").glob("*/*.ipynb")
                  if p.stem == p.parent.name)
