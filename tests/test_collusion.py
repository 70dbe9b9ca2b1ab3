"""Phantom recipients against the linear code (core/collusion.py)."""
from __future__ import annotations

import math
import random
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watermark.core import codes, collusion


def _random_vectors(rng: random.Random, n: int, words: int = 1) -> list[int]:
    return [rng.getrandbits(64 * words) or 1 for _ in range(n)]


def _carriers(rng: random.Random, n: int, words: int = 1) -> array:
    return array("Q", (rng.getrandbits(64) for _ in range(n * words)))


def _codeword(h: array, vector: int, words: int = 1) -> bytes:
    return codes.linear_bits(h, vector, words)


@pytest.mark.parametrize("words", [1, 2])
@pytest.mark.parametrize("noise,complemented", [(0.0, False), (0.03, False), (0.03, True)])
def test_solve_finds_the_phantom_vector_of_an_exactly_linear_leak(noise, complemented, words):
    rng = random.Random(4)
    h = _carriers(rng, 600, words)
    vector = rng.getrandbits(64 * words) | 1
    bits = bytes(b ^ complemented ^ (rng.random() < noise) for b in _codeword(h, vector, words))
    got = collusion.solve(h, bits, words, seed=1)
    assert got is not None
    assert (got.vector, got.complemented) == (vector, complemented)
    assert got.matches >= (1 - 2 * noise) * 600


@pytest.mark.parametrize("words,too_few", [(1, 96), (2, 160)])
def test_solve_needs_enough_carriers(words, too_few):
    rng = random.Random(5)
    assert collusion.solve(_carriers(rng, too_few, words), bytes(too_few), words) is None
    h = _carriers(rng, too_few + 1, words)
    assert collusion.solve(h, _codeword(h, 12345, words), words) is not None


def test_solve_does_not_search_a_leak_that_reads_mostly_one_value():
    """Marks stripped (every blank line gone) or a min / max merge of many
    copies: no non-zero vector's codeword (half 1s) can agree with 75% of
    it, so the 300 eliminations are not run."""
    rng = random.Random(8)
    h = _carriers(rng, 2_000, 2)
    for ones in (0, 100, 1_900, 2_000):
        bits = bytes(k < ones for k in range(2_000))
        assert collusion.solve(h, bits, 2) is None


@given(st.integers(min_value=2, max_value=5), st.randoms(use_true_random=False), st.sampled_from([1, 2]))
def test_decompose_splits_a_sum_of_registered_vectors_into_exactly_its_members(size, rnd, words):
    vectors = _random_vectors(random.Random(rnd.getrandbits(32)), 40, words)
    members = tuple(sorted(rnd.sample(range(40), size)))
    target = 0
    for k in members:
        target ^= vectors[k]
    assert list(collusion.decompose(target, vectors, words)) == [members]


@pytest.mark.parametrize("words", [1, 2])
def test_decompose_finds_nothing_in_an_unrelated_vector(words):
    rng = random.Random(6)
    vectors = _random_vectors(rng, 60, words)
    assert list(collusion.decompose(rng.getrandbits(64 * words), vectors, words)) == []


@pytest.mark.parametrize("words", [1, 2])
@pytest.mark.parametrize("n", [30, 70, 150])
def test_codeword_sets_decode_a_leak_too_small_to_solve(words, n):
    """Fewer carriers than solve needs: the set whose codewords XOR to the
    leak (or its complement) on independent carriers, and nothing for a
    leak that is no XOR of codewords."""
    rng = random.Random(n)
    h = _carriers(rng, n, words)
    vectors = _random_vectors(rng, 200, words)
    basis = collusion.independent_carriers(h, words)
    assert len(basis) == min(n, 64 * words)
    members = tuple(sorted(rng.sample(range(200), 3)))
    x = 0
    for k in members:
        x ^= vectors[k]
    leak = _codeword(h, x, words)
    for complemented in (False, True):
        bits = bytes(b ^ complemented for b in leak)
        got = collusion.codeword_sets(h, bits, vectors, words, basis, [2, 3])
        assert [(c.members, c.complemented, c.rank) for c in got] == [(members, complemented, len(basis))]
    other = bytes(rng.getrandbits(1) for _ in range(n))
    assert collusion.codeword_sets(h, other, vectors, words, basis, [2, 3]) == [] or len(basis) < 40
    want = math.log10(2 * math.comb(200, 3)) - len(basis) * math.log10(2) - math.log10(0.25 / 4)
    assert collusion.codeword_log10_bound(200, 3, 0.25, len(basis)) == pytest.approx(min(0.0, want))


def test_sizes_searched_depend_on_the_registry_size():
    assert collusion.sizes_searched(40) == [2, 3, 4, 5]
    assert collusion.sizes_searched(1_000) == [2, 3, 4, 5]
    assert collusion.sizes_searched(2_000) == [2, 3, 4]
    assert collusion.sizes_searched(5_000) == [2]


def test_decoded_bounds_are_the_sets_searched_times_two_to_the_minus_the_vector_width():
    n, share = 1_000, 0.25
    for words in (1, 2):
        for size in (2, 3, 4, 5):
            want = math.log10(math.comb(n, size)) - 64 * words * math.log10(2) - math.log10(share / 4)
            assert collusion.decoded_log10_bound(n, size, share, words) == pytest.approx(want)
    assert collusion.decoded_log10_bound(1_000, 3, 0.25) < -9  # a triple is named at 1e-9 among 1,000
    assert collusion.decoded_log10_bound(1_000, 4, 0.25) > -9  # a set of 4 is not with 64-bit vectors,
    assert collusion.decoded_log10_bound(1_000, 5, 0.25, 2) < -20  # a set of 5 is with 128-bit ones


@pytest.mark.parametrize("words", [1, 2])
def test_pair_tests_of_innocents_are_calibrated(words):
    """Every pair's phantom codeword is a fair coin per carrier when its
    vectors are independent of the leak: the two-sided bound holds."""
    rng = random.Random(7)
    h = _carriers(rng, 200, words)
    leak = bytes(rng.getrandbits(1) for _ in range(200))
    pv, _pairs = collusion.pair_vectors(_random_vectors(rng, 60, words))
    bounds = [codes.two_sided_binomial_log10(200, m)
              for m in collusion.matches(h, leak, codes.vector_array(pv, words), words)]
    n = len(bounds)
    for x in (0.1, 0.01):
        assert sum(b <= math.log10(x) for b in bounds) / n <= x + 4 * math.sqrt(x / n)
