"""The release tooling: the dependency floors CI tests, the Action's lock, the release notes."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

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
