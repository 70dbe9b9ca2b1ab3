"""Codes and scorers in plain Python: the reference of wm_linear_bits,
wm_score_linear and wm_score_tardos (csrc/wm_carriers.c) and wm_xor_sets
(csrc/wm_collusion.c), written as the definitions the C computes faster
(bit-sliced tables, batched SipHash, a hash table of pairs).

A linear-code vector is `words` 64-bit words, least significant first (1 in
scheme 1, 2 in scheme 2); an array of vectors holds them one after another."""
from __future__ import annotations

from array import array

from .hashes import siphash


def wide(a: array, words: int) -> list[int]:
    """The vectors of an array of `words`-word vectors, as integers."""
    if len(a) % words:
        raise ValueError(f"an array of {words}-word vectors")
    if words == 1:
        return list(a)
    return [sum(a[k + w] << (64 * w) for w in range(words)) for k in range(0, len(a), words)]


def linear_bits(h: array, vector: int, words: int = 1) -> bytes:
    """Unbiased code: parity(h_i AND s_r) for each carrier vector h_i."""
    return bytes((x & vector).bit_count() & 1 for x in wide(h, words))


def score_linear(h: array, observed: bytes, vectors: array, words: int = 1) -> array:
    """Matching bits of each recipient vector against the observed bits."""
    hs = wide(h, words)
    if len(observed) != len(hs):
        raise ValueError("one observed bit per carrier")
    return array("I", (sum(((x & s).bit_count() & 1) == (y & 1) for x, y in zip(hs, observed))
                       for s in wide(vectors, words)))


def xor_sets(vectors: array, words: int, target: int, size: int) -> list[tuple[int, ...]]:
    """Every set of `size` (2 to 5) distinct indexes, ascending, whose
    vectors XOR to `target`, in lexicographic order: a table of pairs, then
    a lookup per set of size - 2 (meet in the middle)."""
    if not 2 <= size <= 5:
        raise ValueError("sets of 2 to 5 vectors")
    vs = wide(vectors, words)
    n = len(vs)
    pairs: dict[int, list[tuple[int, int]]] = {}
    for a in range(n):
        va = vs[a]
        for b in range(a + 1, n):
            pairs.setdefault(va ^ vs[b], []).append((a, b))
    found: list[tuple[int, ...]] = []

    def walk(prefix: tuple[int, ...], acc: int, q: int) -> None:
        if q == 0:  # (size 2 only)
            found.extend(pairs.get(target ^ acc, ()))
            return
        start = prefix[-1] + 1 if prefix else 0
        if q == 1:  # the last index of the prefix, then the pairs above it
            for a in range(start, n - 2):
                for d, e in pairs.get(target ^ acc ^ vs[a], ()):
                    if d > a:
                        found.append((*prefix, a, d, e))
            return
        for a in range(start, n - 1 - q):
            walk((*prefix, a), acc ^ vs[a], q - 1)

    walk((), 0, size - 2)
    return sorted(found)


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
