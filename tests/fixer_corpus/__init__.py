"""The fixers' corpus: cases written after the shapes of real public repositories (workflows, dependency
files, formatter set-ups), each with the expected diff or the expected refusal.

Used by tests/fixers/test_corpus.py (one test per case) and benchmarks/fixers_corpus.py (correct / refused
/ wrong per fixer). Everything runs offline: action versions come from the shipped table, the package index
is a directory of wheels built here (`wheelhouse`), formatters are the versions in this environment.
"""

from __future__ import annotations

import importlib.metadata
import io
import os
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from cicd_agent.analysis import analyze
from cicd_agent.fixers import FIXERS, CannotFix, FixContext
from cicd_agent.fixers.action_versions import CachedVersions
from cicd_agent.fixers.package_index import WheelhouseIndex
from fixer_corpus.actions import CorpusActions

TS = "2024-05-01T12:00:00.0000000Z "
VERSIONS = {name: importlib.metadata.version(name) for name in ("ruff", "black", "pyproject-fmt")}


@dataclass(frozen=True)
class Case:
    id: str
    fixer: str
    seen: str  # the real shape this case is written after
    files: dict[str, str]
    log: str
    # the expected diff: path -> [(old, new)] replacements on that file's text (each old must occur once)
    edits: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    refusal: str = ""  # the expected refusal (a substring of the reason); "" when a plan is expected
    fix_exists: bool = True  # False when refusing is the right answer (nothing safe to change)
    workflow: str = ".github/workflows/ci.yml"
    job: str = "test"  # the failed job as GitHub shows it
    trusted: bool = True
    generated: dict[str, str] = field(default_factory=dict)  # files a locker writes -> a text they must now hold


@dataclass(frozen=True)
class Outcome:
    verdict: str  # correct | refused | wrong
    detail: str


def fill(text: str) -> str:
    """Cases pin the formatter versions this environment has (so no download is needed)."""
    for name, version in VERSIONS.items():
        text = text.replace("{" + name + "}", version)
    return text


def checkout(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(fill(text), encoding="utf-8")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t"}
    env |= {"GIT_COMMITTER_EMAIL": "t@example.invalid", "PATH": "/usr/bin:/bin", "HOME": str(root)}
    for argv in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "case"]):
        subprocess.run(argv, cwd=root, env=env, check=True, capture_output=True)
    return root


def context(case: Case, root: Path, index: WheelhouseIndex, tool_cache: Path) -> FixContext:
    log = "".join(f"{TS}{line}\n" for line in fill(case.log).splitlines())
    return FixContext(
        root,
        analyze(log),
        trusted=case.trusted,
        workflow_path=case.workflow,
        job_name=case.job,
        log=log,
        versions=CachedVersions(CorpusActions()),
        index=index,
        tool_cache=tool_cache,
    )


def expected_after(case: Case) -> dict[str, str]:
    after = {}
    for path, replacements in case.edits.items():
        text = fill(case.files[path])
        for old, new in replacements:
            assert text.count(old) == 1, f"{case.id}: {old!r} occurs {text.count(old)} times in {path}"
            text = text.replace(old, new)
        after[path] = text
    return after


def run_case(case: Case, work: Path, index: WheelhouseIndex) -> Outcome:
    root = checkout(work / "checkout", case.files)
    offline = {"UV_FIND_LINKS": str(index.directory), "UV_NO_INDEX": "1", "UV_CACHE_DIR": str(work / "uv-cache")}
    offline |= {
        "npm_config_cache": str(work / "npm-cache"),
        "GOPATH": str(work / "go"),
        "GOCACHE": str(work / "go-cache"),
    }
    offline |= loopback_registries()
    with mock.patch.dict(os.environ, offline):
        result = FIXERS[case.fixer](context(case, root, index, work / "tools"))
    if isinstance(result, CannotFix):
        if case.refusal and case.refusal in result.why:
            return Outcome("refused", result.why)
        if not case.refusal and case.fix_exists:
            return Outcome("refused", f"refused where a fix was expected: {result.why}")
        return Outcome("wrong", f"refused with another reason: {result.why}")
    if case.refusal:
        return Outcome("wrong", f"planned where a refusal was expected: {result.rationale}")
    got = {c.path: c.after for c in result.changes}
    want = expected_after(case)
    for path, needle in case.generated.items():
        text = got.pop(path, None)
        if text is None or text == case.files.get(path) or needle not in text:
            return Outcome("wrong", f"{path} was not regenerated with {needle!r}")
    if got != want:
        return Outcome("wrong", _difference(want, got))
    return Outcome("correct", result.rationale)


def _difference(want: dict[str, str], got: dict[str, str | None]) -> str:
    import difflib

    lines = []
    for path in sorted(set(want) | set(got)):
        a, b = want.get(path) or "", got.get(path) or ""
        if a != b:
            lines += difflib.unified_diff(
                a.splitlines(), b.splitlines(), f"expected {path}", f"planned {path}", lineterm=""
            )
    return "\n".join(lines)


