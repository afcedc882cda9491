"""autograder/submissions.py: notebooks, folders, nbgrader layouts and zips, read-only."""
import zipfile
from pathlib import Path

import pytest

from autograder.submissions import SubmissionError, find_submissions


def _nb(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_flat_folder_and_single_files(tmp_path):
    """Are `<student_id>.ipynb` files found in a folder and given directly?"""
    _nb(tmp_path / "in" / "alice.ipynb")
    _nb(tmp_path / "in" / "bob.ipynb")
    single = _nb(tmp_path / "carol.ipynb")
    subs = find_submissions([tmp_path / "in", single], "hw", tmp_path / "scratch")
    assert [s.student_id for s in subs] == ["alice", "bob", "carol"]


def test_nbgrader_layout_accepts_a_renamed_notebook(tmp_path):
    """Is `<student>/<assignment>/<anything>.ipynb` the student's submission?"""
    _nb(tmp_path / "in" / "dave" / "hw" / "hw.ipynb")
    _nb(tmp_path / "in" / "erin" / "hw" / "hw (1).ipynb")
    subs = find_submissions([tmp_path / "in"], "hw", tmp_path / "scratch")
    assert [(s.student_id, s.path.name) for s in subs] == [("dave", "hw.ipynb"), ("erin", "hw (1).ipynb")]


def test_zip_export_with_an_id_pattern_is_extracted_safely(tmp_path):
    """Are ids taken from file names by the pattern, and hostile paths kept inside scratch?"""
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("smithj_123_456_hw.ipynb", "{}")
        zf.writestr("../../evil_1_2_hw.ipynb", "{}")
        zf.writestr("__MACOSX/._x_1_2_hw.ipynb", "junk")
    scratch = tmp_path / "scratch"
    subs = find_submissions([archive], "hw", scratch, id_pattern=r"^(?P<student_id>[^_]+)_")
    assert [s.student_id for s in subs] == ["evil", "smithj"]
    assert all(scratch in s.path.parents for s in subs)
    assert not (tmp_path.parent / "evil_1_2_hw.ipynb").exists()


def test_clashing_ids_and_bad_inputs_are_errors(tmp_path):
    """Do two files for one student, or a missing path, stop with a clear error?"""
    _nb(tmp_path / "a" / "alice.ipynb")
    _nb(tmp_path / "b" / "alice.ipynb")
    with pytest.raises(SubmissionError, match="alice"):
        find_submissions([tmp_path / "a", tmp_path / "b"], "hw", tmp_path / "s")
    with pytest.raises(SubmissionError, match="no such file"):
        find_submissions([tmp_path / "missing"], "hw", tmp_path / "s")
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    with pytest.raises(SubmissionError, match="not a readable zip"):
        find_submissions([bad], "hw", tmp_path / "s")


CANVAS_PATTERN = r"^[^_]+_(?:LATE_)?(?P<student_id>\d+)_"   # the README's pattern for Canvas


def test_canvas_export_names_give_the_numeric_canvas_user_id(tmp_path):
    """Do Canvas's `<name>[_LATE]_<user id>_<submission id>_<file>` names give each student's user id,
    even for two students both called smithjane, a late one, and a resubmission's `-1`?"""
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("smithjane_48213_1910234_lora.ipynb", "smithjane_50177_1910299_lora.ipynb",
                     "doejohn_LATE_49002_1911876_lora-1.ipynb"):
            zf.writestr(name, "{}")
    subs = find_submissions([archive], "lora", tmp_path / "scratch", id_pattern=CANVAS_PATTERN)
    assert [(s.student_id, s.origin.split(":")[1]) for s in subs] == [
        ("48213", "smithjane_48213_1910234_lora.ipynb"), ("49002", "doejohn_LATE_49002_1911876_lora-1.ipynb"),
        ("50177", "smithjane_50177_1910299_lora.ipynb")]
    with pytest.raises(SubmissionError, match="smithjane"):   # the name is no id: two students share it
        find_submissions([archive], "lora", tmp_path / "scratch2", id_pattern=r"^(?P<student_id>[^_]+)_")


def test_every_other_file_is_listed_as_skipped_with_its_reason(tmp_path):
    """Are a .IPYNB, a .py, a .pdf, a stray nested file, a name the pattern misses and invalid ids
    (`doe john (1)`, `..`, a spreadsheet formula) listed with reasons, while the rest is found?"""
    from autograder.submissions import Skipped
    folder = tmp_path / "in"
    for name in ("alice.ipynb", "BOB.IPYNB", "notes.py", "report.pdf", "doe john (1).ipynb",
                 "=HYPERLINK(1).ipynb", "carol/hw/hw.ipynb", "carol/hw/scratch.txt", "misc/old/x.ipynb"):
        _nb(folder / name)
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../hw/x.ipynb", "{}")             # nbgrader layout with the student `..`
        zf.writestr("dave_12_hw.ipynb", "{}")
        zf.writestr("readme.txt", "")
    skipped = []
    subs = find_submissions([folder, archive], "hw", tmp_path / "s", id_pattern=r"^(?P<student_id>[^_.]+)[_.]",
                            skipped=skipped)
    assert [s.student_id for s in subs] == ["BOB", "alice", "carol", "dave"]
    reasons = {Path(item.origin).name if ":" not in item.origin else item.origin: item.reason for item in skipped}
    assert reasons["notes.py"] == reasons["report.pdf"] == reasons["class.zip:readme.txt"] == "not a notebook (.ipynb)"
    assert "not a valid student id" in reasons["doe john (1).ipynb"]
    assert "not a valid student id" in reasons["=HYPERLINK(1).ipynb"]
    assert "not a valid student id" in reasons["class.zip:../hw/x.ipynb"]
    assert "layout" in reasons["scratch.txt"] and "layout" in reasons["x.ipynb"]
    assert all(isinstance(item, Skipped) for item in skipped) and len(skipped) == 8
    plain = find_submissions([folder / "alice.ipynb", folder / "BOB.IPYNB"], "hw", tmp_path / "s3")
    assert [s.student_id for s in plain] == ["BOB", "alice"]     # the default pattern ignores the extension's case
    with pytest.raises(SubmissionError, match="notes.py"):       # without a list: the first is an error
        find_submissions([folder / "notes.py"], "hw", tmp_path / "s2")
