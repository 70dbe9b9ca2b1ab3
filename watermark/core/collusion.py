"""Colluders against the linear (unbiased) code: phantom recipients.

The unbiased code is linear over GF(2): recipient r's bit at carrier i is
h_i . s_r. Whatever rule c colluders use to merge their copies (a function
f of their c bits at each carrier: majority, minority, XOR, "a blank line
where we differ", ...), f is either correlated with one colluder's bits -
which the ordinary score sees, on either tail - or with the parity of some
subset S of them, which is the codeword of a *phantom recipient*
XOR_{j in S} s_j. So a merged copy is traced by scoring XOR combinations of
registered recipients as if they were recipients:

pairs    every s_a XOR s_b is scored like a recipient (the C scorer, one
         pass): catches any merge correlated with a pair, e.g. the XOR of
         two copies (agreement 100%) or "a blank line where three copies
         differ" (75%).
decoded  for merges that are exactly linear (the XOR of 2 to 5 copies; for
         3 copies that is also the minority), the phantom vector itself is
         solved for from the leak: y_i = h_i . s XOR c over GF(2), 65
         unknowns (129 with scheme 2's 128-bit vectors), by Gaussian
         elimination on random subsets of the carriers (so misread carriers
         do not spoil it). The solution s* is then split into 2 to 5
         registered vectors, meet in the middle (the backend's xor_sets,
         csrc/wm_collusion.c; MAX_DECODE: how large a registry each size is
         searched in).

Bounds (rigorous; the pair bound assumes the leak was made from at most
SPAN_COPIES = 8 copies, as the singles' bound assumes the leakers' vectors
span no innocent's, both to within terms of order 2^8 / 2^b per test, b the vector width):
  * pair {a, b} with a innocent: s_a is a uniform b-bit PRF output (b =
    64 in scheme 1, 128 in scheme 2), independent of the leak, of every h_i
    and of s_b, so s_a XOR s_b is uniform. Unless it falls in the span of
    the (at most g) vectors the leak was made from - probability 2^g / 2^b
    - its bits are fair coins independent of the leak, and its matches
    Binomial(n, 1/2). Per pair: two-sided tail + 2^g / 2^b; we take g =
    SPAN_COPIES = 8 (a leak merged from up to 8 copies: with b = 64 the
    term is 1.4e-11 per 10^6 pairs).
  * decoded {a, b, ...} with a innocent: s* is a function of the leak and
    the h_i only, independent of s_a, so P(s_a = s* XOR s_b XOR ...) =
    2^-b for each set searched: the bound of a set of k is C(N, k) x 2^-b
    over its share, whatever the agreement (which is reported). With
    scheme 1's 64-bit vectors this caps what decoding can name: at N =
    1,000, sets of 3 reach 1e-10, sets of 4 only 5e-8. Scheme 2's 128-bit
    vectors take a set of 5 among 1,000 to 4e-25 (README, code table).
Each family is corrected for every combination it searched and gets its
share of the level (trace.py: singles 1/2, pairs 1/4, decoded 1/4).
"""
from __future__ import annotations

import math
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

from ..backend import BACKEND
from .codes import vector_array, vectors_of

SPAN_COPIES = 8  # g above: the span term assumes a merge of at most this many copies
MAX_PAIR_SCORING = 2_000_000  # pairs scored by brute force at most (N about 2,000)
_SPARE = 32  # equations per elimination beyond the unknowns
_TRIES = 300
_UNBALANCED = 0.15  # a leak with fewer 1s (or 0s) than this share is not solved
_LOG10_2 = math.log10(2)


@dataclass(frozen=True)
class Phantom:
    """A solution of the leak as a linear codeword: y = h . vector XOR
    complemented, holding at `matches` of `carriers`."""

    vector: int
    complemented: bool
    matches: int
    carriers: int


def _parity(x: int) -> int:
    return x.bit_count() & 1