# -- the npm registry and the Go module proxy: loopback servers started once per process ----------------

NPM_PACKAGES = {
    "zod": ["3.22.4", "3.23.8"],
    "express": ["4.19.2"],
    "mocha": ["10.4.0"],
    "supertest": ["7.0.0"],
    "expresss": ["0.0.1"],
    "dayjs": ["1.11.13"],
}
_REGISTRIES: dict[str, str] = {}


def loopback_registries() -> dict[str, str]:
    """npm_config_registry and GOPROXY of a fake npm registry and a Go module proxy on loopback (started on
    first use, stopped with the process)."""
    if not _REGISTRIES:
        import atexit
        import contextlib
        import tempfile

        from registries import go_module, go_proxy, npm_registry

        stack = contextlib.ExitStack()
        atexit.register(stack.close)
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="corpus-goproxy-")))
        for module, version, source in GO_MODULES:
            go_module(root, module, version, source)
        _REGISTRIES["npm_config_registry"] = stack.enter_context(npm_registry(NPM_PACKAGES))
        _REGISTRIES["GOPROXY"] = stack.enter_context(go_proxy(root))
        _REGISTRIES["GOSUMDB"] = "off"
    return dict(_REGISTRIES)


GO_MODULES = [
    ("example.org/slug", "v1.0.0", {"slug.go": "package slug\n\nfunc Make(s string) string { return s }\n"}),
    ("example.org/slug", "v1.1.0", {"slug.go": "package slug\n\nfunc Make(s string) string { return s }\n"}),
    ("github.com/spf13/cobra", "v1.8.1", {"cobra.go": "package cobra\n"}),
]


# -- the package index: a directory of wheels standing in for PyPI ---------------------------------------

# distribution -> (version, files it ships, Requires-Dist lines)
CATALOG: dict[str, tuple[str, list[str], list[str]]] = {
    "PyYAML": ("6.0.2", ["yaml/__init__.py", "_yaml/__init__.py"], []),
    "requests": ("2.32.3", ["requests/__init__.py"], ["idna<4,>=2.5"]),
    "httpx": ("0.28.1", ["httpx/__init__.py"], ['socksio==1.* ; extra == "socks"', 'h2<5,>=3 ; extra == "http2"']),
    "socksio": ("1.0.0", ["socksio/__init__.py"], []),
    "pillow": ("11.0.0", ["PIL/__init__.py"], []),
    "python-dateutil": ("2.9.0.post0", ["dateutil/__init__.py"], ["six>=1.5"]),
    "protobuf": ("5.28.3", ["google/protobuf/__init__.py"], []),
    "responses": ("0.25.3", ["responses/__init__.py"], []),
    "pytest-mock": ("3.14.0", ["pytest_mock/__init__.py"], []),
    "freezegun": ("1.5.1", ["freezegun/__init__.py"], []),
    "beautifulsoup4": ("4.12.3", ["bs4/__init__.py"], []),
    "opencv-python": ("4.10.0.84", ["cv2/__init__.py"], []),
    "numpy": ("2.1.3", ["numpy/__init__.py"], []),
    "typing_extensions": ("4.12.2", ["typing_extensions.py"], []),
    "six": ("1.16.0", ["six.py"], []),
    "python-dotenv": ("1.0.1", ["dotenv/__init__.py"], []),
    "PyJWT": ("2.9.0", ["jwt/__init__.py"], []),
    "rich": ("13.9.4", ["rich/__init__.py"], []),
    "tomli": ("2.0.2", ["tomli/__init__.py"], []),
    "matplotlib": ("3.9.2", ["matplotlib/__init__.py", "mpl_toolkits/__init__.py"], []),
    "reqeusts": ("0.0.1", ["reqeusts/__init__.py"], []),  # a typosquat that exists on the index
    "hypothesis": ("6.118.0", ["hypothesis/__init__.py"], []),
    "click": ("8.1.7", ["click/__init__.py"], []),
    "pytest": ("8.3.3", ["pytest/__init__.py"], []),
    "pytest-cov": ("5.0.0", ["pytest_cov/__init__.py"], []),
    "ruff": ("0.7.4", ["ruff/__init__.py"], []),
    "time-machine": ("2.16.0", ["time_machine.py"], []),
    "trustme": ("1.2.0", ["trustme/__init__.py"], []),
    "setuptools": ("75.6.0", ["setuptools/__init__.py", "_distutils_hack/__init__.py"], []),
}


def build_wheelhouse(directory: Path) -> WheelhouseIndex:
    directory.mkdir(parents=True, exist_ok=True)
    for dist, (version, files, requires) in CATALOG.items():
        stem = dist.replace("-", "_")
        info = f"{stem}-{version}.dist-info"
        metadata = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
        metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as wheel:
            for name in files:
                wheel.writestr(name, "")
            wheel.writestr(f"{info}/METADATA", metadata)
            wheel.writestr(f"{info}/RECORD", "")
        (directory / f"{stem}-{version}-py3-none-any.whl").write_bytes(buffer.getvalue())
    return WheelhouseIndex(directory)
