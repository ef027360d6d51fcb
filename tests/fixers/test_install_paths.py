# ruff: noqa: E501  (real config files are kept whole on one line each)
"""What CI installs, read through make targets, scripts, tox, nox, hatch, pdm, uv run and pipenv (never run)."""

from __future__ import annotations

from pathlib import Path

from cicd_agent.fixers.action_table import retirement
from cicd_agent.fixers.install_commands import Install, installs
from cicd_agent.fixers.python_versions import ci_python, stdlib


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_make_follows_the_default_target_and_its_prerequisites(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "Makefile": ".PHONY: init\ninit: venv\n\tpip install -r requirements-dev.txt\nvenv:\n\tpython -m venv .venv\n\t$(MAKE) extras\nextras:\n\tpip install -e .[socks]\n"
        },
    )
    assert installs(["make"], root) == [
        Install("requirements", "requirements-dev.txt"),
        Install("project"),
        Install("extra", "socks"),
    ]


def test_a_script_with_variables(tmp_path: Path) -> None:
    root = _write(
        tmp_path, {"scripts/install": 'REQS="requirements.txt"\nPIP="venv/bin/pip"\n"$PIP" install -r "$REQS"\n'}
    )
    assert installs(["scripts/install"], root) == [Install("requirements", "requirements.txt")]
    assert installs(["bash ../outside.sh"], root) == []


def test_tox_ini_and_tox_toml(tmp_path: Path) -> None:
    ini = _write(
        tmp_path / "a",
        {
            "tox.ini": "[testenv]\ndeps = -rrequirements-test.txt\n    freezegun\nextras =\n    security\n    socks\n[testenv:lint]\nskip_install = true\ndeps = ruff\n"
        },
    )
    assert installs(["tox -e py312"], ini) == [
        Install("requirements", "requirements-test.txt"),
        Install("package", "freezegun"),
        Install("extra", "security"),
        Install("extra", "socks"),
        Install("project"),
    ]
    assert installs(["tox -e lint"], ini) == [Install("package", "ruff")]
    toml = _write(
        tmp_path / "b", {"tox.toml": '[env_run_base]\ndependency_groups = ["test"]\nextras = ["completion"]\n'}
    )
    assert installs(["uv run --group dev tox run -e 3.12"], toml) == [
        Install("extra", "completion"),
        Install("group", "test"),
        Install("project"),
    ]


def test_nox_hatch_pdm_uv_and_pipenv(tmp_path: Path) -> None:
    nox = _write(
        tmp_path / "n",
        {
            "noxfile.py": 'import nox\n\n@nox.session(name="test")\ndef tests(session):\n    session.install("-r", "reqs/test.txt", ".[cli]")\n    session.install(*nox.project.dependency_groups(PYPROJECT, "docs"))\n'
        },
    )
    assert installs(["nox -s test"], nox) == [
        Install("requirements", "reqs/test.txt"),
        Install("project"),
        Install("extra", "cli"),
        Install("group", "docs"),
    ]
    hatch = _write(
        tmp_path / "h", {"hatch.toml": '[envs.hatch-test]\nextra-dependencies = ["trustme"]\nfeatures = ["socks"]\n'}
    )
    found = installs(["hatch test --cover"], hatch)
    assert Install("hatch", "hatch-test:extra-dependencies") in found and Install("extra", "socks") in found
    assert installs(["pdm install -v -dGtest"]) == [
        Install("project"),
        Install("group", "test"),
        Install("group", ":pdm-dev"),
    ]
    assert installs(["pdm sync -G lint -G test --prod"]) == [
        Install("project"),
        Install("group", "lint"),
        Install("group", "test"),
    ]
    assert installs(["uv run --no-default-groups --group dev pytest -k 'not slow'"]) == [
        Install("project"),
        Install("group", "dev"),
    ]
    assert installs(["pipenv install --dev"]) == [Install("pipfile", "packages"), Install("pipfile", "dev-packages")]


def test_cis_python_and_its_standard_library() -> None:
    assert ci_python("platform linux -- Python 3.12.8, pytest-8.3.4, pluggy-1.5.0") == (3, 12)
    assert ci_python('File "/opt/hostedtoolcache/Python/3.13.1/x64/lib/python3.13/site.py"') == (3, 13)
    assert ci_python("no version here") is None
    assert "distutils" not in stdlib((3, 12)) and "distutils" in stdlib((3, 11))
    assert "tomllib" in stdlib((3, 11)) and "tomllib" not in stdlib((3, 10))
    assert "imghdr" not in stdlib((3, 13)) and "json" in stdlib((3, 13))


def test_the_retirement_table() -> None:
    assert retirement("actions/upload-artifact", "v3") is not None
    assert retirement("actions/upload-artifact", "v4") is None
    assert retirement("actions/cache", "v3") is None  # the v3 tag moved to v3.4+
    assert retirement("actions/cache", "v3.0.11") is not None
    assert retirement("actions/cache/restore", "v4.0.2") is not None
    assert retirement("actions/cache", "0c45773b623bea8c8e75f6c82b208c3cf94ea4f9", "v4.2.3") is None
    assert retirement("github/codeql-action/init", "v2") is not None
    assert retirement("actions/checkout", "v2") is None
