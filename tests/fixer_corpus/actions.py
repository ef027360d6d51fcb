"""The actions' own repositories, as the deprecated-action corpus sees them: for each action, its tags and an
action.yml per version range declaring the inputs that range has (names as the actions' action.yml files
declare them; descriptions shortened), plus the composite actions and reusable workflows the cases call.

`CorpusActions` answers the versions port offline (file contents and tag lists); the latest release still
comes from the shipped table (CachedVersions falls back to it), so the corpus measures the table too.
"""

from __future__ import annotations

import hashlib

from cicd_agent.fixers.action_versions import FALLBACK, ActionVersion, version_tuple

Inputs = dict[str, str]  # name -> its spec lines after `name:` (YAML, indented by the caller); "" for none


def action_yml(inputs: Inputs, *, using: str = "node24", steps: str = "") -> str:
    lines = ["name: stand-in", "description: a corpus stand-in", "inputs:" if inputs else "inputs: {}"]
    for name, spec in inputs.items():
        lines.append(f"  {name}:")
        lines += [f"    {part}" for part in (spec or "description: an input").splitlines()]
    if steps:
        lines += ["runs:", "  using: composite", "  steps:", *[f"    {line}" for line in steps.splitlines()]]
    else:
        lines += ["runs:", f"  using: {using}", "  main: dist/index.js"]
    return "\n".join(lines) + "\n"


def _plain(*names: str, required: tuple[str, ...] = ()) -> Inputs:
    return {n: "description: x\nrequired: true" if n in required else "" for n in names}


CHECKOUT = _plain("repository", "ref", "token", "ssh-key", "persist-credentials", "path", "clean", "fetch-depth")
CHECKOUT |= _plain("fetch-tags", "lfs", "submodules", "sparse-checkout", "set-safe-directory", "filter")
SETUP_PYTHON = _plain("python-version", "python-version-file", "cache", "architecture", "check-latest", "token")
SETUP_PYTHON |= _plain("cache-dependency-path", "update-environment", "allow-prereleases", "freethreaded")
SETUP_NODE = _plain("node-version", "node-version-file", "architecture", "check-latest", "registry-url", "scope")
SETUP_NODE |= _plain("token", "cache", "cache-dependency-path", "package-manager-cache")
SETUP_NODE_V1 = _plain("always-auth", "node-version", "registry-url", "scope", "token") | {
    "version": "description: Deprecated. Use node-version instead.\n"
    "deprecationMessage: The version property will not be supported after October 1, 2019. Use node-version instead"
}
SETUP_GO = _plain("go-version", "go-version-file", "check-latest", "token", "cache", "cache-dependency-path")
SETUP_JAVA_V1 = _plain(
    "java-version", "java-package", "architecture", "jdkFile", "server-id", required=("java-version",)
)
SETUP_JAVA = _plain("java-version", "java-version-file", "java-package", "architecture", "check-latest", "cache")
SETUP_JAVA |= {"distribution": "description: Java distribution.\nrequired: true"}
CACHE = _plain("path", "key", required=("path", "key")) | _plain("restore-keys", "upload-chunk-size")
CACHE_RESTORE = _plain("path", "key", required=("path", "key")) | _plain(
    "restore-keys", "fail-on-cache-miss", "lookup-only"
)
CACHE_SAVE = _plain("path", "key", required=("path", "key")) | _plain("upload-chunk-size")
CACHE |= _plain("enableCrossOsArchive", "fail-on-cache-miss", "lookup-only")
UPLOAD = _plain("name", "path", required=("path",)) | _plain("if-no-files-found", "retention-days")
UPLOAD |= _plain("compression-level", "overwrite", "include-hidden-files")
UPLOAD_V3 = _plain("name", "path", required=("path",)) | _plain("if-no-files-found", "retention-days")
DOWNLOAD = _plain("name", "path", "pattern", "merge-multiple", "github-token", "repository", "run-id", "artifact-ids")
DOWNLOAD_V3 = _plain("name", "path")
PAGES_ARTIFACT = _plain("name", "path", "retention-days")
DEPLOY_PAGES = _plain("token", "timeout", "error_count", "reporting_interval", "artifact_name", "preview")
CONFIGURE_PAGES = _plain("static_site_generator", "generator_config_file", "token", "enablement")
CODECOV_V4 = _plain("token", "file", "files", "flags", "name", "fail_ci_if_error", "verbose", "directory", "plugin")
CODECOV_V5 = _plain("token", "files", "flags", "name", "fail_ci_if_error", "verbose", "directory", "plugins")
CODEQL_INIT = _plain("tools", "languages", "build-mode", "token", "config-file", "queries", "packs")
CODEQL_ANALYZE = _plain("category", "upload", "output", "token", "checkout_path")
PYPI_PUBLISH = _plain("user", "password", "repository-url", "packages-dir", "verify-metadata", "skip-existing")
PYPI_PUBLISH |= _plain("verbose", "print-hash", "attestations")


