"""Benchmark commands behind the README's Performance figures (not timed tests)."""
