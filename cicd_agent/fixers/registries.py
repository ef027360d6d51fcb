"""The npm registry and the Go module proxy, asked before a package or module name is written into a project.

`NpmRegistry` reads a package's document (`GET {registry}/{name}`, scoped names escaped) for its latest
version; `GoProxy` asks the module proxy protocol (`GET {proxy}/{module}/@latest`, upper case escaped as
`!x`). Both answer None for a name that does not exist and raise IndexUnavailable when they cannot tell.
The registry is the user's: `npm_config_registry` (or the project's .npmrc `registry=`), `GOPROXY`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import requests

from cicd_agent.fixers.package_index import IndexUnavailable

NPM_DEFAULT = "https://registry.npmjs.org"
GO_DEFAULT = "https://proxy.golang.org"


@dataclass(frozen=True)
class Found:
    name: str
    version: str


def _get(session: requests.Session, url: str, timeout: float) -> requests.Response:
    try:
        return session.get(url, timeout=timeout, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise IndexUnavailable(f"cannot reach {url.split('/')[2]}: {type(exc).__name__}") from None


class NpmRegistry:
    def __init__(self, url: str = NPM_DEFAULT, *, timeout: float = 15, session: requests.Session | None = None):
        self.url, self.timeout = url.rstrip("/"), timeout
        self.session = session or requests.Session()

    def lookup(self, name: str) -> Found | None:
        response = _get(self.session, f"{self.url}/{name.replace('/', '%2f')}", self.timeout)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise IndexUnavailable(f"the npm registry answered {response.status_code} for {name}")
        try:
            data = response.json()
            latest = str(data["dist-tags"]["latest"])
        except (ValueError, KeyError, TypeError):
            raise IndexUnavailable(f"the npm registry answered no package document for {name}") from None
        return Found(str(data.get("name", name)), latest)


def escape_module(path: str) -> str:
    """The module proxy's case encoding: `github.com/BurntSushi/toml` -> `github.com/!burnt!sushi/toml`."""
    return re.sub(r"[A-Z]", lambda m: "!" + m.group(0).lower(), path)


class GoProxy:
    def __init__(self, url: str = GO_DEFAULT, *, timeout: float = 15, session: requests.Session | None = None):
        self.url, self.timeout = url.rstrip("/"), timeout
        self.session = session or requests.Session()

    def lookup(self, module: str) -> Found | None:
        response = _get(self.session, f"{self.url}/{escape_module(module)}/@latest", self.timeout)
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise IndexUnavailable(f"the Go module proxy answered {response.status_code} for {module}")
        try:
            return Found(module, str(response.json()["Version"]))
        except (ValueError, KeyError, TypeError):
            raise IndexUnavailable(f"the Go module proxy answered no version for {module}") from None


def npm_registry(workspace: Path) -> NpmRegistry:
    """The registry npm would use here: the environment's, else the project's .npmrc, else the public one."""
    url = os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY")  # noqa: SIM112 (npm's own spelling)
    npmrc = workspace / ".npmrc"
    if not url and npmrc.is_file():
        found = re.search(r"^\s*registry\s*=\s*(\S+)", npmrc.read_text(encoding="utf-8", errors="replace"), re.M)
        url = found.group(1) if found else None
    return NpmRegistry(url or NPM_DEFAULT)


def go_proxy() -> GoProxy | None:
    """The first proxy of GOPROXY (None when it is `off` or `direct` only: nothing to verify names with)."""
    for entry in re.split(r"[,|]", os.environ.get("GOPROXY") or GO_DEFAULT):
        if entry.startswith(("http://", "https://")):
            return GoProxy(entry)
    return None
