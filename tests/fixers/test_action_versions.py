"""The action-versions port over PyGithub, against GitHub's REST shapes served by `responses` (no network)."""

from __future__ import annotations

import responses

from cicd_agent.fixers.action_versions import (
    FALLBACK,
    FALLBACK_DATE,
    CachedVersions,
    GitHubActionVersions,
    version_tuple,
)
from cicd_agent.github.client import GitHubClient

API = "https://api.github.com:443"  # PyGithub names the port in the URLs it requests
COMMIT = "a" * 40
TAG_OBJECT = "b" * 40


def _repo(name: str) -> dict[str, object]:
    return {"full_name": name, "name": name.split("/")[1], "url": f"https://api.github.com/repos/{name}"}


def _ref(name: str, tag: str, sha: str, kind: str = "commit") -> None:
    responses.get(
        f"{API}/repos/{name}/git/ref/tags/{tag}",
        json={"ref": f"refs/tags/{tag}", "object": {"sha": sha, "type": kind, "url": "x"}},
    )


def _versions() -> GitHubActionVersions:
    return GitHubActionVersions(GitHubClient("https://api.github.com", None, retries=0))


@responses.activate
def test_latest_release_its_major_tag_and_commit() -> None:
    responses.get(f"{API}/repos/actions/checkout", json=_repo("actions/checkout"))
    responses.get(f"{API}/repos/actions/checkout/releases/latest", json={"tag_name": "v9.1.0", "id": 1})
    _ref("actions/checkout", "v9.1.0", COMMIT)
    _ref("actions/checkout", "v9", COMMIT)
    found = _versions().latest("actions/checkout")
    assert found is not None
    assert (found.tag, found.sha, found.major_tag, found.major, found.source) == (
        "v9.1.0",
        COMMIT,
        "v9",
        9,
        "GitHub API",
    )


@responses.activate
def test_annotated_tag_is_peeled_and_a_missing_major_tag_is_said() -> None:
    responses.get(f"{API}/repos/o/a", json=_repo("o/a"))
    responses.get(f"{API}/repos/o/a/releases/latest", json={"tag_name": "v2.0.0", "id": 1})
    _ref("o/a", "v2.0.0", TAG_OBJECT, kind="tag")
    responses.get(
        f"{API}/repos/o/a/git/tags/{TAG_OBJECT}",
        json={"sha": TAG_OBJECT, "tag": "v2.0.0", "object": {"sha": COMMIT, "type": "commit", "url": "x"}},
    )
    responses.get(f"{API}/repos/o/a/git/ref/tags/v2", status=404, json={"message": "Not Found"})
    found = _versions().latest("o/a")
    assert found is not None and (found.sha, found.major_tag) == (COMMIT, None)


@responses.activate
def test_without_releases_the_highest_version_tag_wins_not_the_newest() -> None:
    responses.get(f"{API}/repos/o/b", json=_repo("o/b"))
    responses.get(f"{API}/repos/o/b/releases/latest", status=404, json={"message": "Not Found"})
    tags = [
        {"name": n, "commit": {"sha": COMMIT, "url": "x"}}
        for n in ("v3.1.0-node20", "v1.9.0", "v2.10.0", "v2.9.1", "main")
    ]
    responses.get(f"{API}/repos/o/b/tags", json=tags)
    _ref("o/b", "v2.10.0", COMMIT)
    _ref("o/b", "v2", COMMIT)
    found = _versions().latest("o/b")
    assert found is not None and found.tag == "v2.10.0"


@responses.activate
def test_an_api_failure_falls_back_to_the_dated_table_once_per_process() -> None:
    responses.get(f"{API}/repos/actions/cache", status=404, json={"message": "Not Found"})
    cached = CachedVersions(_versions())
    first = cached.latest("actions/cache")
    assert first is not None and first.tag == FALLBACK["actions/cache"][0]
    assert first.source == f"table of {FALLBACK_DATE}"
    calls = len(responses.calls)
    assert cached.latest("Actions/Cache") == first and len(responses.calls) == calls
    assert CachedVersions(None).latest("nobody/unknown") is None


def test_version_tuples() -> None:
    assert version_tuple("v3") == (3, 0, 0) and version_tuple("3.1.2") == (3, 1, 2)
    assert version_tuple("main")[0] < 0 and version_tuple("a" * 40)[0] < 0
