"""The C core and the pure-Python reference agree on every language's real
code: fingerprints, winnowed prints, boundaries and bits (the generic
suite is tests/test_backends.py, whose helpers these use)."""
from __future__ import annotations

import random

import pytest
from test_backends import REFERENCE, _bits_agree, _boundaries_agree, _fingerprints_agree, _native

import watermark
from conformance.profiles import TSX, TYPESCRIPT, Profile
from watermark import languages
from watermark.languages import base

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


@pytest.mark.parametrize("profile_", [TYPESCRIPT, TSX], ids=["typescript", "tsx"])
def test_files_to_respell_read_as_a_whole_parse_first_reads_them(monkeypatch, profile_: Profile):
    """The C core stops the parse of a file the grammar cannot read at its
    first certain error; the reference parses every file whole first. On the
    corpus files the grammar cannot read (up to 150 kB, where the reference
    walk is quick enough), both give the same reading and document, and the
    stop fires for most of them."""
    lang = languages.get(profile_.language)
    grammar = lang.tables
    stopped = _native()._lib.wm_parses_stopped()
    read = 0
    for path in profile_.corpus.files():
        data = path.read_bytes()
        if len(data) > 150_000 or not _native().fingerprint(grammar, data).has_error:
            continue
        with monkeypatch.context() as m:
            m.setattr(base, "BACKEND", _native())
            native = lang.parse(data)
        with monkeypatch.context() as m:
            m.setattr(base, "BACKEND", REFERENCE)
            assert lang.parse(data) == native, path
        read += 1
    assert read > 10
    assert _native()._lib.wm_parses_stopped() - stopped > read // 2
