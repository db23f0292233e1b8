"""The layout of the three packages, read from their source with ``ast`` (nothing is imported).

- imports flow one way: adjmat imports neither hwsim nor predefsparse, hwsim does not import predefsparse;
- no module of predefsparse is over 600 lines;
- no import circle inside a package: the graph of imports between a package's own modules (module level and
  inside functions alike; only ``if TYPE_CHECKING:`` blocks are left out) has no cycle;
- no private name crosses a package: a module of one package never imports a private (``_``) module or name of
  another package, nor reaches one as an attribute of what it imported from there (``adjmat._validation``,
  ``Pattern._trusted``); inside one package private modules are fine;
- the command-line modules rewrite no message: no ``re.sub``, no ``ContextVar``, no ``str(err).replace``
  (``cli/_errors.py`` names the flag from the error's own data, docs/README.md).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("adjmat", "hwsim", "predefsparse")
LAYER = {name: i for i, name in enumerate(PACKAGES)}   # a package may import only those before it
MAX_LINES = 600


@dataclass(frozen=True)
class Import:
    """One imported target: ``module`` (absolute, dotted), ``name`` (the imported name for ``from m import name``,
    else None), where it is written and whether it sits inside a function."""
    module: str
    name: str | None
    line: int


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the three packages."""
    found = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES.get(module, Path()).name == "__init__.py"


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(tree: ast.AST):
    """Every node, leaving out the bodies of ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _imports(module: str) -> list[Import]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module if _is_package(module) else module.rpartition(".")[0]
    found = []
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found += [Import(target, alias.name, node.lineno) for alias in node.names]
    return found


def _targets(imp: Import) -> list[str]:
    """The modules of the three packages that an import loads by name: ``from p import sub`` is the submodule
    ``p.sub`` when there is one, else the module ``p`` itself."""
    if imp.name is not None and f"{imp.module}.{imp.name}" in MODULES:
        return [f"{imp.module}.{imp.name}"]
    return [imp.module] if imp.module in MODULES else []


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def _where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(ROOT)}:{line}"


# ------------------------------------------------------------------------------------------ the checks
def layering_violations() -> list[str]:
    bad = []
    for module in MODULES:
        mine = module.split(".")[0]
        for imp in _imports(module):
            theirs = imp.module.split(".")[0]
            if theirs in LAYER and LAYER[theirs] > LAYER[mine]:
                bad.append(f"{_where(module, imp.line)}: {mine} imports {imp.module} (imports flow adjmat -> "
                           "hwsim -> predefsparse)")
    return bad


def size_violations() -> list[str]:
    bad = []
    for module, path in MODULES.items():
        if module.split(".")[0] != "predefsparse":
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            bad.append(f"{path.relative_to(ROOT)}: {lines} lines (at most {MAX_LINES})")
    return bad


def import_graph() -> dict[str, set[str]]:
    """module -> the modules of its own package that it imports (a module's own ancestors, which Python imports
    first anyway, are left out unless imported by name)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        top = module.split(".")[0]
        for imp in _imports(module):
            for target in _targets(imp):
                if target.split(".")[0] == top and target != module:
                    if imp.name is None and module.startswith(target + "."):
                        continue    # `import pkg.sub` from inside pkg: the ancestor is not a dependency
                    graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def circle_violations() -> list[str]:
    graph = import_graph()
    bad = []
    for comp in cycles(graph):
        edges = [f"{a} -> {b}" for a in comp for b in sorted(graph[a]) if b in comp]
        bad.append("import circle: " + "; ".join(edges))
    return bad


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the package module or name it is bound to by ``import x`` / ``import x.y as z`` /
    ``from x import y`` (y a module, a class, a function...)."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LAYER:
                    names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                        alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module \
                and node.module.split(".")[0] in LAYER:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def private_violations() -> list[str]:
    bad = []
    for module, path in MODULES.items():
        mine = module.split(".")[0]
        for imp in _imports(module):
            theirs = imp.module.split(".")[0]
            if theirs not in LAYER or theirs == mine:
                continue
            dotted = imp.module if imp.name is None else f"{imp.module}.{imp.name}"
            if _private(dotted):
                bad.append(f"{_where(module, imp.line)}: {mine} imports private {dotted}")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bad += [f"{_where(module, line)}: {mine} uses private {dotted}"
                for line, dotted in _private_attributes(tree, mine)]
    return bad


