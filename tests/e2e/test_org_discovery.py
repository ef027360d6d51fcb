"""Organisation discovery end to end: an `OWNER/*` config watches the sandbox's repositories of that owner,
skipping an archived one and a fork (whose CI fails too), and says so in `config check` and `status`; with the
App's installation, a change of its repositories (the `installation_repositories` webhook) is discovered at once
by `agent serve`."""

from __future__ import annotations

from pathlib import Path

from e2e.test_auth import app_keys
from harness import SETTINGS, AgentServer, Loop, read_state, wait_for

from cicd_agent.modes.webhook import Delivery, Receiver, drain
from cicd_agent.remediation.context import Report
from cicd_agent.remediation.discovery import REFRESH_GAP, Fleet
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios
from cicd_agent.store import Store

UNFIXABLE = next(s for s in SCENARIOS if s.name == "unfixable")
APP = 'app_id = "4242"\napp_private_key_env = "APP_KEY"\ninstallation_id = 77\n'


def _org_with_an_archived_repository_and_a_fork(sandbox: Sandbox, *, settle: bool = True) -> None:
    install_scenarios(sandbox, ["format", "unfixable"])
    sandbox.add_repo("demo/old-service", UNFIXABLE.files, archived=True)  # its CI fails as failing-test's does
    sandbox.add_repo("demo/forked-lib", UNFIXABLE.files, fork=True)
    sandbox.add_repo("elsewhere/tool", UNFIXABLE.files)  # another owner: no glob selects it
    if settle:
        sandbox.settle()


def test_an_org_glob_discovers_its_repositories_and_skips_archived_and_forks(loop: Loop) -> None:
    _org_with_an_archived_repository_and_a_fork(loop.sandbox)
    Path("cicd-agent.toml").write_text(SETTINGS.format(extra="") + '[[repos]]\nname = "demo/*"\n')
    check = loop.agent("config", "check")
    assert check.code == 0, check.err
    assert "OK (0 repositories and 1 glob(s), 0 rule(s))" in check.out
    assert "repos[0] demo/*: the ones it matches among the repositories of demo (GET /orgs/demo/repos)" in check.out

    result = loop.agent("run")
    assert result.code == 0, result.err
    decided = sorted((d["repo"], d["decision"]) for d in loop.agent("history", "--json").json())
    assert decided == [("demo/failing-test", "reported"), ("demo/format-check", "fix_opened")]
    assert "discovered 4 repositories (orgs demo): watching 2, skipped 1 archived, 1 fork" in result.err
    polled = {r["path"] for r in loop.sandbox.requests if "status=failure" in r["query"]}
    assert polled == {"/repos/demo/format-check/actions/runs", "/repos/demo/failing-test/actions/runs"}
    skipped = ("/repos/demo/old-service", "/repos/demo/forked-lib", "/repos/elsewhere/")
    assert not [r for r in loop.sandbox.requests if r["path"].startswith(skipped)]

    status = loop.agent("status", "--json").json()["discovery"]
    assert (status["source"], status["listed"], status["watched"]) == ("orgs demo", 4, 2)
    assert status["skipped"] == {"archived": 1, "fork": 1}
    assert "discovered: 2 repositories watched of 4 listed (orgs demo; skipped 1 archived, 1 fork)" in (
        loop.agent("status").out
    )


def test_a_glob_that_asks_for_forks_gets_them(loop: Loop) -> None:
    _org_with_an_archived_repository_and_a_fork(loop.sandbox)
    Path("cicd-agent.toml").write_text(SETTINGS.format(extra="") + '[[repos]]\nname = "demo/*"\ninclude_forks = true\n')
    result = loop.agent("run", "--json")
    assert result.code == 0, result.err
    assert sorted(d["repo"] for d in result.json()["decisions"]) == [
        "demo/failing-test",
        "demo/forked-lib",
        "demo/format-check",
    ]


def test_a_listing_that_fails_is_an_error_and_the_named_repositories_are_still_handled(loop: Loop) -> None:
    _org_with_an_archived_repository_and_a_fork(loop.sandbox)
    Path("cicd-agent.toml").write_text(
        SETTINGS.format(extra="") + '[[repos]]\nname = "demo/failing-test"\n[[repos]]\nname = "nobody/*"\n'
    )
    result = loop.agent("run", "--json")
    assert result.code == 1
    report = result.json()
    assert [(d["repo"], d["decision"]) for d in report["decisions"]] == [("demo/failing-test", "reported")]
    assert report["errors"] == [
        "discovering repositories: GitHub knows no organisation nobody that the credentials can see (GET "
        "/orgs/nobody/repos answered 404) (check the owner's name; a user account's repositories are listed by "
        'a GitHub App installed on it with github.discover = "installation", or named one by one); watching only '
        "the named repositories"
    ]


