"""The false-accusation bound is honest on real files (a small version of
benchmarks/calibration.py, which runs 100,000 trials), pooled over every
language's corpus (its conformance profile's)."""
from __future__ import annotations

import math

import pytest
from conformance.profiles import PROFILES

import watermark

pytestmark = pytest.mark.corpus

KEY = watermark.Key(bytes(range(60, 92)))


def test_innocent_bounds_are_calibrated_on_real_files():
    bounds = []
    files = 0
    for profile in PROFILES:
        for path in profile.draws.calibration.of(profile.corpus.files()):
            files += 1
            marked = watermark.embed(path.read_bytes(), KEY, "guilty", language=profile.language)
            obs = watermark.extract(marked.source, KEY, language=profile.language)
            obs = obs + obs  # the same file leaked twice: repeats must count once
            bounds += [watermark.verify(obs, KEY, f"innocent-{i}").bound for i in range(80)]
    n = len(bounds)
    assert n == 80 * files >= 4000
    for x in (0.2, 0.05, 0.01):
        slack = 4 * math.sqrt(x * (1 - x) / n) + 1 / n
        assert sum(b <= x for b in bounds) / n <= x + slack, x
    assert not any(b <= 1e-9 for b in bounds)
