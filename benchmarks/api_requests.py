"""GitHub API requests per idle repository poll and per remediation, counted from the sandbox's request log.

    .venv/bin/python benchmarks/api_requests.py

Runs the real CLI (in-process) against the sandbox for each scenario kind and prints, per phase, the requests
that count against the rate limit, the 304s (conditional requests answered "not modified": free) and how many
were writes. Each scenario goes through its life as the agent meets it: the failure (the first one in the
repository), two health checks while the fix's CI has not finished, the verdict once it has, an idle poll. For
`dependency`, the fix is then merged (main goes green) and a person imports another missing module: a second
failure in a repository the agent knows, on a branch that had a green run (the usual case: the baseline is read).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cicd_agent.cli.main import invoke  # noqa: E402
from cicd_agent.modes.demo import DEMO_SETTINGS  # noqa: E402
from cicd_agent.sandbox import Sandbox  # noqa: E402
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios  # noqa: E402

Row = tuple[str, int, int, int]  # phase, counted requests, 304s, writes


def cycle() -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        invoke(["run", "--json"])
    return [str(d["decision"]) for d in json.loads(out.getvalue())["decisions"]]


def measured(sandbox: Sandbox, name: str) -> Row:
    sandbox.requests.clear()
    decisions = cycle()
    counted = sum(1 for e in sandbox.requests if e["status"] != 304)
    free = sum(1 for e in sandbox.requests if e["status"] == 304)
    writes = sum(1 for e in sandbox.requests if e["method"] != "GET")
    return f"{name} ({', '.join(decisions) or 'nothing new'})", counted, free, writes


def api(sandbox: Sandbox, method: str, path: str, body: object) -> object:
    response = requests.request(
        method, sandbox.base_url + path, json=body, headers={"Authorization": f"token {sandbox.token}"}, timeout=30
    )
    response.raise_for_status()
    return response.json() if response.content else None


def merge_fix(sandbox: Sandbox, repo: str) -> None:
    """A person merges the fix: main's CI goes green."""
    api(sandbox, "PUT", f"/repos/{repo}/pulls/1/merge", {"commit_message": "Merge the fix"})
    sandbox.settle()


def break_again(sandbox: Sandbox, repo: str) -> None:
    """A person's commit imports another module the requirements lack: a new failure (another signature) on a
    branch whose last run was green."""
    path = f"/repos/{repo}/contents/app/__init__.py"
    current = api(sandbox, "GET", path, None)
    assert isinstance(current, dict)
    text = b"import notarealpkg\n" + base64.b64decode(current["content"])
    body = {"message": "Use notarealpkg", "content": base64.b64encode(text).decode(), "branch": "main"}
    api(sandbox, "PUT", path, {**body, "sha": current["sha"]})
    sandbox.settle()


def measure(scenario: str) -> list[Row]:
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
    rows = [
        measured(sandbox, f"{scenario}: new failure, the repository's first"),
        measured(sandbox, f"{scenario}: health check, CI not finished"),
        measured(sandbox, f"{scenario}: health check again, CI still not finished"),
    ]
    sandbox.settle()
    rows.append(measured(sandbox, f"{scenario}: health check, CI finished"))
    sandbox.settle()
    rows.append(measured(sandbox, f"{scenario}: idle poll"))
    if scenario == "dependency":
        merge_fix(sandbox, repo)
        rows.append(measured(sandbox, f"{scenario}: the fix merged by a person"))
        break_again(sandbox, repo)
        rows.append(measured(sandbox, f"{scenario}: new failure after a green run"))
    sandbox.close()
    return rows


def main() -> None:
    print("| scenario and phase | requests | 304s (free) | of which writes |")
    print("|---|---:|---:|---:|")
    for scenario in ("format", "dependency", "transient", "unfixable", "bad-fix"):
        for name, counted, free, writes in measure(scenario):
            print(f"| {name} | {counted} | {free} | {writes} |")


if __name__ == "__main__":
    main()
