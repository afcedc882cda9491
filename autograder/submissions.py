"""Find the submissions in what an instructor hands us: notebooks, folders, nbgrader layouts, zips.

A submission is one student's notebook file. Nothing here writes to the inputs: zips are
extracted into a scratch folder, and files are only ever read.
"""
import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

DEFAULT_ID_PATTERN = r"^(?P<student_id>.+)\.ipynb$"


@dataclass(frozen=True)
class Submission:
    """One student's notebook: where it is, and what the grader calls it."""
    student_id: str
    path: Path
    origin: str          # how it was found, shown in reports (e.g. "class.zip:alice.ipynb")

    def digest(self) -> str:
        """sha256 of the file's bytes: a regraded file is skipped only if these are unchanged."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


class SubmissionError(ValueError):
    """The inputs cannot be turned into submissions (unreadable zip, clashing student ids...)."""


def find_submissions(inputs, assignment, scratch: Path, id_pattern=DEFAULT_ID_PATTERN):
    """Every submission in `inputs`, sorted by student id; student ids must be unique."""
    pattern = compile_id_pattern(id_pattern)
    found = []
    for item in map(Path, inputs):
        if item.is_dir():
            found += _from_folder(item, assignment, pattern)
        elif item.suffix == ".zip":
            found += _from_zip(item, assignment, scratch, pattern)
        elif item.is_file():
            found.append(Submission(_student_id(item.name, pattern), item, str(item)))
        else:
            raise SubmissionError(f"{item}: no such file or folder")
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


def _student_id(name, pattern):
    match = pattern.search(name)
    if not match or not match.group("student_id"):
        raise SubmissionError(f"{name!r}: the id pattern {pattern.pattern!r} finds no student id")
    return match.group("student_id")


def _from_folder(folder: Path, assignment, pattern):
    """Flat `<student_id>.ipynb` files, or nbgrader's `<student_id>/<assignment>/*.ipynb` layout."""
    found = [Submission(_student_id(p.name, pattern), p, str(p))
             for p in sorted(folder.glob("*.ipynb"))]
    for student_dir in sorted(d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".")):
        notebooks = sorted((student_dir / assignment).glob("*.ipynb"))
        if notebooks:  # a renamed notebook is still the student's: take the one that is there
            preferred = [p for p in notebooks if p.stem == assignment] or notebooks
            found.append(Submission(student_dir.name, preferred[0], str(preferred[0])))
    return found


def _from_zip(archive: Path, assignment, scratch: Path, pattern):
    """A learning platform's export: notebooks anywhere inside; ids from each file's name."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as err:
        raise SubmissionError(f"{archive}: not a readable zip ({err})") from None
    found = []
    target = scratch / hashlib.sha256(str(archive.resolve()).encode()).hexdigest()[:12]
    with zf:
        for info in zf.infolist():
            inner = PurePosixPath(info.filename)
            if info.is_dir() or inner.suffix != ".ipynb" or "__MACOSX" in inner.parts:
                continue
            parts = inner.parts
            # nbgrader layout inside the zip: <student>/<assignment>/<nb>.ipynb
            if len(parts) >= 3 and parts[-2] == assignment:
                student = parts[-3]
            else:
                student = _student_id(inner.name, pattern)
            dest = target / f"{len(found):05d}.ipynb"   # never trust the archive's paths
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src:
                dest.write_bytes(src.read(64 * 2**20 + 1))
            found.append(Submission(student, dest, f"{archive.name}:{info.filename}"))
    return found
