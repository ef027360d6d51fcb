"""How long `agent --help` takes, start to exit (issue 13: every command paid about 0.9 s of imports).

    .venv/bin/python benchmarks/cli_startup.py [--runs 15]

Runs the installed console script `agent --help` and, for scale, `python -c pass` with the same
interpreter, each `--runs` times in fresh processes after one warm-up, alternately; prints the median and
the slowest wall time of each (target: median under 0.3 s).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

AGENT = Path(sys.executable).with_name("agent")
COMMANDS = {"agent --help": [str(AGENT), "--help"], "python -c pass": [sys.executable, "-c", "pass"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():
        subprocess.run(command, capture_output=True, check=True)  # warm-up: page cache, .pyc files
    for _ in range(args.runs):
        for name, command in COMMANDS.items():
            started = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            times[name].append(time.perf_counter() - started)
    for name, taken in times.items():
        print(f"{name}: median {statistics.median(taken):.3f} s, slowest {max(taken):.3f} s ({args.runs} runs)")


if __name__ == "__main__":
    main()
