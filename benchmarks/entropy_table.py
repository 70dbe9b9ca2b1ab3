"""How much the fingerprints tell declarations apart, measured on the corpora.

Per declaration kind (Go functions, methods, types; JS functions, classes,
variable declarations; TypeScript functions, classes, interfaces, type
aliases, enums, methods; Python functions, classes, methods, decorated
definitions, a decorated definition being a unit of its own around the
function or class it decorates, which is counted too): count, distinct fingerprints and collision rate
(1 - distinct/count: the share of declarations that repeat an earlier one)
and the empirical Shannon entropy in bits of the fingerprint distribution,
at each level (exact, renamed, skeleton). log2(count) is the ceiling: all
distinct.

    eval "$(scripts/corpora.sh)"
    python benchmarks/entropy_table.py [--languages go,javascript,typescript,python] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from _corpora import add_languages, load

import watermark

KINDS = {
    "go": {"function_declaration": "Go functions", "method_declaration": "Go methods",
           "type_spec": "Go types", "type_alias": "Go types"},
    "javascript": {"function_declaration": "JS functions", "generator_function_declaration": "JS functions",
                   "class_declaration": "JS classes", "lexical_declaration": "JS variable declarations",
                   "variable_declaration": "JS variable declarations"},
    "typescript": {"function_declaration": "TS functions", "generator_function_declaration": "TS functions",
                   "function_signature": "TS functions", "class_declaration": "TS classes",
                   "abstract_class_declaration": "TS classes", "interface_declaration": "TS interfaces",
                   "type_alias_declaration": "TS type aliases", "enum_declaration": "TS enums",
                   "method_definition": "TS methods", "abstract_method_signature": "TS methods"},
    # function_definition: a method when its class body is the nearest unit
    # around it (past a decorated_definition); see _python_label
    "python": {"function_definition": "Python functions", "class_definition": "Python classes",
               "decorated_definition": "Python decorated definitions"},
}
LEVELS = ("exact", "renamed", "skeleton")


def entropy(counts: Counter) -> float:
    total = sum(counts.values())
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def _python_label(units: Sequence[Any], u: Any) -> str | None:
    """Python functions defined in a class body are methods."""
    label = KINDS["python"].get(u.kind)
    if u.kind == "function_definition":
        parent = units[u.parent] if u.parent is not None else None
        if parent is not None and parent.kind == "decorated_definition":
            parent = units[parent.parent] if parent.parent is not None else None
        if parent is not None and parent.kind == "class_definition":
            return "Python methods"
    return label


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_languages(ap)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    seen: dict[str, dict[str, Counter]] = defaultdict(lambda: {lvl: Counter() for lvl in LEVELS})
    for language in args.languages:
        kinds = KINDS[language]
        for _path, data in load(language):
            units = watermark.fingerprint(data, language=language).units
            for u in units:
                label = _python_label(units, u) if language == "python" else kinds.get(u.kind)
                if label is not None:
                    for lvl in LEVELS:
                        seen[label][lvl][getattr(u, lvl)] += 1
    rows = []
    print("| declarations | count | log2(count) | " + " | ".join(
        f"{lvl} distinct | {lvl} collision | {lvl} entropy bits" for lvl in LEVELS) + " |")
    print("|---|---:|---:|" + "---:|" * (3 * len(LEVELS)))
    for label, by_level in seen.items():
        n = sum(by_level["exact"].values())
        cells = []
        row: dict = {"declarations": label, "count": n, "log2 count": math.log2(n)}
        for lvl in LEVELS:
            c = by_level[lvl]
            cells += [f"{len(c):,}", f"{1 - len(c) / n:.1%}", f"{entropy(c):.2f}"]
            row |= {f"{lvl} distinct": len(c), f"{lvl} collision": 1 - len(c) / n, f"{lvl} entropy": entropy(c)}
        rows.append(row)
        print(f"| {label} | {n:,} | {math.log2(n):.2f} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
