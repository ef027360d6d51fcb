"""Whether the import that failed is conditional: under an `if` on the Python version or the platform, or a
fallback in an `except ImportError` handler. Such a dependency needs an environment marker (or no declaration
at all: the other branch may be the one meant to run), which a person chooses; the fixer refuses and names
the line."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cicd_agent.fixers.base import read, repo_path

_FRAME = re.compile(r"File \"(?P<a>[^\"]+\.py)\", line (?P<la>\d+)|(?P<b>[^\s:\"']+\.py):(?P<lb>\d+): in ")
_MISSING = re.compile(r"No module named ")
_ENVIRONMENT = ("version_info", "sys.version", "platform", "os.name", "python_version")
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


def failing_import(workspace: Path, log: str) -> tuple[str, int] | None:
    """(repository path, line) of the last traceback frame inside the repository before the error."""
    error = _MISSING.search(log)
    if error is None:
        return None
    last = None
    for match in _FRAME.finditer(log[: error.start()]):
        relative = repo_path(workspace, match.group("a") or match.group("b"))
        if relative:
            last = (relative, int(match.group("la") or match.group("lb")))
    return last


def condition(workspace: Path, path: str, line: int) -> str | None:
    """What the import at `path:line` depends on, when it is conditional; None when it always runs."""
    try:
        tree = ast.parse(read(workspace, path) or "")
    except (SyntaxError, ValueError):
        return None
    parents: dict[ast.AST, ast.AST] = {}
    target: ast.AST | None = None
    for each in ast.walk(tree):
        for child in ast.iter_child_nodes(each):
            parents[child] = each
        if isinstance(each, ast.Import | ast.ImportFrom) and each.lineno == line:
            target = each
    node = target
    while node is not None and node in parents:
        parent = parents[node]
        if isinstance(parent, ast.If) and any(word in ast.unparse(parent.test) for word in _ENVIRONMENT):
            return f"it runs only when `{ast.unparse(parent.test)}` is {'true' if node in parent.body else 'false'}"
        if isinstance(parent, ast.ExceptHandler) and parent.type is not None:
            caught = {n.id for n in ast.walk(parent.type) if isinstance(n, ast.Name)}
            if caught & _IMPORT_ERRORS:
                return "it is the fallback of an `except ImportError` handler"
        node = parent
    return None
