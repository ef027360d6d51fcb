"""A missing npm package (`Cannot find module 'x'`, `ERR_MODULE_NOT_FOUND ... Cannot find package 'x'`,
webpack's `Can't resolve 'x'`): declare it in the package.json that owns the importing file, in
`devDependencies` when a test or a tool's config imports it, else `dependencies`, then regenerate the
lockfile with the project's own package manager at the version it pins (node_lockers).

Refused with the reason: relative paths and Node's built-in modules (not packages), a TypeScript
type-declaration error (`@types/...` is a person's choice), the project's own or a workspace's package, a
package already declared (the install is at fault, not the manifest), a name one letter away from a
well-known package (a typo, never a typosquat), a name the registry does not have.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cicd_agent.fixers import node_lockers, package_json
from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan, read, repo_path
from cicd_agent.fixers.guard import is_test_file
from cicd_agent.fixers.import_names import near
from cicd_agent.fixers.package_index import IndexUnavailable
from cicd_agent.fixers.registries import npm_registry

NAME = "missing-dependency"
_MISSING = re.compile(
    r"Cannot find (?:module|package) '(?P<a>[^']+)'(?P<types> or its corresponding type declarations)?"
    r"|Can't resolve '(?P<b>[^']+)'"
)
_IMPORTER = re.compile(r"(?:imported from |Require stack:\s*\n\s*-\s*|Can't resolve '[^']+' in ')(?P<path>/[^\s']+)")
BUILTINS = frozenset(
    [
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "diagnostics_channel",
        "dns",
        "domain",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "inspector",
        "module",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "repl",
        "stream",
        "string_decoder",
        "sys",
        "timers",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
        "test",
    ]
)
POPULAR = frozenset(
    [
        "express",
        "react",
        "react-dom",
        "vue",
        "lodash",
        "axios",
        "chalk",
        "commander",
        "debug",
        "moment",
        "dayjs",
        "uuid",
        "dotenv",
        "yargs",
        "rimraf",
        "glob",
        "semver",
        "ws",
        "cors",
        "body-parser",
        "typescript",
        "webpack",
        "jest",
        "mocha",
        "chai",
        "eslint",
        "prettier",
        "zod",
        "vitest",
        "vite",
        "rollup",
        "esbuild",
        "next",
        "nuxt",
        "svelte",
        "jquery",
        "underscore",
        "async",
        "request",
        "minimist",
        "fs-extra",
        "mkdirp",
        "colors",
        "ora",
        "inquirer",
        "node-fetch",
        "cheerio",
        "puppeteer",
        "playwright",
        "sharp",
        "mongoose",
        "redis",
        "pg",
        "mysql2",
        "sqlite3",
        "knex",
        "sequelize",
        "prisma",
        "graphql",
        "socket.io",
        "jsonwebtoken",
        "bcrypt",
        "passport",
        "morgan",
        "helmet",
        "nodemon",
        "supertest",
        "sinon",
        "nock",
        "ramda",
        "rxjs",
        "immer",
        "redux",
        "classnames",
        "date-fns",
        "luxon",
        "winston",
        "pino",
        "ajv",
        "joi",
        "yup",
        "handlebars",
        "ejs",
        "pug",
        "marked",
        "highlight.js",
        "tslib",
        "core-js",
    ]
)
CONFIG = re.compile(
    r"(^|/)([\w.-]+\.config\.[cm]?[jt]s|\.eslintrc[\w.]*|gulpfile\.[cm]?js|Gruntfile\.js)$|(^|/)scripts?/"
)


def missing_package(text: str) -> tuple[str, bool] | None:
    """(the import specifier, whether it is a TypeScript type-declaration error)."""
    found = _MISSING.search(text)
    if found is None:
        return None
    return found.group("a") or found.group("b"), bool(found.group("types"))


def package_name(specifier: str) -> str | None:
    """The package a specifier names (`@scope/pkg/sub` -> `@scope/pkg`, `lodash/fp` -> `lodash`)."""
    if specifier.startswith((".", "/", "~")) or re.match(r"[A-Za-z]:\\", specifier):
        return None
    parts = specifier.split("/")
    name = "/".join(parts[:2]) if specifier.startswith("@") else parts[0]
    return name if re.fullmatch(r"(?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*", name) else None


def owning_manifest(workspace: Path, importer: str | None) -> str:
    """The package.json nearest above the importing file (a workspace package's own), else the root one."""
    if importer:
        folder = Path(importer).parent
        while folder != Path("."):
            if (workspace / folder / "package.json").is_file():
                return (folder / "package.json").as_posix()
            folder = folder.parent
    return "package.json"


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    text = "\n".join(part for part in (ctx.evidence(), ctx.log) if part)
    found = missing_package(text)
    if found is None:
        return CannotFix(NAME, "the log names no missing npm package")
    specifier, types_only = found
    if specifier.startswith("node:") or specifier.split("/")[0] in BUILTINS:
        return CannotFix(NAME, f"`{specifier}` is a built-in module of Node.js: the Node version, not a package")
    name = package_name(specifier)
    if name is None:
        return CannotFix(NAME, f"`{specifier}` is a path in the project, not a package: fix the import")
    if types_only:
        return CannotFix(
            NAME, f"TypeScript cannot find the types of `{name}`: whether to add @types is a person's call"
        )
    importer_match = _IMPORTER.search(text)
    importer = repo_path(ctx.workspace, importer_match.group("path")) if importer_match else None
    manifest_path = owning_manifest(ctx.workspace, importer)
    before = read(ctx.workspace, manifest_path)
    if before is None:
        return CannotFix(NAME, f"no {manifest_path} to declare `{name}` in")
    try:
        manifest = json.loads(before)
    except ValueError:
        return CannotFix(NAME, f"{manifest_path} is not valid JSON")
    refused = _refusal(ctx, manifest, name)
    if refused:
        return CannotFix(NAME, refused)
    try:
        package = npm_registry(ctx.workspace).lookup(name)
    except IndexUnavailable as exc:
        return CannotFix(NAME, f"could not verify `{name}` on the npm registry: {exc}")
    if package is None:
        return CannotFix(NAME, f"the npm registry has no package `{name}`: nothing unverified is written")
    dev = importer is not None and (is_test_file(importer) or bool(CONFIG.search(importer)))
    if importer is None:
        return CannotFix(
            NAME, f"the log does not say which file imports `{name}`: cannot tell dependencies from devDependencies"
        )
    section = "devDependencies" if dev else "dependencies"
    spec = package.version if _exact(ctx.workspace, manifest) else f"^{package.version}"
    after = package_json.add_entry(before, section, name, spec)
    if after is None or not _only_added(before, after, section, name, spec):
        return CannotFix(NAME, f"{manifest_path} is not laid out in a way this fixer edits line by line")
    changes = [FileChange(manifest_path, before, after)]
    lock = node_lockers.relock(ctx, NAME, changes, str(Path(manifest_path).parent))
    if isinstance(lock, CannotFix):
        return lock
    changes += lock.changes
    return FixPlan(
        NAME,
        f"Declare missing npm package {name}",
        f'The job failed because `{specifier}` cannot be found ({importer} imports it). Added "{name}": '
        f'"{spec}" to {section} of {manifest_path} ({"a test or tool configuration" if dev else "code"} imports '
        f"it). Verified on the npm registry: {package.name} {package.version} exists. {lock.note}",
        changes,
    )


def _refusal(ctx: FixContext, manifest: dict[str, object], name: str) -> str | None:
    if manifest.get("name") == name:
        return f"`{name}` is this package itself: an install or build problem, not a missing dependency"
    for section in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
        table = manifest.get(section)
        if isinstance(table, dict) and name in table:
            return f"`{name}` is already declared in {section}: the install is at fault (check that CI installs it)"
    for workspace_manifest in ctx.workspace.glob("**/package.json"):
        if "node_modules" in workspace_manifest.parts:
            continue
        try:
            other = json.loads(workspace_manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(other, dict) and other.get("name") == name:
            where = workspace_manifest.relative_to(ctx.workspace)
            return f"`{name}` is a package of this repository ({where}): build or link it"
    if name not in POPULAR:
        typo = near(name.split("/")[-1], POPULAR)
        if typo is not None:
            return f"`{name}` looks like a misspelling of `{typo}`: fix the import, no package added"
    return None


def _exact(workspace: Path, manifest: dict[str, object]) -> bool:
    npmrc = read(workspace, ".npmrc") or ""
    if re.search(r"^\s*save-exact\s*=\s*true", npmrc, re.M):
        return True
    specs = [v for s in ("dependencies", "devDependencies") for v in (manifest.get(s) or {}).values()]  # type: ignore[attr-defined]
    return bool(specs) and all(re.fullmatch(r"\d+\.\d+\.\d+", str(v)) for v in specs)


def _only_added(before: str, after: str, section: str, name: str, spec: str) -> bool:
    old, new = json.loads(before), json.loads(after)
    if new.get(section, {}).pop(name, None) != spec:
        return False
    if not new.get(section) and section not in old:
        new.pop(section)
    return bool(old == new)
