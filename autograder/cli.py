"""`python -m autograder release | check | grade | merge | similarity | report | export | student-edition`.

Exit status: 0 when the command did its job (for `grade`: every submission received a
status, whatever the scores); 1 when `check` finds a failing task or a submission could not
be processed by the grader itself; 2 for bad usage or a grader that cannot run at all.
"""
import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

from autograder.course import GraderError, course_root, default_db_url, load_spec, nbgrader_config
from autograder.runner import Limits


def _limit_args(parser):
    defaults = Limits()
    parser.add_argument("--cell-timeout", type=float, default=defaults.cell_timeout, help="seconds per cell")
    parser.add_argument("--wall-timeout", type=float, default=defaults.wall_timeout,
                        help="seconds per submission")
    parser.add_argument("--memory-mb", type=int, default=defaults.memory_mb, help="memory per submission")
    parser.add_argument("--output-kb", type=int, default=defaults.output_kb, help="output kept per notebook")
    parser.add_argument("--disk-mb", type=int, default=defaults.disk_mb,
                        help="size of the sandbox's writable folder, a tmpfs (so it counts as memory)")


def _limits(args, threads=1) -> Limits:
    return Limits(args.cell_timeout, args.wall_timeout, args.memory_mb, args.output_kb, threads,
                  disk_mb=getattr(args, "disk_mb", Limits.disk_mb))


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate assignments/ and the gradebook from solutions/")
    p.add_argument("assignments", nargs="*", help="default: every assignment in solutions/")
    p.add_argument("--db", help="gradebook URL (any SQLAlchemy URL; default from nbgrader_config.py)")

    p = sub.add_parser("check", help="students: run the visible tests of a notebook")
    p.add_argument("notebook", type=Path)
    _limit_args(p)

    p = sub.add_parser("grade", help="instructors: grade submissions with the hidden tests")
    p.add_argument("assignment")
    p.add_argument("submissions", nargs="+", help="notebooks, folders, nbgrader layouts or .zip files")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    p.add_argument("--out", type=Path, default=None, help="default: grading/<assignment>")
    p.add_argument("--db", help="gradebook URL (default from nbgrader_config.py)")
    p.add_argument("--force", action="store_true", help="regrade submissions already graded")
    p.add_argument("--shard", help="I/N: grade only the I-th of N deterministic shards; auto: I and N from the "
                   "scheduler (a Slurm array, a Kubernetes Indexed Job, GitLab's parallel, or AUTOGRADER_SHARD=I/N)")
    p.add_argument("--id-pattern", help="regex with a (?P<student_id>...) group, matched on file names")
    p.add_argument("--no-gradebook", action="store_true", help="do not record scores in the gradebook")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run student code without bubblewrap (resource limits only; NOT for untrusted code)")
    _limit_args(p)

    p = sub.add_parser("merge", help="combine the output folders of sharded grade runs")
    p.add_argument("dirs", nargs="+", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--db", help="gradebook URL to record the merged grades in (default from nbgrader_config.py)")
    p.add_argument("--no-gradebook", action="store_true", help="write the merged reports only")

    p = sub.add_parser("similarity", help="instructors: list identical and near-identical submissions")
    p.add_argument("assignment")
    p.add_argument("submissions", nargs="+", help="notebooks, folders, nbgrader layouts or .zip files")
    p.add_argument("--out", type=Path, default=None, help="default: grading/<assignment>")
    p.add_argument("--threshold", type=float, default=0.8, help="smallest similarity listed (0 to 1)")
    p.add_argument("--id-pattern", help="regex with a (?P<student_id>...) group, matched on file names")
    p.add_argument("--db", help="gradebook URL (default from nbgrader_config.py)")

    p = sub.add_parser("report", help="instructors: rewrite a grading folder's reports with the grades given by hand")
    p.add_argument("assignment")
    p.add_argument("--out", type=Path, default=None, help="the grading folder (default: grading/<assignment>)")
    p.add_argument("--db", help="gradebook URL (default from nbgrader_config.py)")

    p = sub.add_parser("export", help="instructors: final grades (automatic + by hand) for a learning platform")
    p.add_argument("assignments", nargs="*", help="default: every assignment in the gradebook")
    p.add_argument("--out", type=Path, required=True, help="the CSV file to write (gradescope: a folder)")
    p.add_argument("--format", choices=["csv", "canvas", "moodle", "gradescope"], default="csv",
                   help="gradescope: <out>/<student_id>/results.json per submission of one assignment")
    p.add_argument("--grading", type=Path, help="gradescope: the grading folder (default: grading/<assignment>)")
    p.add_argument("--roster", type=Path, help="CSV with student_id and the platform's ids (name, canvas_id, "
                   "sis_user_id, sis_login_id, section, email, idnumber)")
    p.add_argument("--column", action="append", default=[], metavar="ASSIGNMENT=HEADER",
                   help='Canvas column for an assignment, e.g. backprop="Backprop (12345)"')
    p.add_argument("--identity", choices=["email", "idnumber"], default="email",
                   help="the roster column Moodle maps students by")
    p.add_argument("--db", help="gradebook URL (default from nbgrader_config.py)")

    p = sub.add_parser("students", help="instructors: put the roster's names in the gradebook (formgrader shows them)")
    p.add_argument("roster", type=Path, help="CSV with student_id and first_name, last_name or name; email, canvas_id")
    p.add_argument("--db", help="gradebook URL (default from nbgrader_config.py)")

    p = sub.add_parser("student-edition", help="instructors: write the repository students get (no secrets)")
    p.add_argument("out", type=Path, help="a new (or empty) folder")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes from inside nbgrader's API
    try:
        return COMMANDS[args.command](args)
    except GraderError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _release(args):
    from autograder.release import release

    release(course_root(), args.assignments or None, args.db)
    return 0


def _check(args):
    from autograder.check import check

    return check(args.notebook, _limits(args))


def _grade(args):
    from autograder.grade import GRADER_ERROR, grade_batch, parse_shard
    from autograder.submissions import SubmissionError, compile_id_pattern

    root = course_root()
    db_url = default_db_url(root, nbgrader_config(root, args.db))
    spec = load_spec(db_url, args.assignment)
    try:
        shard = parse_shard(args.shard) if args.shard else None
        if args.id_pattern:
            compile_id_pattern(args.id_pattern)   # a bad pattern stops before anything is written
        jobs = max(1, args.jobs)
        verdicts = grade_batch(root, spec, args.submissions, args.out or root / "grading" / args.assignment,
                               db_url, _limits(args, threads=max(1, (os.cpu_count() or 1) // jobs)),
                               jobs=jobs, force=args.force, shard=shard, id_pattern=args.id_pattern,
                               record_gradebook=not args.no_gradebook, sandbox=not args.no_sandbox)
    except (SubmissionError, ValueError) as err:
        raise GraderError(str(err)) from None
    failed = [v.student_id for v in verdicts if v.status == GRADER_ERROR]
    if failed:
        print(f"the grader itself failed on: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _merge(args):
    from autograder.merge import merge

    if args.no_gradebook:
        merge(args.dirs, args.out)
    else:
        root = course_root()
        merge(args.dirs, args.out, root=root, db_url=default_db_url(root, nbgrader_config(root, args.db)))
    return 0


def _report(args):
    from autograder import gradebook, report
    from autograder.grade import saved_verdicts

    root = course_root()
    db_url = default_db_url(root, nbgrader_config(root, args.db))
    spec = load_spec(db_url, args.assignment)
    out = args.out or root / "grading" / args.assignment
    verdicts = saved_verdicts(out / "results", spec.name)
    if not verdicts:
        raise GraderError(f"no results of {spec.name} in {out / 'results'}: grade first, or give --out")
    hand = gradebook.hand_grades(db_url, spec)
    from autograder.deadlines import deadline_for

    report.write_all(out, spec, list(verdicts.values()), hand=hand, deadline=deadline_for(root, spec.name))
    print(f"rewrote the reports of {len(verdicts)} student(s) in {out}, {len(hand)} with grades given by hand")
    return 0


def _export(args):
    from autograder.course import released_assignments
    from autograder.export import export

    root = course_root()
    db_url = default_db_url(root, nbgrader_config(root, args.db))
    columns = {}
    for item in args.column:
        name, sep, header = item.partition("=")
        if not sep or not name or not header:
            raise GraderError(f"--column takes ASSIGNMENT=HEADER, got {item!r}")
        columns[name] = header
    known = released_assignments(db_url)
    unknown = [a for a in args.assignments if a not in known]
    if unknown:
        raise GraderError(f"unknown assignment(s) {', '.join(unknown)}: the gradebook has {', '.join(known) or 'none'}")
    if args.format == "gradescope":
        return _export_gradescope(args, root, db_url)
    from autograder.deadlines import deadline_for

    names = args.assignments or known
    export(db_url, names, args.out, args.format, args.roster, columns, args.identity,
           deadlines={name: deadline_for(root, name) for name in names})
    return 0


def _students(args):
    from autograder import gradebook
    from autograder.course import released_assignments
    from autograder.export import read_roster

    root = course_root()
    db_url = default_db_url(root, nbgrader_config(root, args.db))
    released_assignments(db_url)          # no gradebook yet: one line saying to release first
    roster = read_roster(args.roster)
    added, updated = gradebook.record_students(db_url, roster)
    print(f"{len(roster)} student(s) of {args.roster} in the gradebook: {added} added, {updated} updated")
    return 0


def _export_gradescope(args, root, db_url):
    from autograder import gradebook
    from autograder.export import write_gradescope
    from autograder.grade import saved_verdicts

    if len(args.assignments) != 1:
        raise GraderError("--format gradescope writes one assignment's results: name exactly one")
    spec = load_spec(db_url, args.assignments[0])
    folder = args.grading or root / "grading" / spec.name
    verdicts = saved_verdicts(folder / "results", spec.name)
    if not verdicts:
        raise GraderError(f"no results of {spec.name} in {folder / 'results'}: grade first, or give --grading")
    write_gradescope(folder, sorted(verdicts.values(), key=lambda v: v.student_id),
                     gradebook.read_hand_grades(db_url, spec), args.out)
    return 0


def _similarity(args):
    import tempfile

    from autograder import similarity
    from autograder.submissions import DEFAULT_ID_PATTERN, SubmissionError, find_submissions

    root = course_root()
    spec = load_spec(default_db_url(root, nbgrader_config(root, args.db)), args.assignment)
    out = args.out or root / "grading" / args.assignment
    with tempfile.TemporaryDirectory(prefix="autograder-zip-") as scratch:
        try:
            subs = find_submissions(args.submissions, spec.name, Path(scratch), args.id_pattern or DEFAULT_ID_PATTERN,
                                    skipped=[])   # grade lists the files it skips
        except SubmissionError as err:
            raise GraderError(str(err)) from None
        prints = similarity.fingerprints({s.student_id: s.path for s in subs}, similarity.release_code(root, spec))
    pairs = similarity.similar_pairs(prints, args.threshold)
    out.mkdir(parents=True, exist_ok=True)
    similarity.write_report(out / "similarity.csv", pairs)
    for p in pairs:
        kind = "identical file" if p.identical_file else "same code, renamed or reformatted" if p.same_code else ""
        print(f"{p.similarity:.2f}  {p.student_a}  {p.student_b}  {kind}")
    print(f"{spec.name}: {len(pairs)} pair(s) of {len(prints)} submission(s) at similarity >= {args.threshold:g}; "
          f"written to {out / 'similarity.csv'}")
    return 0


def _student_edition(args):
    from autograder.edition import write_edition

    try:
        files = write_edition(course_root(), args.out)
    except FileExistsError as err:
        raise GraderError(str(err)) from None
    print(f"student edition: {len(files)} files in {args.out}")
    return 0


COMMANDS = {"release": _release, "check": _check, "grade": _grade, "merge": _merge,
            "similarity": _similarity, "report": _report, "export": _export,
            "students": _students, "student-edition": _student_edition}
