"""`agent sandbox serve` and `agent demo`: the local GitHub and the scenarios that fail on it."""

from __future__ import annotations

import shlex
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cicd_agent.cli.context import AppState, checked_port, use
from cicd_agent.cli.table import Column, print_table
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent.modes.demo import SandboxFacts, ScenarioResult

app = typer.Typer(help="The local GitHub sandbox (loopback only).", no_args_is_help=True, rich_markup_mode=None)


SERVE_EXAMPLES = """\b
Examples:
  agent sandbox serve --port 8080
  agent sandbox serve --scenario format --root ./sandbox
  agent sandbox serve --webhook http://127.0.0.1:8787/webhook \\
    --webhook-secret s3cret
      delivers workflow_run, pull_request and issue_comment events,
      signed, to `agent serve` (its secret in $CICD_AGENT_WEBHOOK_SECRET)"""


@app.command("serve", help="Serve the sandbox GitHub on 127.0.0.1 until interrupted.", epilog=SERVE_EXAMPLES)
def serve(
    ctx: typer.Context,
    port: int = typer.Option(0, "--port", metavar="PORT", help="Port on 127.0.0.1 (0 picks a free one)."),
    scenario: str = typer.Option(
        "demo", "--scenario", metavar="NAME", help="demo (all), none, or one scenario's name."
    ),
    root: Path | None = typer.Option(
        None,
        "--root",
        metavar="DIR",
        help="Directory for its bare repositories (kept).",
        show_default="a temporary directory, removed at exit",
    ),
    webhook: str | None = typer.Option(
        None,
        "--webhook",
        metavar="URL",
        help="Deliver workflow_run, pull_request and issue_comment events there, as a GitHub App's webhook.",
    ),
    webhook_secret: str | None = typer.Option(
        None,
        "--webhook-secret",
        metavar="SECRET",
        envvar="CICD_AGENT_WEBHOOK_SECRET",
        show_envvar=True,
        help="What the deliveries are signed with (X-Hub-Signature-256).",
    ),
) -> None:
    from cicd_agent.config.urls import url_problem
    from cicd_agent.modes.demo import sandbox_facts, start_sandbox

    state = use(ctx)
    port = checked_port(port, "--port")
    if webhook is not None:
        problem = url_problem(webhook, carries="the signed events")
        if problem:
            fix = "pass http://127.0.0.1:PORT/webhook (where `agent serve` listens)"
            raise AgentError(f"--webhook {problem}", fix=fix)
        if not webhook_secret:
            raise AgentError("--webhook needs --webhook-secret", fix="the secret `agent serve` checks signatures with")
    stop = threading.Event()  # SIGINT or SIGTERM, even one that comes while it is still starting
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sandbox = start_sandbox(root or state.scratch_dir("cicd-agent-sandbox-"), port=port, scenario=scenario.lower())
        try:
            if webhook and webhook_secret:
                sandbox.webhooks.configure(webhook, webhook_secret)
            _announce(state, sandbox_facts(sandbox), webhook)
            stop.wait()
        finally:
            sandbox.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _announce(state: AppState, facts: SandboxFacts, webhook: str | None) -> None:
    """What a person needs to point the agent at the sandbox: its repositories and the environment to copy."""
    if state.json:  # one line: whoever started it reads it while the server runs
        state.emit_json_line(
            {
                "api_url": facts.api_url,
                "token": facts.token,
                "root": facts.root,
                "repositories": facts.repositories,
                "environment": facts.environment,
                "webhook": webhook,
            }
        )
        return
    lines = [f"sandbox GitHub at {facts.api_url} (bare repositories under {facts.root})", "repositories:"]
    lines += [f"  {repo}  (its CI fails; in the demo: {end})" for repo, end in facts.failing.items()]
    lines += [
        f"  {repo}  (an action's releases, for the fixer)" for repo in facts.repositories if repo not in facts.failing
    ]
    lines.append("the environment to try the agent against it (another shell):")
    lines += [f"  export {name}={shlex.quote(value)}" for name, value in facts.environment.items()]
    lines.append("and a cicd-agent.toml: the demo's settings (no waiting, workflow edits allowed), the repositories")
    lines += [f"  {line}" for line in facts.config.splitlines()]
    if webhook:
        lines.append(f"webhooks: workflow_run, pull_request and issue_comment events go to {webhook}, signed")
        lines.append("  (run `agent serve` with the same secret in $CICD_AGENT_WEBHOOK_SECRET)")
    for line in lines:
        state.result(line)
    state.say("Ctrl-C to stop.")


def demo(
    ctx: typer.Context,
    cycles: int = typer.Option(30, "--max-cycles", metavar="N", min=1, help="Give up after this many cycles."),
) -> None:
    from cicd_agent.modes.demo import run_demo

    state = use(ctx)
    # with --json the document is the result and the progress still goes to stderr, so a wait is never silent
    result = run_demo(recorder=state.recorder, echo=state.notice if state.json else state.say, max_cycles=cycles)
    if state.json:
        state.emit_json(
            {
                "scenarios": [
                    {
                        "name": r.name,
                        "expected": r.expected,
                        "outcome": r.outcome,
                        "pr": r.pr,
                        "signature": r.signature or None,
                    }
                    for r in result.scenarios
                ],
                "breakers": result.breakers,
            }
        )
    else:
        rows = [_row(r, planned=state.dry_run) for r in result.scenarios]
        columns = [
            Column("scenario", keep_whole=True),
            Column("planned" if state.dry_run else "end", keep_whole=True),
            Column("PR / issue"),
            Column("signature", keep_whole=True, short=12),
        ]
        title = "cicd-agent demo: the first cycle's plan" if state.dry_run else "cicd-agent demo: each scenario's end"
        print_table(state, columns, rows, title=title)
    if result.missed and not state.dry_run:
        raise AgentError(
            f"scenarios that did not reach their end: {', '.join(result.missed)}",
            fix="rerun with -v to see each cycle's decisions",
        )


def _row(r: ScenarioResult, *, planned: bool) -> list[str]:
    """One scenario: its end (and what was expected, when that differs), where, its signature."""
    outcome = r.outcome if planned or r.outcome == r.expected else f"{r.outcome} (expected {r.expected})"
    where = "-"
    if r.pr and r.pr.startswith("http"):  # a dry run's placeholder is "(dry run: ...)"
        where = r.pr.split("/", 3)[-1].replace("/pull/", "#").replace("/issues/", " issue #")
    return [r.name, outcome, where, r.signature or "-"]
