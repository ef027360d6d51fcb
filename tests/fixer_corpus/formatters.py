# ruff: noqa: E501
"""Formatter cases, after real set-ups: pre-commit with ruff-pre-commit / black-pre-commit-mirror and
top-level excludes, black pinned in requirements-dev.txt, ruff in a dependency group, line lengths from the
config or the CI command. Versions are `{ruff}` / `{black}`: the ones installed here (no download)."""

from __future__ import annotations

from fixer_corpus import Case

N = "formatter"
UGLY = "def add(a,b):\n    return a+b\n"
PRETTY = "def add(a, b):\n    return a + b\n"
LONG = (
    "def f(a,b):\n    return compute_something(first_argument_value, second_argument_value, third_argument_value_x)\n"
)
LONG_100 = (
    "def f(a, b):\n    return compute_something(first_argument_value, second_argument_value, third_argument_value_x)\n"
)
EXIT = "\n##[error]Process completed with exit code 1."

PRE_COMMIT_RUFF = """exclude: ^docs/
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0
    hooks:
      - id: end-of-file-fixer
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v{ruff}
    hooks:
      - id: ruff
        args: [--fix]
      - id: ruff-format
"""
RUFF_HOOK_LOG = (
    """check for added large files..............................................Passed
fix end of files.........................................................Passed
ruff.....................................................................Passed
ruff-format..............................................................Failed
- hook id: ruff-format
- files were modified by this hook

1 file reformatted, 2 files left unchanged
"""
    + EXIT
)

PRE_COMMIT_BLACK = """repos:
  - repo: https://github.com/psf/black-pre-commit-mirror
    rev: {black}
    hooks:
      - id: black
        exclude: ^src/pkg/vendored/
"""
BLACK_HOOK_LOG = (
    """black....................................................................Failed
- hook id: black
- files were modified by this hook

reformatted src/pkg/mod.py

All done! ✨ 🍰 ✨
1 file reformatted, 1 file left unchanged.
"""
    + EXIT
)

WORKFLOW = "name: lint\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n{steps}"


def steps(*lines: str) -> str:
    return WORKFLOW.replace("{steps}", "".join(f"      - run: {line}\n" for line in lines))


