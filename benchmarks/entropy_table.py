"""How much the fingerprints tell declarations apart, measured on the corpora.

Per declaration kind (Go functions, methods, types; JS functions, classes,
variable declarations): count, distinct fingerprints and collision rate
(1 - distinct/count: the share of declarations that repeat an earlier one)
and the empirical Shannon entropy in bits of the fingerprint distribution,
at each level (exact, renamed, skeleton). log2(count) is the ceiling: all
distinct.

    eval "$(scripts/corpora.sh)"
    python benchmarks/entropy_table.py
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict

from _corpora import load

import watermark

KINDS = {
    "go": {"function_declaration": "Go functions", "method_declaration": "Go methods",
           "type_spec": "Go types", "type_alias": "Go types"},
    "javascript": {"function_declaration": "JS functions", "generator_function_declaration": "JS functions",
                   "class_declaration": "JS classes", "lexical_declaration": "JS variable declarations",
                   "variable_declaration": "JS variable declarations"},
}
LEVELS = ("exact", "renamed", "skeleton")


def entropy(counts: Counter) -> float:
    total = sum(counts.values())
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def main() -> None:
    seen: dict[str, dict[str, Counter]] = defaultdict(lambda: {lvl: Counter() for lvl in LEVELS})
    for language, kinds in KINDS.items():
        for _path, data in load(language):
            for u in watermark.fingerprint(data, language=language).units:
                label = kinds.get(u.kind)
                if label is not None:
                    for lvl in LEVELS:
                        seen[label][lvl][getattr(u, lvl)] += 1
    print("| declarations | count | log2(count) | " + " | ".join(
        f"{lvl} distinct | {lvl} collision | {lvl} entropy bits" for lvl in LEVELS) + " |")
    print("|---|---:|---:|" + "---:|" * (3 * len(LEVELS)))
    for label, by_level in seen.items():
        n = sum(by_level["exact"].values())
        cells = []
        for lvl in LEVELS:
            c = by_level[lvl]
            cells += [f"{len(c):,}", f"{1 - len(c) / n:.1%}", f"{entropy(c):.2f}"]
        print(f"| {label} | {n:,} | {math.log2(n):.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
