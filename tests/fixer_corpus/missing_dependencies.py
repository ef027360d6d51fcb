# ruff: noqa: E501
"""Missing-dependency cases, after real Python projects' layouts (requirements with -r includes and hashes,
PEP 621 extras, PEP 735 groups, Poetry, setup.cfg, uv.lock) and real pytest collection errors."""

from __future__ import annotations

from fixer_corpus import Case

N = "missing-dependency"
TOOLCACHE = "/opt/hostedtoolcache/Python/3.12.4/x64/lib/python3.12/importlib/__init__.py:90: in import_module\n    return _bootstrap._gcd_import(name[level:], package, level)"


def collecting(test: str, frames: list[tuple[str, int, str]], module: str) -> str:
    """A pytest collection error as GitHub's log shows it."""
    lines = [
        "==================================== ERRORS ====================================",
        f"_____________________ ERROR collecting {test} _____________________",
        f"ImportError while importing test module '/home/runner/work/proj/proj/{test}'.",
        "Hint: make sure your test modules/packages have valid Python names.",
        "Traceback:",
        TOOLCACHE,
    ]
    for path, line, code in frames:
        lines += [f"{path}:{line}: in <module>", f"    {code}"]
    lines += [
        f"E   ModuleNotFoundError: No module named '{module}'",
        "=========================== short test summary info ============================",
        f"ERROR {test}",
        "!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!",
        "##[error]Process completed with exit code 2.",
    ]
    return "\n".join(lines)


def traceback(frames: list[tuple[str, int, str]], module: str) -> str:
    """A plain Python traceback (a script, a Django check), with runner paths."""
    lines = ["Traceback (most recent call last):"]
    for path, line, code in frames:
        lines += [f'  File "/home/runner/work/proj/proj/{path}", line {line}, in <module>', f"    {code}"]
    lines += [f"ModuleNotFoundError: No module named '{module}'", "##[error]Process completed with exit code 1."]
    return "\n".join(lines)


def workflow(*installs: str, test: str = "pytest") -> str:
    steps = "".join(f"      - run: {line}\n" for line in installs)
    return (
        "name: tests\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - uses: actions/setup-python@v5\n        with:\n"
        "          python-version: '3.12'\n" + steps + f"      - run: {test}\n"
    )


WF = ".github/workflows/ci.yml"
APP_IMPORTS = collecting(
    "tests/test_app.py",
    [("tests/test_app.py", 1, "from app.config import load"), ("app/config.py", 3, "import yaml")],
    "yaml",
)
PEP621 = """[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "weatherly"
version = "1.4.0"
requires-python = ">=3.9"
dependencies = [
    "httpx[socks]>=0.27",  # the API client
    "rich>=13",
]

[project.optional-dependencies]
test = [
    "pytest>=8",
    "responses",
]
docs = ["mkdocs-material"]
"""
CLIENT_TEST = collecting(
    "tests/test_client.py",
    [
        ("tests/test_client.py", 4, "from weatherly.client import Client"),
        ("src/weatherly/client.py", 6, "from dateutil import parser"),
    ],
    "dateutil",
)
SRC = {
    "src/weatherly/__init__.py": "",
    "src/weatherly/client.py": "import httpx\nfrom dateutil import parser\n",
    "tests/test_client.py": "from weatherly.client import Client\n",
}
GROUPS = """[project]
name = "tidy"
version = "0.3.0"
dependencies = ["click>=8"]

[dependency-groups]
test = ["pytest>=8", "pytest-cov"]
lint = ["ruff"]
"""
POETRY = """[tool.poetry]
name = "ledger"
version = "2.1.0"
description = ""
authors = ["A. Dev <dev@example.org>"]

[tool.poetry.dependencies]
python = "^3.10"
requests = "^2.31"

[tool.poetry.group.test.dependencies]
pytest = "^8.0"
"""
SETUP_CFG = """[metadata]
name = scrapekit
version = 0.9.1

[options]
packages = find:
python_requires = >=3.9
install_requires =
    requests>=2.28
    lxml

[options.extras_require]
test =
    pytest
    pytest-cov
"""