def test_serve_follows_the_installation_and_handles_only_what_the_org_glob_selects(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    private, public = app_keys()
    _org_with_an_archived_repository_and_a_fork(sandbox, settle=False)
    sandbox.register_app("4242", public, 77)
    sandbox.select_repositories("4242", ["demo/format-check"])
    config = (
        SETTINGS.format(extra="").replace("[github]\n", "[github]\n" + APP + 'discover = "installation"\n', 1)
        + '[schedule]\npoll_interval = "1h"\nhealth_interval = "1h"\n[[repos]]\nname = "demo/*"\n'
    )
    server = AgentServer(tmp_path / "served", sandbox, config, env={"APP_KEY": private}, token=False, metrics=True)
    server.start()
    discovered = lambda: read_state(server.state, lambda s: s.get_meta("discovery")) or ""  # noqa: E731
    try:
        sandbox.webhooks.configure(server.url, server.secret)
        assert '"listed": 1, "watched": 1' in discovered()
        sandbox.select_repositories("4242", None)  # the App is installed on every repository now
        wait_for(lambda: '"listed": 5, "watched": 2' in discovered(), "discovery after installation_repositories")
        # every repository's CI fails, and each failure is delivered (the fix branch's run may join in)
        assert sandbox.settle() >= 5
        wait_for(lambda: len(read_state(server.state, _handled)) == 2, "the two watched failures to be decided")
        sandbox.webhooks.flush()  # the fix's pull request is delivered too, from the sandbox's background sender
        delivered = len(sandbox.webhooks.deliveries)
        queued = "cicd_agent_webhook_deliveries_queued_total"
        wait_for(lambda: (server.metric(queued) or 0) >= delivered, "every delivery queued")
        wait_for(lambda: server.metric("cicd_agent_webhook_queue_length") == 0.0, "the queue to be taken")
    finally:
        _, err = server.stop()
    assert read_state(server.state, _handled) == [
        ("demo/failing-test", "reported"),
        ("demo/format-check", "fix_opened"),
    ]
    # nothing else was decided about any other repository (the fix's own run may have been judged meanwhile)
    assert {repo for repo, _ in read_state(server.state, _decided)} == {"demo/failing-test", "demo/format-check"}
    deliveries = [(d.event, d.status) for d in sandbox.webhooks.deliveries]
    assert deliveries[0] == ("installation_repositories", 202) and {status for _, status in deliveries} == {202}
    assert sum(1 for event, _ in deliveries if event == "workflow_run") >= 5
    assert '"skipped": {"archived": 1, "fork": 1, "unmatched": 1}' in discovered()
    assert "discovered 5 repositories (installation): watching 2, skipped 1 archived, 1 fork, 1 unmatched" in err
    for name in ("demo/old-service", "demo/forked-lib", "elsewhere/tool"):
        assert f"ignored: {name!r} is not a watched repository" in err


def _decided(store: Store) -> list[tuple[str, str]]:
    return sorted((d.repo, d.decision) for d in store.decisions() if d.run_id)


def _handled(store: Store) -> list[tuple[str, str]]:
    """The decisions that handle a failure (not the later ones about its fix)."""
    return [(repo, decision) for repo, decision in _decided(store) if decision in ("fix_opened", "reported")]


def test_a_flood_of_installation_webhooks_lists_the_repositories_once_a_gap_not_once_each(loop: Loop) -> None:
    """Each `installation_repositories` delivery asks for a listing; a burst of them (an owner adding repositories
    one by one) is one listing now and one when the gap is over, not a listing per delivery: each listing of a
    large installation is hundreds of requests."""
    _org_with_an_archived_repository_and_a_fork(loop.sandbox)
    Path("cicd-agent.toml").write_text(SETTINGS.format(extra="") + '[[repos]]\nname = "demo/*"\n')
    assert loop.agent("run").code == 0  # the state directory
    clock = [1_000_000.0]
    store = loop.store()
    ports = loop.ports(store, now=lambda: clock[0])
    fleet = Fleet(ports.config)
    receiver = Receiver("secret", "/webhook", echo=lambda message: None)
    before = len(loop.sandbox.requests)
    listings = lambda: sum(1 for r in loop.sandbox.requests[before:] if r["path"] == "/orgs/demo/repos")  # noqa: E731
    payload = {"action": "added", "installation": {"id": 77}, "repositories_added": []}
    for second in range(30):  # one delivery a second, each drained on its own
        receiver.queue.put_nowait(Delivery(f"guid-{second}", "installation_repositories", payload))
        drain(ports, fleet, receiver, Report())
        clock[0] += 1.0
    try:
        assert listings() == 1
        assert fleet.names() == ["demo/failing-test", "demo/format-check"]
        clock[0] += REFRESH_GAP
        drain(ports, fleet, receiver, Report())  # nothing new arrived: the deliveries held back are listed for now
        assert listings() == 2
        drain(ports, fleet, receiver, Report())
        assert listings() == 2
    finally:
        store.close()
