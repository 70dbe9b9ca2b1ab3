"""The package's import graph, by layer.

    python3 scripts/import_graph.py            # edges between layers (folders), with the modules behind each
    python3 scripts/import_graph.py --modules  # every module-to-module edge
    python3 scripts/import_graph.py --check    # exit 1 if a layer imports one above it (LAYERS)

A layer is a folder of watermark/ (a top-level module is its own layer).
Imports inside functions count; `if TYPE_CHECKING:` imports do not (they
are no dependency at run time).
"""
from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "watermark"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The watermark modules `path` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                up = up[:len(up) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            # `from PKG import MOD` depends on MOD; `from MOD import NAME` on MOD
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rsplit(".", 1)[0] if "." in name else ""
            if name and name != me:
                out.add(name)
    return out


def graph() -> dict[str, set[str]]:
    files = sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)
    modules = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, modules) for p in files}


def layer(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


def layers(g: dict[str, set[str]]) -> dict[tuple[str, str], set[str]]:
    """(from layer, to layer) -> the module edges behind it."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a, bs in g.items():
        for b in bs:
            if layer(a) != layer(b):
                out[(layer(a), layer(b))].add(f"{a} -> {b}")
    return out


# The layers from the bottom up: each may import only the ones before it.
# "watermark" is the package's __init__, the public API; the command line
# is built on it.
LAYERS = ("watermark.errors", "watermark.backend", "watermark.languages", "watermark.core", "watermark.io",
          "watermark.diff", "watermark.workflow", "watermark.demo", "watermark", "watermark.cli",
          "watermark.__main__")
# diff and workflow are side by side: neither imports the other.
PEERS = frozenset({("watermark.diff", "watermark.workflow"), ("watermark.workflow", "watermark.diff")})


def violations(g: dict[str, set[str]]) -> list[str]:
    """Module edges that go up the layers, or between peers, or from a
    layer LAYERS does not name."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    out = []
    for (a, b), edges in sorted(layers(g).items()):
        if a not in rank or b not in rank:
            out += [f"{e}  (layer {a if a not in rank else b} is not in LAYERS)" for e in sorted(edges)]
        elif rank[b] > rank[a] or (a, b) in PEERS:
            out += [f"{e}  ({a} may not import {b})" for e in sorted(edges)]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modules", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    g = graph()
    if args.check:
        bad = violations(g)
        for line in bad:
            print(line)
        return 1 if bad else 0
    if args.modules:
        for a in sorted(g):
            for b in sorted(g[a]):
                print(f"{a} -> {b}")
        return 0
    for (a, b), edges in sorted(layers(g).items()):
        print(f"{a} -> {b}  ({len(edges)}: {', '.join(sorted(e.split(' -> ')[0].rsplit('.', 1)[-1] for e in edges))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
