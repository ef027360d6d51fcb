"""How long `agent --help` and a read command take to start, against an interpreter doing nothing.

    .venv/bin/python benchmarks/cli_startup_compare.py [--before DIR] [--runs 15]

`--before DIR` also times another source tree of the project (for example an older commit unpacked with
`git archive <commit> | tar -x -C DIR`), with the same interpreter and packages, side by side. Prints
the median of each and the ratio to `python -c pass`; docs/benchmarks.md quotes it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _median(argv: list[str], source: Path | None, runs: int, cwd: Path) -> float:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another source tree of the project to compare with")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as empty:
        cwd = Path(empty)
        base = _median([sys.executable, "-c", "pass"], None, args.runs, cwd)
        print(f"python -c pass: {base * 1000:.0f} ms")
        trees = [("now", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
        for command in (["--help"], ["status"]):
            for label, tree in trees:
                took = _median([sys.executable, "-m", "cicd_agent", *command], tree, args.runs, cwd)
                print(f"agent {' '.join(command):<8} {label:<7} {took * 1000:5.0f} ms  ({took / base:.1f} x python)")


if __name__ == "__main__":
    main()
