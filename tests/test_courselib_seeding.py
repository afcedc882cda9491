"""Tests for courselib/seeding.py: does one call make every generator repeat?"""
import random

import numpy as np
import pytest
import torch

from courselib import seed_everything


@pytest.fixture(autouse=True)
def restore_global_state(monkeypatch):
    """seed_everything changes process-wide settings; put them back for the other tests."""
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)   # monkeypatch restores the old value
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    yield
    # the flag alone: torch.use_deterministic_algorithms would import torch._inductor (~2 s)
    torch._C._set_deterministic_algorithms(deterministic, warn_only=warn_only)


def draw_everything(rng):
    """One number from each generator the course uses."""
    return (random.random(), float(np.random.rand()), float(torch.rand(())),
            float(rng.normal()))


def test_same_seed_same_numbers():
    """Do Python, NumPy (global and returned Generator) and torch repeat after re-seeding?"""
    first = draw_everything(seed_everything(7))
    second = draw_everything(seed_everything(7))
    assert first == second


def test_different_seed_different_numbers():
    """Does every generator change with the seed (so the seed is really used)?"""
    first = draw_everything(seed_everything(1))
    second = draw_everything(seed_everything(2))
    assert all(a != b for a, b in zip(first, second))


def test_returns_generator_and_sets_deterministic_torch():
    """Does it return a numpy Generator and turn on torch's deterministic kernels, warn-only?"""
    torch._C._set_deterministic_algorithms(False, warn_only=False)
    rng = seed_everything(0)
    assert isinstance(rng, np.random.Generator)
    assert torch.are_deterministic_algorithms_enabled()
    # warn-only: an op without a deterministic kernel warns instead of crashing a notebook
    assert torch.is_deterministic_algorithms_warn_only_enabled()


def test_torch_module_init_repeats():
    """Does a torch layer get the same initial weights after re-seeding (what notebooks rely on)?"""
    seed_everything(3)
    w1 = torch.nn.Linear(4, 3).weight.detach().clone()
    seed_everything(3)
    w2 = torch.nn.Linear(4, 3).weight.detach().clone()
    assert torch.equal(w1, w2)


def test_override_changes_every_seed_and_repeats(monkeypatch):
    """Does COURSE_SEED change the numbers of every seed (so one variable reruns a notebook on
    other draws), the same way each time, while the streams stay distinct?"""
    from courselib import seed_for
    monkeypatch.delenv("COURSE_SEED", raising=False)
    as_written = draw_everything(seed_everything(0))
    assert seed_for(0) == 0 and seed_for(3) == 3
    monkeypatch.setenv("COURSE_SEED", "1")
    first = draw_everything(seed_everything(0))
    assert first == draw_everything(seed_everything(0))
    assert all(a != b for a, b in zip(first, as_written))
    assert len({seed_for(k) for k in range(100)}) == 100 and seed_for(0) != 0
    monkeypatch.setenv("COURSE_SEED", "2")
    assert all(a != b for a, b in zip(draw_everything(seed_everything(0)), first))


def test_override_must_be_an_integer(monkeypatch):
    """Does a malformed COURSE_SEED stop with a message naming the variable, not run on silently?"""
    from courselib import seed_for
    monkeypatch.setenv("COURSE_SEED", "one")
    with pytest.raises(ValueError, match="COURSE_SEED must be an integer"):
        seed_for(0)
