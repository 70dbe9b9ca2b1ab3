"""Lenient reading (trace) against strict reading (what embed marks), side
by side in one run: fingerprint, boundaries and bits of 600 sampled corpus
files per language, the second of two rounds.

    python3 benchmarks/bench_reading.py [--languages go,javascript,typescript,python] [--files 600]
        [--json out.json]

The corpora are those of the conformance profiles (tests/conformance/profiles.py).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import _corpora  # noqa: E402
from corpus import language_files, sample  # noqa: E402

import watermark  # noqa: E402
from watermark.backend import BACKEND  # noqa: E402
from watermark.core import carriers, reading  # noqa: E402

NAMES = {"javascript": "js"}  # (the names the rows had)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _corpora.add_languages(ap)
    ap.add_argument("--files", type=int, default=600, help="sampled files per language")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    rows = []
    for lang in args.languages:
        name = NAMES.get(lang, lang)
        datas = [p.read_bytes() for p in sample(language_files(lang), args.files, seed=5, max_bytes=400_000)]
        for _round in range(2):
            t0 = time.perf_counter()
            for d in datas:
                try:
                    fp = watermark.fingerprint(d, language=lang)
                except watermark.WatermarkError:
                    continue
                found = carriers.boundaries(fp)
                BACKEND.read_bits(fp.source, found.gaps)
            t1 = time.perf_counter()
            for d in datas:
                reading.read(d, lang)
            t2 = time.perf_counter()
        size = sum(map(len, datas)) / 2**20
        print(f"{name}: {len(datas)} files, {size:.1f} MiB: strict {t1 - t0:.2f} s, lenient {t2 - t1:.2f} s, "
              f"ratio {(t2 - t1) / (t1 - t0):.2f}")
        rows.append({"language": lang, "files": len(datas), "MiB": size, "strict_s": t1 - t0, "lenient_s": t2 - t1,
                     "ratio": (t2 - t1) / (t1 - t0)})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
