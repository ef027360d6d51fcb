"""A step that hit its own time limit: that step's limit raised within its job's, or a refusal saying why."""

from __future__ import annotations

import pytest
import yaml
from yaml.nodes import MappingNode

from cicd_agent.fixers.base import CannotFix, FixPlan
from cicd_agent.fixers.step_timeout import raise_step
from cicd_agent.fixers.workflow_yaml import get

WORKFLOW = """\
name: CI
on: push
jobs:
  test:
    runs-on: ubuntu-latest
{job_limit}    steps:
      - uses: actions/checkout@v4
      - name: Integration tests
        timeout-minutes: {step_limit}
        run: make integration
      - run: make lint
        timeout-minutes: 5
"""


def _job(text: str) -> MappingNode:
    root = yaml.compose(text)
    assert isinstance(root, MappingNode)
    job = get(get(root, "jobs"), "test")
    assert isinstance(job, MappingNode)
    return job


def _raise(text: str, step: str, current: int) -> FixPlan | CannotFix:
    return raise_step(".github/workflows/ci.yml", text, "test", _job(text), step, current, 2.0, 360)


def test_the_step_s_limit_is_doubled_and_nothing_else_changes() -> None:
    text = WORKFLOW.format(job_limit="", step_limit=10)
    plan = _raise(text, "Integration tests", 10)
    assert isinstance(plan, FixPlan), plan
    (change,) = plan.changes
    assert change.after == text.replace("timeout-minutes: 10", "timeout-minutes: 20")


def test_a_step_named_by_its_command_is_found_as_github_shows_it() -> None:
    text = WORKFLOW.format(job_limit="", step_limit=10)
    plan = _raise(text, "Run make lint", 5)
    assert isinstance(plan, FixPlan), plan
    assert plan.changes[0].after == text.replace("timeout-minutes: 5", "timeout-minutes: 10")


def test_the_job_s_own_limit_bounds_the_step() -> None:
    text = WORKFLOW.format(job_limit="    timeout-minutes: 15\n", step_limit=10)
    plan = _raise(text, "Integration tests", 10)
    assert isinstance(plan, FixPlan), plan
    assert "timeout-minutes: 15\n" in plan.changes[0].after and "timeout-minutes: 10" not in plan.changes[0].after


@pytest.mark.parametrize(
    ("job_limit", "step_limit", "step", "current", "why"),
    [
        ("    timeout-minutes: 10\n", "10", "Integration tests", 10, "raise the job's limit by hand"),
        ("", "${{ inputs.minutes }}", "Integration tests", 10, "does not set a plain 10-minute limit"),
        ("", "10", "Integration tests", 12, "does not set a plain 12-minute limit"),
        ("", "10", "Deploy", 10, "0 steps of job `test`"),
        ("    timeout-minutes: ${{ inputs.job }}\n", "10", "Integration tests", 10, "with an expression"),
    ],
)
def test_refused_with_a_reason(job_limit: str, step_limit: str, step: str, current: int, why: str) -> None:
    result = _raise(WORKFLOW.format(job_limit=job_limit, step_limit=step_limit), step, current)
    assert isinstance(result, CannotFix) and why in result.why, result
