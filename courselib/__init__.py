"""Helpers shared by the book's chapters and the assignments: seeding, toy data, plots, checks.

Small on purpose: a chapter's own code lives in the chapter. Nothing here answers an
assignment (tests/test_courselib_names.py checks no name here equals a graded one).
Modules: seeding, data, corpus, gradcheck, plotting (imported on demand: it loads matplotlib).
"""
from courselib.gradcheck import directional_gradcheck, relative_error
from courselib.seeding import seed_everything

__all__ = ["seed_everything", "directional_gradcheck", "relative_error"]
