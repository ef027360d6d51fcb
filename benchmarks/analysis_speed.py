"""Failure analysis: speed and memory on logs of several shapes against two references, on a log of a million
distinct error lines, and a 500 MB log plus a 500 MB baseline through the pipeline's own path.

    .venv/bin/python benchmarks/analysis_speed.py [--lines 1000000] [--gap 0] [--mb 500] [--runs 3]
                                                  [--shape-mb 100] [--only shapes|errors|pipeline]

shapes: a `--shape-mb` MiB GitHub-shaped failing log of each shape (`SHAPES`: the real CiDiff logs repeated, and
the pathological ones: distinct errors, one error repeated, one huge line, tiny lines, nested colour codes, many
groups, wide lines next to errors). Each is analysed as `agent signature FILE` does (`analyze(path)`) and as
`agent run` does once the log is downloaded (`analyze` of the open file, then `lines_for_fixers` of it), against
two references over the same file: one regex pass (`re.compile(r"error|fail").findall`) over the whole text
read at once, and the same over 4 MiB reads (decoded). Targets: within 2x the chunked reference on ordinary
logs, within 3x on every other shape, at most 80 MiB peak RSS each (interpreter and imports included).

errors: a GitHub-shaped log whose failing step prints `--lines` distinct lines `src/<dir>/<file>.c:<n>:
error: <message about made-up identifiers>`, each followed by `--gap` ordinary lines (with 4 or more,
every error line is a block of its own: the hardest case for speed). The analysis is `analyze(path)`,
what `agent signature FILE` runs; the reference is one compiled-regex pass
(`re.compile(r"error|fail").findall`) over the same file, read from disk the same way (4 MiB reads, UTF-8
decoded). Each is timed in its own fresh process around its work only (imports excluded), alternately,
`--runs` times; the figure is the median of each. Peak memory is the analysing process's peak RSS
(VmHWM), interpreter included.

pipeline: a `--mb` MiB failing log and a `--mb` MiB green baseline, made of the real CiDiff logs from
../shared/datasets/ci-breakages repeated (the committed corpus when the dataset is absent), are served by
the sandbox GitHub (its own process, on loopback); a fresh process runs `remediation.explain.explain_run` against it:
the run, its jobs, the green run and both logs streamed to temporary files, then the same streaming
analysis. Its peak RSS is the figure (target < 300 MiB); its time is shown next to the analysis of the
same two files read from disk (`analyze(log, baseline)`) and the reference pass over both files.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
READ = 4 * 1024 * 1024
MIB = 1024 * 1024


def peak_rss() -> int:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it does not carry over across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# -- inputs ---------------------------------------------------------------------------------------------

_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "ta",
    "shi",
    "po",
    "ve",
    "zu",
    "gra",
    "tor",
    "bel",
    "qua",
    "dex",
    "fin",
    "mon",
    "sel",
    "vak",
    "rim",
]
_MESSAGES = [
    "'{a}' undeclared (first use in this function)",
    "expected ';' before '{a}'",
    "implicit declaration of function '{a}'",
    "conflicting types for '{a}'",
    "too few arguments to function '{a}'",
    "unknown type name '{a}'",
    "'{a}' has no member named '{b}'",
    "incompatible types when assigning to type '{a}' from type '{b}'",
    "redefinition of '{a}'",
    "called object '{a}' is not a function or function pointer",
]


def write_error_log(path: Path, lines: int, gap: int = 0) -> None:
    rng = random.Random(13)

    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))

    stamp = "2024-05-14T09:12:33.1234567Z "
    with path.open("w", encoding="utf-8") as out:
        out.write(f"{stamp}##[group]Run make all\n{stamp}make all\n{stamp}##[endgroup]\n")
        for n in range(lines):
            message = rng.choice(_MESSAGES).format(a=f"{word()}_{word()}", b=word())
            out.write(f"2024-05-14T09:{n // 60 % 60:02d}:{n % 60:02d}.{n % 10**7:07d}Z ")
            out.write(f"src/{word()}/{word()}.c:{rng.randint(1, 9999)}: error: {message}\n")
            for _ in range(gap):
                out.write(f"{stamp}  {rng.randint(1, 999)} | int {word()} = {word()}({rng.randint(0, 9)});\n")
        out.write(f"{stamp}make: *** [Makefile:12: all] Error 1\n{stamp}##[error]Process completed with exit code 2.\n")


def _sources(name: str) -> list[bytes]:
    from breakages import CASES

    if CASES:
        return [(c.fail if name == "fail" else c.passed).read_bytes() for c in CASES]
    return [p.read_bytes() for p in sorted((ROOT / "tests" / "analysis" / "corpus").glob("*.log"))]


def write_big_log(path: Path, name: str, megabytes: int) -> int:
    parts = _sources(name)
    target, written, copy = megabytes * MIB, 0, 0
    with path.open("wb") as out:
        while written < target:
            for part in parts:
                chunk = re.sub(rb"\b20(\d\d)-", b"20%02d-" % (10 + copy % 20), part)
                out.write(chunk)
                written += len(chunk)
                if written >= target:
                    break
            copy += 1
    return written


STAMP = "2024-05-01T12:00:00.0000000Z "
END = f"{STAMP}##[error]Process completed with exit code 1.\n"


def _fill(out: object, target: int, piece: bytes) -> None:
    written = 0
    while written < target:
        out.write(piece)  # type: ignore[attr-defined]
        written += len(piece)


def write_shape(path: Path, shape: str, megabytes: int) -> None:
    """A failing GitHub-shaped job log of `shape`, about `megabytes` MiB."""
    target = megabytes * MIB
    if shape == "ordinary":
        write_big_log(path, "fail", megabytes)
        return
    if shape == "distinct":
        write_error_log(path, max(1, target // 112))
        return
    with path.open("wb") as out:
        out.write(f"{STAMP}##[group]Run make\n{STAMP}make\n{STAMP}##[endgroup]\n".encode())
        if shape == "identical":
            _fill(out, target, f"{STAMP}src/main.c:10:5: error: 'x' undeclared (first use in this function)\n".encode())
        elif shape == "huge-line":
            out.write(f"{STAMP}error: the bundle below is not valid\n{STAMP}".encode())
            _fill(out, target, b"x" * MIB)
            out.write(b"\n")
        elif shape == "tiny":
            _fill(out, target, b"a\n" * 65536)
        elif shape == "colours":
            line = (
                f"{STAMP}\x1b[1m\x1b[31m\x1b[4merror\x1b[24m:\x1b[0m \x1b[36msrc/app.ts\x1b[0m ok \x1b[2mdone\x1b[0m\n"
            )
            _fill(
                out,
                target,
                line.encode() + f"{STAMP}\x1b[32m\x1b[1mPASS\x1b[0m \x1b[2mtests/a.test.ts\x1b[0m\n".encode() * 8,
            )
        elif shape == "groups":
            block = f"{STAMP}##[group]Run step\n{STAMP}compiling\n{STAMP}warning: unused\n{STAMP}##[endgroup]\n"
            _fill(out, target, block.encode())
        elif shape == "wide":
            _fill(out, target, f"{STAMP}error: data follows\n{STAMP}".encode() + b"w" * MIB + b"\n")
        else:
            raise ValueError(shape)
        out.write(END.encode())


SHAPES = ("ordinary", "distinct", "identical", "huge-line", "tiny", "colours", "groups", "wide")


# -- what each child process measures -------------------------------------------------------------------


def child_whole(path: str) -> dict[str, object]:
    pattern = re.compile(r"error|fail")
    started = time.perf_counter()
    found = len(pattern.findall(Path(path).read_bytes().decode("utf-8", "replace")))
    return {"seconds": time.perf_counter() - started, "peak_bytes": peak_rss(), "matches": found}


def child_run_path(path: str) -> dict[str, object]:
    """What `agent run` does with a downloaded log (`explain_run`): analyse the open file, then the fixers' lines."""
    from cicd_agent.analysis import analyze
    from cicd_agent.remediation.explain import lines_for_fixers

    started = time.perf_counter()
    with open(path, "rb") as log:
        result = analyze(log)
        digest = lines_for_fixers(log)
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "peak_bytes": peak_rss(), "category": result.category, "digest": len(digest)}


