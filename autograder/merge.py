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


def merge(dirs, out: Path, log=print) -> list:
    """Read each DIR/report.json and DIR/results/*.json; write the union under `out`."""
    spec, verdicts = None, {}
    for folder in map(Path, dirs):
        try:
            data = json.loads((folder / "report.json").read_text())
        except (OSError, ValueError) as err:
            raise GraderError(f"{folder}: no readable report.json ({err})") from None
        if spec is None:
            spec = _spec_from_report(data)
        elif data["assignment"] != spec.name or _spec_from_report(data).graded != spec.graded:
            raise GraderError(f"{folder}: grades a different assignment or task list than the others")
        for item in data["submissions"]:
            v = Verdict.from_dict(item)
            old = verdicts.get(v.student_id)
            if old is not None and old.digest != v.digest:
                raise GraderError(f"student {v.student_id} was graded in two shards with different files")
            verdicts[v.student_id] = v
    if spec is None:
        raise GraderError("nothing to merge")
    (out / "results").mkdir(parents=True, exist_ok=True)
    for v in verdicts.values():
        (out / "results" / f"{v.student_id}.json").write_text(json.dumps(v.to_dict(), indent=1))
    report.write_all(out, spec, list(verdicts.values()))
    log(f"merged {len(verdicts)} submission(s) of {spec.name} from {len(dirs)} folder(s) into {out}")
    return list(verdicts.values())