_UPLOADS = "- uses: actions/upload-artifact@v{}"
_SCRIPT = "- run: ./dist/codecov.sh\n  shell: bash"


def _tags(spec: str) -> list[str]:
    return spec.split()


# repo -> [(tags, {path: text})]: every tag listed shares those files
REPOS: dict[str, list[tuple[list[str], dict[str, str]]]] = {
    "actions/checkout": [
        (_tags("v2.7.0 v3.6.0 v4.2.2 v5.0.0 v6.0.2 v7.0.0 v7.0.1"), {"action.yml": action_yml(CHECKOUT)}),
    ],
    "actions/setup-python": [(_tags("v2.3.4 v4.9.1 v5.6.0 v6.3.0 v7.0.0"), {"action.yml": action_yml(SETUP_PYTHON)})],
    "actions/setup-node": [
        (_tags("v1.4.6"), {"action.yml": action_yml(SETUP_NODE_V1, using="node12")}),
        (_tags("v2.5.2 v3.9.1 v4.4.0 v5.0.0 v6.5.0 v7.0.0"), {"action.yml": action_yml(SETUP_NODE)}),
    ],
    "actions/setup-go": [(_tags("v3.6.1 v4.3.0 v5.6.0 v6.5.0 v7.0.0"), {"action.yml": action_yml(SETUP_GO)})],
    "actions/setup-java": [
        (_tags("v1.4.5"), {"action.yml": action_yml(SETUP_JAVA_V1, using="node12")}),
        (_tags("v2.5.2 v3.14.2 v4.9.1 v5.7.0"), {"action.yml": action_yml(SETUP_JAVA)}),
    ],
    "actions/cache": [
        (
            _tags("v2.1.8 v3.0.11 v3.3.1 v3.4.3 v4.2.4 v5.0.5 v6.1.0"),
            {
                "action.yml": action_yml(CACHE),
                "restore/action.yml": action_yml(CACHE_RESTORE),
                "save/action.yml": action_yml(CACHE_SAVE),
            },
        )
    ],
    "actions/upload-artifact": [
        (_tags("v2.3.1 v3.1.3 v3.2.1"), {"action.yml": action_yml(UPLOAD_V3, using="node16")}),
        (_tags("v4.6.2 v5.0.0 v6.0.0 v7.0.0 v7.0.1"), {"action.yml": action_yml(UPLOAD)}),
    ],
    "actions/download-artifact": [
        (_tags("v2.1.1 v3.0.2"), {"action.yml": action_yml(DOWNLOAD_V3, using="node16")}),
        (_tags("v4.3.0 v5.0.0 v6.0.0 v7.0.0 v8.0.0 v8.0.1"), {"action.yml": action_yml(DOWNLOAD)}),
    ],
    "actions/upload-pages-artifact": [
        (
            _tags("v1.0.10 v2.0.0"),
            {"action.yml": action_yml(PAGES_ARTIFACT, steps="- uses: actions/upload-artifact@v3")},
        ),
        (
            _tags("v3.0.1 v4.0.0 v5.0.0"),
            {"action.yml": action_yml(PAGES_ARTIFACT, steps="- uses: actions/upload-artifact@v4")},
        ),
    ],
    "actions/deploy-pages": [(_tags("v1.2.9 v2.0.5 v4.0.5 v5.0.0"), {"action.yml": action_yml(DEPLOY_PAGES)})],
    "actions/configure-pages": [(_tags("v3.0.6 v4.0.0 v5.0.0"), {"action.yml": action_yml(CONFIGURE_PAGES)})],
    "codecov/codecov-action": [
        (_tags("v3.1.6 v4.6.0"), {"action.yml": action_yml(CODECOV_V4, using="node20")}),
        (
            _tags("v5.0.0 v5.5.2"),
            {"action.yml": action_yml(CODECOV_V5, steps="- run: ./dist/codecov.sh\n  shell: bash")},
        ),
    ],
    "github/codeql-action": [
        (
            _tags("v2.28.1 v3.29.5 v4.36.2"),
            {"init/action.yml": action_yml(CODEQL_INIT), "analyze/action.yml": action_yml(CODEQL_ANALYZE)},
        ),
    ],
    "pypa/gh-action-pypi-publish": [(_tags("v1.8.14 v1.14.1"), {"action.yml": action_yml(PYPI_PUBLISH)})],
}