def _private_attributes(tree: ast.AST, mine: str) -> list[tuple[int, str]]:
    """``name._x`` where ``name`` was imported from another package than ``mine``."""
    aliases = {k: v for k, v in _aliases(tree).items() if v.split(".")[0] != mine}
    return sorted((node.lineno, f"{aliases[node.value.id]}.{node.attr}") for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
            and node.attr.startswith("_") and not node.attr.startswith("__"))


def _rewrites(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
            if any(n and (n == "contextvars" or n == "ContextVar") for n in names):
                found.append((node.lineno, "imports contextvars"))
        elif isinstance(node, ast.Attribute) and node.attr == "ContextVar":
            found.append((node.lineno, "uses ContextVar"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            if func.attr in ("sub", "subn") and isinstance(func.value, ast.Name) and func.value.id == "re":
                found.append((node.lineno, f"re.{func.attr}"))
            elif func.attr in ("sub", "subn") and not (isinstance(func.value, ast.Name)
                                                      and func.value.id in LAYER):
                found.append((node.lineno, f".{func.attr}() (a compiled pattern's substitution)"))
            elif func.attr == "replace" and isinstance(func.value, ast.Call) \
                    and isinstance(func.value.func, ast.Name) and func.value.func.id == "str":
                found.append((node.lineno, "str(...).replace()"))
    return found


def cli_rewrite_violations() -> list[str]:
    bad = []
    for module, path in MODULES.items():
        if not module.startswith("predefsparse.cli"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bad += [f"{_where(module, line)}: {what}" for line, what in _rewrites(tree)]
    return bad


# ------------------------------------------------------------------------------------------ the tests
def _report(bad: list[str], what: str) -> str:
    return f"{len(bad)} {what}:\n" + "\n".join(bad)


def test_the_walk_sees_the_packages():
    assert {"adjmat", "hwsim", "predefsparse", "predefsparse.cli"} <= set(MODULES)
    assert len(MODULES) > 40
    graph = import_graph()
    assert sum(len(v) for v in graph.values()) > 40, "the import scan found almost no imports"


def test_imports_flow_one_way():
    bad = layering_violations()
    assert not bad, _report(bad, "imports against the flow")


def test_no_predefsparse_module_over_600_lines():
    bad = size_violations()
    assert not bad, _report(bad, "modules too long")


def test_no_import_circle():
    bad = circle_violations()
    assert not bad, _report(bad, "import circles")


def test_no_private_name_crosses_a_package():
    bad = private_violations()
    assert not bad, _report(bad, "private names used across packages")


def test_cli_rewrites_no_message():
    bad = cli_rewrite_violations()
    assert not bad, _report(bad, "message rewrites in the command-line modules")


# ------------------------------------------------------------------------------------------ the checkers
def _tree(source: str) -> ast.AST:
    return ast.parse(source)


def test_cycle_finder_finds_a_circle_and_only_it():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_rewrite_finder_sees_each_form():
    source = ("import re\nfrom contextvars import ContextVar\nmsg = re.sub('a', 'b', str(e))\n"
              "PAT.sub('x', m)\nstr(err).replace('load:', '--x')\nv = contextvars.ContextVar('x')\n")
    kinds = sorted(what for _, what in _rewrites(_tree(source)))
    assert kinds == sorted(["imports contextvars", "re.sub", ".sub() (a compiled pattern's substitution)",
                            "str(...).replace()", "uses ContextVar"])
    assert _rewrites(_tree("import re\nm = re.fullmatch('a', s)\nx = s.replace('a', 'b')\n")) == []


@pytest.mark.parametrize("dotted, private", [("adjmat._validation", True), ("adjmat.validation.fail", False),
                                             ("adjmat.checks._x", True), ("adjmat.__version__", False)])
def test_private_names(dotted, private):
    assert _private(dotted) is private


def test_private_attribute_finder():
    source = ("import adjmat\nfrom adjmat import Pattern\nfrom hwsim import config as cfg\nfrom . import _mine\n"
              "adjmat._validation.fail()\nPattern._trusted(1)\ncfg._x\nadjmat.__version__\n_mine._ok\n")
    assert _private_attributes(_tree(source), "predefsparse") == [
        (5, "adjmat._validation"), (6, "adjmat.Pattern._trusted"), (7, "hwsim.config._x")]
    assert _private_attributes(_tree(source), "adjmat") == [(7, "hwsim.config._x")]
