"""The `uses:` line that pins the cicd-agent action to a commit of this repository, for a workflow to copy.

    python tools/action_snippet.py                       # HEAD, the repository named by the `origin` remote
    python tools/action_snippet.py --repo octo-org/cicd-agent --ref v0.1.0
    python tools/action_snippet.py --workflow > .github/workflows/cicd-agent.yml

Prints `uses: OWNER/NAME@<full commit SHA> # <tag, or the commit's date and short SHA>`: a full SHA is the only
reference nobody can move (a tag or a branch can be re-pointed), which is why zizmor asks for one. With
`--workflow`, docs/examples/cicd-agent.yml with that line in place. Exits non-zero, saying why, when the commit
has no action.yml, or when the repository cannot be named (no `origin` on GitHub: pass --repo).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "cicd-agent.yml"
USES = re.compile(r"^(?P<indent>\s*- uses: )[\w.-]+/cicd-agent@[0-9a-f]{40}(?: # .*)?$", re.MULTILINE)
GITHUB_REMOTE = re.compile(r"github\.com[:/](?P<name>[\w.-]+/[\w.-]+?)(?:\.git)?/?$")


def git(*args: str, root: Path = ROOT) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip()


def repository(given: str | None, root: Path = ROOT) -> str:
    """OWNER/NAME: as given, else from the `origin` remote's GitHub URL."""
    if given:
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", given):
            raise SystemExit(f"--repo {given!r} is not OWNER/NAME")
        return given
    remote = subprocess.run(["git", "remote", "get-url", "origin"], cwd=root, capture_output=True, text=True)
    match = GITHUB_REMOTE.search(remote.stdout.strip()) if remote.returncode == 0 else None
    if match is None:
        raise SystemExit("no `origin` remote on GitHub names this repository: pass --repo OWNER/NAME")
    return match.group("name")


def uses_line(repo: str, ref: str = "HEAD", root: Path = ROOT) -> str:
    """`OWNER/NAME@<sha> # <what it is>` for the commit `ref` names."""
    sha = git("rev-parse", "--verify", f"{ref}^{{commit}}", root=root)
    if subprocess.run(["git", "cat-file", "-e", f"{sha}:action.yml"], cwd=root, capture_output=True).returncode:
        raise SystemExit(f"commit {sha[:12]} has no action.yml: pick a later one")
    tags = git("tag", "--points-at", sha, "--list", "v*", root=root).split()
    what = tags[-1] if tags else f"{git('show', '-s', '--format=%cs', sha, root=root)} {sha[:12]}"
    return f"{repo}@{sha} # {what}"


def workflow(line: str, example: Path = EXAMPLE) -> str:
    """The example workflow with every cicd-agent `uses:` (one per job) pinned to `line`."""
    text = example.read_text(encoding="utf-8")
    pinned, count = USES.subn(lambda m: f"{m.group('indent')}{line}", text)
    if not count:
        raise SystemExit(f"{example} has no cicd-agent `uses:` line to pin")
    return pinned


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repo", help="OWNER/NAME of this repository on GitHub (default: the origin remote's)")
    parser.add_argument("--ref", default="HEAD", help="the commit, tag or branch to pin (default: HEAD)")
    parser.add_argument("--workflow", action="store_true", help="print the whole example workflow, pinned")
    args = parser.parse_args(argv)
    line = uses_line(repository(args.repo), args.ref)
    if git("status", "--porcelain", "--", "action.yml", "cicd_agent", "requirements.lock"):
        print(
            "warning: the action's files have uncommitted changes: the pinned commit does not have them",
            file=sys.stderr,
        )
    sys.stdout.write(workflow(line) if args.workflow else f"- uses: {line}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
