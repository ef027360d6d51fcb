"""A quiet watcher: what a job said the last time it ran is counted, not said again."""

from __future__ import annotations

from cicd_agent.modes.quiet import Collapse
from cicd_agent.remediation.poll import outage


def _run(collapse: Collapse, job: str, *lines: str) -> None:
    collapse.start(job)
    for line in lines:
        collapse.line(line)
    collapse.end(job)


def test_identical_lines_are_said_once_then_counted() -> None:
    said: list[str] = []
    clock = [0.0]
    collapse = Collapse(said.append, now=lambda: clock[0], remind_every=3600)
    for _ in range(13):
        _run(collapse, "cycle", "no new failures: o/a, o/b")
        _run(collapse, "health")  # another job in between does not break the run
        clock[0] += 60
    assert said == ["no new failures: o/a, o/b"]
    _run(collapse, "cycle", "o/a run 5#1 (main): fix_opened: ...")
    assert said[1:] == [
        "o/a run 5#1 (main): fix_opened: ...",
        "no new failures: o/a, o/b (same as the last 12 cycles before this one)",
    ]


def test_a_line_held_back_for_an_hour_is_said_again_with_its_count() -> None:
    said: list[str] = []
    clock = [0.0]
    collapse = Collapse(said.append, now=lambda: clock[0], remind_every=3600)
    for _ in range(61):
        _run(collapse, "cycle", "paused since ...")
        clock[0] += 60
    assert said == ["paused since ...", "paused since ... (same as the last 60 cycles)"]


def test_lines_outside_a_job_and_new_lines_are_always_said() -> None:
    said: list[str] = []
    collapse = Collapse(said.append)
    collapse.line("watching o/a")
    collapse.line("watching o/a")
    _run(collapse, "cycle", "a", "a", "b")  # the same line twice in one run: once
    _run(collapse, "cycle", "a", "c")
    assert said == ["watching o/a", "watching o/a", "a", "b", "c"]


def test_one_outage_is_one_line_with_the_repositories_counted() -> None:
    message = "GitHub answered 502 while listing failed runs of {repo}: Bad Gateway"
    assert outage(message, ["o/a"]) == "o/a: GitHub answered 502 while listing failed runs of o/a: Bad Gateway"
    line = outage(message, [f"o/r{n}" for n in range(12)])
    assert line == (
        "12 repositories (o/r0, o/r1, o/r2 and 9 more): GitHub answered 502 while listing failed runs of each: "
        "Bad Gateway"
    )
