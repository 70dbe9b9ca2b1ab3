"""File-level robustness of the watermark vs. the seed design (baselines).

For sampled files of 300+ lines from each corpus (--languages: Go, JS,
TypeScript, Python by default), each marked for one recipient, every attack
is applied to the marked copy and the result is taken as the whole leak:
the single file, or a 300-line excerpt of it. Per attack: how often the
recipient is accused at 1e-6, the median bound, the best bound among 1,000
innocent recipients (and whether any innocent reaches 1e-9), and lines
changed per 1,000 lines; the code files still short of 1e-6 unattacked and
after formatter + rename + strip. Then whole packages: 5 error-free files
of one Go package (or JS, TypeScript or Python directory) as the leak.
Last, the footprint / evidence trade-off: the same files marked at several
carrier densities.

Files are classed as *code*, *generated* (a Go `DO NOT EDIT` header; in
Python a `#` comment near the top saying DO NOT EDIT or auto-generated) or
*data* (over half of the bytes in comments or string literals: doc.go
files, shaders and stylesheets in template literals, docstring-heavy
Python modules). Blank lines between statements cannot mark a file with
(almost) no statements, so the goals are reported for code files, and the
rest is shown beside them.

    python3 benchmarks/robustness.py [--files 80] [--innocents 1000] [--packages 40]
        [--languages go,javascript,typescript,python] [--only PATH_END ...] [--json]

Formatters: gofmt, prettier (x.js, x.ts), black. Renaming: Go's `:=`
variables, JS and TypeScript `let`/`const`/`var` declarators, and the
variables each Python function's own body assigns, renamed within that
function (not its parameters, not global or nonlocal names, never an
attribute, a keyword argument's name or an imported name). The seed design
(baselines.py) is defined for Go and JS only: TypeScript and Python get no
seed-design rows.

Needs the corpora and tools: eval "$(scripts/corpora.sh)".
"""
from __future__ import annotations

import random
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import tree_sitter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpora  # noqa: E402
import baselines  # noqa: E402

import watermark  # noqa: E402
from watermark import languages as _languages  # noqa: E402
from watermark.backend import BACKEND  # noqa: E402
from watermark.core.codes import SCHEME  # noqa: E402
from watermark.core.marks import _select, density_for  # noqa: E402

KEY = watermark.Key(bytes(range(100, 132)))
GUILTY = "recipient-0"
FORMATTER = {"go": ["gofmt"], "javascript": ["prettier", "--stdin-filepath", "x.js"],
             "typescript": ["prettier", "--stdin-filepath", "x.ts"], "python": ["black", "-q", "-"]}
# (declaration kind, field of the declared names); Python: assignments in a function body
LOCAL_DECLARATIONS = {"go": ("short_var_declaration", "left"), "javascript": ("variable_declarator", "name"),
                      "typescript": ("variable_declarator", "name"), "python": ("assignment", "left")}
LITERALS = {"comment", "interpreted_string_literal", "raw_string_literal", "string", "template_string"}
GENERATED = re.compile(rb"^//.*\bDO NOT EDIT\b", re.M)
PY_GENERATED = re.compile(rb"^#.*(\bDO NOT EDIT\b|\b[Aa]uto-?generated\b|\b[Gg]enerated by\b)", re.M)
EXCERPT_LINES = 300
DENSITIES = (0.25, 0.5, 0.75, 1.0)