CASES = [
    Case(
        "requirements-runtime-unpinned",
        N,
        "a Flask-style app: requirements.txt installed with pip install -r",
        {
            "requirements.txt": "requests>=2.31\nrich\n",
            "app/__init__.py": "",
            "app/config.py": "import os\n\nimport yaml\n",
            "tests/test_app.py": "",
            WF: workflow("pip install -r requirements.txt"),
        },
        APP_IMPORTS,
        edits={"requirements.txt": [("rich\n", "rich\nPyYAML\n")]},
        job="test",
    ),
    Case(
        "requirements-pinned-style",
        N,
        "fully pinned requirements.txt (every line ==): the new line is pinned too",
        {
            "requirements.txt": "requests==2.32.3\nrich==13.9.4\n",
            "app/__init__.py": "",
            "app/config.py": "import yaml\n",
            "tests/test_app.py": "",
            WF: workflow("python -m pip install -r requirements.txt"),
        },
        APP_IMPORTS,
        edits={"requirements.txt": [("rich==13.9.4\n", "rich==13.9.4\nPyYAML==6.0.2\n")]},
        job="test",
    ),
    Case(
        "requirements-hashed",
        N,
        "pip-compile --generate-hashes output installed with --require-hashes",
        {
            "requirements.txt": "requests==2.32.3 \\\n    --hash=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6\n",
            "app/__init__.py": "",
            "app/config.py": "import yaml\n",
            "tests/test_app.py": "",
            WF: workflow("pip install --require-hashes -r requirements.txt"),
        },
        APP_IMPORTS,
        refusal="pins hashes",
    ),
    Case(
        "requirements-compiled",
        N,
        "requirements.txt generated by pip-compile from requirements.in",
        {
            "requirements.in": "requests\n",
            "requirements.txt": "#\n# This file is autogenerated by pip-compile with Python 3.12\n# by the following command:\n#\n#    pip-compile requirements.in\n#\nrequests==2.32.3\n    # via -r requirements.in\n",
            "app/__init__.py": "",
            "app/config.py": "import yaml\n",
            "tests/test_app.py": "",
            WF: workflow("pip install -r requirements.txt"),
        },
        APP_IMPORTS,
        refusal="generated by pip-compile",
    ),
    Case(
        "dev-requirements-test-import",
        N,
        "requirements-dev.txt including requirements.txt with -r; a test-only import",
        {
            "requirements.txt": "click\n",
            "requirements-dev.txt": "-r requirements.txt\npytest==8.3.3\n",
            "app/__init__.py": "",
            "tests/test_api.py": "import responses\n",
            WF: workflow("pip install -r requirements-dev.txt"),
        },
        collecting("tests/test_api.py", [("tests/test_api.py", 1, "import responses")], "responses"),
        edits={"requirements-dev.txt": [("pytest==8.3.3\n", "pytest==8.3.3\nresponses==0.25.3\n")]},
        job="test",
    ),
    Case(
        "dev-requirements-runtime-import",
        N,
        "same layout, the import is in the package: it goes to the included runtime file",
        {
            "requirements.txt": "click\n",
            "requirements-dev.txt": "-r requirements.txt\npytest==8.3.3\n",
            "src/weatherly/__init__.py": "",
            "src/weatherly/client.py": "import httpx\n",
            "tests/test_client.py": "from weatherly.client import Client\n",
            WF: workflow("pip install -r requirements-dev.txt"),
        },
        collecting(
            "tests/test_client.py",
            [
                ("tests/test_client.py", 1, "from weatherly.client import Client"),
                ("src/weatherly/client.py", 1, "import httpx"),
            ],
            "httpx",
        ),
        edits={"requirements.txt": [("click\n", "click\nhttpx\n")]},
        job="test",
    ),
    Case(
        "pep621-test-extra",
        N,
        "hatchling project installed with pip install -e '.[test]'; the test imports pytest_mock",
        {
            "pyproject.toml": PEP621,
            **SRC,
            "tests/test_cli.py": "import pytest_mock\n",
            WF: workflow('pip install -e ".[test]"'),
        },
        collecting("tests/test_cli.py", [("tests/test_cli.py", 1, "import pytest_mock")], "pytest_mock"),
        edits={"pyproject.toml": [('    "responses",\n]', '    "responses",\n    "pytest-mock",\n]')]},
        job="test",
    ),
    Case(
        "pep621-runtime-with-extras-in-list",
        N,
        "a dependency with extras (`httpx[socks]`) already in the list: the list is edited as TOML",
        {"pyproject.toml": PEP621, **SRC, WF: workflow('pip install -e ".[test]"')},
        CLIENT_TEST,
        edits={"pyproject.toml": [('    "rich>=13",\n]', '    "rich>=13",\n    "python-dateutil",\n]')]},
        job="test",
    ),
    Case(
        "pep621-one-line-list",
        N,
        "dependencies on one line",
        {
            "pyproject.toml": PEP621.replace(
                'dependencies = [\n    "httpx[socks]>=0.27",  # the API client\n    "rich>=13",\n]',
                'dependencies = ["httpx[socks]>=0.27", "rich>=13"]',
            ),
            **SRC,
            WF: workflow("pip install ."),
        },
        CLIENT_TEST,
        edits={
            "pyproject.toml": [
                (
                    'dependencies = ["httpx[socks]>=0.27", "rich>=13"]',
                    'dependencies = ["httpx[socks]>=0.27", "rich>=13", "python-dateutil"]',
                )
            ]
        },
        job="test",
    ),
    Case(
        "declared-through-a-dependency-extra",
        N,
        "socksio comes with httpx[socks], which is declared: adding it again fixes nothing",
        {
            "pyproject.toml": PEP621,
            **SRC,
            "src/weatherly/proxy.py": "import socksio\n",
            WF: workflow('pip install -e ".[test]"'),
        },
        collecting(
            "tests/test_client.py",
            [
                ("tests/test_client.py", 4, "from weatherly.proxy import x"),
                ("src/weatherly/proxy.py", 1, "import socksio"),
            ],
            "socksio",
        ),
        refusal="already declared through httpx[socks]",
        fix_exists=False,
    ),
    Case(
        "declared-in-an-extra-ci-does-not-install",
        N,
        "responses is in the test extra, but CI installs only the project",
        {"pyproject.toml": PEP621, **SRC, "tests/test_api.py": "import responses\n", WF: workflow("pip install -e .")},
        collecting("tests/test_api.py", [("tests/test_api.py", 1, "import responses")], "responses"),
        refusal="already declared in pyproject.toml [project.optional-dependencies] test",
        fix_exists=False,
    ),
    Case(
        "dependency-group-with-uv-lock",
        N,
        "uv project: uv sync --group test, uv.lock committed: uv (offline, on the corpus wheelhouse) relocks it",
        {
            "pyproject.toml": GROUPS,
            "uv.lock": 'version = 1\nrequires-python = ">=3.12"\n',
            "tidy/__init__.py": "",
            "tests/test_x.py": "import freezegun\n",
            WF: workflow("uv sync --group test", test="uv run pytest"),
        },
        collecting("tests/test_x.py", [("tests/test_x.py", 1, "import freezegun")], "freezegun"),
        edits={
            "pyproject.toml": [
                ('test = ["pytest>=8", "pytest-cov"]', 'test = ["pytest>=8", "pytest-cov", "freezegun"]')
            ]
        },
        generated={"uv.lock": 'name = "freezegun"'},
    ),
    Case(
        "dependency-group-pip",
        N,
        "PEP 735 groups installed with pip install --group (pip 25.1)",
        {
            "pyproject.toml": GROUPS,
            "tidy/__init__.py": "",
            "tests/test_x.py": "import freezegun\n",
            WF: workflow("pip install -e . --group test"),
        },
        collecting("tests/test_x.py", [("tests/test_x.py", 1, "import freezegun")], "freezegun"),
        edits={
            "pyproject.toml": [
                ('test = ["pytest>=8", "pytest-cov"]', 'test = ["pytest>=8", "pytest-cov", "freezegun"]')
            ]
        },
        job="test",
    ),
    Case(
        "poetry-with-lock",
        N,
        "Poetry project with poetry.lock, CI poetry install --with test (poetry is not where the agent runs)",
        {
            "pyproject.toml": POETRY,
            "poetry.lock": "# This file is automatically @generated by Poetry\n",
            "ledger/__init__.py": "",
            "tests/test_x.py": "import freezegun\n",
            WF: workflow("pipx install poetry", "poetry install --with test", test="poetry run pytest"),
        },
        collecting("tests/test_x.py", [("tests/test_x.py", 1, "import freezegun")], "freezegun"),
        refusal="poetry.lock must be regenerated with `poetry lock`",
    ),
    Case(
        "poetry-group-without-lock",
        N,
        "a Poetry library that does not commit its lock",
        {
            "pyproject.toml": POETRY,
            "ledger/__init__.py": "",
            "tests/test_x.py": "import freezegun\n",
            WF: workflow("poetry install --with test", test="poetry run pytest"),
        },
        collecting("tests/test_x.py", [("tests/test_x.py", 1, "import freezegun")], "freezegun"),
        edits={"pyproject.toml": [('pytest = "^8.0"\n', 'pytest = "^8.0"\nfreezegun = "^1.5.1"\n')]},
        job="test",
    ),
    Case(
        "poetry-runtime-import",
        N,
        "Poetry project, an import in the package: [tool.poetry.dependencies]",
        {
            "pyproject.toml": POETRY,
            "ledger/__init__.py": "",
            "ledger/dates.py": "from dateutil import tz\n",
            "tests/test_dates.py": "from ledger import dates\n",
            WF: workflow("poetry install", test="poetry run pytest"),
        },
        collecting(
            "tests/test_dates.py",
            [("tests/test_dates.py", 1, "from ledger import dates"), ("ledger/dates.py", 1, "from dateutil import tz")],
            "dateutil",
        ),
        edits={"pyproject.toml": [('requests = "^2.31"\n', 'requests = "^2.31"\npython-dateutil = "^2.9.0.post0"\n')]},
        job="test",
    ),
    Case(
        "setup-cfg-install-requires",
        N,
        "setuptools project declaring install_requires in setup.cfg",
        {
            "setup.cfg": SETUP_CFG,
            "setup.py": "from setuptools import setup\n\nsetup()\n",
            "scrapekit/__init__.py": "",
            "scrapekit/parse.py": "from bs4 import BeautifulSoup\n",
            "tests/test_parse.py": "",
            WF: workflow("pip install -e ."),
        },
        collecting(
            "tests/test_parse.py",
            [
                ("tests/test_parse.py", 1, "from scrapekit.parse import x"),
                ("scrapekit/parse.py", 1, "from bs4 import BeautifulSoup"),
            ],
            "bs4",
        ),
        edits={"setup.cfg": [("    lxml\n", "    lxml\n    beautifulsoup4\n")]},
        job="test",
    ),
    Case(
        "setup-cfg-test-extra",
        N,
        "setup.cfg extras_require test, installed with .[test]",
        {
            "setup.cfg": SETUP_CFG,
            "setup.py": "from setuptools import setup\n\nsetup()\n",
            "scrapekit/__init__.py": "",
            "tests/test_props.py": "import hypothesis\n",
            WF: workflow("pip install -e .[test]"),
        },
        collecting("tests/test_props.py", [("tests/test_props.py", 1, "import hypothesis")], "hypothesis"),
        edits={"setup.cfg": [("    pytest-cov\n", "    pytest-cov\n    hypothesis\n")]},
        job="test",
    ),
    Case(
        "setup-py-only",
        N,
        "dependencies declared in setup.py's install_requires list: the list is edited in its own layout",
        {
            "setup.py": "from setuptools import setup\n\nsetup(name='old', install_requires=['requests'])\n",
            "old/__init__.py": "import yaml\n",
            "tests/test_old.py": "",
            WF: workflow("pip install -e ."),
        },
        collecting(
            "tests/test_old.py", [("tests/test_old.py", 1, "import old"), ("old/__init__.py", 1, "import yaml")], "yaml"
        ),
        edits={"setup.py": [("install_requires=['requests']", "install_requires=['requests', 'PyYAML']")]},
    ),
    Case(
        "typo-in-the-import",
        N,
        "`import reqeusts`: a registered typosquat exists on the index and must never be written",
        {
            "requirements.txt": "requests\n",
            "app/__init__.py": "import reqeusts\n",
            "tests/test_app.py": "",
            WF: workflow("pip install -r requirements.txt"),
        },
        collecting(
            "tests/test_app.py",
            [("tests/test_app.py", 1, "import app"), ("app/__init__.py", 1, "import reqeusts")],
            "reqeusts",
        ),
        refusal="looks like a misspelling of `requests`",
        fix_exists=False,
    ),
    Case(
        "no-such-distribution",
        N,
        "an internal package that is not on the index",
        {
            "requirements.txt": "requests\n",
            "app/__init__.py": "import acme_internal_sdk\n",
            "tests/test_app.py": "",
            WF: workflow("pip install -r requirements.txt"),
        },
        collecting(
            "tests/test_app.py",
            [("tests/test_app.py", 1, "import app"), ("app/__init__.py", 1, "import acme_internal_sdk")],
            "acme_internal_sdk",
        ),
        refusal="no distribution on the package index ships `acme_internal_sdk`",
        fix_exists=False,
    ),
    Case(
        "stdlib-on-an-older-python",
        N,
        "tomllib imported while CI runs Python 3.10",
        {
            "requirements.txt": "requests\n",
            "app/__init__.py": "import tomllib\n",
            "tests/test_app.py": "",
            WF: workflow("pip install -r requirements.txt"),
        },
        collecting(
            "tests/test_app.py",
            [("tests/test_app.py", 1, "import app"), ("app/__init__.py", 1, "import tomllib")],
            "tomllib",
        ),
        refusal="standard library",
        fix_exists=False,
    ),
    Case(
        "own-package-not-installed",
        N,
        "src layout whose package is not installed in CI: an install problem, not a dependency",
        {"pyproject.toml": PEP621, **SRC, WF: workflow("pip install pytest")},
        collecting(
            "tests/test_client.py", [("tests/test_client.py", 4, "from weatherly.client import Client")], "weatherly"
        ),
        refusal="the project's own code",
        fix_exists=False,
    ),
    Case(
        "namespace-package-protobuf",
        N,
        "google.protobuf is shipped by protobuf (a namespace package)",
        {
            "requirements.txt": "grpcio\n",
            "svc/__init__.py": "from google.protobuf import json_format\n",
            "tests/test_svc.py": "",
            WF: workflow("pip install -r requirements.txt"),
        },
        collecting(
            "tests/test_svc.py",
            [("tests/test_svc.py", 1, "import svc"), ("svc/__init__.py", 1, "from google.protobuf import json_format")],
            "google.protobuf",
        ),
        edits={"requirements.txt": [("grpcio\n", "grpcio\nprotobuf\n")]},
        job="test",
    ),
    Case(
        "import-name-differs-cv2",
        N,
        "cv2 is shipped by opencv-python",
        {
            "requirements.txt": "numpy\n",
            "vision/__init__.py": "import cv2\n",
            "tests/test_vision.py": "",
            WF: workflow("pip install -r requirements.txt"),
        },
        collecting(
            "tests/test_vision.py",
            [("tests/test_vision.py", 1, "import vision"), ("vision/__init__.py", 1, "import cv2")],
            "cv2",
        ),
        edits={"requirements.txt": [("numpy\n", "numpy\nopencv-python\n")]},
        job="test",
    ),
    Case(
        "uv-lock-runtime",
        N,
        "uv project, runtime import: pyproject and uv.lock must change together",
        {
            "pyproject.toml": GROUPS,
            "uv.lock": 'version = 1\nrequires-python = ">=3.12"\n',
            "tidy/__init__.py": "import rich\n",
            "tests/test_x.py": "",
            WF: workflow("uv sync", test="uv run pytest"),
        },
        collecting(
            "tests/test_x.py", [("tests/test_x.py", 1, "import tidy"), ("tidy/__init__.py", 1, "import rich")], "rich"
        ),
        edits={"pyproject.toml": [('dependencies = ["click>=8"]', 'dependencies = ["click>=8", "rich"]')]},
        generated={"uv.lock": 'name = "rich"'},
    ),
    Case(
        "declared-with-another-spelling",
        N,
        "PIL missing while `pillow` is declared (normalised names): installing it is what fails",
        {
            "requirements.txt": "pillow>=10\n",
            "img/__init__.py": "from PIL import Image\n",
            "tests/test_img.py": "",
            WF: workflow("pip install -r requirements.txt"),
        },
        collecting(
            "tests/test_img.py",
            [("tests/test_img.py", 1, "import img"), ("img/__init__.py", 1, "from PIL import Image")],
            "PIL",
        ),
        refusal="pillow is already declared in requirements.txt: the job installs requirements requirements.txt",
        fix_exists=False,
    ),
    Case(
        "test-import-no-test-list",
        N,
        "CI installs requirements.txt plus pytest by name: no file holds test dependencies",
        {
            "requirements.txt": "requests\n",
            "app/__init__.py": "",
            "tests/test_app.py": "import freezegun\n",
            WF: workflow("pip install -r requirements.txt pytest"),
        },
        collecting("tests/test_app.py", [("tests/test_app.py", 1, "import freezegun")], "freezegun"),
        refusal="cannot tell where this test-only import",
    ),
    Case(
        "requirements-that-hold-test-tools",
        N,
        "a small project keeping pytest in requirements.txt: the test import goes there",
        {
            "requirements.txt": "requests\npytest\n",
            "app/__init__.py": "",
            "tests/test_app.py": "import freezegun\n",
            WF: workflow("pip install -r requirements.txt"),
        },
        collecting("tests/test_app.py", [("tests/test_app.py", 1, "import freezegun")], "freezegun"),
        edits={"requirements.txt": [("pytest\n", "pytest\nfreezegun\n")]},
        job="test",
    ),
    Case(
        "tox-driven-pyproject",
        N,
        "CI runs tox (no install command to read): the only runtime list is [project] dependencies",
        {
            "pyproject.toml": GROUPS.replace(
                '\n[dependency-groups]\ntest = ["pytest>=8", "pytest-cov"]\nlint = ["ruff"]\n', ""
            ),
            "tidy/__init__.py": "import rich\n",
            "tests/test_x.py": "",
            WF: workflow("pip install tox", test="tox -e py312"),
        },
        collecting(
            "tests/test_x.py", [("tests/test_x.py", 1, "import tidy"), ("tidy/__init__.py", 1, "import rich")], "rich"
        ),
        edits={"pyproject.toml": [('dependencies = ["click>=8"]', 'dependencies = ["click>=8", "rich"]')]},
        job="test",
    ),
    Case(
        "requirements-in-a-folder",
        N,
        "requirements/base.txt installed by path",
        {
            "requirements/base.txt": "Django>=5.0\n",
            "requirements/test.txt": "-r base.txt\npytest-django\n",
            "config/__init__.py": "",
            "config/settings.py": "from dotenv import load_dotenv\n",
            WF: workflow("pip install -r requirements/test.txt", test="python manage.py check"),
        },
        traceback([("manage.py", 22, "main()"), ("config/settings.py", 1, "from dotenv import load_dotenv")], "dotenv"),
        edits={"requirements/base.txt": [("Django>=5.0\n", "Django>=5.0\npython-dotenv\n")]},
        job="test",
    ),
    Case(
        "django-traceback-runtime",
        N,
        "a plain traceback from manage.py: the import is in an app module",
        {
            "requirements.txt": "Django==5.1.2\n",
            "manage.py": "",
            "accounts/__init__.py": "",
            "accounts/tokens.py": "import jwt\n",
            WF: workflow("pip install -r requirements.txt", test="python manage.py test"),
        },
        traceback([("manage.py", 22, "main()"), ("accounts/tokens.py", 1, "import jwt")], "jwt"),
        edits={"requirements.txt": [("Django==5.1.2\n", "Django==5.1.2\nPyJWT==2.9.0\n")]},
        job="test",
    ),
    Case(
        "setuptools-dynamic-dependencies",
        N,
        "pyproject with dynamic dependencies read from requirements.txt by setuptools, CI installs `.`",
        {
            "pyproject.toml": '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "geo"\nversion = "0.1"\ndynamic = ["dependencies"]\n\n[tool.setuptools.dynamic]\ndependencies = {file = ["requirements.txt"]}\n',
            "requirements.txt": "numpy>=1.26\n",
            "geo/__init__.py": "import yaml\n",
            "tests/test_geo.py": "",
            WF: workflow("pip install .[test]"),
        },
        collecting(
            "tests/test_geo.py", [("tests/test_geo.py", 1, "import geo"), ("geo/__init__.py", 1, "import yaml")], "yaml"
        ),
        edits={"requirements.txt": [("numpy>=1.26\n", "numpy>=1.26\nPyYAML\n")]},
    ),
]
