"""Fingerprinting speed on the real corpora, against tree-sitter's own parse.

For every file of each corpus (Go standard library, JS, TypeScript, Python;
--languages picks them), side by side in one run: py-tree-sitter parse-only time, and watermark.fingerprint() time
(C parse + walk + hashing), each the best of --repeat runs of that file,
interleaved file by file after a warm-up pass; then fingerprint() plus
building the Python `units` list, and both split by how the grammar reads
the files (as they are, or only respelled: Language.parse). Also: nodes/s, MB/s, peak RSS, and the
hashing stage alone, C against the pure-Python reference, on the same
events.

    eval "$(scripts/corpora.sh)"
    python benchmarks/bench_fingerprint.py [--repeat 3] [--languages go,javascript,typescript,python]
        [--files N] [--json out.json]

--files N times a random sample of N files per corpus (0, the default: all).
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time

import tree_sitter
from _corpora import add_languages, load

import watermark
from watermark import languages as _languages
from watermark.backend import BACKEND, contract
from watermark.backend.reference import walk


def best(fn, repeat: int) -> float:
    t = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - start)
    return t


def bench_language(language: str, repeat: int, hash_sample: int, sample_files: int = 0) -> dict:
    files = load(language)
    if sample_files and sample_files < len(files):
        files = random.Random(f"files-{language}").sample(files, sample_files)
    lang = _languages.get(language).tables
    parser = tree_sitter.Parser(lang.ts_language)
    for _, data in files[:: max(1, len(files) // 200)]:  # warm-up
        parser.parse(data)
        watermark.fingerprint(data, language=language)
    parse_s = fp_s = units_s = 0.0
    nodes = units = 0
    # files the grammar reads as they are / only respelled (Language.parse) / not at all
    by_reading = {k: [0, 0, 0.0, 0.0] for k in READINGS}  # files, bytes, parse s, fingerprint s
    for _, data in files:
        p = best(lambda data=data: parser.parse(data), repeat)
        f = best(lambda data=data: watermark.fingerprint(data, language=language), repeat)
        parse_s += p
        fp_s += f
        units_s += best(lambda data=data: watermark.fingerprint(data, language=language).units, 1)
        fp = watermark.fingerprint(data, language=language)
        nodes += fp.node_count
        units += fp.unit_count
        reading = ("unreadable" if fp.has_error else
                   "respelled" if BACKEND.fingerprint(lang, data).has_error else "as is")
        for i, v in enumerate((1, len(data), p, f)):
            by_reading[reading][i] += v
    size = sum(len(d) for _, d in files)

    # hashing stage alone: the same events through C and through the reference
    if BACKEND.name != "native":
        raise SystemExit("bench_fingerprint measures the C core: unset WATERMARK_PURE_PYTHON")
    sample = random.Random(1).sample(files, min(hash_sample, len(files)))
    c_s = py_s = 0.0
    events_total = 0
    for _, data in sample:
        doc = BACKEND.fingerprint(lang, data, with_events=True)
        assert doc.events is not None
        ev, n_ev, n_idents, n_units = doc.events, doc.n_events, doc.n_idents, doc.n_units
        buf = bytearray(doc.records)
        c_s += best(lambda ev=ev, n_ev=n_ev, buf=buf, n_units=n_units, n_idents=n_idents:
                    BACKEND.hash_units(ev, n_ev, buf, n_units, n_idents), repeat)
        events = walk.unpack_events(ev, n_ev)
        raw = [walk.RawUnit(**r._asdict())
               for r in map(contract.UnitRecord._make, contract.UNIT_STRUCT.iter_unpack(doc.records))]
        start = time.perf_counter()
        walk.hash_units(events, raw, n_idents)
        py_s += time.perf_counter() - start
        events_total += n_ev
    return {
        "language": language, "files": len(files), "MB": size / 1e6, "nodes": nodes, "units": units,
        "parse_s": parse_s, "fingerprint_s": fp_s, "fingerprint_units_s": units_s,
        "ratio": fp_s / parse_s, "ratio_with_units": units_s / parse_s,
        "nodes_per_s": nodes / fp_s, "MB_per_s": size / 1e6 / fp_s,
        "hash_files": len(sample), "hash_events": events_total, "hash_c_s": c_s, "hash_py_s": py_s,
        "hash_speedup": py_s / c_s if c_s else float("inf"),
        "by_reading": {k: {"files": v[0], "MB": v[1] / 1e6, "parse_s": v[2], "fingerprint_s": v[3],
                           "ratio": v[3] / v[2] if v[2] else None} for k, v in by_reading.items() if v[0]},
    }


# how the grammar reads a file: as it is, only respelled (syntax the language
# has and its pinned grammar cannot read: TypeScript's variance annotations),
# or with syntax errors left
READINGS = ("as is", "respelled", "unreadable")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--hash-sample", type=int, default=150, help="files for the C-vs-Python hashing stage")
    ap.add_argument("--files", type=int, default=0, help="a sample of this many files per corpus (0: all)")
    add_languages(ap)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    if not watermark.native_info()["native"]:
        sys.exit("the C extension is not in use (WATERMARK_PURE_PYTHON set?)")
    rows = [bench_language(lang, args.repeat, args.hash_sample, args.files) for lang in args.languages]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| corpus | files | MB | nodes | units | parse-only s | fingerprint s | ratio | "
          "+ units list s | ratio | nodes/s | MB/s | hashing C s | hashing Python s | C speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['language']} | {r['files']} | {r['MB']:.1f} | {r['nodes']:,} | {r['units']:,} | "
              f"{r['parse_s']:.2f} | {r['fingerprint_s']:.2f} | **{r['ratio']:.2f}×** | "
              f"{r['fingerprint_units_s']:.2f} | {r['ratio_with_units']:.2f}× | {r['nodes_per_s'] / 1e6:.2f} M | "
              f"{r['MB_per_s']:.1f} | {r['hash_c_s']:.3f} | {r['hash_py_s']:.1f} | **{r['hash_speedup']:.0f}×** |")
    print("\nBy how the grammar reads the files (parse-only: tree-sitter's parse of the file as it is, with "
          "its error recovery where it cannot read it):\n")
    print("| corpus | read | files | MB | parse-only s | fingerprint s | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        for k, v in r["by_reading"].items():
            print(f"| {r['language']} | {k} | {v['files']} | {v['MB']:.1f} | {v['parse_s']:.2f} | "
                  f"{v['fingerprint_s']:.2f} | {v['ratio']:.2f}× |")
    print(f"\npeak RSS of the whole run (the corpora held in memory): {rss_mb:.0f} MB; "
          f"hashing stage measured on {' + '.join(str(r['hash_files']) for r in rows)} sampled files")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "peak_rss_mb": rss_mb}, f, indent=2)


if __name__ == "__main__":
    main()
