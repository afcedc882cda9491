"""autograder/cli.py: exit statuses that scripts can rely on, and the shard/merge workflow."""
import csv
import subprocess
import sys

import pytest

from fixtures.broken import RECIPES


def autograder(*args, cwd):
    proc = subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=900)
    return proc.returncode, proc.stdout + proc.stderr


def test_grade_exits_0_when_every_submission_gets_a_status(squares_course, tmp_path):
    """Do failing and broken students still give exit 0, with a progress line per submission?"""
    root, _, _, release = squares_course
    for name in ("good", "wrong_cube", "invalid_json"):
        (tmp_path / f"{name}.ipynb").write_bytes(RECIPES[name](release))
    out = tmp_path / "out"
    code, log = autograder("grade", "squares", tmp_path, "--out", out, "--jobs", "2", "--no-gradebook",
                           "--cell-timeout", "60", cwd=root)
    assert code == 0, log
    assert "[3/3] 100%" in log and "eta" in log
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert (rows["good"]["score"], rows["wrong_cube"]["score"], rows["invalid_json"]["status"]) == \
        ("5", "2", "invalid_notebook")


def test_cli_shards_then_merges(squares_course, tmp_path):
    """Does `grade --shard` on two 'machines' and `merge` give every student one row?"""
    root, _, _, release = squares_course
    for name in ("good", "wrong_cube", "empty_file"):
        (tmp_path / f"{name}.ipynb").write_bytes(RECIPES[name](release))
    for i in (1, 2):
        code, log = autograder("grade", "squares", tmp_path, "--shard", f"{i}/2", "--out", tmp_path / f"s{i}",
                               "--no-gradebook", cwd=root)
        assert code == 0, log
    code, log = autograder("merge", tmp_path / "s1", tmp_path / "s2", "--out", tmp_path / "all", cwd=root)
    assert code == 0, log
    rows = list(csv.DictReader(open(tmp_path / "all" / "grades.csv")))
    assert [r["student_id"] for r in rows] == ["empty_file", "good", "wrong_cube"]


def test_grader_that_cannot_run_exits_2(squares_course, tmp_path):
    """Does an unknown assignment, or a bad shard, stop with exit 2 and a clear message?"""
    root, _, _, _ = squares_course
    code, log = autograder("grade", "nope", tmp_path, cwd=root)
    assert code == 2 and "not in the gradebook" in log
    code, log = autograder("grade", "squares", tmp_path, "--shard", "3/2", cwd=root)
    assert code == 2 and "--shard" in log
    code, log = autograder("release", "nope", cwd=root)
    assert code == 2 and "no solutions/nope/nope.ipynb" in log


def _shard(folder, release_digest="r1", score=2.0, shard=None):
    """A shard's output folder as `grade` writes it, for one student (shard: the (I, N) it graded)."""
    from autograder.course import AssignmentSpec, CellSpec
    from autograder.report import write_all
    from autograder.verdict import TaskResult, Verdict

    spec = AssignmentSpec("hw", "hw", [CellSpec("t1", "code", True, "", "", 2.0)])
    v = Verdict(folder.name, "hw", "graded", score, 2.0, [TaskResult("t1", "pass", score, 2.0)], digest="d")
    folder.mkdir(parents=True)
    write_all(folder, spec, [v], release_digest=release_digest, shard=shard)
    return folder


def test_merge_refuses_a_folder_given_twice_and_shards_that_disagree(tmp_path):
    """Do `merge s1 s1`, and shards graded with other tests, stop with exit 2 and one line?"""
    s1, other = _shard(tmp_path / "s1"), _shard(tmp_path / "s2", release_digest="r2")
    for dirs in ([s1, s1], [s1, tmp_path / "." / "s1"], [s1, other]):
        code, log = autograder("merge", *dirs, "--out", tmp_path / "all", "--no-gradebook", cwd=tmp_path)
        assert code == 2 and log.startswith("error: ") and len(log.strip().splitlines()) == 1, log
        assert not (tmp_path / "all").exists()
    code, log = autograder("merge", s1, _shard(tmp_path / "s3"), "--out", tmp_path / "all", "--no-gradebook",
                           cwd=tmp_path)
    assert code == 0, log


