"""Execute the book's notebooks once, in parallel, into the build's execution cache.

`python -m courselib.notebooks` runs every notebook of `_toc.yml` that the cache does not hold
yet, two at a time, exactly as the book build would (myst-nb's own executor: the notebook's
folder as working directory, the timeout of `_config.yml`), and stores each executed notebook
in `_build/.jupyter_cache`. `jupyter-book build` then finds every notebook there and executes
nothing itself, so a notebook runs once per build or test run, not once per tool. A notebook
that fails is named with its cell and traceback, and the command exits 1.

`execute(path, seed=s)` runs one notebook under COURSE_SEED=s (see `courselib.seeding`) and
reports every cell's error, which the claims benchmark uses. Defined for the book's build.
"""
import argparse
import json
import multiprocessing
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path("_build") / ".jupyter_cache"
REPORT = Path("_build") / "execution.json"
BUDGET_SECONDS = 60.0


@dataclass
class CellError:
    """An error raised by one code cell: where, what, and its traceback (ANSI colours removed)."""
    index: int           # position among all cells of the notebook
    source: str
    ename: str
    evalue: str
    traceback: str


@dataclass
class Execution:
    """The outcome of executing one notebook."""
    path: str            # relative to the root
    seconds: float       # wall time
    status: str          # "executed", "cached" (not run: the cache holds it) or "failed"
    errors: list = field(default_factory=list)   # CellError, in cell order
    asserting_cells: list = field(default_factory=list)   # indices of code cells holding an `assert`
    cpu_seconds: float = 0.0   # the kernel's CPU time: close to the wall time on a quiet machine, stable on a busy one

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def failure(self) -> str:
        """The first failing cell, for a person: notebook, cell number, its code and the traceback."""
        if not self.errors:
            return f"{self.path}: {self.status}"
        e = self.errors[0]
        return (f"{self.path}, cell {e.index}: {e.ename}: {e.evalue}\n--- cell source ---\n"
                f"{e.source}\n--- traceback ---\n{e.traceback}")


def book_notebooks(root: Path = ROOT) -> list:
    """The .ipynb files that `_toc.yml` lists, in the order of the table of contents."""
    import yaml
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node and (root / f"{node[key]}.ipynb").exists():
                    found.append(root / f"{node[key]}.ipynb")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(toc)
    return found


def book_timeout(root: Path = ROOT) -> int:
    """The per-cell timeout the book build uses (`execute.timeout` in `_config.yml`)."""
    import yaml
    return int(yaml.safe_load((root / "_config.yml").read_text())["execute"]["timeout"])


def asserting_cells(nb) -> list:
    """Indices of the code cells that make a claim: those whose code holds an `assert` statement,
    and an assignment's graded test cells (nbgrader `grade`), which fail through their checks."""
    import ast
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            found.append(i)
            continue
        try:
            tree = ast.parse(_without_magics(cell.source))
        except SyntaxError:
            continue
        if any(isinstance(node, ast.Assert) for node in ast.walk(tree)):
            found.append(i)
    return found


GLUE_ROLE = re.compile(r"\{glue(?::(text|md|any))?\}`([^`]+)`")
GLUE_DIRECTIVE = re.compile(r"^(?:```|:::)\{glue(?::\w+)?\}\s+(\S+)", re.M)


def glue_errors(nb) -> list:
    """A CellError for each glue reference in the markdown that the executed code did not provide,
    glued twice, or whose value cannot take its format (the book build would warn on each)."""
    from myst_nb.core.variables import format_plain_text
    glued, errors = {}, []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                if name in glued:
                    errors.append(CellError(i, cell.source, "GlueError", f"{name!r} glued twice", ""))
                prefix = out["metadata"]["scrapbook"].get("mime_prefix", "")
                glued[name] = {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in out["data"].items()}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        refs = [(kind or "any", text) for kind, text in GLUE_ROLE.findall(cell.source)]
        refs += [("any", key) for key in GLUE_DIRECTIVE.findall(cell.source)]
        for kind, text in refs:
            key, fmt = text.rsplit(":", 1) if kind == "text" and ":" in text else (text, "")
            if "::" in key:
                continue                                   # another notebook's value: Sphinx resolves it
            if key not in glued:
                errors.append(CellError(i, cell.source, "GlueError", f"no code cell glued {key!r}", ""))
                continue
            if kind == "text":
                try:
                    format_plain_text(glued[key].get("text/plain", ""), fmt)
                except Exception as err:
                    errors.append(CellError(i, cell.source, "GlueError", f"{key!r} cannot take format {fmt!r}: {err}", ""))
    return errors


def _without_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def cell_errors(nb) -> list:
    """Every error output in the executed notebook, as CellError, in cell order."""
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    errors = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                tb = ansi.sub("", "\n".join(out.get("traceback", [])))
                errors.append(CellError(i, cell.source, out.get("ename", ""), out.get("evalue", ""), tb))
    return errors


