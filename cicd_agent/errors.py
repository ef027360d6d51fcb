"""The one user-facing error type: what went wrong, where, and how to fix it."""

from __future__ import annotations


class AgentError(Exception):
    """An expected failure: the CLI prints it as one line and exits 1, never with a traceback."""

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.where = where
        self.fix = fix

    def __str__(self) -> str:
        text = self.what
        if self.where:
            text = f"{self.where}: {text}"
        if self.fix:
            text = f"{text} ({self.fix})"
        return text


class PermissionMissing(AgentError):
    """GitHub refused a write for want of a permission the token (or the repository's settings) lacks."""

    def __init__(self, what: str, *, permission: str) -> None:
        super().__init__(what, fix=f"grant {permission}")
        self.permission = permission
