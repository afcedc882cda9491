"""`grade`: a whole class, in parallel, each submission ending with exactly one status.

Per submission: prepare (sanitize.py) -> run in a limited worker (runner.py) -> decide
(verdict.py) -> record (results/<student>.json, the gradebook, the autograded notebook).
A problem with one submission becomes that submission's status; it never stops the batch.
"""
import json
import os
import re
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from autograder import gradebook, report, sandbox as sandbox_mod, seeding, trusted
from autograder.deadlines import deadline_for
from autograder.progress import Progress
from autograder.runner import OK, run_isolated
from autograder.sanitize import INVALID, Rejected, prepare, safe_text, too_large
from autograder.submissions import find_submissions
from autograder.verdict import Verdict, cell_errors, decide

GRADED, GRADER_ERROR = "graded", "grader_error"


def select_shard(submissions, shard):
    """Deterministic split: the i-th of n shards takes every n-th submission by student id."""
    if not shard:
        return submissions
    index, count = shard
    return [s for k, s in enumerate(submissions) if k % count == index - 1]


def parse_shard(text, environ=None):
    """'2/4' -> (2, 4), with 1 <= i <= n; 'auto' -> the scheduler's, see `shard_from_environment`."""
    if text == "auto":
        return shard_from_environment(os.environ if environ is None else environ)
    match = re.fullmatch(r"(\d+)/(\d+)", text or "")
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"--shard must look like I/N with 1 <= I <= N, or be auto, got {text!r}")
    return int(match[1]), int(match[2])


def shard_from_environment(environ) -> tuple:
    """(index from 1, count) of this task, from the variables its scheduler sets:

    - Slurm job array (`sbatch --array=A-B[:S]`): SLURM_ARRAY_TASK_ID, _MIN, _STEP and _COUNT,
      so index = (ID - MIN) / STEP + 1 whatever the array's first number and step;
    - Kubernetes Indexed Job: JOB_COMPLETION_INDEX (from 0) and AUTOGRADER_SHARD_COUNT, which
      the manifest sets to the Job's `completions` (Kubernetes does not expose that count);
    - GitLab CI `parallel:`: CI_NODE_INDEX (from 1) and CI_NODE_TOTAL;
    - anything else, a GitHub Actions matrix say: AUTOGRADER_SHARD=I/N.
    """
    def number(name):
        value = environ.get(name, "")
        if not re.fullmatch(r"\d+", value):
            raise ValueError(f"--shard auto: {name} is {value!r}, not a whole number")
        return int(value)

    if environ.get("SLURM_ARRAY_TASK_ID"):
        step = number("SLURM_ARRAY_TASK_STEP") if environ.get("SLURM_ARRAY_TASK_STEP") else 1
        offset = number("SLURM_ARRAY_TASK_ID") - number("SLURM_ARRAY_TASK_MIN")
        found = (offset // step + 1, number("SLURM_ARRAY_TASK_COUNT")), "Slurm's SLURM_ARRAY_TASK_*"
    elif environ.get("JOB_COMPLETION_INDEX"):
        if not environ.get("AUTOGRADER_SHARD_COUNT"):
            raise ValueError("--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but "
                             "AUTOGRADER_SHARD_COUNT is not: set it to the Job's completions")
        found = (number("JOB_COMPLETION_INDEX") + 1, number("AUTOGRADER_SHARD_COUNT")), "Kubernetes' JOB_COMPLETION_INDEX"
    elif environ.get("CI_NODE_INDEX"):
        found = (number("CI_NODE_INDEX"), number("CI_NODE_TOTAL")), "GitLab's CI_NODE_INDEX"
    elif environ.get("AUTOGRADER_SHARD"):
        return parse_shard(environ["AUTOGRADER_SHARD"])
    else:
        raise ValueError("--shard auto found no scheduler's variables (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, "
                         "CI_NODE_INDEX or AUTOGRADER_SHARD=I/N): give --shard I/N")
    (index, count), source = found
    if not 1 <= index <= count:
        raise ValueError(f"--shard auto: {source} give shard {index} of {count}")
    return index, count


def grade_one(sub, spec, db_url, limits, lock, sandboxed=True) -> tuple:
    """Grade one submission; returns (Verdict, executed notebook or None). Never raises."""
    base = dict(student_id=sub.student_id, assignment=spec.name, max_score=spec.max_score,
                graded_at=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), grader_version=grader_version(),
                origin=sub.origin, score=0.0, release_digest=spec.release_digest, submitted_at=sub.submitted_at)
    start = time.monotonic()
    try:
        base["digest"] = sub.digest()
        problem = too_large(sub.path.stat().st_size)   # before reading it all
        if problem:
            raise Rejected(INVALID, problem)
        data = sub.path.read_bytes()
        prepared = prepare(data, spec, db_url, lock)   # nbgrader's preprocessors open the gradebook: one at a time
        steps = trusted.plan(prepared.notebook, spec)
        seed = seeding.submission_seed(spec.name, sub.student_id, base["digest"]) if steps else None
        outcome = run_isolated(prepared.notebook, limits, steps=steps, code=trusted.submitted_code(prepared.notebook),
                               sandboxed=sandboxed, seed=seed)
        outcome.notebook, outcome.message = safe_text(outcome.notebook), safe_text(outcome.message)   # what it printed
        tasks, score = decide(outcome.notebook, spec, outcome.status, outcome.message)
        base["isolation"] = isolation(sandboxed, steps)
        status = GRADED if outcome.status == OK else outcome.status
        verdict = Verdict(**base | {"score": score}, status=status, tasks=tasks, message=outcome.message, seed=seed,
                          tampered=bool(prepared.tampering), tampering=prepared.tampering,
                          notes=[note for _, note in cell_errors(outcome.notebook, spec)])
        notebook = outcome.notebook
    except Rejected as rejected:
        verdict, notebook = Verdict(**base, status=rejected.status, message=rejected.message), None
    except Exception as err:  # the grader's own failure for this one submission
        verdict, notebook = Verdict(**base, status=GRADER_ERROR, message=_failure(err, "grading")), None
    verdict.seconds = round(time.monotonic() - start, 2)
    return verdict, notebook