def execute(path: Path, seed=None, allow_errors=False, timeout=None, root: Path = ROOT):
    """Run one notebook as the build does; return (Execution, executed notebook).

    seed: run under COURSE_SEED=seed (None: as written). allow_errors: go on after a failing
    cell (so every claim is evaluated), else stop at the first error, as the build does.
    """
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    previous = os.environ.get("COURSE_SEED")
    os.environ.pop("COURSE_SEED", None) if seed is None else os.environ.__setitem__("COURSE_SEED", str(seed))
    cpu_before = _children_cpu()
    try:
        result = single_nb_execution(nb, cwd=str(path.parent), timeout=timeout or book_timeout(root),
                                     allow_errors=allow_errors, meta_override=True,
                                     # ipykernel 7 warns on every start that local TCP is unencrypted
                                     extra_arguments=["--IPKernelApp.log_level=ERROR"])
    finally:
        os.environ.pop("COURSE_SEED", None) if previous is None else os.environ.__setitem__("COURSE_SEED", previous)
    errors = cell_errors(nb)
    if result.err is not None and not errors:   # a timeout or a dead kernel: no error output
        errors = [CellError(-1, "", type(result.err).__name__, str(result.err)[:2000], result.exc_string or "")]
    if result.err is None:
        errors += glue_errors(nb)
    status = "failed" if (result.err is not None or errors) else "executed"
    run = Execution(_relative(path, root), round(result.time, 2), status, errors, asserting_cells(nb),
                    round(_children_cpu() - cpu_before, 2))
    return run, nb


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (the kernel, once it has been shut down)."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _execute_for_cache(args):
    """Worker: execute one notebook as written; return (Execution, notebook JSON or None)."""
    path, root = args
    import nbformat
    run, nb = execute(Path(path), root=Path(root))
    return run, (nbformat.writes(nb) if run.ok else None)


def fill_cache(root: Path = ROOT, jobs: int = 2, paths=None, log=print) -> list:
    """Execute every book notebook the cache lacks (`jobs` at a time) and cache it; return Executions.

    Writes `_build/execution.json` (one entry per notebook) for the tests and the README.
    """
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    root = Path(root)
    paths = [Path(p) for p in (paths or book_notebooks(root))]
    cache = get_cache(str(root / CACHE))
    todo, runs = [], {}
    for path in paths:
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
            runs[path] = Execution(_relative(path, root), 0.0, "cached")
        except KeyError:
            todo.append(path)
    todo.sort(key=lambda p: p.stat().st_size, reverse=True)       # long ones first
    log(f"{len(paths)} notebooks: {len(paths) - len(todo)} cached, executing {len(todo)} with {jobs} job(s)")
    start = time.monotonic()
    context = multiprocessing.get_context("spawn")                  # no zmq state shared with a fork
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        futures = [pool.submit(_execute_for_cache, (str(p), str(root))) for p in todo]
        for future in as_completed(futures):
            run, nb_json = future.result()
            path = root / run.path
            runs[path] = run
            if nb_json is not None:
                cache.cache_notebook_bundle(
                    CacheBundleIn(nbformat.reads(nb_json, as_version=4), str(path),
                                  data={"execution_seconds": run.seconds}),
                    check_validity=False, overwrite=True)
            log(f"{run.seconds:7.1f} s  {run.status:8s} {run.path}")
    ordered = [runs[p] for p in paths]
    _write_report(root, ordered, time.monotonic() - start, jobs)
    return ordered


def _write_report(root: Path, runs: list, wall: float, jobs: int) -> None:
    report = {"wall_seconds": round(wall, 1), "jobs": jobs,
              "notebooks": [{"path": r.path, "status": r.status, "seconds": r.seconds,
                             "error": r.failure() if not r.ok else None} for r in runs]}
    (root / REPORT).parent.mkdir(parents=True, exist_ok=True)
    (root / REPORT).write_text(json.dumps(report, indent=1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m courselib.notebooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    parser.add_argument("paths", nargs="*", help="notebooks (default: every notebook of _toc.yml)")
    args = parser.parse_args(argv)
    runs = fill_cache(ROOT, jobs=args.jobs, paths=[Path(p).resolve() for p in args.paths] or None)
    failed = [r for r in runs if not r.ok]
    slow = [r for r in runs if r.seconds > BUDGET_SECONDS]
    for r in slow:
        print(f"over the {BUDGET_SECONDS:.0f} s budget: {r.path} took {r.seconds:.1f} s", file=sys.stderr)
    for r in failed:
        print(f"\nFAILED {r.failure()}", file=sys.stderr)
    if failed:
        print(f"\n{len(failed)} notebook(s) failed to execute; the book was not built.", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
