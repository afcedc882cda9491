"""Execution time of every book and solution notebook, one at a time: `python -m benchmarks.notebooks [NOTEBOOK ...]`.

Each must stay under 60 s on 2 cores (the course's budget). Prints the wall time and the
kernel's CPU time (the stabler figure on a busy machine).
"""
import sys
from pathlib import Path

from courselib.notebooks import BUDGET_SECONDS, ROOT, book_notebooks, execute


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    paths = [Path(p).resolve() for p in args] or book_notebooks(ROOT) + sorted(ROOT.glob("solutions/*/*.ipynb"))
    over = []
    for path in paths:
        run, _ = execute(path)
        over += [run.path] if run.seconds > BUDGET_SECONDS else []
        print(f"{run.seconds:6.1f} s (kernel CPU {run.cpu_seconds:5.1f} s)  {run.status:8s} {run.path}", flush=True)
    print(f"{len(paths)} notebooks, {len(over)} over the {BUDGET_SECONDS:.0f} s budget")


if __name__ == "__main__":
    main()
