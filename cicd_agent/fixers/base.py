"""What every fixer returns, and the helpers they share."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cicd_agent.analysis import Analysis
from cicd_agent.fixers.action_versions import ActionVersions
from cicd_agent.fixers.package_index import PackageIndex
from cicd_agent.model import FileChange
from cicd_agent.text import redact, terminal


@dataclass(frozen=True)
class FixPlan:
    fixer: str
    title: str
    rationale: str
    changes: list[FileChange] = field(default_factory=list)

    def changed_lines(self) -> int:
        import difflib

        total = 0
        for change in self.changes:
            diff = difflib.ndiff((change.before or "").splitlines(), (change.after or "").splitlines())
            total += sum(1 for line in diff if line[:2] in ("+ ", "- "))
        return total


@dataclass(frozen=True)
class CannotFix:
    fixer: str
    why: str


@dataclass(frozen=True)
class FixContext:
    """What a fixer may use: the checkout (at the failing head), the analysis, and the run's facts."""

    workspace: Path
    analysis: Analysis
    trusted: bool  # False for a failure whose head comes from a fork: no tool may run on it
    workflow_path: str = ""  # the failed run's workflow file, e.g. .github/workflows/ci.yml
    job_name: str = ""  # the failed job's name as GitHub shows it (rendered: `build (3.10, ubuntu-latest)`)
    command: tuple[str, ...] = ()  # the rule's configured command (for the `command` fixer)
    tool_timeout: float = 300.0
    log: str = ""  # the failed job's whole log, when the caller has it: install commands, warnings, file lists
    versions: ActionVersions | None = None  # latest action releases; None: the shipped, dated table only
    index: PackageIndex | None = None  # the package index that verifies names; None: missing-dependency refuses
    tool_cache: Path | None = None  # where pinned formatters are installed (a venv per tool and version)

    def evidence(self) -> str:
        """The excerpt's text: fixers may read it to choose among known fixes, never to build a command."""
        return "\n".join(line.text for line in self.analysis.excerpt)


def read(workspace: Path, path: str) -> str | None:
    file = workspace / path
    try:
        return file.read_text(encoding="utf-8") if file.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def tool(name: str) -> str | None:
    """An executable from this environment (the agent's virtualenv first), else PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    return shutil.which(name)


# What a locker or installer needs to reach the user's package index the way their CI does: CA bundles,
# proxies, index URLs and their credentials (documented by pip, uv, Poetry, PDM, npm, pnpm, Yarn and Go).
# Passed only to tools that resolve packages (`network=True`); their values never reach a log (`failure`).
NETWORK_ENV = frozenset(
    {
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "NODE_EXTRA_CA_CERTS",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "all_proxy",
        "NETRC",
        "UV_INDEX",
        "UV_INDEX_URL",
        "UV_DEFAULT_INDEX",
        "UV_EXTRA_INDEX_URL",
        "UV_FIND_LINKS",
        "UV_NO_INDEX",
        "PIP_NO_INDEX",
        "UV_NATIVE_TLS",
        "UV_INSECURE_HOST",
        "UV_KEYRING_PROVIDER",
        "PDM_PYPI_URL",
        "PDM_PYPI_USERNAME",
        "PDM_PYPI_PASSWORD",
        "PDM_PYPI_VERIFY_SSL",
        "NODE_AUTH_TOKEN",
        "NPM_TOKEN",
    }
)
NETWORK_ENV_PATTERN = re.compile(
    r"PIP_(?:INDEX_URL|EXTRA_INDEX_URL|FIND_LINKS|TRUSTED_HOST|CERT|CLIENT_CERT|PROXY)"
    r"|UV_INDEX_\w+_(?:USERNAME|PASSWORD)"
    r"|POETRY_(?:HTTP_BASIC_\w+_(?:USERNAME|PASSWORD)|PYPI_TOKEN_\w+|REPOSITORIES_\w+_URL|CERTIFICATES_\w+_CERT)"
    r"|(?i:npm_config_(?:registry|@[\w-]+:registry|cafile|ca|strict_ssl|proxy|https_proxy|noproxy|userconfig))"
    r"|YARN_(?:NPM_REGISTRY_SERVER|NPM_AUTH_TOKEN|NPM_AUTH_IDENT|HTTPS_PROXY|HTTP_PROXY|CA_FILE_PATH)"
    r"|GO(?:PROXY|PRIVATE|NOPROXY|NOSUMDB|NOSUMCHECK|SUMDB|INSECURE|AUTH|FLAGS|TOOLCHAIN)"
)
_CREDENTIAL = re.compile(r"TOKEN|PASSWORD|_AUTH|USERNAME|IDENT", re.IGNORECASE)


def network_env() -> dict[str, str]:
    """The user's network settings from the allow-list (NETWORK_ENV), as this process has them."""
    return {k: v for k, v in os.environ.items() if k in NETWORK_ENV or NETWORK_ENV_PATTERN.fullmatch(k)}


