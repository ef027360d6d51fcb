"""Sample repositories whose CI really fails, one per kind of failure the agent meets.

The missing-dependency scenarios install from a tiny local wheelhouse (no network): it holds stub
distributions built here, standing in for PyPI.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cicd_agent.sandbox import Sandbox

CHECKOUT = "      - uses: actions/checkout@v4\n"


def _workflow(steps: str, *, timeout: int | None = None) -> bytes:
    limit = f"    timeout-minutes: {timeout}\n" if timeout else ""
    return (
        "name: CI\n"
        "on:\n  push:\n    branches: ['**']\n"
        "permissions:\n  contents: read\n"
        "jobs:\n  test:\n    runs-on: ubuntu-latest\n" + limit + "    steps:\n" + CHECKOUT + steps
    ).encode()


@dataclass(frozen=True)
class Scenario:
    name: str
    repo: str
    expected: str
    files: dict[str, bytes]


# --no-warn-conflicts: pip would otherwise read the requirements of every package installed beside it (the
# agent's own environment here, a clean runner on GitHub), a third of its time
INSTALL = (
    "      - name: Install dependencies\n"
    '        run: python -m pip install --quiet --no-warn-conflicts --no-index --find-links "$SANDBOX_WHEELHOUSE"'
    " --target .deps -r requirements.txt\n"
    "      - name: Import the package\n"
    "        run: PYTHONPATH=.deps python -S -c 'import app; print(app.VERSION)'\n"
)

SCENARIOS: list[Scenario] = [
    Scenario(
        "format",
        "demo/format-check",
        "fixed",
        {
            "app.py": b"def add(a,b):\n    return a+b\n",
            "pyproject.toml": b'[project]\nname = "app"\nversion = "0.1.0"\n',
            ".github/workflows/ci.yml": _workflow(
                "      - name: Check formatting\n        run: ruff format --check .\n"
            ),
        },
    ),
    Scenario(
        "dependency",
        "demo/missing-dependency",
        "fixed",
        {
            "app/__init__.py": b"import yaml\n\nVERSION = yaml.__name__\n",
            "requirements.txt": b"sandbox-greeting==1.0\n",
            ".github/workflows/ci.yml": _workflow(INSTALL),
        },
    ),
    Scenario(
        "deprecated-action",
        "demo/deprecated-action",
        "fixed",
        {
            "README.md": b"# builds an artifact\n",
            ".github/workflows/ci.yml": _workflow(
                "      - name: Build\n        run: echo built > out.txt\n"
                "      # keep the build output for a week\n"
                "      - uses: actions/upload-artifact@v3\n"
                "        with:\n          name: out\n          path: out.txt\n"
            ),
        },
    ),
    Scenario(
        "transient",
        "demo/flaky-network",
        "rerun",
        {
            "README.md": b"# downloads a dependency\n",
            ".github/workflows/ci.yml": _workflow(
                "      - name: Download\n        run: |\n"
                '          if [ "$GITHUB_RUN_ATTEMPT" = "1" ]; then\n'
                '            echo "pip._vendor.urllib3.exceptions.ReadTimeoutError: HTTPSConnectionPool('
                "host='files.pythonhosted.org', port=443): Read timed out.\"\n"
                "            exit 1\n          fi\n          echo downloaded\n"
            ),
        },
    ),
    Scenario(
        "timeout",
        "demo/slow-job",
        "fixed",
        {
            "README.md": b"# a job that needs more time than it is given\n",
            # just over its limit (2 minutes, 2 s on the sandbox's clock): stopped however busy the machine, and
            # done well within the doubled limit of the fix (4 s) even when it starts late
            ".github/workflows/ci.yml": _workflow(
                "      - name: Long build\n        run: sleep 2.3 && echo finished\n", timeout=2
            ),
        },
    ),
    Scenario(
        "unfixable",
        "demo/failing-test",
        "reported",
        {
            "calc.py": b"def add(a, b):\n    return a - b\n",
            "tests/__init__.py": b"",
            "tests/test_calc.py": b"import unittest\n\nfrom calc import add\n\n\nclass TestAdd(unittest.TestCase):\n"
            b"    def test_add(self):\n        self.assertEqual(add(2, 2), 4)\n",
            ".github/workflows/ci.yml": _workflow(
                "      - name: Test\n        run: python -m unittest discover -s tests -t . -v\n"
            ),
        },
    ),
    Scenario(
        "bad-fix",
        "demo/bad-fix",
        "rolled-back-then-reported",
        {
            "app/__init__.py": b"import notarealpkg\n\nVERSION = notarealpkg.__name__\n",
            "requirements.txt": b"sandbox-greeting==1.0\n",
            ".github/workflows/ci.yml": _workflow(INSTALL),
        },
    ),
]

# distribution name -> (import name, module source)
WHEELS: dict[str, tuple[str, str]] = {
    "PyYAML": ("yaml", "def safe_load(text):\n    return text\n"),
    "sandbox-greeting": ("sandbox_greeting", "HELLO = 'hello'\n"),
    # exists and ships its module, yet breaks the project: the agent verifies the name, CI still fails, and
    # the fix is rolled back (the bad-fix scenario)
    "notarealpkg": ("notarealpkg", "raise ImportError('notarealpkg 1.0 is broken on purpose')\n"),
}


def build_wheel(directory: Path, dist: str, module: str, source: str, version: str = "1.0") -> Path:
    """A minimal pure-Python wheel that pip installs offline."""
    stem = dist.replace("-", "_")
    info = f"{stem}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": source.encode(),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: cicd-agent-sandbox\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}-{version}-py3-none-any.whl"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def install_scenarios(sandbox: Sandbox, names: list[str] | None = None) -> list[Scenario]:
    """Create the scenario repositories (all, or those named) and the wheelhouse they install from."""
    wheelhouse = sandbox.root / "wheelhouse"
    for dist, (module, source) in WHEELS.items():
        build_wheel(wheelhouse, dist, module, source)
    sandbox.job_env["SANDBOX_WHEELHOUSE"] = str(wheelhouse)
    chosen = [s for s in SCENARIOS if names is None or s.name in names]
    for scenario in chosen:
        sandbox.add_repo(scenario.repo, scenario.files, description=f"cicd-agent demo: {scenario.name}")
    return chosen