def _solve(rows: list[tuple[int, int]]) -> int | None:
    """x with parity(mask & x) == rhs for every row, free variables 0; None
    if the rows contradict each other."""
    basis: dict[int, tuple[int, int]] = {}  # leading bit -> (mask, rhs)
    for mask, rhs in rows:
        while mask:
            lead = mask.bit_length() - 1
            if lead not in basis:
                basis[lead] = (mask, rhs)
                break
            bm, br = basis[lead]
            mask, rhs = mask ^ bm, rhs ^ br
        else:
            if rhs:
                return None
    x = 0
    for lead in sorted(basis):
        mask, rhs = basis[lead]
        x |= (rhs ^ _parity(mask & x & ~(1 << lead))) << lead
    return x


def solve(h: array, bits: bytes, words: int = 1, *, seed: int = 0, tries: int = _TRIES) -> Phantom | None:
    """The linear codeword (vector, complement) that agrees with the leak
    best, found by eliminating on random subsets of the carriers (`words`
    64-bit words per vector h_i); None with too few carriers to determine
    one (fewer than the unknowns + _SPARE)."""
    n = len(h) // words
    width = 64 * words
    sample = sample_size(words)
    if n < sample:
        return None
    ones = sum(b & 1 for b in bits)
    if not _UNBALANCED * n <= ones <= (1 - _UNBALANCED) * n:
        # a non-zero vector's codeword reads 1 at about half the carriers, so
        # it agrees with a leak that reads mostly one value (marks stripped:
        # every blank line gone) at far below the 75% trace decodes at
        return None
    rows = vectors_of(h, words)
    rng = random.Random(seed)
    top = 1 << width
    best: Phantom | None = None
    for _ in range(tries):
        picks = rng.sample(range(n), sample)
        x = _solve([(rows[i] | top, bits[i] & 1) for i in picks])
        if x is None:
            continue
        vector, complemented = x & (top - 1), bool(x >> width)
        if vector == 0:
            continue
        m = matches(h, bits, vector_array([vector], words), words)[0]
        agree = n - m if complemented else m
        if best is None or agree > best.matches:
            best = Phantom(vector, complemented, agree, n)
        if best.matches >= 0.97 * n:
            break
    return best


def matches(h: array, bits: bytes, vectors: array, words: int = 1) -> array:
    """Matching bits of each (phantom) vector's codeword with the leak."""
    return BACKEND.score_linear(h, bits, vectors, words)


def pair_vectors(vectors: list[int]) -> tuple[list[int], list[tuple[int, int]]]:
    """s_a XOR s_b for every pair a < b, and the pairs."""
    pairs = list(combinations(range(len(vectors)), 2))
    return [vectors[a] ^ vectors[b] for a, b in pairs], pairs


# Decoding splits s* into sets of 2..5 registered vectors, searching each
# size only up to a registry size where it is cheap (native, 2 cores: a
# second or two at each limit) and its table of the N(N-1)/2 pairs' XORs
# fits in memory (80 MB at 3,000): a dictionary lookup each for 2, C(N, k - 2)
# lookups in the pairs table for 3 to 5 (wm_xor_sets).
MAX_DECODE = {2: 10**9, 3: 3_000, 4: 3_000, 5: 1_100}


def sizes_searched(n: int) -> list[int]:
    """The set sizes `decompose` searches among n recipients."""
    return [k for k, limit in MAX_DECODE.items() if n <= limit and n >= k]


def decompose(target: int, vectors: list[int], words: int = 1) -> Iterator[tuple[int, ...]]:
    """Sets of 2 to 5 indexes whose vectors XOR to `target` (the sizes of
    sizes_searched), smallest first."""
    sizes = sizes_searched(len(vectors))
    found: list[tuple[int, ...]] = []
    if 2 in sizes:
        index: dict[int, list[int]] = {}
        for k, v in enumerate(vectors):
            index.setdefault(v, []).append(k)
        found.extend(sorted((a, b) for a, va in enumerate(vectors) for b in index.get(target ^ va, ()) if b > a))
    packed = vector_array(vectors, words)
    for size in sizes:
        if size > 2:
            found.extend(BACKEND.xor_sets(packed, words, target, size))
    yield from found


# ---- small leaks: fewer carriers than solve needs ------------------------------------

