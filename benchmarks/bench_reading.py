"""Lenient reading (trace) against strict reading (what embed marks), side
by side in one run: fingerprint, boundaries and bits of 600 sampled corpus
files per language, the second of two rounds.

    python3 benchmarks/bench_reading.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from corpus import go_files, js_files, sample  # noqa: E402

import watermark  # noqa: E402
from watermark.backend import BACKEND  # noqa: E402
from watermark.core import carriers, reading  # noqa: E402

for name, files, lang in (("go", go_files, "go"), ("js", js_files, "javascript")):
    datas = [p.read_bytes() for p in sample(files(), 600, seed=5, max_bytes=400_000)]
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
