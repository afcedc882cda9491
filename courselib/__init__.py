"""Helpers shared by the book's chapters and the assignments: seeding, toy data, plots, checks.

Small on purpose: a chapter's own code lives in the chapter. Nothing here answers an
assignment (tests/test_courselib_names.py checks no name here equals a graded one).
Modules: seeding, glue (numbers from the code into the prose), data, corpus, gradcheck, mlp,
gpt (the small language model chapter 5.4 trains; imports torch), plotting (imported on
demand: it loads matplotlib).
"""
from courselib.glue import glue
from courselib.gradcheck import directional_gradcheck, relative_error
from courselib.seeding import seed_everything, seed_for

__all__ = ["seed_everything", "seed_for", "glue", "directional_gradcheck", "relative_error"]