class CorpusActions:
    """The versions port over REPOS (no latest: the table answers that), for the corpus and the tests."""

    def __init__(self, repos: dict[str, list[tuple[list[str], dict[str, str]]]] | None = None) -> None:
        self.repos = REPOS if repos is None else repos

    def latest(self, action: str) -> ActionVersion | None:
        return None

    def _version(self, repo: str, ref: str) -> str | None:
        """The tag `ref` stands for: itself, the newest tag of a major tag, or the table's release for its SHA."""
        tags = [t for tags, _ in self.repos.get(repo, []) for t in tags]
        if ref in tags:
            return ref
        row = FALLBACK.get(repo)
        if row is not None and ref == row[1]:
            return row[0]
        by_sha = {sha_of(repo, t): t for t in tags}
        if ref in by_sha:
            return by_sha[ref]
        same_major = [t for t in tags if version_tuple(t)[0] == version_tuple(ref)[0] and "." not in ref]
        return max(same_major, key=version_tuple) if same_major else None

    def file(self, action: str, ref: str, path: str) -> str | None:
        tag = self._version(action.lower(), ref)
        for tags, files in self.repos.get(action.lower(), []):
            if tag in tags:
                return files.get(path)
        return None

    def tags(self, action: str) -> list[tuple[str, str]]:
        return [(t, sha_of(action, t)) for tags, _ in self.repos.get(action.lower(), []) for t in tags]


def sha_of(action: str, tag: str) -> str:
    """The commit a corpus tag points at (the table's SHA for the table's release)."""
    row = FALLBACK.get(action.lower())
    if row is not None and row[0] == tag:
        return row[1]
    return hashlib.sha1(f"{action.lower()}@{tag}".encode()).hexdigest()


def tox_workflow(cache: str, upload: str, *, inputs: str = "envs toxdeps coverage libraries") -> str:
    """A reusable tox workflow (the shape of astronomy projects' shared CI), running these action versions."""
    declared = "".join(
        f"      {name}:\n        description: {name}\n        required: {'true' if name == 'envs' else 'false'}\n"
        f"        type: string\n" + ("" if name == "envs" else "        default: ''\n")
        for name in inputs.split()
    )
    return (
        "name: Test Python package\non:\n  workflow_call:\n    inputs:\n"
        + declared
        + "    secrets:\n      CODECOV_TOKEN:\n        required: false\n"
        "jobs:\n  tox:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        f"      - uses: actions/cache@{cache}\n        with:\n          path: .tox\n"
        "          key: tox-${{ hashFiles('tox.ini') }}\n"
        "      - run: pipx run tox -e py\n"
        f"      - uses: actions/upload-artifact@{upload}\n        with:\n"
        "          name: results\n          path: results.xml\n"
    )


HOOKS_ACTION_OLD = action_yml(
    _plain("extra_args"),
    steps="- uses: actions/setup-python@v2\n- uses: actions/cache@v2\n  with:\n    path: ~/.cache/pre-commit\n"
    "    key: pre-commit-${{ hashFiles('.pre-commit-config.yaml') }}\n- run: pre-commit run --all-files\n  shell: bash",
)
HOOKS_ACTION = HOOKS_ACTION_OLD.replace("actions/cache@v2", "actions/cache@v4").replace(
    "setup-python@v2", "setup-python@v5"
)
WF = ".github/workflows/tox.yml"
REPOS |= {
    "astro-ci/workflows": [
        (_tags("v1.7.0 v1.8.0"), {WF: tox_workflow("v3", "v3")}),
        (_tags("v1.9.0 v1.10.0"), {WF: tox_workflow("v4", "v4")}),
        (_tags("v2.0.0 v2.1.0"), {WF: tox_workflow("v4", "v4", inputs="envs coverage libraries")}),
    ],
    "shared-ci/workflows": [
        (_tags("v2.0.0 v2.1.0 v2.2.0"), {WF: tox_workflow("v2", "v4")}),
        (_tags("v3.0.0"), {WF: tox_workflow("v4", "v4", inputs="environments coverage")}),
    ],
    "hooks-ci/run": [
        (_tags("v1.0.0 v1.0.2"), {"action.yml": HOOKS_ACTION_OLD}),
        (_tags("v1.1.0 v1.1.1"), {"action.yml": HOOKS_ACTION}),
    ],
    "actions/create-release": [
        (_tags("v1.0.0 v1.1.4"), {"action.yml": action_yml(_plain("tag_name", "release_name"))})
    ],
}
