"""The book's own touches to the HTML that Jupyter Book writes (a Sphinx extension).

- No Thebe: the book offers no live code (no Binder), yet sphinx-thebe puts its loader and an
  inline script naming unpkg.com on every page, twice (a console error on each page) and a
  reference to a server the offline book must not need. Both scripts are dropped.
- Accessibility, found by axe-core in tests/test_browser.py: the theme's sidebar toggles are
  `<summary>` elements with an icon and no text (they get an accessible name), and docutils marks
  the bibliography `role="list"` although its entries are not list items (the role is dropped).
- A first visit (nothing in localStorage) made the theme log "Got invalid theme mode" on every
  page: its inline script falls back to "" where its own default is "auto".
"""
import re
from pathlib import Path

THEME_TOGGLE = re.compile(r'<summary>(\s*<span class="toctree-toggle")')
CITATION_LIST = re.compile(r'<div role="list" class="citation-list">')
EMPTY_MODE = 'localStorage.getItem("mode") || ""'



def drop_thebe(app, pagename, templatename, context, doctree):
    """Remove sphinx-thebe's scripts from the page's script list."""
    scripts = context.get("script_files", [])
    context["script_files"] = [s for s in scripts if "sphinx-thebe" not in str(getattr(s, "filename", s) or "")
                               and "THEBE_JS_URL" not in str(getattr(s, "attributes", {}).get("body", ""))]


def fix_html(app, exception):
    """Give the sidebar toggles a name, the bibliography no false list role and the theme mode its
    default, in every page."""
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = THEME_TOGGLE.sub(r'<summary aria-label="Show or hide the sections">\1', text)
        fixed = CITATION_LIST.sub('<div class="citation-list">', fixed)
        fixed = fixed.replace(EMPTY_MODE, 'localStorage.getItem("mode") || "auto"')
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def setup(app):
    app.connect("html-page-context", drop_thebe)
    app.connect("build-finished", fix_html)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
