"""Grading throughput: `python -m benchmarks.grading [--count 24] [ASSIGNMENT ...]`.

Grades the same batch of submissions (the solution and each committed wrong submission,
repeated to `count` students) three times: with `autograder grade --jobs 2` (student code in
the bubblewrap sandbox, tests run by the grader: the default), the same without the sandbox
(`--no-sandbox`), and with plain, sequential `nbgrader autograde`. Prints seconds per
submission for each, the sandbox's cost, the speed-up over nbgrader, and whether every
student's score is the same in all three.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from submissions import load_cases, submission  # noqa: E402


def make_batch(assignment, count):
    """student id -> notebook: the solution and the wrong cases, cycled to `count` students."""
    variants = [None] + list(load_cases(assignment))
    return {f"s{i:03d}": submission(assignment, variants[i % len(variants)]) for i in range(count)}


def course_copy(dest: Path) -> Path:
    shutil.copy(ROOT / "nbgrader_config.py", dest)
    shutil.copytree(ROOT / "solutions", dest / "solutions")
    return dest


def ours(assignment, batch, jobs, work: Path, sandbox=True):
    from autograder.course import load_spec
    from autograder.grade import grade_batch
    from autograder.release import release
    from autograder.runner import Limits

    root = course_copy(work)
    db_url = release(root, [assignment], log=lambda *_: None)
    folder = work / "in"
    folder.mkdir()
    for student, nb in batch.items():
        nbformat.write(nb, folder / f"{student}.ipynb")
    start = time.monotonic()
    verdicts = grade_batch(root, load_spec(db_url, assignment), [folder], work / "out", db_url,
                           Limits(threads=max(1, (os.cpu_count() or 1) // jobs)), jobs=jobs,
                           log=lambda *_: None, sandbox=sandbox)
    return time.monotonic() - start, {v.student_id: v.score for v in verdicts}


def plain_nbgrader(assignment, batch, work: Path):
    from nbgrader.api import Gradebook

    root = course_copy(work)
    (root / "grading").mkdir()  # the gradebook's folder (nbgrader_config.py); nbgrader does not create it
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    nbg = [str(Path(sys.executable).parent / "nbgrader")]
    subprocess.run(nbg + ["generate_assignment", assignment, "--force"], cwd=root, env=env, check=True,
                   capture_output=True)
    for student, nb in batch.items():
        folder = root / "grading" / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
    start = time.monotonic()
    subprocess.run(nbg + ["autograde", assignment, "--force", "--Execute.timeout=600"], cwd=root, env=env,
                   capture_output=True)
    seconds = time.monotonic() - start
    with Gradebook(f"sqlite:///{root / 'grading' / 'gradebook.db'}") as gb:
        scores = {s.student.id: s.code_score for s in gb.assignment_submissions(assignment)}
    return seconds, scores


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    from autograder.course import assignment_names

    for assignment in args.assignments or assignment_names(ROOT):
        batch = make_batch(assignment, args.count)
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b, \
                tempfile.TemporaryDirectory() as c:
            t_box, s_box = ours(assignment, batch, args.jobs, Path(a))
            t_open, s_open = ours(assignment, batch, args.jobs, Path(b), sandbox=False)
            t_plain, s_plain = plain_nbgrader(assignment, batch, Path(c))
        same = s_box == s_open == s_plain
        n = len(batch)
        print(f"{assignment}: {n} submissions; autograder --jobs {args.jobs}: sandboxed {t_box / n:.2f} s/submission, "
              f"--no-sandbox {t_open / n:.2f} s/submission (sandbox cost {100 * (t_box / t_open - 1):+.0f}%); "
              f"sequential nbgrader autograde: {t_plain / n:.2f} s/submission; speed-up {t_plain / t_box:.2f}x; "
              f"identical scores: {same}", flush=True)
        if not same:
            diff = {k: (s_box.get(k), s_open.get(k), s_plain.get(k)) for k in sorted(set(s_box) | set(s_plain))
                    if not s_box.get(k) == s_open.get(k) == s_plain.get(k)}
            print(f"  differing scores (sandboxed, no sandbox, nbgrader): {diff}")


if __name__ == "__main__":
    main()
