"""The package's imports, read from its source (nothing is imported): the core never imports the
CLI or the platform (the Django app in ``reportkit/platform/``), not even inside a function, and
no module imports one that imports it back, at its top or inside a function (an import deferred
for start-up still makes a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import reportkit

ROOT = Path(reportkit.__file__).parent
#: what may import the CLI or the platform: the CLI itself and ``python -m reportkit``
EDGE = {"reportkit.cli", "reportkit.cli.app", "reportkit.cli.help", "reportkit.__main__"}


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in ROOT.rglob("*.py")}


def _imports(name: str, path: Path, *, top_only: bool) -> set[str]:
    """The reportkit modules ``name`` imports: at its top only, or anywhere (functions too).
    ``from pkg import sub`` is an import of ``pkg.sub``; of ``pkg`` itself only for a name that
    is not a submodule."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in (tree.body if top_only else ast.walk(tree)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            subs = {f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in MODULES}
            found |= subs
            if len(subs) < len(node.names):
                found.add(module)
    out = set()
    for module in found:
        if module.split(".")[0] != "reportkit":
            continue
        while module not in MODULES and "." in module:
            module = module.rpartition(".")[0]
        if module in MODULES and module != name:
            out.add(module)
    return out


def _is_platform(module: str) -> bool:
    return module == "reportkit.platform" or module.startswith("reportkit.platform.")


def test_the_walk_sees_the_package():
    assert {"reportkit.cli.app", "reportkit.filing.set", "reportkit.ooxml.package", "reportkit.reading.xlsx"} <= set(MODULES)
    assert {"reportkit.ooxml", "reportkit.ooxml.cells"} <= _imports("reportkit.reading.xlsx",
                                                                    MODULES["reportkit.reading.xlsx"], top_only=True)
    assert "reportkit.filing.set" in _imports("reportkit.filing.batch", MODULES["reportkit.filing.batch"], top_only=False)
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a → b → c → a"]


def test_the_core_never_imports_the_cli_or_the_platform():
    wrong = []
    for name, path in MODULES.items():
        if name in EDGE or _is_platform(name):
            continue
        for module in _imports(name, path, top_only=False):
            if module in EDGE or _is_platform(module):
                wrong.append(f"{name} → {module}")
    assert wrong == []


def test_nothing_outside_the_edge_imports_the_platform():
    wrong = [f"{name} → {m}" for name, path in MODULES.items() if not _is_platform(name) and name not in EDGE
             for m in _imports(name, path, top_only=False) if _is_platform(m)]
    assert wrong == []


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    cycles = []
    state: dict[str, int] = {}   # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path = path + [node]
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" → ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path)
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    return cycles


def test_no_import_cycles():
    """Every import counts, inside functions too: a module that imports another only when called
    still cannot be loaded, understood or tested without the one that imports it back."""
    graph = {name: _imports(name, path, top_only=False) for name, path in MODULES.items() if not _is_platform(name)}
    assert _cycles(graph) == []


def test_the_walk_sees_imports_inside_functions():
    """The walk finds an import made only inside a function (so a cycle through one is seen)."""
    assert "reportkit.filing.set" not in _imports("reportkit", MODULES["reportkit"], top_only=True)
    assert "reportkit.filing.set" in _imports("reportkit", MODULES["reportkit"], top_only=False)


def _readme_layout() -> set[str]:
    """The modules the README's 布局 section names: ``src/reportkit/`` and its continuation lines
    hold the top level, a line ``  pkg/`` (and its continuation lines) one package; braces expand."""
    import re

    text = (ROOT.parents[1] / "README.md").read_text(encoding="utf-8")
    block = text.split("## 布局", 1)[1].split("```", 2)[1]
    named, package = set(), None
    for line in block.splitlines():
        if line.startswith("src/reportkit/"):
            package = ""
        elif m := re.match(r"  (\w+)/ ", line):
            package = m.group(1) + "/"
        elif not line.startswith("    "):
            package = None
        if package is None:
            continue
        for token in re.findall(r"[A-Za-z0-9_{},]+\.py\b", line):
            stem, braces = token[:-3], re.search(r"\{([^}]*)\}", token)
            stems = [stem.replace(braces.group(0), v) for v in braces.group(1).split(",")] if braces else [stem]
            named |= {package + s + ".py" for s in stems}
    return named


def test_the_readme_layout_matches_the_tree():
    """Every module of the package is in the README's 布局 section, where it is, and the section
    names no module that is gone (``__init__.py`` of a package is left out)."""
    tree = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py")
            if not (p.name == "__init__.py" and p.parent != ROOT) and not _is_platform(_name(p))}
    assert _readme_layout() == tree


def test_an_import_inside_a_function_says_why():
    """Imports are at a module's top; one kept inside a function (start-up, an optional heavy
    library, a package attribute loaded on first use) carries a ``# lazy: …`` comment saying why."""
    silent = []
    for name, path in MODULES.items():
        if _is_platform(name):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)) and \
                            "# lazy:" not in lines[inner.end_lineno - 1] and "# lazy " not in lines[inner.end_lineno - 1]:
                        silent.append(f"{name}:{inner.lineno}: {lines[inner.lineno - 1].strip()}")
    assert silent == []
