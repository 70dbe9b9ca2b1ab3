"""The C core and the pure-Python reference agree on every language's real
code: fingerprints, winnowed prints, boundaries and bits (the generic
suite is tests/test_backends.py, whose helpers these use)."""
from __future__ import annotations

import random

import pytest
from test_backends import REFERENCE, _bits_agree, _boundaries_agree, _fingerprints_agree, _native

import watermark
from conformance.profiles import Profile
from watermark import languages

pytestmark = pytest.mark.corpus


def test_prints_agree_on_real_files(profile: Profile):
    grammar = languages.get(profile.language).tables
    for path in profile.draws.prints.of(profile.corpus.files()):
        data = path.read_bytes()
        a = _native().fingerprint(grammar, data, winnow=(23, 17))
        b = REFERENCE.fingerprint(grammar, data, winnow=(23, 17))
        assert a.prints == b.prints, path


def test_fingerprints_agree_on_real_files(profile: Profile):
    # the reference walk is slow: a few files, up to 400 kB (larger ones are covered by the C path)
    for path in profile.draws.fingerprints.of(profile.corpus.files()):
        _fingerprints_agree(profile.language, path.read_bytes())


def test_boundaries_and_bits_agree_on_real_files(profile: Profile):
    rnd = random.Random(3)
    total = 0
    for path in profile.draws.boundaries.of(profile.corpus.files()):
        fp = watermark.fingerprint(path.read_bytes(), language=profile.language)
        words, gaps = _boundaries_agree(fp)
        total += len(gaps) // 3
        _bits_agree(fp, words, gaps, bytes(rnd.getrandbits(1) for _ in range(len(gaps) // 3)))
    assert total > 1000
