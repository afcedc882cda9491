"""Test cells run here, in the grader's process, never in the student's kernel.

The plan (`plan`) says which cells of a prepared submission the grader runs itself, and with
which source: always the instructor's source from the gradebook, never the submission's text.
- "setup" cells are locked instructor cells whose first line is `TRUSTED_MARK`: they run in the
  student's kernel as usual *and* here (imports, data, helpers, and `student = student_handle(...)`).
- "test" cells (nbgrader graded code cells) run only here. Their code reaches the student's
  objects through `autograder.handle.RemoteHandle`, which talks to `handle.serve` running in
  the sandboxed kernel over a Unix socket. Only data crosses.

An assignment whose setup never creates a handle is graded the old way (tests inside the
kernel): `plan` returns None for it, and the verdict says so.
"""
import contextlib
import io
import socket
import threading
import time

import nbformat

from autograder import handle, seeding
from autograder.course import grade_id as _grade_id

TRUSTED_MARK = "# trusted: the grader runs this cell too"
SERVE = "__import__('autograder.handle').handle.serve(globals(), {path!r})"


def plan(nb, spec):
    """{cell index: (kind, source)} for the cells the grader runs, or None for an old-style assignment."""
    by_id = {c.grade_id: c for c in spec.cells}
    steps = {}
    for index, cell in enumerate(nb.cells):
        ref = by_id.get(_grade_id(cell))
        if ref is None or ref.cell_type != "code" or cell.cell_type != "code" or ref.solution:
            continue
        if ref.graded:
            steps[index] = ("test", ref.source)
        elif ref.locked and ref.source.lstrip().startswith(TRUSTED_MARK):
            steps[index] = ("setup", ref.source)
    uses_handle = any(k == "setup" and "student_handle(" in s for k, s in steps.values())
    return steps if uses_handle else None


def submitted_code(nb):
    """The submission's code cells but the tests, as one text (for static checks: `student.uses`)."""
    from autograder.source import CELL_SEPARATOR
    return CELL_SEPARATOR.join(c.source for c in nb.cells if c.cell_type == "code"
                                  and not c.metadata.get("nbgrader", {}).get("grade", False))


class TrustedSession:
    """The grader's namespace for one submission and its handle to the student's kernel."""

    def __init__(self, code, socket_path, timeout, seed=None):
        self.remote = handle.RemoteHandle(timeout=timeout)
        self.remote.attach_source(code)
        self.namespace = {"__name__": "__grader__"}
        self.timeout = timeout
        self.seed = seed            # seeding.submission_seed: None leaves the tests' draws fresh
        self.path = socket_path
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(socket_path)
        self.listener.listen(1)
        self.listener.settimeout(0.2)

    def run_setup(self, source, grade_id=""):
        """Run an instructor setup cell here; returns outputs (the cell is also run in the kernel)."""
        return self._exec(source, grade_id)

    def start_test(self, source, grade_id=""):
        """Start running a test cell in a thread; the kernel must then run `SERVE` to answer it.

        Returns (thread, box): box gets "conn" once the kernel connects and "outputs" at the
        end; setting box["cancel"] (an Event) stops a thread still waiting for the kernel."""
        box = {"cancel": threading.Event()}
        thread = threading.Thread(target=self._test_thread, args=(source, grade_id, box), daemon=True)
        thread.start()
        return thread, box

    def _accept(self, cancel):
        deadline = time.monotonic() + self.timeout
        while not cancel.is_set() and time.monotonic() < deadline:
            try:
                return self.listener.accept()[0]
            except socket.timeout:
                continue
        return None

    def _test_thread(self, source, grade_id, box):
        conn = self._accept(box["cancel"])
        if conn is None:
            box["outputs"] = [_error("StudentError", "the student's kernel did not connect to the grader")]
            return
        box["conn"] = conn
        self.remote.attach(conn)
        try:
            box["outputs"] = self._exec(source, grade_id)
            with contextlib.suppress(OSError):
                handle.send(conn, {"op": "done"})
        finally:
            conn.close()

    def _exec(self, source, grade_id=""):
        """Execute instructor code in the grader's namespace; prints and the failure become outputs."""
        out = io.StringIO()
        previous, handle._remote = handle._remote, self.remote
        error = None
        if self.seed is not None:
            seeding.begin_cell(self.seed, grade_id)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                exec(compile(source, "<test>", "exec"), self.namespace)
        except BaseException as err:  # the verdict of the cell, recorded as nbgrader records it
            error = _error(type(err).__name__, str(err))
        finally:
            handle._remote = previous
            seeding.end_cell()
        outputs = [nbformat.v4.new_output("stream", name="stdout", text=out.getvalue())] if out.getvalue() else []
        return outputs + ([error] if error else [])

    def close(self):
        with contextlib.suppress(OSError):
            self.listener.close()


def _error(ename, evalue):
    """An error output with no traceback: the hidden tests' source never reaches feedback."""
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])
