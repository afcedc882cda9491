"""nbgrader's configuration for this course: solutions/ is the source, assignments/ the release.

`python -m autograder` reads this too; instructors can also run plain `nbgrader` commands
(e.g. `nbgrader export`) from the repository's root; formgrader, for manual grading, is a Jupyter
server extension: run `jupyter lab` from the root.
"""
c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.db_url = "sqlite:///grading/gradebook.db"
c.CourseDirectory.course_id = "ai-researchers-roadmap"
# release only the notebooks: helper files never sit beside a solution notebook
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.py", "*.db"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.OverwriteCells.add_missing_cells = True
c.Execute.timeout = 120

# Due dates and the late policy (autograder/deadlines.py; read by `grade`, `report`, `export`):
# c.Deadlines.due = {"backprop": "2027-01-15 23:59:00 UTC"}
# c.Deadlines.late_policy = "per_day"     # "none" (the default), "zero" or "per_day"
# c.Deadlines.percent_per_day = 10        # of the score, per started day late
# c.Deadlines.max_days_late = 5           # later than this: 0
