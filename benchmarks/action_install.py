"""How long the GitHub Action takes to get the agent ready, before and after the locked, cached install.

    .venv/bin/python benchmarks/action_install.py [--python python3] [--runs 3]

Each way starts from nothing, as on a fresh runner: no pip cache, packages from PyPI (this machine's pip
configuration and local wheel folders are switched off, so every way downloads what a runner would).

- before: what the action did until 0.1.0: a venv, then `pip install <the action's checkout>` (resolve and
  download the newest dependencies, build the project's wheel);
- locked, cold cache: a venv, then `pip install --no-deps --require-hashes -r requirements.lock` (no
  resolution, no build: the agent runs from the action's checkout);
- locked, warm cache: what `actions/cache` does on a hit: unpack the saved venv (tar + zstd when the
  machine has it, else gzip).

Prints the median of each and the ratios to `before`; the figures in docs/benchmarks.md come from it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _run(*argv: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(a) for a in argv], check=True, env=_env(), cwd=cwd, stdout=subprocess.DEVNULL)


def _venv(python: str, where: Path) -> Path:
    _run(python, "-m", "venv", where)
    return where / "bin" / "python"


def before(python: str, work: Path) -> None:
    venv_python = _venv(python, work / "venv")
    source = work / "action"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv*", ".git", "*.egg-info", "__pycache__"))
    _run(venv_python, "-m", "pip", "install", "--quiet", source)
    _run(work / "venv" / "bin" / "agent", "--version")


def locked(python: str, work: Path) -> None:
    venv_python = _venv(python, work / "venv")
    lock = ROOT / "requirements.lock"
    _run(venv_python, "-m", "pip", "install", "--quiet", "--no-deps", "--require-hashes", "-r", lock)
    check = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from cicd_agent.cli.main import run; run()"
    _run(venv_python, "-c", check, "--version")


def _archive(venv: Path, archive: Path) -> list[str]:
    """Pack the venv as actions/cache does; returns the command that unpacks it."""
    zstd = shutil.which("zstd")
    flags = ["--use-compress-program", "zstd -T0"] if zstd else ["-z"]
    _run("tar", *flags, "-cf", archive, "-C", venv.parent, venv.name)
    return ["tar", *(["--use-compress-program", "unzstd"] if zstd else ["-z"]), "-xf", str(archive)]


def measure(label: str, runs: int, setup: Callable[[Path], Callable[[], None]]) -> float:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="cicd-agent-bench-") as tmp:
            step = setup(Path(tmp))
            started = time.perf_counter()
            step()
            times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"{label:<28} median {median:6.2f} s  ({', '.join(f'{t:.2f}' for t in times)})")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="python3")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    python, runs = args.python, args.runs
    old = measure("before (pip install .)", runs, lambda w: lambda: before(python, w))
    cold = measure("locked, cold cache", runs, lambda w: lambda: locked(python, w))

    def warm(work: Path) -> Callable[[], None]:
        locked(python, work / "built")
        unpack = _archive(work / "built" / "venv", work / "venv.tar")
        (work / "restore").mkdir()
        return lambda: _run(*unpack, cwd=work / "restore")

    hit = measure("locked, warm cache (restore)", runs, warm)
    with tempfile.TemporaryDirectory() as tmp:
        locked(python, Path(tmp))
        size = sum(f.stat().st_size for f in Path(tmp, "venv").rglob("*") if f.is_file())
    print(f"ratio to before: cold {cold / old:.2f}, warm {hit / old:.2f}; locked venv {size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
