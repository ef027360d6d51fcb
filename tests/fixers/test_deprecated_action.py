# ruff: noqa: E501  (real log lines and API payloads are kept whole)
"""The deprecated-action fixer with versions looked up through the GitHub port (responses), not the table."""

from __future__ import annotations

from pathlib import Path

import responses
from fixer_corpus import TS, checkout

from cicd_agent.analysis import analyze
from cicd_agent.fixers import FIXERS, CannotFix, FixContext, FixPlan
from cicd_agent.fixers.action_versions import FALLBACK_DATE, CachedVersions, GitHubActionVersions
from cicd_agent.github.client import GitHubClient
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.action_repos import install_action_repos

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


def test_versions_looked_up_in_the_sandboxs_action_repositories(tmp_path: Path, sandbox: Sandbox) -> None:
    """The sandbox hosts the actions' repositories with their real tag lists: the look-up runs offline."""
    install_action_repos(sandbox, ["actions/upload-artifact", "actions/download-artifact"])
    github = GitHubClient(sandbox.base_url, sandbox.token, retries=0)
    workflow = (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/upload-artifact@a8a3f3ad30e3422c9c7b888a15615d19a852ae32 # v3.1.3\n"
        "        with:\n          name: out\n          path: out\n"
    )
    root = checkout(tmp_path / "repo", {".github/workflows/ci.yml": workflow})
    log = "##[error]This request has been automatically failed because it uses a deprecated version of `actions/upload-artifact: v3`."
    plan = FIXERS["deprecated-action"](_context(root, log, CachedVersions(GitHubActionVersions(github))))
    assert isinstance(plan, FixPlan), plan
    sha = github.ref_sha("actions/upload-artifact", "tags/v7.0.0")
    assert sha and plan.changes[0].after == workflow.replace(
        "a8a3f3ad30e3422c9c7b888a15615d19a852ae32 # v3.1.3", f"{sha} # v7.0.0"
    )
    assert "latest release from the GitHub API" in plan.rationale


def test_the_actionlint_gate_compares_findings_not_counts(tmp_path: Path) -> None:
    """One finding removed (checkout@v2's runtime is too old) and one added (an input the action does not have):
    the count is unchanged, the plan is still refused, naming the new finding."""
    from cicd_agent.fixers.action_bumps import FileWork
    from cicd_agent.fixers.base import FileChange
    from cicd_agent.fixers.deprecated_action import _checked
    from cicd_agent.fixers.line_edits import LineEdits

    before = (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v2\n"
        "      - uses: actions/setup-python@v5\n        with:\n          python-version: '3.12'\n"
    )
    after = before.replace("checkout@v2", "checkout@v4").replace("python-version:", "pyton-version:")
    root = checkout(tmp_path / "repo", {".github/workflows/ci.yml": before})
    ctx = FixContext(root, analyze(f"{TS}x\n"), trusted=True)
    work = [FileWork(".github/workflows/ci.yml", before, None, [], LineEdits(before))]
    result = _checked(ctx, work, [FileChange(".github/workflows/ci.yml", before, after)])
    assert isinstance(result, CannotFix)
    assert "actionlint reports 1 new problem(s) after the update" in result.why and "pyton-version" in result.why
    fine = _checked(ctx, work, [FileChange(".github/workflows/ci.yml", before, before.replace("@v2", "@v4"))])
    assert fine == "re-parsed, and validated with actionlint (no new finding)"
