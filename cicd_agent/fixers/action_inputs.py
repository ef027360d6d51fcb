"""A bumped action's (or called workflow's) inputs, checked against the new version's own `action.yml` (or
its `on.workflow_call.inputs`).

Every key of the step's `with:` must be an input of the new version; one that is not is renamed where the
action documents the rename (the old input's `deprecationMessage` or description says "use `files`
instead", or a new input says it replaces the old one), else the bump is refused. An input the new version
requires without a default, that the step does not give, refuses the bump too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import ScalarNode

from cicd_agent.fixers.action_reach import is_workflow, read_remote
from cicd_agent.fixers.action_versions import ActionVersions
from cicd_agent.fixers.workflow_yaml import Uses, get

_POINTS_TO = re.compile(
    r"(?:\buse|\breplaced by|\brenamed to|\bin favou?r of|\bsuperseded by)\s+(?:the\s+)?[`'\"]?([A-Za-z0-9_-]+)[`'\"]?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rename:
    key: ScalarNode  # the `with:` key as written
    new: str


def declared_inputs(action: str, text: str) -> dict[str, dict[str, Any]] | None:
    """The inputs an action.yml (or a reusable workflow) declares; None when the file is not one."""
    try:
        data = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    if is_workflow(action):
        on = data.get("on")
        call = on.get("workflow_call") if isinstance(on, dict) else None
        inputs = call.get("inputs") if isinstance(call, dict) else None
    else:
        inputs = data.get("inputs")
    if inputs in (None, ""):
        return {}
    if not isinstance(inputs, dict):
        return None
    return {str(k): v if isinstance(v, dict) else {} for k, v in inputs.items()}


def _renamed_to(key: str, old: dict[str, Any] | None, new_inputs: dict[str, dict[str, Any]]) -> str | None:
    """The new input the action documents as replacing `key`, if it does."""
    for text in (str((old or {}).get("deprecationMessage", "")), str((old or {}).get("description", ""))):
        for found in _POINTS_TO.findall(text):
            if found in new_inputs and found != key:
                return found
    said = re.compile(
        rf"(?:replaces|formerly|previously|was called|renamed from)\s+[`'\"]?{re.escape(key)}\b", re.IGNORECASE
    )
    named = [name for name, spec in new_inputs.items() if said.search(str(spec.get("description", "")))]
    return named[0] if len(named) == 1 else None


def check(versions: ActionVersions, use: Uses, new_ref: str) -> list[Rename] | str:
    """The renames the bump needs, or why the step cannot move to `new_ref`."""
    with_node = get(use.step.node, "with")
    given = [(k, v) for k, v in (with_node.value if with_node is not None and hasattr(with_node, "value") else [])]
    keys = [k for k, _ in given if isinstance(k, ScalarNode)]
    if with_node is not None and (not isinstance(with_node.value, list) or len(keys) != len(given)):
        return f"the `with:` of {use.action} is not a plain mapping: its inputs cannot be checked"
    remote = read_remote(versions, use.action, new_ref)
    if remote is None:
        if keys:
            return f"cannot read {use.action}@{new_ref} to check the inputs this step gives it"
        return []
    new_inputs = declared_inputs(use.action, remote[1])
    if new_inputs is None:
        return f"{use.action}@{new_ref} does not declare its inputs in a form the agent reads"
    old_remote = read_remote(versions, use.action, use.ref)
    old_inputs = (declared_inputs(use.action, old_remote[1]) if old_remote else None) or {}
    renames = []
    for key in keys:
        if key.value in new_inputs:
            continue
        target = _renamed_to(key.value, old_inputs.get(key.value), new_inputs)
        if target is None:
            return (
                f"`{key.value}` is not an input of {use.action}@{new_ref} (its {remote[0]}), and the action documents "
                "no replacement: migrate that input by hand"
            )
        if target in {k.value for k in keys}:
            return f"{use.action}@{new_ref} replaces `{key.value}` by `{target}`, which the step sets already"
        renames.append(Rename(key, target))
    given_names = {k.value for k in keys} | {r.new for r in renames}
    for name, spec in new_inputs.items():
        required = str(spec.get("required", "false")).lower() == "true"
        if required and "default" not in spec and name not in given_names:
            return f"{use.action}@{new_ref} requires the input `{name}` (no default), which this step does not give"
    return renames
