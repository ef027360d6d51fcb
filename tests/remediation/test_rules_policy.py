"""Pure decisions: rules (ladder, cooldown, matching), policy, and text for GitHub (the verdict: test_verdict.py)."""

from __future__ import annotations

import pytest

from cicd_agent.analysis import Analysis, ExcerptLine
from cicd_agent.config.parse import parse_config
from cicd_agent.fixers import FileChange, FixPlan
from cicd_agent.remediation.policy import APPROVAL_LABEL, PullCounts, check_plan, check_rate
from cicd_agent.remediation.rules import candidates, from_config
from cicd_agent.text import ZWSP, break_mentions, fenced, metadata_comment, read_metadata

TRANSIENT = Analysis("ab" * 32, "", "network.transient", None, [ExcerptLine(1, "Read timed out.")], None, 1)
FORMAT = Analysis("cd" * 32, "", "format.check", None, [ExcerptLine(1, "Would reformat: a.py")], None, 1)


def _names(
    config_text: str,
    analysis: Analysis,
    *,
    reruns: int = 0,
    fired: dict[str, float] | None = None,
    repo: str = "o/r",
    branch: str = "main",
) -> list[str]:
    config, problems = parse_config(config_text)
    assert problems == []
    return [
        r.name
        for r in candidates(
            from_config(config), analysis, repo, branch, reruns_done=reruns, last_fired=fired or {}, now=1000.0
        )
    ]


def test_default_ladder_rerun_then_report() -> None:
    assert _names("", TRANSIENT) == ["transient-rerun", "report"]
    assert _names("", TRANSIENT, reruns=1) == ["report"]  # the rerun budget is spent: next rung
    assert _names("", FORMAT) == ["format", "report"]


def test_user_rules_come_first_by_priority_and_match_on_everything() -> None:
    text = """
[[rules]]
name = "late"
priority = 50
category = "format.*"
strategy = "report"
[[rules]]
name = "early"
priority = 10
excerpt_regex = "reformat: a\\\\.py"
branches = ["main"]
repos = ["o/*"]
strategy = "fix"
command = ["make", "fmt"]
[[rules]]
name = "other-branch"
priority = 1
branches = ["release/*"]
strategy = "ignore"
"""
    assert _names(text, FORMAT) == ["early", "late", "format", "report"]
    assert _names(text, FORMAT, branch="release/1") == ["other-branch", "late", "format", "report"]
    assert _names(text, FORMAT, repo="x/y") == ["late", "format", "report"]


def test_cooldown_and_enabled() -> None:
    text = (
        '[[rules]]\nname = "slow"\ncategory = "format.check"\nstrategy = "report"\ncooldown = "1h"\n'
        '[[rules]]\nname = "off"\nstrategy = "ignore"\nenabled = false\n'
    )
    assert _names(text, FORMAT, fired={"slow": 900.0}) == ["format", "report"]
    assert _names(text, FORMAT, fired={"slow": 1000.0 - 3601}) == ["slow", "format", "report"]


def test_signature_prefix_rule() -> None:
    text = f'[[rules]]\nname = "this-one"\nsignature = "{FORMAT.signature[:8]}"\nstrategy = "ignore"\n'
    assert _names(text, FORMAT)[0] == "this-one"
    assert _names(text, TRANSIENT)[0] == "transient-rerun"


def _plan(*paths: str, lines: int = 1) -> FixPlan:
    return FixPlan("x", "t", "r", [FileChange(p, "a\n", "a\n" + "b\n" * lines) for p in paths])


