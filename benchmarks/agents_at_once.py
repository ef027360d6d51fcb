"""Several agent processes at once on one failure whose fix goes red: one PR, one rollback, exact breakers.

    .venv/bin/python benchmarks/agents_at_once.py

For 1 (the reference), 2, 4 and 8 agents, sharing one state directory or each with its own (as Action runs or
two hosts): all start `agent run` together on the `bad-fix` scenario (round 1: the fix), then, its CI red, all
again (round 2: the health check and the rollback). Prints what reached GitHub and what each store counted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from trials import agents_at_once, scene  # noqa: E402

from cicd_agent.model import RemState  # noqa: E402
from cicd_agent.store import Store  # noqa: E402

REPO = "demo/bad-fix"


def measure(work: Path, agents: int, shared: bool) -> str:
    with scene(work, "bad-fix") as sandbox:
        config = Path("cicd-agent.toml")
        config.write_text(config.read_text().replace("lease = 0", 'lease = "5m"'))
        states = [work / ("state" if shared else f"state-{n}") for n in range(agents)]
        started = time.time()
        first = [d["decision"] for decisions in agents_at_once(states) for d in decisions]
        fix_seconds = time.time() - started
        sandbox.settle()
        started = time.time()
        agents_at_once(states)
        judge_seconds = time.time() - started
        repo = sandbox.repo(REPO)
        pulls = [i for i in repo.items.values() if i.is_pull]
        branches = sum(1 for b in repo.bare.branches() if b.startswith("cicd-agent/"))
        comments = sum(len(p.comments) for p in pulls)
        stores = [Store(state / "state.db") for state in sorted(set(states))]
        failures = [sum(b.breaker.failures for b in s.breakers()) for s in stores]
        rolled = [len(s.remediations(states=(RemState.ROLLED_BACK,))) for s in stores]
        exact = "yes" if failures == rolled and max(failures) == 1 else "NO"
        mode = "one state dir" if shared else "own state dirs"
        return (
            f"| {agents} | {mode} | {len(pulls)} | {first.count('fix_opened')} | {branches} | {comments} "
            f"| {' '.join(map(str, failures))} | {exact} | {fix_seconds:.1f} / {judge_seconds:.1f} |"
        )


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="agents-at-once-"))
    print(
        "| agents | state | PRs | `fix_opened` | fix branches left | PR comments | breaker failures per store "
        "| each = its rolled-back fixes | seconds (fix / rollback round) |"
    )
    print("|---:|---|---:|---:|---:|---:|---|---|---|")
    print(measure(work / "reference", 1, True))
    for agents in (2, 4, 8):
        for shared in (True, False):
            print(measure(work / f"{agents}-{'shared' if shared else 'own'}", agents, shared), flush=True)


if __name__ == "__main__":
    main()
