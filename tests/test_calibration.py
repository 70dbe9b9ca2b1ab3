"""The false-accusation bound is honest on real files (a small version of
benchmarks/calibration.py, which runs 100,000 trials)."""
from __future__ import annotations

import math

import pytest
from corpus import go_files, js_files, sample

import watermark

pytestmark = pytest.mark.corpus

KEY = watermark.Key(bytes(range(60, 92)))


def test_innocent_bounds_are_calibrated_on_real_files():
    bounds = []
    for files, language in ((go_files(), "go"), (js_files(), "javascript")):
        for path in sample(files, 25, seed=11, max_bytes=100_000):
            marked = watermark.embed(path.read_bytes(), KEY, "guilty", language=language)
            obs = watermark.extract(marked.source, KEY, language=language)
            obs = obs + obs  # the same file leaked twice: repeats must count once
            bounds += [watermark.verify(obs, KEY, f"innocent-{i}").bound for i in range(80)]
    n = len(bounds)
    assert n == 4000
    for x in (0.2, 0.05, 0.01):
        slack = 4 * math.sqrt(x * (1 - x) / n) + 1 / n
        assert sum(b <= x for b in bounds) / n <= x + slack, x
    assert not any(b <= 1e-9 for b in bounds)