@pytest.mark.parametrize(
    ("policy", "plan", "allowed", "words"),
    [
        ("", _plan("src/a.py"), True, ""),
        ('allowed_paths = ["docs/**"]', _plan("src/a.py"), False, "outside allowed_paths"),
        ("max_files = 1", _plan("a", "b"), False, "max_files"),
        ("max_changed_lines = 3", _plan("a", lines=5), False, "max_changed_lines"),
        ("", _plan(".github/workflows/ci.yml"), False, "allow_workflow_changes"),
        ("allow_workflow_changes = true", _plan(".github/workflows/ci.yml"), True, ""),
    ],
)
def test_policy(policy: str, plan: FixPlan, allowed: bool, words: str) -> None:
    config, problems = parse_config(f"[policy]\n{policy}\n")
    assert problems == []
    result = check_plan(plan, config.policy)
    assert result.allowed is allowed and words in result.reason


def test_needs_approval_opens_a_labelled_draft() -> None:
    config, _ = parse_config("[policy]\nneeds_approval = true\n")
    result = check_plan(_plan("a"), config.policy)
    assert (result.allowed, result.draft, result.labels) == (True, True, [APPROVAL_LABEL])


def test_rate_limits() -> None:
    config, _ = parse_config("")
    assert check_rate(PullCounts(4, 1, 4, 1), config.policy) is None
    assert "(max_open_prs 5)" in (check_rate(PullCounts(5, 0, 5, 0), config.policy) or "")
    assert "(max_new_prs_per_hour 2)" in (check_rate(PullCounts(0, 2, 0, 2), config.policy) or "")


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (PullCounts(0, 0, 9, 0), None),
        (PullCounts(0, 0, 10, 0), "(fleet_max_open_prs 10)"),  # a quiet repository still waits for the fleet
        (PullCounts(0, 0, 0, 3), "(fleet_max_new_prs_per_hour 3)"),
        (PullCounts(5, 0, 10, 0), "(fleet_max_open_prs 10)"),  # the fleet's bound is named first
        (PullCounts(1, 0, 1, 2), None),
    ],
)
def test_fleet_rate_limits(counts: PullCounts, expected: str | None) -> None:
    config, problems = parse_config("[policy]\nfleet_max_open_prs = 10\nfleet_max_new_prs_per_hour = 3\n")
    assert problems == []
    reason = check_rate(counts, config.policy)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason


def test_fleet_bounds_of_zero_are_off() -> None:
    config, _ = parse_config("[policy]\nfleet_max_open_prs = 0\nfleet_max_new_prs_per_hour = 0\n")
    assert check_rate(PullCounts(0, 0, 10_000, 10_000), config.policy) is None


def test_untrusted_text_in_pull_requests() -> None:
    assert (
        break_mentions("ping @octocat and @org/team, see #12")
        == f"ping @{ZWSP}octocat and @{ZWSP}org/team, see #{ZWSP}12"
    )
    block = fenced("a ```` b")
    assert block.startswith("`````text\n") and block.endswith("\n`````")
    comment = metadata_comment({"branch": "x --> <script>", "n": 1})
    assert "-->" not in comment[: -len(" -->")] and read_metadata(f"body\n{comment}") == {
        "branch": "x --> <script>",
        "n": 1,
    }


def test_watch_jobs_never_overlap() -> None:
    from cicd_agent.modes.watch import Watcher

    config, _ = parse_config('[schedule]\npoll_interval = "2m"\nhealth_interval = "30s"\ncleanup_cron = "0 2 * * *"\n')
    scheduler = Watcher(config, lambda health_only: None, lambda: None, lambda message: None).scheduler()
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"cycle", "health", "cleanup"}
    defaults = scheduler._job_defaults
    assert defaults["max_instances"] == 1 and defaults["coalesce"] is True
    assert (
        jobs["cycle"].trigger.interval.total_seconds() == 120 and jobs["health"].trigger.interval.total_seconds() == 30
    )
    assert str(jobs["cleanup"].trigger).startswith("cron[")
    assert scheduler._executors["default"]._pool._max_workers == 1


def test_bad_cron_is_a_config_error() -> None:
    _, problems = parse_config('[schedule]\ncleanup_cron = "every day"\n')
    assert [p.key for p in problems] == ["schedule.cleanup_cron"]
