"""Analysis speed and memory on a 100 MB log with a 100 MB baseline, against one compiled-regex pass.

    .venv/bin/python benchmarks/analysis_speed.py [--mb 100]

Builds the logs from the real breakages in tests/data (repeated, each copy's timestamps shifted), then in
this one run times (a) one `re.compile(r"error|fail").findall` over the log's text already in memory
(median of three, before and after), and
(b) `analyze(log_file, baseline_file)` from disk, best of two, (read, decode, scan both, excerpt, signature). Peak
memory is the analysing process's peak RSS (VmHWM) plus that of the helper process that reads a large
baseline in parallel, interpreters included.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "ci-breakages"


def build(path: Path, name: str, megabytes: int) -> int:
    parts = [gzip.decompress((d / name).read_bytes()) for d in sorted(DATA.iterdir()) if d.is_dir()]
    target = megabytes * 1024 * 1024
    written = 0
    with path.open("wb") as handle:
        copy = 0
        while written < target:
            for part in parts:
                stamp = f"20{10 + copy % 20}".encode()
                chunk = part.replace(b"2022-", stamp + b"-")
                handle.write(chunk)
                written += len(chunk)
                if written >= target:
                    break
            copy += 1
    return written


def _peak_rss() -> int:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it does not carry over across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(log: str, baseline: str) -> None:
    sys.path.insert(0, str(ROOT))
    from cicd_agent.analysis import analyze

    timings = []
    for _ in range(2):
        started = time.perf_counter()
        result = analyze(Path(log), Path(baseline))
        timings.append(time.perf_counter() - started)
    elapsed = min(timings)
    # this process plus the helper process that reads a big baseline (ru_maxrss of children: conservative)
    peak = _peak_rss() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(
        json.dumps(
            {"seconds": elapsed, "peak_bytes": peak, "excerpt": len(result.excerpt), "category": result.category}
        )
    )


def _regex_pass(path: Path) -> float:
    """One compiled-regex pass over the log's text already in memory (reading it is not counted)."""
    text = path.read_bytes().decode("utf-8", "replace")
    pattern = re.compile(r"error|fail")
    started = time.perf_counter()
    pattern.findall(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        log, baseline = Path(tmp) / "fail.log", Path(tmp) / "pass.log"
        size = build(log, "fail.log.gz", args.mb)
        build(baseline, "pass.log.gz", args.mb)
        regex_runs = [_regex_pass(log)]
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(log), str(baseline)], capture_output=True, text=True, check=True
        )
        regex_runs += [_regex_pass(log), _regex_pass(log)]
        measured = json.loads(done.stdout)
        regex_seconds = sorted(regex_runs)[1]
    ratio = measured["seconds"] / regex_seconds
    memory = measured["peak_bytes"] / size
    print(
        f"log {size / 2**20:.0f} MiB + baseline: analyse {measured['seconds']:.2f} s, one regex pass "
        f"{regex_seconds:.2f} s, ratio {ratio:.2f} (target <= 5); peak RSS {measured['peak_bytes'] / 2**20:.0f} MiB "
        f"= {memory:.2f} x log size (target < 2); excerpt {measured['excerpt']} lines, {measured['category']}"
    )


if __name__ == "__main__":
    main()
