"""The release tooling: the dependency floors CI tests, the Action's lock, the release notes, the Action example
a user copies and the script that pins it."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import action_snippet  # noqa: E402
import floors  # noqa: E402
import release_notes  # noqa: E402


def _dependencies() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"]]


def _locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    return {
        m.group(1).lower().replace("_", "-"): m.group(2) for m in re.finditer(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M)
    }


def test_every_dependency_has_a_floor_that_its_specifier_allows() -> None:
    pins = dict(pin.split("==") for pin in floors.floors())
    for requirement in _dependencies():
        assert requirement.specifier.contains(pins[requirement.name], prereleases=True), requirement


def test_a_dependency_without_a_floor_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["rich>=13", "requests"]\n')
    with pytest.raises(SystemExit, match="requests declares no lower bound"):
        floors.floors(tmp_path / "pyproject.toml")


def test_the_action_lock_pins_every_dependency_within_its_range_with_hashes() -> None:
    locked = _locked()
    for requirement in _dependencies():
        name = requirement.name.lower().replace("_", "-")
        assert name in locked, f"{name} is missing from requirements.lock: run `make lock`"
        assert requirement.specifier.contains(locked[name]), f"{name}=={locked[name]} is outside {requirement}"
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text().split("\n", 1)[1])
    pinned = [e for e in entries if "==" in e]
    assert pinned and all("--hash=sha256:" in e for e in pinned)


def test_release_notes_come_from_the_changelog_section_of_the_tagged_version(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "1.2.0"\n')
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\n## Unreleased\n\n## 1.2.0\n\n- new\n\n## 1.1.0\n\n- old\n")
    assert release_notes.notes("v1.2.0", tmp_path) == "- new\n"
    with pytest.raises(SystemExit, match="does not match"):
        release_notes.notes("v1.1.0", tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "1.3.0"\n')
    with pytest.raises(SystemExit, match=re.escape("no section `## 1.3.0`")):
        release_notes.notes("v1.3.0", tmp_path)


def test_this_version_has_release_notes() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert release_notes.notes(f"v{version}").strip()


def _example_jobs() -> list[list[dict[str, object]]]:
    """Each job's steps (one job remediates, one acts on a person's word)."""
    workflow = yaml.safe_load((ROOT / "docs" / "examples" / "cicd-agent.yml").read_text())
    return [list(job["steps"]) for job in workflow["jobs"].values()]


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_the_action_example_mints_an_app_token_and_pins_every_action_by_commit() -> None:
    jobs = _example_jobs()
    assert len(jobs) == 2
    for steps in jobs:
        for step in steps:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", str(step["uses"])), step["uses"]
        (minted,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/create-github-app-token@")]
        (agent,) = [s for s in steps if "/cicd-agent@" in str(s.get("uses", ""))]
        expected = "${{ steps." + str(minted["id"]) + ".outputs.token }}"
        assert agent["with"]["token"] == expected  # type: ignore[index]


def test_the_action_example_uses_a_commit_of_this_repository_that_has_the_inputs_it_passes() -> None:
    if _git("rev-parse", "--is-shallow-repository") == "true":
        pytest.skip("a shallow clone may not hold the pinned commit")
    agents = [s for steps in _example_jobs() for s in steps if "/cicd-agent@" in str(s.get("uses", ""))]
    assert len({str(agent["uses"]) for agent in agents}) == 1  # every job runs the same commit
    sha = str(agents[0]["uses"]).split("@")[1]
    action = yaml.safe_load(_git("show", f"{sha}:action.yml"))
    for agent in agents:
        assert set(agent["with"]) <= set(action["inputs"])  # type: ignore[arg-type]
    assert _git("merge-base", "--is-ancestor", sha, "HEAD") == ""  # the current code descends from it


def test_the_snippet_script_pins_the_current_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    for args in (["init", "-q"], ["remote", "add", "origin", "git@github.com:octo-org/cicd-agent.git"]):
        _git(*args, cwd=repo)
    (repo / "README.md").write_text("no action yet\n")
    _git("add", ".", cwd=repo)
    _git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "first", cwd=repo)
    with pytest.raises(SystemExit, match=r"has no action\.yml"):
        action_snippet.uses_line("octo-org/cicd-agent", root=repo)
    (repo / "action.yml").write_text("name: x\n")
    _git("add", ".", cwd=repo)
    _git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "action", cwd=repo)
    _git("tag", "v9.9.9", cwd=repo)
    head = _git("rev-parse", "HEAD", cwd=repo)
    assert action_snippet.repository(None, root=repo) == "octo-org/cicd-agent"
    line = action_snippet.uses_line(action_snippet.repository(None, root=repo), root=repo)
    assert line == f"octo-org/cicd-agent@{head} # v9.9.9"
    pinned = action_snippet.workflow(line)
    assert pinned.count(f"- uses: {line}\n") == pinned.count("/cicd-agent@") == 2  # both jobs


@pytest.mark.parametrize("workflow", ["docs/examples/cicd-agent.yml", ".github/workflows/cicd-agent.yml"])
def test_the_agent_workflow_gives_its_own_token_only_what_it_uses(workflow: str) -> None:
    """The agent acts with the token it is given (an App's or a person's); the job's GITHUB_TOKEN only checks
    the repository out, and the action hands the agent the input, never the job's token, as GITHUB_TOKEN."""
    data = yaml.safe_load((ROOT / workflow).read_text())
    assert data["permissions"] == {}
    for job in data["jobs"].values():
        assert job["permissions"] == {"contents": "read"}
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "agent"]
    assert step["env"]["GITHUB_TOKEN"] == "${{ inputs.token }}"
