"""Cold and warm book builds: `python -m benchmarks.build` (the README's build figures)."""
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_build() -> float:
    start = time.monotonic()
    subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "-W", "--keep-going",
                    "-q"], check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def main():
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    cold = timed_build()
    warm = timed_build()
    print(f"cold book build: {cold:.0f} s; warm rebuild (execution cache): {warm:.0f} s")


if __name__ == "__main__":
    main()
