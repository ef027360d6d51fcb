"""A missing Python dependency (`ModuleNotFoundError`): declare it where the project declares them."""

from __future__ import annotations

import re
import sys

from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan, read

NAME = "missing-dependency"
# import name -> distribution name, where they differ
DISTRIBUTIONS: dict[str, str] = {
    "yaml": "PyYAML",
    "PIL": "Pillow",
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "PyJWT",
    "attr": "attrs",
    "Crypto": "pycryptodome",
    "OpenSSL": "pyOpenSSL",
    "serial": "pyserial",
    "usb": "pyusb",
    "magic": "python-magic",
    "git": "GitPython",
    "github": "PyGithub",
    "google.protobuf": "protobuf",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "skimage": "scikit-image",
    "Levenshtein": "python-Levenshtein",
    "slugify": "python-slugify",
    "jose": "python-jose",
    "multipart": "python-multipart",
    "socks": "PySocks",
    "zmq": "pyzmq",
    "psycopg2": "psycopg2-binary",
    "MySQLdb": "mysqlclient",
    "win32api": "pywin32",
    "telegram": "python-telegram-bot",
    "discord": "discord.py",
    "dns": "dnspython",
    "ldap": "python-ldap",
    "kafka": "kafka-python",
    "lxml": "lxml",
    "Bio": "biopython",
}
_MISSING = re.compile(r"No module named ['\"]?([A-Za-z_][\w.]*)['\"]?")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def missing_module(evidence: str) -> str | None:
    match = _MISSING.search(evidence)
    return match.group(1) if match else None


def distribution_for(module: str) -> str:
    if module in DISTRIBUTIONS:
        return DISTRIBUTIONS[module]
    top = module.split(".")[0]
    return DISTRIBUTIONS.get(top, top)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().strip("\"',")
        match = _NAME.match(line)
        if match and not line.startswith("-"):
            names.add(_normal(match.group(1)))
    return names


def add_to_requirements(text: str, dist: str) -> str:
    return text + ("" if not text or text.endswith("\n") else "\n") + dist + "\n"


def add_to_pyproject(text: str, dist: str) -> str | None:
    """Insert into [project] dependencies, keeping the file's layout; None when there is no such list."""
    project = re.search(r"^\[project\]\s*$", text, re.MULTILINE)
    if not project:
        return None
    deps = re.compile(r"^dependencies\s*=\s*\[", re.MULTILINE).search(text, project.end())
    following = re.compile(r"^\[", re.MULTILINE).search(text, project.end())
    if not deps or (following and following.start() < deps.start()):
        return None
    close = text.index("]", deps.end())
    inside = text[deps.end() : close]
    if "\n" not in inside:  # one line: dependencies = ["a", "b"]
        listed = inside.strip().rstrip(",")
        return text[: deps.end()] + (f'{listed}, "{dist}"' if listed else f'"{dist}"') + text[close:]
    rows = [line for line in inside.split("\n") if line.strip()]
    indent = rows[-1][: len(rows[-1]) - len(rows[-1].lstrip())] if rows else "    "
    body = inside.rstrip()
    if body.strip() and not body.rstrip().endswith(","):
        body += ","
    return text[: deps.end()] + body + f'\n{indent}"{dist}",\n' + text[close:]


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    module = missing_module(ctx.evidence())
    if module is None:
        return CannotFix(NAME, "the log names no missing module")
    top = module.split(".")[0]
    if top in sys.stdlib_module_names:
        return CannotFix(NAME, f"{top} is in the standard library: the Python version, not a dependency, is wrong")
    if (
        (ctx.workspace / top).is_dir()
        or (ctx.workspace / f"{top}.py").is_file()
        or (ctx.workspace / "src" / top).is_dir()
    ):
        return CannotFix(NAME, f"{top} is the project's own code: an import path problem, not a dependency")
    dist = distribution_for(module)
    requirement_files = sorted(p.name for p in ctx.workspace.glob("requirements*.txt"))
    target = "requirements.txt" if "requirements.txt" in requirement_files else next(iter(requirement_files), None)
    for path in [*requirement_files, "pyproject.toml"]:
        text = read(ctx.workspace, path) or ""
        if _normal(dist) in declared(text if path != "pyproject.toml" else _pyproject_deps(text)):
            return CannotFix(NAME, f"{dist} is already declared in {path}: installing it is what fails")
    if target is not None:
        requirements = read(ctx.workspace, target) or ""
        change = FileChange(target, requirements, add_to_requirements(requirements, dist))
    else:
        pyproject = read(ctx.workspace, "pyproject.toml")
        after = add_to_pyproject(pyproject, dist) if pyproject else None
        if pyproject is None or after is None:
            return CannotFix(NAME, "no requirements*.txt and no [project] dependencies list to add it to")
        change = FileChange("pyproject.toml", pyproject, after)
    renamed = f" (the distribution that provides `{module}`)" if dist != top else ""
    return FixPlan(
        NAME,
        f"Declare missing dependency {dist}",
        f"The job failed with `ModuleNotFoundError: No module named '{module}'`. Added {dist}{renamed} to "
        f"{change.path}.",
        [change],
    )


def _pyproject_deps(text: str) -> str:
    match = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.MULTILINE | re.DOTALL)
    return match.group(1).replace(",", "\n") if match else ""