def _nodes(node, kinds=None):
    """The node and its descendants (of `kinds`, if given)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if kinds is None or n.type in kinds:
            yield n
        stack.extend(n.children)


def _parse(src: bytes, language: str):
    return tree_sitter.Parser(_languages.get(language).tables.ts_language).parse(src)


def file_class(src: bytes, language: str) -> str:
    """code, generated (a `DO NOT EDIT` comment before the code) or data
    (over half of the bytes in comments and string literals)."""
    head = src[:src.find(b"\npackage ") + 1] if language == "go" else src[:2000]
    if (PY_GENERATED if language == "python" else GENERATED).search(head):
        return "generated"
    literal, stack = 0, [_parse(src, language).root_node]
    while stack:
        n = stack.pop()
        if n.type in LITERALS:
            literal += n.end_byte - n.start_byte
        else:
            stack.extend(n.children)
    return "data" if 2 * literal > len(src) else "code"


def rename_locals(src: bytes, language: str) -> bytes:
    """Consistently rename every locally declared variable of the file."""
    tree = _parse(src, language)
    kind, field = LOCAL_DECLARATIONS[language]
    if language == "python":  # scope by scope
        return _apply(src, _py_rename_locals(tree.root_node, kind, field))
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


def _py_rename_locals(root, kind: str, field: str) -> list:
    """Python, scope by scope: the names a function's own body assigns (not
    its parameters, not those it declares global or nonlocal, not those of
    nested functions or classes), renamed in that function (nested
    functions included: closures read them)."""
    edits = []
    for fn in _nodes(root, {"function_definition"}):
        body = fn.child_by_field_name("body")
        if body is None:
            continue
        params = fn.child_by_field_name("parameters")
        excluded = {n.text for n in _nodes(params, {"identifier"})} if params is not None else set()
        names = set()
        stack = list(body.children)
        while stack:
            n = stack.pop()
            if n.type in ("function_definition", "class_definition", "lambda"):
                continue  # a scope of its own
            if n.type in ("global_statement", "nonlocal_statement"):
                excluded.update(c.text for c in _nodes(n, {"identifier"}))
            if n.type == kind:
                target = n.child_by_field_name(field)
                if target is not None:
                    names.update(_py_targets(target))
            stack.extend(n.children)
        names = {n for n in names - excluded if n not in (b"_", b"self", b"cls") and not n.startswith(b"__")}
        mapping = {name: b"r%d_%s" % (i, name) for i, name in enumerate(sorted(names))}
        edits += [(n.start_byte, n.end_byte, mapping[n.text]) for n in _py_names(body) if n.text in mapping]
    return edits


def _py_targets(target):
    """The names a Python assignment target binds (`a`, `a, (b, c)`, `[a, *b]`),
    not those of `x.a` or `x[a]`."""
    if target.type == "identifier":
        yield target.text
    elif target.type in ("pattern_list", "tuple_pattern", "list_pattern", "list_splat_pattern"):
        for child in target.named_children:
            yield from _py_targets(child)


def _py_names(root):
    """The identifiers of a Python tree that name variables: not an attribute
    (`x.name`), a keyword argument's name (`f(name=1)`) or a name in an
    import statement."""
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type in ("import_statement", "import_from_statement", "future_import_statement"):
            continue
        if n.type == "identifier":
            parent = n.parent
            if parent is not None and parent.type in ("attribute", "keyword_argument"):
                named = parent.child_by_field_name("attribute" if parent.type == "attribute" else "name")
                if named is not None and named.start_byte == n.start_byte:
                    continue
            yield n
        stack.extend(n.children)


def strip_comments(src: bytes, language: str) -> bytes:
    edits = []
    for node in _nodes(_parse(src, language).root_node, {"comment"}):
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


def flip_carriers(src: bytes, language: str, fraction: float, rng: random.Random,
                  density: float | None = None) -> bytes:
    """Toggle the blank line at a random `fraction` of the carriers."""
    fp = watermark.fingerprint(src, language=language)
    chosen = _select(fp, KEY, density_for(density, language), SCHEME)
    bits = bytes(bit ^ (rng.random() < fraction) for bit in BACKEND.read_bits(src, chosen.gaps))
    return BACKEND.set_bits(src, chosen.gaps, bits)[0]


def excerpt(src: bytes, rng: random.Random) -> bytes:
    """EXCERPT_LINES consecutive lines from a random place (cut mid-function
    as often as not: units cut open have syntax errors and carry nothing)."""
    lines = src.split(b"\n")
    start = rng.randrange(max(1, len(lines) - EXCERPT_LINES + 1))
    return b"\n".join(lines[start:start + EXCERPT_LINES])


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
    f"{EXCERPT_LINES}-line excerpt": lambda src, lang, rng: excerpt(src, rng),
}


def ours(leak: bytes, language: str, innocents: list[str], density: float | None = None):
    obs = watermark.extract(leak, KEY, language=language, density=density)
    guilty = watermark.verify(obs, KEY, GUILTY)
    best = min((watermark.verify(obs, KEY, r).log10_bound for r in innocents), default=0.0)
    return guilty.log10_bound, guilty.carriers, best


def seed_design(leak: bytes, language: str, innocents: list[str]):
    fp = watermark.fingerprint(leak, language=language)
    guilty = baselines.verify_fingerprint(fp, GUILTY)
    best = max((baselines.verify_fingerprint(fp, r) for r in innocents), key=lambda v: v.matches)
    return guilty.score.log10_bound, guilty.checked, best.score.log10_bound


def pick_files(language: str, count: int, rng: random.Random, only: list[str] | None = None):
    """(path, bytes, class) of `count` error-free files of 300-3,000 lines
    (with `only`, every such file whose path ends with one of them)."""
    files = [(p, d) for p, d in _corpora.load(language)
             if 300 <= d.count(b"\n") <= 3000 and "testdata" not in p and not p.endswith(".min.js")
             and "/lib2to3/tests/data/" not in p and (not only or any(p.endswith(o) for o in only))]
    files = [(p, d) for p, d in files if not watermark.fingerprint(d, language=language).has_error]
    if only:
        return [(p, d, file_class(d, language)) for p, d in files]
    return [(p, d, file_class(d, language)) for p, d in rng.sample(files, min(count, len(files)))]


def _share(values, test) -> float | None:
    values = list(values)
    return sum(1 for v in values if test(v)) / len(values) if values else None


def run(args) -> dict:
    innocents = [f"innocent-{i}" for i in range(args.innocents)]
    report: dict = {}
    for language in getattr(args, "languages", ("go", "javascript")):
        seed = language in baselines.DECLARATIONS  # the seed design knows Go and JS
        rng = random.Random(f"robustness-{language}")  # one stream per corpus: same sample whatever the other does
        files = pick_files(language, args.files, rng, getattr(args, "only", None))
        rows: dict = defaultdict(list)  # (attack, scheme) -> (class, log10 bound, carriers, best innocent)
        lines = changed_ours = changed_seed = 0
        files_formatted: list[str] = []  # (the files the formatter took, in order)
        for i, (path, data, cls) in enumerate(files):
            lines += data.count(b"\n")
            marked = watermark.embed(data, KEY, GUILTY, language=language)
            changed_ours += marked.lines_added + marked.lines_removed
            schemes = [("ours", marked.source, ours)]
            if seed:
                seed_marked = baselines.embed(data, GUILTY, language=language)
                changed_seed += seed_marked.count(b"\n") - data.count(b"\n")
                schemes.append(("seed design", seed_marked, seed_design))
            for attack, fn in ATTACKS.items():
                for scheme, copy, scorer in schemes:
                    # (one stream per file and attack: which excerpt a file gives does not depend on how
                    # many carriers an earlier attack drew for)
                    leak = fn(copy, language, random.Random(f"robustness-{language}-{i}-{attack}"))
                    if leak is None:  # the formatter rejected the input
                        continue
                    if (attack, scheme) == ("formatter + rename + strip", "ours"):
                        files_formatted.append(path)
                    rows[(attack, scheme)].append((cls, *scorer(leak, language, innocents)))
        table = []
        for (attack, scheme), results in rows.items():
            code = [r for r in results if r[0] == "code"]
            table.append({
                "attack": attack, "scheme": scheme, "files": len(results), "code files": len(code),
                "median carriers": statistics.median(r[2] for r in results),
                "accused at 1e-6 (code files)": _share((r[1] for r in code), lambda b: b <= -6),
                "accused at 1e-6 (all files)": _share((r[1] for r in results), lambda b: b <= -6),
                "median log10 bound (code files)": statistics.median(r[1] for r in code),
                "worst log10 bound (code files)": max(r[1] for r in code),
                "best innocent log10 bound": min(r[3] for r in results),
                "innocents accused at 1e-9": sum(r[3] <= -9 for r in results),
            })
        classes = defaultdict(int)
        for _p, _d, cls in files:
            classes[cls] += 1
        report[language] = {
            "files": len(files), "innocents": args.innocents, "classes": dict(classes), "lines": lines,
            "lines changed per 1000 (ours)": 1000 * changed_ours / lines,
            "lines changed per 1000 (seed design)": 1000 * changed_seed / lines if seed else None,
            "single files": table,
            "short of 1e-6 (code files, no attack)": [
                (Path(p).name, d.count(b"\n"), c) for (p, d, cls), (_cls, b, c, _i)
                in zip(files, rows[("none", "ours")]) if cls == "code" and b > -6],
            "short of 1e-6 (code files, formatter + rename + strip)": _short(
                files, rows[("formatter + rename + strip", "ours")], files_formatted),
            "packages": packages(language, args, innocents),
            "densities": densities(language, files),
        }
    return report


def _short(files, results, paths: list[str]) -> list:
    """(name, lines, carriers, log10 bound) of the code files short of 1e-6 among `results`."""
    data = {p: (d, cls) for p, d, cls in files}
    return [(Path(p).name, data[p][0].count(b"\n"), c, round(b, 1)) for p, (cls, b, c, _i) in zip(paths, results)
            if cls == "code" and b > -6]


def packages(language: str, args, innocents: list[str]) -> dict:
    """Leaks of 5 error-free files from one directory, formatted: the bound on
    the recipient."""
    by_dir = defaultdict(list)
    for path, data in _corpora.load(language):
        if "testdata" not in path and not path.endswith(".min.js") and 100 <= data.count(b"\n") <= 3000 \
                and "/lib2to3/tests/data/" not in path \
                and not watermark.fingerprint(data, language=language).has_error:  # (left unmarked)
            by_dir[str(Path(path).parent)].append(data)
    dirs = sorted(d for d, fs in by_dir.items() if len(fs) >= 5)
    rng = random.Random(2)
    rows = []
    for d in rng.sample(dirs, min(args.packages, len(dirs))):
        obs, classes = watermark.Observations(), []
        for data in rng.sample(by_dir[d], 5):
            classes.append(file_class(data, language))
            leak = formatted(watermark.embed(data, KEY, GUILTY, language=language).source, language)
            if leak is not None:
                obs = obs + watermark.extract(leak, KEY, language=language)
        v = watermark.verify(obs, KEY, GUILTY)
        best = min(watermark.verify(obs, KEY, r).log10_bound for r in innocents[:200])
        rows.append((classes.count("code") >= 3, v.log10_bound, v.carriers, best))
    code = [r for r in rows if r[0]]
    if not rows:  # (--packages 0)
        return {"packages": 0}
    return {"packages": len(rows), "mostly code": len(code),
            "median carriers": statistics.median(r[2] for r in rows),
            "accused at 1e-12 (mostly code)": _share((r[1] for r in code), lambda b: b <= -12),
            "accused at 1e-12 (all)": _share((r[1] for r in rows), lambda b: b <= -12),
            "worst log10 bound (mostly code)": max((r[1] for r in code), default=None),
            "best innocent log10 bound (200 innocents)": min(r[3] for r in rows)}


def densities(language: str, files) -> list[dict]:
    """Footprint against evidence: the code files marked at each density."""
    code = [d for _p, d, cls in files if cls == "code"]
    lines = sum(d.count(b"\n") for d in code)
    out = []
    for density in DENSITIES:
        changed, results = 0, defaultdict(list)
        for i, data in enumerate(code):
            marked = watermark.embed(data, KEY, GUILTY, language=language, density=density)
            changed += marked.lines_added + marked.lines_removed
            flips, cut = (random.Random(f"densities-{language}-{i}-{a}") for a in ("flips", "excerpt"))
            for attack, leak in (("none", marked.source),
                                 ("10% carrier flips", flip_carriers(marked.source, language, 0.1, flips, density)),
                                 ("excerpt", excerpt(marked.source, cut))):
                results[attack].append(ours(leak, language, [], density)[:2])
        out.append({"density": density, "lines changed per 1000": 1000 * changed / lines,
                    "median carriers": statistics.median(c for _b, c in results["none"]),
                    **{f"accused at 1e-6 ({a})": _share((b for b, _c in r), lambda b: b <= -6)
                       for a, r in results.items()}})
    return out


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def render(report: dict) -> None:
    for language, r in report.items():
        classes = ", ".join(f"{n} {c}" for c, n in sorted(r["classes"].items()))
        seed = r["lines changed per 1000 (seed design)"]
        print(f"\n{language}: {r['files']} files ({classes}), {r['lines']:,} lines; lines changed per 1,000: "
              f"ours {r['lines changed per 1000 (ours)']:.1f}, "
              f"seed design {'-' if seed is None else f'{seed:.1f}'}")
        print("| attack | scheme | median carriers | accused at 1e-6: code files | all files "
              "| median log10 bound (code) | worst log10 bound (code) "
              f"| best of {r.get('innocents', 1000):,} innocents (log10 bound) | innocents accused at 1e-9 |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for row in r["single files"]:
            print(f"| {row['attack']} | {row['scheme']} | {row['median carriers']:.0f} | "
                  f"{_pct(row['accused at 1e-6 (code files)'])} | {_pct(row['accused at 1e-6 (all files)'])} | "
                  f"{row['median log10 bound (code files)']:.1f} | {row['worst log10 bound (code files)']:.1f} | "
                  f"{row['best innocent log10 bound']:.1f} | {row['innocents accused at 1e-9']} |")
        short = r["short of 1e-6 (code files, no attack)"]
        print("\ncode files short of 1e-6 unattacked: " +
              (", ".join(f"{name} ({n} lines, {c} carriers)" for name, n, c in short) or "none"))
        after = r.get("short of 1e-6 (code files, formatter + rename + strip)", [])
        print("code files short of 1e-6 after formatter + rename + strip: " +
              (", ".join(f"{name} ({n} lines, {c} carriers, 1e{b})" for name, n, c, b in after) or "none"))
        p = r["packages"]
        if p["packages"]:
            worst = p["worst log10 bound (mostly code)"]
            print(f"\npackages of 5 files, formatted: {p['packages']} packages ({p['mostly code']} mostly code), "
                  f"median {p['median carriers']:.0f} carriers, accused at 1e-12: "
                  f"{_pct(p['accused at 1e-12 (mostly code)'])} of mostly-code packages "
                  f"(worst log10 bound {'-' if worst is None else f'{worst:.1f}'}), "
                  f"{_pct(p['accused at 1e-12 (all)'])} of all; best innocent log10 bound "
                  f"{p['best innocent log10 bound (200 innocents)']:.1f}")
        print("\n| density | lines changed per 1,000 | median carriers | accused at 1e-6: no attack "
              "| 10% carrier flips | 300-line excerpt |")
        print("|---:|---:|---:|---:|---:|---:|")
        for d in r["densities"]:
            print(f"| {d['density']:g} | {d['lines changed per 1000']:.1f} | {d['median carriers']:.0f} | "
                  f"{_pct(d['accused at 1e-6 (none)'])} | {_pct(d['accused at 1e-6 (10% carrier flips)'])} | "
                  f"{_pct(d['accused at 1e-6 (excerpt)'])} |")


def _only(parser) -> None:
    parser.add_argument("--only", action="append", metavar="PATH_END",
                        help="instead of a sample, the corpus files whose path ends so (repeatable)")


if __name__ == "__main__":
    _corpora.main(__doc__, {"files": 80, "innocents": 1000, "packages": 40}, run, render, with_languages=True,
                  extra=_only)
