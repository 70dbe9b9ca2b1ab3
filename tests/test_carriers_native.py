"""The C carrier core against its Python reference: boundaries, reading and
writing bits, and scoring many recipients at once."""
from __future__ import annotations

import random
from array import array

import pytest
from hypothesis import given, settings, strategies as st

import watermark
from watermark import _bindings, _carriers, _codes, _watermark
from strategies import layouts, programs, render
from corpus import go_files, js_files, sample

KEY = watermark.Key(bytes(range(32)))

pytestmark = pytest.mark.skipif(not _bindings.available(), reason="needs the C extension")


def _same_boundaries(fp) -> _carriers.Boundaries:
    native, reference = _carriers.boundaries(fp), _carriers.boundaries_reference(fp)
    assert native.words == reference.words
    assert native.gaps == reference.gaps
    return native


def _check_bits(fp, found: _carriers.Boundaries, bits: bytes) -> None:
    src = fp.source
    marked = _bindings.set_bits(src, found.gaps, bits)
    assert marked == _watermark.set_bits_reference(src, found.gaps, bits)
    assert _bindings.read_bits(src, found.gaps) == _watermark.read_bits_reference(src, found.gaps)
    again = _carriers.boundaries(watermark.fingerprint(marked[0], language=fp.language))
    assert again.words == found.words
    assert _bindings.read_bits(marked[0], again.gaps) == bytearray(bits)


@given(programs(), layouts(), st.randoms(use_true_random=False))
def test_c_boundaries_and_bits_match_the_reference_on_generated_programs(program, layout, rnd):
    src = render(program, layout)
    fp = watermark.fingerprint(src, language=program.language)
    found = _same_boundaries(fp)
    _check_bits(fp, found, bytes(rnd.getrandbits(1) for _ in range(len(found))))


@given(st.binary(max_size=300), st.sampled_from(["go", "javascript"]))
def test_c_boundaries_match_the_reference_on_arbitrary_bytes(data, language):
    try:
        fp = watermark.fingerprint(data, language=language)
    except watermark.errors.SourceError:
        return
    _same_boundaries(fp)


@pytest.mark.parametrize("files", [go_files, js_files], ids=["go", "javascript"])
def test_c_boundaries_and_bits_match_the_reference_on_real_files(files):
    rnd = random.Random(3)
    total = 0
    for path in sample(files(), 60, max_bytes=200_000):
        fp = watermark.fingerprint(path.read_bytes(), path=str(path))
        found = _same_boundaries(fp)
        total += len(found)
        _check_bits(fp, found, bytes(rnd.getrandbits(1) for _ in range(len(found))))
    assert total > 1000


def test_set_bits_rejects_gaps_outside_the_source():
    with pytest.raises(watermark.WatermarkError):
        _bindings.set_bits(b"a\nb\n", array("Q", [1, 2, 9]), b"\x01")


@pytest.mark.parametrize("code", ["unbiased", "tardos"])
def test_scoring_many_recipients_in_c_equals_scoring_each(code):
    rnd = random.Random(5)
    identities = array("Q", (rnd.getrandbits(64) for _ in range(3000)))
    observed = _codes.recipient_bits(KEY, "r7", identities, _codes.Code.of(code))
    observed = bytes(b ^ (rnd.random() < 0.1) for b in observed)  # 10% flips
    recipients = [f"r{i}" for i in range(40)]
    many = _codes.score_many(KEY, recipients, identities, observed, _codes.Code.of(code))
    for r, got in zip(recipients, many):
        one = _codes.score(KEY, r, identities, observed, _codes.Code.of(code))
        assert (got.matches, got.carriers) == (one.matches, one.carriers)
        assert got.score == pytest.approx(one.score, abs=1e-6)
        assert got.log10_bound == pytest.approx(one.log10_bound, abs=1e-9)
    best = max(range(40), key=lambda i: many[i].score)
    assert recipients[best] == "r7" and many[best].log10_bound < -50
    assert all(s.log10_bound > -9 for i, s in enumerate(many) if i != best)


@given(st.lists(st.integers(0, 2**64 - 1), max_size=300), st.randoms(use_true_random=False),
       st.lists(st.integers(0, 2**64 - 1), max_size=20))
def test_bit_sliced_scoring_counts_exactly_the_matching_parities(h, rnd, vectors):
    """wm_score_linear (64 carriers at a time, tabulated bit planes) against
    the definition: one AND and one parity per carrier and recipient."""
    observed = bytes(rnd.getrandbits(1) for _ in h)
    got = _bindings.score_linear(array("Q", h), observed, array("Q", vectors))
    assert list(got) == [sum((bin(x & s).count("1") & 1) == o for x, o in zip(h, observed)) for s in vectors]


@settings(max_examples=30)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=50, unique=True), st.text(min_size=1, max_size=12))
def test_linear_bits_are_the_parity_of_carrier_and_recipient_vectors(identities, recipient):
    ids = array("Q", identities)
    h = _codes.carrier_vectors(KEY, ids)
    s = _codes.recipient_vector(KEY, recipient)
    assert s != 0
    expected = bytes(bin(x & s).count("1") % 2 for x in h)
    assert _codes.recipient_bits(KEY, recipient, ids, _codes.Code.of("unbiased")) == expected
    matches = _bindings.score_linear(h, expected, array("Q", [s]))
    assert list(matches) == [len(ids)]
