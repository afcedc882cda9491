"""Nothing secret reaches students: no solution code or hidden test in assignments/ or the book.

A secret line is a line of a solution region or a hidden-test region of a solution notebook
that is long enough to be distinctive and appears nowhere in that notebook's public parts.
"""
import html
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END \1", re.S)
MIN_LENGTH = 16


def secret_lines(solutions=ROOT / "solutions", book=ROOT / "book") -> set:
    """Distinctive lines of the solution notebooks' solution and hidden-test regions."""
    # the book's own sources, and the two packages students install, are public by design: a
    # line written there too is no secret (courselib holds no answer: test_courselib_names)
    public = [visible_text(p) for p in sorted(book.rglob("*")) if p.suffix in (".ipynb", ".md")]
    public += [p.read_text() for package in ("autograder", "courselib") for p in sorted((ROOT / package).glob("*.py"))]
    regions = []
    for path in solutions.glob("*/*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            text = "".join(cell["source"])
            public.append(REGION.sub("", text))
            regions += [m.group(2) for m in REGION.finditer(text)]
    public = "\n".join(public)
    # a line also written in any solution notebook's public parts (a docstring, the spec) is no secret
    return {line.strip() for region in regions for line in region.splitlines()
            if len(line.strip()) >= MIN_LENGTH and line.strip() not in public}


def visible_text(path: Path) -> str:
    """What a reader of this file sees: notebook sources and outputs, or HTML without tags."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        cells = json.loads(raw)["cells"]
        return "\n".join("".join(c["source"]) + json.dumps(c.get("outputs", [])) for c in cells)
    if path.suffix in (".html", ".htm"):
        return html.unescape(re.sub(r"<[^>]+>", "", raw))
    return raw


def leaks(folder: Path, secrets: set) -> list:
    """(file, what) for every marker or secret line found in the folder's text files (the grading
    engine's own code, which must name the markers to strip them, is exempt from the marker check)."""
    found = []
    for path in folder.rglob("*"):
        if path.suffix not in (".ipynb", ".html", ".htm", ".txt", ".js", ".json", ".py", ".md"):
            continue
        text = visible_text(path)
        engine = path.suffix == ".py" and path.parent.name == "autograder"
        found += [(str(path), m) for m in MARKERS if m in text and not engine]
        found += [(str(path), s) for s in secrets if s in text]
    return found


def test_assignments_hold_no_solution_or_hidden_test():
    """Does any released notebook contain a marker, a solution line or a hidden-test line?"""
    secrets = secret_lines()
    assert secrets, "no secret lines found: are the solution notebooks there?"
    assert leaks(ROOT / "assignments", secrets) == []


def test_leak_check_catches_a_leak(tmp_path):
    """Does the check flag a release that contains a hidden-test line?"""
    secret = sorted(secret_lines())[0]
    (tmp_path / "leaky.html").write_text(f"<pre><span>{html.escape(secret)}</span></pre>")
    assert leaks(tmp_path, {secret}) == [(str(tmp_path / "leaky.html"), secret)]