def _independent(rows: list[int], limit: int) -> list[int]:
    """Indexes of a maximal set of linearly independent rows, at most `limit`."""
    basis: dict[int, int] = {}
    kept: list[int] = []
    for k, row in enumerate(rows):
        x = row
        while x:
            lead = x.bit_length() - 1
            if lead not in basis:
                basis[lead] = x
                kept.append(k)
                break
            x ^= basis[lead]
        if len(kept) == limit:
            break
    return kept


@dataclass(frozen=True)
class CodewordSet:
    """Recipients whose codewords XOR to the leak on `rank` carriers with
    linearly independent vectors h_i (complemented: to its complement)."""

    members: tuple[int, ...]
    complemented: bool
    rank: int


def independent_carriers(h: array, words: int) -> list[int]:
    """Up to 128 carriers whose vectors h_i are linearly independent (the
    first ones, in order)."""
    return _independent(vectors_of(h, words), 128)


def codeword_sets(h: array, bits: bytes, vectors: list[int], words: int, basis: list[int],
                  sizes: list[int]) -> list[CodewordSet]:
    """Decoding a leak too small to solve for its phantom vector (fewer
    carriers than its b + 1 unknowns need): the sets of `sizes` registered
    recipients whose codewords XOR to the leak, or to its complement,
    exactly, on the carriers of `basis` (independent_carriers: h_i linearly
    independent), by the backend's xor_sets on the codewords restricted to
    them. For a set holding an innocent a, M s_a (M: those rows h_i) is
    uniform over 2^rank values (rank = len(basis)) and independent of the
    leak and of the other members, so the set matches with probability
    2^-rank per target: bound 2 x C(N, k) x 2^-rank (codeword_log10_bound)."""
    rank = len(basis)
    if rank == 0 or not sizes:
        return []
    sub = array("Q", (h[words * k + w] for k in basis for w in range(words)))
    code = [sum(b << i for i, b in enumerate(BACKEND.linear_bits(sub, s, words))) for s in vectors]
    leak = sum((bits[k] & 1) << i for i, k in enumerate(basis))
    packed = vector_array(code, 2)
    found: list[CodewordSet] = []
    for size in sizes:
        for complemented, target in ((False, leak), (True, leak ^ ((1 << rank) - 1))):
            found.extend(CodewordSet(m, complemented, rank) for m in BACKEND.xor_sets(packed, 2, target, size))
    return sorted(found, key=lambda c: (len(c.members), c.members))


def codeword_log10_bound(n_recipients: int, size: int, share: float, rank: int) -> float:
    """log10 of the bound of a codeword set (codeword_sets): 2 targets x the
    sets of that size x 2^-rank, over that size's part of the share (split
    evenly over the sizes of sizes_searched, as for solved phantoms)."""
    part = share / max(1, len(sizes_searched(n_recipients)))
    return min(0.0, math.log10(2 * max(1, math.comb(n_recipients, size))) - rank * _LOG10_2 - math.log10(part))


def sample_size(words: int) -> int:
    """Carriers solve needs at least: the unknowns and _SPARE more."""
    return 64 * words + 1 + _SPARE


def decoded_log10_bound(n_recipients: int, size: int, share: float, words: int = 1) -> float:
    """log10 of the bound of a decoded set of `size` recipients: the sets of
    that size searched x 2^-(64 words), over that size's part of the
    family's share of the level (split evenly over the sizes searched)."""
    sizes = sizes_searched(n_recipients)
    part = share / max(1, len(sizes))
    return min(0.0, math.log10(max(1, math.comb(n_recipients, size))) - 64 * words * _LOG10_2 - math.log10(part))


def span_log10(pairs: int, words: int = 1) -> float:
    """log10 of the span term of `pairs` pairs: pairs x 2^g / 2^(64 words)."""
    return math.log10(max(1, pairs)) + (SPAN_COPIES - 64 * words) * _LOG10_2


__all__ = ["CodewordSet", "codeword_log10_bound", "codeword_sets", "independent_carriers", "sample_size",
           "MAX_DECODE", "MAX_PAIR_SCORING", "Phantom", "SPAN_COPIES", "decompose", "decoded_log10_bound",
           "matches", "pair_vectors", "sizes_searched", "solve", "span_log10"]
