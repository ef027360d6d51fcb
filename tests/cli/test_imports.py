"""Heavy libraries are imported by the commands that use them, not by `agent --help` (issue 13: every
command paid about 0.9 s of imports), and a cycle imports a fixer, and GitPython, only when it runs one (issue 25).
The time itself is measured by benchmarks/cli_startup.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cicd_agent.modes.demo import DEMO_SETTINGS
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios

HEAVY = ("github", "git", "sqlite_utils", "psycopg", "apscheduler", "requests", "yaml", "cicd_agent.remediation.cycle")


def _imported(code: str) -> list[str]:
    probe = f"{code}; import sys; print(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stderr.split()


def test_agent_help_imports_no_heavy_library() -> None:
    assert _imported("from cicd_agent.cli.main import invoke; invoke(['--help'])") == []


def test_agent_signature_needs_none_of_them_either(tmp_path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "job.log"
    log.write_text("error: boom\n")
    assert _imported(f"from cicd_agent.cli.main import invoke; invoke(['signature', {str(log)!r}])") == []


def test_a_command_that_talks_to_github_gets_them() -> None:
    assert "github" in _imported("import cicd_agent.cli.analysis_cmd as c, cicd_agent.remediation.explain")


FIXER_MODULES = tuple(f"cicd_agent.fixers.{m}" for m in ("deprecated_action", "missing_dependency", "formatter"))


@pytest.mark.parametrize(
    ("scenario", "decision", "loaded"),
    [("unfixable", "reported", ()), ("format", "fix_opened", ("git", "cicd_agent.fixers.formatter"))],
)
def test_a_cycle_imports_gitpython_and_a_fixer_only_when_it_fixes_with_them(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, scenario: str, decision: str, loaded: tuple[str, ...]
) -> None:
    install_scenarios(sandbox, [scenario])
    sandbox.settle()
    repo = next(s.repo for s in SCENARIOS if s.name == scenario)
    Path("cicd-agent.toml").write_text(DEMO_SETTINGS + f'[[repos]]\nname = "{repo}"\n')
    monkeypatch.setenv("GITHUB_API_URL", sandbox.base_url)
    monkeypatch.setenv("GITHUB_TOKEN", sandbox.token)
    names = ("git", "apscheduler", *FIXER_MODULES)
    cycle = "from cicd_agent.cli.main import invoke; invoke(['run', '--json'])"
    probe = f"{cycle}; import sys; print(' '.join(m for m in {names!r} if m in sys.modules), file=sys.stderr)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert f'"decision": "{decision}"' in done.stdout
    last = done.stderr.splitlines()[-1] if done.stderr.strip() else ""
    assert tuple(last.split()) == loaded, done.stderr
