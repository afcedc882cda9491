"""Execution time of every book and solution notebook, one at a time: `python -m benchmarks.notebooks`.

Each must stay under 60 s on 2 cores (the course's budget).
"""
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 60.0


def main():
    paths = sorted(ROOT.glob("book/**/*.ipynb")) + sorted(ROOT.glob("solutions/*/*.ipynb"))
    over = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.monotonic()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        seconds = time.monotonic() - start
        over += [path] if seconds > BUDGET else []
        print(f"{seconds:6.1f} s  {path.relative_to(ROOT)}", flush=True)
    print(f"{len(paths)} notebooks, {len(over)} over the {BUDGET:.0f} s budget")


if __name__ == "__main__":
    main()
