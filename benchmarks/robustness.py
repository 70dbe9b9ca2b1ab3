"""File-level robustness of the watermark vs. the seed design (baselines).

For sampled files of 300+ lines from both corpora, each marked for one
recipient, every attack is applied to the marked copy and the single file is
taken as the whole leak. Per attack: how often the recipient is accused at
1e-6, the median bound, the highest score among 1,000 innocent recipients
(and whether any innocent reaches 1e-9), and lines changed per 1,000 lines.
Then whole packages: 5 files of one Go package (or JS directory) as the
leak. Needs the corpora and tools: eval "$(../shared/corpora/fetch.sh)".

    python3 benchmarks/robustness.py [--files 60] [--innocents 1000] [--json]
"""
from __future__ import annotations

import random
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import tree_sitter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpora  # noqa: E402

import watermark  # noqa: E402
from watermark import _languages, baselines  # noqa: E402
from watermark._watermark import _density, _select, read_bits, set_bits  # noqa: E402

KEY = watermark.Key(bytes(range(100, 132)))
GUILTY = "recipient-0"
FORMATTER = {"go": ["gofmt"], "javascript": ["prettier", "--stdin-filepath", "x.js"]}
LOCAL_DECLARATIONS = {"go": ("short_var_declaration", "left"), "javascript": ("variable_declarator", "name")}


