"""GitHub App credentials (JWT -> installation token, refreshed), and tokens never written anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from harness import Loop


def app_keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _use_app(loop: Loop, monkeypatch: pytest.MonkeyPatch, private: str) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("APP_KEY", private)
    text = (
        Path("cicd-agent.toml")
        .read_text()
        .replace("[github]\n", '[github]\napp_id = "4242"\napp_private_key_env = "APP_KEY"\ninstallation_id = 77\n', 1)
    )
    Path("cicd-agent.toml").write_text(text)


def test_a_github_app_installation_token_is_minted_and_refreshed(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> None:
    private, public = app_keys()
    loop.setup("format")
    loop.sandbox.register_app("4242", public, 77)
    loop.sandbox.app_token_ttl = 5  # shorter than PyGithub's refresh margin: every use needs a fresh token
    _use_app(loop, monkeypatch, private)
    assert loop.decisions() == ["fix_opened"]
    assert len(loop.sandbox.issued) >= 2
    assert all(token.startswith("ghs_") for token in loop.sandbox.issued)


def test_a_wrong_app_key_is_a_clear_error(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> None:
    _, public = app_keys()
    other, _ = app_keys()
    loop.setup("format")
    loop.sandbox.register_app("4242", public, 77)
    _use_app(loop, monkeypatch, other)
    result = loop.agent("run")
    assert result.code == 1 and "Traceback" not in result.err
    assert "JSON web token" in result.err or "401" in result.err


def test_missing_app_key_variable(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> None:
    loop.setup("format")
    _use_app(loop, monkeypatch, "")
    monkeypatch.delenv("APP_KEY")
    result = loop.agent("run")
    assert result.code == 1 and "$APP_KEY" in result.err


def test_tokens_never_reach_files_logs_or_reports(loop: Loop, tmp_path: Path) -> None:
    loop.setup("format", "unfixable", "bad-fix")
    token = loop.sandbox.token
    outputs = []
    dry = loop.agent("--dry-run", "--report", "plan.md", "run")
    outputs += [dry.out, dry.err]
    for _ in range(3):
        result = loop.agent("-v", "run")
        outputs += [result.out, result.err]
        loop.sandbox.settle()
    for args in (["status", "--json"], ["history", "--json"], ["breaker", "list", "--json"], ["metrics"]):
        result = loop.agent(*args)
        outputs += [result.out, result.err]
    assert Path("plan.md").exists() and Path(".cicd-agent/state.db").exists() and any(Path("snapshots").iterdir())
    assert not any(token in text for text in outputs)
    for path in Path(".").rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), f"the token is in {path}"
    for item in (i for r in loop.sandbox.repos.values() for i in r.items.values()):
        assert token not in (item.body or "") and all(token not in c.body for c in item.comments)


def test_without_a_token_every_command_that_needs_one_says_so_once(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> None:
    loop.setup("format")
    monkeypatch.delenv("GITHUB_TOKEN")
    warning = "no token: reading anonymously (60 requests/hour), writes will fail"
    planned = loop.agent("--dry-run", "run")
    assert planned.code == 0, planned.err
    assert planned.err.count(warning) == 1 and "[DRY-RUN] github.open_pull" in planned.err
    refused = loop.agent("run")
    assert refused.code == 1 and refused.err.count(warning) == 1 and "error: no GitHub token" in refused.err
    assert loop.pulls("demo/format-check") == []
    run_id = loop.sandbox.repo("demo/format-check").runs[0].id
    explained = loop.agent("explain", "--repo", "demo/format-check", str(run_id))
    assert explained.code == 0 and explained.err.count(warning) == 1