def child_reference(*paths: str) -> dict[str, object]:
    pattern = re.compile(r"error|fail")
    started = time.perf_counter()
    found = 0
    for path in paths:
        with open(path, "rb") as handle:
            while piece := handle.read(READ):
                found += len(pattern.findall(piece.decode("utf-8", "replace")))
    return {"seconds": time.perf_counter() - started, "peak_bytes": peak_rss(), "matches": found}


def child_analyze(path: str, baseline: str | None = None) -> dict[str, object]:
    from cicd_agent.analysis import analyze

    started = time.perf_counter()
    result = analyze(Path(path), Path(baseline) if baseline else None)
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "peak_bytes": peak_rss(), "category": result.category, "excerpt": len(result.excerpt)}


def child_pipeline(url: str, token: str, repo: str, run_id: str) -> dict[str, object]:
    from cicd_agent.github.client import GitHubClient
    from cicd_agent.remediation.explain import explain_run

    gh = GitHubClient(url, token, seconds_between_writes=0)
    started = time.perf_counter()
    explained = explain_run(gh, gh.workflow_run(repo, int(run_id)))
    elapsed = time.perf_counter() - started
    analysis = explained.analysis
    return {
        "seconds": elapsed,
        "peak_bytes": peak_rss(),
        "category": analysis.category,
        "excerpt": len(analysis.excerpt),
        "lines": analysis.lines,
        "baseline_run": explained.baseline_run,
    }


