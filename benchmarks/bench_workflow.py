"""The vendor workflow on whole trees: analysis, embedding, trace.

For the Go standard library (GOROOT/src) and the JS corpus, side by side in
one run per tree:
  parse-only   py-tree-sitter parse of every file the release marks, one process
  analysis     Release.analyse with 1 worker and with every core
  embed        1 and 50 recipients: seconds per extra recipient, against
               `cp -r` of the same tree
  trace        the whole marked tree as the leak, with 10 and with 10,000
               registered recipients: extraction seconds, scoring seconds
  peak RSS     of this process and of the workers

    eval "$(scripts/corpora.sh)"
    python benchmarks/bench_workflow.py [--recipients 50] [--registered 10000] [--json]
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tree_sitter
from _corpora import CORPORA, main

import watermark
from watermark import languages as _languages


def parse_only(release: watermark.Release, root: Path) -> float:
    parsers = {name: tree_sitter.Parser(_languages.get(name).tables.ts_language) for name in _languages.names()}
    total = 0.0
    for f in release.files:
        if f.status != "marked":
            continue
        data = (root / f.path).read_bytes()
        start = time.perf_counter()
        parsers[f.language].parse(data)
        total += time.perf_counter() - start
    return total


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench_tree(language: str, recipients: int, registered: int, work: Path) -> dict:
    root = Path(os.environ[CORPORA[language][0]])
    key = watermark.Key.generate()
    jobs = len(os.sched_getaffinity(0))
    t_one, release = timed(lambda: watermark.Release.analyse(root, key, name=language, jobs=1))
    release.close()
    t_par, release = timed(lambda: watermark.Release.analyse(root, key, name=language, jobs=jobs))
    t_parse = parse_only(release, root)
    lines = sum((root / f.path).read_bytes().count(b"\n") for f in release.files if f.status == "marked")
    registry = watermark.Registry(work / f"{language}.db")

    t_cp, _ = timed(lambda: subprocess.run(["cp", "-r", str(root), str(work / "cp")], check=True))
    shutil.rmtree(work / "cp")
    t_embed1, _ = timed(lambda: release.embed("r0", work / "one", registry=registry))
    names = [f"r{i}" for i in range(1, recipients + 1)]
    t_embedn, copies = timed(lambda: release.embed(names, work / "many", registry=registry))
    shutil.rmtree(work / "many")
    per_recipient = t_embedn / recipients

    leak = work / "one"
    small = watermark.Registry(work / f"{language}-10.db")
    small.add_release(release)
    small.add_recipients(language, ["r0", *[f"x{i}" for i in range(9)]])
    t_trace10, rep10 = timed(lambda: watermark.trace(leak, key, small, jobs=jobs))
    big = watermark.Registry(work / f"{language}-10k.db")
    big.add_release(release)
    big.add_recipients(language, ["r0", *[f"x{i}" for i in range(registered - 1)]])
    t_trace10k, rep10k = timed(lambda: watermark.trace(leak, key, big, jobs=jobs))
    assert [s.recipient for s in rep10.accused] == ["r0"] and [s.recipient for s in rep10k.accused] == ["r0"]
    shutil.rmtree(leak)
    release.close()
    return {
        "language": language, "root": str(root), "entries": len(release.files),
        "marked_files": release.marked_files, "marked_lines": lines, "carriers": release.carriers,
        "jobs": jobs, "parse_only_s": t_parse, "analyse_1_s": t_one, "analyse_par_s": t_par,
        "analyse_1_vs_parse": t_one / t_parse, "analyse_par_vs_parse": t_par / t_parse,
        "parallel_speedup": t_one / t_par, "cp_r_s": t_cp, "embed_1_s": t_embed1,
        f"embed_{recipients}_s": t_embedn, "per_recipient_s": per_recipient,
        "per_recipient_vs_cp": per_recipient / t_cp,
        "trace_10": {"total_s": t_trace10, **rep10.seconds, "carriers": rep10.carriers},
        f"trace_{registered}": {"total_s": t_trace10k, **rep10k.seconds, "carriers": rep10k.carriers,
                                "recipients": rep10k.recipients_tested},
        "trace_10k_vs_extraction": t_trace10k / rep10k.seconds["extract"],
        "scoring_10k_vs_extraction": rep10k.seconds["score"] / rep10k.seconds["extract"],
    }


def run(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="wm-bench-") as tmp:
        out = {}
        for language in ("go", "javascript"):
            work = Path(tmp) / language
            work.mkdir()
            out[language] = bench_tree(language, args.recipients, args.registered, work)
            print(f"{language} done", file=sys.stderr)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["peak_rss_workers_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out["recipients"], out["registered"] = args.recipients, args.registered
    return out


def render(r: dict) -> None:
    n, big = r["recipients"], r["registered"]
    print(f"| tree | marked files | lines | carriers | parse-only s | analyse 1 proc s (x parse) | "
          f"analyse {r['go']['jobs']} procs s (x parse) | parallel speed-up | cp -r s | embed 1 s | embed {n} s | "
          f"s per extra recipient (x cp -r) | trace 10: extract + score s | trace {big:,}: extract + score s | "
          f"trace {big:,} / extraction |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for lang in ("go", "javascript"):
        x = r[lang]
        t10, tbig = x["trace_10"], x[f"trace_{big}"]
        print(f"| {lang} | {x['marked_files']:,} | {x['marked_lines']:,} | {x['carriers']:,} "
              f"| {x['parse_only_s']:.2f} | "
              f"{x['analyse_1_s']:.2f} ({x['analyse_1_vs_parse']:.2f}x) | {x['analyse_par_s']:.2f} "
              f"({x['analyse_par_vs_parse']:.2f}x) | {x['parallel_speedup']:.2f}x | {x['cp_r_s']:.2f} | "
              f"{x['embed_1_s']:.2f} | {x[f'embed_{n}_s']:.1f} | {x['per_recipient_s']:.2f} "
              f"({x['per_recipient_vs_cp']:.2f}x) | {t10['extract']:.2f} + {t10['score']:.2f} | "
              f"{tbig['extract']:.2f} + {tbig['score']:.2f} | {x['trace_10k_vs_extraction']:.2f}x |")
    print(f"\npeak RSS: {r['peak_rss_mb']:.0f} MB (this process), {r['peak_rss_workers_mb']:.0f} MB (largest worker)")


if __name__ == "__main__":
    main(__doc__, {"recipients": 50, "registered": 10_000}, run, render)
