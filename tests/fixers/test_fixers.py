"""Each fixer on real files in a real git checkout: what it changes, what it keeps, when it declines."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from cicd_agent.analysis import analyze
from cicd_agent.fixers import FIXERS, CannotFix, FixContext, FixPlan
from cicd_agent.fixers.deprecated_action import bump, named_in
from cicd_agent.fixers.missing_dependency import add_to_pyproject, distribution_for
from cicd_agent.fixers.timeout import raise_limit

TS = "2024-05-01T12:00:00.0000000Z "


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "checkout"
    root.mkdir()
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    repo = git.Repo.init(root)
    repo.index.add(list(files))
    repo.index.commit("initial")
    return root


def _ctx(root: Path, log: str, **kwargs: object) -> FixContext:
    return FixContext(root, analyze("".join(f"{TS}{line}\n" for line in log.splitlines())), trusted=True, **kwargs)  # type: ignore[arg-type]


WORKFLOW = """name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v3   # keep this comment
      - run: make
      # upload the results
      - uses: "actions/upload-artifact@v3.1.2"
        with:
          name: out
          path: out.txt
      - uses: actions/cache@0c45773b623bea8c8e75f6c82b208c3cf94ea4f9 # v4 pinned, not touched
"""


def test_deprecated_actions_are_bumped_keeping_comments_and_layout(tmp_path: Path) -> None:
    root = _repo(tmp_path, {".github/workflows/ci.yml": WORKFLOW})
    log = (
        "##[error]This request has been automatically failed because it uses a deprecated version of "
        "`actions/upload-artifact: v3`."
    )
    plan = FIXERS["deprecated-action"](_ctx(root, log))
    assert isinstance(plan, FixPlan), plan
    (change,) = plan.changes
    assert change.after == WORKFLOW.replace('"actions/upload-artifact@v3.1.2"', '"actions/upload-artifact@v4"')
    assert "actions/checkout@v3   # keep this comment" in change.after  # not named by the log: left alone
    assert "validated with actionlint" in plan.rationale


def test_named_in_reads_both_wordings() -> None:
    assert named_in("deprecated version of `actions/cache: v2`. Please update") == {("actions/cache", "v2")}
    assert named_in("Please update the following actions to use Node.js 20: actions/checkout@v3, foo/bar@v1") == {
        ("actions/checkout", "v3")
    }
    assert bump("- uses: actions/setup-node@v2.4.0\n", None) == "- uses: actions/setup-node@v4\n"


def test_an_update_actionlint_rejects_is_refused(tmp_path: Path) -> None:
    broken = WORKFLOW.replace("          path: out.txt\n", "")  # v4 requires `path`, which v3 did not
    root = _repo(tmp_path, {".github/workflows/ci.yml": broken})
    log = "##[error]uses a deprecated version of `actions/upload-artifact: v3`."
    result = FIXERS["deprecated-action"](_ctx(root, log))
    assert isinstance(result, CannotFix) and "actionlint reports 1 new problem" in result.why


def test_deprecated_action_fixer_declines_sha_pins(tmp_path: Path) -> None:
    pin = "0c45773b623bea8c8e75f6c82b208c3cf94ea4f9"
    text = f"jobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/cache@{pin}\n"
    root = _repo(tmp_path, {".github/workflows/ci.yml": text})
    result = FIXERS["deprecated-action"](_ctx(root, "##[error]uses a deprecated version of `actions/cache: v2`"))
    assert isinstance(result, CannotFix) and "SHA pins" in result.why


@pytest.mark.parametrize(
    ("files", "target", "expected"),
    [
        ({"requirements.txt": "requests==2.0\n"}, "requirements.txt", "requests==2.0\nPyYAML\n"),
        ({"requirements.txt": "requests"}, "requirements.txt", "requests\nPyYAML\n"),
        (
            {"pyproject.toml": '[project]\nname = "x"\ndependencies = [\n    "requests>=2",\n]\n'},
            "pyproject.toml",
            '[project]\nname = "x"\ndependencies = [\n    "requests>=2",\n    "PyYAML",\n]\n',
        ),
        (
            {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["requests"]\n'},
            "pyproject.toml",
            '[project]\nname = "x"\ndependencies = ["requests", "PyYAML"]\n',
        ),
    ],
)
def test_missing_dependency_is_declared(tmp_path: Path, files: dict[str, str], target: str, expected: str) -> None:
    root = _repo(tmp_path, files)
    plan = FIXERS["missing-dependency"](_ctx(root, "E   ModuleNotFoundError: No module named 'yaml'"))
    assert isinstance(plan, FixPlan), plan
    assert [(c.path, c.after) for c in plan.changes] == [(target, expected)]
    assert "PyYAML" in plan.title and "provides `yaml`" in plan.rationale


@pytest.mark.parametrize(
    ("files", "log", "why"),
    [
        ({"requirements.txt": "pyyaml\n"}, "No module named 'yaml'", "already declared"),
        ({"requirements.txt": ""}, "ModuleNotFoundError: No module named 'json'", "standard library"),
        ({"requirements.txt": "", "mypkg/__init__.py": ""}, "No module named 'mypkg'", "project's own code"),
        ({"README.md": "x"}, "No module named 'yaml'", "no requirements"),
    ],
)
def test_missing_dependency_declines(tmp_path: Path, files: dict[str, str], log: str, why: str) -> None:
    root = _repo(tmp_path, files)
    result = FIXERS["missing-dependency"](_ctx(root, f"E   {log}"))
    assert isinstance(result, CannotFix) and why in result.why


@pytest.mark.parametrize(
    ("module", "dist"),
    [
        ("yaml", "PyYAML"),
        ("PIL.Image", "Pillow"),
        ("sklearn", "scikit-learn"),
        ("cv2", "opencv-python"),
        ("requests", "requests"),
    ],
)
def test_import_names_map_to_distributions(module: str, dist: str) -> None:
    assert distribution_for(module) == dist


def test_pyproject_without_a_project_table() -> None:
    assert add_to_pyproject("[tool.ruff]\nline-length = 1\n", "x") is None


def test_formatter_runs_ruff_and_reports_the_changed_files(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"a.py": "x=1\n", "b.py": "y = 2\n"})
    plan = FIXERS["formatter"](
        _ctx(root, "Would reformat: a.py\n1 file would be reformatted, 1 file already formatted")
    )
    assert isinstance(plan, FixPlan), plan
    assert [(c.path, c.before, c.after) for c in plan.changes] == [("a.py", "x=1\n", "x = 1\n")]


def test_formatter_never_runs_for_a_fork(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"a.py": "x=1\n"})
    ctx = FixContext(
        root,
        analyze(f"{TS}1 file would be reformatted\n{TS}##[error]Process completed with exit code 1.\n"),
        trusted=False,
    )
    result = FIXERS["formatter"](ctx)
    assert isinstance(result, CannotFix) and "fork" in result.why
    assert (root / "a.py").read_text() == "x=1\n"


def test_command_fixer_runs_the_configured_command(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"VERSION": "1\n"})
    ctx = _ctx(root, "##[error]Process completed with exit code 1.", command=("sh", "-c", "echo 2 > VERSION"))
    plan = FIXERS["command"](ctx)
    assert isinstance(plan, FixPlan) and plan.changes[0].after == "2\n"
    failing = FIXERS["command"](_ctx(root, "##[error]x", command=("sh", "-c", "exit 3")))
    assert isinstance(failing, CannotFix) and "exit code 3" in failing.why


TIMEOUT_WORKFLOW = """jobs:
  build:
    name: Build it
    runs-on: ubuntu-latest
    timeout-minutes: 10 # minutes
    steps:
      - run: make
  other:
    runs-on: ubuntu-latest
    timeout-minutes: 10
