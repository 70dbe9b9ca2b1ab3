"""Codes and scorers in plain Python: the reference of wm_linear_bits,
wm_score_linear and wm_score_tardos (csrc/wm_carriers.c), written as the
definitions the C computes faster (bit-sliced tables, batched SipHash)."""
from __future__ import annotations

from array import array

from .hashes import siphash


def linear_bits(h: array, vector: int) -> bytes:
    """Unbiased code: parity(h_i AND s_r) for each carrier vector h_i."""
    return bytes((x & vector).bit_count() & 1 for x in h)


def score_linear(h: array, observed: bytes, vectors: array) -> array:
    """Matching bits of each recipient vector against the observed bits."""
    if len(observed) != len(h):
        raise ValueError("one observed bit per carrier")
    return array("I", (sum(((x & s).bit_count() & 1) == (y & 1) for x, y in zip(h, observed)) for s in vectors))


def score_tardos(identities: array, observed: bytes, thresholds: array, up: array, down: array,
                 recipient_keys: bytes) -> tuple[array, array]:
    """Skoric's symmetric Tardos score and the matches of each recipient
    (16-byte PRF keys): its bit is siphash(key, identity) < threshold."""
    n = len(identities)
    if not len(observed) == len(thresholds) == len(up) == len(down) == n or len(recipient_keys) % 16:
        raise ValueError("score_tardos: inconsistent lengths")
    scores, matches = array("d"), array("I")
    for r in range(0, len(recipient_keys), 16):
        key = recipient_keys[r:r + 16]
        total, same = 0.0, 0
        for i in range(n):
            x = siphash(key, identities[i].to_bytes(8, "little")) < thresholds[i]
            y = observed[i]
            same += x == y
            if y:
                total += up[i] if x else -down[i]
            else:
                total += -up[i] if x else down[i]
        scores.append(total)
        matches.append(same)
    return scores, matches
