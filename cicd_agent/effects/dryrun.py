"""A dry run's record: every write the effects gateway skipped, the settings that refused plans, and the
report (Markdown or JSON) that leads with the writes to GitHub, git, notifications and files. A pause holds
writes with the same recorder (labelled `PAUSED`): the gateway cannot tell the two apart."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cicd_agent.config.settings import toml_value
from cicd_agent.errors import AgentError
from cicd_agent.text import code_span, fenced, inline, redact

PAUSED = "PAUSED"  # the label of a paused cycle's recorder


@dataclass(frozen=True)
class Action:
    kind: str
    target: str
    detail: str = ""
    diff: str = ""


@dataclass(frozen=True)
class Suggestion:
    """A config setting that would have let a refused plan through."""

    key: str
    value: object
    why: str


@dataclass
class DryRunRecorder:
    """Collects every skipped write; `echo` prints each as it happens. The state database's own bookkeeping
    (made on an in-memory copy) is only counted, and printed with `echo_store` (-v). `label` says why writes
    are skipped: a dry run, or a pause (`PAUSED`)."""

    echo: Callable[[str], None] | None = None
    label: str = "DRY-RUN"
    echo_store: Callable[[str], None] | None = None
    actions: list[Action] = field(default_factory=list)
    store_writes: Counter[str] = field(default_factory=Counter)
    suggestions: list[Suggestion] = field(default_factory=list)

    def skip(self, action: Action) -> None:
        self.actions.append(action)
        if self.echo is not None:
            self.echo(f"[{self.label}] {action.kind} {action.target}")

    def skip_store_write(self, kind: str, target: str) -> None:
        self.store_writes[kind] += 1
        if self.echo_store is not None:
            self.echo_store(f"[{self.label}] {kind} {target} (state database, in-memory copy)")

    def suggest(self, key: str, value: object, why: str) -> None:
        if not any(s.key == key and s.value == value for s in self.suggestions):
            self.suggestions.append(Suggestion(key, value, why))

    @property
    def placeholder(self) -> str:
        """How a skipped write's stand-in result names itself ("dry run", "paused")."""
        return "paused" if self.label == PAUSED else "dry run"

    def summary(self, verb: str = "skipped") -> str:
        kinds = Counter(a.kind.split(".")[0] for a in self.actions)
        parts = [f"{n} {_KIND_NAMES.get(k, k)}" for k, n in sorted(kinds.items())]
        text = f"{len(self.actions)} write(s) {verb}" + (f" ({', '.join(parts)})" if parts else "")
        stored = sum(self.store_writes.values())
        return text + (f"; {stored} state-database write(s) made on an in-memory copy only" if stored else "")

    def write_report(self, path: Path) -> None:
        """Markdown, or JSON when the file name ends in .json."""
        if path.suffix.lower() == ".json":
            document = {
                "dry_run": True,
                "writes": [asdict(a) for a in self.actions],
                "state_database_writes": dict(sorted(self.store_writes.items())),
                "settings": [asdict(s) for s in self.suggestions],
            }
            text = json.dumps(document, indent=2, default=str)
        else:
            text = render_markdown(self)
        text = redact(text)  # no token, password or secret URL in a file meant for people
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise AgentError(f"cannot write the report to {path}: {exc}", fix="pass another --report path") from None


_KIND_NAMES = {"github": "to GitHub", "git": "git push", "notify": "notification", "file": "local file"}


def render_markdown(recorder: DryRunRecorder) -> str:
    """The writes to GitHub, git, notifications and files first (with their diffs), then the settings that
    would have let refused plans through, then a one-line summary of the state database's bookkeeping."""
    actions = recorder.actions
    lines = ["# cicd-agent dry run", "", f"{recorder.summary()}.", ""]
    for number, action in enumerate(actions, 1):
        lines.append(f"## {number}. `{action.kind}` {code_span(action.target)}")
        if action.detail:
            lines += ["", action.detail]
        if action.diff:
            lines += ["", fenced(action.diff, "diff", exact=True)]  # no line of it can close the block
        lines.append("")
    if recorder.suggestions:
        lines += ["## Settings that refused a plan", ""]
        lines.append("Each plan below was refused by a setting; this change to the config would allow it:")
        lines.append("")
        for suggestion in recorder.suggestions:
            lines += [f"- {inline(suggestion.why)}", ""]
        lines += ["```toml", *_config_patch(recorder.suggestions), "```", ""]
    if recorder.store_writes:
        counts = ", ".join(f"{kind} {n}" for kind, n in sorted(recorder.store_writes.items()))
        lines += ["## State database", "", f"Bookkeeping made on an in-memory copy only: {counts}.", ""]
    return "\n".join(lines)


def _config_patch(suggestions: list[Suggestion]) -> list[str]:
    sections: dict[str, list[str]] = {}
    for suggestion in suggestions:
        section, name = suggestion.key.split(".", 1)
        sections.setdefault(section, []).append(f"{name} = {toml_value(suggestion.value)}")
    lines: list[str] = []
    for section, settings in sections.items():
        lines += [f"[{section}]", *settings]
    return lines