"""


def test_timeout_is_raised_for_the_failed_job_only(tmp_path: Path) -> None:
    root = _repo(tmp_path, {".github/workflows/ci.yml": TIMEOUT_WORKFLOW})
    log = "The job running on runner GitHub Actions 3 has exceeded the maximum execution time of 10 minutes."
    plan = FIXERS["timeout"](_ctx(root, log, workflow_path=".github/workflows/ci.yml", job_name="Build it"))
    assert isinstance(plan, FixPlan), plan
    assert plan.changes[0].after == TIMEOUT_WORKFLOW.replace(
        "timeout-minutes: 10 # minutes", "timeout-minutes: 20 # minutes"
    )


def test_timeout_is_added_when_missing_and_capped() -> None:
    text = "jobs:\n  a:\n    runs-on: x\n    steps: []\n"
    assert raise_limit(text, "a", 720) == "jobs:\n  a:\n    timeout-minutes: 720\n    runs-on: x\n    steps: []\n"


def test_timeout_at_the_cap_declines(tmp_path: Path) -> None:
    root = _repo(tmp_path, {".github/workflows/ci.yml": "jobs:\n  a:\n    timeout-minutes: 360\n"})
    log = "has exceeded the maximum execution time of 360 minutes."
    result = FIXERS["timeout"](_ctx(root, log, workflow_path=".github/workflows/ci.yml", job_name="a"))
    assert isinstance(result, CannotFix) and "cap" in result.why
