"""autograder/grade.py: one batch of broken, hostile and good submissions, each with its status."""
import csv
import json
from pathlib import Path

import nbformat
import pytest

from autograder.grade import grade_batch, parse_shard, select_shard
from autograder.merge import merge
from autograder.runner import Limits
from fixtures.broken import EXPECTED, RECIPES, solved

LIMITS = Limits(cell_timeout=60, wall_timeout=180, memory_mb=4096, output_kb=256, threads=1)


@pytest.fixture(scope="module")
def batch(squares_course, tmp_path_factory):
    """Every recipe, written as <name>.ipynb, graded in one batch with two jobs."""
    root, db_url, spec, release = squares_course
    folder = tmp_path_factory.mktemp("submissions")
    originals = {}
    for name, make in RECIPES.items():
        data = make(release)
        (folder / f"{name}.ipynb").write_bytes(data)
        originals[name] = data
    out = tmp_path_factory.mktemp("out")
    verdicts = grade_batch(root, spec, [folder], out, db_url, LIMITS, jobs=2, log=lambda *_: None)
    return folder, out, originals, {v.student_id: v for v in verdicts}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_submission_gets_its_expected_status(batch, name):
    """Does every broken or hostile submission end with the status, flag and score it deserves?"""
    verdict = batch[3][name]
    status, tampered, score = EXPECTED[name]
    assert (verdict.status, verdict.tampered) == (status, tampered), verdict.message
    assert verdict.score == score, verdict.tasks


def test_student_files_are_never_modified(batch):
    """Does grading leave every submitted file byte-for-byte as it was?"""
    folder, _, originals, _ = batch
    for name, data in originals.items():
        assert (folder / f"{name}.ipynb").read_bytes() == data, name


def test_reports_cover_every_submission(batch):
    """Do grades.csv, report.json and the feedback pages list each student once?"""
    _, out, originals, _ = batch
    rows = list(csv.DictReader(open(out / "grades.csv")))
    assert sorted(r["student_id"] for r in rows) == sorted(originals)
    assert list(rows[0])[:5] == ["student_id", "assignment", "score", "max_score", "status"]
    assert {"square", "cube", "explain"} <= set(rows[0])
    report = json.loads((out / "report.json").read_text())
    assert len(report["submissions"]) == len(originals)
    assert sorted(p.stem for p in (out / "feedback").glob("*.html")) == sorted(originals)


def test_feedback_names_the_failure_without_test_source(batch):
    """Does feedback give the failing check's message but none of the hidden tests' code?"""
    _, out, _, verdicts = batch
    page = (out / "feedback" / "wrong_cube.html").read_text()
    assert "cube of a negative number is wrong" in page or "cube(2) should be 8" in page
    assert "BEGIN HIDDEN" not in page and "assert cube(-3)" not in page
    assert verdicts["wrong_cube"].tasks[1].result == "fail"


def test_regrading_skips_unchanged_submissions_unless_forced(batch, squares_course, tmp_path):
    """Is an already graded, unchanged file skipped, and regraded with force?"""
    root, db_url, spec, _ = squares_course
    folder, out, _, _ = batch
    lines = []
    grade_batch(root, spec, [folder / "good.ipynb"], out, db_url, LIMITS, log=lines.append)
    grade_batch(root, spec, [folder / "good.ipynb"], tmp_path, db_url, LIMITS, force=True, log=lines.append)
    summaries = [line for line in lines if line.startswith("squares: ")]   # warnings may come between
    assert len(summaries) == 2, lines
    assert "1 already graded, grading 0" in summaries[0] and "grading 1" in summaries[1]


def test_shards_partition_the_batch():
    """Do N shards cover every submission exactly once, deterministically?"""
    items = list(range(11))
    shards = [select_shard(items, (i, 3)) for i in (1, 2, 3)]
    assert sorted(sum(shards, [])) == items and shards == [select_shard(items, (i, 3)) for i in (1, 2, 3)]
    with pytest.raises(ValueError):
        parse_shard("0/3")


