"""Seeding: one call makes a notebook's numbers repeat from run to run, and one variable changes them.

A notebook names its seeds (`seed_everything(0)`, `seed_for(3)` for a second stream). With
the environment variable COURSE_SEED unset, a seed is used as written, so the book shows the
same numbers on every build. With COURSE_SEED=s, every seed k becomes a fresh seed mixed from
(s, k): the whole notebook runs on other random draws without editing it. The claims
benchmark (`python -m benchmarks.claims`) uses this to check that each asserted claim holds
under other seeds, which stand in for other machines (a different CPU also changes a
training trajectory, through the last bit of its floating-point kernels).
"""
import os
import random
import sys

import numpy as np

OVERRIDE = "COURSE_SEED"


def seed_override() -> int | None:
    """The value of $COURSE_SEED as an int, or None when it is unset or empty."""
    value = os.environ.get(OVERRIDE, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{OVERRIDE} must be an integer, got {value!r}") from None


def seed_for(seed: int) -> int:
    """The seed to use for the stream a notebook calls `seed`: itself, or mixed with $COURSE_SEED.

    Mixing goes through numpy's SeedSequence, so streams 0, 1, 2, ... stay independent of each
    other under every override, and different overrides give unrelated draws.
    """
    override = seed_override()
    if override is None:
        return int(seed)
    return int(np.random.SeedSequence([override, int(seed)]).generate_state(1, np.uint32)[0] >> 1)


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's, NumPy's and (if installed) torch's generators; return a fresh numpy Generator.

    The seed used is `seed_for(seed)`: `seed` itself unless $COURSE_SEED is set. Also asks
    torch for deterministic kernels, so the same build prints the same numbers.
    Defined for chapter 5.1; every notebook's setup cell calls it.
    """
    seed = seed_for(seed)
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    try:
        import torch
    except ImportError:
        return np.random.default_rng(seed)
    torch.manual_seed(seed)
    _use_deterministic_kernels(torch)
    return np.random.default_rng(seed)


def _use_deterministic_kernels(torch) -> None:
    """torch.use_deterministic_algorithms(True, warn_only=True), minus its import of torch._inductor.

    The public call imports the compiler (~2 s of CPU, as long again as `import torch`) only
    to set torch.compile's own flag; the course does not compile, so when the compiler is not
    loaded yet we set the kernel flag alone. Same effect on eager ops.
    """
    set_flag = getattr(torch._C, "_set_deterministic_algorithms", None)
    if set_flag is None or "torch._inductor.config" in sys.modules:
        torch.use_deterministic_algorithms(True, warn_only=True)
    else:
        set_flag(True, warn_only=True)
