"""What starting the agent costs: `agent --help` against `python -c pass`, and what one `agent run` cycle imports.

    .venv/bin/python benchmarks/cli_startup.py [--runs 21]

help: the installed console script `agent --help` and, for scale, `python -c pass` with the same interpreter,
each `--runs` times in fresh processes after one warm-up, alternately; the median and the slowest wall time of
each, and the ratio of the medians (target: within 3x).

imports: one `agent run --json` cycle per case, in a fresh process with `python -X importtime`, against the
sandbox GitHub (served by this process): an idle poll (nothing failed), a failure the agent reports (no fixer,
no workspace) and a failure it fixes (the formatter and a git workspace). Printed: the import time of the
whole cycle and of the libraries a cycle may or may not need (PyGithub, GitPython, sqlite-utils, APScheduler,
Typer, the fixers), summed from `-X importtime`'s own figures ("self" microseconds), median of `--runs`.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cicd_agent.modes.demo import DEMO_SETTINGS  # noqa: E402
from cicd_agent.sandbox import Sandbox  # noqa: E402
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios  # noqa: E402

AGENT = Path(sys.executable).with_name("agent")
COMMANDS = {"agent --help": [str(AGENT), "--help"], "python -c pass": [sys.executable, "-c", "pass"]}
GROUPS = {
    "PyGithub": ("github", "jwt", "nacl", "cryptography"),
    "GitPython": ("git", "gitdb", "smmap"),
    "sqlite-utils": ("sqlite_utils", "sqlite_fts4", "dateutil", "tabulate", "click_default_group"),
    "APScheduler": ("apscheduler", "tzlocal", "asyncio"),
    "Typer": ("typer", "click", "rich", "pydantic", "pydantic_core", "annotated_types"),
    "fixers": (
        "cicd_agent.fixers.deprecated_action",
        "cicd_agent.fixers.missing_dependency",
        "cicd_agent.fixers.formatter",
        "cicd_agent.fixers.timeout",
        "cicd_agent.fixers.command",
        "yaml",
        "tomlkit",
    ),
}
_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")


def bench_help(runs: int) -> None:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():
        subprocess.run(command, capture_output=True, check=True)  # warm-up: page cache, .pyc files
    for _ in range(runs):
        for name, command in COMMANDS.items():
            started = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            times[name].append(time.perf_counter() - started)
    for name, taken in times.items():
        print(f"{name}: median {statistics.median(taken):.3f} s, slowest {max(taken):.3f} s ({runs} runs)")
    ratio = statistics.median(times["agent --help"]) / statistics.median(times["python -c pass"])
    print(f"agent --help / python -c pass: {ratio:.1f}x (target <= 3)")


def imported(stderr: str) -> dict[str, float]:
    """Milliseconds of import time (self) per group, and in total, from `-X importtime` output."""
    spent = {name: 0.0 for name in (*GROUPS, "total")}
    for line in stderr.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        micros, module = int(match.group(1)), match.group(2)
        spent["total"] += micros / 1000
        for name, prefixes in GROUPS.items():
            if any(module == p or module.startswith(p + ".") for p in prefixes):
                spent[name] += micros / 1000
    return spent


def cycle_imports(scenario: str | None, runs: int) -> dict[str, float]:
    """Median import milliseconds per group of `agent run` cycles in fresh state directories (a fresh sandbox
    each time, the scenario's failure new to the agent)."""
    found: list[dict[str, float]] = []
    for _ in range(runs):
        work = Path(tempfile.mkdtemp())
        sandbox = Sandbox(work / "sandbox")
        install_scenarios(sandbox, [scenario] if scenario else ["format"])
        sandbox.serve(auto_ci=False)
        if scenario:
            sandbox.settle()
        repo = next(s.repo for s in SCENARIOS if s.name == (scenario or "format"))
        (work / "cicd-agent.toml").write_text(DEMO_SETTINGS + f'[[repos]]\nname = "{repo}"\n')
        env = {**os.environ, "GITHUB_API_URL": sandbox.base_url, "GITHUB_TOKEN": sandbox.token}
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "cicd_agent", "run", "--json"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        found.append(imported(done.stderr))
        sandbox.close()
    return {name: statistics.median(f[name] for f in found) for name in found[0]}


def bench_imports(runs: int) -> None:
    cases = {"idle poll": None, "a failure reported (unfixable)": "unfixable", "a failure fixed (format)": "format"}
    print("| cycle | imports total | " + " | ".join(GROUPS) + " |")
    print("|---|---:|" + "---:|" * len(GROUPS))
    for name, scenario in cases.items():
        spent = cycle_imports(scenario, runs)
        cells = " | ".join(f"{spent[group]:.0f} ms" if spent[group] else "-" for group in GROUPS)
        print(f"| {name} | {spent['total']:.0f} ms | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", choices=["help", "imports"])
    args = parser.parse_args()
    if args.only != "imports":
        bench_help(args.runs)
    if args.only != "help":
        bench_imports(max(1, args.runs // 5))


if __name__ == "__main__":
    main()
