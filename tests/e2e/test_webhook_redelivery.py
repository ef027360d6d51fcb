"""Webhooks after downtime, end to end: GitHub (the sandbox) fails two deliveries while `agent serve` is down; on
start the agent asks for them again through the App's hook-deliveries API and handles each failure once; a
delivery that arrives twice (a person's redelivery) is skipped by its GUID; after a restart nothing handled is
asked for again."""

from __future__ import annotations

from pathlib import Path

from e2e.test_auth import app_keys
from harness import SETTINGS, AgentServer, read_state, wait_for

from cicd_agent.sandbox import Sandbox
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
