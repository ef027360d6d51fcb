"""Which formatter version a project pins, and how formatter failures are recognised."""

from __future__ import annotations

from pathlib import Path

from cicd_agent.fixers.formatter import which_formatter
from cicd_agent.fixers.formatter_pins import pinned


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_pre_commit_pins_win_for_hook_failures_including_frozen_revs(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
            "    rev: 0123456789abcdef0123456789abcdef01234567  # frozen: v0.6.9\n    hooks:\n      - id: ruff-format\n"
            "        exclude: ^migrations/\n",
            "requirements-dev.txt": "ruff==0.5.0\n",
        },
    )
    hook = pinned(root, "ruff", via_pre_commit=True)
    assert (hook.version, hook.source, hook.exclude_regex) == ("0.6.9", ".pre-commit-config.yaml", "(?:^migrations/)")
    direct = pinned(root, "ruff", via_pre_commit=False)
    assert (direct.version, direct.source) == ("0.5.0", "requirements-dev.txt")


def test_pins_from_groups_locks_and_package_files(tmp_path: Path) -> None:
    poetry = write(tmp_path / "p", {"pyproject.toml": '[tool.poetry.group.dev.dependencies]\nblack = "24.4.2"\n'})
    assert pinned(poetry, "black", via_pre_commit=False).version == "24.4.2"
    ranged = write(
        tmp_path / "u",
        {
            "pyproject.toml": '[dependency-groups]\nlint = ["black>=24"]\n',
            "uv.lock": '[[package]]\nname = "black"\nversion = "24.8.0"\n',
        },
    )
    assert (
        pinned(ranged, "black", via_pre_commit=False).version,
        pinned(ranged, "black", via_pre_commit=False).source,
    ) == ("24.8.0", "uv.lock")
    node = write(
        tmp_path / "n",
        {
            "package.json": '{"devDependencies": {"prettier": "^3.3.0"}}',
            "package-lock.json": '{"packages": {"node_modules/prettier": {"version": "3.3.3"}}}',
        },
    )
    assert pinned(node, "prettier", via_pre_commit=False).version == "3.3.3"
    assert pinned(write(tmp_path / "none", {"README.md": ""}), "ruff", via_pre_commit=False).version is None


def test_pins_from_what_runs_the_formatter_when_they_agree(tmp_path: Path) -> None:
    tox = write(
        tmp_path / "tox",
        {
            "tox.ini": "[testenv:lint]\ndeps =\n    black==23.1.0\n    flake8-black==0.3.6\n"
            "commands = black --check .\n",
            ".github/workflows/ci.yml": "jobs:\n  lint:\n    steps:\n      - run: pip install tox\n",
        },
    )
    assert (pinned(tox, "black", via_pre_commit=False).version, pinned(tox, "black", via_pre_commit=False).source) == (
        "23.1.0",
        "tox.ini",
    )
    workflow = write(tmp_path / "wf", {".github/workflows/lint.yaml": "      - run: npx prettier@3.1.0 --check .\n"})
    assert pinned(workflow, "prettier", via_pre_commit=False).version == "3.1.0"
    several = write(
        tmp_path / "several",
        {
            "noxfile.py": 'session.install("ruff==0.4.0")\n',
            ".github/workflows/ci.yml": "- run: pip install ruff==0.5.0\n",
        },
    )
    conflict = pinned(several, "ruff", via_pre_commit=False)  # which one runs is not a guess: the fixer refuses
    assert (conflict.version, conflict.conflict) == (None, "0.4.0 in noxfile.py, 0.5.0 in .github/workflows/ci.yml")
    wildcard = write(tmp_path / "wild", {"tox.ini": "[testenv]\ndeps = ruff==0.4.*\n"})
    assert pinned(wildcard, "ruff", via_pre_commit=False).version is None
    declared = write(
        tmp_path / "declared",
        {"requirements-dev.txt": "black==24.1.0\n", "tox.ini": "[testenv]\ndeps = black==23.1.0\n"},
    )
    assert pinned(declared, "black", via_pre_commit=False).version == "24.1.0"  # the declared pin first


def test_which_formatter() -> None:
    assert which_formatter("prettier.....Failed\n- hook id: prettier\n- files were modified by this hook") == (
        "prettier",
        True,
    )
    assert which_formatter(
        "[warn] src/app.ts\n[warn] Code style issues found in the above file. Run Prettier with --write to fix."
    ) == ("prettier", False)
    assert which_formatter("would reformat src/x.py\nOh no! 💥 💔 💥") == ("black", False)
    assert which_formatter("Would reformat: src/x.py\n1 file would be reformatted") == ("ruff", False)
    assert which_formatter("ruff format.........................................Failed") == ("ruff", True)
    assert which_formatter("Found 3 errors.") is None
