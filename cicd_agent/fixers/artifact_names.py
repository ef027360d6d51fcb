"""Artifact names that collide once upload-artifact moves to v4 or later.

v3 merged every upload of one name into one artifact; v4+ refuses a second upload of a name in a run. So
a matrix job uploading a constant name, or two jobs uploading the same name, break after the bump. The safe
route taken here: give each upload a unique name (append `-${{ matrix.<key> }}` for the matrix keys that
vary, `-<job id>` when several jobs share a name), and make the downloads of that name in the same
workflow take `pattern: <name>-*` with `merge-multiple: true`, which lays the files out as v3 did.
Everything this cannot prove safe is refused with the reason: a matrix from an expression, an `if:` on the
matrix it cannot read, a download of every artifact (its folders would be renamed), the name downloaded in
another workflow, a pattern that would catch other artifacts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode

from cicd_agent.fixers.line_edits import LineEdits
from cicd_agent.fixers.matrix import Leg, MatrixUnknown, matrix_legs
from cicd_agent.fixers.workflow_yaml import Step, get, jobs, quoted_like, scalar, sequence

UPLOAD = "actions/upload-artifact"
DOWNLOAD = "actions/download-artifact"
_FORBIDDEN = set('":<>|*?\\/\r\n')
_MATRIX_REF = re.compile(r"matrix\.([A-Za-z0-9_-]+)")


class Refused(Exception):
    """This workflow's artifacts cannot be made unique safely; the message says why."""


@dataclass(frozen=True)
class Upload:
    step: Step
    name: str  # the name template as written ("artifact" when omitted)
    legs: list[Leg]


def _fixed_by(condition: str | None) -> dict[str, str]:
    """Matrix values an `if:` pins (`matrix.os == 'ubuntu-latest' && ...`); Refused when it cannot be read."""
    if not condition or "matrix." not in condition:
        return {}
    text = condition.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    if "||" in text or "!" in text.replace("!=", "") or "!=" in text:
        raise Refused(f"an upload runs under `if: {condition}`: cannot tell which matrix legs upload")
    fixed = {}
    for part in text.split("&&"):
        part = part.strip().strip("()").strip()
        if "matrix." not in part:
            continue
        match = re.fullmatch(
            r"matrix\.([A-Za-z0-9_-]+)\s*==\s*'([^']*)'|'([^']*)'\s*==\s*matrix\.([A-Za-z0-9_-]+)", part
        )
        if not match:
            raise Refused(f"an upload runs under `if: {condition}`: cannot tell which matrix legs upload")
        key = match.group(1) or match.group(4)
        fixed[key] = match.group(2) if match.group(1) else match.group(3)
    return fixed


def _uploads(root: Node | None, steps: list[Step]) -> list[Upload]:
    by_job = dict(jobs(root))
    found = []
    for step in steps:
        job = by_job.get(step.job or "")
        if job is None:
            continue
        try:
            legs = matrix_legs(step.job or "", job)
        except MatrixUnknown as exc:
            raise Refused(f"{exc}: cannot tell which artifact names collide") from None
        fixed = _fixed_by(scalar(get(step.node, "if")))
        legs = [leg for leg in legs if all(leg.get(k) is None or leg.get(k) == v for k, v in fixed.items())]
        with_node = get(step.node, "with")
        if with_node is not None and not isinstance(with_node, MappingNode):
            raise Refused(f"job `{step.job}`: the upload's `with:` is not a plain mapping")
        name = scalar(get(with_node, "name"))
        found.append(Upload(step, name if name is not None else "artifact", legs))
    return found


def _suffix_keys(upload: Upload) -> list[str]:
    """Matrix keys to append so each leg's name differs; [] when it already does. Refused when impossible."""
    covered = set(_MATRIX_REF.findall(upload.name))
    if "strategy.job-index" in upload.name or len(upload.legs) <= 1:
        return []
    order: list[str] = []
    for leg in upload.legs:
        order += [k for k in leg if k not in order and k not in covered]
    chosen: list[str] = []

    def distinct(keys: set[str]) -> bool:
        seen = {tuple(leg.get(k) for k in sorted(keys)) for leg in upload.legs}
        return len(seen) == len(upload.legs)

    for key in order:
        if distinct(covered | set(chosen)):
            break
        if len({leg.get(key) for leg in upload.legs}) > 1:
            chosen.append(key)
    if not distinct(covered | set(chosen)):
        raise Refused(f"job `{upload.step.job}` uploads `{upload.name}` from matrix legs no key tells apart")
    for key in chosen:
        values = [leg.get(key) for leg in upload.legs]
        if any(v is None or not v or _FORBIDDEN & set(v) for v in values):
            raise Refused(
                f"job `{upload.step.job}`: matrix.{key} has values that cannot go into an artifact name ({values})"
            )
    return chosen