CASES = [
    Case(
        "pre-commit-ruff-format-with-exclude",
        N,
        "ruff-pre-commit pinned by rev, a top-level `exclude: ^docs/`; the hook prints only a count",
        {
            ".pre-commit-config.yaml": PRE_COMMIT_RUFF,
            "pkg/__init__.py": "",
            "pkg/core.py": UGLY,
            "docs/conf.py": "project='x'\n",
            "tests/test_core.py": "from pkg.core import add\n",
            ".github/workflows/ci.yml": steps(
                "pip install pre-commit", "pre-commit run --all-files --show-diff-on-failure"
            ),
        },
        RUFF_HOOK_LOG,
        edits={"pkg/core.py": [(UGLY, PRETTY)]},
    ),
    Case(
        "pre-commit-black-mirror-named-file",
        N,
        "black-pre-commit-mirror: `reformatted <file>` lines; the vendored folder stays as it is",
        {
            ".pre-commit-config.yaml": PRE_COMMIT_BLACK,
            "src/pkg/__init__.py": "",
            "src/pkg/mod.py": UGLY,
            "src/pkg/vendored/six.py": "x=1\n",
            ".github/workflows/ci.yml": steps("pipx run pre-commit run --all-files"),
        },
        BLACK_HOOK_LOG,
        edits={"src/pkg/mod.py": [(UGLY, PRETTY)]},
    ),
    Case(
        "black-pinned-in-requirements-dev",
        N,
        "black==X in requirements-dev.txt, `black --check .`; the runner's absolute path in the log",
        {
            "requirements-dev.txt": "pytest==8.3.3\nblack=={black}\n",
            "cats/__init__.py": "",
            "cats/cat.py": UGLY,
            "cats/dog.py": "x=1\n",
            ".github/workflows/ci.yml": steps("pip install -r requirements-dev.txt", "black --check ."),
        },
        "would reformat /home/runner/work/cats/cats/cats/cat.py\n\nOh no! 💥 💔 💥\n1 file would be reformatted, 2 files would be left unchanged."
        + EXIT,
        edits={"cats/cat.py": [(UGLY, PRETTY)]},
    ),
    Case(
        "ruff-in-a-dependency-group",
        N,
        "ruff==X in [dependency-groups] dev; the older `Would reformat:` wording",
        {
            "pyproject.toml": '[project]\nname = "svc"\nversion = "1.0"\n\n[dependency-groups]\ndev = ["pytest>=8", "ruff=={ruff}"]\n',
            "src/svc/__init__.py": "",
            "src/svc/a.py": UGLY,
            "tools/gen.py": "y=2\n",
            ".github/workflows/ci.yml": steps("pip install --group dev", "ruff format --check src"),
        },
        "Would reformat: src/svc/a.py\n1 file would be reformatted, 1 file already formatted" + EXIT,
        edits={"src/svc/a.py": [(UGLY, PRETTY)]},
    ),
    Case(
        "ruff-line-length-from-config",
        N,
        "[tool.ruff] line-length = 100: the fix must format as the project's check does",
        {
            "pyproject.toml": '[project]\nname = "calc"\nversion = "1.0"\n\n[project.optional-dependencies]\ndev = ["ruff=={ruff}"]\n\n[tool.ruff]\nline-length = 100\n',
            "calc.py": LONG,
            ".github/workflows/ci.yml": steps("pip install -e .[dev]", "ruff format --check ."),
        },
        "unformatted: File would be reformatted\n --> calc.py:1:1\n1 file would be reformatted" + EXIT,
        edits={"calc.py": [(LONG, LONG_100)]},
    ),
    Case(
        "black-line-length-from-the-ci-command",
        N,
        "`black --check --line-length 100 .` in the workflow: the same option is used to fix",
        {
            "requirements-dev.txt": "black=={black}\n",
            "calc.py": LONG,
            ".github/workflows/ci.yml": steps(
                "pip install -r requirements-dev.txt", "black --check --line-length 100 ."
            ),
        },
        "would reformat calc.py\n\nOh no! 💥 💔 💥\n1 file would be reformatted." + EXIT,
        edits={"calc.py": [(LONG, LONG_100)]},
    ),
    Case(
        "ruff-scope-from-the-ci-command",
        N,
        "the log lists no file (excerpt only): the pinned check on the workflow's own scope (`src`) finds them",
        {
            "pyproject.toml": '[project]\nname = "svc"\nversion = "1.0"\n\n[dependency-groups]\ndev = ["ruff=={ruff}"]\n',
            "src/svc/__init__.py": "",
            "src/svc/a.py": UGLY,
            "scripts/one_off.py": "y=2\n",
            ".github/workflows/ci.yml": steps("pip install --group dev", "ruff format --check src"),
        },
        "1 file would be reformatted, 1 file already formatted" + EXIT,
        edits={"src/svc/a.py": [(UGLY, PRETTY)]},
    ),
    Case(
        "unparseable-file",
        N,
        "the named file does not parse: the formatter fails, nothing is proposed",
        {
            "requirements-dev.txt": "black=={black}\n",
            "broken.py": "def f(:\n    pass\n",
            ".github/workflows/ci.yml": steps("pip install -r requirements-dev.txt", "black --check ."),
        },
        "would reformat broken.py\nOh no! 💥 💔 💥" + EXIT,
        refusal="failed on the named files",
        fix_exists=False,
    ),
    Case(
        "fork-head",
        N,
        "a pull request from a fork: no tool runs on its code",
        {
            "requirements-dev.txt": "black=={black}\n",
            "a.py": UGLY,
            ".github/workflows/ci.yml": steps("black --check ."),
        },
        "would reformat a.py\nOh no! 💥 💔 💥" + EXIT,
        refusal="fork",
        fix_exists=False,
        trusted=False,
    ),
    Case(
        "not-a-formatter-failure",
        N,
        "a lint failure routed to the formatter rule: nothing to format",
        {"a.py": "import os\n", ".github/workflows/ci.yml": steps("ruff check .")},
        "a.py:1:8: F401 [*] `os` imported but unused\nFound 1 error." + EXIT,
        refusal="does not say which formatter failed",
        fix_exists=False,
    ),
]
