"""`watermark diff` on the corpora: accuracy on seeded patches, real version
pairs, and speed against fingerprinting both sides and `git diff`.

    python3 benchmarks/bench_diff.py [--per-class 50] [--skip-speed] [--skip-real] [--real]
        [--languages go,javascript,typescript,tsx,python]

Real pairs: published versions with a hand-checked list of what changed
(benchmarks/real_pairs.py): true reports, false reports, misses.

Accuracy, per language: files of its corpus (Go: the Go stdlib; JavaScript:
the JS corpus; TypeScript: the `.ts` sources of the TS corpus, not `.d.ts`;
TSX: the same sources, those the TSX grammar also reads, renamed `.tsx`;
Python: the CPython stdlib, not site-packages, and Django) are copied into a
release, marked for one recipient with `watermark embed`, run through its
formatter (gofmt, prettier, black), and then patched by
benchmarks/mutator.py: one labeled patch per file, each class the mutator
knows for the language at most --per-class times. `watermark diff` of the
release against that copy must report each patched function (recall), list
the planted class among its classes (class accuracy), and report nothing
else (false reports: layout, comments and the watermark are not changes).
A table of the languages' rows follows the JSON.

Speed: the whole Go stdlib against a copy with ~1% of its functions
patched, and typescript.js against a patched copy: diff wall time beside
fingerprinting both sides (the same worker pool), each timed in a fresh
process (best of three), peak RSS, and `git diff --no-index --stat` on the
same pair.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mutator  # noqa: E402

import watermark  # noqa: E402
from watermark.diff import CLASSES  # noqa: E402
from watermark.io.pool import FileJob, check_jobs, ordered_map  # noqa: E402

GO_ONLY = {"goto-added", "goto-removed", "defer-changed", "goroutine-changed"}
PLANTED = [c for c in CLASSES if c != "expression-changed"]
LANGUAGES = ("go", "javascript", "typescript", "tsx", "python")
# the extensions of a language's files in the copies
SUFFIXES = {"go": (".go",), "javascript": (".js",), "typescript": (".ts", ".mts", ".cts"), "tsx": (".tsx",),
            "python": (".py",)}
_SMALL = 150_000


def corpus(language: str) -> list[tuple[Path, str]]:
    """The corpus files of `language`, sorted: (file, its path in a copy)."""
    def under(env: str, patterns: tuple[str, ...], keep, prefix: str = "") -> list[tuple[Path, str]]:
        root = Path(os.environ[env])
        return [(p, prefix + p.relative_to(root).as_posix()) for pattern in patterns for p in root.rglob(pattern)
                if p.is_file() and p.stat().st_size < _SMALL and keep(p)]

    if language == "go":
        files = under("GO_STDLIB_SRC", ("*.go",), lambda p: "testdata" not in p.parts)
    elif language == "javascript":
        files = under("JS_CORPUS", ("*.js",), lambda p: not p.name.endswith(".min.js")
                      and "typescript" not in p.parts)
    elif language in ("typescript", "tsx"):
        files = under("TS_CORPUS", ("*.ts", "*.mts", "*.cts"),
                      lambda p: not p.name.endswith((".d.ts", ".d.mts", ".d.cts")))
        if language == "tsx":  # no .tsx in the corpus: its TypeScript, renamed (those the TSX grammar reads)
            files = [(p, rel.rsplit(".", 1)[0] + ".tsx") for p, rel in files]
    elif language == "python":
        files = under("PY_STDLIB_SRC", ("*.py",), lambda p: "site-packages" not in p.parts, "stdlib/") + \
            under("PY_CORPUS", ("*.py",), lambda p: True, "django/")
    else:
        raise SystemExit(f"no corpus for {language!r}; one of {', '.join(LANGUAGES)}")
    return sorted(files)


def _readable(language: str, data: bytes) -> bool:
    """Whether the language's grammar reads the file without errors (a .ts
    file as TSX: no `<T>x` casts)."""
    return not mutator._PARSERS[language].parse(data).root_node.has_error


def formatter(tree: Path, language: str) -> None:
    if language == "go":
        subprocess.run(["gofmt", "-w", str(tree)], check=True)
    elif language == "python":
        # files black cannot read (Python 2 test data of the stdlib) stay as they are
        subprocess.run(["black", "--quiet", str(tree)], check=False, stderr=subprocess.DEVNULL)
    else:
        files = [str(p) for p in tree.rglob("*") if p.suffix in SUFFIXES[language]]
        for i in range(0, len(files), 200):
            subprocess.run(["prettier", "--write", "--log-level", "silent", *files[i:i + 200]], check=False)


def accuracy(language: str, per_class: int, work: Path, seed: int = 11) -> dict[str, object]:
    rng = random.Random(seed)
    files = corpus(language)
    rng.shuffle(files)
    # (Go and JavaScript also try the classes they have no sites for, as they
    # always did: the random draws, and so their figures, stay the same)
    classes = [c for c in PLANTED if language == "go" or c not in GO_ONLY]
    if language not in ("go", "javascript"):
        classes = [c for c in classes if mutator.supports(language, c)]
    base = work / f"{language}-release"
    need = int(len(classes) * per_class * 1.6) + 50
    if language == "tsx":
        files = list(itertools.islice((f for f in files if _readable("tsx", f[0].read_bytes())), need))
    chosen = files[:need]
    if language == "go":  # gotos are rare: enough files holding one for goto-removed
        chosen += [f for f in files[need:] if b"\tgoto " in f[0].read_bytes()][:3 * per_class]
    for p, rel in chosen:
        dst = base / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dst)
    key = watermark.Key.generate()
    marked = work / f"{language}-marked"
    with watermark.Release.analyse(base, key, name=f"bench-{language}") as release:
        release.embed("customer", marked)
    formatter(marked, language)
    # what a formatter and the watermark alone do: nothing may be reported
    t0 = time.perf_counter()
    clean = watermark.diff(base, marked)
    clean_seconds = time.perf_counter() - t0
    planted: dict[str, mutator.Patch] = {}
    tree_files = sorted(p for p in marked.rglob("*") if p.is_file() and p.suffix in SUFFIXES[language])
    rng.shuffle(tree_files)
    pool = list(tree_files)
    for cls in classes:
        got = 0
        for p in list(pool):
            if got >= per_class:
                break
            out = mutator.plant(p.read_bytes(), language, cls, rng)
            if out is None:
                continue
            p.write_bytes(out[0])
            planted[p.relative_to(marked).as_posix()] = out[1]
            pool.remove(p)
            got += 1
    t0 = time.perf_counter()
    d = watermark.diff(base, marked)
    seconds = time.perf_counter() - t0
    by_file: dict[str, list[watermark.FunctionDiff]] = defaultdict(list)
    for f in d.functions:
        if f.suspect is not None:
            by_file[f.suspect.path].append(f)
        elif f.base is not None:
            by_file[f.base.path].append(f)
    recall: Counter[str] = Counter()
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    used: set[int] = set()
    misses: list[str] = []
    for path, patch in planted.items():
        total[patch.cls] += 1
        cands = [f for f in by_file.get(path, []) if f.suspect is not None
                 and f.suspect.start_line <= patch.line <= f.suspect.end_line]
        if not cands:
            misses.append(f"{patch.cls} {path}:{patch.line} not reported")
            continue
        f = min(cands, key=lambda f: f.suspect.end_line - f.suspect.start_line)  # type: ignore[union-attr]
        used.add(id(f))
        recall[patch.cls] += 1
        if patch.cls in f.classes:
            right[patch.cls] += 1
        else:
            misses.append(f"{patch.cls} {path}:{patch.line} classed {f.classes}")
    # `unparsed`: other code where a side has syntax errors, which diff
    # compares no further and states no change of: not a false report
    false = [f for f in d.functions if id(f) not in used and f.status != "unparsed"]
    unparsed = [f for f in d.functions if id(f) not in used and f.status == "unparsed"]
    clean_reported = [f for f in clean.functions if f.status != "unparsed"]
    n = sum(total.values())
    return {
        "language": language, "files": len(tree_files), "patched": n,
        "clean_copy_reported": len(clean_reported), "clean_copy_summary": clean.summary,
        "clean_examples": [f"{f.status} {f.name} {_where(f)} {f.classes}" for f in clean_reported[:5]],
        "unparsed": len(unparsed),
        "recall": sum(recall.values()) / n, "class_accuracy": sum(right.values()) / n,
        "false_reports": len(false), "false_examples": [f"{f.status} {f.name} {_where(f)} {f.classes}"
                                                        for f in false[:5]],
        "per_class": {c: f"{right[c]}/{recall[c]}/{total[c]}" for c in classes if mutator.supports(language, c)},
        "misses": misses[:30], "diff_seconds": round(seconds, 2), "clean_diff_seconds": round(clean_seconds, 2),
        "summary": d.summary,
    }


def table(rows: list[dict[str, object]]) -> str:
    """The accuracy rows, one line per language."""
    head = ("language", "files", "planted", "recall", "class acc.", "false reports", "clean copy reported",
            "unparsed")
    lines = [head] + [(str(r["language"]), str(r["files"]), str(r["patched"]), f"{r['recall']:.3f}",
                       f"{r['class_accuracy']:.3f}", str(r["false_reports"]), str(r["clean_copy_reported"]),
                       str(r["unparsed"])) for r in rows]
    widths = [max(len(x[i]) for x in lines) for i in range(len(head))]
    return "\n".join("  ".join(x.ljust(w) for x, w in zip(line, widths)) for line in lines)


def _where(f: watermark.FunctionDiff) -> str:
    return " -> ".join(f"{x.path}:{x.start_line}" if x else "-" for x in (f.base, f.suspect))


def _fingerprint_job(job: FileJob) -> int:
    data = job.load()
    assert isinstance(data, bytes)
    try:
        return watermark.fingerprint(data, language=job.language).unit_count
    except watermark.WatermarkError:
        return 0


def fingerprint_both(a: Path, b: Path, language: str, jobs: int) -> float:
    ext = ".go" if language == "go" else ".js"
    files = [p for t in (a, b) for p in ([t] if t.is_file() else sorted(t.rglob(f"*{ext}"))) if p.is_file()]
    t0 = time.perf_counter()
    for _ in ordered_map(_fingerprint_job, ((FileJob(str(p), language, None, str(p), p.stat().st_size), None)
                                            for p in files), jobs):
        pass
    return time.perf_counter() - t0


def _rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def speed(work: Path, jobs: int) -> list[dict[str, object]]:
    rng = random.Random(5)
    out = []
    # the Go stdlib, 1% of its functions patched
    root = Path(os.environ["GO_STDLIB_SRC"])
    copy = work / "go-stdlib-copy"
    shutil.copytree(root, copy, symlinks=True)
    go_files = sorted(p for p in copy.rglob("*.go") if "testdata" not in p.parts)
    n_funcs = sum(p.read_bytes().count(b"\nfunc ") for p in go_files)
    target = n_funcs // 100
    patched = 0
    rng.shuffle(go_files)
    classes = PLANTED
    for p in go_files:
        if patched >= target:
            break
        got = mutator.plant(p.read_bytes(), "go", rng.choice(classes), rng)
        if got is not None:
            p.write_bytes(got[0])
            patched += 1
    out.append(_timed("Go stdlib (1% of functions patched)", root, copy, "go", jobs, patched, n_funcs))
    # the same, with every file's layout changed too, as in a recipient's copy
    # (blank lines dropped): no file is byte-identical, both sides are parsed
    for p in go_files:
        data = p.read_bytes()
        p.write_bytes(re.sub(rb"\n[ \t]*\n", b"\n", data) if b"`" not in data else data + b"\n")
    out.append(_timed("Go stdlib (1% patched, every file re-laid-out)", root, copy, "go", jobs, patched, n_funcs))
    # typescript.js against a patched copy
    ts = Path(os.environ["JS_CORPUS"]) / "typescript" / "lib" / "typescript.js"
    tcopy = work / "typescript.js"
    data = ts.read_bytes()
    for _ in range(20):
        got = mutator.plant(data, "javascript", rng.choice([c for c in classes if c not in GO_ONLY]), rng)
        if got is not None:
            data = got[0]
    tcopy.write_bytes(data)
    out.append(_timed("typescript.js (20 patches)", ts, tcopy, "javascript", jobs, 20, None))
    return out


def _fresh(what: str, a: Path, b: Path, language: str, jobs: int) -> dict[str, object]:
    """One timing (`fingerprint` or `diff`) in a fresh process: a parent that
    has held a large heap forks slower workers, which would favour whichever
    is timed first."""
    out = subprocess.run([sys.executable, __file__, "--time-one", what, str(a), str(b), language, str(jobs)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _time_one(what: str, a: str, b: str, language: str, jobs: str) -> int:
    t0 = time.perf_counter()
    if what == "fingerprint":
        fingerprint_both(Path(a), Path(b), language, int(jobs))
        got: dict[str, object] = {}
    else:
        d = watermark.diff(a, b, jobs=int(jobs))
        got = {"reported": len(d.functions), "summary": d.summary}
    print(json.dumps({"s": time.perf_counter() - t0, **got}))
    return 0


def _timed(name: str, a: Path, b: Path, language: str, jobs: int, patched: int, functions: int | None
           ) -> dict[str, object]:
    fp = min(float(_fresh("fingerprint", a, b, language, jobs)["s"]) for _ in range(3))  # type: ignore[arg-type]
    runs = [_fresh("diff", a, b, language, jobs) for _ in range(3)]
    times = [float(r["s"]) for r in runs]  # type: ignore[arg-type]
    t0 = time.perf_counter()
    subprocess.run(["git", "diff", "--no-index", "--stat", str(a), str(b)], capture_output=True)
    git = time.perf_counter() - t0
    return {"pair": name, "patched": patched, "functions": functions, "reported": runs[0]["reported"],
            "diff_s": round(min(times), 2), "fingerprint_both_s": round(fp, 2),
            "ratio": round(min(times) / fp, 2), "git_diff_stat_s": round(git, 2), "peak_rss_mb": round(_rss_mb()),
            "summary": runs[0]["summary"]}


def real(names: list[str] | None = None) -> list[dict[str, object]]:
    """Real version pairs with hand-checked truth (benchmarks/real_pairs/):
    true reports, false reports, misses."""
    import real_pairs

    selected = real_pairs.pairs(names)
    real_pairs.fetch(selected)
    out = []
    for p in selected:
        score, _d = real_pairs.score(p)
        out.append({"pair": p.name, "language": p.language, "truth": score.truth, "reported": score.reported,
                    "true": score.true, "false": score.false, "misses": score.misses,
                    "diff_s": round(score.seconds, 2)})
    return out


def main() -> int:
    if sys.argv[1:2] == ["--time-one"]:
        return _time_one(*sys.argv[2:7])
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-class", type=int, default=50)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-real", action="store_true", help="skip the real version pairs")
    ap.add_argument("--real", action="store_true", help="only the real version pairs")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--languages", default=",".join(LANGUAGES), help="comma-separated: " + ", ".join(LANGUAGES))
    args = ap.parse_args()
    jobs = check_jobs(args.jobs)
    with tempfile.TemporaryDirectory(prefix="bench-diff-") as tmp:
        work = Path(tmp)
        results: dict[str, object] = {"jobs": jobs}
        if not args.skip_real:
            results["real"] = real()
            print(json.dumps(results["real"], indent=1), flush=True)
        if args.real:
            return 0 if all(not r["false"] and not r["misses"] for r in results["real"]) else 1  # type: ignore
        if not args.skip_accuracy:
            results["accuracy"] = [accuracy(lang, args.per_class, work) for lang in args.languages.split(",")]
            print(json.dumps(results["accuracy"], indent=1), flush=True)
            print(table(results["accuracy"]), flush=True)  # type: ignore[arg-type]
        if not args.skip_speed:
            results["speed"] = speed(work, jobs)
            print(json.dumps(results["speed"], indent=1), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