def make_unique(
    path: str,
    root: Node | None,
    uploads: list[Step],
    downloads: list[Step],
    edits: LineEdits,
    elsewhere: list[str],
) -> list[str]:
    """Rename colliding uploads of `uploads` (steps at v4+ after the update) and adapt `downloads`.

    `elsewhere`: the texts of the other workflow files, where a download of a renamed name means refusal.
    Returns what was renamed, for the rationale; raises Refused with the reason when it cannot be safe.
    """
    found = _uploads(root, uploads)
    matrix_suffix = {id(u): "".join(f"-${{{{ matrix.{k} }}}}" for k in _suffix_keys(u)) for u in found}
    groups: dict[str, list[Upload]] = {}
    for upload in found:
        groups.setdefault(upload.name, []).append(upload)
    new_names: dict[int, str] = {}
    for name, group in groups.items():
        if len({u.step.job for u in group}) < len(group):
            raise Refused(f"one job uploads `{name}` twice: v4 cannot append to an artifact")
        for upload in group:  # every upload of a shared name gets a suffix, so `<name>-*` finds them all
            job_suffix = f"-{upload.step.job}" if len(group) > 1 else ""
            new_names[id(upload)] = name + job_suffix + matrix_suffix[id(upload)]
    renamed = {u.name for u in found if new_names[id(u)] != u.name}
    if not renamed:
        return []
    _check_downloads(path, downloads, renamed, found, new_names, elsewhere)
    notes = []
    for upload in found:
        if new_names[id(upload)] != upload.name:
            _rename(edits, upload, new_names[id(upload)])
            notes.append(f"`{upload.name}` -> `{new_names[id(upload)]}` (job `{upload.step.job}`)")
    for step in downloads:
        name_pair = _pair(get(step.node, "with"), "name")
        if name_pair is not None and name_pair[1].value in renamed:
            _to_pattern(edits, step, name_pair)
            notes.append(f"download of `{name_pair[1].value}` -> pattern `{name_pair[1].value}-*`, merge-multiple")
    return notes


def _check_downloads(
    path: str,
    downloads: list[Step],
    renamed: set[str],
    found: list[Upload],
    new_names: dict[int, str],
    elsewhere: list[str],
) -> None:
    for step in downloads:
        with_node = get(step.node, "with")
        if all(scalar(get(with_node, key)) is None for key in ("name", "pattern", "artifact-ids")):
            raise Refused(
                f"job `{step.job}` downloads every artifact into folders named after them: renaming the "
                "uploads would move its files"
            )
    for name in renamed:
        prefix = f"{name}-"
        for upload in found:
            other = new_names[id(upload)]
            if upload.name == name:
                continue
            literal = other.split("${{")[0]
            if literal.startswith(prefix) or ("${{" in other and prefix.startswith(literal)):
                raise Refused(f"the pattern `{prefix}*` would also download the artifact `{other}`")
        for text in elsewhere:
            if re.search(rf"name:\s*['\"]?{re.escape(name)}['\"]?\s*$", text, re.MULTILINE):
                raise Refused(f"another workflow refers to the artifact `{name}`: renaming it could break that one")


def _pair(node: Node | None, key: str) -> tuple[ScalarNode, ScalarNode] | None:
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key and isinstance(v, ScalarNode):
            return k, v
    return None


def _rename(edits: LineEdits, upload: Upload, new: str) -> None:
    with_node = get(upload.step.node, "with")
    pair = _pair(with_node, "name")
    if pair is not None:
        value = pair[1]
        if value.start_mark.line != value.end_mark.line:
            raise Refused(f"job `{upload.step.job}`: the artifact name spans lines")
        edits.replace(value.start_mark.line, value.start_mark.column, value.end_mark.column, quoted_like(value, new))
        return
    if not isinstance(with_node, MappingNode) or not with_node.value or with_node.flow_style:
        raise Refused(f"job `{upload.step.job}`: cannot add a name to the upload's `with:`")
    first = with_node.value[0][0]
    edits.insert_after(first.start_mark.line - 1, " " * first.start_mark.column + f"name: {new}")


