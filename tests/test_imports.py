"""The module structure: no import cycles between selfeval's modules (imports inside functions
count too: a deferred import hides a cycle, it does not remove it)."""

from __future__ import annotations

import ast
from pathlib import Path

import selfeval

ROOT = Path(selfeval.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(deferred: bool = True) -> dict[str, set[str]]:
    """Module → the selfeval modules it imports (a `from .x import y` of a submodule y counts as y);
    `deferred=False` leaves out imports inside functions (what importing the module loads)."""
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                       for n in ast.walk(block)}  # annotations only: never imported at run time
        if not deferred:
            typing_only |= {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                            for n in ast.walk(f)}
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")
                base = base[: len(base) - node.level + 1] if node.level else []
                stem = ".".join([*base, *(node.module.split(".") if node.module else [])])
                targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in modules else stem for a in node.names]
            for t in targets:
                while t and t not in modules:
                    t = t.rpartition(".")[0]
                if t and t != name and t.startswith("selfeval"):
                    graph[name].add(t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    graph = import_graph()
    assert "selfeval.batch.run" in graph and graph["selfeval.pipeline"] >= {"selfeval.loaders", "selfeval.assess.checks"}
    assert cycles(graph) == []


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def floors(graph: dict[str, set[str]]) -> dict[str, int]:
    """Each module's floor: 1 for a module importing no selfeval module, else one above the highest
    module it imports (a package's `__init__` counts as a module)."""
    memo: dict[str, int] = {}

    def floor(m: str) -> int:
        if m not in memo:
            memo[m] = 1 + max((floor(d) for d in graph[m]), default=0)
        return memo[m]

    return {m: floor(m) for m in graph}


def test_the_house_is_low_and_its_ground_floor_small():
    # floors of what importing a module loads; a deferred import (which says why) runs on call
    graph = import_graph(deferred=False)
    height = max(floors(graph).values())
    assert height <= 12, sorted(floors(graph).items(), key=lambda kv: -kv[1])[:5]
    top = [p.name for p in ROOT.glob("*.py")]
    assert len(top) <= 15, top
    assert floors({"a": {"b"}, "b": {"c"}, "c": set()}) == {"a": 3, "b": 2, "c": 1}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)]
    inner = {id(n) for f in functions for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("selfeval"):
            yield node, id(node) in inner


def test_no_module_imports_the_package_root_or_anothers_private_names():
    found = []
    for path in ROOT.rglob("*.py"):
        if path == ROOT / "__init__.py":
            continue
        for node, _ in _imports(path):
            if node.module == "selfeval":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports the package root")
            found += [f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}.{a.name}" for a in node.names
                      if a.name.startswith("_") and a.name != "__version__"]
    assert found == []


def test_a_deferred_import_says_why():
    found = []
    for path in ROOT.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, inner in _imports(path):
            if not inner:
                continue
            above = node.lineno - 2
            while above >= 0 and lines[above].lstrip().startswith("from selfeval"):
                above -= 1  # one comment may stand above a block of deferred imports
            if "#" not in lines[node.lineno - 1] and not lines[above].lstrip().startswith("#"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert found == []


def test_only_layouts_compare_a_layout_name():
    import re

    found = [f"{p.relative_to(ROOT)}:{i}" for p in ROOT.rglob("*.py") if p.parent.name != "layouts"
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\blayout\s*(==|!=)\s*[\"']|\.layout\s+(not\s+)?in\s*[(\[{]\s*[\"']", line)]
    assert found == []


def test_the_scripts_import_what_exists():
    """benchmarks/ and tools/ are not imported by the tests: their selfeval imports are checked here."""
    import importlib

    missing = []
    for path in [*(ROOT.parent / "benchmarks").glob("*.py"), *(ROOT.parent / "tools").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("selfeval"):
                module = importlib.import_module(node.module)
                missing += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                            if not hasattr(module, a.name) and not _submodule(f"{node.module}.{a.name}")]
    assert missing == []
    assert not _submodule("selfeval.synth.dump_suzhou_text") and _submodule("selfeval.batch.portfolio")


def _submodule(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent is a module, not a package
        return False
