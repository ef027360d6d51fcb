"""The sandbox behaves like GitHub where the agent depends on it: CI, pagination, caching, limits, faults."""

from __future__ import annotations

import os
import time
from pathlib import Path

import git
import pytest
import requests

from cicd_agent.github.client import GitHubClient
from cicd_agent.sandbox import Fault, Sandbox
from cicd_agent.sandbox import app as sandbox_app
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios


def _get(sb: Sandbox, path: str, **headers: str) -> requests.Response:
    return requests.get(sb.base_url + path, headers={"Authorization": f"token {sb.token}", **headers}, timeout=10)


def _failed_job_log(sb: Sandbox, repo: str) -> str:
    gh = GitHubClient(sb.base_url, sb.token, seconds_between_writes=0)
    run = gh.workflow_runs(repo, status="failure")[0]
    job = next(j for j in gh.jobs(repo, run.id) if j.conclusion == "failure")
    log = gh.job_log(repo, job.id)
    assert log is not None
    with log:
        return log.read().decode("utf-8")


@pytest.mark.parametrize(
    ("scenario", "evidence"),
    [
        ("format", "1 file would be reformatted"),
        ("dependency", "ModuleNotFoundError: No module named 'yaml'"),
        ("deprecated-action", "uses a deprecated version of `actions/upload-artifact: v3`"),
        ("transient", "Read timed out."),
        ("timeout", "has exceeded the maximum execution time of 2 minutes"),
        ("unfixable", "AssertionError: 0 != 4"),
    ],
)
def test_each_scenario_really_fails_with_its_evidence(demo_sandbox: Sandbox, scenario: str, evidence: str) -> None:
    repo = next(s.repo for s in SCENARIOS if s.name == scenario)
    log = _failed_job_log(demo_sandbox, repo)
    assert evidence in log
    first = log.splitlines()[0]
    assert first[:4].isdigit() and first[10] == "T" and first.split(" ", 1)[0].endswith("Z")


def test_logs_use_github_markers(demo_sandbox: Sandbox) -> None:
    log = _failed_job_log(demo_sandbox, "demo/format-check")
    assert "##[group]Run ruff format --check ." in log
    assert "##[endgroup]" in log
    assert "##[error]Process completed with exit code 1." in log


def test_push_through_git_starts_ci_and_a_fix_goes_green(sandbox: Sandbox, tmp_path: Path) -> None:
    install_scenarios(sandbox, ["format"])
    sandbox.settle()
    clone = git.Repo.clone_from(sandbox.repo("demo/format-check").clone_url, tmp_path / "clone")
    (tmp_path / "clone" / "app.py").write_text("def add(a, b):\n    return a + b\n")
    clone.index.add(["app.py"])
    clone.index.commit("format")
    clone.remote().push("HEAD:refs/heads/fix")
    assert sandbox.settle() == 1
    gh = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0)
    runs = gh.workflow_runs("demo/format-check", branch="fix")
    assert [(r.status, r.conclusion) for r in runs] == [("completed", "success")]
    jobs = gh.jobs("demo/format-check", runs[0].id)
    assert [(j.name, j.status, j.conclusion) for j in jobs] == [("test", "completed", "success")]


def test_transient_failure_passes_on_rerun(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["transient"])
    sandbox.settle()
    gh = GitHubClient(sandbox.base_url, sandbox.token, seconds_between_writes=0)
    run = gh.workflow_runs("demo/flaky-network")[0]
    assert (run.conclusion, run.attempt) == ("failure", 1)
    gh.rerun_failed_jobs("demo/flaky-network", run.id)
    assert gh.workflow_run("demo/flaky-network", run.id).status == "queued"
    sandbox.settle()
    again = gh.workflow_run("demo/flaky-network", run.id)
    assert (again.conclusion, again.attempt) == ("success", 2)


def test_pygithub_reads_every_page(demo_sandbox: Sandbox) -> None:
    first = _get(demo_sandbox, "/repos/demo/format-check/actions/runs?per_page=1")
    assert len(first.json()["workflow_runs"]) == 1
    gh = GitHubClient(demo_sandbox.base_url, demo_sandbox.token, seconds_between_writes=0)
    assert len(gh.workflow_runs("demo/format-check")) == len(demo_sandbox.repo("demo/format-check").runs)


