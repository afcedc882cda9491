"""autograder/merge.py: shards graded on other machines come back whole, into the instructor's gradebook."""
from autograder.grade import grade_batch
from autograder.merge import merge
from autograder.runner import Limits
from fixtures.broken import RECIPES

LIMITS = Limits(cell_timeout=60, wall_timeout=180, memory_mb=4096, output_kb=256, threads=1)


def test_merge_brings_shards_into_the_gradebook_and_keeps_hand_grades(own_squares_course, tmp_path):
    """After two shards graded without the gradebook (other machines), does `merge` record every
    student's scores and autograded notebook for formgrader, and keep a score given by hand?"""
    from nbgrader.api import Gradebook

    root, db_url, spec, release = own_squares_course
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("good", "wrong_cube", "edited_test_cell"):
        (folder / f"{name}.ipynb").write_bytes(RECIPES[name](release))
    shards = [tmp_path / f"s{i}" for i in (1, 2)]
    for i, out in enumerate(shards, start=1):
        grade_batch(root, spec, [folder], out, db_url, LIMITS, shard=(i, 2), record_gradebook=False,
                    log=lambda *_: None)
    with Gradebook(db_url) as gb:
        assert [s.id for s in gb.students] == []                # nothing recorded on the "machines"
        gb.update_or_create_student("good")
        gb.update_or_create_submission("squares", "good")
        grade = gb.find_grade("explain", "squares", "squares", "good")
        grade.manual_score, grade.needs_manual_grade = 1.0, False   # graded by hand before the merge
        gb.db.commit()
    merge(shards, tmp_path / "all", log=lambda *_: None, root=root, db_url=db_url)
    autograded = sorted(p.relative_to(root / "grading" / "autograded").parts[0]
                        for p in (root / "grading" / "autograded").rglob("*.ipynb"))
    assert autograded == ["edited_test_cell", "good", "wrong_cube"]
    assert len(list((tmp_path / "all" / "autograded").rglob("*.ipynb"))) == 3
    with Gradebook(db_url) as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions("squares")}
        assert scores == {"edited_test_cell": 5.0, "good": 6.0, "wrong_cube": 2.0}
        assert not gb.find_grade("explain", "squares", "squares", "good").needs_manual_grade
        assert gb.find_grade("explain", "squares", "squares", "wrong_cube").needs_manual_grade
