"""Start a kernel under resource limits: `python -m autograder.limits LIMITS_JSON -- CMD ...`.

Sets RLIMIT_AS (memory), RLIMIT_CPU (CPU seconds), RLIMIT_FSIZE (largest file written),
RLIMIT_NPROC (processes and threads of the user: set only in the sandbox, where the user is
an unprivileged id of its own, since Linux exempts root) and RLIMIT_CORE (no core dumps), then replaces itself
with CMD. Limits are inherited by
everything the student's code starts. Measured: torch 2.13 (CPU) reserves ~640 MB of
address space after import, so an address-space limit of a few GB leaves room to work.
"""
import json
import os
import resource
import sys

MB = 2**20


def apply(limits: dict) -> None:
    """Apply the limits named in `limits` (missing or None: left as they are)."""
    table = {"memory_mb": (resource.RLIMIT_AS, MB), "cpu_seconds": (resource.RLIMIT_CPU, 1),
             "file_size_mb": (resource.RLIMIT_FSIZE, MB), "processes": (resource.RLIMIT_NPROC, 1)}
    for key, (which, unit) in table.items():
        if limits.get(key):
            value = int(limits[key] * unit)
            resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv) -> None:
    limits, sep, *cmd = argv
    if sep != "--" or not cmd:
        raise SystemExit("usage: python -m autograder.limits LIMITS_JSON -- CMD ...")
    apply(json.loads(limits))
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
