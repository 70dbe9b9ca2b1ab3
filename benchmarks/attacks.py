"""Red team: what a leaker's keyless edits and colluders' merges do to trace.

A release of real Go and JavaScript (Go stdlib packages and npm packages of
the corpora) is marked, per code, for 8 recipients; 1,000 more innocents are
registered. Then, through the public API as the CLI calls it:

1. Single leaker: recipient-0's copy under every cheap disguise we know
   (issue 10's table and more). Per attack: accused?, the bound, carriers
   read, the best innocent's bound, innocents accused.
2. Collusion: the copies of c = 2, 3, 5, 8 colluders merged by every
   strategy of tests/leaker.py (random, majority, minority, min, max, xor,
   interleave), at three sizes: the whole tree, one package (a directory
   of about 2,000 lines) and one file of about 300 lines. Per code and
   cell: how many colluders are accused, and whether any innocent is.

    python3 benchmarks/attacks.py [--innocents 1000] [--json]

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
COLLUDERS = [f"recipient-{k}" for k in range(8)]
SIZES = (2, 3, 5, 8)
LEVEL = 1e-9
SMALL_LEVEL = 1e-6  # the goal for a single 300-line file


def build_tree(root: Path) -> Path:
    """The release tree: go/<package>/*.go (no tests) and js/<package>/*.js."""
    go, js = Path(os.environ["GO_STDLIB_SRC"]), Path(os.environ["JS_CORPUS"])
    for pkg in GO_PACKAGES:
        for f in sorted((go / pkg).glob("*.go")):
            if not f.name.endswith("_test.go"):
                (root / "go" / pkg).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, root / "go" / pkg / f.name)
    for pkg in JS_PACKAGES:
        for f in sorted((js / pkg).glob("*.js")):
            if f.stat().st_size < 200_000:
                (root / "js" / pkg).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, root / "js" / pkg / f.name)
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
        "bound": min((s.log10_bound for s in named), default=0.0),
        "tests": sorted({s.test for s in named}),
        "best innocent": min((s.log10_bound for s in innocent), default=0.0),
        "carriers": report.carriers, "seconds": round(time.perf_counter() - started, 2),
    }


def _formatted(tree: Path) -> None:
    """gofmt and prettier over the copy, as a leaker's tidy-up."""
    go = [str(p) for p in leaker.code_files(tree) if p.suffix == ".go"]
    js = [str(p) for p in leaker.code_files(tree) if p.suffix == ".js"]
    if go:
        subprocess.run(["gofmt", "-w", *go], check=False, capture_output=True)
    if js:
        subprocess.run(["prettier", "--write", "--log-level", "silent", *js], check=False, capture_output=True)


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


ATTACKS = {
    "none": lambda t, tmp: t,
    "every eligible boundary complemented": lambda t, tmp: (_complement(t), t)[1],
    "complemented, then gofmt / prettier": lambda t, tmp: (_complement(t), _formatted(t), t)[2],
    "gofmt / prettier": lambda t, tmp: (_formatted(t), t)[1],
    "empty `//` line above every blank line": lambda t, tmp: (leaker.comment_above_blank_lines(t), t)[1],
    "`// ---` line above every blank line": lambda t, tmp: (leaker.comment_above_blank_lines(t, "// ---"), t)[1],
    "` //` after every line": lambda t, tmp: (leaker.comment_after_every_line(t), t)[1],
    "` // x` after every line": lambda t, tmp: (leaker.comment_after_every_line(t, "// x"), t)[1],
    "Go `\\r\\r\\n`, JS lone `\\r` line ends": lambda t, tmp: (leaker.line_ends(t, b"\r\r\n", b"\r"), t)[1],
    "JS U+2028 line ends": lambda t, tmp: (leaker.line_ends(t, b"\n", "\u2028".encode()), t)[1],
    "`\\f` / `\\v` before every newline": lambda t, tmp: (leaker.line_ends(t, b"\v\n", b"\f\n"), t)[1],
    "CRLF line ends": lambda t, tmp: (leaker.line_ends(t, b"\r\n", b"\r\n"), t)[1],
    "a NUL byte in a comment of every file": lambda t, tmp: (leaker.damaged_comment(t, b"\0"), t)[1],
    "an invalid UTF-8 byte in a comment of every file": lambda t, tmp: (leaker.damaged_comment(t, b"\xff"), t)[1],
    "`.js` to `.ts`, `.go` to `.go.txt`": lambda t, tmp: (leaker.rename_extensions(t), t)[1],
    "repacked as .tar.xz": lambda t, tmp: leaker.repack(t, tmp / "leak.tar.xz"),
    "JS bundled with a 17 MiB inline source map": lambda t, tmp: leaker.bundle(t, tmp / "bundle.js"),
    "half of the blank lines deleted": lambda t, tmp: (_strip_blank_lines(t, 0.5), t)[1],
    "every blank line deleted (erasure)": lambda t, tmp: (_strip_blank_lines(t, 1.0), t)[1],
}


def single_leaker(tmp: Path, copies: Path, db: Path) -> dict:
    out = {}
    for name, attack in ATTACKS.items():
        work = tmp / "single"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        shutil.copytree(copies / COLLUDERS[0], work / "leak")
        suspect = attack(work / "leak", work)
        out[name] = verdict(suspect, db, [COLLUDERS[0]])
    return out


def _subtree(copy: Path, scale: str, tree: Path) -> list[Path]:
    """The part of a copy a leak of `scale` holds (relative paths)."""
    files = [p.relative_to(tree) for p in leaker.code_files(tree)]
    if scale == "tree":
        return files
    if scale == "package":
        return [p for p in files if p.parent == Path("go/encoding/json")]
    best = min(files, key=lambda p: abs((tree / p).read_bytes().count(b"\n") - 300) if p.suffix == ".go" else 10**9)
    return [best]


def collusion(tmp: Path, tree: Path, copies: Path, db: Path) -> dict:
    out: dict = {}
    for scale in ("tree", "package", "file"):
        parts = _subtree(copies, scale, tree)
        lines = sum((tree / p).read_bytes().count(b"\n") for p in parts)
        row: dict = {"lines": lines}
        for c in SIZES:
            names = COLLUDERS[:c]
            views = []
            for n in names:  # each colluder's copy of this part only
                view = tmp / "views" / scale / n
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
        out[scale] = row
    return out


def run(args) -> dict:
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        tree = build_tree(tmp / "src")
        report: dict = {"lines": _lines(tree), "files": len(leaker.code_files(tree)), "innocents": args.innocents}
        for code in ("unbiased", "tardos"):
            copies, db, carriers = release(tmp, tree, code, args.innocents)
            report[code] = {"carriers": carriers}
            if code == "unbiased":
                report[code]["single"] = single_leaker(tmp, copies, db)
            report[code]["single, 300-line file"] = verdict(_one_file(tmp, copies, tree), db, [COLLUDERS[0]])
            report[code]["collusion"] = collusion(tmp, tree, copies, db)
            shutil.rmtree(tmp / "views", ignore_errors=True)
        return report


def _one_file(tmp: Path, copies: Path, tree: Path) -> Path:
    part = _subtree(copies, "file", tree)[0]
    out = tmp / "one" / part.name
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(copies / COLLUDERS[0] / part, out)
    return out


def _bound(x: float) -> str:
    return f"1e{x:.0f}" if x < 0 else "1"


def render(report: dict) -> None:
    print(f"release: {report['files']} files, {report['lines']:,} lines; 8 recipients + "
          f"{report['innocents']:,} innocents registered; level {LEVEL:g}")
    print(f"carriers: unbiased {report['unbiased']['carriers']:,}, tardos {report['tardos']['carriers']:,}")
    print()
    print("| keyless edit of recipient-0's copy (unbiased code) | accused | bound | carriers read | best innocent |")
    print("|---|---|---:|---:|---:|")
    for name, v in report["unbiased"]["single"].items():
        print(f"| {name} | {'yes' if v['accused'] else 'NO'} | {_bound(v['bound'])} | {v['carriers']:,} | "
              f"{_bound(v['best innocent'])} |")
    for code in ("unbiased", "tardos"):
        v = report[code]["single, 300-line file"]
        print(f"\n{code}: a single 300-line file leaked by one recipient: "
              f"{'named' if v['accused'] else 'NOT named'}, bound {_bound(v['bound'])} "
              f"({'meets' if v['bound'] <= -6 else 'misses'} the 1e-6 goal), {v['carriers']} carriers")
    for code in ("unbiased", "tardos"):
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
    _corpora.main(__doc__, {"innocents": 1000}, run, render)
