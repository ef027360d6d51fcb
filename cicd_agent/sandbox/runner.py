"""The sandbox's CI: runs a commit's workflow `run:` steps for real and writes GitHub-shaped logs.

`uses:` steps are skipped with a note, except that deprecated action versions are rejected at set-up
the way GitHub rejects them. A job's `timeout-minutes` is honoured on a compressed clock
(`minute_seconds` real seconds per minute) so a timeout scenario finishes quickly.
"""

from __future__ import annotations

import fnmatch
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

# (action, major version) -> how GitHub words the rejection
DEPRECATED_ACTIONS: dict[tuple[str, str], str] = {
    **{("actions/upload-artifact", v): "artifact" for v in ("v1", "v2", "v3")},
    **{("actions/download-artifact", v): "artifact" for v in ("v1", "v2", "v3")},
    **{("actions/cache", v): "cache" for v in ("v1", "v2")},
}


@dataclass
class StepResult:
    name: str
    conclusion: str | None


@dataclass
class JobResult:
    key: str
    name: str
    conclusion: str
    steps: list[StepResult] = field(default_factory=list)
    log: str = ""


@dataclass(frozen=True)
class WorkflowFile:
    path: str
    name: str
    data: dict[str, Any]


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def parse_workflow(path: str, text: bytes) -> WorkflowFile | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    return WorkflowFile(path, str(data.get("name") or path.rsplit("/", 1)[-1]), data)


def triggers_on_push(wf: WorkflowFile, branch: str) -> bool:
    return triggers_on(wf, "push", branch)


def triggers_on(wf: WorkflowFile, event: str, branch: str) -> bool:
    """Does the workflow run on `event` for `branch` (the pushed branch; a pull request's base branch)?"""
    data: dict[Any, Any] = wf.data
    on = data.get("on", data.get(True))  # PyYAML reads a bare `on:` key as True
    if on == event or (isinstance(on, list) and event in on):
        return True
    if not isinstance(on, dict) or event not in on:
        return False
    trigger = on[event] or {}
    if "branches" in trigger:
        return any(fnmatch.fnmatchcase(branch, str(p)) for p in trigger["branches"] or [])
    if "branches-ignore" in trigger:
        return not any(fnmatch.fnmatchcase(branch, str(p)) for p in trigger["branches-ignore"] or [])
    return True


def job_names(wf: WorkflowFile) -> list[tuple[str, str]]:
    jobs = wf.data.get("jobs") or {}
    return [(key, str((spec or {}).get("name") or key)) for key, spec in jobs.items()]


class LogWriter:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        stamp = now_stamp()
        for line in text.splitlines() or [""]:
            self.lines.append(f"{stamp} {line}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def run_job(
    wf: WorkflowFile,
    key: str,
    checkout: Callable[[Path], None],
    env: dict[str, str],
    *,
    minute_seconds: float,
) -> JobResult:
    spec = (wf.data.get("jobs") or {}).get(key) or {}
    name = str(spec.get("name") or key)
    log = LogWriter()
    result = JobResult(key, name, "success")
    log("Current runner version: '2.320.0'")
    log("Runner name: 'GitHub Actions 1'")
    steps = spec.get("steps") or []
    log("Getting action download info")
    for step in steps:
        uses = str(step.get("uses") or "")
        if "@" in uses:
            action, version = uses.split("@", 1)
            kind = DEPRECATED_ACTIONS.get((action, version.split(".")[0]))
            if kind:
                log(f"##[error]{_deprecation_message(action, version, kind)}")
                result.steps.append(StepResult("Set up job", "failure"))
                result.conclusion = "failure"
                result.log = log.text()
                return result
        if uses:
            log(f"Download action repository '{uses}'")
    result.steps.append(StepResult("Set up job", "success"))
    minutes = float(spec.get("timeout-minutes") or 360)
    deadline = minutes * minute_seconds
    spent = 0.0
    failed = False
    with tempfile.TemporaryDirectory(prefix="sandbox-job-") as tmp:
        workspace = Path(tmp) / "workspace"
        checkout(workspace)
        job_env = {
            **env,
            **{str(k): str(v) for k, v in (wf.data.get("env") or {}).items()},
            **{str(k): str(v) for k, v in (spec.get("env") or {}).items()},
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_JOB": key,
        }
        for step in steps:
            step_name = str(
                step.get("name")
                or (
                    f"Run {step['uses']}"
                    if step.get("uses")
                    else f"Run {str(step.get('run', '')).strip().splitlines()[0]}"
                )
            )
            if failed and "always()" not in str(step.get("if", "")):
                result.steps.append(StepResult(step_name, "skipped"))
                continue
            if step.get("uses"):
                log(f"##[group]Run {step['uses']}")
                log("##[endgroup]")
                log(f"(sandbox: `uses: {step['uses']}` is not executed here)")
                result.steps.append(StepResult(step_name, "success"))
                continue
            script = str(step.get("run") or "")
            log(f"##[group]Run {script.strip().splitlines()[0] if script.strip() else ''}")
            log(script.rstrip("\n"))
            log("shell: /usr/bin/bash -e {0}")
            log("##[endgroup]")
            step_env = {**job_env, **{str(k): str(v) for k, v in (step.get("env") or {}).items()}}
            code, output, elapsed = _run_script(script, workspace, step_env, max(deadline - spent, 0.01))
            spent += elapsed
            if output:
                log(output.rstrip("\n"))
            if code is None:
                log(
                    f"##[error]The job running on runner GitHub Actions 1 has exceeded the maximum execution "
                    f"time of {minutes:g} minutes."
                )
                log("##[error]The operation was canceled.")
                result.steps.append(StepResult(step_name, "cancelled"))
                failed = True
            elif code != 0:
                log(f"##[error]Process completed with exit code {code}.")
                result.steps.append(StepResult(step_name, "failure"))
                failed = True
            else:
                result.steps.append(StepResult(step_name, "success"))
    log("Cleaning up orphan processes")
    result.steps.append(StepResult("Complete job", "success"))
    result.conclusion = "failure" if failed else "success"
    result.log = log.text()
    return result


def _deprecation_message(action: str, version: str, kind: str) -> str:
    if kind == "cache":
        return (
            f"This request has been automatically failed because it uses a deprecated version of "
            f"`{action}: {version}`. Please update your workflow to use v3/v4 of {action} to avoid "
            f"interruptions. Learn more: https://github.blog/changelog/2024-12-05-notice-of-upcoming-releases-"
            f"and-breaking-changes-for-github-actions/#actions-cache-v1-v2-and-actions-toolkit-cache-package-"
            f"closing-down"
        )
    return (
        f"This request has been automatically failed because it uses a deprecated version of "
        f"`{action}: {version}`. Learn more: https://github.blog/changelog/2024-04-16-deprecation-notice-v3-"
        f"of-the-artifact-actions/"
    )


def _run_script(script: str, cwd: Path, env: dict[str, str], limit: float) -> tuple[int | None, str, float]:
    """Run one `run:` script with bash; None as the code means it was killed at the time limit."""
    started = datetime.now(UTC)
    path = Path(sys.executable).parent
    full_env = {
        "PATH": f"{path}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(cwd.parent),
        "LANG": "C.UTF-8",
        "CI": "true",
        **env,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".sh", dir=cwd.parent, delete=False) as handle:
        handle.write(script)
        script_path = handle.name
    proc = subprocess.Popen(
        ["bash", "-e", script_path],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=limit)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        code = None
    elapsed = (datetime.now(UTC) - started).total_seconds()
    return code, out.decode("utf-8", errors="replace"), elapsed
