"""The deployment guide's unit and container recipe name options and files that exist."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from harness import Agent

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = (ROOT / "docs" / "deploy.md").read_text()


def _block(language: str) -> str:
    (block,) = re.findall(rf"```{language}\n(.*?)```", DEPLOY, re.S)
    return str(block)


def test_the_systemd_unit_runs_a_command_the_cli_accepts(agent: Agent) -> None:
    (line,) = [line for line in _block("ini").splitlines() if line.startswith("ExecStart=")]
    argv = shlex.split(line.removeprefix("ExecStart="))
    assert argv[0].endswith("/bin/agent")
    result = agent(*argv[1:], "--help")  # every option exists where it is written
    assert result.code == 0, result.err
    assert "--watch" in argv and "--metrics-port" in argv


def test_the_container_recipe_copies_what_exists_and_runs_a_command_the_cli_accepts(agent: Agent) -> None:
    dockerfile = _block("dockerfile")
    for source in re.findall(r"^COPY (\S+)", dockerfile, re.M):
        assert (ROOT / source).exists(), source
    (cmd,) = re.findall(r"^CMD (\[.*\])$", dockerfile, re.M)
    (entry,) = re.findall(r"^ENTRYPOINT (\[.*\])$", dockerfile, re.M)
    assert json.loads(entry)[1:] == ["-m", "cicd_agent"]
    result = agent(*json.loads(cmd), "--help")
    assert result.code == 0, result.err
