"""What a person and a script see, across every command, against the sandbox: one JSON document on stdout
with --json (ISO times, null for missing), each decision and error printed once without it, and the
commands that only look (or only plan) leave the disk exactly as it was."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import Loop

from cicd_agent.cli import main as cli_main

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FREE_TEXT = {"contents", "excerpt", "default"}  # file contents and log lines may be empty; schema defaults


def check_shape(value: Any, path: str = "$") -> None:
    """No "" anywhere (missing is null), and every time (`at`, `*_at`) an ISO 8601 UTC string or null."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "at" or key.endswith("_at"):
                assert item is None or (isinstance(item, str) and ISO.match(item)), f"{path}.{key} = {item!r}"
            if key not in FREE_TEXT:
                check_shape(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_shape(item, f"{path}[{index}]")
    else:
        assert value != "", f'{path} is "" (missing values are null)'


def _world(loop: Loop) -> dict[str, str]:
    """A sandbox with a fix in flight and a reported failure; the names the commands below need."""
    loop.setup("format", "unfixable")
    data = loop.cycle()
    assert sorted(d["decision"] for d in data["decisions"]) == ["fix_opened", "reported"]
    fixed = next(d for d in data["decisions"] if d["decision"] == "fix_opened")
    (snapshot,) = loop.agent("snapshots", "list", "--json").json()
    Path("job.log").write_text(
        (Path(__file__).resolve().parents[1] / "analysis" / "corpus" / "black-check.log").read_text()
    )
    repo = fixed["repo"]
    event = {
        "action": "completed",
        "workflow_run": loop.api("GET", f"/repos/{repo}/actions/runs/{fixed['run_id']}"),
        "repository": loop.api("GET", f"/repos/{repo}"),
    }
    Path("event.json").write_text(json.dumps(event))
    return {
        "repo": fixed["repo"],
        "run": str(fixed["run_id"]),
        "signature": fixed["signature"],
        "snapshot": snapshot["id"],
    }


def _commands(names: dict[str, str]) -> list[list[str]]:
    """Every command, each with --json after it (the global option where people write it)."""
    repo, sig = names["repo"], names["signature"]
    return [
        ["status"],
        ["history"],
        ["history", "--decision", "fix_opened", "--signature", sig[:8], "--since", "1h"],
        ["breaker", "list"],
        ["breaker", "show", repo, "--branch", "main", "--signature", sig[:12]],
        ["breaker", "trip", repo, "--branch", "main", "--signature", sig, "--reason", "hold"],
        ["breaker", "disable", repo, "--branch", "main", "--reason", "noisy"],
        ["breaker", "enable", repo, "--branch", "main", "--reason", "quiet"],
        ["breaker", "reset", repo, "--branch", "main", "--reason", "done"],
        ["snapshots", "list"],
        ["snapshots", "show", names["snapshot"][:8]],
        ["snapshots", "cleanup"],
        ["metrics"],
        ["pause", "--reason", "freeze"],
        ["resume"],
        ["signature", "job.log"],
        ["explain", "--repo", repo, names["run"]],
        ["config", "check"],
        ["config", "schema"],
        ["init", "--config", "other/cicd-agent.toml"],
        ["run"],
        ["run", "--dry-run"],
        ["run", "--health-only"],
        ["run", "--event", "event.json", "--state-dir", "action-state"],
    ]


# tested on their own: the long-running ones (`sandbox serve` in test_readme, `run --watch` in test_watch,
# `serve` in tests/e2e/test_webhook.py), the demo (test_demo), and `completion`, which prints a shell script
EXEMPT = {"sandbox serve", "serve", "demo", "completion"}


def test_every_command_with_json_prints_exactly_one_document_with_iso_times(loop: Loop) -> None:
    names = _world(loop)
    covered = set()
    for args in _commands(names):
        result = loop.agent(*args, "--json")
        assert result.code == 0, (args, result.err)
        document = json.loads(result.out)  # exactly one document: anything else on stdout fails here
        if args[:2] != ["config", "schema"]:  # a JSON Schema, whose defaults may be ""
            check_shape(document, " ".join(args[:2]))
        covered.add(_path_of(args))
    assert covered == _leaf_paths() - EXEMPT


def _path_of(args: list[str]) -> str:
    """The command an argument list names (`breaker show ...` -> "breaker show")."""
    command, path = cli_main.command(), []
    for word in args:
        sub = getattr(command, "commands", {}).get(word)
        if sub is None:
            break
        command, path = sub, [*path, word]
    return " ".join(path)


def _leaf_paths() -> set[str]:
    def walk(command: Any, path: list[str]) -> Iterator[str]:
        subcommands = getattr(command, "commands", {})
        if not subcommands:
            yield " ".join(path)
        for name, sub in subcommands.items():
            yield from walk(sub, [*path, name])

    return set(walk(cli_main.command(), []))


def test_without_json_each_decision_and_each_error_is_printed_once(loop: Loop) -> None:
    loop.setup("format", "transient", "unfixable")
    result = loop.agent("run")
    assert result.code == 0, result.err
    decisions = re.findall(r"^demo/\S+ run \d+#\d+ \(main\): (\w+)", result.err, re.M)
    assert sorted(decisions) == ["fix_opened", "reported", "rerun"]
    assert ": fix_opened [format]: formatter: " in result.err  # brackets are text, not markup
    assert result.out == ""  # nothing for a script on stdout without --json
    for line in result.err.splitlines():
        assert result.err.count(line) == 1 or not line.strip(), f"printed more than once: {line}"
    loop.sandbox.settle()
    loop.api("POST", "/_sandbox/faults", {"method": "GET", "path": "/actions/runs$", "status": 502, "times": 10})
    failed = loop.agent("run")
    assert failed.code == 1
    errors = [line for line in failed.err.splitlines() if line.startswith("error:")]
    assert errors and len(errors) == len(set(errors)), failed.err
    assert "Traceback" not in failed.err


def _disk(*roots: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for root in roots
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp dir the agent uses, empty and the test's own (so anything left behind shows)."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--dry-run", "--report", "../plan.md"],
        ["breaker", "reset", "demo/format-check", "--all", "--reason", "try", "--dry-run"],
        ["pause", "--reason", "plan", "--dry-run"],
        ["status"],
        ["history"],
        ["breaker", "list"],
        ["snapshots", "list"],
        ["metrics"],
        ["demo", "--dry-run"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_dry_run_and_the_read_commands_change_nothing_on_disk(loop: Loop, private_tmp: Path, args: list[str]) -> None:
    loop.setup("format", "unfixable")
    loop.cycle()  # a state with a fix in flight, a report, a snapshot
    state = Path.cwd()
    before = _disk(state, private_tmp)
    assert any(p.endswith("state.db") for p in before) and not any(p.endswith(("-wal", "-shm")) for p in before)
    result = loop.agent(*args)
    assert result.code == 0, result.err
    assert _disk(state, private_tmp) == before


def test_a_refused_plan_names_the_setting_and_the_dry_run_report_offers_it(loop: Loop) -> None:
    loop.setup("deprecated-action")
    config = Path("cicd-agent.toml")
    config.write_text(config.read_text().replace("allow_workflow_changes = true", "allow_workflow_changes = false"))
    result = loop.agent("run", "--dry-run", "--report", "plan.md")
    assert result.code == 0, result.err
    assert "policy_refused" in result.err
    assert "to allow it, set [policy] allow_workflow_changes = true in the config" in result.err
    plan = Path("plan.md").read_text()
    assert "## Settings that refused a plan" in plan
    assert "```toml\n[policy]\nallow_workflow_changes = true\n```" in plan