def test_link_header_walks_pages(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    sandbox.settle()
    repo = sandbox.repo("demo/format-check")
    for n in range(4):
        repo.bare.update_branch(f"b{n}", repo.bare.branches()["main"])
    sandbox.settle()
    response = _get(sandbox, "/repos/demo/format-check/actions/runs?per_page=2")
    assert 'rel="next"' in response.headers["Link"] and 'rel="last"' in response.headers["Link"]
    seen, url = [], sandbox.base_url + "/repos/demo/format-check/actions/runs?per_page=2"
    while url:
        page = requests.get(url, headers={"Authorization": f"token {sandbox.token}"}, timeout=10)
        seen += [r["id"] for r in page.json()["workflow_runs"]]
        url = page.links.get("next", {}).get("url", "")
    assert len(seen) == len(set(seen)) == 5


def test_etag_gives_304_that_costs_no_rate_limit(demo_sandbox: Sandbox) -> None:
    first = _get(demo_sandbox, "/repos/demo/format-check/actions/runs")
    etag = first.headers["ETag"]
    remaining = int(first.headers["X-RateLimit-Remaining"])
    second = _get(demo_sandbox, "/repos/demo/format-check/actions/runs", **{"If-None-Match": etag})
    assert second.status_code == 304 and second.content == b""
    assert int(second.headers["X-RateLimit-Remaining"]) == remaining
    third = _get(demo_sandbox, "/repos/demo/format-check/actions/runs", **{"If-None-Match": '"stale"'})
    assert third.status_code == 200
    assert int(third.headers["X-RateLimit-Remaining"]) == remaining - 1
    assert {"X-RateLimit-Limit", "X-RateLimit-Reset", "X-RateLimit-Used", "X-RateLimit-Resource"} <= set(third.headers)


def test_log_redirect_is_short_lived(demo_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = demo_sandbox.repo("demo/format-check")
    job_id = repo.runs[0].current_jobs()[0].id
    response = requests.get(
        f"{demo_sandbox.base_url}/repos/demo/format-check/actions/jobs/{job_id}/logs",
        headers={"Authorization": f"token {demo_sandbox.token}"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert requests.get(location, timeout=10).status_code == 200
    real_time = time.time
    monkeypatch.setattr(sandbox_app.time, "time", lambda: real_time() + sandbox_app.LOG_URL_TTL + 1)
    assert requests.get(location, timeout=10).status_code == 403


def test_auth(demo_sandbox: Sandbox) -> None:
    bad = requests.get(
        demo_sandbox.base_url + "/repos/demo/format-check", headers={"Authorization": "token nope"}, timeout=10
    )
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"
    anonymous_write = requests.post(demo_sandbox.base_url + "/repos/demo/format-check/issues", json={}, timeout=10)
    assert anonymous_write.status_code == 401


def test_fault_injection_and_request_log(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    requests.post(
        sandbox.base_url + "/_sandbox/faults",
        json={"method": "GET", "path": "/actions/runs$", "status": 503, "times": 2, "retry_after": 7},
        timeout=10,
    )
    sandbox.inject(Fault("GET", r"^/repos/demo/format-check$", status=200, body="{not json"))
    first = _get(sandbox, "/repos/demo/format-check/actions/runs")
    assert first.status_code == 503 and first.headers["Retry-After"] == "7"
    assert _get(sandbox, "/repos/demo/format-check/actions/runs").status_code == 503
    assert _get(sandbox, "/repos/demo/format-check/actions/runs").status_code == 200
    assert _get(sandbox, "/repos/demo/format-check").text == "{not json"
    log = requests.get(sandbox.base_url + "/_sandbox/requests", timeout=10).json()
    assert [(e["method"], e["status"]) for e in log] == [("GET", 503), ("GET", 503), ("GET", 200), ("GET", 200)]
    requests.delete(sandbox.base_url + "/_sandbox/requests", timeout=10)
    assert requests.get(sandbox.base_url + "/_sandbox/requests", timeout=10).json() == []


def test_pygithub_retries_injected_5xx(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    sandbox.inject(Fault("GET", r"^/repos/demo/format-check$", status=502, times=1))
    gh = GitHubClient(sandbox.base_url, sandbox.token, retries=2, seconds_between_writes=0)
    assert gh.repository("demo/format-check").default_branch == "main"
    statuses = [e["status"] for e in sandbox.requests if e["path"] == "/repos/demo/format-check"]
    assert statuses == [502, 200]


def test_run_filters(demo_sandbox: Sandbox) -> None:
    gh = GitHubClient(demo_sandbox.base_url, demo_sandbox.token, seconds_between_writes=0)
    assert gh.workflow_runs("demo/format-check", status="success") == []
    assert gh.workflow_runs("demo/format-check", branch="nope") == []
    runs = gh.workflow_runs("demo/format-check", created=">=2000-01-01")
    assert runs and gh.workflow_runs("demo/format-check", created="<2000-01-01") == []
    assert gh.workflow_runs("demo/format-check", head_sha=runs[0].head_sha) == runs


def test_pygithub_honours_retry_after_on_429(sandbox: Sandbox) -> None:
    install_scenarios(sandbox, ["format"])
    sandbox.inject(Fault("GET", r"^/repos/demo/format-check$", status=429, times=1, retry_after=1))
    gh = GitHubClient(sandbox.base_url, sandbox.token, retries=2, seconds_between_writes=0)
    started = time.monotonic()
    assert gh.repository("demo/format-check").full_name == "demo/format-check"
    assert time.monotonic() - started >= 0.9  # it waited as told before asking again
    assert [e["status"] for e in sandbox.requests if e["path"] == "/repos/demo/format-check"] == [429, 200]


def test_sandbox_serve_prints_its_url_and_token_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    import json
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cicd_agent",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--scenario",
            "format",
            "--root",
            str(tmp_path / "sb"),
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        response = requests.get(
            info["api_url"] + "/repos/demo/format-check",
            headers={"Authorization": f"token {info['token']}"},
            timeout=10,
        )
        assert response.status_code == 200 and response.json()["full_name"] == "demo/format-check"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_sandbox_serve_says_what_to_copy_and_delivers_signed_webhooks(tmp_path: Path) -> None:
    import json
    import signal
    import subprocess
    import sys

    from harness import Inbox, wait_for

    from cicd_agent.modes.webhook import signature_ok

    inbox = Inbox()
    args = ["sandbox", "serve", "--scenario", "format", "--root", str(tmp_path / "sb"), "--webhook", inbox.url]
    env = {**os.environ, "CICD_AGENT_WEBHOOK_SECRET": "s3cret"}
    text = subprocess.Popen(
        [sys.executable, "-m", "cicd_agent", *args[:-4], "--root", str(tmp_path / "sb2")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "cicd_agent", *args, "--json"], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None and text.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert info["repositories"] == ["demo/format-check"] and info["webhook"] == inbox.url
        assert info["environment"] == {
            "GITHUB_API_URL": info["api_url"],
            "GITHUB_TOKEN": info["token"],
            "CICD_AGENT_PACKAGE_INDEX": str(tmp_path / "sb" / "wheelhouse"),
        }
        wait_for(lambda: len(inbox.posts) >= 1, "the first CI run's workflow_run delivery")
        _, headers, body = inbox.posts[0]
        assert headers["x-github-event"] == "workflow_run"
        assert signature_ok("s3cret", body, headers["x-hub-signature-256"])
        for _ in range(8):  # the text form: the same facts, ready to copy
            line = text.stdout.readline()
            if "GITHUB_API_URL" in line:
                assert line.strip().startswith("export GITHUB_API_URL=http://127.0.0.1:")
                break
        else:
            raise AssertionError("no export line")
    finally:
        for each in (proc, text):
            each.send_signal(signal.SIGINT)
            each.communicate(timeout=30)
        inbox.close()
    assert proc.returncode == 0 and text.returncode == 0
