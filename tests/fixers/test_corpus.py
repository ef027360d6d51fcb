"""One test per corpus case: the fixer produces exactly the expected diff, or refuses with the expected reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixer_corpus import Case, build_wheelhouse, run_case
from fixer_corpus.all import CASES

from cicd_agent.fixers.package_index import WheelhouseIndex


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> WheelhouseIndex:
    return build_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_case(case: Case, tmp_path: Path, index: WheelhouseIndex) -> None:
    outcome = run_case(case, tmp_path, index)
    expected = "refused" if case.refusal else "correct"
    assert outcome.verdict == expected, outcome.detail
