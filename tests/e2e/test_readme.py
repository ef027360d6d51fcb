"""Every `agent` command the README shows runs as written (placeholders filled in), against the sandbox."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from harness import Loop, free_port

README = Path(__file__).resolve().parents[2] / "README.md"
CORPUS = Path(__file__).resolve().parents[1] / "analysis" / "corpus"  # real job logs kept with the tests
LONG_RUNNING = ("--watch", "sandbox serve")  # run until stopped: started, checked, stopped with SIGTERM


def readme_commands() -> list[str]:
    """The `agent ...` lines of the README's shell blocks, without their comments."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith("agent ")]


def _fill(line: str, names: dict[str, str]) -> list[str]:
    words = shlex.split(line)[1:]
    return [names.get(word, word) for word in words]


def _long_running(args: list[str]) -> None:
    """Start it, wait until it serves, stop it as a service manager would: it must exit 0."""
    port = free_port()
    args = [
        str(port) if before in ("--port", "--metrics-port") else a
        for before, a in zip(["", *args[:-1]], args, strict=True)
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "cicd_agent", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}/" + ("healthz" if "--watch" in args else "repos/demo/format-check")
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                if requests.get(url, timeout=5).status_code < 500:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"{args} never served {url}"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM if "--watch" in args else signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, (args, err)


def test_every_command_in_the_readme_runs_as_written(loop: Loop, tmp_path: Path) -> None:
    commands = readme_commands()
    assert "agent run --dry-run --report plan.md" in commands  # the headline command, exactly as people write it
    loop.setup("format", "unfixable")
    first = loop.cycle()  # a fix in flight and a breaker for it
    fixed = next(d for d in first["decisions"] if d["decision"] == "fix_opened")
    failed_log = (CORPUS / "black-check.log").read_text()
    Path("job.log").write_text(failed_log)
    green = [line for line in failed_log.splitlines() if "reformat" not in line and "error" not in line.lower()]
    Path("last-green.log").write_text("\n".join(green) + "\n")
    names = {"OWNER/NAME": fixed["repo"], "RUN_ID": str(fixed["run_id"]), "SIGNATURE": fixed["signature"][:12]}
    fresh = tmp_path / "fresh"  # `agent init` and the check of what it wrote, where no config exists yet
    fresh.mkdir()
    env = dict(os.environ)
    for line in commands:
        args = _fill(line, names)
        if any(marker in line for marker in LONG_RUNNING):
            _long_running(args)
            continue
        if args[0] == "init" or args[:2] == ["config", "check"]:
            here = Path.cwd()
            os.chdir(fresh)
            try:
                result = loop.agent(*args)
            finally:
                os.chdir(here)
        else:
            result = loop.agent(*args)
        assert result.code == 0, (line, result.err)
        assert "Traceback" not in result.err
    assert Path("plan.md").read_text().startswith("# cicd-agent dry run")
    assert os.environ == env
