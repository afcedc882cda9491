"""`release`: regenerate assignments/ and the gradebook from solutions/, through nbgrader's API."""
import os
import shutil
import sys
from pathlib import Path

from autograder.course import GraderError, assignment_names, default_db_url, nbgrader_config


def _venv_on_path():
    """nbgrader runs `alembic` by name when it creates a gradebook: put our interpreter's bin first."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def release(root: Path, assignments=None, db_url=None, log=print) -> str:
    """Generate each assignment's release and record it in the gradebook; return the db URL.

    Fails (GraderError) on the first assignment nbgrader cannot generate, after removing
    a half-written gradebook so the next attempt starts clean.
    """
    from nbgrader.apps import NbGraderAPI

    _venv_on_path()
    config = nbgrader_config(root, db_url)
    url = default_db_url(root, config)
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    config.CourseDirectory.db_url = url
    names = assignments or assignment_names(root)
    if not names:
        raise GraderError(f"no assignments found in {root / 'solutions'}")
    api = NbGraderAPI(config=config)
    for name in names:
        if not (root / "solutions" / name / f"{name}.ipynb").is_file():
            raise GraderError(f"no solutions/{name}/{name}.ipynb")
        result = api.generate_assignment(name, force=True, create=True)
        if not result["success"]:
            raise GraderError(f"nbgrader could not release {name}:\n{result.get('error') or result.get('log')}")
        _drop_extras(root / "assignments" / name, f"{name}.ipynb")
        _record_due_date(root, url, name)
        log(f"released {name}: assignments/{name}/{name}.ipynb")
    return url


def _record_due_date(root: Path, url: str, name: str) -> None:
    """The due date of nbgrader_config.py's c.Deadlines, in the gradebook too, where formgrader shows it."""
    from nbgrader.api import Gradebook

    from autograder.deadlines import deadline_for

    due = deadline_for(root, name).due
    with Gradebook(url) as gb:
        gb.update_or_create_assignment(name, duedate=due.replace(tzinfo=None) if due else None)


def _drop_extras(folder: Path, keep: str):
    """The release holds exactly one notebook; nbgrader may leave checkpoints beside it."""
    for path in folder.iterdir():
        if path.name != keep:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
