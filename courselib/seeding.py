"""Seeding: one call makes a notebook's numbers repeat from run to run."""
import os
import random
import sys

import numpy as np


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's, NumPy's and (if installed) torch's generators; return a fresh numpy Generator.

    Also asks torch for deterministic kernels, so the same build prints the same numbers.
    Defined for chapter 5.1; every notebook's setup cell calls it.
    """
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
