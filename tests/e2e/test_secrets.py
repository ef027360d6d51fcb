"""No secret the agent was given reaches any output, at any verbosity: commands run at `-vv` (library debug
lines included) with a token, a password inside `GITHUB_API_URL`, a Slack webhook URL, a Telegram bot token, a
notification webhook URL with a secret query and a webhook secret, all held in variables whose names do not
look secret; every byte they leave (stdout, stderr, the dry-run report, the state database, crash files) is
searched for each of them. The token URL rule (https, or plain http only to loopback written plainly) holds
for `GITHUB_API_URL` as for the config file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness import SETTINGS, Inbox, Loop, free_port

from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios

URL_PASSWORD = "PwInTheApiUrl-93kq"
SLACK_PATH = "/services/T0SECRETW/B0SECRETC/slackPathSecret0123456789"
TELEGRAM = "987654321:AAtelegramBotSecret_abcdefghijklmnop"
HOOK_QUERY = "hookQuerySecret-55x"
WEBHOOK_SECRET = "webhook-signing-secret-7781"


def _agent(cwd: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "cicd_agent", "-vv", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout + done.stderr


def _everything(root: Path) -> bytes:
    """Every file under `root` (the report, the state database and its journal, snapshots, crash files)."""
    return b"".join(
        path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file() and ".git" not in path.parts
    )


def test_no_secret_reaches_any_output_at_the_highest_verbosity(sandbox: Sandbox, tmp_path: Path) -> None:
    scenario = next(s for s in SCENARIOS if s.name == "format")
    install_scenarios(sandbox, ["format"])
    sandbox.settle()
    inbox = Inbox()
    work = tmp_path / "served"
    work.mkdir()
    try:
        api = sandbox.base_url.replace("http://", f"http://agent:{URL_PASSWORD}@")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_", "CICD_AGENT_"))},
            "GITHUB_API_URL": api,
            "GITHUB_TOKEN": sandbox.token,
            "TEAM_CHAT": inbox.url.removesuffix("/hook") + SLACK_PATH,
            "TG_BOT": TELEGRAM,
            "EVENTS_AT": f"{inbox.url}?token={HOOK_QUERY}",
            "CICD_AGENT_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "XDG_CACHE_HOME": str(work / "cache"),
        }
        notifications = (
            '[notifications]\nslack_webhook_env = "TEAM_CHAT"\ntelegram_token_env = "TG_BOT"\n'
            f'telegram_chat_id = "42"\ntelegram_api_url = "{inbox.url.removesuffix("/hook")}"\n'
            'webhook_url_env = "EVENTS_AT"\nevents = ["fix_healthy", "rollback", "breaker_opened"]\n'
        )
        repos = f'[[repos]]\nname = "{scenario.repo}"\nbranches = ["main"]\n'
        (work / "cicd-agent.toml").write_text(SETTINGS.format(extra="") + repos + notifications)

        outputs = [_agent(work, env, "--dry-run", "--report", "plan.md", "run")]
        outputs.append(_agent(work, env, "run"))  # the fix's pull request
        sandbox.settle()
        outputs.append(_agent(work, env, "run"))  # its health check: healthy, notified on three channels
        outputs += [_agent(work, env, *command) for command in (["status"], ["history", "--json"], ["breaker", "list"])]
        closed = env | {"GITHUB_API_URL": f"http://agent:{URL_PASSWORD}@127.0.0.1:{free_port()}"}
        outputs.append(unreachable := _agent(work, closed, "run"))
    finally:
        inbox.close()

    assert [code for code, _ in outputs] == [0, 0, 0, 0, 0, 0, 1], outputs
    assert "cannot reach GitHub at http://***@127.0.0.1" in unreachable[1]
    assert {path.split("?")[0] for path, _, _ in inbox.posts} == {SLACK_PATH, f"/bot{TELEGRAM}/sendMessage", "/hook"}
    text = "".join(out for _, out in outputs)
    # the libraries' debug lines for the notifications were printed, without what was secret in them
    assert '"POST *** HTTP/1.1" 200' in text and '"POST /bot***/sendMessage HTTP/1.1" 200' in text
    searched = text.encode() + _everything(work)
    for secret in (sandbox.token, URL_PASSWORD, SLACK_PATH, TELEGRAM, HOOK_QUERY, WEBHOOK_SECRET):
        assert secret.encode() not in searched, f"{secret} leaked"


@pytest.mark.parametrize(
    "url",
    ["http://2130706433:{port}", "http://0x7f.1:{port}", "http://127.1:{port}", "http://[::ffff:127.0.0.1]:{port}"],
)
def test_the_token_is_never_sent_in_clear_to_another_spelling_of_loopback(
    loop: Loop, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    loop.setup("unfixable")
    port = loop.sandbox.base_url.rsplit(":", 1)[1]
    monkeypatch.setenv("GITHUB_API_URL", url.format(port=port))
    before = len(loop.sandbox.requests)
    result = loop.agent("run")
    assert result.code == 1 and "Traceback" not in result.err
    (line,) = result.err.strip().splitlines()
    assert (
        "$GITHUB_API_URL" in line and "plain http to another machine" in line and "127.0.0.1, ::1 or localhost" in line
    )
    assert len(loop.sandbox.requests) == before  # not one request: the token was not sent