def grader_version() -> str:
    """The installed course package's version (pyproject.toml), shown on every feedback page."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("ai-researchers-roadmap")
    except PackageNotFoundError:
        return "unknown"


def isolation(sandboxed, steps) -> str:
    """How far this submission's code was kept from its verdict, in words for the report."""
    where = "sandboxed kernel" if sandboxed else "kernel with resource limits only"
    tests = "tests run by the grader" if steps else "tests run inside the student's kernel"
    return f"{where}; {tests}"


def grade_batch(root, spec, inputs, out: Path, db_url, limits, jobs=2, force=False, shard=None,
                id_pattern=None, record_gradebook=True, log=print, sandbox=True) -> list:
    """Grade every submission in `inputs`; write results, reports and feedback under `out`.

    sandbox: run student code in bubblewrap (autograder.sandbox); where it cannot run here,
    say so and grade with resource limits only.
    """
    results_dir = out / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograder-zip-") as scratch:
        kwargs = {"id_pattern": id_pattern} if id_pattern else {}
        skipped = []
        subs = select_shard(find_submissions(inputs, spec.name, Path(scratch), skipped=skipped, **kwargs), shard)
        todo = [s for s in subs if force or not _already_graded(results_dir, s, spec.release_digest)]
        log(f"{spec.name}{f' shard {shard[0]}/{shard[1]}' if shard else ''}: {len(subs)} submission(s), {len(subs) - len(todo)} already graded, "
            f"grading {len(todo)} with {jobs} job(s)" + (f"; {len(skipped)} file(s) skipped" if skipped else ""))
        for item in skipped:
            log(f"  skipped {item.origin}: {item.reason}")
        _write_skipped(out / "skipped.csv", skipped)
        progress, lock = Progress(len(todo)), threading.Lock()
        sandboxed = sandbox and bool(todo)
        missing = sandbox_mod.missing_reason() if sandboxed else ""
        if missing:
            log(f"WARNING: no sandbox: {missing}. Student code runs with resource limits "
                f"only, and can read what this user can read.")
            sandboxed = False
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(grade_one, s, spec, db_url, limits, lock, sandboxed) for s in todo]
            for future in as_completed(futures):
                verdict, notebook = future.result()
                _record(verdict, notebook, root, spec, out, db_url if record_gradebook else None, lock)
                progress.step(f"{verdict.student_id}: {verdict.status} {verdict.score:g}/{verdict.max_score:g}")
        progress.close()
    everyone = saved_verdicts(results_dir, spec.name, log)
    stale = sorted(v.student_id for v in everyone.values() if v.release_digest != spec.release_digest)
    if stale:
        log(f"WARNING: {len(stale)} result(s) in {out} were graded with other tests or points "
            f"({', '.join(stale[:5])}{'...' if len(stale) > 5 else ''}): grade their files again to update them")
    report.write_all(out, spec, list(everyone.values()), shard=shard, deadline=deadline_for(root, spec.name),
                     hand=gradebook.read_hand_grades(db_url if record_gradebook else None, spec, log))
    return [everyone[s.student_id] for s in subs]



