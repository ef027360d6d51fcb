"""Webhooks after downtime, end to end: GitHub (the sandbox) fails two deliveries while `agent serve` is down; on
start the agent asks for them again through the App's hook-deliveries API and handles each failure once; a
delivery that arrives twice (a person's redelivery) is skipped by its GUID; after a restart nothing handled is
asked for again."""

from __future__ import annotations

import time
from pathlib import Path

from e2e.test_auth import app_keys
from github import Auth
from harness import SETTINGS, AgentServer, Loop, read_state, wait_for

from cicd_agent.config.parse import load_config
from cicd_agent.effects.gateway import Effects
from cicd_agent.effects.notify import Notifier
from cicd_agent.github.client import GitHubClient
from cicd_agent.modes.redelivery import redeliver_missed
from cicd_agent.modes.wiring import build_ports
from cicd_agent.remediation.context import Report
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.model import Fault
from cicd_agent.sandbox.scenarios import install_scenarios
from cicd_agent.store import Store

APP = '[github]\napp_id = "4242"\napp_private_key_env = "APP_KEY"\ninstallation_id = 77\n'
REPOS = ["demo/format-check", "demo/failing-test"]
DECIDED = [("demo/failing-test", "reported"), ("demo/format-check", "fix_opened")]  # each failure, once


def _decided(store: Store) -> list[tuple[str, str]]:
    return sorted((d.repo, d.decision) for d in store.decisions() if d.run_id)


def _attempts(sandbox: Sandbox) -> list[tuple[str, int | None, bool]]:
    """(guid, status, redelivery) of every `workflow_run` attempt, by GUID, the original first (the fix's pull
    request is delivered too, as `pull_request` events)."""
    runs = [d for d in sandbox.webhooks.deliveries if d.event == "workflow_run"]
    return sorted(((d.guid, d.status, d.redelivery) for d in runs), key=lambda a: (a[0], a[2]))


def test_deliveries_failed_during_downtime_are_redelivered_on_start_and_handled_once(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    private, public = app_keys()
    install_scenarios(sandbox, ["format", "unfixable"])
    sandbox.register_app("4242", public, 77)
    config = (
        SETTINGS.format(extra="").replace("[github]\n", APP, 1)
        + '[schedule]\npoll_interval = "1h"\nhealth_interval = "1h"\n'
        + "".join(f'[[repos]]\nname = "{name}"\n' for name in REPOS)
    )
    server = AgentServer(tmp_path / "served", sandbox, config, env={"APP_KEY": private}, token=False, metrics=True)
    sandbox.webhooks.configure(server.url, server.secret)
    assert sandbox.settle() == 2  # both runs fail, and nothing listens: both deliveries fail
    failed = sorted(d.guid for d in sandbox.webhooks.deliveries)
    assert _attempts(sandbox) == [(guid, None, False) for guid in failed]

    server.start()
    try:
        wait_for(lambda: len(read_state(server.state, _decided) or []) == 2, "both failures to be decided")
        wait_for(lambda: len(_attempts(sandbox)) == 4, "the redeliveries to be recorded")
        assert _attempts(sandbox) == [a for guid in failed for a in ((guid, None, False), (guid, 202, True))]
        # the sweep polls the second repository half an hour in: its failure came from its redelivery
        polled = {r["path"] for r in sandbox.requests if "status=failure" in r["query"]}
        assert polled == {"/repos/demo/format-check/actions/runs"}
        assert read_state(server.state, lambda s: s.handled_deliveries(failed)) == set(failed)

        # a person presses "Redeliver" on one that arrived: it comes again, and is skipped by its GUID
        again = next(d for d in sandbox.webhooks.deliveries if d.redelivery)
        assert sandbox.webhooks.redeliver(again.id) is not None
        wait_for(lambda: server.metric("cicd_agent_webhook_deliveries_duplicate_total") == 1.0, "the copy skipped")
    finally:
        _, err = server.stop()
    assert read_state(server.state, _decided) == [
        ("demo/failing-test", "reported"),
        ("demo/format-check", "fix_opened"),
    ]
    assert "asked GitHub to redeliver 2 webhook deliveries that failed" in err
    assert f"webhook: workflow_run {again.guid}: already handled (a redelivery or a retry): skipped" in err

    server.start()  # a restart looks at the deliveries again: everything failed was handled since
    attempts = _attempts(sandbox)
    _, err = server.stop()
    assert _attempts(sandbox) == attempts and "asked GitHub to redeliver" not in err
    assert read_state(server.state, _decided) == [
        ("demo/failing-test", "reported"),
        ("demo/format-check", "fix_opened"),
    ]


def test_a_redelivery_github_refused_is_asked_for_again_at_the_next_look(loop: Loop) -> None:
    """After two hours down, GitHub refuses the first two redelivery requests: the next look (a sweep round later)
    lists those deliveries again and asks for them, rather than looking only at what failed since the last look."""
    private, public = app_keys()
    install_scenarios(loop.sandbox, ["format", "unfixable"])
    loop.sandbox.register_app("4242", public, 77)
    loop.sandbox.webhooks.configure("http://127.0.0.1:9/nothing-listens", "secret")
    assert loop.sandbox.settle() == 2  # both deliveries fail
    Path("cicd-agent.toml").write_text(
        SETTINGS.format(extra="").replace("[github]\n", APP, 1) + "".join(f'[[repos]]\nname = "{n}"\n' for n in REPOS)
    )
    Path(".cicd-agent").mkdir()
    auth = Auth.AppAuth("4242", private).get_installation_auth(77)
    github = GitHubClient(loop.sandbox.base_url, None, auth=auth, seconds_between_writes=0)
    clock = [time.time() + 7200.0]  # the agent comes back two hours later
    store = loop.store()
    ports = build_ports(
        load_config("cicd-agent.toml"),
        github,
        Effects(github, notifier=Notifier([])),
        store,
        state_dir=Path(".cicd-agent"),
        token=None,
        echo=lambda message: None,
        now=lambda: clock[0],
    )
    asked = lambda: [r for r in loop.sandbox.requests if r["method"] == "POST" and "/attempts" in r["path"]]  # noqa: E731
    try:
        loop.sandbox.inject(Fault("POST", r"/app/hook/deliveries/\d+/attempts", status=422, times=2))
        report = Report()
        assert redeliver_missed(ports, report) == 0
        assert len(report.errors) == 2 and len(asked()) == 2
        clock[0] += 3600.0  # the next sweep round
        assert redeliver_missed(ports, Report()) == 2
        assert len(asked()) == 4
    finally:
        store.close()
