"""Heavy libraries are imported by the commands that use them, not by `agent --help` (issue 13: every
command paid about 0.9 s of imports). The time itself is measured by benchmarks/cli_startup.py."""

from __future__ import annotations

import subprocess
import sys

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
