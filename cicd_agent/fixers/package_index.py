"""The package index, asked before a distribution name is written into a project: does it exist, and does
its wheel ship the module that was imported?

`PyPIIndex` uses PyPI's JSON API (`GET {url}/pypi/{name}/json`) and reads only the central directory of the
newest wheel (HTTP range requests: a few kilobytes, whatever the wheel's size). `WheelhouseIndex` answers
from a directory of wheels (what `pip --find-links` reads), for offline set-ups and the demo.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

import requests
from packaging.requirements import InvalidRequirement, Requirement

BLOCK = 64 * 1024


class IndexUnavailable(Exception):
    """The index did not answer (network, 5xx, a malformed answer): nothing can be verified now."""


@dataclass(frozen=True)
class Distribution:
    name: str  # as the index spells it
    version: str
    modules: frozenset[str]  # importable names its newest wheel ships: "yaml", "google", "google.protobuf"
    has_wheel: bool = True
    requires: tuple[str, ...] = ()  # its Requires-Dist lines (with their `extra == "x"` markers)

    def through_extra(self, extra: str) -> set[str]:
        """Canonical names that installing `this[extra]` adds."""
        found = set()
        for line in self.requires:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            marker = requirement.marker
            if marker is not None and "extra" in str(marker):
                try:
                    if marker.evaluate({"extra": extra}):
                        found.add(canonical(requirement.name))
                except Exception:  # a marker this environment cannot evaluate: not counted
                    continue
        return found

    def ships(self, module: str) -> bool:
        parts = module.split(".")
        return ".".join(parts[:2]) in self.modules or (len(parts) == 1 and parts[0] in self.modules)


class PackageIndex(Protocol):
    def lookup(self, name: str) -> Distribution | None:
        """The distribution called `name` (None: no such distribution); raises IndexUnavailable."""
        ...


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def modules_in(names: list[str]) -> frozenset[str]:
    """Top-level importable names (and their first sub-package) in a wheel's file list."""
    found: set[str] = set()
    for name in names:
        parts = name.split("/")
        if parts[0].endswith((".dist-info", ".data")) or not parts[0]:
            continue
        if len(parts) == 1:
            stem = parts[0].split(".")[0]
            if parts[0].endswith((".py", ".so", ".pyd")) and stem.isidentifier():
                found.add(stem)
            continue
        if not parts[0].isidentifier():
            continue
        found.add(parts[0])
        if len(parts) > 2 and parts[1].isidentifier():
            found.add(f"{parts[0]}.{parts[1]}")
        elif len(parts) == 2 and parts[1].endswith((".py", ".so", ".pyd")) and not parts[1].startswith("__init__."):
            found.add(f"{parts[0]}.{parts[1].split('.')[0]}")
    return frozenset(found)


class _RangeFile(io.RawIOBase):
    """A remote file read through HTTP range requests, in cached blocks (zipfile reads only its end)."""

    def __init__(self, session: requests.Session, url: str, size: int, timeout: float) -> None:
        self.session, self.url, self.size, self.timeout = session, url, size, timeout
        self.position = 0
        self.blocks: dict[int, bytes] = {}

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def _block(self, number: int) -> bytes:
        if number not in self.blocks:
            start = number * BLOCK
            end = min(self.size, start + BLOCK) - 1
            response = self.session.get(self.url, headers={"Range": f"bytes={start}-{end}"}, timeout=self.timeout)
            if response.status_code != 206:
                raise IndexUnavailable(f"the index did not serve a byte range of {self.url} ({response.status_code})")
            self.blocks[number] = response.content
        return self.blocks[number]

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self.size - self.position)
        data = b""
        while len(data) < wanted:
            number, offset = divmod(self.position + len(data), BLOCK)
            chunk = self._block(number)[offset:]
            if not chunk:
                break
            data += chunk[: wanted - len(data)]
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


def _wheel_modules(archive: IO[bytes]) -> frozenset[str]:
    try:
        with zipfile.ZipFile(archive) as wheel:
            return modules_in(wheel.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise IndexUnavailable(f"cannot read the wheel's file list: {exc}") from None


def _wheel_metadata(archive: IO[bytes]) -> tuple[str | None, tuple[str, ...]]:
    """(Name, Requires-Dist lines) from a wheel's METADATA."""
    with zipfile.ZipFile(archive) as wheel:
        metadata = next((n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")), None)
        text = wheel.read(metadata).decode("utf-8", "replace") if metadata else ""
    fields = [line.split(":", 1) for line in text.splitlines() if ":" in line]
    name = next((value.strip() for key, value in fields if key == "Name"), None)
    return name, tuple(value.strip() for key, value in fields if key == "Requires-Dist")


class PyPIIndex:
    def __init__(self, url: str = "https://pypi.org", *, timeout: float = 15, session: requests.Session | None = None):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self._seen: dict[str, Distribution | None] = {}

    def lookup(self, name: str) -> Distribution | None:
        key = canonical(name)
        if key not in self._seen:
            self._seen[key] = self._lookup(key)
        return self._seen[key]

    def _lookup(self, name: str) -> Distribution | None:
        try:
            response = self.session.get(f"{self.url}/pypi/{name}/json", timeout=self.timeout)
        except requests.RequestException as exc:
            raise IndexUnavailable(f"cannot reach the package index at {self.url}: {type(exc).__name__}") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise IndexUnavailable(f"the package index answered {response.status_code} for {name}")
        try:
            data = response.json()
            info, files = data["info"], data["urls"]
        except (ValueError, KeyError, TypeError):
            raise IndexUnavailable(
                f"the package index answered something that is not its JSON API for {name}"
            ) from None
        wheels = [f for f in files if f.get("packagetype") == "bdist_wheel" and not f.get("yanked")]
        wheels.sort(key=lambda f: ("none-any" not in f.get("filename", ""), f.get("size", 0)))
        requires = tuple(str(r) for r in info.get("requires_dist") or [])
        if not wheels:
            return Distribution(info["name"], info["version"], frozenset(), has_wheel=False, requires=requires)
        wheel = wheels[0]
        remote = _RangeFile(self.session, wheel["url"], int(wheel["size"]), self.timeout)
        try:
            modules = _wheel_modules(io.BufferedReader(remote, BLOCK))
        except requests.RequestException as exc:
            raise IndexUnavailable(f"cannot read {wheel['filename']}: {type(exc).__name__}") from None
        return Distribution(info["name"], info["version"], modules, requires=requires)


class WheelhouseIndex:
    """A directory of wheels: a distribution exists when a wheel of it is there."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def lookup(self, name: str) -> Distribution | None:
        key = canonical(name)
        for wheel in sorted(self.directory.glob("*.whl"), reverse=True):
            dist, version = wheel.name.split("-")[:2]
            if canonical(dist) == key:
                with wheel.open("rb") as handle:
                    modules = _wheel_modules(handle)
                with wheel.open("rb") as handle:
                    shown, requires = _wheel_metadata(handle)
                return Distribution(shown or dist, version, modules, requires=requires)
        return None


def index_from(setting: str | None) -> PackageIndex:
    """The index named by `CICD_AGENT_PACKAGE_INDEX`: an http(s) URL serving PyPI's JSON API, or a directory
    of wheels; PyPI when unset."""
    if not setting:
        return PyPIIndex()
    if setting.startswith(("http://", "https://")):
        return PyPIIndex(setting)
    return WheelhouseIndex(Path(setting))
