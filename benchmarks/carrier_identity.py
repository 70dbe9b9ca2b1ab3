"""How often carrier identities repeat, and how many survive a cut, on the
real corpora.

For every error-free corpus file: its eligible boundaries (per 1,000 lines),
and how often identity inputs repeat within a file and across files, for the
chosen identity (the window A-, A, B, B+ of siblings around the boundary,
and its occurrence index) and for two simpler ones: the window alone, and
(A, B). Repeats are not wrong (equal identities carry equal bits and count
once) but each repeat is evidence lost. Then, for 150 files of 300-3,000
lines per corpus, a 300-line excerpt of each: the share of the excerpt's
boundaries whose identity is one of the whole file's (the rest read noise),
and the same after an edit (5 one-line statements written twice), for the
identity and for the one the first design used.

    python3 benchmarks/carrier_identity.py [--languages go,javascript,typescript,python] [--files 150]
        [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpora  # noqa: E402
from robustness import excerpt  # noqa: E402

import watermark  # noqa: E402
from watermark.backend import records as packed  # noqa: E402
from watermark.backend.reference.carriers import _content_end  # noqa: E402
from watermark.core import carriers as _carriers  # noqa: E402

# prefixes of the identity words (A, B, A-, B+, occurrence)
CHOICES = {"(A-, A, B, B+, occurrence)": 5, "(A-, A, B, B+)": 4, "(A, B)": 2}
STRIDE = _carriers.IDENTITY_WORDS
EDITABLE = {"expression_statement", "assignment_statement", "short_var_declaration", "lexical_declaration",
            "return_statement"}  # (Python's assignments are expression statements)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _corpora.add_languages(ap)
    ap.add_argument("--files", type=int, default=150, help="files of 300-3,000 lines per corpus for the excerpts")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    report: dict = {"repeats": [], "survival": []}
    print("| corpus | files | lines | eligible boundaries | per 1,000 lines | identity | "
          "repeats within a file | file identities also in another file |")
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for language in args.languages:
        files = lines = total = 0
        within = Counter()
        across = {name: Counter() for name in CHOICES}
        for _path, data in _corpora.load(language):
            fp = watermark.fingerprint(data, language=language)
            if fp.has_error:
                continue
            files += 1
            lines += data.count(b"\n")
            words = _carriers.boundaries(fp).words
            n = len(words) // STRIDE
            total += n
            for name, width in CHOICES.items():
                ids = {tuple(words[STRIDE * k:STRIDE * k + width]) for k in range(n)}
                within[name] += n - len(ids)
                across[name].update(ids)
        for name in CHOICES:
            counts = across[name]
            shared = sum(v for v in counts.values() if v > 1) / max(1, sum(counts.values()))
            print(f"| {language} | {files:,} | {lines:,} | {total:,} | {1000 * total / lines:.0f} | {name} | "
                  f"{100 * within[name] / max(1, total):.1f}% | {100 * shared:.1f}% |")
            report["repeats"].append({"language": language, "files": files, "lines": lines, "boundaries": total,
                                      "identity": name, "repeats within a file": within[name] / max(1, total),
                                      "shared with another file": shared})
    print("\n| identity | corpus | files | boundaries read | survive a 300-line excerpt "
          "| survive 5 duplicated statements |")
    print("|---|---|---:|---:|---:|---:|")
    for language in args.languages:
        rng = random.Random(5)
        files = [d for p, d in _corpora.load(language)
                 if 300 <= d.count(b"\n") <= 3000 and "testdata" not in p and not p.endswith(".min.js")]
        files = [d for d in rng.sample(files, min(args.files, len(files)))
                 if not watermark.fingerprint(d, language=language).has_error]
        seen, kept = Counter(), Counter()
        for data in files:
            whole = {name: set(ids) for name, ids in _identities(data, language).items()}
            for attack, leak in (("excerpt", excerpt(data, rng)), ("edit", _duplicate_statements(data, language, rng))):
                for name, ids in _identities(leak, language).items():
                    seen[attack, name] += len(ids)
                    kept[attack, name] += sum(1 for i in ids if i in whole[name])
        for name in ("window (A-, A, B, B+), the identity", "enclosing unit (A, B, P), for comparison"):
            print(f"| {name} | {language} | {len(files)} | {seen['excerpt', name]:,} | "
                  + " | ".join(f"{100 * kept[a, name] / max(1, seen[a, name]):.1f}%" for a in ("excerpt", "edit"))
                  + " |")
            report["survival"].append({"identity": name, "language": language, "files": len(files),
                                       "boundaries read": seen["excerpt", name],
                                       **{a: kept[a, name] / max(1, seen[a, name]) for a in ("excerpt", "edit")}})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)


def _identities(data: bytes, language: str) -> dict[str, list[tuple[int, ...]]]:
    """Per boundary: its identity words, and (for comparison) the identity
    the first design used: renamed A, B, the enclosing unit P, and the
    occurrence index of that triple."""
    fp = watermark.fingerprint(data, language=language)
    found = _carriers.boundaries(fp)
    words = found.words
    window = [tuple(words[k:k + STRIDE]) for k in range(0, len(words), STRIDE)]
    rows = list(fp.records_view())
    a_of = {}  # gap start (A's end) -> A's unit, for A's enclosing unit
    for row in rows:
        a_of.setdefault(_content_end(fp.source, row.start_byte, row.end_byte), row)
    for row in packed.units(fp.elements):  # (an element's gap starts at its end; its parent is the unit holding it)
        a_of.setdefault(row.end_byte, row)
    occurrences: Counter = Counter()
    enclosing = []
    for k, w in enumerate(window):
        parent = a_of[found.gaps[3 * k]].parent
        triple = (w[0], w[1], rows[parent].renamed if parent >= 0 else 0)
        enclosing.append((*triple, occurrences[triple]))
        occurrences[triple] += 1
    return {"window (A-, A, B, B+), the identity": window, "enclosing unit (A, B, P), for comparison": enclosing}


def _duplicate_statements(data: bytes, language: str, rng: random.Random, count: int = 5) -> bytes:
    """An edit: `count` random one-line statements written twice."""
    fp = watermark.fingerprint(data, language=language)
    lines = [u for u in fp.units if u.start_line == u.end_line and u.kind in EDITABLE]
    for u in sorted(rng.sample(lines, min(count, len(lines))), key=lambda u: -u.end_byte):
        start, end = data.rfind(b"\n", 0, u.start_byte) + 1, data.find(b"\n", u.end_byte)
        if end >= 0:
            data = data[:end + 1] + data[start:end + 1] + data[end + 1:]
    return data


if __name__ == "__main__":
    main()
