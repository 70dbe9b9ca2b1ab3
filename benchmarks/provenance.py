"""Provenance when the marks are gone, on the corpora: every attack of
issue 13 on a marked copy of a release, and unrelated trees as negative
controls; Dolos side by side when it can be installed.

    python3 benchmarks/provenance.py [--dolos]

Releases: Go, x/tools' go/ and internal/ packages (Debian's Go sources,
/usr/share/gocode); JavaScript, lodash's modules and express' lib/. Each is
marked for one recipient; each attack is applied to that copy and traced.
Reported per attack: release named (provenance names it and calls the
suspect derived), the median similarity of the leaked files, and the share
of leaked files mapped to their own release file. Negative controls: Go
stdlib packages x/tools resembles (go/ast, go/parser, go/types, bytes,
strings, ...) and JS packages of other authors (three's math, jquery's src,
qs, body-parser); for each, whether it is called derived and its best file
similarity.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mutator  # noqa: E402
import robustness  # noqa: E402

import watermark  # noqa: E402

KEY = watermark.Key(bytes(range(32)))
GOCODE = Path("/usr/share/gocode/src")


def releases() -> dict[str, list[tuple[Path, Path]]]:
    """language -> (root, file) pairs of the release."""
    tools = GOCODE / "golang.org/x/tools"
    go = [(tools, p) for sub in ("go", "internal") for p in sorted((tools / sub).rglob("*.go"))
          if "testdata" not in p.parts and not p.name.endswith("_test.go")]
    js_root = Path(os.environ["JS_CORPUS"])
    js = [(js_root, p) for p in sorted((js_root / "lodash").glob("*.js")) if not p.name.endswith(".min.js")
          and p.name not in ("lodash.js", "core.js", "fp.js")]
    js += [(js_root, p) for p in sorted((js_root / "express" / "lib").rglob("*.js"))]
    return {"go": go, "javascript": js}


def negatives() -> dict[str, list[tuple[str, list[tuple[Path, Path]]]]]:
    std = Path(os.environ["GO_STDLIB_SRC"])
    js_root = Path(os.environ["JS_CORPUS"])

    def pkg(root: Path, sub: str, pattern: str = "*.go") -> list[tuple[Path, Path]]:
        return [(root, p) for p in sorted((root / sub).glob(pattern)) if not p.name.endswith("_test.go")
                and not p.name.endswith(".min.js")]

    return {
        "go": [(name, pkg(std, name)) for name in ("go/ast", "go/parser", "go/types", "go/printer", "bytes",
                                                  "strings", "text/template", "encoding/json")],
        # held out: none of these is in the languages' background measurement
        "javascript": [(name, [(js_root, p) for p in sorted((js_root / name).rglob("*.js"))
                               if "node_modules" not in p.relative_to(js_root / name).parts
                               and not p.name.endswith(".min.js")])
                       for name in ("iconv-lite", "object-inspect", "negotiator", "path-to-regexp", "finalhandler",
                                    "serve-static", "raw-body", "type-is", "http-errors", "get-intrinsic")],
    }


def copy_tree(files: list[tuple[Path, Path]], out: Path) -> Path:
    for root, p in files:
        dst = out / p.relative_to(root)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dst)
    return out


def code_files(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*") if p.suffix in (".go", ".js") and p.is_file())


def each(tree: Path, fn) -> None:  # type: ignore[no-untyped-def]
    for p in code_files(tree):
        lang = "go" if p.suffix == ".go" else "javascript"
        got = fn(p.read_bytes(), lang)
        if got is not None:
            p.write_bytes(got)


def strip_blank(src: bytes, lang: str) -> bytes:
    return re.sub(rb"\n[ \t]*\n", b"\n", src)


def blank_everywhere(src: bytes, lang: str) -> bytes:
    return re.sub(rb"\n", b"\n\n", strip_blank(src, lang)) if b"`" not in src else src


def reorder(src: bytes, lang: str) -> bytes:
    """Top-level functions shuffled (split before each `\\nfunc ` / `\\nfunction `)."""
    marker = b"\nfunc " if lang == "go" else b"\nfunction "
    parts = src.split(marker)
    head, rest = parts[0], parts[1:]
    random.Random(len(src)).shuffle(rest)
    return head + b"".join(marker + r for r in rest)


def merge_and_split(tree: Path) -> None:
    """Pairs of files of one directory merged (Go: the second's package and
    imports dropped), and every third file split in two at a function."""
    by_dir: dict[Path, list[Path]] = {}
    for p in code_files(tree):
        by_dir.setdefault(p.parent, []).append(p)
    for files in by_dir.values():
        for a, b in zip(files[::2], files[1::2]):
            second = b.read_bytes()
            if a.suffix == ".go":
                second = re.sub(rb"^package \w+\n", b"", second, flags=re.M)
            a.write_bytes(a.read_bytes() + b"\n" + second)
            b.unlink()
    for k, p in enumerate(code_files(tree)):
        if k % 3:
            continue
        src = p.read_bytes()
        marker = b"\nfunc " if p.suffix == ".go" else b"\nfunction "
        cut = src.find(marker, len(src) // 2)
        if cut > 0:
            head = re.match(rb"package \w+\n", src)
            p.write_bytes(src[:cut] + b"\n")
            p.with_name(p.stem + "_part2" + p.suffix).write_bytes((head.group(0) if head else b"") + src[cut:])


MOVED: dict[str, str] = {}  # moved path -> the path it had


def move_files(tree: Path) -> None:
    for k, p in enumerate(code_files(tree)):
        dst = tree / "moved" / f"d{k % 7}" / f"renamed_{k}{p.suffix}"
        dst.parent.mkdir(parents=True, exist_ok=True)
        MOVED[dst.relative_to(tree).as_posix()] = p.relative_to(tree).as_posix()
        p.rename(dst)


def terser_prettier(tree: Path) -> None:
    done = 0
    for p in code_files(tree):
        if p.suffix != ".js":
            continue
        got = subprocess.run(["terser", str(p), "--mangle"], capture_output=True)
        if got.returncode == 0 and got.stdout:
            p.write_bytes(got.stdout)
            done += 1
    if not done:
        raise SystemExit("terser mangled no file")
    subprocess.run(["prettier", "--write", "--log-level", "silent", *map(str, code_files(tree))], check=False)


def edit_functions(tree: Path, share: float = 0.2) -> None:
    """About `share` of the functions of each file patched by the mutator."""
    rng = random.Random(4)
    classes = ["branch-added", "call-added", "literal-changed", "assignment-changed", "statement-removed"]
    for p in code_files(tree):
        lang = "go" if p.suffix == ".go" else "javascript"
        src = p.read_bytes()
        n = src.count(b"\nfunc ") if lang == "go" else src.count(b"function")
        for _ in range(max(1, round(share * n))):
            got = mutator.plant(src, lang, rng.choice(classes), rng)
            if got is not None:
                src = got[0]
        p.write_bytes(src)


def formatter(tree: Path) -> None:
    subprocess.run(["gofmt", "-w", str(tree)], capture_output=True)
    js = [str(p) for p in code_files(tree) if p.suffix == ".js"]
    if js:
        subprocess.run(["prettier", "--write", "--log-level", "silent", *js], check=False)


def attacks(language: str) -> dict[str, object]:
    lang = language
    out: dict[str, object] = {
        "none": None,
        "blank lines stripped": lambda t: each(t, strip_blank),
        "a blank line after every line": lambda t: each(t, blank_everywhere),
        "formatter (gofmt / prettier)": formatter,
        "consistent renaming + stripped": lambda t: each(t, lambda src, lg: strip_blank(
            robustness.rename_locals(src, lg), lg)),
        "comments + blank lines stripped": lambda t: each(t, lambda src, lg: strip_blank(
            robustness.strip_comments(src, lg), lg)),
        "functions reordered": lambda t: each(t, reorder),
        "files merged and split": merge_and_split,
        "files renamed and moved": move_files,
        "20% of functions edited": edit_functions,
    }
    if lang == "javascript":
        out["terser --mangle, then prettier"] = terser_prettier
    return out


def _median(xs: list[float]) -> float:
    return round(statistics.median(xs), 3) if xs else 0.0


def run_attacks(language: str, files: list[tuple[Path, Path]], work: Path) -> dict[str, object]:
    release_dir = copy_tree(files, work / f"{language}-release")
    registry = work / f"{language}.db"
    t0 = time.perf_counter()
    with watermark.Registry(registry) as reg, watermark.Release.analyse(release_dir, KEY,
                                                                        name=f"{language}-release") as release:
        release.embed(["customer", "other-customer"], work / f"{language}-copies", registry=reg)
    analyse_s = time.perf_counter() - t0
    copy = work / f"{language}-copies" / "customer"
    rows = []
    for name, attack in attacks(language).items():
        leak = work / f"{language}-leak-{len(rows)}"
        shutil.copytree(copy, leak)
        if attack is not None:
            attack(leak)  # type: ignore[operator]
        t0 = time.perf_counter()
        report = watermark.trace(leak, KEY, registry, jobs=2)
        seconds = time.perf_counter() - t0
        p = report.provenance
        assert p is not None
        big = [f for f in p.files if f.prints >= 8]  # files small enough to map are not counted
        sims = [f.similarity for f in big]

        def origin(path: str) -> str:
            return MOVED.get(path, path).replace("_part2", "")

        right = sum(1 for f in big if f.release_path == origin(f.path) or (
            name == "files merged and split" and f.release_path is not None
            and Path(f.release_path).parent == Path(f.path).parent))
        rows.append({"attack": name, "named": p.release == f"{language}-release" and p.derived,
                     "log10_bound": round(p.log10_bound, 2),
                     "median_similarity": _median(sims), "files_mapped_right": round(right / max(1, len(big)), 3),
                     "release_share": round(p.release_share, 3), "marks": report.marks.state if report.marks else None,
                     "accused": [s.recipient for s in report.accused], "trace_s": round(seconds, 2)})
    # 20% of the release mixed into each unrelated tree: which files are called derived
    leaked = code_files(copy)
    for neg_name, neg_files in negatives()[language]:
        mixed = work / f"{language}-mixed-{neg_name.replace('/', '_')}"
        copy_tree(neg_files, mixed)
        for p in leaked[:max(1, len(leaked) // 5)]:
            dst = mixed / "vendored" / p.relative_to(copy)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(strip_blank(p.read_bytes(), language))
        report = watermark.trace(mixed, KEY, registry, jobs=2)
        p = report.provenance
        vend = [f for f in p.files if f.path.startswith("vendored/")]
        others = [f for f in p.files if not f.path.startswith("vendored/")]
        rows.append({"attack": f"20% of the release mixed into {neg_name}",
                     "named": p.release == f"{language}-release" and p.derived,
                     "log10_bound": round(p.log10_bound, 2),
                     "median_similarity": _median([f.similarity for f in vend]),
                     "files_mapped_right": round(sum(1 for f in vend if f.release_path == f.path[len('vendored/'):])
                                                 / max(1, len(vend)), 3),
                     "release_files_derived": f"{sum(1 for f in vend if f.derived)}/{len(vend)}",
                     "release_files_of_8_prints": sum(1 for f in vend if f.prints >= 8),
                     "unrelated_files": len(others),
                     "unrelated_files_derived": [f.path for f in others if f.derived],
                     "marks": report.marks.state if report.marks else None})
    # negative controls
    controls = []
    for name, nfiles in negatives()[language]:
        tree = copy_tree(nfiles, work / f"{language}-neg-{len(controls)}")
        report = watermark.trace(tree, KEY, registry, jobs=2)
        p = report.provenance
        sims = [f.similarity for f in p.files if f.prints >= 8]
        controls.append({"tree": name, "files": len(nfiles), "derived": p.derived,
                         "files_derived": sum(1 for f in p.files if f.derived),
                         "log10_bound": round(p.log10_bound, 2),
                         "best_similarity": round(max(sims), 3) if sims else 0.0, "median_similarity": _median(sims),
                         "matched_share": round(p.matched_share, 3)})
    size = registry.stat().st_size
    with watermark.Registry(registry, readonly=True) as reg:
        prints_bytes = sum(len(b) + len(f) for _r, _p, _l, b, f in reg.prints())
    return {"language": language, "release_files": len(files), "analyse_s": round(analyse_s, 2),
            "registry_bytes": size, "provenance_bytes": prints_bytes, "attacks": rows, "negative_controls": controls}


def analysis_cost(files: list[tuple[Path, Path]], language: str) -> dict[str, float]:
    """Analysis with and without the prints, side by side (the C pass and the
    packing of prints and functions), best of 3."""
    from watermark.core import carriers
    from watermark.core import prints as provenance

    datas = [p.read_bytes() for _r, p in files]
    best = {"without": 1e9, "with": 1e9}
    for _ in range(3):
        for label, winnow in (("without", None), ("with", provenance.WINNOW)):
            t0 = time.perf_counter()
            for d in datas:
                try:
                    fp = watermark.fingerprint(d, language=language, winnow=winnow)
                except watermark.WatermarkError:
                    continue
                carriers.boundaries(fp)
                if winnow is not None:
                    provenance.prints_of(fp)
                    provenance.functions_of(fp)
            best[label] = min(best[label], time.perf_counter() - t0)
    return {"without_s": round(best["without"], 3), "with_s": round(best["with"], 3),
            "ratio": round(best["with"] / best["without"], 3)}


def release_analysis_cost(files: list[tuple[Path, Path]], work: Path, language: str) -> dict[str, float]:
    """Release.analyse (one worker) with and without the provenance prints,
    alternately, best of 3: the whole analysis, safety re-parse included."""
    from watermark.core import prints as provenance
    from watermark.workflow import release as release_module

    tree = copy_tree(files, work / f"{language}-cost")
    saved = (provenance.WINNOW, provenance.prints_of, provenance.functions_of)
    best = {"without": 1e9, "with": 1e9}
    try:
        for _ in range(3):
            for label in ("without", "with"):
                if label == "without":
                    provenance.WINNOW = None  # type: ignore[assignment]
                    provenance.prints_of = lambda fp: __import__("array").array("Q")  # type: ignore[assignment]
                    provenance.functions_of = lambda fp: b""  # type: ignore[assignment]
                else:
                    provenance.WINNOW, provenance.prints_of, provenance.functions_of = saved  # type: ignore[assignment]
                t0 = time.perf_counter()
                with release_module.Release.analyse(tree, KEY, name="cost", jobs=1):
                    pass
                best[label] = min(best[label], time.perf_counter() - t0)
    finally:
        provenance.WINNOW, provenance.prints_of, provenance.functions_of = saved  # type: ignore[assignment]
    return {"without_s": round(best["without"], 3), "with_s": round(best["with"], 3),
            "ratio": round(best["with"] / best["without"], 3)}


def dolos(work: Path, files: list[tuple[Path, Path]], leak: Path) -> dict[str, object]:
    """Dolos (@dodona/dolos-lib) on the same release and leak: wall time, peak
    RSS, and its similarity for bytes/reader.go against strings/reader.go."""
    home = work / "dolos"
    home.mkdir()
    got = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(home),
                          "@dodona/dolos-lib@3.5.1"], capture_output=True, text=True)
    if got.returncode != 0:
        return {"error": (got.stderr or got.stdout).strip().splitlines()[-1:]}
    script = home / "run.js"
    script.write_text("""
