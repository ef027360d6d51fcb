"""GitHub API requests per idle repository poll and per remediation, counted from the sandbox's request log.

    .venv/bin/python benchmarks/api_requests.py

Runs the real CLI (in-process) against the sandbox for each scenario kind and prints, per phase, the
requests made and how many were writes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cicd_agent.cli.main import invoke  # noqa: E402
from cicd_agent.modes.demo import DEMO_SETTINGS  # noqa: E402
from cicd_agent.sandbox import Sandbox  # noqa: E402
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios  # noqa: E402


def cycle() -> dict[str, object]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        invoke(["run", "--json"])
    data: dict[str, object] = json.loads(out.getvalue())
    return data


def measure(scenario: str) -> list[tuple[str, int, int]]:
    work = Path(tempfile.mkdtemp())
    os.chdir(work)
    sandbox = Sandbox(work / "sandbox")
    install_scenarios(sandbox, [scenario])
    sandbox.serve(auto_ci=False)
    sandbox.settle()
    repo = next(s.repo for s in SCENARIOS if s.name == scenario)
    (work / "cicd-agent.toml").write_text(DEMO_SETTINGS + f'[[repos]]\nname = "{repo}"\n')
    # the sandbox's wheelhouse is the package index the missing-dependency fixer verifies names in, as in the demo
    os.environ.update(
        GITHUB_API_URL=sandbox.base_url,
        GITHUB_TOKEN=sandbox.token,
        CICD_AGENT_PACKAGE_INDEX=str(sandbox.root / "wheelhouse"),
    )
    rows = []
    for phase in ("new failure", "health check", "idle poll"):
        sandbox.requests.clear()
        decisions = [d["decision"] for d in cycle()["decisions"]]  # type: ignore[index]
        writes = sum(1 for e in sandbox.requests if e["method"] != "GET")
        rows.append((f"{scenario}: {phase} ({', '.join(decisions) or 'nothing new'})", len(sandbox.requests), writes))
        sandbox.settle()
    sandbox.close()
    return rows


def main() -> None:
    print("| scenario and phase | requests | of which writes |")
    print("|---|---:|---:|")
    for scenario in ("format", "transient", "unfixable", "bad-fix"):
        for name, total, writes in measure(scenario):
            print(f"| {name} | {total} | {writes} |")


if __name__ == "__main__":
    main()
