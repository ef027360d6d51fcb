"""`agent serve` end to end: the sandbox delivers signed `workflow_run` webhooks to a real agent process, which
decides them as a poll would; a delivery with a bad signature is refused (401) and counted, and polling
catches its failure up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from harness import SETTINGS, WEBHOOK_SECRET, AgentServer, Loop, read_state, wait_for

from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios
from cicd_agent.store import Store


def _decided(store: Store) -> list[tuple[str, str, str]]:
    return [(d.decision, d.signature, d.rule) for d in store.decisions() if d.run_id]


def _served(root: Path, sandbox: Sandbox, repo: str, *args: str) -> AgentServer:
    """`agent serve` in its own directory, against its own sandbox, polling only once (at start)."""
    config = (
        SETTINGS.format(extra="")
        + '[schedule]\npoll_interval = "1h"\nhealth_interval = "1h"\n'
        + f'[[repos]]\nname = "{repo}"\nbranches = ["main"]\n'
    )
    return AgentServer(root, sandbox, config, args=args).start()


def _env(sandbox: Sandbox) -> dict[str, str]:
    return {**os.environ, "GITHUB_API_URL": sandbox.base_url, "GITHUB_TOKEN": sandbox.token}


def _poll_once(root: Path, sandbox: Sandbox) -> list[str]:
    """One polling cycle (`agent run`) on the served directory's state: its decisions."""
    done = subprocess.run(
        [sys.executable, "-m", "cicd_agent", "run", "--json"],
        cwd=root,
        env=_env(sandbox),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return [d["decision"] for d in json.loads(done.stdout)["decisions"]]


@pytest.mark.parametrize("scenario", ["format", "unfixable"])
def test_a_webhook_delivery_is_decided_as_a_poll_would(scenario: str, loop: Loop, tmp_path: Path) -> None:
    loop.setup(scenario)
    polled = [(d["decision"], d["signature"], d["rule"]) for d in loop.cycle()["decisions"]]

    hooked = Sandbox(tmp_path / "hooked-sandbox")
    install_scenarios(hooked, [scenario])
    hooked.serve(auto_ci=False)
    served: AgentServer | None = None
    try:
        repo = next(s.repo for s in SCENARIOS if s.name == scenario)
        served = _served(tmp_path / "hooked", hooked, repo)
        hooked.webhooks.configure(served.url, served.secret)
        assert hooked.settle() == 1  # the run fails; its completion is delivered at once
        assert [(d.event, d.action, d.status) for d in hooked.webhooks.deliveries] == [
            ("workflow_run", "completed", 202)
        ]
        state = served.state
        wait_for(lambda: bool(read_state(state, _decided)), "the delivery to be decided")
        assert read_state(state, _decided) == polled
        served.stop()
        served = None
        assert _poll_once(tmp_path / "hooked", hooked) == []  # the poll lists it again: handled once only
    finally:
        if served is not None:
            served.stop()
        hooked.close()


def test_a_bad_signature_is_refused_and_logged_and_polling_catches_up(sandbox: Sandbox, tmp_path: Path) -> None:
    install_scenarios(sandbox, ["unfixable"])
    served = _served(tmp_path / "served", sandbox, "demo/failing-test")
    try:
        sandbox.webhooks.configure(served.url, "not the secret")
        sandbox.settle()
        assert [d.status for d in sandbox.webhooks.deliveries] == [401]
    finally:
        out, err = served.stop()
    delivery = sandbox.webhooks.deliveries[0].guid
    # refusals are summed up in one line (when the server stops, at the latest), naming the last one
    (summary,) = [line for line in err.splitlines() if "webhook: refused" in line]
    assert "1 bad or missing X-Hub-Signature-256" in summary and f"delivery {delivery} from 127.0.0.1" in summary
    assert "not the secret" not in err + out and WEBHOOK_SECRET not in err + out
    assert read_state(served.state, _decided) == []  # nothing was acted on
    assert _poll_once(served.root, sandbox) == ["reported"]  # polling catches the failure up


def test_metrics_on_the_webhook_port_make_one_server_for_both(sandbox: Sandbox, tmp_path: Path) -> None:
    install_scenarios(sandbox, ["unfixable"])
    served = _served(tmp_path / "served", sandbox, "demo/failing-test", "--metrics-port", "{port}")
    try:
        base = served.url.removesuffix("/webhook")
        assert "cicd_agent_webhook_queue_length" in requests.get(base + "/metrics", timeout=10).text
        assert requests.get(base + "/healthz", timeout=10).json()["healthy"] is True
        assert requests.post(served.url, data=b"{}", timeout=10).status_code == 401
    finally:
        _, err = served.stop()
    assert "receiving webhooks on /webhook, beside /metrics and /healthz" in err
    assert "webhook: refused" in err and "1 bad or missing X-Hub-Signature-256" in err
