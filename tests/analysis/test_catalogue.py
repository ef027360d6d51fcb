"""The category catalogue (a data file): each example is classified by its own row (so every row is
reachable), every category is described and documented, the strategies agree with the built-in rules, the
documented table is current, the tools issue 13 names are all covered, and a broken data file is refused
with the row and key named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cicd_agent.analysis import Analysis
from cicd_agent.analysis.catalogue import CatalogueError, Row, catalogue, markdown, parse, rows, strategy
from cicd_agent.analysis.classify import decide
from cicd_agent.remediation.rules import DEFAULT_RULES, candidates

DOC = Path(__file__).resolve().parents[2] / "docs" / "categories.md"
ROWS = rows()
STRATEGY = strategy()
EXAMPLES = [(row, example) for row in ROWS for example in row.examples]


@pytest.mark.parametrize(
    ("row", "example"), EXAMPLES, ids=[f"{r.category}:{r.tool}:{i}" for i, (r, _) in enumerate(EXAMPLES)]
)
def test_each_example_is_classified_by_its_own_row(row: Row, example: str) -> None:
    decision = decide([] if row.fallback else [[example]], warnings=[example] if row.fallback else [])
    assert decision.row is row, (decision.category, decision.tool)
    assert decision.line == example


def test_every_row_has_an_example() -> None:
    assert all(row.examples for row in ROWS)


@pytest.mark.parametrize("category", sorted(STRATEGY))
def test_the_strategy_column_is_what_the_built_in_rules_do(category: str) -> None:
    analysis = Analysis("0" * 64, "", category, "Run x", [], None, 1)
    fired = candidates(DEFAULT_RULES, analysis, "o/r", "main", reruns_done=0, last_fired={}, now=0.0)
    assert fired[0].strategy == STRATEGY[category]


def test_the_categories_the_rules_match_on_keep_their_names() -> None:
    assert {rule.category for rule in DEFAULT_RULES if rule.category} <= set(STRATEGY)


def test_docs_categories_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == markdown(), "docs/categories.md says how to regenerate it"


def test_every_category_is_described_and_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for category in catalogue().categories.values():
        assert category.description.strip()
        assert f"| `{category.name}` | {category.strategy} |" in doc


GOOD = {
    "categories": {"lint": {"strategy": "report", "description": "A linter reported problems."}},
    "rows": [{"category": "lint", "tool": "x", "pattern": "error", "examples": ["error: no"]}],
}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["rows"][0].update(category="lnt"), "rows[0].category"),
        (lambda d: d["rows"][0].update(pattern="(unclosed"), "rows[0].pattern"),
        (lambda d: d["rows"][0].update(step="[a-"), "rows[0].step"),
        (lambda d: d["rows"][0].update(examples=[]), "rows[0].examples"),
        (lambda d: d["rows"][0].update(patern="x"), "unknown keys patern"),
        (lambda d: d["categories"]["lint"].update(strategy="retry"), "categories.lint.strategy"),
        (lambda d: d["categories"]["lint"].update(description=" "), "categories.lint.description"),
        (lambda d: d["categories"].update(extra={"strategy": "fix", "description": "d"}), "without a row: extra"),
    ],
)
def test_a_broken_data_file_is_refused_naming_the_row_and_key(change, named: str) -> None:  # type: ignore[no-untyped-def]
    import copy

    data = copy.deepcopy(GOOD)
    assert parse(copy.deepcopy(GOOD)).rows[0].strategy == "report"
    change(data)
    with pytest.raises(CatalogueError, match=re.escape(named)):
        parse(data)


@pytest.mark.parametrize(
    ("category", "tools"),
    [
        ("format.check", {"black", "ruff", "prettier", "gofmt", "rustfmt", "clang-format", "pre-commit"}),
        ("lint", {"flake8", "pylint", "ruff", "eslint", "golangci-lint", "clippy"}),
        ("types.check", {"mypy", "tsc"}),
        ("dependency.resolution", {"pip", "uv", "poetry", "npm", "cargo", "go", "maven-gradle"}),
        ("dependency.lockfile", {"npm", "yarn", "pnpm", "poetry", "uv", "cargo", "go"}),
        ("dependency.missing-module", {"python", "node", "go"}),
        ("network.transient", {"dns", "connection", "registry-5xx", "docker", "apt"}),
        ("infra.runner", {"github-actions"}),
        ("infra.out-of-memory", {"kernel", "node", "jvm"}),
        ("infra.disk-full", {"any"}),
        ("timeout", {"github-actions"}),
        ("actions.deprecated-version", {"github-actions"}),
        ("test.failure", {"pytest", "jest", "go", "junit", "cargo"}),
        ("test.flaky", {"any"}),
    ],
)
def test_the_catalogue_covers_the_tools_issue_13_lists(category: str, tools: set[str]) -> None:
    assert tools <= {row.tool for row in ROWS if row.category == category}


def test_every_github_deprecation_wording_is_covered() -> None:
    texts = [example for row in ROWS if row.category == "actions.deprecated-version" for example in row.examples]
    for wording in (
        "Node.js 12",
        "Node.js 16",
        "Node.js 20",
        "set-output",
        "set-env",
        "deprecated version of",
        "node12",
    ):
        assert any(wording in text for text in texts), wording


def test_general_detectors_come_before_every_tool_specific_row_of_another_class() -> None:
    """What any tool may say (out of memory, a crash, a coverage threshold, a rate limit, a full disk, a lockfile
    out of date) is tried before each tool's own phrases, so a tool's row never claims it first; the runner's
    own rows and the network's come first (they are what ended the job)."""
    ordered = list(rows())
    general = [i for i, row in enumerate(ordered) if row.general]
    assert {ordered[i].category for i in general} >= {
        "infra.out-of-memory", "crash", "coverage.threshold", "network.transient", "dependency.lockfile"
    }  # fmt: skip
    runner = {"timeout", "infra.runner", "actions.deprecated-version", "network.transient"}
    classes = {ordered[i].category for i in general}  # among the general classes, out of memory before a crash
    for g in general:
        later = [row for row in ordered[:g] if row.category not in runner | classes]
        assert all(row.category == ordered[g].category for row in later), (ordered[g].tool, later)
    assert "## General detectors" in DOC.read_text(encoding="utf-8")
