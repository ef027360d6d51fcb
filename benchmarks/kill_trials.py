"""Random-kill trials: the real agent process killed at random moments of fixes and rollbacks, then recovered.

    .venv/bin/python benchmarks/kill_trials.py --trials 60 --seed 1

Each trial starts a fresh sandbox with one scenario (`format`: the fix goes green; `bad-fix`: the fix goes red
and is rolled back), kills `agent run` (SIGKILL, with its git child) at a random API request of the fix's cycle
or of the rollback's cycle (before or after the sandbox made it), or in the middle of the git push, then runs
later cycles until nothing is left to do. It prints one line per trial and a summary of the checks (see
`tests/trials.py`).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from trials import PUSH, Outcome, calibrate, choose, in_process_agent, scene, trial  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kill-trials-"))
    counts = calibrate(work / "calibration")
    aims = ", ".join(f"{scenario}/{phase} {n}" for scenario, per in counts.items() for phase, n in per.items())
    print(f"API requests per unkilled cycle: {aims}")
    rng = random.Random(args.seed)
    outcomes: list[Outcome] = []
    started = time.time()
    for number in range(args.trials):
        moment = choose(rng, counts)
        with scene(work / f"trial-{number}", moment.scenario) as sandbox:
            outcome = trial(sandbox, in_process_agent, moment)
        outcomes.append(outcome)
        verdict = "ok" if not outcome.problems else "FAILED: " + "; ".join(outcome.problems)
        print(f"{number:3} {moment!s:36} killed={outcome.killed!s:5} {verdict}  [{' '.join(outcome.decisions)}]")
    report(outcomes, time.time() - started)
    return 0 if all(not o.problems for o in outcomes) else 1


def report(outcomes: list[Outcome], seconds: float) -> None:
    total = len(outcomes)
    where = Counter(f"{o.moment.scenario}/{o.moment.phase}" for o in outcomes)
    pushes = sum(1 for o in outcomes if o.moment.request == PUSH)
    rows = [
        ("killed at the chosen moment", sum(o.killed for o in outcomes)),
        ("exactly one PR", sum(o.pulls == 1 for o in outcomes)),
        ("no orphan fix branch", sum(not o.orphan_branches for o in outcomes)),
        ("no duplicate comment", sum(not o.duplicate_comments for o in outcomes)),
        ("breaker failures = rolled-back fixes", sum(o.breaker_failures == o.rolled_back for o in outcomes)),
        ("nothing stuck", sum(not o.stuck for o in outcomes)),
        ("every PR labelled", sum(not o.unlabelled for o in outcomes)),
        ("all of the above", sum(not o.problems for o in outcomes)),
    ]
    print()
    print(f"{total} trials in {seconds:.0f} s: " + ", ".join(f"{k} {v}" for k, v in sorted(where.items())))
    print(f"kills during the git push: {pushes}; after the write was made: {sum(o.moment.after for o in outcomes)}")
    print()
    print("| check | trials |")
    print("|---|---:|")
    for name, count in rows:
        print(f"| {name} | {count}/{total} |")


if __name__ == "__main__":
    sys.exit(main())