def test_merge_takes_every_shard_of_a_split_once(tmp_path):
    """Does `merge` stop (exit 2, one line naming the shard) when a shard of the split is missing or
    given twice, or the folders come from two splits, and accept the whole split with a folder
    graded unsharded beside it?"""
    s = {i: _shard(tmp_path / f"s{i}", shard=(i, 3)) for i in (1, 2, 3)}
    twice = _shard(tmp_path / "again2", shard=(2, 3))
    other = _shard(tmp_path / "of2", shard=(1, 2))
    late = _shard(tmp_path / "late")
    for dirs, says in [([s[1], s[3]], "shard(s) 2/3 missing"), ([s[1], s[2], twice, s[3]], "shard 2/3 is given twice"),
                       ([s[1], s[2], s[3], other], "different splits")]:
        code, log = autograder("merge", *dirs, "--out", tmp_path / "all", "--no-gradebook", cwd=tmp_path)
        assert code == 2 and says in log and len(log.strip().splitlines()) == 1, log
        assert not (tmp_path / "all").exists()
    code, log = autograder("merge", s[1], s[2], s[3], late, "--out", tmp_path / "all", "--no-gradebook", cwd=tmp_path)
    assert code == 0 and "merged 4 submission(s)" in log, log


def test_grade_records_into_the_gradebook_its_db_option_names(own_squares_course, tmp_path):
    """Does `grade --db URL` record scores in that gradebook only, and never in the default one?"""
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.release import release

    root, default_db, _, release_nb = own_squares_course
    other_db = release(root, ["squares"], db_url=f"sqlite:///{tmp_path / 'other.db'}", log=lambda *_: None)
    (tmp_path / "late.ipynb").write_bytes(RECIPES["good"](release_nb))
    code, log = autograder("grade", "squares", tmp_path / "late.ipynb", "--db", other_db, "--out", tmp_path / "out",
                           cwd=root)
    assert code == 0, log
    with Gradebook(other_db) as gb:
        assert gb.find_submission("squares", "late").score == 5
    with Gradebook(default_db) as gb:
        with pytest.raises(MissingEntry):
            gb.find_submission("squares", "late")


def test_grading_before_release_or_a_wrong_name_is_one_clear_line(tmp_path):
    """In a fresh clone (no gradebook yet), or for `LoRA` instead of `lora`, is the error one line
    that says what to do, with exit 2, and no empty gradebook left behind?"""
    from conftest import FIXTURES

    (tmp_path / "nbgrader_config.py").write_text((FIXTURES / "course" / "nbgrader_config.py").read_text())
    (tmp_path / "a.ipynb").write_text("{}")
    for make_folder in (False, True):   # grading/ missing, then there but empty
        (tmp_path / "grading").mkdir(exist_ok=make_folder)
        code, log = autograder("grade", "squares", tmp_path / "a.ipynb", "--out", tmp_path / "out", cwd=tmp_path)
        assert code == 2 and len(log.strip().splitlines()) == 1, log
        assert "run `python -m autograder release`" in log
        assert not (tmp_path / "grading" / "gradebook.db").exists()


def test_wrong_assignment_name_lists_the_known_ones(squares_course, tmp_path):
    """Does `grade Squares` say which assignments the gradebook holds?"""
    root = squares_course[0]
    code, log = autograder("grade", "Squares", tmp_path, cwd=root)
    assert code == 2 and len(log.strip().splitlines()) == 1 and "(it holds: squares)" in log, log


def test_bad_id_pattern_is_one_line_and_writes_nothing(squares_course, tmp_path):
    """Do an invalid regex, and one with no student_id group, stop with one line and exit 2?"""
    root = squares_course[0]
    (tmp_path / "a.ipynb").write_text("{}")
    for pattern, says in (("(", "not a valid regular expression"), (r"^(.+)\.ipynb", "no (?P<student_id>")):
        code, log = autograder("grade", "squares", tmp_path / "a.ipynb", "--id-pattern", pattern,
                               "--out", tmp_path / "out", "--no-gradebook", cwd=root)
        assert code == 2 and len(log.strip().splitlines()) == 1 and says in log, log
        assert not (tmp_path / "out").exists()
