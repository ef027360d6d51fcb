"""The store suite runs on both backends: `backend` is "sqlite" (a file in the test's directory) or
"postgresql" (a schema of its own on the session's real server); `new_store()` opens one more connection to
the same database, as another host would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cicd_agent.store import Store
from cicd_agent.store.postgres import PostgresBackend

OpenStore = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenStore]:
    opened: list[Store] = []
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")

        def make() -> Store:
            opened.append(Store(PostgresBackend(url)))
            return opened[-1]
    else:

        def make() -> Store:
            opened.append(Store(tmp_path / "state.db"))
            return opened[-1]

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(new_store: OpenStore) -> Store:
    return new_store()