def network_secrets() -> list[str]:
    """Values among the network settings that must never be printed (credentials, and URLs that carry them)."""
    found = []
    for name, value in network_env().items():
        if _CREDENTIAL.search(name):
            found.append(value)
        found += re.findall(r"://[^/\s:@]+:([^/\s@]+)@", value)
    return found


def failure(shown: str, done: subprocess.CompletedProcess[str], lines: int = 6) -> str:
    """`shown` failed: its exit code and its last output lines, with every credential replaced by ***."""
    output = [line for line in f"{done.stdout or ''}\n{done.stderr or ''}".splitlines() if line.strip()]
    tail = " | ".join(terminal(line, newlines=False).strip()[:200] for line in output[-lines:]) or "no output"
    return redact(f"`{shown}` failed with exit code {done.returncode}: {tail}", *network_secrets())


def run_tool(
    argv: list[str],
    cwd: Path,
    timeout: float,
    *,
    extra_env: dict[str, str] | None = None,
    network: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run a fixed command (never built from log text) with a clean environment and a time limit; `network`:
    with the user's network settings too (a locker or installer that resolves packages)."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    if network:
        env.update(network_env())
    env.update(extra_env or {})
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
    )


def repo_path(workspace: Path, path: str) -> str | None:
    """A path printed by CI (absolute on the runner, or relative) as a file of this checkout, if it is one."""
    if "site-packages" in path or "/lib/python" in path:
        return None
    parts = Path(path).parts
    for start in range(len(parts)):
        candidate = Path(*parts[start:])
        if not candidate.is_absolute() and ".." not in candidate.parts and (workspace / candidate).is_file():
            return candidate.as_posix()
    return None


def changes_in(workspace: Path, originals: dict[str, str | None]) -> list[FileChange]:
    """FileChanges for the files in `originals` whose content now differs."""
    result = []
    for path, before in sorted(originals.items()):
        after = read(workspace, path)
        if after != before:
            result.append(FileChange(path, before, after))
    return result


def git_changes(workspace: Path) -> list[FileChange]:
    """What a tool changed in a git checkout: modified, added and deleted files against HEAD."""
    import git

    repo = git.Repo(workspace)
    changes = []
    for line in repo.git.status("--porcelain", "-z", "--untracked-files=all").split("\0"):
        if not line:
            continue
        code, path = line[:2], line[3:]
        before = None if "?" in code or "A" in code else repo.git.show(f"HEAD:{path}", strip_newline_in_stdout=False)
        changes.append(FileChange(path, before, read(workspace, path)))
    return [c for c in changes if c.before != c.after]


def run_and_collect(ctx: FixContext, fixer: str, argv: list[str], shown: str) -> list[FileChange] | CannotFix:
    """Run a fixed command in the checkout (trusted ones only) and return what it changed."""
    if not ctx.trusted:
        return CannotFix(fixer, "the failing head comes from a fork: no tool runs on it")
    try:
        done = run_tool(argv, ctx.workspace, ctx.tool_timeout)
    except FileNotFoundError:
        return CannotFix(fixer, f"{argv[0]} is not installed where the agent runs")
    except subprocess.TimeoutExpired:
        return CannotFix(fixer, f"`{shown}` did not finish within {ctx.tool_timeout:g}s")
    if done.returncode != 0:
        return CannotFix(fixer, f"`{shown}` failed with exit code {done.returncode}")
    changes = git_changes(ctx.workspace)
    return changes or CannotFix(fixer, f"`{shown}` changed nothing")
