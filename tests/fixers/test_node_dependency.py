"""Missing npm packages and out-of-date lockfiles, against an npm registry this test starts on loopback, with
the machine's npm (the tests skip, saying why, where Node is not installed)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixer_corpus import TS, checkout
from registries import npm_registry

from cicd_agent.analysis import analyze
from cicd_agent.fixers import FIXERS, CannotFix, FixContext, FixPlan
from cicd_agent.fixers.node_lockers import commands, manager

pytestmark = pytest.mark.skipif(shutil.which("npm") is None, reason="node and npm are not installed here")
REQUIRE = (
    "node:internal/modules/cjs/loader:1228\n  throw err;\n  ^\n\nError: Cannot find module 'left-pad'\n"
    "Require stack:\n- /home/runner/work/app/app/{file}\n    at Module._resolveFilename (node:internal/modules/cjs/"
    "loader:1225:15) {{\n  code: 'MODULE_NOT_FOUND',\n}}\n##[error]Process completed with exit code 1."
)
ESM = (
    "node:internal/errors:496\n    ErrorCaptureStackTrace(err);\n    ^\n\nError [ERR_MODULE_NOT_FOUND]: Cannot find "
    "package '{name}' imported from /home/runner/work/app/app/{file}\n    at packageResolve (node:internal/modules/esm/"
    "resolve:844:9) {{\n  code: 'ERR_MODULE_NOT_FOUND'\n}}\n##[error]Process completed with exit code 1."
)
PACKAGE = """{
  "name": "app",
  "version": "1.0.0",
  "private": true,
  "scripts": {
    "test": "node --test"
  },
  "dependencies": {
    "express": "^4.19.2",
    "zod": "^3.23.8"
  },
  "devDependencies": {
    "mocha": "^10.4.0"
  }
}
"""


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    packages = {"left-pad": ["1.2.0", "1.3.0"], "express": ["4.19.2"], "zod": ["3.23.8"], "mocha": ["10.4.0"]}
    packages |= {"supertest": ["7.0.0"], "@acme/format": ["2.1.0"], "expresss": ["0.0.1"]}
    with npm_registry(packages) as url:
        monkeypatch.setenv("npm_config_registry", url)
        monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))
        yield url


def _lock(root: Path) -> None:
    import subprocess

    subprocess.run(
        ["npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=root,
        check=True,
        capture_output=True,
    )


def _project(tmp_path: Path, files: dict[str, str], *, lock: bool = True) -> Path:
    staging = tmp_path / "staging"
    staging.mkdir()
    for name, text in files.items():
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        (staging / name).write_text(text)
    if lock:
        _lock(staging)
    return checkout(
        tmp_path / "repo", {p.relative_to(staging).as_posix(): p.read_text() for p in staging.rglob("*") if p.is_file()}
    )


def _run(root: Path, log: str, fixer: str = "missing-dependency") -> FixPlan | CannotFix:
    text = "".join(f"{TS}{line}\n" for line in log.splitlines())
    return FIXERS[fixer](FixContext(root, analyze(text), trusted=True, log=text, tool_timeout=240))


def test_a_runtime_import_goes_to_dependencies_and_the_lock_is_regenerated(tmp_path: Path, registry: str) -> None:
    root = _project(tmp_path, {"package.json": PACKAGE, "src/pad.js": "require('left-pad')\n"})
    plan = _run(root, REQUIRE.format(file="src/pad.js"))
    assert isinstance(plan, FixPlan), plan
    manifest = next(c for c in plan.changes if c.path == "package.json")
    assert manifest.after == PACKAGE.replace(
        '    "express": "^4.19.2",\n', '    "express": "^4.19.2",\n    "left-pad": "^1.3.0",\n'
    )
    lock = json.loads(next(c.after for c in plan.changes if c.path == "package-lock.json") or "{}")
    assert lock["packages"]["node_modules/left-pad"]["version"] == "1.3.0"
    assert "`npm ci --dry-run" in plan.rationale and "left-pad 1.3.0 exists" in plan.rationale
    assert (root / "package.json").read_text() == PACKAGE  # the checkout is left as it was


def test_a_test_file_import_goes_to_dev_dependencies(tmp_path: Path, registry: str) -> None:
    root = _project(tmp_path, {"package.json": PACKAGE, "test/api.test.mjs": "import request from 'supertest'\n"})
    plan = _run(root, ESM.format(name="supertest", file="test/api.test.mjs"))
    assert isinstance(plan, FixPlan), plan
    manifest = next(c for c in plan.changes if c.path == "package.json")
    assert '"mocha": "^10.4.0",\n    "supertest": "^7.0.0"\n' in (manifest.after or "")


def test_a_project_without_a_lockfile_gets_only_the_manifest(tmp_path: Path, registry: str) -> None:
    root = _project(tmp_path, {"package.json": PACKAGE, ".npmrc": "package-lock=false\n", "lib/f.js": ""}, lock=False)
    plan = _run(root, ESM.format(name="@acme/format/sub", file="lib/f.js"))
    assert isinstance(plan, FixPlan), plan
    assert [c.path for c in plan.changes] == ["package.json"]
    assert '"@acme/format": "^2.1.0",' in (plan.changes[0].after or "")


@pytest.mark.parametrize(
    ("log", "why"),
    [
        (REQUIRE.format(file="src/a.js").replace("'left-pad'", "'./config'"), "a path in the project"),
        (REQUIRE.format(file="src/a.js").replace("'left-pad'", "'node:fs/promises'"), "built-in module of Node.js"),
        (REQUIRE.format(file="src/a.js").replace("'left-pad'", "'express'"), "already declared in dependencies"),
        (REQUIRE.format(file="src/a.js").replace("'left-pad'", "'expresss'"), "misspelling of `express`"),
        (REQUIRE.format(file="src/a.js").replace("'left-pad'", "'no-such-thing'"), "the npm registry has no package"),
        (
            "src/a.ts(1,20): error TS2307: Cannot find module 'left-pad' or its corresponding type declarations.",
            "whether to add @types",
        ),
    ],
)
def test_refusals(tmp_path: Path, registry: str, log: str, why: str) -> None:
    root = _project(tmp_path, {"package.json": PACKAGE, "src/a.js": ""})
    result = _run(root, log)
    assert isinstance(result, CannotFix) and why in result.why, result


def test_an_out_of_date_lockfile_is_regenerated_by_npm(tmp_path: Path, registry: str) -> None:
    root = _project(tmp_path, {"package.json": PACKAGE})
    edited = PACKAGE.replace('"zod": "^3.23.8"', '"zod": "^3.23.8",\n    "left-pad": "^1.2.0"')
    (root / "package.json").write_text(edited)
    import git

    git.Repo(root).git.commit("-qam", "add left-pad without the lock")
    log = (
        "npm error code EUSAGE\nnpm error `npm ci` can only install packages when your package.json and "
        "package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` "
        "before continuing.\nnpm error Missing: left-pad@1.3.0 from lock file"
    )
    plan = _run(root, log, "lockfile")
    assert isinstance(plan, FixPlan), plan
    assert [c.path for c in plan.changes] == ["package-lock.json"]
    assert '"node_modules/left-pad"' in (plan.changes[0].after or "")


def test_the_manager_and_its_version_come_from_the_project(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"packageManager": "pnpm@9.15.0"}')
    assert manager(tmp_path) is not None and manager(tmp_path).version == "9.15.0"  # type: ignore[union-attr]
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "yarn.lock").write_text("# THIS IS AN AUTOGENERATED FILE.\n# yarn lockfile v1\n")
    assert manager(tmp_path).name == "yarn"  # type: ignore[union-attr]
    (tmp_path / "yarn.lock").write_text("__metadata:\n  version: 8\n")
    assert manager(tmp_path).name == "yarn-berry"  # type: ignore[union-attr]


def test_a_workspace_package_takes_the_workspace_roots_pin(tmp_path: Path) -> None:
    """pnpm and Yarn workspaces pin the manager in the root package.json only (as Vue's and Prettier's do): a
    package's fix must run that version, not a default that rewrites the lockfile in another format."""
    (tmp_path / "package.json").write_text('{"private": true, "packageManager": "pnpm@8.15.9"}')
    (tmp_path / "pnpm-lock.yaml").write_text("lockfileVersion: '6.0'\n")
    (tmp_path / "packages" / "core").mkdir(parents=True)
    (tmp_path / "packages" / "core" / "package.json").write_text('{"name": "@acme/core"}')
    found = manager(tmp_path, "packages/core")
    assert found is not None
    assert (found.name, found.version, found.lock) == ("pnpm", "8.15.9", "pnpm-lock.yaml")
    assert "workspace root" in found.source
    (tmp_path / "package.json").write_text('{"private": true, "packageManager": "yarn@4.5.3"}')
    found = manager(tmp_path, "packages/core")
    assert found is not None and (found.name, found.version) == ("yarn-berry", "4.5.3")


@pytest.mark.parametrize(("lock", "major"), [("'6.0'", "8"), ("5.4", "7"), ("'9.0'", "9")])
def test_an_unpinned_pnpm_keeps_its_lockfile_format(tmp_path: Path, lock: str, major: str) -> None:
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "pnpm-lock.yaml").write_text(f"lockfileVersion: {lock}\n\nimporters: {{}}\n")
    found = manager(tmp_path)
    assert found is not None and found.version == ""
    if shutil.which("npx") is None:
        pytest.skip("node is not installed")
    argv = commands(tmp_path, found, tmp_path)
    assert not isinstance(argv, str)
    assert f"pnpm@{major}" in argv[0]