def _nodes(node, kinds=None):
    """The node and its descendants (of `kinds`, if given)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if kinds is None or n.type in kinds:
            yield n
        stack.extend(n.children)


def rename_locals(src: bytes, language: str) -> bytes:
    """Consistently rename every locally declared variable of the file."""
    lang = _languages.load(language)
    tree = tree_sitter.Parser(lang.ts_language).parse(src)
    kind, field = LOCAL_DECLARATIONS[language]
    names = set()
    for decl in _nodes(tree.root_node, {kind}):
        target = decl.child_by_field_name(field)
        if target is not None:
            names.update(n.text for n in _nodes(target, {"identifier"}))
    names -= {b"_", b"err"} if language == "go" else set()
    mapping = {name: b"r%d_%s" % (i, name) for i, name in enumerate(sorted(names))}
    edits = [(n.start_byte, n.end_byte, mapping[n.text]) for n in _nodes(tree.root_node, {"identifier"})
             if n.text in mapping]
    return _apply(src, edits)


def strip_comments(src: bytes, language: str) -> bytes:
    lang = _languages.load(language)
    tree = tree_sitter.Parser(lang.ts_language).parse(src)
    edits = []
    for node in _nodes(tree.root_node, {"comment"}):
        start, end = node.start_byte, node.end_byte
        line_start = src.rfind(b"\n", 0, start) + 1
        line_end = src.find(b"\n", end)
        if not src[line_start:start].strip() and not src[end:line_end if line_end >= 0 else len(src)].strip():
            start, end = line_start, (line_end + 1 if line_end >= 0 else len(src))  # whole line
        edits.append((start, end, b""))
    return _apply(src, edits)


def _apply(src: bytes, edits) -> bytes:
    out, pos = bytearray(), 0
    for start, end, text in sorted(edits):
        if start < pos:
            continue
        out += src[pos:start] + text
        pos = end
    return bytes(out + src[pos:])


def flip_carriers(src: bytes, language: str, fraction: float, rng: random.Random) -> bytes:
    """Toggle the blank line at a random `fraction` of the carriers."""
    fp = watermark.fingerprint(src, language=language)
    chosen = _select(fp, KEY, _density(None, language))
    bits = [bit ^ (rng.random() < fraction) for bit in read_bits(src, chosen.gaps)]
    return set_bits(src, chosen.gaps, bits)[0]


def formatted(src: bytes, language: str) -> bytes | None:
    result = subprocess.run(FORMATTER[language], input=src, capture_output=True)
    return result.stdout if result.returncode == 0 else None


ATTACKS = {
    "none": lambda src, lang, rng: src,
    "formatter": lambda src, lang, rng: formatted(src, lang),
    "rename locals": lambda src, lang, rng: rename_locals(src, lang),
    "strip comments": lambda src, lang, rng: strip_comments(src, lang),
    "10% carrier flips": lambda src, lang, rng: flip_carriers(src, lang, 0.10, rng),
    "formatter + rename + strip": lambda src, lang, rng: (
        lambda f: None if f is None else strip_comments(rename_locals(f, lang), lang))(formatted(src, lang)),
}


def ours(leak: bytes, language: str, innocents: list[str]):
    obs = watermark.extract(leak, KEY, language=language)
    guilty = watermark.verify(obs, KEY, GUILTY)
    best = max((watermark.verify(obs, KEY, r) for r in innocents), key=lambda v: v.score)
    return guilty.log10_bound, guilty.carriers, best.log10_bound


def seed_design(leak: bytes, language: str, innocents: list[str]):
    fp = watermark.fingerprint(leak, language=language)
    guilty = baselines.verify_fingerprint(fp, GUILTY)
    best = max((baselines.verify_fingerprint(fp, r) for r in innocents), key=lambda v: v.matches)
    return guilty.score.log10_bound, guilty.checked, best.score.log10_bound


def pick_files(language: str, count: int, rng: random.Random):
    files = [(p, d) for p, d in _corpora.load(language)
             if 300 <= d.count(b"\n") <= 3000 and "testdata" not in p and not p.endswith(".min.js")]
    files = [(p, d) for p, d in files if not watermark.fingerprint(d, language=language).has_error]
    return rng.sample(files, min(count, len(files)))


def run(args) -> dict:
    innocents = [f"innocent-{i}" for i in range(args.innocents)]
    report: dict = {}
    for language in ("go", "javascript"):
        rng = random.Random(f"robustness-{language}")  # one stream per corpus: same sample whatever the other does
        files = pick_files(language, args.files, rng)
        rows: dict = defaultdict(lambda: defaultdict(list))
        lines = changed_ours = changed_seed = 0
        for path, data in files:
            lines += data.count(b"\n")
            marked = watermark.embed(data, KEY, GUILTY, language=language)
            changed_ours += marked.lines_added + marked.lines_removed
            seed_marked = baselines.embed(data, GUILTY, language=language)
            changed_seed += seed_marked.count(b"\n") - data.count(b"\n")
            for attack, fn in ATTACKS.items():
                for scheme, copy, scorer in (("ours", marked.source, ours), ("seed design", seed_marked, seed_design)):
                    leak = fn(copy, language, rng)
                    if leak is None:  # the formatter rejected the input
                        continue
                    rows[(attack, scheme)]["result"].append(scorer(leak, language, innocents))
        table = []
        for (attack, scheme), r in rows.items():
            results = r["result"]
            table.append({
                "attack": attack, "scheme": scheme, "files": len(results),
                "median carriers": statistics.median(c for _, c, _ in results),
                "accused at 1e-6": sum(b <= -6 for b, _, _ in results) / len(results),
                "median log10 bound": statistics.median(b for b, _, _ in results),
                "worst log10 bound": max(b for b, _, _ in results),
                "best innocent log10 bound": min(i for _, _, i in results),
                "innocents accused at 1e-9": sum(i <= -9 for _, _, i in results),
            })
        report[language] = {
            "files": len(files), "lines": lines,
            "lines changed per 1000 (ours)": 1000 * changed_ours / lines,
            "lines changed per 1000 (seed design)": 1000 * changed_seed / lines,
            "single files": table,
            "packages": packages(language, args, innocents),
        }
    return report


def packages(language: str, args, innocents: list[str]) -> dict:
    """Leaks of 5 files from one directory, formatted: the bound on the recipient."""
    by_dir = defaultdict(list)
    for path, data in _corpora.load(language):
        if "testdata" not in path and not path.endswith(".min.js") and 100 <= data.count(b"\n") <= 3000:
            by_dir[str(Path(path).parent)].append(data)
    dirs = sorted(d for d, fs in by_dir.items() if len(fs) >= 5)
    rng = random.Random(2)
    bounds, best_innocent, carriers = [], 0.0, []
    for d in rng.sample(dirs, min(args.packages, len(dirs))):
        obs = watermark.Observations()
        for data in rng.sample(by_dir[d], 5):
            leak = formatted(watermark.embed(data, KEY, GUILTY, language=language).source, language)
            if leak is not None:
                obs = obs + watermark.extract(leak, KEY, language=language)
        v = watermark.verify(obs, KEY, GUILTY)
        bounds.append(v.log10_bound)
        carriers.append(v.carriers)
        best_innocent = min(best_innocent, min(watermark.verify(obs, KEY, r).log10_bound for r in innocents[:200]))
    return {"packages": len(bounds), "median carriers": statistics.median(carriers),
            "accused at 1e-12": sum(b <= -12 for b in bounds) / len(bounds),
            "worst log10 bound": max(bounds), "best innocent log10 bound (200 innocents)": best_innocent}


def render(report: dict) -> None:
    for language, r in report.items():
        print(f"\n{language}: {r['files']} files, {r['lines']:,} lines; lines changed per 1,000: "
              f"ours {r['lines changed per 1000 (ours)']:.1f}, seed design {r['lines changed per 1000 (seed design)']:.1f}")
        print("| attack | scheme | files | median carriers | accused at 1e-6 | median log10 bound | worst log10 bound "
              "| best of 1,000 innocents (log10 bound) | innocents accused at 1e-9 |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for row in r["single files"]:
            print(f"| {row['attack']} | {row['scheme']} | {row['files']} | {row['median carriers']:.0f} | "
                  f"{100 * row['accused at 1e-6']:.0f}% | {row['median log10 bound']:.1f} | "
                  f"{row['worst log10 bound']:.1f} | {row['best innocent log10 bound']:.1f} | "
                  f"{row['innocents accused at 1e-9']} |")
        p = r["packages"]
        print(f"\npackages of 5 files, formatted: {p['packages']} packages, median {p['median carriers']:.0f} carriers, "
              f"accused at 1e-12: {100 * p['accused at 1e-12']:.0f}%, worst log10 bound {p['worst log10 bound']:.1f}, "
              f"best innocent log10 bound {p['best innocent log10 bound (200 innocents)']:.1f}")


if __name__ == "__main__":
    _corpora.main(__doc__, {"files": 60, "innocents": 1000, "packages": 40}, run, render)
