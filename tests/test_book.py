"""The book builds with zero warnings, shows every chapter, and leaks nothing."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_leaks import leaks, secret_lines

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHAPTERS = ["foundations", "architectures", "nlp", "llms", "research", "frontiers"]


@pytest.fixture(scope="module")
def build():
    """Build the book once, as `make book` does (-W: any warning fails); return its log."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "-W",
                           "--keep-going"], capture_output=True, text=True, env=env, timeout=3000)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    return log


def test_build_has_no_warnings(build):
    """Does the build finish without a single Sphinx warning (kernels' own log lines aside)?"""
    warnings = [line for line in build.splitlines() if "WARNING:" in line]
    assert warnings == [], warnings[:10]


def test_index_shows_intro_and_every_chapter(build):
    """Does the landing page link the six chapters of roadmap 5.1 to 5.6?"""
    index = (HTML / "book" / "intro.html").read_text()
    for chapter in CHAPTERS:
        assert f"{chapter}/index.html" in index, chapter
        assert (HTML / "book" / chapter / "index.html").exists(), chapter
    assert (HTML / "index.html").exists()


def test_built_site_leaks_nothing(build):
    """Does the built site contain no solution code, hidden test, or solution notebook?"""
    assert leaks(HTML, secret_lines()) == []
    assert not list(HTML.rglob("solutions")), "solutions/ was copied into the site"
    assert not list(HTML.rglob("_sources")), "html_copy_source should be off"
