"""`student-edition OUT`: the repository students get, with nothing in it that is secret.

It holds what a student reads and runs: the book's sources, the released assignments, the two
packages (`courselib` for the notebooks, `autograder` for `check`), the pinned requirements,
a README and a Makefile written for students, and a CI workflow that runs
`python -m autograder check` on every assignment notebook they have changed (the GitHub
Classroom pattern). Never `solutions/`, `tests/`, the gradebook, grading outputs, the course's
own CI or benchmarks: the edition is built from an explicit list of what goes in, not by
deleting what must not.
"""
import hashlib
import shutil
from pathlib import Path

INCLUDED = ["book", "assignments", "courselib", "autograder", "requirements.txt", "pyproject.toml",
            "_config.yml", "_toc.yml"]
SKIPPED_NAMES = {"__pycache__", ".ipynb_checkpoints", "_build", ".DS_Store"}
SKIPPED_SUFFIXES = {".pyc", ".db"}
RELEASED = ".github/released.sha256"

README = """# {title}: student edition

The course's book and its assignments, ready to work on. Everything runs offline on a laptop CPU.

```bash
make install                         # once: .venv with the pinned packages (CPU-only PyTorch)
.venv/bin/jupyter lab                # read the book's notebooks (book/) or work on an assignment
make check NOTEBOOK=assignments/backprop/backprop.ipynb    # self-check one assignment
make book                            # build the book's website in _build/html (optional)
```

**Assignments** are in `assignments/<name>/<name>.ipynb`: {assignments}. Each one explains a
method and asks you to implement it. Write your code in place of each
`raise NotImplementedError()` and your answers in place of `YOUR ANSWER HERE`; leave the other
cells as they are (read-only cells are restored at grading).

**`check`** runs a copy of your notebook in a fresh kernel (your file is never modified) and
prints one line per graded task: `PASS`, `FAIL`, `ERROR` or `MANUAL` (graded by hand), with the
points of the visible tests and, for a failure, what the mistake probably is. It exits 0 only
when every automatically graded task passes. Hidden tests (random shapes and seeds, checked
against independent references) run when your notebook is graded, so passing `check` is
necessary, not sufficient.

**Handing in**: the one notebook, `<name>.ipynb`. If this repository is your GitHub
Classroom copy, every push runs `check` on each assignment notebook you changed
(`.github/workflows/check.yml`); the result is in the Actions tab.
"""

MAKEFILE = """# Student edition: `make install`, `make check NOTEBOOK=...`, `make book`.
PYTHON ?= python3
BIN := $(abspath .venv)/bin
export PATH := $(BIN):$(PATH)

.PHONY: install check book

.venv/.installed: requirements.txt pyproject.toml
\ttest -x $(BIN)/python || $(PYTHON) -m venv .venv
\t$(BIN)/python -m pip install --quiet --upgrade pip
\t$(BIN)/python -m pip install --quiet -r requirements.txt
\ttouch $@

install: .venv/.installed

check: install
\t$(BIN)/python -m autograder check $(NOTEBOOK)

book: install
\t$(BIN)/python -m courselib.notebooks
\t$(BIN)/jupyter-book build . -W --keep-going
"""

WORKFLOW = """# Runs the visible tests of every assignment notebook that differs from its release.
name: check
on: [push, workflow_dispatch]
jobs:
  check:
    runs-on: ubuntu-latest
    env:
      # the CPU build of torch (==2.13.0 also matches 2.13.0+cpu): no multi-GB CUDA download
      PIP_EXTRA_INDEX_URL: https://download.pytorch.org/whl/cpu
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: make install
      - name: check the changed assignment notebooks
        run: |
          status=0
          for notebook in assignments/*/*.ipynb; do
            if grep -q "$(sha256sum "$notebook" | cut -d' ' -f1)" .github/released.sha256; then
              echo "unchanged since release: $notebook"
            else
              .venv/bin/python -m autograder check "$notebook" || status=1
            fi
          done
          exit $status
"""


def _copy(source: Path, dest: Path) -> None:
    if source.is_dir():
        for child in sorted(source.iterdir()):
            if child.name not in SKIPPED_NAMES and child.suffix not in SKIPPED_SUFFIXES:
                _copy(child, dest / child.name)
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)


def write_edition(root: Path, out: Path, title="AI Researcher's Roadmap") -> list:
    """Write the student edition of the course at `root` into `out` (which must not exist or be
    empty); return its files, relative to `out`, sorted."""
    root, out = Path(root), Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty: choose a new folder")
    for name in INCLUDED:
        _copy(root / name, out / name)
    notebooks = sorted((out / "assignments").glob("*/*.ipynb"))
    names = ", ".join(f"`{p.stem}`" for p in notebooks)
    (out / "README.md").write_text(README.format(title=title, assignments=names))
    (out / "Makefile").write_text(MAKEFILE)
    (out / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    (out / ".github" / "workflows" / "check.yml").write_text(WORKFLOW)
    (out / RELEASED).write_text("".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(out)}\n"
                                        for p in notebooks))
    (out / ".gitignore").write_text(".venv/\n_build/\n__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\n")
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