def saved_verdicts(results_dir: Path, assignment: str, log=print) -> dict:
    """student id -> Verdict for every results/*.json of this assignment: the reports cover the
    whole class graded into this folder, not only this run's inputs (two late submissions)."""
    verdicts = {}
    for path in sorted(results_dir.glob("*.json")):
        try:
            verdict = Verdict.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as err:   # left out of the reports, and said so
            log(f"WARNING: {path} is unreadable ({err}): not in the reports; delete it and grade again")
            continue
        if verdict.assignment == assignment:
            verdicts[verdict.student_id] = verdict
    return verdicts


def _record(verdict, notebook, root, spec, out, db_url, lock) -> None:
    """Save one verdict, its autograded notebook (which travels with the shard's folder, see
    merge) and, with a db_url, its gradebook records. A failure here is this student's status."""
    try:
        if notebook is not None:
            gradebook.write_autograded(out / "autograded", spec, verdict.student_id, notebook)
        if db_url:
            with lock:
                gradebook.record(root, db_url, spec, verdict, notebook)
    except Exception as err:  # the grader's own failure for this one submission, never the batch's
        verdict.status, verdict.score = GRADER_ERROR, 0.0
        verdict.message = _failure(err, "recording this grade")
    _save(results_dir=out / "results", verdict=verdict)


def _failure(err: Exception, doing: str) -> str:
    """A grader failure as the instructor reads it; a database error names the gradebook (a lost
    connection to a shared server, say), since the next run grades that submission again."""
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(err, SQLAlchemyError):
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        return (f"{doing} failed: the gradebook could not be reached or written ({type(err).__name__}: {first}); "
                f"the next `grade` run grades this submission again")[:500]
    return f"{doing} failed: {type(err).__name__}: {err}"[:500]


def _write_skipped(path: Path, skipped) -> None:
    """skipped.csv: every file of this run's inputs that was not graded, with the reason."""
    import csv
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "reason"])
        writer.writerows([item.origin, item.reason] for item in skipped)


def _save(results_dir: Path, verdict: Verdict):
    path = results_dir / f"{verdict.student_id}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(verdict.to_dict(), indent=1))
    tmp.replace(path)


def _already_graded(results_dir: Path, sub, release_digest: str) -> bool:
    """Graded before with the same file content, the same released tests and points, and not by a
    grader failure."""
    path = results_dir / f"{sub.student_id}.json"
    if not path.exists():
        return False
    try:
        old = json.loads(path.read_text())
        return (old.get("digest") == sub.digest() and old.get("release_digest") == release_digest
                and old.get("status") != GRADER_ERROR)
    except (OSError, ValueError):
        return False

