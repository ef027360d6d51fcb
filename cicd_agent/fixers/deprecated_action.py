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

import yaml

from cicd_agent.fixers import action_bumps, artifact_names, workflow_commands
from cicd_agent.fixers.action_bumps import FileWork, current_version
from cicd_agent.fixers.action_messages import deprecated_commands, named_actions
from cicd_agent.fixers.action_versions import CachedVersions, version_tuple
from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan, read, run_tool, tool
from cicd_agent.fixers.job_names import find_job
from cicd_agent.fixers.line_edits import LineEdits
from cicd_agent.fixers.workflow_yaml import action_files, compose, get, jobs, scalar, steps, uses_in

NAME = "deprecated-action"
_DEFAULT_VERSIONS = CachedVersions(None)  # the shipped table only, when the caller passes no port


def fix(ctx: FixContext) -> FixPlan | CannotFix:
    text = "\n".join(part for part in (ctx.evidence(), ctx.log) if part)
    named = named_actions(text)
    commands = deprecated_commands(text)
    if not named and not commands:
        return CannotFix(NAME, "the log names no deprecated action and no deprecated workflow command")
    work = _read_files(ctx)
    if isinstance(work, CannotFix):
        return work
    versions = ctx.versions or _DEFAULT_VERSIONS
    scope = failing_scope(ctx, work)
    notes: list[str] = []
    if named:
        try:
            notes += action_bumps.plan(versions, work, named, scope)
        except action_bumps.Refused as exc:
            return CannotFix(NAME, str(exc))
        renamed = _artifact_names(work)
        if isinstance(renamed, CannotFix):
            return renamed
        notes += renamed
    left = action_bumps.remaining(versions, work, named, scope)
    if left:
        return CannotFix(NAME, f"the failing job would still use {left}: a partial update cannot go green")
    if commands:  # a workflow-command warning bumps nothing; next to named actions it is best effort
        rewritten = _rewrite_commands(work, commands)
        if isinstance(rewritten, CannotFix) and not named:
            return rewritten
        notes += [f"left as is: {rewritten.why}"] if isinstance(rewritten, CannotFix) else rewritten
    changes = [FileChange(w.path, w.text, w.edits.apply()) for w in work if w.edits]
    if not changes:
        return CannotFix(NAME, "nothing to change: " + "; ".join(notes))
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


def failing_scope(ctx: FixContext, work: list[FileWork]) -> set[tuple[str, int]]:
    """(file, line) of every `uses:` the failing job runs: its steps, its call of a reusable workflow, and the
    local actions and workflows those use. Every file's when the job cannot be told."""
    everything = {(w.path, u.line) for w in work for u in w.uses}
    by_path = {w.path: w for w in work}
    workflow = by_path.get(ctx.workflow_path)
    if workflow is None:
        return everything
    found = find_job(workflow.root, ctx.job_name) if ctx.job_name else None
    if found is None and " / " in ctx.job_name:
        found = find_job(workflow.root, ctx.job_name.split(" / ", 1)[0])
    job_ids = {found[0]} if isinstance(found, tuple) else {name for name, _ in jobs(workflow.root)}
    scope: set[tuple[str, int]] = set()
    pending: list[tuple[str, set[str] | None]] = [(workflow.path, job_ids)]
    seen: set[str] = set()
    while pending:
        path, only = pending.pop()
        if path in seen or path not in by_path:
            continue
        seen.add(path)
        w = by_path[path]
        scope |= {(path, u.line) for u in w.uses if only is None or u.step.job in only}
        for local in _local_uses(w, only):
            pending.append((local, None))
    return scope


def _local_uses(w: FileWork, only: set[str] | None) -> list[str]:
    """The repository files of the `./...` actions and workflows that these jobs (or this action) use."""
    owners = [s.node for s in steps(w.path, w.root) if only is None or s.job in only]
    owners += [job for name, job in jobs(w.root) if only is None or name in only]
    found = []
    for node in owners:
        value = scalar(get(node, "uses"))
        if not value or not value.startswith("./"):
            continue
        target = value[2:].rstrip("/")
        found += [target] if target.endswith((".yml", ".yaml")) else [f"{target}/action.yml", f"{target}/action.yaml"]
    return found


def _artifact_names(work: list[FileWork]) -> list[str] | CannotFix:
    """What the move of upload-artifact past v3 needs besides the bump: hidden files kept, names unique."""
    files = [(w.path, w.root) for w in work]
    kept = []
    for w in work:
        crossing = [b for b in w.bumps if b.use.repo == artifact_names.UPLOAD and current_version(b.use)[0] < 4]
        try:
            artifact_names.check_called_uploads(w.path, [b.use.step for b in crossing], files)
            kept += [
                note
                for b in w.bumps
                if b.use.repo == artifact_names.UPLOAD
                and current_version(b.use) < artifact_names.HIDDEN_SINCE <= version_tuple(b.target.tag)
                and (note := artifact_names.keep_hidden_files(b.use.step, w.edits))
            ]
        except artifact_names.Refused as exc:
            return CannotFix(NAME, f"{w.path}: {exc}")
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
    return ([f"artifact names made unique for v4: {', '.join(notes)}"] if notes else []) + kept


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
    before = lint_findings(ctx, workflows, after=False)
    if before is None:
        return "actionlint is not installed: checked by re-parsing only"
    new = sorted((lint_findings(ctx, workflows, after=True) or set()) - before)
    if new:
        shown = "; ".join(f"{path}: {message}" for path, message in new[:3])
        return CannotFix(NAME, f"actionlint reports {len(new)} new problem(s) after the update: {shown}")
    return "re-parsed, and validated with actionlint (no new finding)" if workflows else "re-parsed"


_FINDING = re.compile(r"^(?P<path>[^:]+):\d+:\d+: (?P<message>.*)$")


def lint_findings(ctx: FixContext, changes: list[FileChange], *, after: bool) -> set[tuple[str, str]] | None:
    """What actionlint reports in these files before or after the change, as (file, message) without line
    numbers (an edit may shift lines); None when actionlint is not installed. Compared as sets: a finding
    the update removes never hides one it adds."""
    binary = tool("actionlint")
    if binary is None:
        return None
    if not changes:
        return set()
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
    found = set()
    for line in done.stdout.splitlines():
        match = _FINDING.match(line.strip())
        if match:
            found.add((match.group("path"), match.group("message")))
        elif line.strip():
            found.add(("", line.strip()))
    return found
