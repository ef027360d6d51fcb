"""Go modules: a package no required module provides (`go get` its module, then `go mod tidy`), and a go.sum
that lacks entries or a go.mod that needs updates (`go mod tidy`), both at the project's Go version and
checked with `go mod verify`.

The module is found on the user's module proxy (GOPROXY) by the package path and its parents; the standard
library, the project's own packages and paths one letter away from well-known modules are refused. Go runs
with GOTOOLCHAIN=local when the agent's Go is at least the go.mod's `go`/`toolchain` version, else with
GOTOOLCHAIN set to that version (fetched through the user's proxy); a result that would raise the go.mod's
Go version is refused.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from pathlib import Path

from cicd_agent.fixers import lockers
from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan, read, repo_path, tool
from cicd_agent.fixers.import_names import near
from cicd_agent.fixers.install_commands import job_runs
from cicd_agent.fixers.package_index import IndexUnavailable
from cicd_agent.fixers.registries import go_proxy

NAME = "missing-dependency"
_MISSING = re.compile(
    r"no required module provides package (?P<a>[\w.~/-]+)|cannot find module providing package (?P<b>[\w.~/-]+)"
)
GOSUM = re.compile(r"missing go\.sum entry|updates to go\.mod needed")
_FILE = re.compile(r"^(?:\S+ )?(?P<path>[\w./-]+\.go):\d+:\d+:", re.MULTILINE)
POPULAR = frozenset(
    [
        "github.com/stretchr/testify",
        "github.com/spf13/cobra",
        "github.com/spf13/viper",
        "github.com/spf13/pflag",
        "github.com/sirupsen/logrus",
        "github.com/gin-gonic/gin",
        "github.com/gorilla/mux",
        "github.com/google/uuid",
        "github.com/pkg/errors",
        "github.com/urfave/cli",
        "github.com/go-chi/chi",
        "github.com/labstack/echo",
        "github.com/prometheus/client_golang",
        "github.com/golang/protobuf",
        "google.golang.org/grpc",
        "google.golang.org/protobuf",
        "gopkg.in/yaml.v3",
        "gopkg.in/yaml.v2",
        "github.com/BurntSushi/toml",
        "go.uber.org/zap",
        "github.com/rs/zerolog",
        "github.com/jackc/pgx",
        "github.com/lib/pq",
        "github.com/go-sql-driver/mysql",
        "github.com/mattn/go-sqlite3",
        "github.com/redis/go-redis",
        "github.com/PuerkitoBio/goquery",
        "github.com/fatih/color",
        "github.com/charmbracelet/bubbletea",
        "golang.org/x/sync",
        "golang.org/x/text",
        "golang.org/x/net",
        "golang.org/x/sys",
        "golang.org/x/crypto",
        "golang.org/x/exp",
    ]
)


def missing_package(text: str) -> str | None:
    found = _MISSING.search(text)
    return (found.group("a") or found.group("b")) if found else None


def module_dir(workspace: Path, text: str, directories: list[str] | None = None) -> str | None:
    """The directory of the go.mod the failure belongs to: the one above a file the log names (Go prints
    paths relative to where it runs: the job's `working-directory` or `cd`, then the root), else the module
    of the one directory the job runs Go in, else the root's, else the repository's only module."""
    places = [d for d in dict.fromkeys([*(directories or []), "."]) if d]
    for match in _FILE.finditer(text):
        for place in places:
            path = repo_path(workspace / place, match.group("path"))
            if path:
                return _module_above(workspace, posixpath.normpath(f"{place}/{path}"))
    owners = {owner for d in places if d != "." and (owner := _module_above(workspace, f"{d}/x.go")) is not None}
    if len(owners) == 1:
        return owners.pop()
    if (workspace / "go.mod").is_file():
        return "."
    modules = [
        p.parent.relative_to(workspace).as_posix() for p in workspace.glob("**/go.mod") if "vendor" not in p.parts
    ]
    return modules[0] if len(modules) == 1 else None


def _module_above(workspace: Path, path: str) -> str | None:
    folder: Path | None = Path(path).parent
    while folder is not None:
        if (workspace / folder / "go.mod").is_file():
            return folder.as_posix()
        folder = None if folder == Path(".") else folder.parent
    return None


def _go_directories(ctx: FixContext) -> list[str]:
    """Where the failing job runs Go commands (its working directories; "" for a computed one)."""
    return [
        run.directory
        for run in job_runs(ctx.workspace, ctx.workflow_path, ctx.job_name)
        if re.search(r"\bgo\s", run.script)
    ]


def _vendored(workspace: Path, directory: str) -> CannotFix | None:
    if (workspace / directory / "vendor" / "modules.txt").is_file():
        shown = "vendor/modules.txt" if directory == "." else f"{directory}/vendor/modules.txt"
        return CannotFix(
            NAME,
            f"the module vendors its dependencies ({shown}): `go mod vendor` must rewrite vendor/ too, which the "
            "agent does not do: run it by hand",
        )
    return None


def _version(text: str, key: str) -> tuple[int, ...] | None:
    found = re.search(rf"^{key}\s+(?:go)?(\d+(?:\.\d+)*)", text, re.MULTILINE)
    return tuple(int(p) for p in found.group(1).split(".")) if found else None


def toolchain_env(go: str, go_mod: str) -> dict[str, str]:
    """GOTOOLCHAIN for this go.mod: the agent's Go when it is recent enough, else the version go.mod asks."""
    wanted = max(v for v in (_version(go_mod, "go"), _version(go_mod, "toolchain"), (0,)) if v is not None)
    try:
        done = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, timeout=60, check=False)
        mine = tuple(int(p) for p in re.findall(r"\d+", done.stdout)[:3])
    except (OSError, subprocess.TimeoutExpired, ValueError):
        mine = ()
    if mine and mine >= wanted:
        return {"GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}
    return {"GOTOOLCHAIN": "go" + ".".join(str(p) for p in wanted), "GOFLAGS": "-mod=mod"}


def _run_go(
    ctx: FixContext, directory: str, steps: list[list[str]], why: str, fixer: str = NAME
) -> list[FileChange] | CannotFix:
    go = tool("go")
    if go is None:
        return CannotFix(fixer, f"{why}, and Go is not installed where the agent runs")
    prefix = "" if directory == "." else f"{directory}/"
    go_mod = read(ctx.workspace, f"{prefix}go.mod") or ""
    argv = [[go, *step] for step in steps]
    locker = lockers.Locker(
        f"{prefix}go.sum",
        argv[0],
        [go, "mod", "verify"],
        toolchain_env(go, go_mod),
        (f"{prefix}go.mod",),
        tuple(tuple(a) for a in argv[1:]),
    )
    changes = lockers.relock(ctx, fixer, [], locker)
    if isinstance(changes, CannotFix):
        return changes
    after = next((c.after or "" for c in changes if c.path.endswith("go.mod")), go_mod)
    for key in ("go", "toolchain"):
        if _version(after, key) != _version(go_mod, key):
            return CannotFix(fixer, f"the result would change go.mod's `{key}` line (a dependency needs a newer Go)")
    return changes


def fix_missing(ctx: FixContext) -> FixPlan | CannotFix:
    text = "\n".join(part for part in (ctx.evidence(), ctx.log) if part)
    package = missing_package(text) or ""
    if "." not in package.split("/")[0]:
        return CannotFix(NAME, f"`{package}` is a standard library path: the Go version, not a module, is wrong")
    directory = module_dir(ctx.workspace, text, _go_directories(ctx))
    if directory is None:
        return CannotFix(NAME, "cannot tell which go.mod the failing package belongs to")
    vendored = _vendored(ctx.workspace, directory)
    if vendored is not None:
        return vendored
    go_mod = read(ctx.workspace, f"{directory}/go.mod") or ""
    own = re.search(r"^module\s+(\S+)", go_mod, re.MULTILINE)
    if own and (package == own.group(1) or package.startswith(own.group(1) + "/")):
        return CannotFix(NAME, f"`{package}` is a package of this module ({own.group(1)}): a path or file is missing")
    typo = next((near(p, POPULAR) for p in _prefixes(package) if p not in POPULAR), None)
    if typo is not None:
        return CannotFix(NAME, f"`{package}` looks like a misspelling of `{typo}`: fix the import, no module added")
    proxy = go_proxy()
    if proxy is None:
        return CannotFix(NAME, "GOPROXY names no proxy to verify modules with (direct or off)")
    try:
        found = next((hit for p in _prefixes(package) if (hit := proxy.lookup(p)) is not None), None)
    except IndexUnavailable as exc:
        return CannotFix(NAME, f"could not verify a module for `{package}`: {exc}")
    if found is None:
        return CannotFix(NAME, f"no module on the Go proxy provides `{package}`: nothing unverified is written")
    changes = _run_go(
        ctx, directory, [["get", f"{found.name}@{found.version}"], ["mod", "tidy"]], f"{found.name} must be added"
    )
    if isinstance(changes, CannotFix):
        return changes
    if not any(c.path.endswith("go.mod") for c in changes):
        return CannotFix(
            NAME,
            f"`go get {found.name}` and `go mod tidy` in {directory} left go.mod as it was: no package of that "
            "module imports it",
        )
    return FixPlan(
        NAME,
        f"Require missing Go module {found.name}",
        f"The job failed because no required module provides package `{package}`. Ran `go get "
        f"{found.name}@{found.version}` and `go mod tidy` in {directory} (the module verified on the Go proxy; "
        f"Go at the go.mod's version); `go mod verify` passes and go.mod's Go version is unchanged.",
        changes,
    )


def fix_sum(ctx: FixContext, fixer: str) -> FixPlan | CannotFix:
    """A go.sum missing entries, or a go.mod needing updates: `go mod tidy`."""
    text = "\n".join(part for part in (ctx.evidence(), ctx.log) if part)
    directory = module_dir(ctx.workspace, text, _go_directories(ctx))
    if directory is None:
        return CannotFix(fixer, "cannot tell which go.mod the failure belongs to")
    vendored = _vendored(ctx.workspace, directory)
    if vendored is not None:
        return CannotFix(fixer, vendored.why)
    changes = _run_go(ctx, directory, [["mod", "tidy"]], "go.sum must be regenerated", fixer)
    if isinstance(changes, CannotFix):
        return changes
    if not changes:
        return CannotFix(fixer, "`go mod tidy` changed nothing: the failure has another cause")
    return FixPlan(
        fixer,
        "Tidy go.mod and go.sum",
        f"The job failed because go.mod/go.sum are out of date. Ran `go mod tidy` in {directory} at the go.mod's "
        "Go version; `go mod verify` passes and go.mod's Go version is unchanged.",
        changes,
    )


def _prefixes(package: str) -> list[str]:
    parts = package.split("/")
    return ["/".join(parts[:n]) for n in range(len(parts), 1, -1)]
