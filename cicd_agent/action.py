"""What the GitHub Action step writes: step outputs, the job summary, annotations, and log text wrapped
so it cannot issue workflow commands."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from cicd_agent.errors import AgentError
from cicd_agent.pipeline import Report
from cicd_agent.text import break_mentions, fenced

WORKFLOW_TOKEN_WARNING = (
    "the token is the workflow's own GITHUB_TOKEN: pull requests it opens start no workflows, so the fix's CI "
    "never runs (health checks end inconclusive), and it cannot change .github/workflows/. Use a GitHub App "
    "installation token or a personal token with the `workflow` scope."
)


def read_event(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AgentError(f"event file {path} not found", fix="pass $GITHUB_EVENT_PATH, or a saved payload") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AgentError(f"cannot read the event payload {path}: {exc}") from None
    if not isinstance(data, dict):
        raise AgentError(f"the event payload {path} is not a JSON object")
    return data


def outputs(report: Report, run_id: int) -> dict[str, str]:
    """signature, category, decision, pr-url of the event's run ("" where there is none)."""
    mine = [d for d in report.decisions if d["run_id"] == run_id]
    last = mine[-1] if mine else {}
    detail = last.get("detail", {})
    explained = report.explained.get(run_id)
    return {
        "signature": str(last.get("signature") or (explained.analysis.signature if explained else "")),
        "category": str(detail.get("category") or (explained.analysis.category if explained else "")),
        "decision": str(last.get("decision", "none")),
        "pr-url": str(detail.get("pr") or detail.get("issue") or ""),
    }


def write_outputs(path: Path, values: dict[str, str]) -> None:
    """`$GITHUB_OUTPUT` entries; a random delimiter so no value can end one early or add another."""
    with path.open("a", encoding="utf-8") as handle:
        for name, value in values.items():
            delimiter = f"EOF_{secrets.token_hex(8)}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def summary(report: Report, run_id: int, warnings: list[str]) -> str:
    values = outputs(report, run_id)
    lines = ["## cicd-agent", ""]
    lines += [f"> **Warning:** {w}" for w in warnings]
    lines += ["", "| | |", "|---|---|"]
    for name in ("decision", "category", "signature", "pr-url"):
        lines.append(f"| {name} | `{values[name] or '-'}` |")
    for d in report.decisions:
        lines.append(f"\n- {d['decision']}: {break_mentions(str(d['reason']))}")
    explained = report.explained.get(run_id)
    if explained is not None and explained.analysis.excerpt:
        lines += ["", f"### Error excerpt (failing step: {break_mentions(explained.analysis.failing_step or '?')})", ""]
        lines.append(fenced(break_mentions("\n".join(f"{e.line:>6} | {e.text}" for e in explained.analysis.excerpt))))
    for error in report.errors:
        lines.append(f"\n**Error:** {break_mentions(error)}")
    return "\n".join(lines) + "\n"


def escape_command(text: str) -> str:
    """Data in a workflow command (`::notice::...`): GitHub's escaping of %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def annotation(level: str, text: str) -> str:
    return f"::{level} title=cicd-agent::{escape_command(text)}"


def stop_commands(text: str) -> str:
    """Untrusted text (log lines) between `::stop-commands::` and its token: the runner ignores any
    `::set-output::`, `::add-mask::` ... hidden in it."""
    token = secrets.token_hex(16)
    return f"::stop-commands::{token}\n{text}\n::{token}::"
