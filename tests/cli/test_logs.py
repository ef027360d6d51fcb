"""Library logging goes through one redacting handler, whatever the library and the verbosity; crash files
carry no secret either."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cicd_agent.cli.logs import configure_logging, write_crash_log

TOKEN = "ghp_" + "k" * 36


@pytest.mark.parametrize("name", ["urllib3.connectionpool", "github.Requester", "some.other.library", ""])
def test_every_record_is_redacted_at_the_highest_verbosity(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(2)
    try:
        logger = logging.getLogger(name)
        logger.warning("%s %s", "POST https://u:pw-in-url@ghe.example/api", {"Authorization": f"token {TOKEN}"})
        try:
            raise ValueError(f"refused {TOKEN}")
        except ValueError:
            logger.exception("failed")
    finally:
        configure_logging(0)
    err = capsys.readouterr().err
    assert "pw-in-url" not in err and TOKEN not in err and "https://***@ghe.example" in err
    assert "ValueError: refused ***" in err  # the traceback is there, redacted


def test_nothing_is_printed_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(0)
    logging.getLogger("urllib3").warning("a library's warning")
    logging.getLogger("anything").error("another")
    assert capsys.readouterr().err == ""


def test_a_crash_file_has_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr("sys.argv", ["agent", "--state-url", "postgresql://agent:pgpass@db/state", "run"])
    try:
        raise RuntimeError(f"boom with {TOKEN} and http://u:pw2@h/x")
    except RuntimeError:
        path = write_crash_log()
    assert path is not None
    text = path.read_text()
    assert "RuntimeError: boom" in text and "postgresql://***@db/state" in text
    assert TOKEN not in text and "pgpass" not in text and "pw2" not in text
