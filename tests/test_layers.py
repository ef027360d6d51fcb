"""The package's layout holds: the root holds layers (folders) and a few pure kernels; each layer imports
only the layers below it (lazy imports inside functions count too); no import circle outside the sandbox;
no module over 400 lines (the sandbox's 500). See docs/architecture.md."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cicd_agent"
KERNELS = {"model", "breaker", "text", "errors"}
# what each layer may import besides itself and the kernels (top of the file is the top of the stack)
ALLOWED: dict[str, set[str]] = {
    "__main__": {"cli"},
    "cli": {"modes", "remediation", "fixers", "effects", "github", "store", "analysis", "config", "__init__"},
    "modes": {"remediation", "fixers", "effects", "github", "store", "analysis", "config", "sandbox"},
    "remediation": {"fixers", "effects", "github", "store", "analysis", "config"},
    "fixers": {"github", "analysis", "config"},
    "effects": {"github", "config"},
    "github": {"config"},
    "store": {"config"},
    "analysis": set(),
    "config": set(),
    "sandbox": set(),
    **{kernel: set() for kernel in KERNELS},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """The package's modules that `path` imports (`from cicd_agent.x import y` names cicd_agent.x.y when that is
    a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "cicd_agent":
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "cicd_agent"}
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_the_root_holds_layers_and_the_pure_kernels_only() -> None:
    loose = {path.stem for path in PACKAGE.glob("*.py")} - KERNELS - {"__init__", "__main__"}
    assert not loose, f"move these into the layer they belong to: {sorted(loose)}"
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders <= set(ALLOWED), f"a new layer needs its place in ALLOWED: {sorted(folders - set(ALLOWED))}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_imports_only_the_layers_below_it(module: str) -> None:
    own = layer(module)
    upward = {
        target
        for target in imports(MODULES[module])
        if layer(target) != own and layer(target) not in ALLOWED[own] | KERNELS
    }
    assert not upward, f"{module} ({own}) imports {sorted(upward)}: a layer imports only the layers below it"


def test_no_import_circle_outside_the_sandbox() -> None:
    graph = {
        module: {target for target in imports(path, top_level_only=True) if target in MODULES}
        for module, path in MODULES.items()
        if layer(module) != "sandbox"
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (circle := visit(target)):
                return circle
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (circle := visit(module)):
            pytest.fail("import circle: " + " -> ".join(circle))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_holds_two_concerns(module: str) -> None:
    limit = 500 if layer(module) == "sandbox" else 400
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= limit, f"{module} has {lines} lines: split it along its concerns (limit {limit})"


def test_the_checks_find_what_they_look_for() -> None:
    """The checks above are not vacuous: the graph is read, and a lazy upward import would be seen."""
    assert "cicd_agent.github.client" in imports(MODULES["cicd_agent.remediation.explain"])
    assert "cicd_agent.cli.entry" in imports(MODULES["cicd_agent.__main__"])
    assert "cicd_agent.remediation.storms" in imports(MODULES["cicd_agent.remediation.decide"])
