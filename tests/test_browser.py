"""The built book, opened as a reader opens it: a real Chromium (Debian's, driven by Playwright),
offline, on the site served from 127.0.0.1.

Every page of the table of contents loads with no console error and no failed or outside
request; equations are typeset by the bundled MathJax (no raw LaTeX left); search finds a
chapter's term; internal links and anchors resolve; each notebook page's download button
delivers its .ipynb; axe-core finds no serious or critical accessibility violation on one page
of each layout. Screenshots of three pages go to _build/screenshots/ for a person to look at.
Skips, saying why, where no Chromium is installed (CI installs it).
"""
import functools
import html.parser
import http.server
import json
import shutil
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from courselib.notebooks import book_notebooks

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# the probe's flags: no first-run work, and no background connections a closed network refuses
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (Debian: apt-get install chromium)")


def toc_pages() -> list:
    """Site paths of every page in _toc.yml (notebooks and markdown), in order."""
    import yaml
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            files.extend([node["file"]] if "file" in node else [])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(toc["parts"])
    return [f"{f}.html" for f in files]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(book_build):
    """The built site served on 127.0.0.1 (a free port); yields its base URL."""
    if book_build["failed"] or not (HTML / "index.html").exists():
        pytest.fail(f"the book did not build: {book_build['failed']}")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


def open_page(browser, url):
    """A page at `url` that records console errors, failed requests and every request that would
    leave 127.0.0.1 (aborted: the book must not need them). Returns (page, problems)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on("requestfailed", lambda req: problems.append(f"failed request: {req.url} ({req.failure})"))

    def route(r):
        if urllib.parse.urlparse(r.request.url).hostname in ("127.0.0.1", None):
            return r.continue_()
        problems.append(f"outside request: {r.request.url}")
        return r.abort()
    page.route("**/*", route)
    page.goto(url, wait_until="networkidle")
    return page, problems


def test_every_page_loads_offline_without_errors(site, browser):
    """Does every page of the toc load with no console error, no failed or outside request, and no
code line running past the page's edge?"""
    pages, report = toc_pages(), {}
    for path in pages:
        page, problems = open_page(browser, site + path)
        cut = page.evaluate("() => [...document.querySelectorAll('main pre')]"
                            ".filter(p => p.scrollWidth > p.clientWidth + 1).length")
        problems += [f"{cut} code block(s) wider than the page"] if cut else []
        if problems:
            report[path] = problems
        page.context.close()
    assert not report, json.dumps(report, indent=1)[:4000]
    print(f"{len(pages)} pages loaded")


def test_math_is_typeset_by_the_bundled_mathjax(site, browser):
    """On pages with equations, does MathJax (served from the site itself) typeset them, leaving
    no raw \\( or $$ in the visible text?"""
    for path in ["book/architectures/backprop.html", "book/nlp/pretraining.html"]:
        page, problems = open_page(browser, site + path)
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30000)
        page.evaluate("() => MathJax.startup.promise")
        typeset = page.locator("mjx-container").count()
        text = page.inner_text("main")
        assert typeset > 10, (path, typeset)
        assert "\\(" not in text and "$$" not in text and "\\begin{" not in text, (path, text[:500])
        assert not problems, problems
        page.context.close()


def test_search_finds_a_chapter_term(site, browser):
    """Does the site's search, run in the browser, list the page a distinctive term comes from?"""
    page, problems = open_page(browser, site + "search.html?q=reparameterisation")
    page.wait_for_selector("#search-results li", timeout=30000)
    hits = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
    assert any("architectures/vaes" in h for h in hits), hits
    assert not problems, problems
    page.context.close()


class _Links(html.parser.HTMLParser):
    """The hrefs and element ids of one HTML page."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


@functools.lru_cache(maxsize=None)
def _parsed(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def test_internal_links_and_anchors_resolve(book_build):
    """Does every link between the site's pages reach a file, and every #anchor an element id?"""
    if book_build["failed"]:
        pytest.fail("the book did not build")
    broken, checked = [], 0
    for page in sorted(HTML.rglob("*.html")):
        if "_static" in page.parts:
            continue
        for href in _parsed(page).hrefs:
            url = urllib.parse.urlparse(href)
            if url.scheme or url.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            target = (page.parent / urllib.parse.unquote(url.path)).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.exists():
                broken.append(f"{page.relative_to(HTML)} -> {href}")
            elif url.fragment and target.suffix == ".html" and url.fragment not in _parsed(target).ids:
                broken.append(f"{page.relative_to(HTML)} -> {href} (no such anchor)")
    assert checked > 100 and not broken, broken[:20]
    print(f"{checked} internal links checked")


def test_download_buttons_deliver_the_notebooks(site, browser):
    """Does each notebook page's download button give that notebook's .ipynb?"""
    for notebook in book_notebooks(ROOT):
        path = str(notebook.relative_to(ROOT).with_suffix(".html"))
        page, _ = open_page(browser, site + path)
        href = page.get_attribute(".btn-download-source-button", "href")
        url = urllib.parse.urljoin(site + path, href)
        with urllib.request.urlopen(url) as reply:
            nb = json.loads(reply.read())
        assert url.endswith(notebook.name) and nb["nbformat"] == 4 and nb["cells"], url
        page.context.close()


def test_no_serious_accessibility_violation(site, browser):
    """Does axe-core find no serious or critical violation on a page of each layout (front page,
    a notebook section, a chapter index, the bibliography, search)?"""
    from axe_playwright_python.sync_playwright import Axe
    found = {}
    for path in ["book/intro.html", "book/architectures/attention.html", "book/nlp/index.html",
                 "book/bibliography.html", "search.html"]:
        page, _ = open_page(browser, site + path)
        violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        if violations:
            found[path] = [f"{v['id']} ({v['impact']}): {v['help']}, {len(v['nodes'])} node(s)" for v in violations]
        page.context.close()
    assert not found, json.dumps(found, indent=1)


def test_screenshots_for_a_person(site, browser):
    """Write screenshots of three pages (with math) under _build/screenshots/ for review."""
    out = ROOT / "_build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for path in ["book/intro.html", "book/architectures/backprop.html", "book/nlp/pretraining.html"]:
        page, _ = open_page(browser, site + path)
        page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
        target = out / (path.replace("/", "_").replace(".html", ".png"))
        page.screenshot(path=str(target), full_page=False)
        assert target.stat().st_size > 10_000
        page.context.close()
