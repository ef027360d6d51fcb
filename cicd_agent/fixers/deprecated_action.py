"""Deprecated action versions and workflow commands: update exactly what GitHub's message names.

The target of each named action is its latest release, looked up in the action's own repository (the
`versions` port, else the shipped table with its date). Tags keep their precision (`@v3` -> the major tag,
`@v3.1.2` -> the full tag); SHA pins are re-pinned to the new tag's commit with the version comment
updated. Actions that must move together move together (upload/download-artifact, the Pages pair), and
artifact names that would collide under upload-artifact v4 are made unique or the plan is refused
(`artifact_names`). A `set-output`/`save-state` warning rewrites the echo commands and bumps nothing.
Workflows, `.github/actions/**/action.yml` and a root `action.yml` are scanned; every edit replaces one
scalar on one line, the result is re-parsed and checked, and workflows are validated with actionlint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml
from yaml.nodes import Node

from cicd_agent.fixers import artifact_names, workflow_commands
from cicd_agent.fixers.action_messages import Named, deprecated_commands, named_actions
from cicd_agent.fixers.action_versions import ActionVersion, ActionVersions, CachedVersions, version_tuple
from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan, read, run_tool, tool
from cicd_agent.fixers.line_edits import LineEdits
from cicd_agent.fixers.workflow_yaml import Uses, action_files, compose, quoted_like, uses_in

NAME = "deprecated-action"
# groups that must move together: when one member reaches its threshold major, every member below its own
# threshold moves too (v4 artifacts cannot be read by v3 downloads; Pages v3 artifacts need deploy-pages v4)
TOGETHER: list[dict[str, int]] = [
    {"actions/upload-artifact": 4, "actions/download-artifact": 4},
    {"actions/upload-pages-artifact": 3, "actions/deploy-pages": 4},
]
_SHA = re.compile(r"[0-9a-f]{40}")
_VERSION_IN_COMMENT = re.compile(r"v?\d+(?:\.\d+){0,2}")
_DEFAULT_VERSIONS = CachedVersions(None)  # the shipped table only, when the caller passes no port


@dataclass
class Bump:
    use: Uses
    target: ActionVersion
    new_ref: str
    why: str  # "named" or "moves with actions/upload-artifact"


@dataclass
class FileWork:
    path: str
    text: str
    root: Node | None
    uses: list[Uses]
    edits: LineEdits
    bumps: list[Bump] = field(default_factory=list)


def current_version(use: Uses) -> tuple[int, int, int]:
    """The version a `uses:` runs: its tag, or for a SHA pin the version its comment states."""
    if _SHA.fullmatch(use.ref):
        found = _VERSION_IN_COMMENT.search(use.comment)
        return version_tuple(found.group(0)) if found else (-1, 0, 0)
    return version_tuple(use.ref)


def _matches(use: Uses, named: Named) -> bool:
    if use.action.lower() != named.action.lower():
        return False
    if named.ref is None:
        return True
    if use.ref == named.ref:
        return True
    wanted, have = version_tuple(named.ref), current_version(use)
    return wanted[0] >= 0 and have[0] == wanted[0]


def new_ref(use: Uses, target: ActionVersion) -> str:
    if _SHA.fullmatch(use.ref):
        return target.sha
    if re.fullmatch(r"v?\d+", use.ref) and target.major_tag:
        return target.major_tag
    return target.tag


def _comment_edit(use: Uses, line: str, target: ActionVersion) -> tuple[int, int, str] | None:
    """Where the trailing version comment of a SHA pin changes: (start, end, text)."""
    if not _SHA.fullmatch(use.ref):
        return None
    rest = line[use.end :]
    hash_at = rest.find("#")
    if hash_at < 0:
        return use.end, use.end, f" # {target.tag}"
    found = _VERSION_IN_COMMENT.search(rest, hash_at)
    if found is None:
        return None
    text = target.tag if found.group(0).startswith("v") else target.tag.lstrip("v")
    return use.end + found.start(), use.end + found.end(), text


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    text = "\n".join(part for part in (ctx.evidence(), ctx.log) if part)
    named = named_actions(text)
    commands = deprecated_commands(text)
    if not named and not commands:
        return CannotFix(NAME, "the log names no deprecated action and no deprecated workflow command")
    work = _read_files(ctx)
    if isinstance(work, CannotFix):
        return work
    notes: list[str] = []
    if named:
        planned = _plan_bumps(ctx.versions or _DEFAULT_VERSIONS, work, named)
        if isinstance(planned, CannotFix):
            return planned
        notes += planned
        renamed = _artifact_names(work)
        if isinstance(renamed, CannotFix):
            return renamed
        notes += renamed
    if commands:  # a workflow-command warning bumps nothing; next to named actions it is best effort
        rewritten = _rewrite_commands(work, commands)
        if isinstance(rewritten, CannotFix) and not named:
            return rewritten
        notes += [f"left as is: {rewritten.why}"] if isinstance(rewritten, CannotFix) else rewritten
    changes = [FileChange(w.path, w.text, w.edits.apply()) for w in work if w.edits]
    checked = _checked(ctx, work, changes)
    if isinstance(checked, CannotFix):
        return checked
    subject = ", ".join(sorted({f"{b.use.repo}" for w in work for b in w.bumps})) or ", ".join(sorted(commands))
    return FixPlan(
        NAME,
        f"Update deprecated GitHub Actions usage ({subject})",
        "GitHub reports these as deprecated. " + "; ".join(notes) + f". Edited {', '.join(c.path for c in changes)}"
        f" in place (comments and layout kept); {checked}.",
        changes,
    )


def _read_files(ctx: FixContext) -> list[FileWork] | CannotFix:
    work = []
    for path in action_files(ctx.workspace):
        text = read(ctx.workspace, path)
        if text is None:
            continue
        root = compose(text)
        if root is None:
            return CannotFix(NAME, f"{path} is not valid YAML: fix it by hand first")
        work.append(FileWork(path, text, root, uses_in(path, text, root), LineEdits(text)))
    if not work:
        return CannotFix(NAME, "no workflow or action file in the repository")
    return work


def _plan_bumps(versions: ActionVersions, work: list[FileWork], named: list[Named]) -> list[str] | CannotFix:
    notes: list[str] = []
    skipped: list[str] = []
    chosen: dict[tuple[str, int], Bump] = {}
    for item in named:
        for w, use in [(f, u) for f in work for u in f.uses if _matches(u, item)]:
            bump = _bump(versions, use, "named in the log")
            if isinstance(bump, CannotFix):
                if item.fatal:
                    return bump
                skipped.append(bump.why)
                continue
            chosen[(w.path, use.line)] = bump
    if not chosen:
        names = ", ".join(f"{n.action}@{n.ref}" if n.ref else n.action for n in named)
        return CannotFix(NAME, "; ".join(skipped) or f"no workflow or action file uses {names}")
    notes += [f"left as is: {why}" for why in dict.fromkeys(skipped)]
    for group in TOGETHER:
        moved = [b for b in chosen.values() if b.use.repo in group and b.target.major >= group[b.use.repo]]
        if not moved:
            continue
        for w in work:
            for use in w.uses:
                need = group.get(use.repo)
                if need is None or (w.path, use.line) in chosen or current_version(use)[0] >= need:
                    continue
                bump = _bump(versions, use, f"moves with {moved[0].use.repo}")
                if isinstance(bump, CannotFix):
                    return bump
                chosen[(w.path, use.line)] = bump
    by_path = {w.path: w for w in work}
    for (path, _), bump in sorted(chosen.items()):
        w = by_path[path]
        w.bumps.append(bump)
        _edit_uses(w, bump)
    for action, old, new, source, why in sorted(
        {(b.use.action, b.use.ref, b.new_ref, b.target.source, b.why) for b in chosen.values()}
    ):
        notes.append(f"{action}@{_short(old)} -> @{_short(new)} ({why}; latest release from the {source})")
    return notes


def _short(ref: str) -> str:
    return ref[:12] if _SHA.fullmatch(ref) else ref


def _bump(versions: ActionVersions, use: Uses, why: str) -> Bump | CannotFix:
    if not re.fullmatch(r"v?\d+(?:\.\d+)*", use.ref) and not _SHA.fullmatch(use.ref):
        return CannotFix(NAME, f"{use.action}@{use.ref} follows a branch: choose a release to pin by hand")
    target = versions.latest(use.repo)
    if target is None:
        return CannotFix(
            NAME, f"cannot find the latest release of {use.repo} (the API did not answer; not in the table)"
        )
    if target.major < 0 or version_tuple(target.tag) <= current_version(use):
        return CannotFix(
            NAME,
            f"{use.action}@{use.ref} is already at the latest release ({target.tag}, from the {target.source}): "
            "nothing newer to move to",
        )
    ref = new_ref(use, target)
    if ref == use.ref:
        return CannotFix(
            NAME, f"{use.action}@{use.ref} already follows the latest major ({target.tag}, from the {target.source})"
        )
    return Bump(use, target, ref, why)


def _edit_uses(w: FileWork, bump: Bump) -> None:
    use = bump.use
    node = use.step.node
    value = next(v for k, v in node.value if getattr(k, "value", None) == "uses")
    w.edits.replace(use.line, use.start, use.end, quoted_like(value, f"{use.action}@{bump.new_ref}"))
    line = w.text.splitlines()[use.line]
    comment = _comment_edit(use, line, bump.target)
    if comment is not None:
        w.edits.replace(use.line, *comment)


def _artifact_names(work: list[FileWork]) -> list[str] | CannotFix:
    notes = []
    for w in work:
        if not w.path.startswith(".github/workflows/"):
            continue
        crossing = [b for b in w.bumps if b.use.repo == artifact_names.UPLOAD and current_version(b.use)[0] < 4]
        if not crossing:
            continue
        bumped = {b.use.line for b in w.bumps}
        uploads = [
            u.step
            for u in w.uses
            if u.repo == artifact_names.UPLOAD and (u.line in bumped or current_version(u)[0] >= 4)
        ]
        downloads = [u.step for u in w.uses if u.repo == artifact_names.DOWNLOAD]
        elsewhere = [o.text for o in work if o.path != w.path]
        try:
            notes += artifact_names.make_unique(w.path, w.root, uploads, downloads, w.edits, elsewhere)
        except artifact_names.Refused as exc:
            return CannotFix(NAME, f"{w.path}: upload-artifact v4+ forbids uploading one name twice; {exc}")
    return [f"artifact names made unique for v4: {', '.join(notes)}"] if notes else []


def _rewrite_commands(work: list[FileWork], commands: set[str]) -> list[str] | CannotFix:
    results = [(w, workflow_commands.rewrite(w.path, w.text, w.root, commands)) for w in work]
    problems = [where for _, result in results for where in result.problems]
    total = sum(result.rewritten for _, result in results)
    if problems:
        return CannotFix(NAME, f"cannot rewrite the workflow command(s) safely at {', '.join(problems)}")
    if not total:
        return CannotFix(
            NAME,
            f"no `run:` step here uses {', '.join(sorted(commands))}: the warning comes from an action's own code "
            "(update that action; the message does not name it)",
        )
    for w, result in results:
        w.edits.replacements += result.edits.replacements
    files = ", ".join(f"${workflow_commands.FILES[c]}" for c in sorted(commands))
    return [f"rewrote {total} `{'`/`'.join(sorted(commands))}` command(s) to append to {files}"]


def _checked(ctx: FixContext, work: list[FileWork], changes: list[FileChange]) -> str | CannotFix:
    """Re-parse each edited file, check every intended `uses:` landed, then run actionlint on workflows."""
    by_path = {w.path: w for w in work}
    for change in changes:
        try:
            yaml.safe_load(change.after or "")
        except yaml.YAMLError as exc:
            return CannotFix(NAME, f"the edited {change.path} is not valid YAML: {exc}")
        root = compose(change.after or "")
        after = {(u.action, u.ref) for u in uses_in(change.path, change.after or "", root)}
        for bump in by_path[change.path].bumps:
            if (bump.use.action, bump.new_ref) not in after:
                return CannotFix(NAME, f"re-reading {change.path} did not find {bump.use.action}@{bump.new_ref}")
    workflows = [c for c in changes if c.path.startswith(".github/workflows/")]
    before = lint_errors(ctx, workflows, after=False)
    if before is None:
        return "actionlint is not installed: checked by re-parsing only"
    after_count = lint_errors(ctx, workflows, after=True) or 0
    if after_count > before:
        return CannotFix(NAME, f"actionlint reports {after_count - before} new problem(s) after the update")
    return "re-parsed, and validated with actionlint" if workflows else "re-parsed"


def lint_errors(ctx: FixContext, changes: list[FileChange], *, after: bool) -> int | None:
    """How many problems actionlint reports in these files before or after the change (None: no actionlint)."""
    binary = tool("actionlint")
    if binary is None:
        return None
    if not changes:
        return 0
    paths = [c.path for c in changes]
    try:
        if after:
            for change in changes:
                (ctx.workspace / change.path).write_text(change.after or "", encoding="utf-8")
        done = run_tool(
            [binary, "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", *paths], ctx.workspace, ctx.tool_timeout
        )
    finally:
        if after:
            for change in changes:
                (ctx.workspace / change.path).write_text(change.before or "", encoding="utf-8")
    return len([line for line in done.stdout.splitlines() if line.strip()])
