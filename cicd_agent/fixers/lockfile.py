"""An out-of-date lockfile (a frozen or locked install refused it): regenerate it with the project's own tool
at the version the project pins, and check it the way CI installs.

npm (`npm ci` out of sync), pnpm (ERR_PNPM_OUTDATED_LOCKFILE), Yarn (`--frozen-lockfile`, `--immutable`):
node_lockers; Go (`missing go.sum entry`, `updates to go.mod needed`): `go mod tidy`; uv (`--locked`):
`uv lock`. Others (Poetry, Cargo) are refused with the command a person should run. The manifest is never
edited: only what the project's own tool writes from it.
"""

from __future__ import annotations

import re
from pathlib import Path

from cicd_agent.fixers import go_modules, lockers, node_lockers
from cicd_agent.fixers.base import CannotFix, FixContext, FixPlan, repo_path

NAME = "lockfile"
_NODE = re.compile(
    r"can only install packages when your package\.json and package-lock\.json|Missing: \S+ from lock file"
    r"|Invalid: lock file's|ERR_PNPM_OUTDATED_LOCKFILE|pnpm-lock\.yaml is not up to date"
    r"|Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`"
    r"|The lockfile would have been modified by this install"
)
_UV = re.compile(r"The lockfile at `(?P<path>[^`]*uv\.lock)` needs to be updated")
_OTHER = {
    "poetry.lock": (
        re.compile(r"poetry\.lock (?:is not consistent|was last generated)|changed significantly since poetry\.lock"),
        "poetry lock",
    ),
    "Cargo.lock": (re.compile(r"Cargo\.lock needs to be updated"), "cargo update --workspace"),
}
_PATH = re.compile(r"(/[\w./-]+/)(?:package\.json|package-lock\.json|pnpm-lock\.yaml|yarn\.lock)")


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    text = "\n".join(part for part in (ctx.evidence(), ctx.log) if part)
    if go_modules.GOSUM.search(text):
        return go_modules.fix_sum(ctx, NAME)
    if _NODE.search(text):
        return _node(ctx, text)
    uv = _UV.search(text)
    if uv:
        return _uv(ctx)
    for lock, (pattern, command) in _OTHER.items():
        if pattern.search(text):
            return CannotFix(
                NAME, f"{lock} is out of date: run `{command}` (the agent regenerates npm, pnpm, Yarn, Go and uv locks)"
            )
    return CannotFix(NAME, "the log names no out-of-date lockfile the agent regenerates")


def _node(ctx: FixContext, text: str) -> FixPlan | CannotFix:
    directory = ""
    for match in _PATH.finditer(text):
        found = repo_path(ctx.workspace, match.group(1) + "package.json")
        if found:
            directory = str(Path(found).parent)
            break
    done = node_lockers.relock(ctx, NAME, [], directory)
    if isinstance(done, CannotFix):
        return done
    if not done.changes:
        return CannotFix(NAME, f"regenerating the lockfile changed nothing: {done.note}")
    return FixPlan(
        NAME,
        f"Regenerate {done.changes[0].path}",
        f"The install refused the lockfile: it no longer matches package.json. {done.note} package.json is not edited.",
        done.changes,
    )


def _uv(ctx: FixContext) -> FixPlan | CannotFix:
    locker = lockers.python_locker(ctx.workspace)
    if isinstance(locker, CannotFix):
        return CannotFix(NAME, locker.why)
    if locker is None or locker.lock != "uv.lock":
        return CannotFix(NAME, "the log names uv.lock, and the checkout has none at its root")
    changes = lockers.relock(ctx, NAME, [], locker)
    if isinstance(changes, CannotFix):
        return changes
    if not changes:
        return CannotFix(NAME, "`uv lock` changed nothing: the failure has another cause")
    return FixPlan(
        NAME,
        "Regenerate uv.lock",
        "`uv sync --locked` refused uv.lock: it no longer matches pyproject.toml. Ran `uv lock`; `uv lock --locked` "
        "passes on the result. pyproject.toml is not edited.",
        changes,
    )
