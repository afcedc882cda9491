"""The GitHub Actions workflow that publishes the book parses and builds it with the README's command."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_pages_workflow_builds_with_the_readme_command_and_deploys():
    """Does .github/workflows/book.yml parse, run `make book` (the README's build command), upload
    _build/html and deploy it with GitHub's Pages actions?"""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    assert "make book" in (ROOT / "README.md").read_text()
    build, deploy = workflow["jobs"]["build"]["steps"], workflow["jobs"]["deploy"]["steps"]
    assert any(s.get("run") == "make book" for s in build)
    upload = next(s for s in build if str(s.get("uses", "")).startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert any(str(s.get("uses", "")).startswith("actions/deploy-pages") for s in deploy)
    assert workflow["permissions"]["pages"] == "write" and workflow["permissions"]["id-token"] == "write"
    cache = next(s for s in build if str(s.get("uses", "")).startswith("actions/cache"))
    assert cache["with"]["path"] == "_build/.jupyter_cache"