def serve_sandbox(root: str, fail_log: str, pass_log: str) -> None:
    """A sandbox GitHub whose failed run and green run carry the given logs (held in this process)."""
    import git

    from cicd_agent.sandbox import Sandbox
    from cicd_agent.sandbox.scenarios import install_scenarios

    sandbox = Sandbox(Path(root) / "sandbox")
    install_scenarios(sandbox, ["format"])
    sandbox.serve(auto_ci=False)
    sandbox.settle()
    repo = sandbox.repo("demo/format-check")
    clone = git.Repo.clone_from(repo.clone_url, Path(root) / "clone")
    (Path(root) / "clone" / "app.py").write_text("def add(a, b):\n    return a + b\n")
    clone.index.add(["app.py"])
    clone.index.commit("format")
    clone.remote().push("HEAD:refs/heads/main")
    sandbox.settle()
    failed, green = repo.runs[0], repo.runs[1]
    for run, log in ((failed, fail_log), (green, pass_log)):
        text = Path(log).read_bytes().decode("utf-8", "replace")
        for jobs in run.jobs.values():
            for job in jobs:
                job.log = text
    print(json.dumps({"url": sandbox.base_url, "token": sandbox.token, "repo": repo.full_name, "run": failed.id}))
    sys.stdout.flush()
    sys.stdin.read()  # serve until the benchmark closes our stdin
    sandbox.close()


CHILDREN = {
    "reference": child_reference,
    "whole": child_whole,
    "analyze": child_analyze,
    "run": child_run_path,
    "pipeline": child_pipeline,
}


def run_child(kind: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args], capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- the benchmarks -------------------------------------------------------------------------------------


