"""`similarity`: identical and near-identical submissions of one assignment, for a person to look at.

Only the students' code counts: the code cells that the release leaves to them (nbgrader
solution cells), with the release's own text in those cells (signatures, docstrings, stubs)
taken out, since every student shares it. The code is normalised before comparing:

- comments, blank lines and layout are dropped (Python's tokenizer);
- every name a submission introduces is replaced by its order of first appearance
  (`v1`, `v2`, ...), so a copy with renamed variables normalises to the same tokens;
  attribute names (`np.sum`), keywords, builtins and literals are kept.

Two submissions are compared by the Jaccard index of their sets of k-token shingles
(k = 8 by default): |A & B| / |A | B|, 1.0 for the same normalised code. The report lists
every pair at or above the threshold, most similar first; it accuses nobody, since short
tasks have few reasonable solutions.
"""
import builtins
import csv
import hashlib
import io
import keyword
import tokenize
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import nbformat

from autograder.course import grade_id, nbgrader_meta, strip_hidden

KEEP = set(keyword.kwlist) | set(dir(builtins))
SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
        tokenize.ENCODING, tokenize.ENDMARKER}


@dataclass
class Pair:
    """Two students whose code is at least `threshold` similar."""
    student_a: str
    student_b: str
    similarity: float     # Jaccard index of the shingle sets, in [0, 1]
    identical_file: bool  # the same bytes
    same_code: bool       # the same normalised code (a copy with names, comments or layout changed)


def tokens(source: str) -> list:
    """Normalised tokens of Python source: no comments or layout, introduced names numbered.

    Source that does not tokenize (a half-written cell) is compared by its words instead."""
    names, out = {}, []
    try:
        stream = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source.split()
    previous = None
    for tok in stream:
        if tok.type in SKIP:
            continue
        text = tok.string
        if tok.type == tokenize.NAME and text not in KEEP and previous != ".":
            text = names.setdefault(text, f"v{len(names) + 1}")
        out.append(text)
        previous = tok.string
    return out


def shingles(seq: list, k: int) -> set:
    """The set of k-token windows of `seq` (the whole sequence if shorter)."""
    if len(seq) <= k:
        return {tuple(seq)} if seq else set()
    return {tuple(seq[i:i + k]) for i in range(len(seq) - k + 1)}


def student_code(nb, solution_ids) -> str:
    """The submission's solution cells (by grade_id), in notebook order, as one text."""
    cells = [c.source for c in nb.cells if c.cell_type == "code"
             and grade_id(c) in solution_ids]
    return "\n".join(cells)


def fingerprints(paths: dict, release_code: str, k: int = 8) -> dict:
    """{student: (shingles, normalised tokens, file digest)}; unreadable notebooks are left out."""
    shared = shingles(tokens(release_code), k)
    found = {}
    for student, path in paths.items():
        data = Path(path).read_bytes()
        try:
            nb = nbformat.reads(data.decode("utf-8", errors="replace"), as_version=4)
        except Exception:  # an invalid notebook has no code to compare; grade reports it
            continue
        seq = tokens(student_code(nb, _solution_ids(nb)))
        found[student] = (shingles(seq, k) - shared, seq, hashlib.sha256(data).hexdigest())
    return found


def _solution_ids(nb) -> set:
    return {grade_id(c) for c in nb.cells
            if nbgrader_meta(c).get("solution") and c.cell_type == "code"}


def similar_pairs(prints: dict, threshold: float = 0.8) -> list:
    """Every pair of students at or above `threshold`, most similar first.

    A submission with no code of its own (the release's stubs only) is paired with nobody."""
    pairs = []
    for a, b in combinations(sorted(prints), 2):
        (sa, ta, da), (sb, tb, db) = prints[a], prints[b]
        if not sa or not sb:
            continue
        score = len(sa & sb) / len(sa | sb)
        if score >= threshold:
            pairs.append(Pair(a, b, round(score, 3), da == db, ta == tb))
    return sorted(pairs, key=lambda p: (-p.similarity, p.student_a, p.student_b))


def release_code(root: Path, spec) -> str:
    """The release's text of the solution cells: what every student starts from."""
    nb = nbformat.read(Path(root) / "assignments" / spec.name / f"{spec.notebook}.ipynb", as_version=4)
    return strip_hidden(student_code(nb, _solution_ids(nb)))


def write_report(path: Path, pairs: list) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_a", "student_b", "similarity", "identical_file", "same_code"])
        for p in pairs:
            writer.writerow([p.student_a, p.student_b, f"{p.similarity:.3f}",
                             str(p.identical_file).lower(), str(p.same_code).lower()])
