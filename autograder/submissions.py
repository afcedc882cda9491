"""Find the submissions in what an instructor hands us: notebooks, folders, nbgrader layouts, zips.

A submission is one student's notebook file. Nothing here writes to the inputs: zips are
extracted into a scratch folder, and files are only ever read.
"""
import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.sanitize import MAX_NOTEBOOK_MB

DEFAULT_ID_PATTERN = r"^(?P<student_id>.+)\.(?i:ipynb)$"   # BOB.IPYNB too
# a student id names files and CSV cells: letters and digits first (no `=`, `+`, `-`, `@` that
# a spreadsheet would run as a formula, no `..`), then also . _ @ + -, at most 128 characters
VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")


@dataclass(frozen=True)
class Submission:
    """One student's notebook: where it is, and what the grader calls it."""
    student_id: str
    path: Path
    origin: str          # how it was found, shown in reports (e.g. "class.zip:alice.ipynb")
    submitted_at: str = ""   # when, in UTC, from nbgrader's timestamp.txt or the zip entry ("": unknown)

    def digest(self) -> str:
        """sha256 of the file's bytes: a regraded file is skipped only if these are unchanged
        (read in blocks: a huge file costs time, not the grader's memory)."""
        digest = hashlib.sha256()
        with open(self.path, "rb") as f:
            for block in iter(lambda: f.read(2**20), b""):
                digest.update(block)
        return digest.hexdigest()


class SubmissionError(ValueError):
    """The inputs cannot be turned into submissions (unreadable zip, clashing student ids...)."""


@dataclass(frozen=True)
class Skipped:
    """A file found among the inputs that is not graded, and why (listed for the instructor)."""
    origin: str
    reason: str


def find_submissions(inputs, assignment, scratch: Path, id_pattern=DEFAULT_ID_PATTERN, skipped=None):
    """Every submission in `inputs`, sorted by student id; student ids must be unique.

    skipped: a list that receives a `Skipped` for every other file found (not a notebook, no
    student id in its name, an invalid id, outside nbgrader's layout); without it the first
    such file is a SubmissionError."""
    pattern = compile_id_pattern(id_pattern)
    found, passed_over = [], []
    for item in map(Path, inputs):
        if item.is_dir():
            found += _from_folder(item, assignment, pattern, passed_over)
        elif item.suffix.lower() == ".zip":
            found += _from_zip(item, assignment, scratch, pattern, passed_over)
        elif item.is_file():
            found += _named(item.name, item, str(item), pattern, passed_over)
        else:
            raise SubmissionError(f"{item}: no such file or folder")
    if skipped is None and passed_over:
        raise SubmissionError(f"{passed_over[0].origin}: {passed_over[0].reason}")
    if skipped is not None:
        skipped += passed_over
    ids = [s.student_id for s in found]
    clashes = sorted({i for i in ids if ids.count(i) > 1})
    if clashes:
        raise SubmissionError(f"several submissions for student(s) {', '.join(clashes)}")
    return sorted(found, key=lambda s: s.student_id)


def compile_id_pattern(text: str):
    """The --id-pattern as a regex, or a SubmissionError saying in one line what is wrong with it."""
    try:
        pattern = re.compile(text)
    except re.error as err:
        raise SubmissionError(f"--id-pattern {text!r} is not a valid regular expression ({err})") from None
    if "student_id" not in pattern.groupindex:
        raise SubmissionError(f"--id-pattern {text!r} has no (?P<student_id>...) group")
    return pattern


def id_problem(student_id: str) -> str:
    """Why `student_id` cannot name a student ("" when it can)."""
    if VALID_ID.fullmatch(student_id) and student_id not in (".", ".."):
        return ""
    return (f"{student_id!r} is not a valid student id (letters and digits first, then also . _ @ + -, "
            f"no spaces or brackets)")


TIMESTAMP = "timestamp.txt"   # nbgrader's submitted layout: <student>/<assignment>/timestamp.txt


def _student(student_id, path, origin, passed_over, submitted_at="") -> list:
    """[Submission] for a valid id, else [] with the reason in `passed_over`."""
    problem = id_problem(student_id)
    if problem:
        passed_over.append(Skipped(origin, problem))
        return []
    return [Submission(student_id, path, origin, submitted_at)]


