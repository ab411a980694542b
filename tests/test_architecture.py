"""The shape of the house: no import cycles, data flowing one way, estimators that clone.

The import graph is read from the source (every ``import`` statement, at module level or
inside a function, except under ``if TYPE_CHECKING:``), so a cycle hidden behind a lazy
import inside a function counts too: it is still two modules that need each other.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator, clone

import cxlib

PACKAGE_DIR = Path(cxlib.__file__).parent

LAYERS: dict[str, int] = {
    # the floors, bottom up: a module may import its own floor and the floors below
    "cxlib.contract": 0,
    "cxlib.paths": 0,
    "cxlib.wording": 0,
    "cxlib.templates": 0,
    "cxlib.metrics": 1,
    "cxlib.plots": 2,  # masks contact details in tables (cxlib.io.privacy)
    "cxlib.io": 2,
    "cxlib.engine": 2,  # where the heavy SQL runs (DuckDB, or Spark when chosen)
    "cxlib.sample": 2,
    "cxlib.features": 3,
    "cxlib.voice": 3,  # sentiment, language, themes of texts: io (privacy) and metrics only
    "cxlib.personas": 4,
    "cxlib.churn": 4,
    "cxlib.journey": 4,
    "cxlib.scorecard": 4,
    "cxlib.social": 4,
    "cxlib.actions": 5,  # targets, alerts, the action plan: read every analysis
    "cxlib.report": 6,
    "cxlib.cli": 7,
    "cxlib.__main__": 7,
}
"""load -> validate -> features -> analysis -> report: each floor imports only downwards."""

TOP_LEVEL_MODULES = {"__init__", "__main__", "cli", "contract", "paths", "plots", "wording"}
"""The only modules allowed beside the packages at the top of ``cxlib/``."""


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The cxlib modules ``path`` imports (a ``from pkg import name`` of a submodule counts
    as importing that submodule)."""
    found: set[str] = set()
    package = (
        _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    )

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("cxlib"))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parent = package.rsplit(".", child.level - 1)[0] if child.level > 1 else package
                    base = f"{parent}.{base}" if base else parent
                if base.startswith("cxlib"):
                    for alias in child.names:
                        sub = f"{base}.{alias.name}"
                        found.add(sub if sub in modules else base)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in modules}


def import_graph() -> dict[str, set[str]]:
    """Every cxlib module and the cxlib modules it imports."""
    paths = sorted(PACKAGE_DIR.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) - {_module_name(p)} for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := dfs(node)):
            return cycle
    return None


def _layer(module: str) -> int | None:
    for prefix, level in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return level
    return None


def test_find_cycle_finds_a_planted_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_every_module_has_a_floor() -> None:
    unplaced = sorted(m for m in import_graph() if m != "cxlib" and _layer(m) is None)
    assert not unplaced, f"modules outside the layer map: {unplaced}"


def test_data_flows_one_way() -> None:
    upward = [
        f"{mod} (floor {_layer(mod)}) imports {dep} (floor {_layer(dep)})"
        for mod, deps in import_graph().items()
        for dep in deps
        if mod != "cxlib" and (_layer(dep) or 0) > (_layer(mod) or 0)
    ]
    assert not upward, "imports against the flow:\n" + "\n".join(sorted(upward))


def test_top_level_holds_only_packages_and_a_few_small_modules() -> None:
    loose = sorted(p.stem for p in PACKAGE_DIR.glob("*.py") if p.stem not in TOP_LEVEL_MODULES)
    assert not loose, f"modules at the top of cxlib/ that belong in a package: {loose}"


def _estimator_classes() -> list[type]:
    """Every class defined in cxlib that has a ``fit`` method (an estimator-style class)."""
    classes: dict[str, type] = {}
    for info in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="cxlib."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and obj.__module__ == module.__name__
                and callable(getattr(obj, "fit", None))
                and not name.startswith("_")
            ):
                classes[f"{obj.__module__}.{name}"] = obj
    return [classes[k] for k in sorted(classes)]


ESTIMATORS = _estimator_classes()


def test_the_estimators_are_found() -> None:
    names = {c.__name__ for c in ESTIMATORS}
    assert {"PersonaSegmenter", "ChurnDriverModel", "JourneyAnalysis"} <= names


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_estimator_clones(cls: type) -> None:
    """scikit-learn's contract: a BaseEstimator whose clone has the same parameters."""
    assert issubclass(cls, BaseEstimator), f"{cls.__name__} does not subclass BaseEstimator"
    est = cls()
    params = est.get_params(deep=False)
    twin = clone(est)
    assert type(twin) is cls
    assert twin.get_params(deep=False).keys() == params.keys()
    learned = [a for a in vars(est) if a.endswith("_") and not a.startswith("_")]
    assert not learned, f"{cls.__name__}() sets learned attributes before fit: {learned}"
