"""A progress line with an ETA on stderr (nbgrader #1456): redrawn on a terminal, logged otherwise."""
import sys
import time


class Progress:
    """`step(note)` after each item; prints done/total, percent, elapsed and estimated time left."""

    def __init__(self, total: int, stream=None):
        self.total, self.done, self.start = total, 0, time.monotonic()
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def step(self, note: str = "") -> None:
        self.done += 1
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.done * (self.total - self.done)
        line = (f"[{self.done}/{self.total}] {100 * self.done // max(self.total, 1)}% "
                f"elapsed {_clock(elapsed)} eta {_clock(eta)}  {note}")
        self.stream.write(("\r\x1b[K" + line) if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.done:
            self.stream.write("\n")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"