def bench_shapes(tmp: Path, megabytes: int, runs: int, shapes: list[str]) -> None:
    print(
        "| shape | MiB | one pass, whole | one pass, 4 MiB reads | agent signature | x chunked | agent run | "
        "x chunked | peak RSS (signature / run) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for shape in shapes:
        log = tmp / f"{shape}.log"
        write_shape(log, shape, megabytes)
        child_reference(str(log))  # the file is in the page cache for all
        seconds: dict[str, list[float]] = {kind: [] for kind in ("whole", "reference", "analyze", "run")}
        peaks: dict[str, int] = {}
        for _ in range(runs):
            for kind in seconds:
                done = run_child(kind, str(log))
                seconds[kind].append(float(done["seconds"]))  # type: ignore[arg-type]
                peaks[kind] = max(peaks.get(kind, 0), int(done["peak_bytes"]))  # type: ignore[call-overload]
        med = {kind: statistics.median(values) for kind, values in seconds.items()}
        print(
            f"| {shape} | {log.stat().st_size / MIB:.0f} | {med['whole']:.2f} s | {med['reference']:.2f} s | "
            f"{med['analyze']:.2f} s | {med['analyze'] / med['reference']:.1f} | {med['run']:.2f} s | "
            f"{med['run'] / med['reference']:.1f} | {peaks['analyze'] / MIB:.0f} / {peaks['run'] / MIB:.0f} MiB |"
        )
        log.unlink()


def bench_errors(tmp: Path, lines: int, gap: int, runs: int) -> None:
    log = tmp / "errors.log"
    write_error_log(log, lines, gap)
    child_reference(str(log))  # the file is in the page cache for both
    references, analyses = [], []
    for _ in range(runs):
        references.append(run_child("reference", str(log)))
        analyses.append(run_child("analyze", str(log)))
    reference = statistics.median(float(r["seconds"]) for r in references)  # type: ignore[arg-type]
    analysis = statistics.median(float(a["seconds"]) for a in analyses)  # type: ignore[arg-type]
    peak = max(int(a["peak_bytes"]) for a in analyses)  # type: ignore[call-overload]
    size = log.stat().st_size / MIB
    print(
        f"errors: {lines:,} distinct error lines, {gap} other lines after each ({size:.0f} MiB): "
        f"analyse {analysis:.2f} s, one regex pass "
        f"{reference:.2f} s (median of {runs} each), ratio {analysis / reference:.1f} (target <= 10); "
        f"peak RSS {peak / MIB:.0f} MiB (target < 300); {analyses[-1]['category']}, "
        f"excerpt {analyses[-1]['excerpt']} lines"
    )


def bench_pipeline(tmp: Path, megabytes: int) -> None:
    fail, passed = tmp / "fail.log", tmp / "pass.log"
    size = write_big_log(fail, "fail", megabytes) + write_big_log(passed, "pass", megabytes)
    server = subprocess.Popen(
        [sys.executable, __file__, "--child", "serve", str(tmp), str(fail), str(passed)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        where = json.loads(server.stdout.readline())
        reference = run_child("reference", str(fail), str(passed))
        alone = run_child("analyze", str(fail), str(passed))
        measured = run_child("pipeline", where["url"], where["token"], where["repo"], str(where["run"]))
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=60)
    print(
        f"pipeline: {fail.stat().st_size / MIB:.0f} MiB log + {passed.stat().st_size / MIB:.0f} MiB baseline "
        f"({size / MIB:.0f} MiB) through explain_run against the sandbox: {float(measured['seconds']):.1f} s "  # type: ignore[arg-type]
        f"(of which analysing the two files from disk alone: {float(alone['seconds']):.1f} s; one regex pass over "  # type: ignore[arg-type]
        f"both: {float(reference['seconds']):.1f} s); "  # type: ignore[arg-type]
        f"peak RSS {int(measured['peak_bytes']) / MIB:.0f} MiB (target < 300); "  # type: ignore[call-overload]
        f"{measured['category']}, excerpt {measured['excerpt']} lines, baseline run {measured['baseline_run']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--gap", type=int, default=0)
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shape-mb", type=int, default=100)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--only", choices=["shapes", "errors", "pipeline"])
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "serve":
            serve_sandbox(*rest)
            return
        print(json.dumps(CHILDREN[kind](*rest)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "shapes"):
            bench_shapes(Path(tmp), args.shape_mb, args.runs, args.shapes.split(","))
        if args.only in (None, "errors"):
            bench_errors(Path(tmp), args.lines, args.gap, args.runs)
        if args.only in (None, "pipeline"):
            bench_pipeline(Path(tmp), args.mb)


if __name__ == "__main__":
    main()
