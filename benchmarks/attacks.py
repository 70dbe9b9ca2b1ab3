"""Red team: what a leaker's keyless edits and colluders' merges do to trace.

A release of real Go, JavaScript, TypeScript and Python (Go stdlib
packages, npm packages of the corpora, rxjs sources, the json and email
packages of Python's standard library and Django's auth app; --languages
picks the parts) is marked, per code, for 8 recipients; 1,000 more
innocents are registered. Then, through the public API as the CLI calls it:

1. Single leaker: recipient-0's copy under every cheap disguise we know
   (issue 10's table and more). Per attack: accused?, the bound, carriers
   read, the best innocent's bound, innocents accused; for the whole copy
   and for each language's part of it leaked alone (go/, js/, ts/, py/).
   Comments are `#` in Python; odd line ends are the ones each language's
   own tools accept.
2. Collusion (--collusion 1; 0 skips it): the copies of c = 2, 3, 5, 8
   colluders merged by every strategy of tests/leaker.py (random, majority,
   minority, min, max, xor, interleave), at three sizes: the whole tree,
   one package (a directory of about 2,000 lines) and one file of about
   300 lines, the last two per language. Per code and cell: how many
   colluders are accused, and whether any innocent is.

    python3 benchmarks/attacks.py [--innocents 1000] [--collusion 1]
        [--languages go,javascript,typescript,python] [--json]

Needs the corpora and tools: eval "$(scripts/corpora.sh)".
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import leaker  # noqa: E402

import watermark  # noqa: E402

KEY = watermark.Key(bytes(range(140, 172)))
GO_PACKAGES = ["encoding/json", "text/template", "text/template/parse", "net/url", "bufio", "go/printer",
               "strings", "go/parser", "go/ast", "compress/flate", "image/png", "sort", "strconv"]
JS_PACKAGES = ["express/lib", "body-parser/lib", "send", "qs/lib", "three/src/math", "three/src/core",
               "lodash/fp"]
TS_PACKAGES = ["rxjs/src/internal", "rxjs/src/internal/observable", "rxjs/src/internal/scheduler"]
PY_PACKAGES = [("PY_STDLIB_SRC", "json"), ("PY_STDLIB_SRC", "email"), ("PY_CORPUS", "django/contrib/auth")]
# language -> (the part of the release tree, its files' suffix, the package of the collusion matrix)
PARTS = {"go": ("go", ".go", "go/encoding/json"), "javascript": ("js", ".js", "js/express/lib"),
         "typescript": ("ts", ".ts", "ts/rxjs/src/internal/observable"), "python": ("py", ".py", "py/json")}
COLLUDERS = [f"recipient-{k}" for k in range(8)]
SIZES = (2, 3, 5, 8)
LEVEL = 1e-9
SMALL_LEVEL = 1e-6  # the goal for a single 300-line file


def build_tree(root: Path, languages=("go", "javascript")) -> Path:
    """The release tree: go/<package>/*.go (no tests), js/<package>/*.js,
    ts/<package>/*.ts (no .d.ts, no tests) and py/<package>/*.py."""
    def copy(files, part: str, pkg: str) -> None:
        for f in files:
            (root / part / pkg).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, root / part / pkg / f.name)

    if "go" in languages:
        go = Path(os.environ["GO_STDLIB_SRC"])
        for pkg in GO_PACKAGES:
            copy([f for f in sorted((go / pkg).glob("*.go")) if not f.name.endswith("_test.go")], "go", pkg)
    if "javascript" in languages:
        js = Path(os.environ["JS_CORPUS"])
        for pkg in JS_PACKAGES:
            copy([f for f in sorted((js / pkg).glob("*.js")) if f.stat().st_size < 200_000], "js", pkg)
    if "typescript" in languages:
        ts = Path(os.environ["TS_CORPUS"])
        for pkg in TS_PACKAGES:
            copy([f for f in sorted((ts / pkg).glob("*.ts")) if not f.name.endswith((".d.ts", ".test.ts"))],
                 "ts", pkg)
    if "python" in languages:
        for env, pkg in PY_PACKAGES:
            copy(sorted((Path(os.environ[env]) / pkg).glob("*.py")), "py", pkg)
    return root


def _lines(tree: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in leaker.code_files(tree))


def release(tmp: Path, tree: Path, code: str, innocents: int) -> tuple[Path, Path, int]:
    """(copies, registry, carriers) of the release marked with `code`."""
    db = tmp / f"{code}.db"
    with watermark.Registry(db) as registry, \
            watermark.Release.analyse(tree, KEY, name=f"tree-{code}", code=code) as rel:
        rel.embed(COLLUDERS, tmp / f"copies-{code}", registry=registry, progress=False)
        registry.add_recipients(rel.name, [f"innocent-{k:04d}" for k in range(innocents)])
        return tmp / f"copies-{code}", db, rel.carriers


def verdict(suspect: Path, db: Path, guilty: list[str]) -> dict:
    started = time.perf_counter()
    report = watermark.trace(suspect, KEY, db, level=LEVEL, progress=False)
    accused = [s for s in report.accused]
    innocent = [s for s in report.ranking if s.recipient not in guilty]
    named = [s for s in accused if s.recipient in guilty]
    return {
        "accused": len(named), "of": len(guilty),
        "innocents accused": sum(1 for s in accused if s.recipient not in guilty),
        # the guilty's best bound, accused or not (only the accused have one at or below the level)
        "bound": min((s.log10_bound for s in report.ranking if s.recipient in guilty), default=0.0),
        "tests": sorted({s.test for s in named}),
        "best innocent": min((s.log10_bound for s in innocent), default=0.0),
        "carriers": report.carriers, "seconds": round(time.perf_counter() - started, 2),
    }


def _formatted(tree: Path) -> None:
    """gofmt, prettier and black over the copy, as a leaker's tidy-up."""
    go = [str(p) for p in leaker.code_files(tree) if p.suffix == ".go"]
    js = [str(p) for p in leaker.code_files(tree) if p.suffix in (".js", ".ts")]
    py = [str(p) for p in leaker.code_files(tree) if p.suffix == ".py"]
    if go:
        subprocess.run(["gofmt", "-w", *go], check=False, capture_output=True)
    if js:
        subprocess.run(["prettier", "--write", "--log-level", "silent", *js], check=False, capture_output=True)
    if py:
        subprocess.run(["black", "-q", *py], check=False, capture_output=True)


def _strip_blank_lines(tree: Path, share: float) -> None:
    import random
    rng = random.Random(7)
    for p in leaker.code_files(tree):
        rows = p.read_bytes().split(b"\n")
        p.write_bytes(b"\n".join(r for r in rows if r.strip() or rng.random() >= share))


def _complement(tree: Path) -> None:
    from watermark.backend import BACKEND
    for p in leaker.code_files(tree):
        src, gaps, bits = leaker._gap_states(p)
        p.write_bytes(BACKEND.set_bits(src, gaps, bytes(1 - b for b in bits))[0])


# odd line ends each language's own tools accept (go builds, node and tsc run, python imports)
CR_ENDS = {"go": b"\r\r\n", "javascript": b"\r", "typescript": b"\r", "python": b"\r"}
U2028_ENDS = {"javascript": "\u2028".encode(), "typescript": "\u2028".encode()}  # (not a line end in Python)
FF_ENDS = {"go": b"\v\n", "javascript": b"\f\n", "typescript": b"\f\n", "python": b"\f\n"}

ATTACKS = {
    "none": lambda t, tmp: t,
    "every eligible boundary complemented": lambda t, tmp: (_complement(t), t)[1],
    "complemented, then gofmt / prettier / black": lambda t, tmp: (_complement(t), _formatted(t), t)[2],
    "gofmt / prettier / black": lambda t, tmp: (_formatted(t), t)[1],
    "empty `//` line above every blank line": lambda t, tmp: (leaker.comment_above_blank_lines(t), t)[1],
    "`// ---` line above every blank line": lambda t, tmp: (leaker.comment_above_blank_lines(t, "// ---"), t)[1],
    "` //` after every line": lambda t, tmp: (leaker.comment_after_every_line(t), t)[1],
    "` // x` after every line": lambda t, tmp: (leaker.comment_after_every_line(t, "// x"), t)[1],
    "Go `\\r\\r\\n`, JS / TS / Python lone `\\r` line ends": lambda t, tmp: (
        leaker.line_ends(t, endings=CR_ENDS), t)[1],
    "JS / TS U+2028 line ends": lambda t, tmp: (leaker.line_ends(t, endings=U2028_ENDS), t)[1],
    "`\\f` (Go: `\\v`) before every newline": lambda t, tmp: (leaker.line_ends(t, endings=FF_ENDS), t)[1],
    "CRLF line ends": lambda t, tmp: (leaker.line_ends(t, b"\r\n", b"\r\n"), t)[1],
    "a NUL byte in a comment of every file": lambda t, tmp: (leaker.damaged_comment(t, b"\0"), t)[1],
    "an invalid UTF-8 byte in a comment of every file": lambda t, tmp: (leaker.damaged_comment(t, b"\xff"), t)[1],
    "`.js` to `.ts`, `.go` to `.go.txt` (`.ts`, `.py` get `.txt`)": lambda t, tmp: (
        leaker.rename_extensions(t), t)[1],
    "repacked as .tar.xz": lambda t, tmp: leaker.repack(t, tmp / "leak.tar.xz"),
    "JS bundled with a 17 MiB inline source map": lambda t, tmp: leaker.bundle(t, tmp / "bundle.js"),
    "half of the blank lines deleted": lambda t, tmp: (_strip_blank_lines(t, 0.5), t)[1],
    "every blank line deleted (erasure)": lambda t, tmp: (_strip_blank_lines(t, 1.0), t)[1],
}


def single_leaker(tmp: Path, copies: Path, db: Path, languages) -> dict:
    """Per attack: the verdict on the whole copy, and on each language's part
    of it alone (when the attack leaves a tree)."""
    out = {}
    for name, attack in ATTACKS.items():
        work = tmp / "single"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        shutil.copytree(copies / COLLUDERS[0], work / "leak")
        suspect = attack(work / "leak", work)
        out[name] = verdict(suspect, db, [COLLUDERS[0]])
        out[name]["parts"] = {lang: verdict(suspect / PARTS[lang][0], db, [COLLUDERS[0]]) for lang in languages
                              if suspect.is_dir() and (suspect / PARTS[lang][0]).is_dir()}
    return out


def _scales(languages) -> list[tuple[str, str | None]]:
    """(scale, language) of the collusion matrix: the tree, then a package
    and a file of each language."""
    return [("tree", None)] + [(scale, lang) for lang in languages for scale in ("package", "file")]


def _subtree(copy: Path, scale: str, tree: Path, language: str | None = "go") -> list[Path]:
    """The part of a copy a leak of `scale` holds (relative paths)."""
    files = [p.relative_to(tree) for p in leaker.code_files(tree)]
    if scale == "tree":
        return files
    part, suffix, package = PARTS[language or "go"]
    if scale == "package":
        return [p for p in files if p.parent == Path(package)]
    best = min(files, key=lambda p: abs((tree / p).read_bytes().count(b"\n") - 300)
               if p.suffix == suffix and p.parts[0] == part else 10**9)
    return [best]


def collusion(tmp: Path, tree: Path, copies: Path, db: Path, languages) -> dict:
    out: dict = {}
    for scale, language in _scales(languages):
        parts = _subtree(copies, scale, tree, language)
        label = scale if language is None else f"{scale} ({language})"
        lines = sum((tree / p).read_bytes().count(b"\n") for p in parts)
        row: dict = {"lines": lines}
        for c in SIZES:
            names = COLLUDERS[:c]
            views = []
            for n in names:  # each colluder's copy of this part only
                view = tmp / "views" / label / n
                if not view.exists():
                    for p in parts:
                        (view / p).parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(copies / n / p, view / p)
                views.append(view)
            for strategy in leaker.STRATEGIES:
                merged = tmp / "merged"
                shutil.rmtree(merged, ignore_errors=True)
                leaker.merge(views, merged, strategy, seed=c)
                row[f"{strategy}/{c}"] = verdict(merged, db, names)
        out[label] = row
    return out


def run(args) -> dict:
    languages = list(getattr(args, "languages", ["go", "javascript"]))
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        tree = build_tree(tmp / "src", languages)
        report: dict = {"lines": _lines(tree), "files": len(leaker.code_files(tree)), "innocents": args.innocents,
                        "languages": languages,
                        "parts": {lang: {"files": len(leaker.code_files(tree / PARTS[lang][0])),
                                         "lines": _lines(tree / PARTS[lang][0])} for lang in languages}}
        for code in ("unbiased", "tardos"):
            copies, db, carriers = release(tmp, tree, code, args.innocents)
            report[code] = {"carriers": carriers}
            if code == "unbiased":
                report[code]["single"] = single_leaker(tmp, copies, db, languages)
            report[code]["single, 300-line file"] = {
                lang: {**verdict(_one_file(tmp, copies, tree, lang), db, [COLLUDERS[0]]),
                       "file": _subtree(copies, "file", tree, lang)[0].as_posix()} for lang in languages}
            if getattr(args, "collusion", 1):
                report[code]["collusion"] = collusion(tmp, tree, copies, db, languages)
            shutil.rmtree(tmp / "views", ignore_errors=True)
        return report


def _one_file(tmp: Path, copies: Path, tree: Path, language: str = "go") -> Path:
    part = _subtree(copies, "file", tree, language)[0]
    out = tmp / "one" / language / part.name
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(copies / COLLUDERS[0] / part, out)
    return out


def _bound(x: float) -> str:
    return f"1e{x:.0f}" if x < 0 else "1"


def _cell(v: dict) -> str:
    wrong = f" !{v['innocents accused']}" if v["innocents accused"] else ""
    return f"{'yes' if v['accused'] else 'NO'} {_bound(v['bound'])} ({v['carriers']:,}){wrong}"


def render(report: dict) -> None:
    languages = report.get("languages", ["go", "javascript"])
    parts = ", ".join(f"{lang} {p['files']} files / {p['lines']:,} lines" for lang, p in report["parts"].items())
    print(f"release: {report['files']} files, {report['lines']:,} lines ({parts}); 8 recipients + "
          f"{report['innocents']:,} innocents registered; level {LEVEL:g}")
    print(f"carriers: unbiased {report['unbiased']['carriers']:,}, tardos {report['tardos']['carriers']:,}")
    print()
    print("| keyless edit of recipient-0's copy (unbiased code) | accused | bound | carriers read | best innocent |")
    print("|---|---|---:|---:|---:|")
    for name, v in report["unbiased"]["single"].items():
        print(f"| {name} | {'yes' if v['accused'] else 'NO'} | {_bound(v['bound'])} | {v['carriers']:,} | "
              f"{_bound(v['best innocent'])} |")
    print("\neach language's part of the copy leaked alone: accused, bound (carriers read); ! innocents accused")
    print("| keyless edit | " + " | ".join(languages) + " |")
    print("|---|" + "---|" * len(languages))
    for name, v in report["unbiased"]["single"].items():
        print(f"| {name} | " + " | ".join(_cell(v["parts"][lang]) if lang in v["parts"] else "-"
                                          for lang in languages) + " |")
    for code in ("unbiased", "tardos"):
        for lang, v in report[code]["single, 300-line file"].items():
            print(f"\n{code}: a single {lang} file of about 300 lines ({v['file']}) leaked by one recipient: "
                  f"{'named' if v['accused'] else 'NOT named'}, bound {_bound(v['bound'])} "
                  f"({'meets' if v['bound'] <= -6 else 'misses'} the 1e-6 goal), {v['carriers']} carriers")
    for code in ("unbiased", "tardos"):
        if "collusion" not in report[code]:
            continue
        print(f"\n{code}: colluders accused / colluders (innocents accused: none unless marked !)")
        coll = report[code]["collusion"]
        print("| size | strategy | " + " | ".join(f"c={c}" for c in SIZES) + " |")
        print("|---|---|" + "---:|" * len(SIZES))
        for scale, row in coll.items():
            for strategy in leaker.STRATEGIES:
                cells = []
                for c in SIZES:
                    v = row[f"{strategy}/{c}"]
                    wrong = f" !{v['innocents accused']}" if v["innocents accused"] else ""
                    cells.append(f"{v['accused']}/{c}{wrong}")
                print(f"| {scale} ({row['lines']:,} lines) | {strategy} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    import _corpora
    _corpora.main(__doc__, {"innocents": 1000, "collusion": 1}, run, render, with_languages=True)