def _to_pattern(edits: LineEdits, step: Step, pair: tuple[ScalarNode, ScalarNode]) -> None:
    key, value = pair
    if key.start_mark.line != value.end_mark.line:
        raise Refused(f"job `{step.job}`: the download's name spans lines")
    edits.replace(
        key.start_mark.line,
        key.start_mark.column,
        value.end_mark.column,
        "pattern: " + quoted_like(value, f"{value.value}-*"),
    )
    merge = _pair(get(step.node, "with"), "merge-multiple")
    if merge is None:
        edits.insert_after(key.start_mark.line, " " * key.start_mark.column + "merge-multiple: true")
    elif merge[1].value != "true":
        edits.replace(merge[1].start_mark.line, merge[1].start_mark.column, merge[1].end_mark.column, "true")


# -- what else the move to v4 changes: hidden files, and uploads in actions or workflows called many times --

HIDDEN_SINCE = (4, 4, 0)
_HIDDEN = re.compile(r"(?:^|[/\\])\.(?![./\\]|$)")  # a path part starting with a dot: .coverage.*, .tox/, ~/.cache


def keep_hidden_files(step: Step, edits: LineEdits) -> str | None:
    """upload-artifact 4.4+ leaves hidden files out unless `include-hidden-files: true` (v3 uploaded them):
    add it to an upload whose `path` names one, as the last input; the note, or None when not needed."""
    with_node = get(step.node, "with")
    path = scalar(get(with_node, "path"))
    if path is None or not any(_HIDDEN.search(part.strip()) for part in path.splitlines()):
        return None
    if get(with_node, "include-hidden-files") is not None:
        return None
    if not isinstance(with_node, MappingNode) or with_node.flow_style or not with_node.value:
        raise Refused(
            f"the upload of `{path}` needs `include-hidden-files: true` (upload-artifact 4.4+ leaves hidden files "
            "out), and its `with:` is not a block this fixer adds a line to"
        )
    end = with_node.value[-1][1].end_mark
    last = end.line if end.column > 0 else end.line - 1
    edits.insert_after(last, " " * with_node.value[0][0].start_mark.column + "include-hidden-files: true")
    return f"`include-hidden-files: true` added to the upload of `{path}` (4.4+ leaves hidden files out)"


def _local(uses: str) -> str | None:
    if not uses.startswith("./"):
        return None
    return re.sub(r"/+$", "", re.sub(r"^(?:\./)+", "", uses))


def runs_of(target: str, files: list[tuple[str, Node | None]]) -> int | None:
    """How often one workflow run runs the local action (its directory) or called workflow (its path) at
    `target`: the matrix legs of every job that uses it, summed; None when that cannot be told (a matrix
    from an expression, an action that another action uses)."""
    total = 0
    for path, root in files:
        if not path.startswith(".github/workflows/"):
            steps = sequence(get(get(root, "runs"), "steps"))
            if any(_local(scalar(get(s, "uses")) or "") == target for s in steps):
                return None
            continue
        for job_id, job in jobs(root):
            count = int(_local(scalar(get(job, "uses")) or "") == target)
            count += sum(_local(scalar(get(s, "uses")) or "") == target for s in sequence(get(job, "steps")))
            if count:
                try:
                    total += count * len(matrix_legs(job_id, job))
                except MatrixUnknown:
                    return None
    return total


def check_called_uploads(path: str, uploads: list[Step], files: list[tuple[str, Node | None]]) -> None:
    """Uploads inside a local action or a reusable workflow that one run calls several times would upload one
    name twice under v4+: Refused, since the name comes from the caller's side."""
    target = path.rsplit("/", 1)[0] if not path.startswith(".github/workflows/") else path
    runs = runs_of(target, files)
    if runs is not None and runs <= 1:
        return
    for step in uploads:
        name = scalar(get(get(step.node, "with"), "name")) or "artifact"
        how = f"run it {runs} times in one run" if runs is not None else "may run it many times in one run"
        raise Refused(
            f"it uploads `{name}`, and the repository's workflows {how} (matrix legs, several jobs): "
            "upload-artifact v4+ refuses a second upload of one name; give each call its own name by hand"
        )