const { Dolos } = require("@dodona/dolos-lib");
(async () => {
  const paths = process.argv.slice(3);
  const dolos = new Dolos({ language: process.argv[2] });
  const t0 = Date.now();
  const report = await dolos.analyzePaths(paths);
  const pairs = report.allPairs().map(p => [p.leftFile.path, p.rightFile.path, p.similarity]);
  console.log(JSON.stringify({ seconds: (Date.now() - t0) / 1000, pairs: pairs.slice(0, 100000) }));
})();
""")
    out: dict[str, object] = {}
    std = Path(os.environ["GO_STDLIB_SRC"])
    rel = releases()
    for label, paths, lang in (
            ("bytes/reader.go vs strings/reader.go", [std / "bytes/reader.go", std / "strings/reader.go"], "go"),
            ("Go release + leak", [p for _r, p in files] + code_files(leak), "go"),
            ("JS release + leak", [p for _r, p in rel["javascript"]] + code_files(work / "javascript-leak-1"),
             "javascript")):
        t0 = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-v", "node", str(script), lang, *map(str, paths)],
                           capture_output=True, text=True, cwd=home)
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            out[label] = {"error": r.stderr.strip().splitlines()[-3:]}
            continue
        data = json.loads(r.stdout.strip().splitlines()[-1])
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
        sims = [s for _a, _b, s in data["pairs"]]
        out[label] = {"wall_s": round(wall, 2), "peak_rss_mb": round(int(rss.group(1)) / 1024) if rss else None,
                      "pairs": len(sims), "best_similarity": round(max(sims), 3) if sims else None}
    return out


def background(languages: list[str]) -> list[dict[str, object]]:
    """How similar independently written files are to a release: for each
    (release, background) pair of `languages`, every background file's best
    similarity to a release file (the share of its prints found there)."""
    from collections import Counter

    from watermark.core import prints as provenance

    std, js = Path(os.environ["GO_STDLIB_SRC"]), Path(os.environ["JS_CORPUS"])

    def files(root: Path, pattern: str = "*.go") -> list[Path]:
        return [p for p in sorted(root.rglob(pattern)) if p.is_file() and "testdata" not in p.parts
                and "vendor" not in p.parts and not p.name.endswith(("_test.go", ".min.js"))]

    def prints(p: Path, lang: str) -> set[int]:
        try:
            return set(provenance.prints_of(watermark.fingerprint(p.read_bytes(), language=lang,
                                                               winnow=provenance.WINNOW)))
        except watermark.WatermarkError:
            return set()

    tools = GOCODE / "golang.org/x/tools"
    independent = files(GOCODE / "github.com") + files(GOCODE / "mvdan.cc") + files(GOCODE / "golang.org/x/mod")
    pairs = [
        # x/tools against stdlib packages it holds no copies of (it does hold copies of go/types internals)
        ("go", "x/tools", files(tools),
         "stdlib net/ crypto/ image/ compress/ archive/ time/ os/",
         [p for d in ("net", "crypto", "image", "compress", "archive", "time", "os") for p in files(std / d)]),
        ("go", "stdlib net/ crypto/ compress/ image/ encoding/",
         [p for d in ("net", "crypto", "compress", "image", "encoding") for p in files(std / d)],
         "goldmark, go-cmp, gofumpt, x/mod", independent),
        # (not gofumpt: it is a fork of gofmt, in cmd/)
        ("go", "stdlib cmd/", files(std / "cmd"), "goldmark, go-cmp, x/mod",
         files(GOCODE / "github.com") + files(GOCODE / "golang.org/x/mod")),
        ("javascript", "lodash modules + express lib/", [p for p in (js / "lodash").glob("*.js")
                                                        if p.name not in ("lodash.js", "core.js", "fp.js")]
         + files(js / "express/lib", "*.js"), "three src/ + jquery src/",
         files(js / "three/src", "*.js") + files(js / "jquery/src", "*.js")),
        ("javascript", "three src/", files(js / "three/src", "*.js"), "lodash, express, qs, body-parser",
         [p for p in (js / "lodash").glob("*.js")] + files(js / "express", "*.js") + files(js / "qs", "*.js")
         + files(js / "body-parser", "*.js")),
        ("javascript", "jquery src/ + express' dependencies", files(js / "jquery/src", "*.js")
         + [p for d in ("send", "mime", "debug", "qs", "depd", "cookie") for p in files(js / d, "*.js")],
         "three examples/jsm", files(js / "three/examples/jsm", "*.js")),
    ]
    if {"typescript", "tsx"} & set(languages):
        ts = Path(os.environ["TS_CORPUS"])

        def tsfiles(name: str) -> list[Path]:
            return [p for p in sorted((ts / name).rglob("*.ts")) if p.is_file() and not p.name.endswith(".d.ts")]

        packages = {name: tsfiles(name) for name in ("rxjs", "zod", "effect")}
        for lang in ("typescript", "tsx"):  # TSX: the same sources read by the TSX grammar
            for name, rel in packages.items():
                others = [n for n in packages if n != name]
                pairs.append((lang, f"{name} sources", rel, " + ".join(others),
                              [p for n in others for p in packages[n]]))
    if "python" in languages:
        std, dj = Path(os.environ["PY_STDLIB_SRC"]), Path(os.environ["PY_CORPUS"]) / "django"

        def pyfiles(root: Path) -> list[Path]:
            return [p for p in sorted(root.rglob("*.py")) if p.is_file() and "site-packages" not in p.parts
                    and "test" not in p.parts and "tests" not in p.parts]

        stdlib = [p for d in ("asyncio", "email", "http", "json", "logging", "urllib", "xml", "concurrent",
                              "importlib", "multiprocessing", "sqlite3", "unittest") for p in pyfiles(std / d)]
        pairs += [
            ("python", "django", pyfiles(dj), "stdlib asyncio/ email/ http/ json/ logging/ urllib/ xml/ ...",
             stdlib),
            ("python", "stdlib asyncio/ email/ http/ json/ logging/ urllib/ xml/ ...", stdlib, "django", pyfiles(dj)),
            ("python", "stdlib idlelib/ tkinter/ lib2to3/ distutils/", [p for d in ("idlelib", "tkinter", "lib2to3",
                                                                                  "distutils")
                                                                       for p in pyfiles(std / d)],
             "django contrib/", pyfiles(dj / "contrib")),
        ]
    out = []
    for lang, rname, rel, bname, bg in pairs:
        if lang not in languages:
            continue
        owner: dict[int, set[Path]] = {}
        for p in rel:
            for h in prints(p, lang):
                owner.setdefault(h, set()).add(p)
        sims = []
        for p in bg:
            s = prints(p, lang)
            if len(s) < 8:
                continue
            votes: Counter[Path] = Counter()
            for h in s:
                for q in owner.get(h, ()):
                    votes[q] += 1
            sims.append(max(votes.values()) / len(s) if votes else 0.0)
        sims.sort()
        at = {x: round(sims[min(len(sims) - 1, int(x * len(sims)))], 3) for x in (0.5, 0.9, 0.99)}
        out.append({"language": lang, "release": rname, "release_files": len(rel), "background": bname,
                    "background_files": len(sims), "median": at[0.5], "p90": at[0.9], "p99": at[0.99],
                    "max": round(sims[-1], 3), "over_0.5": sum(1 for x in sims if x >= 0.5), "similarities": sims})
    return out


def write_background(rows: list[dict[str, object]], folder: Path) -> None:
    """The pooled similarities, one file per language:
    watermark/languages/background/<language>.json (Language.background)."""
    pooled: dict[str, list[float]] = {}
    pairs: dict[str, list[str]] = {}
    for r in rows:
        lang = str(r["language"])
        pooled.setdefault(lang, []).extend(r["similarities"])  # type: ignore[arg-type]
        pairs.setdefault(lang, []).append(f"{r['release']} ({r['release_files']} files) against {r['background']} "
                                          f"({r['background_files']} files)")
    for lang, sims in sorted(pooled.items()):
        doc = {"made_by": "python3 benchmarks/provenance.py --background --write",
               "about": "how similar independently written files are to a release: each background file's best "
                        "similarity to a release file (the share of its prints found there), pooled over these "
                        "(release, background) pairs",
               "pairs": pairs[lang], "similarities": [round(x, 4) for x in sorted(sims)]}
        (folder / f"{lang}.json").write_text(json.dumps(doc, indent=0) + "\n")


def tune(settings: list[tuple[int, int]]) -> list[dict[str, object]]:
    """K and W: for each, how similar independently written files are to a
    release (the background's p99 and max, pooled as --background pools
    them), how similar a copy stays with ~20% of its functions edited (the
    median and the 10th percentile of its files), and prints per KB."""
    from collections import Counter

    from watermark.backend import BACKEND
    from watermark.core import languages

    std, js = Path(os.environ["GO_STDLIB_SRC"]), Path(os.environ["JS_CORPUS"])

    def files(root: Path, pattern: str = "*.go") -> list[Path]:
        return [p for p in sorted(root.rglob(pattern)) if p.is_file() and "testdata" not in p.parts
                and "vendor" not in p.parts and not p.name.endswith(("_test.go", ".min.js"))]

    tools = GOCODE / "golang.org/x/tools"
    cases = {
        "go": (files(tools / "go") + files(tools / "internal"),
               [p for d in ("net", "crypto", "image", "compress", "archive", "time", "os") for p in files(std / d)]),
        "javascript": ([p for p in (js / "lodash").glob("*.js") if p.name not in ("lodash.js", "core.js", "fp.js")
                        and not p.name.endswith(".min.js")] + files(js / "express/lib", "*.js"),
                       files(js / "three/src", "*.js") + files(js / "jquery/src", "*.js")),
    }
    rng = random.Random(9)
    edited: dict[Path, bytes] = {}
    for lang, (rel, _bg) in cases.items():
        for p in rel:
            src = p.read_bytes()
            n = src.count(b"\nfunc ") if lang == "go" else src.count(b"function")
            for _ in range(max(1, round(0.2 * n))):
                got = mutator.plant(src, lang, rng.choice(["branch-added", "call-added", "literal-changed",
                                                           "assignment-changed", "statement-removed"]), rng)
                if got is not None:
                    src = got[0]
            edited[p] = src
    out = []
    for k, w in settings:
        for lang, (rel, bg) in cases.items():
            grammar = languages.load(lang)

            def prints(data: bytes) -> set[int]:
                parsed = BACKEND.fingerprint(grammar, data, winnow=(k, w))  # noqa: B023
                got = array("Q")
                got.frombytes(parsed.prints or b"")
                return set(got)

            owner: dict[int, set[Path]] = {}
            total = nbytes = 0
            for p in rel:
                data = p.read_bytes()
                mine = prints(data)
                total += len(mine)
                nbytes += len(data)
                for h in mine:
                    owner.setdefault(h, set()).add(p)

            def best(s: set[int]) -> float:
                votes: Counter[Path] = Counter()
                for h in s:
                    for q in owner.get(h, ()):  # noqa: B023
                        votes[q] += 1
                return max(votes.values()) / len(s) if votes else 0.0

            background_sims = sorted(best(s) for p in bg if len(s := prints(p.read_bytes())) >= 8)
            copy_sims = sorted(best(s) for p in rel if len(s := prints(edited[p])) >= 8)
            out.append({"k": k, "w": w, "language": lang, "prints_per_kb": round(1024 * total / nbytes, 1),
                        "background_p99": round(background_sims[int(0.99 * len(background_sims))], 3),
                        "background_max": round(background_sims[-1], 3),
                        "edited_copy_median": round(copy_sims[len(copy_sims) // 2], 3),
                        "edited_copy_p10": round(copy_sims[len(copy_sims) // 10], 3)})
            print(json.dumps(out[-1]), flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dolos", action="store_true", help="also run Dolos (installs @dodona/dolos-lib with npm)")
    ap.add_argument("--languages", default="go,javascript")
    ap.add_argument("--background", action="store_true", help="only the similarity of unrelated files")
    ap.add_argument("--write", action="store_true",
                    help="with --background: write them to watermark/languages/background/<language>.json")
    ap.add_argument("--tune", action="store_true", help="only the K / W comparison")
    args = ap.parse_args()
    results: dict[str, object] = {}
    if args.tune:
        tune([(15, 17), (23, 17), (31, 17), (40, 17), (23, 9), (23, 33)])
        return 0
    if args.background:
        rows = background(args.languages.split(","))
        if args.write:
            write_background(rows, Path(__file__).resolve().parent.parent / "watermark" / "languages" / "background")
        print(json.dumps([{k: v for k, v in r.items() if k != "similarities"} for r in rows], indent=1))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-prov-") as tmp:
        work = Path(tmp)
        rel = releases()
        for lang in args.languages.split(","):
            results[lang] = run_attacks(lang, rel[lang], work)
            results[lang]["fingerprint_cost"] = analysis_cost(rel[lang], lang)  # type: ignore[index]
            results[lang]["analysis_cost"] = release_analysis_cost(rel[lang], work, lang)  # type: ignore[index]
            print(json.dumps(results[lang], indent=1), flush=True)
        if args.dolos:
            results["dolos"] = dolos(work, rel["go"], work / "go-leak-1")
            print(json.dumps(results["dolos"], indent=1), flush=True)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": round(own)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
