"""Which `uses:` move to which release, for the deprecated-action fixer: all or nothing in the failing job.

A reference moves when the log names it, when the retirement table says it fails, or when what it reaches
(a composite action's steps, a called workflow's jobs, at the pinned version) holds such a reference. The
target is the latest release, or for a reference moved for its reach the newest release whose whole reach
is clean (action_reach). Its inputs are checked against the target's action.yml and documented renames
migrated (action_inputs). Groups that must move together move together. Anything deprecated or retired
that would stay in the failing job refuses the whole plan: a PR that cannot go green is never opened.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from yaml.nodes import Node

from cicd_agent.fixers import action_inputs
from cicd_agent.fixers.action_messages import Named
from cicd_agent.fixers.action_reach import Problem, clean_release, matches, own_problem, reach_problems
from cicd_agent.fixers.action_table import pinned_version, retirement, said
from cicd_agent.fixers.action_versions import ActionVersion, ActionVersions, version_tuple
from cicd_agent.fixers.line_edits import LineEdits
from cicd_agent.fixers.workflow_yaml import Uses, quoted_like

# groups that must move together: when one member reaches its threshold major, every member below its own
# threshold moves too (v4 artifacts cannot be read by v3 downloads; Pages v3 artifacts need deploy-pages v4)
TOGETHER: list[dict[str, int]] = [
    {"actions/upload-artifact": 4, "actions/download-artifact": 4},
    {"actions/upload-pages-artifact": 3, "actions/deploy-pages": 4},
]
_SHA = re.compile(r"[0-9a-f]{40}")
_VERSION_IN_COMMENT = re.compile(r"v?\d+(?:\.\d+){0,2}")


@dataclass
class Bump:
    use: Uses
    target: ActionVersion
    new_ref: str
    why: str  # "named in the log", "moves with actions/upload-artifact", the retirement notice...
    renames: list[action_inputs.Rename] = field(default_factory=list)


@dataclass
class FileWork:
    path: str
    text: str
    root: Node | None
    uses: list[Uses]
    edits: LineEdits
    bumps: list[Bump] = field(default_factory=list)


class Refused(Exception):
    """The plan cannot leave the failing job clean; the message says why."""


def current_version(use: Uses) -> tuple[int, int, int]:
    """The version a `uses:` runs: its tag, or for a SHA pin the version its comment states."""
    if _SHA.fullmatch(use.ref):
        found = _VERSION_IN_COMMENT.search(use.comment)
        return version_tuple(found.group(0)) if found else (-1, 0, 0)
    return version_tuple(use.ref)


def new_ref(use: Uses, target: ActionVersion) -> str:
    if _SHA.fullmatch(use.ref):
        return target.sha
    if re.fullmatch(r"v?\d+", use.ref) and target.major_tag:
        return target.major_tag
    return target.tag


def _latest_bump(versions: ActionVersions, use: Uses, why: str) -> Bump | str:
    if not re.fullmatch(r"v?\d+(?:\.\d+)*", use.ref) and not _SHA.fullmatch(use.ref):
        return f"{use.action}@{use.ref} follows a branch: choose a release to pin by hand"
    target = versions.latest(use.repo)
    listed = retirement(use.action, use.ref, use.comment)
    if listed is not None and listed.replacement:
        return f"{use.repo} is {said(listed)}: moving to another action is a change for a person"
    if target is None:
        return f"cannot find the latest release of {use.repo} (the API did not answer; not in the table)"
    if target.major < 0 or version_tuple(target.tag) <= current_version(use):
        return (
            f"{use.action}@{use.ref} is already at the latest release ({target.tag}, from the {target.source}): "
            "nothing newer to move to"
        )
    ref = new_ref(use, target)
    if ref == use.ref:
        return f"{use.action}@{use.ref} already follows the latest major ({target.tag}, from the {target.source})"
    return Bump(use, target, ref, why)


def _reach_bump(versions: ActionVersions, use: Uses, named: list[Named], problems: list[Problem]) -> Bump | str:
    if not re.fullmatch(r"v?\d+(?:\.\d+)*", use.ref) and not _SHA.fullmatch(use.ref):
        return f"{use.action}@{use.ref} follows a branch: choose a release to pin by hand"
    chosen = clean_release(versions, use.action, current_version(use), named, _fits(versions, use))
    if isinstance(chosen, str):
        return f"{use.action}@{use.ref} runs {problems[0].shown()}; {chosen}"
    target, note = chosen
    return Bump(use, target, new_ref(use, target), f"it runs {problems[0].shown()}; {note}")


def _fits(versions: ActionVersions, use: Uses) -> Callable[[ActionVersion], str | None]:
    def fits(target: ActionVersion) -> str | None:
        checked = action_inputs.check(versions, use, target.tag)
        return checked if isinstance(checked, str) else None

    return fits


def plan(versions: ActionVersions, work: list[FileWork], named: list[Named], scope: set[tuple[str, int]]) -> list[str]:
    """Choose and write the bumps; the notes for the rationale. Raises Refused when the failing job (`scope`:
    the (file, line) of its `uses:`) would keep anything deprecated or retired."""
    chosen: dict[tuple[str, int], Bump] = {}
    notes: list[str] = []
    found_named: set[Named] = set()
    for w in work:
        for use in w.uses:
            in_scope = (w.path, use.line) in scope
            named_here = [n for n in named if matches(use.action, use.ref, use.comment, n)]
            found_named |= set(named_here)
            listed = retirement(use.action, use.ref, use.comment)
            own = bool(named_here) or (in_scope and listed is not None)
            inner = [p for p in reach_problems(versions, use.action, use.ref, named) or []] if in_scope else []
            for problem in inner:
                found_named |= {n for n in named if matches(problem.action, problem.ref, "", n)}
            if not own and not inner:
                continue
            why = "; ".join(
                [*(["named as deprecated in the log"] if named_here else []), *([said(listed)] if listed else [])]
            )
            bump = _reach_bump(versions, use, named, inner) if inner and not own else _latest_bump(versions, use, why)
            if isinstance(bump, Bump):
                bump = _checked_target(versions, bump, named)
            if isinstance(bump, str):
                if in_scope or any(n.fatal for n in named_here) or (listed is not None and listed.fatal):
                    raise Refused(bump)
                notes.append(f"left as is: {bump}")
                continue
            chosen[(w.path, use.line)] = bump
    missing = [n for n in named if n not in found_named]
    if missing:  # a named action nowhere to be found stays in the job: no partial plan
        names = ", ".join(f"{n.action}@{n.ref}" if n.ref else n.action for n in missing)
        raise Refused(f"no workflow or action file uses {names}, and no action or workflow they call does")
    _together(versions, work, chosen)
    for (path, _), bump in sorted(chosen.items()):
        w = next(f for f in work if f.path == path)
        w.bumps.append(bump)
        _edit(w, bump)
    for bump in sorted(chosen.values(), key=lambda b: (b.use.action, b.use.ref)):
        renamed = "".join(f"; input `{r.key.value}` -> `{r.new}` as the action documents" for r in bump.renames)
        line = f"{bump.use.action}@{_short(bump.use.ref)} -> @{_short(bump.new_ref)} ({bump.why}{renamed}; "
        kind = "latest release" if bump.target == versions.latest(bump.use.repo) else "release"
        line += f"{kind} from the {bump.target.source})"
        if line not in notes:
            notes.append(line)
    return notes


def _checked_target(versions: ActionVersions, bump: Bump, named: list[Named]) -> Bump | str:
    """The bump, if its target reaches nothing deprecated and the step's inputs fit it (renames added); else
    the newest release that does, for a reference moved for what it reaches."""
    inner = reach_problems(versions, bump.use.action, bump.target.tag, named)
    if inner:
        chosen = clean_release(versions, bump.use.action, current_version(bump.use), named, _fits(versions, bump.use))
        if isinstance(chosen, str):
            return f"{bump.use.action}@{bump.target.tag} runs {inner[0].shown()}; {chosen}"
        bump = Bump(bump.use, chosen[0], new_ref(bump.use, chosen[0]), f"{bump.why}; {chosen[1]}")
    checked = action_inputs.check(versions, bump.use, bump.target.tag)
    if isinstance(checked, str):
        return checked
    bump.renames = checked
    return bump


def _together(versions: ActionVersions, work: list[FileWork], chosen: dict[tuple[str, int], Bump]) -> None:
    for group in TOGETHER:
        moved = [b for b in chosen.values() if b.use.repo in group and b.target.major >= group[b.use.repo]]
        if not moved:
            continue
        for w in work:
            for use in w.uses:
                need = group.get(use.repo)
                if need is None or (w.path, use.line) in chosen or current_version(use)[0] >= need:
                    continue
                bump = _latest_bump(versions, use, f"moves with {moved[0].use.repo}")
                if isinstance(bump, Bump):
                    bump = _checked_target(versions, bump, [])
                if isinstance(bump, str):
                    raise Refused(bump)
                chosen[(w.path, use.line)] = bump


def _short(ref: str) -> str:
    return ref[:12] if _SHA.fullmatch(ref) else ref


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


def _edit(w: FileWork, bump: Bump) -> None:
    use = bump.use
    value = next(v for k, v in use.step.node.value if getattr(k, "value", None) == "uses")
    w.edits.replace(use.line, use.start, use.end, quoted_like(value, f"{use.action}@{bump.new_ref}"))
    comment = _comment_edit(use, w.text.splitlines()[use.line], bump.target)
    if comment is not None:
        w.edits.replace(use.line, *comment)
    for rename in bump.renames:
        key = rename.key
        w.edits.replace(key.start_mark.line, key.start_mark.column, key.end_mark.column, rename.new)


def remaining(versions: ActionVersions, work: list[FileWork], named: list[Named], scope: set[tuple[str, int]]) -> str:
    """What deprecated or retired stays in the failing job after the bumps ("" when nothing)."""
    bumped = {(w.path, b.use.line) for w in work for b in w.bumps}
    for w in work:
        for use in w.uses:
            if (w.path, use.line) not in scope or (w.path, use.line) in bumped:
                continue
            own = own_problem(use.action, use.ref, use.comment, named)
            if own is not None:
                return own.shown()
    return ""


__all__ = ["Bump", "FileWork", "Refused", "current_version", "new_ref", "pinned_version", "plan", "remaining"]
