"""`merge`: combine the outputs of sharded `grade` runs into one set of reports."""
import json
from pathlib import Path

from autograder import report
from autograder.course import AssignmentSpec, CellSpec, GraderError
from autograder.verdict import Verdict


def _spec_from_report(data) -> AssignmentSpec:
    cells = [CellSpec(t["task"], "markdown" if t["manual"] else "code", True, "", "", t["points"])
             for t in data["tasks"]]
    return AssignmentSpec(data["assignment"], data["assignment"], cells)


def _read_report(folder: Path) -> dict:
    try:
        return json.loads((folder / "report.json").read_text())
    except (OSError, ValueError) as err:
        raise GraderError(f"{folder}: no readable report.json ({err})") from None


def _distinct(dirs) -> list:
    """The folders, refusing one given twice: its students would be counted from two "shards"."""
    seen = {}
    for folder in map(Path, dirs):
        key = folder.resolve()
        if key in seen:
            raise GraderError(f"{folder} is given twice (also as {seen[key]}): give each shard's folder once")
        seen[key] = folder
    return list(seen.values())


def _check_shards(shards: dict) -> None:
    """Folders graded as shards (report.json's "shard": "I/N") must cover 1..N of one N, each once;
    folders graded whole (late submissions, say) may come beside them."""
    found = {folder: tuple(map(int, text.split("/"))) for folder, text in shards.items() if text}
    if not found:
        return
    counts = sorted({n for _, n in found.values()})
    if len(counts) > 1:
        raise GraderError(f"the folders are shards of different splits (of {' and of '.join(map(str, counts))}): "
                          f"merge the shards of one `--shard I/N` run")
    count, seen = counts[0], {}
    for folder, (index, _) in sorted(found.items()):
        if index in seen:
            raise GraderError(f"shard {index}/{count} is given twice: {seen[index]} and {folder}")
        seen[index] = folder
    missing = sorted(set(range(1, count + 1)) - set(seen))
    if missing:
        raise GraderError(f"shard(s) {', '.join(f'{i}/{count}' for i in missing)} missing: every shard of the "
                          f"run must be merged, or its students are left out")


def _same_result(a: Verdict, b: Verdict) -> bool:
    """The same file graded to the same outcome (timings aside)."""
    return (a.digest, a.status, a.score, a.tasks) == (b.digest, b.status, b.score, b.tasks)


def merge(dirs, out: Path, log=print, root=None, db_url=None) -> list:
    """Read each DIR/report.json; write the union under `out`. Shards must grade the same
    release of the same assignment, and a student found in two shards must have the same result.

    db_url (with the course `root`): also record every verdict in that gradebook, with the
    autograded notebook the shard brought back (DIR/autograded/), so formgrader and
    `nbgrader export` see the whole class; hand-given scores there are kept."""
    spec, digest, verdicts, source = None, None, {}, {}
    for folder in _distinct(dirs):
        data = _read_report(folder)
        if spec is None:
            spec, digest = _spec_from_report(data), data.get("release_digest")
        elif data["assignment"] != spec.name or _spec_from_report(data).graded != spec.graded:
            raise GraderError(f"{folder}: grades a different assignment or task list than the others")
        elif data.get("release_digest") != digest:
            raise GraderError(f"{folder}: graded with other tests or points than the others: regrade it")
        for item in data["submissions"]:
            v = Verdict.from_dict(item)
            old = verdicts.get(v.student_id)
            if old is not None and old.digest != v.digest:
                raise GraderError(f"student {v.student_id} was graded in two shards with different files")
            if old is not None and not _same_result(old, v):
                raise GraderError(f"student {v.student_id} was graded in two shards with different results")
            verdicts[v.student_id] = v
            source[v.student_id] = folder
    if spec is None:
        raise GraderError("nothing to merge")
    _check_shards({folder: _read_report(folder).get("shard") for folder in _distinct(dirs)})
    if db_url:
        _record_all(root, db_url, spec.name, digest, verdicts, source, out)
    (out / "results").mkdir(parents=True, exist_ok=True)
    for v in verdicts.values():
        (out / "results" / f"{v.student_id}.json").write_text(json.dumps(v.to_dict(), indent=1))
    from autograder.gradebook import read_hand_grades

    from autograder.deadlines import deadline_for

    report.write_all(out, spec, list(verdicts.values()), release_digest=digest, hand=read_hand_grades(db_url, spec, log),
                     deadline=deadline_for(root, spec.name) if root else None)
    log(f"merged {len(verdicts)} submission(s) of {spec.name} from {len(dirs)} folder(s) into {out}")
    return list(verdicts.values())


def _record_all(root, db_url, name, digest, verdicts, source, out) -> None:
    """Record the merged verdicts in the gradebook and gather the autograded notebooks in `out`."""
    from autograder import gradebook
    from autograder.course import load_spec

    spec = load_spec(db_url, name)
    if spec.release_digest != digest:
        raise GraderError(f"the gradebook holds another release of {name} than the shards graded: "
                          f"release it as they did, or regrade them")
    for student, verdict in sorted(verdicts.items()):
        notebook = gradebook.read_autograded(source[student] / "autograded", spec, student)
        if notebook is not None:
            gradebook.write_autograded(out / "autograded", spec, student, notebook)
        gradebook.record(root, db_url, spec, verdict, notebook)
