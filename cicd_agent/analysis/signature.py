"""The failure signature: a stable hash of the normalised evidence, and the template it hashes.

It is computed from the failing log alone (not the baseline), so that it stays the same when the last
green run used as a baseline changes. The strongest evidence lines are taken, their templates
de-duplicated and sorted (parallel test output can reorder them), and hashed with the category.
"""

from __future__ import annotations

import hashlib

from cicd_agent.analysis.normalize import normalize

MAX_EVIDENCE = 8


def signature(category: str, evidence: list[tuple[int, int, str]]) -> tuple[str, str]:
    """(hex signature, template) from (weight, line index, text) evidence tuples."""
    strongest = max((weight for weight, _, _ in evidence), default=0)
    chosen = sorted((e for e in evidence if e[0] == strongest), key=lambda e: -e[1])[:MAX_EVIDENCE]
    lines = sorted({normalize(text) for _, _, text in chosen} - {""})
    template = "\n".join([f"category: {category}", *lines])
    return hashlib.sha256(template.encode("utf-8")).hexdigest(), template
