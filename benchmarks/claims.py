"""Do the asserted claims hold under other seeds? `python -m benchmarks.claims [--seeds 5] [NOTEBOOK ...]`

Re-executes every book notebook and every solution notebook as written (the seeds the book
shows) and under COURSE_SEED = 1..N (see `courselib.seeding`), going on after a failing cell,
and prints one row per
asserting cell (a code cell holding an `assert`): notebook, cell, passes out of runs, and the
first failure's message. Another seed stands in for another machine: both change the
trajectory of a training run. A claim stays asserted only if it passes under every seed.
Writes `_build/claims.json`; exits 1 if any claim failed under any seed.
"""
import argparse
import json
import multiprocessing
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from courselib.notebooks import BUDGET_SECONDS, ROOT, book_notebooks, execute

OUT = ROOT / "_build" / "claims.json"


def all_notebooks() -> list:
    return book_notebooks(ROOT) + sorted(ROOT.glob("solutions/*/*.ipynb"))


def _run(args):
    path, seed = args
    run, _ = execute(Path(path), seed=seed, allow_errors=True)
    return str(path), seed, run


def claims_table(runs_by_notebook: dict) -> list:
    """Rows (notebook, cell, passes, runs, first failure) for every asserting cell, and for any
    other cell that failed in some run (an exception or a cell timeout stops the claims after it)."""
    rows = []
    for path, runs in runs_by_notebook.items():
        cells = sorted({c for run in runs.values() for c in run.asserting_cells}
                       | {e.index for run in runs.values() for e in run.errors if e.index >= 0})
        for cell in cells:
            failures = [(seed, e) for seed, run in runs.items() for e in run.errors if e.index == cell]
            first = f"{_label(failures[0][0])}: {failures[0][1].ename}: {failures[0][1].evalue}"[:160] if failures else ""
            rows.append((path, cell, len(runs) - len(failures), len(runs), first))
        crashes = [(seed, e) for seed, run in runs.items() for e in run.errors if e.index < 0]
        if crashes:   # a timeout or a dead kernel: no cell to blame
            rows.append((path, -1, len(runs) - len(crashes), len(runs), f"{_label(crashes[0][0])}: {crashes[0][1].ename}"))
    return rows


def _label(seed) -> str:
    return "as written" if seed is None else f"seed {seed}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.claims", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="COURSE_SEED = 1..SEEDS (default 5)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    parser.add_argument("paths", nargs="*", help="notebooks (default: every book and solution notebook)")
    args = parser.parse_args(argv)
    paths = [Path(p).resolve() for p in args.paths] or all_notebooks()
    tasks = [(str(p), seed) for seed in [None, *range(1, args.seeds + 1)] for p in paths]
    runs = defaultdict(dict)
    start = time.monotonic()
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        for future in as_completed([pool.submit(_run, t) for t in tasks]):
            path, seed, run = future.result()
            runs[run.path][seed] = run
            print(f"  {_label(seed):9s} {run.seconds:6.1f} s (kernel CPU {run.cpu_seconds:5.1f} s)  "
                  f"{'ok    ' if run.ok else 'FAILED'}  {run.path}", flush=True)
    runs = {r: runs[r] for r in sorted(runs)}
    rows = claims_table(runs)
    print(f"\n{'notebook':44s} {'cell':>4s}  passes")
    for path, cell, passes, total, first in rows:
        print(f"{path:44s} {cell:4d}  {passes}/{total}  {first}")
    slowest = max(((max(r.seconds for r in rs.values()), p) for p, rs in runs.items()), default=(0, ""))
    glue = [f"{p}: {e.evalue}" for p, rs in runs.items() for r in rs.values() for e in r.errors if e.ename == "GlueError"]
    for line in sorted(set(glue)):
        print(f"glue: {line}")
    failing = [r for r in rows if r[2] < r[3]]
    summary = (f"{len(rows)} asserting cells in {len(runs)} notebooks, each run as written and under "
               f"{args.seeds} other seeds: "
               f"{len(rows) - len(failing)} pass under every seed, {len(failing)} do not. "
               f"Slowest notebook: {slowest[1]} ({slowest[0]:.1f} s, budget {BUDGET_SECONDS:.0f} s). "
               f"Wall {time.monotonic() - start:.0f} s with {args.jobs} jobs.")
    print(summary)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"seeds": args.seeds, "summary": summary,
                               "rows": [dict(zip(["notebook", "cell", "passes", "runs", "first_failure"], r))
                                        for r in rows],
                               "seconds": {p: {_label(s): r.seconds for s, r in rs.items()} for p, rs in runs.items()}},
                              indent=1))
    return 1 if failing or glue else 0


if __name__ == "__main__":
    sys.exit(main())