def _timestamp(text) -> str:
    """nbgrader's timestamp.txt content as the reports' UTC time ("" if it is not a time)."""
    from autograder.deadlines import iso, parse_time
    try:
        return iso(parse_time(text.strip()[:100]))
    except (ValueError, TypeError):
        return ""


def _named(name, path, origin, pattern, passed_over, submitted_at="") -> list:
    """A notebook whose student id comes from its file name through the id pattern."""
    if not name.lower().endswith(".ipynb"):
        passed_over.append(Skipped(origin, "not a notebook (.ipynb)"))
        return []
    match = pattern.search(name)
    if not match or not match.group("student_id"):
        passed_over.append(Skipped(origin, f"the id pattern {pattern.pattern!r} finds no student id in its name"))
        return []
    return _student(match.group("student_id"), path, origin, passed_over, submitted_at)


def _from_folder(folder: Path, assignment, pattern, passed_over):
    """Flat `<student_id>.ipynb` files, or nbgrader's `<student_id>/<assignment>/*.ipynb` layout."""
    found = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_file():
            found += _named(p.name, p, str(p), pattern, passed_over)
            continue
        notebooks = sorted(q for q in (p / assignment).glob("*") if q.suffix.lower() == ".ipynb")
        stamp = p / assignment / TIMESTAMP
        if notebooks:  # a renamed notebook is still the student's: take the one that is there
            preferred = [q for q in notebooks if q.stem == assignment] or notebooks
            when = _timestamp(stamp.read_text(errors="replace")) if stamp.is_file() else ""
            found += _student(p.name, preferred[0], str(preferred[0]), passed_over, when)
        passed_over += [Skipped(str(q), f"not the notebook of nbgrader's {p.name}/{assignment}/ layout")
                        for q in sorted(p.rglob("*")) if q.is_file() and (not notebooks or q != preferred[0])
                        and not (notebooks and q == stamp)]
    return found


def _from_zip(archive: Path, assignment, scratch: Path, pattern, passed_over):
    """A learning platform's export: notebooks anywhere inside; ids from each file's name."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as err:
        raise SubmissionError(f"{archive}: not a readable zip ({err})") from None
    found = []
    target = scratch / hashlib.sha256(str(archive.resolve()).encode()).hexdigest()[:12]
    with zf:
        stamps = {PurePosixPath(i.filename).parent: i for i in zf.infolist()
                  if PurePosixPath(i.filename).name == TIMESTAMP and i.file_size < 1024}
        for info in zf.infolist():
            inner = PurePosixPath(info.filename)
            if info.is_dir() or "__MACOSX" in inner.parts:
                continue
            if inner.name == TIMESTAMP and len(inner.parts) >= 3 and inner.parts[-2] == assignment:
                continue   # read with its notebook
            origin, parts = f"{archive.name}:{info.filename}", inner.parts
            dest = target / f"{len(found):05d}.ipynb"   # never trust the archive's paths
            # nbgrader layout inside the zip: <student>/<assignment>/<nb>.ipynb
            if len(parts) >= 3 and parts[-2] == assignment and inner.suffix.lower() == ".ipynb":
                stamp = stamps.get(inner.parent)
                when = _timestamp(zf.read(stamp).decode(errors="replace")) if stamp else ""
                new = _student(parts[-3], dest, origin, passed_over, when)
            else:   # a platform's export: the entry's own date, which a zip stores without a zone
                new = _named(inner.name, dest, origin, pattern, passed_over, _zip_time(info))
            if new:
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src:   # one byte past the limit, for `too_large` to say so
                    dest.write_bytes(src.read(MAX_NOTEBOOK_MB * 2**20 + 1))
                found += new
    return found


def _zip_time(info) -> str:
    """A zip entry's date (no time zone in the format: read as UTC), or "" if it holds none."""
    from datetime import datetime, timezone

    from autograder.deadlines import iso
    try:
        stamp = datetime(*info.date_time, tzinfo=timezone.utc)
    except ValueError:
        return ""
    return "" if stamp.year <= 1980 and stamp.month == 1 and stamp.day == 1 else iso(stamp)
