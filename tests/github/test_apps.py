"""The port's fleet calls: the installation's and an organisation's repositories, the App's webhook deliveries and
a redelivery; against the sandbox, and with `responses` for long listings (pages, a cursor, a window's end)."""

from __future__ import annotations

import pytest
import responses
from e2e.test_auth import app_keys
from github import Auth
from harness import free_port, wait_for

from cicd_agent.errors import AgentError
from cicd_agent.github.client import GitHubClient
from cicd_agent.github.values import ListedRepo
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import install_scenarios

API = "https://api.github.test"
AT = API.replace(".test", ".test:443")  # PyGithub names the port in the URLs it requests


def _app_client(sb: Sandbox) -> GitHubClient:
    private, public = app_keys()
    sb.register_app("4242", public, 77)
    auth = Auth.AppAuth("4242", private).get_installation_auth(77)
    return GitHubClient(sb.base_url, None, auth=auth, seconds_between_writes=0)


def test_the_installation_and_an_organisation_list_their_repositories(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format", "unfixable"])
    sandbox.add_repo("demo/old", {"a": b"a"}, archived=True)
    sandbox.add_repo("demo/copy", {"a": b"a"}, fork=True)
    sandbox.add_repo("elsewhere/tool", {"a": b"a"})
    gh = _app_client(sandbox)
    everything = {
        ListedRepo("demo/format-check"),
        ListedRepo("demo/failing-test"),
        ListedRepo("demo/old", archived=True),
        ListedRepo("demo/copy", fork=True),
        ListedRepo("elsewhere/tool"),
    }
    assert set(gh.installation_repositories()) == everything
    assert set(gh.org_repositories("demo")) == everything - {ListedRepo("elsewhere/tool")}
    sandbox.select_repositories("4242", ["demo/format-check"])
    assert gh.installation_repositories() == [ListedRepo("demo/format-check")]
    assert gh.org_repositories("demo") == [ListedRepo("demo/format-check")]  # what the installation can see
    with pytest.raises(AgentError, match=r"no organisation nobody .*a user account.s repositories"):
        gh.org_repositories("nobody")


def test_a_personal_token_cannot_list_an_installation(sandbox: Sandbox) -> None:
    gh = GitHubClient(sandbox.base_url, sandbox.token)
    assert not gh.can_list_deliveries()
    with pytest.raises(AgentError, match="403"):
        gh.installation_repositories()
    with pytest.raises(AgentError, match="GitHub App's own credentials"):
        gh.hook_deliveries(since=0)


def test_deliveries_are_read_and_one_is_redelivered(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["unfixable"])
    gh = _app_client(sandbox)
    assert gh.can_list_deliveries()
    sandbox.webhooks.configure(f"http://127.0.0.1:{free_port()}/hook", "s")
    sandbox.settle()
    (failed,), complete = gh.hook_deliveries(since=0)
    assert complete and (failed.event, failed.action, failed.status_code, failed.ok) == (
        "workflow_run",
        "completed",
        0,
        False,
    )
    gh.redeliver(failed.id)
    wait_for(lambda: len(sandbox.webhooks.deliveries) == 2, "the redelivery")
    again, first = gh.hook_deliveries(since=0)[0]
    assert first == failed and again.guid == failed.guid and again.redelivery
    with pytest.raises(AgentError, match="not found while asking GitHub to redeliver"):
        gh.redeliver(123456)


def _delivery(number: int, at: str) -> dict[str, object]:
    return {
        "id": number,
        "guid": f"guid-{number}",
        "delivered_at": at,
        "redelivery": False,
        "duration": 0.1,
        "status": "OK",
        "status_code": 200,
        "event": "workflow_run",
        "action": "completed",
        "installation_id": 77,
        "repository_id": 5,
    }


@responses.activate
def test_listings_follow_every_page() -> None:
    page = f"{AT}/installation/repositories"
    responses.get(
        page,
        json={"total_count": 3, "repositories": [{"full_name": "o/a"}, {"full_name": "o/b", "fork": True}]},
        headers={"Link": f'<{page}?per_page=100&page=2>; rel="next"'},
    )
    responses.get(page, json={"total_count": 3, "repositories": [{"full_name": "o/c", "archived": True}]})
    gh = GitHubClient(API, "ghs_installationtoken")
    assert gh.installation_repositories() == [
        ListedRepo("o/a"),
        ListedRepo("o/b", fork=True),
        ListedRepo("o/c", archived=True),
    ]
    assert [c.request.params.get("page") for c in responses.calls] == ["1", "2"]


@responses.activate
def test_deliveries_are_read_by_cursor_until_the_window_starts() -> None:
    url = f"{AT}/app/hook/deliveries"
    responses.get(
        url,
        json=[_delivery(9, "2026-05-03T00:00:00Z"), _delivery(8, "2026-05-02T00:00:00Z")],
        headers={"Link": f'<{url}?per_page=100&cursor=v1_7>; rel="next"'},
    )
    responses.get(
        url,
        json=[_delivery(7, "2026-05-01T12:00:00Z"), _delivery(6, "2026-04-30T00:00:00Z")],
        headers={"Link": f'<{url}?per_page=100&cursor=v1_5>; rel="next"'},
    )
    private, _ = app_keys()
    auth = Auth.AppAuth("4242", private).get_installation_auth(77)
    gh = GitHubClient(API, None, auth=auth)
    since = 1777593600.0  # 2026-05-01T00:00:00Z
    found, complete = gh.hook_deliveries(since=since)
    assert complete and [d.id for d in found] == [9, 8, 7]  # the page reaching past the window's start is the last
    listed = [c.request for c in responses.calls if c.request.method == "GET"]
    assert [r.params.get("cursor") for r in listed] == [None, "v1_7"]
    assert all(r.headers["Authorization"].startswith("Bearer ") for r in listed)  # the App's JWT
    assert found[0].delivered_at == 1777766400.0  # 2026-05-03T00:00:00Z
