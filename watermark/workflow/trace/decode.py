"""Phantom recipients: a copy merged from several recipients' copies
(unbiased code) reads, carrier by carrier, as the XOR of their codewords
(core/collusion.py). Besides each recipient's own bits, trace tests pairs
of codewords and the sets the leak decodes into, each family with its share
of the level (weighted Bonferroni): singles 1/2, pairs 1/4, decoded sets
1/4. A recipient accused through a phantom is reported with `test` "pair"
or "decoded" and the others of its set in `combined`."""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

from ...core import collusion
from ...core.codes import Code, CodeName, carrier_vectors, recipient_vector, two_sided_binomial_log10, vector_array
from ...core.keys import Key
from .model import DecodedSet, Suspicion, Test
from .score import rank

SINGLES_SHARE, PAIRS_SHARE, DECODED_SHARE = 0.5, 0.25, 0.25


@dataclass
class _Search:
    """One leak's phantom search: its carriers' vectors, the recipients'
    codewords, and what was found."""

    recipients: list[str]
    bits: bytes
    h: array  # the carriers' vectors
    vectors: list[int]  # each recipient's codeword
    words: int
    level: float
    found: dict[str, Suspicion] = field(default_factory=dict)
    decoded: list[DecodedSet] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.bits)

    @property
    def threshold(self) -> float:
        return math.log10(self.level)

    def offer(self, members: tuple[int, ...], matches: int, log10_bound: float, test: Test,
              complemented: bool) -> None:
        names = [self.recipients[k] for k in members]
        for name in names:
            got = Suspicion(name, matches, matches, self.n, 10.0 ** log10_bound, log10_bound, True, self.level,
                            CodeName.UNBIASED, complemented, round=1, test=test,
                            combined=tuple(x for x in names if x != name))
            if name not in self.found or log10_bound < self.found[name].log10_bound:
                self.found[name] = got

    def decoded_set(self, members: tuple[int, ...], matches: int, log10_bound: float, complemented: bool) -> None:
        accused = log10_bound <= self.threshold
        self.decoded.append(DecodedSet(tuple(self.recipients[k] for k in members), log10_bound, matches, self.n,
                                       complemented, accused))
        if accused:
            self.offer(members, matches, log10_bound, Test.DECODED, complemented)


def with_phantoms(ranking: list[Suspicion], key: Key, recipients: list[str], identities: array, bits: bytes,
                  code: Code, level: float) -> tuple[list[Suspicion], list[DecodedSet]]:
    """The ranking, with recipients accused through phantom recipients added
    where they were not accused on their own bits; and every set the leak
    decodes into, accused or not."""
    if len(identities) == 0:
        return ranking, []
    words = code.words
    search = _Search(recipients, bits, carrier_vectors(key, identities, words),
                     [recipient_vector(key, r, words) for r in recipients], words, level)
    _pairs(search)
    phantom = collusion.solve(search.h, bits, words)
    if phantom is not None and phantom.matches >= 0.75 * search.n and phantom.vector not in set(search.vectors):
        # (a registered vector itself is one recipient's copy: the singles name it)
        _decompose(search, phantom)
    elif search.n < collusion.sample_size(words) and len(recipients) <= collusion.MAX_DECODE[3] and not any(
            s.accused and s.round == 1 and max(s.matches, search.n - s.matches) >= 0.97 * search.n for s in ranking):
        _codeword_sets(search)
    if not search.found:
        return ranking, search.decoded
    merged = [s if s.accused or s.recipient not in search.found else search.found[s.recipient] for s in ranking]
    return rank(merged), search.decoded


def _log10_sum(a: float, b: float) -> float:
    """log10(10^a + 10^b)."""
    hi, lo = max(a, b), min(a, b)
    return hi + math.log10(1.0 + 10.0 ** (lo - hi))


def _pairs(search: _Search) -> None:
    """Every pair of codewords, scored as one phantom recipient each."""
    pairs = math.comb(len(search.recipients), 2)
    if pairs > collusion.MAX_PAIR_SCORING:
        return
    n, words = search.n, search.words
    pv, pair_members = collusion.pair_vectors(search.vectors)
    correction = math.log10(pairs) - math.log10(PAIRS_SHARE)
    span = collusion.span_log10(pairs, words) - math.log10(PAIRS_SHARE)
    tails: dict[int, float] = {}
    for k, m in enumerate(collusion.matches(search.h, search.bits, vector_array(pv, words), words)):
        if abs(2 * m - n) < 8:  # nowhere near evidence: skip the tail
            continue
        if m not in tails:
            tails[m] = min(0.0, _log10_sum(two_sided_binomial_log10(n, m) + correction, span))
        if tails[m] <= search.threshold:
            search.offer(pair_members[k], m, tails[m], Test.PAIR, 2 * m < n)


def _decompose(search: _Search, phantom: collusion.Phantom) -> None:
    """The phantom solved from the carriers, split into the codewords it is
    the XOR of."""
    for members in collusion.decompose(phantom.vector, search.vectors, search.words):
        search.decoded_set(members, phantom.matches,
                           collusion.decoded_log10_bound(len(search.recipients), len(members), DECODED_SHARE,
                                                         search.words),
                           phantom.complemented)


def _codeword_sets(search: _Search) -> None:
    """Too few carriers to solve for the phantom (and the leak is no one
    recipient's codeword): sets whose codewords XOR to it exactly on
    independent carriers, of the sizes whose bound can reach the level."""
    h, bits, words, vectors, n = search.h, search.bits, search.words, search.vectors, search.n
    count = len(search.recipients)
    basis = collusion.independent_carriers(h, words)
    sizes = [k for k in collusion.sizes_searched(count)
             if collusion.codeword_log10_bound(count, k, DECODED_SHARE, len(basis)) <= search.threshold]
    for got in collusion.codeword_sets(h, bits, vectors, words, basis, sizes):
        xor = 0
        for k in got.members:
            xor ^= vectors[k]
        m = collusion.matches(h, bits, vector_array([xor], words), words)[0]
        search.decoded_set(got.members, n - m if got.complemented else m,
                           collusion.codeword_log10_bound(count, len(got.members), DECODED_SHARE, got.rank),
                           got.complemented)


__all__ = ["DECODED_SHARE", "PAIRS_SHARE", "SINGLES_SHARE", "with_phantoms"]
