"""A few random-kill trials (the benchmark runs many: `benchmarks/kill_trials.py`): the real agent process is
killed at a random moment of a fix or a rollback, and later cycles leave one labelled PR, no orphan branch, no
comment twice, the breaker counting each rolled-back fix once, and nothing stuck. The moments are drawn with a
fixed seed, so every run kills at the same ones."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from harness import Loop
from trials import Moment, calibrate, choose, prepare, trial

TRIALS = 4


@pytest.fixture(scope="module")
def moments(tmp_path_factory: pytest.TempPathFactory) -> list[Moment]:
    counts = calibrate(Path(tmp_path_factory.mktemp("calibration")) / "scenes")
    rng = random.Random(11)
    return [choose(rng, counts) for _ in range(TRIALS)]


@pytest.mark.parametrize("number", range(TRIALS))
def test_killed_at_a_random_moment_the_loop_recovers(loop: Loop, moments: list[Moment], number: int) -> None:
    moment = moments[number]
    prepare(loop.sandbox, moment.scenario)
    outcome = trial(loop.sandbox, loop.agent, moment)
    assert outcome.killed, f"{moment}: the agent finished before the moment"
    assert outcome.problems == [], f"{moment}: {outcome.decisions}"
