"""The dashboard end to end: a real watcher serves it beside /metrics, Debian's headless Chromium (driven by
Playwright, never a downloaded browser) shows the fleet and a remediation's timeline, strangers' text stays text.
Screenshots are kept under test-artifacts/ (gitignored); their paths are printed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from harness import Loop, free_port, wait_for

from cicd_agent.model import Decision

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("CICD_AGENT_REQUIRE_BROWSER") == "1"  # .ci/run installs chromium and sets it
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script> @everyone'


@pytest.fixture
def browser_page() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if REQUIRED:
            pytest.fail(f"no chromium at {CHROMIUM}: `apt-get install -y chromium` (.ci/run does)")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium); CI requires it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="cicd-agent-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def _shot(page: Any, name: str, request: pytest.FixtureRequest) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    with request.getfixturevalue("capsys").disabled():  # printed past the capture, for whoever runs the tests
        print(f"\ndashboard screenshot: {path}")
    return path


def test_the_dashboard_shows_the_fleet_and_a_timeline_in_chromium(
    loop: Loop, browser_page: Any, request: pytest.FixtureRequest
) -> None:
    loop.setup("format", "unfixable", "bad-fix")
    assert sorted(loop.decisions()) == ["fix_opened", "fix_opened", "reported"]
    store = loop.store()
    (fix,) = [r for r in store.remediations() if r.repo == "demo/format-check"]
    store.record_decision(
        Decision(
            fix.created_at + 1,
            fix.repo,
            "cannot_fix",
            HOSTILE,
            branch=fix.branch,
            run_id=fix.run_id,
            run_attempt=fix.run_attempt,
        )
    )
    store.close()
    port = free_port()
    watcher = subprocess.Popen(
        [sys.executable, "-m", "cicd_agent", "run", "--watch", "--metrics-port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    dialogs: list[str] = []
    page = browser_page
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:

        def answering() -> bool:
            try:
                return requests.get(f"{base}/dashboard", timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(answering, "the watcher to serve /dashboard")
        page.goto(f"{base}/dashboard")
        assert page.title() == "cicd-agent dashboard"
        cards = {
            page.locator(".card").nth(i).inner_text().split("\n")[1]: page.locator(".card")
            .nth(i)
            .locator("b")
            .inner_text()
            for i in range(page.locator(".card").count())
        }
        assert cards["repositories"] == "3" and cards["open remediations"] == "2"
        assert page.locator("#breaker-chart svg rect").count() >= 1  # breakers by state, drawn
        assert "demo/failing-test" in page.locator("table").first.inner_text()
        _shot(page, "dashboard-fleet.png", request)

        page.click(f'a[href="/dashboard/remediation?id={fix.id}"]')
        assert page.title() == f"cicd-agent: remediation {fix.id}"
        kinds = [item.get_attribute("class") for item in page.locator("ol.timeline li").all()]
        assert kinds[0] == "failure" and {"decision", "pull_request", "health_check"} <= set(kinds)
        assert page.locator(f'ol.timeline a[href="{fix.pr_url}"]').count() >= 1  # the PR, linked
        assert (
            page.locator("ol.timeline li.failure a")
            .get_attribute("href")
            .endswith(f"/demo/format-check/actions/runs/{fix.run_id}/attempts/{fix.run_attempt}")
        )
        assert HOSTILE in page.locator("ol.timeline").inner_text()  # shown as text
        assert page.locator("img").count() == 0 and page.locator("script").count() == 0 and dialogs == []
        _shot(page, "dashboard-timeline.png", request)

        assert requests.get(f"{base}/dashboard/remediation?id=999", timeout=5).status_code == 404
        assert requests.get(f"{base}/dashboard/remediation?id=x", timeout=5).status_code == 400
        assert requests.post(f"{base}/dashboard", timeout=5).status_code == 405  # read-only
    finally:
        watcher.send_signal(signal.SIGTERM)
        _, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    assert f"the dashboard on {base}/dashboard" in err
