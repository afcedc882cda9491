"""autograder/similarity.py: copies are listed, renamed or reformatted copies too, independent work is not."""
import csv
import subprocess
import sys

from autograder.similarity import fingerprints, release_code, similar_pairs, tokens
from fixtures.broken import solved

# alice's own solution; bob hands in her file; carol renames, comments and reformats it;
# dave solves the same tasks his own way
ALICE = {"sol_square": "total = 0\n    for step in range(abs(x)):\n        total = total + abs(x)\n    return total",
         "sol_cube": "value = 1\n    for power in range(3):\n        value = value * x\n    return value"}
CAROL = {"sol_square": "acc = 0  # running sum\n\n    for i in range( abs(x) ):\n        acc = acc + abs(x)\n    return acc",
         "sol_cube": "out = 1\n    for k in range(3):   # three factors\n        out = out * x\n    return out"}
DAVE = {"sol_square": "return x ** 2", "sol_cube": "squared = x * x\n    return squared * x"}


def _write(folder, name, answers, release):
    import nbformat
    data = nbformat.writes(solved(release, answers)).encode()
    (folder / f"{name}.ipynb").write_bytes(data)
    return data


def test_normalised_tokens_ignore_names_comments_and_layout():
    """Do a renamed, commented, re-spaced copy and the original give the same tokens, and attributes stay?"""
    assert tokens("total = 0  # sum\nfor s in range(3):\n    total += s\n") == \
        tokens("acc=0\n\nfor i in range( 3 ):\n        acc += i\n")
    assert tokens("np.sum(a)") != tokens("np.mean(a)")


def test_copies_are_listed_and_independent_work_is_not(squares_course, tmp_path):
    """Are bob (same file) and carol (renamed copy) paired with alice at 1.0, and dave with nobody?"""
    root, _, spec, release = squares_course
    alice = _write(tmp_path, "alice", ALICE, release)
    (tmp_path / "bob.ipynb").write_bytes(alice)
    _write(tmp_path, "carol", CAROL, release)
    _write(tmp_path, "dave", DAVE, release)
    prints = fingerprints({p.stem: p for p in tmp_path.glob("*.ipynb")}, release_code(root, spec))
    pairs = {(p.student_a, p.student_b): p for p in similar_pairs(prints, threshold=0.5)}
    assert set(pairs) == {("alice", "bob"), ("alice", "carol"), ("bob", "carol")}, pairs
    assert pairs["alice", "bob"].identical_file and pairs["alice", "bob"].similarity == 1.0
    assert pairs["alice", "carol"].same_code and not pairs["alice", "carol"].identical_file


def test_the_release_text_alone_makes_no_pair(squares_course, tmp_path):
    """Are untouched releases (only the shared stubs) paired with nobody, each other included?"""
    root, _, spec, release = squares_course
    import copy

    import nbformat
    nbformat.write(release, tmp_path / "erin.ipynb")
    fred = copy.deepcopy(release)
    fred.cells[1].execution_count = 7                 # another file, the same (absent) work
    nbformat.write(fred, tmp_path / "fred.ipynb")
    _write(tmp_path, "gina", {"sol_cube": "return x ** 3"}, release)   # a one-line answer of her own
    prints = fingerprints({p.stem: p for p in tmp_path.glob("*.ipynb")}, release_code(root, spec))
    assert similar_pairs(prints, threshold=0.5) == []


def test_command_writes_the_report(squares_course, tmp_path):
    """Does `python -m autograder similarity` write similarity.csv and exit 0?"""
    root, _, _, release = squares_course
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "bob.ipynb").write_bytes(_write(folder, "alice", ALICE, release))
    proc = subprocess.run([sys.executable, "-m", "autograder", "similarity", "squares", str(folder),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=root, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(open(tmp_path / "out" / "similarity.csv")))
    assert [(r["student_a"], r["student_b"], r["identical_file"]) for r in rows] == [("alice", "bob", "true")]
    assert "1 pair(s) of 2 submission(s)" in proc.stdout
