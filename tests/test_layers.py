"""The package's layers (scripts/import_graph.py LAYERS): no module imports
a layer above its own, diff and workflow never import each other, and no
code outside watermark/languages/ compares a language name."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _graph_module():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_layer_imports_one_above_it():
    graph = _graph_module()
    g = graph.graph()
    assert len(g) > 40  # it found the package
    assert graph.violations(g) == []


def test_the_check_sees_an_upward_import():
    graph = _graph_module()
    g = {k: set(v) for k, v in graph.graph().items()}
    g["watermark.core.codes"].add("watermark.workflow.registry")
    g["watermark.diff.tree"].add("watermark.workflow.release")
    bad = graph.violations(g)
    assert any("watermark.core.codes -> watermark.workflow.registry" in b for b in bad)
    assert any("watermark.diff.tree -> watermark.workflow.release" in b for b in bad)


def test_no_language_name_is_compared_outside_the_languages_package():
    names = r"(go|javascript|js|typescript|tsx|python)"
    compare = re.compile(rf"""(==|!=|\bin)\s*\(?\s*["']{names}["']|["']{names}["']\s*(==|!=)""")
    found = []
    for path in sorted((ROOT / "watermark").rglob("*.py")):
        if "languages" in path.relative_to(ROOT / "watermark").parts[:1]:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if compare.search(line.split("#", 1)[0]):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []
    c_sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "csrc").glob("*.[ch]"))
    assert "WM_B_GO" not in c_sources
