# ruff: noqa: E501  (real log lines and API payloads are kept whole)
"""The deprecated-action fixer with versions looked up through the GitHub port (responses), not the table."""

from __future__ import annotations

from pathlib import Path

import responses
from fixer_corpus import TS, checkout

from cicd_agent.action_versions import FALLBACK_DATE, CachedVersions, GitHubActionVersions
from cicd_agent.analysis import analyze
from cicd_agent.fixers import FIXERS, CannotFix, FixContext, FixPlan
from cicd_agent.github import GitHubClient

API = "https://api.github.com:443"
NEW = "c" * 40
WORKFLOW = """on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/deploy-action@5f2c1b8a0e3d4c6b7a8f9e0d1c2b3a4f5e6d7c8b # v1.2.0
      - uses: actions/checkout@v3
"""


def _context(root: Path, log: str, versions: CachedVersions) -> FixContext:
    return FixContext(root, analyze(f"{TS}{log}\n"), trusted=True, log=log, versions=versions)


@responses.activate
def test_the_version_comes_from_the_actions_own_repository(tmp_path: Path) -> None:
    responses.get(
        f"{API}/repos/acme/deploy-action",
        json={"full_name": "acme/deploy-action", "url": "https://api.github.com/repos/acme/deploy-action"},
    )
    responses.get(f"{API}/repos/acme/deploy-action/releases/latest", json={"tag_name": "v3.0.1", "id": 7})
    for tag in ("v3.0.1", "v3"):
        responses.get(
            f"{API}/repos/acme/deploy-action/git/ref/tags/{tag}",
            json={"ref": f"refs/tags/{tag}", "object": {"sha": NEW, "type": "commit", "url": "x"}},
        )
    root = checkout(tmp_path / "repo", {".github/workflows/ci.yml": WORKFLOW})
    versions = CachedVersions(GitHubActionVersions(GitHubClient("https://api.github.com", None, retries=0)))
    log = "##[warning]Node.js 16 actions are deprecated. Please update the following actions to use Node.js 20: acme/deploy-action@5f2c1b8a0e3d4c6b7a8f9e0d1c2b3a4f5e6d7c8b. For more information see: https://x/."
    plan = FIXERS["deprecated-action"](_context(root, log, versions))
    assert isinstance(plan, FixPlan), plan
    assert plan.changes[0].after == WORKFLOW.replace(
        "acme/deploy-action@5f2c1b8a0e3d4c6b7a8f9e0d1c2b3a4f5e6d7c8b # v1.2.0", f"acme/deploy-action@{NEW} # v3.0.1"
    )
    assert "latest release from the GitHub API" in plan.rationale and "actions/checkout@v3" in plan.changes[0].after


@responses.activate
def test_when_the_api_cannot_answer_the_table_says_its_date(tmp_path: Path) -> None:
    responses.get(f"{API}/repos/actions/checkout", status=503)
    root = checkout(tmp_path / "repo", {".github/workflows/ci.yml": WORKFLOW})
    versions = CachedVersions(GitHubActionVersions(GitHubClient("https://api.github.com", None, retries=0)))
    log = "##[warning]Node.js 16 actions are deprecated. Please update the following actions to use Node.js 20: actions/checkout@v3. For more information see: https://x/."
    plan = FIXERS["deprecated-action"](_context(root, log, versions))
    assert isinstance(plan, FixPlan) and "actions/checkout@v7" in (plan.changes[0].after or "")
    assert f"latest release from the table of {FALLBACK_DATE}" in plan.rationale
    unknown = FIXERS["deprecated-action"](
        _context(root, log.replace("actions/checkout@v3", "acme/deploy-action@v1"), versions)
    )
    assert isinstance(unknown, CannotFix)