@pytest.mark.parametrize("environ, shard", [
    ({"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"}, (1, 4)),
    ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"}, (4, 4)),   # --array=0-3
    ({"SLURM_ARRAY_TASK_ID": "15", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_STEP": "5",
      "SLURM_ARRAY_TASK_COUNT": "3"}, (2, 3)),                                                           # --array=10-20:5
    ({"JOB_COMPLETION_INDEX": "0", "AUTOGRADER_SHARD_COUNT": "4"}, (1, 4)),
    ({"CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "3"}, (2, 3)),
    ({"AUTOGRADER_SHARD": "3/5"}, (3, 5)),
])
def test_shard_auto_reads_the_schedulers_variables(environ, shard):
    """Does `--shard auto` turn each scheduler's own variables into the shard I/N, from 1?"""
    assert parse_shard("auto", environ) == shard


@pytest.mark.parametrize("environ, says", [
    ({}, "no scheduler's variables"),
    ({"JOB_COMPLETION_INDEX": "2"}, "AUTOGRADER_SHARD_COUNT"),
    ({"SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "2"}, "not a whole number"),
    ({"JOB_COMPLETION_INDEX": "4", "AUTOGRADER_SHARD_COUNT": "4"}, "shard 5 of 4"),
])
def test_shard_auto_without_a_usable_scheduler_says_what_is_missing(environ, says):
    """Does `--shard auto` outside a scheduler, or with a half-set environment, stop with a message naming it?"""
    with pytest.raises(ValueError, match=says):
        parse_shard("auto", environ)


def test_sharded_grading_then_merge_equals_unsharded(batch, squares_course, tmp_path):
    """Does grading in 2 shards and merging give the same grades.csv as one run?"""
    root, db_url, spec, _ = squares_course
    folder, out, _, _ = batch
    picks = [folder / f"{n}.ipynb" for n in ("good", "wrong_cube", "invalid_json", "edited_test_cell")]
    whole = tmp_path / "whole"
    grade_batch(root, spec, picks, whole, db_url, LIMITS, jobs=2, log=lambda *_: None)
    parts = []
    for i in (1, 2):
        parts.append(tmp_path / f"shard{i}")
        grade_batch(root, spec, picks, parts[-1], db_url, LIMITS, shard=(i, 2), log=lambda *_: None)
    merge(parts, tmp_path / "merged", log=lambda *_: None)
    assert (tmp_path / "merged" / "grades.csv").read_text() == (whole / "grades.csv").read_text()


def test_renamed_notebook_in_nbgrader_layout_is_graded(squares_course, tmp_path):
    """Is `<student>/<assignment>/renamed.ipynb` graded as that student's submission?"""
    root, db_url, spec, release = squares_course
    folder = tmp_path / "submitted" / "frank" / "squares"
    folder.mkdir(parents=True)
    (folder / "squares (copy).ipynb").write_bytes(RECIPES["good"](release))
    [verdict] = grade_batch(root, spec, [tmp_path / "submitted"], tmp_path / "out", db_url, LIMITS,
                            log=lambda *_: None)
    assert (verdict.student_id, verdict.status, verdict.score) == ("frank", "graded", 5)


def test_regrades_draw_the_same_hidden_tests_and_other_files_other_ones(squares_course, tmp_path):
    """Does the same file meet the same seed and results on a forced regrade, and another file another seed?"""
    root, db_url, spec, release = squares_course
    wrong_for_negatives = {"sol_square": "return x * x if x >= 0 else -x * x", "sol_cube": "return x ** 3"}
    folder = tmp_path / "in"
    folder.mkdir()
    for name, comment in (("neg_a", "a"), ("neg_b", "b")):
        nb = solved(release, wrong_for_negatives)
        nb.cells[0].source += f"\n<!-- {comment} -->"
        (folder / f"{name}.ipynb").write_bytes(nbformat.writes(nb).encode())
    runs = [{v.student_id: v for v in grade_batch(root, spec, [folder], tmp_path / "out", db_url, LIMITS, jobs=2,
                                                   force=True, record_gradebook=False, log=lambda *_: None)}
            for _ in range(2)]
    first, second = runs
    for student in ("neg_a", "neg_b"):
        assert first[student].seed is not None and first[student].seed == second[student].seed
        assert [t.__dict__ for t in first[student].tasks] == [t.__dict__ for t in second[student].tasks]
        assert "square(-" in first[student].tasks[0].message   # the failing draw is named, and repeats
    assert first["neg_a"].seed != first["neg_b"].seed
    assert first["neg_a"].tasks[0].message != first["neg_b"].tasks[0].message   # other draws
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert {s["student_id"]: s["seed"] for s in report["submissions"]} == {s: first[s].seed for s in first}
    saved = json.loads((tmp_path / "out" / "results" / "neg_a.json").read_text())
    assert saved["seed"] == first["neg_a"].seed


def test_changed_tests_or_points_regrade_everyone(own_squares_course, tmp_path):
    """After a test's points change and the assignment is released again, is an unchanged file regraded?"""
    from autograder.course import load_spec
    from autograder.release import release

    root, db_url, spec, release_nb = own_squares_course
    (tmp_path / "good.ipynb").write_bytes(RECIPES["good"](release_nb))
    lines = []
    grade_batch(root, spec, [tmp_path / "good.ipynb"], tmp_path / "out", db_url, LIMITS, log=lines.append)
    source = root / "solutions" / "squares" / "squares.ipynb"
    source.write_text(source.read_text().replace('"points": 3', '"points": 4'))
    release(root, ["squares"], log=lambda *_: None)
    new_spec = load_spec(db_url, "squares")
    assert new_spec.max_score == spec.max_score + 1
    [verdict] = grade_batch(root, new_spec, [tmp_path / "good.ipynb"], tmp_path / "out", db_url, LIMITS,
                            log=lines.append)
    summaries = [line for line in lines if line.startswith("squares: ")]
    assert "grading 1" in summaries[0] and "0 already graded, grading 1" in summaries[1], lines
    assert (verdict.max_score, verdict.score) == (new_spec.max_score, 6)
    assert json.loads((tmp_path / "out" / "report.json").read_text())["max_score"] == new_spec.max_score


def test_grading_late_submissions_keeps_the_class_in_the_reports(squares_course, tmp_path):
    """Grade 3, then 1 late one into the same --out: do grades.csv and report.json hold all 4?"""
    root, db_url, spec, release = squares_course
    for name in ("good", "wrong_cube", "invalid_json", "stderr_in_test"):
        (tmp_path / f"{name}.ipynb").write_bytes(RECIPES[name](release))
    out = tmp_path / "out"
    first = [tmp_path / f"{n}.ipynb" for n in ("good", "wrong_cube", "invalid_json")]
    grade_batch(root, spec, first, out, db_url, LIMITS, jobs=2, record_gradebook=False, log=lambda *_: None)
    [late] = grade_batch(root, spec, [tmp_path / "stderr_in_test.ipynb"], out, db_url, LIMITS,
                         record_gradebook=False, log=lambda *_: None)
    assert late.student_id == "stderr_in_test"
    everyone = ["good", "invalid_json", "stderr_in_test", "wrong_cube"]
    assert [r["student_id"] for r in csv.DictReader(open(out / "grades.csv"))] == everyone
    report = json.loads((out / "report.json").read_text())
    assert [s["student_id"] for s in report["submissions"]] == everyone
    assert sorted(p.stem for p in (out / "feedback").glob("*.html")) == everyone


def test_each_verdict_records_when_and_by_which_grader(batch):
    """Does every graded verdict carry its UTC date and the grader's version (shown in feedback)?"""
    import re
    from importlib.metadata import version
    good = batch[3]["good"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", good.graded_at), good.graded_at
    assert good.grader_version == version("ai-researchers-roadmap")
    assert good.digest in (batch[1] / "feedback" / "good.html").read_text()


def test_a_timeout_names_the_cell_that_ran_too_long(batch):
    """Does the student learn which cell timed out (here the test of `square`, whose loop never ends)?"""
    message = batch[3]["infinite_loop"].message
    assert message.startswith("the test cell of task `square` ran longer than"), message


def test_skipped_files_are_logged_and_listed(squares_course, tmp_path):
    """Does a folder with a stray file and an invalid id grade the rest and list both in skipped.csv?"""
    root, db_url, spec, release = squares_course
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.ipynb").write_bytes(RECIPES["good"](release))
    (folder / "good (1).ipynb").write_bytes(RECIPES["good"](release))
    (folder / "notes.txt").write_text("")
    lines = []
    verdicts = grade_batch(root, spec, [folder], tmp_path / "out", db_url, LIMITS, record_gradebook=False,
                           log=lines.append)
    assert [v.student_id for v in verdicts] == ["good"]
    assert "; 2 file(s) skipped" in lines[0] and any("notes.txt: not a notebook" in line for line in lines)
    rows = list(csv.DictReader(open(tmp_path / "out" / "skipped.csv")))
    assert sorted(Path(r["file"]).name for r in rows) == ["good (1).ipynb", "notes.txt"]


def test_lone_surrogates_are_one_students_text_not_the_batchs_failure(squares_course, tmp_path):
    """A lone surrogate (legal in JSON, unencodable in UTF-8) in a written answer and in an
    exception message: is the student graded, the neighbour too, and every report written?"""
    from fixtures.broken import solved

    root, db_url, spec, release = squares_course
    nb = solved(release)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "explain")
    answer.source = "Because \ud800 squares are products."
    nb.cells.insert(2, nbformat.v4.new_code_cell("print(chr(0xD800))\nraise ValueError('bad ' + chr(0xDFFF))"))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "surrogate.ipynb").write_text(json.dumps(nb))          # ensure_ascii: "\ud800" in the file
    (folder / "good.ipynb").write_bytes(RECIPES["good"](release))
    out = tmp_path / "out"
    verdicts = {v.student_id: v for v in grade_batch(root, spec, [folder], out, db_url, LIMITS,
                                                     log=lambda *_: None)}
    assert (verdicts["good"].status, verdicts["good"].score) == ("graded", 5)
    assert (verdicts["surrogate"].status, verdicts["surrogate"].score) == ("graded", 5), verdicts["surrogate"].message
    autograded = (out / "autograded" / "surrogate" / "squares" / "squares.ipynb").read_text(encoding="utf-8")
    assert "Because \ufffd squares are products." in autograded
    assert len(list(csv.DictReader(open(out / "grades.csv")))) == 2


def test_huge_and_many_celled_notebooks_are_refused_with_a_message(squares_course, tmp_path):
    """Is a 33 MB notebook (a valid one, padded) refused before it is parsed, and one of 2001 cells
    refused after, each as invalid_notebook saying the limit, while the neighbour is graded?"""
    from autograder.sanitize import MAX_CELLS, MAX_NOTEBOOK_MB

    root, db_url, spec, release = squares_course
    folder = tmp_path / "in"
    folder.mkdir()
    good = RECIPES["good"](release)
    (folder / "good.ipynb").write_bytes(good)
    (folder / "padded.ipynb").write_bytes(good[:-1] + b" " * (MAX_NOTEBOOK_MB * 2**20 + 1) + good[-1:])
    many = solved(release)
    many.cells += [nbformat.v4.new_markdown_cell("x") for _ in range(MAX_CELLS + 1 - len(many.cells))]
    (folder / "many.ipynb").write_text(nbformat.writes(many))
    verdicts = {v.student_id: v for v in grade_batch(root, spec, [folder], tmp_path / "out", db_url, LIMITS,
                                                     record_gradebook=False, log=lambda *_: None)}
    assert (verdicts["good"].status, verdicts["good"].score) == ("graded", 5)
    assert verdicts["padded"].status == "invalid_notebook" and f"at most {MAX_NOTEBOOK_MB} MB" in verdicts["padded"].message
    assert verdicts["many"].status == "invalid_notebook" and f"at most {MAX_CELLS}" in verdicts["many"].message
    assert verdicts["padded"].digest   # identified, so a rerun skips it until the file changes
