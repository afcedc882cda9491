"""Due dates and the late policy, as data in `nbgrader_config.py`; what a late submission loses.

    c.Deadlines.due = {"backprop": "2027-01-15 23:59:00 UTC"}   # any time nbgrader can parse
    c.Deadlines.late_policy = "per_day"     # "none" (default), "zero" or "per_day"
    c.Deadlines.percent_per_day = 10        # "per_day": this much of the score per started day late
    c.Deadlines.max_days_late = 5           # "per_day": later than this many days, the score is 0

The submission time comes from nbgrader's `timestamp.txt` beside the notebook (its submitted
layout, in a folder or a zip) or, for a learning platform's zip, from the archive entry's date
(a zip stores no time zone: it is read as UTC). A notebook with neither has no known time, and
no penalty is applied to it; the reports say so. The penalty is taken from the final score
(hand-given points included) when the reports are written, so a changed policy applies at the
next `report`.
"""
import math
from dataclasses import dataclass
from datetime import datetime, timezone

from autograder.course import GraderError, nbgrader_config

POLICIES = ("none", "zero", "per_day")


@dataclass(frozen=True)
class Deadline:
    """An assignment's due date (None: none set) and the late policy."""
    due: datetime = None
    policy: str = "none"
    percent_per_day: float = 10.0
    max_days_late: int = 5

    def days_late(self, submitted_at: str):
        """Started days after the due date (0: on time); None when the time or the due date is unknown."""
        if self.due is None or not submitted_at:
            return None
        seconds = (parse_time(submitted_at) - self.due).total_seconds()
        return 0 if seconds <= 0 else math.ceil(seconds / 86400)

    def penalty(self, score: float, submitted_at: str) -> float:
        """The points a submission of `score` loses for being late ($0 \\le$ penalty $\\le$ score)."""
        days = self.days_late(submitted_at)
        if not days or self.policy == "none":
            return 0.0
        if self.policy == "zero" or days > self.max_days_late:
            return score
        return min(score, score * self.percent_per_day * days / 100)


def parse_time(text) -> datetime:
    """A timestamp as nbgrader writes and reads them ("2026-12-01 23:50:00.123456 UTC", ISO 8601),
    as an aware UTC datetime; a time without a zone is UTC."""
    from nbgrader.utils import parse_utc

    try:
        value = parse_utc(text) if isinstance(text, str) else text
    except (ValueError, OverflowError) as err:
        raise ValueError(f"not a time: {text!r} ({err})") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def iso(value: datetime) -> str:
    """UTC, to the second, as the reports show it (a time without a zone, as nbgrader's gradebook
    keeps them, is UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def deadline_for(root, assignment: str) -> Deadline:
    """The Deadlines section of the course's nbgrader_config.py, for one assignment."""
    section = nbgrader_config(root).get("Deadlines", {})
    policy = section.get("late_policy", "none")
    if policy not in POLICIES:
        raise GraderError(f"nbgrader_config.py: c.Deadlines.late_policy is {policy!r}, not one of {', '.join(POLICIES)}")
    due = dict(section.get("due", {}) or {}).get(assignment)
    try:
        due = parse_time(due) if due else None
        percent, days = float(section.get("percent_per_day", 10)), int(section.get("max_days_late", 5))
    except (TypeError, ValueError) as err:
        raise GraderError(f"nbgrader_config.py: c.Deadlines for {assignment}: {err}") from None
    if not 0 <= percent <= 100 or days < 0:
        raise GraderError("nbgrader_config.py: c.Deadlines.percent_per_day must be in 0..100 and max_days_late >= 0")
    return Deadline(due, policy, percent, days)
