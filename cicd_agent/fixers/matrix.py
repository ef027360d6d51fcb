"""A job's matrix legs as GitHub expands them (dimensions, then exclude, then include)."""

from __future__ import annotations

import itertools

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cicd_agent.fixers.workflow_yaml import get, items, sequence

Leg = dict[str, str | None]  # key -> value as written; None: not a plain value (an object or a list)


class MatrixUnknown(Exception):
    """The matrix (or part of it) comes from an expression: its legs cannot be known from the file."""


def _value(node: Node) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def matrix_legs(job_id: str, job: Node) -> list[Leg]:
    """The job's matrix combinations (GitHub's include/exclude rules); [{}] for a job without a matrix."""
    matrix = get(get(job, "strategy"), "matrix")
    if matrix is None:
        return [{}]
    if not isinstance(matrix, MappingNode):
        raise MatrixUnknown(f"job `{job_id}` takes its matrix from an expression")
    dims: list[tuple[str, list[str | None]]] = []
    include: list[Leg] = []
    exclude: list[Leg] = []
    for key, node in items(matrix):
        if key in ("include", "exclude"):
            entries = [{k: _value(v) for k, v in items(e)} for e in sequence(node)]
            if not isinstance(node, SequenceNode) or len(entries) != len(node.value):
                raise MatrixUnknown(f"job `{job_id}`: matrix.{key} comes from an expression")
            (include if key == "include" else exclude).extend(entries)
        elif isinstance(node, SequenceNode):
            dims.append((key, [_value(v) for v in node.value]))
        else:
            raise MatrixUnknown(f"job `{job_id}`: matrix.{key} comes from an expression")
    keys = [k for k, _ in dims]
    legs: list[Leg] = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in dims))]
    legs = [leg for leg in legs if not any(all(leg.get(k) == v for k, v in e.items()) for e in exclude)]
    original = legs if dims else []  # an include extends only the combinations of the dimensions
    added: list[Leg] = []
    for entry in include:
        matched = [leg for leg in original if all(leg.get(k) == v for k, v in entry.items() if k in keys)]
        for leg in matched:
            leg.update({k: v for k, v in entry.items() if k not in keys})
        if not matched:
            added.append(dict(entry))
    return (original + added) or [{}]
