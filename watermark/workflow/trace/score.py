"""Scoring: each identity counts once, and every recipient registered with
the key's releases is scored in one C pass.

With N recipients and R rounds (R = 3, or 1 for one recipient), a recipient
whose bound is at most level x w / (N x R) is accused, w the singles' share
of the level (1, or 1/2 when phantom recipients are searched too:
trace/decode.py). Each test is two-sided (agreement or disagreement beyond
chance, so a complemented copy is named too), and its bound is already
twice the smaller tail; the corrected bound reported is
min(1, N x R x bound / w): a union bound over every test made, so the
chance that any innocent is accused stays <= level.

Later rounds find the other contributors of a merged copy: they rescore the
recipients not yet accused on the carriers that no recipient accused so far
explains (where the leak disagrees with it, or, for one accused on a
complemented copy, agrees with it). For an innocent, those carriers are
chosen from the leak and the accused recipients' bits, which are
independent of its own bits, so its matches there are again Binomial(n, ½)
(unbiased code) and each round's bound holds.
"""
from __future__ import annotations

import math
from array import array

from ...core.codes import Code, recipient_bits, score_many
from ...core.keys import Key
from .model import Suspicion

ROUNDS = 3  # first scoring plus two rounds for further contributors of a merged copy


def score_rounds(key: Key, recipients: list[str], identities: array, bits: bytes, code: Code,
                 level: float, share: float = 1.0) -> list[Suspicion]:
    """Score, accuse, and rescore the rest where the leak disagrees with
    everyone accused so far; `share` of the level is theirs. Every
    recipient's best verdict, most suspect first."""
    rounds = ROUNDS if len(recipients) > 1 else 1
    n_tests = max(1, len(recipients)) * rounds
    correction = math.log10(n_tests) - math.log10(share)
    threshold = math.log10(level)
    best: dict[str, Suspicion] = {}
    remaining = list(recipients)
    ids, obs = identities, bits
    for rnd in range(1, rounds + 1):
        if not remaining or not len(ids):
            break
        scores = score_many(key, remaining, ids, obs, code)
        newly: list[tuple[str, bool]] = []  # accused in this round, and whether on a complemented copy
        for r, s in zip(remaining, scores):
            log10_bound = min(0.0, s.log10_bound + correction)
            suspicion = Suspicion(r, s.score, s.matches, s.carriers, 10.0 ** log10_bound, log10_bound,
                                  s.carriers > 0 and log10_bound <= threshold, level, code.name,
                                  complemented=s.complemented, round=rnd)
            if r not in best or suspicion.accused or (not best[r].accused and log10_bound < best[r].log10_bound):
                best[r] = suspicion
            if suspicion.accused:
                newly.append((r, s.complemented))
        if not newly:
            break
        accused_now = {r for r, _c in newly}
        remaining = [r for r in remaining if r not in accused_now]
        ids, obs = _unexplained(key, newly, ids, obs, code)
    return rank(list(best.values()))


def _unexplained(key: Key, newly: list[tuple[str, bool]], ids: array, obs: bytes, code: Code) -> tuple[array, bytes]:
    """The carriers no recipient accused in this round explains: where the
    leak disagrees with its bits (agrees, for a complemented copy)."""
    disagree = bytearray(b"\x01") * len(ids)
    for r, complemented in newly:
        mine = recipient_bits(key, r, ids, code)
        for k, (x, y) in enumerate(zip(mine, obs)):
            if (x == y) != complemented:
                disagree[k] = 0
    keep = [k for k, d in enumerate(disagree) if d]
    return array("Q", (ids[k] for k in keep)), bytes(obs[k] for k in keep)


def rank(suspicions: list[Suspicion]) -> list[Suspicion]:
    """Accused first, then by bound, score and name."""
    return sorted(suspicions, key=lambda s: (not s.accused, s.log10_bound, -s.score, s.recipient))


__all__ = ["ROUNDS", "rank", "score_rounds"]
