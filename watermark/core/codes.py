"""Recipient codewords and their scores.

Every value here is a keyed PRF (SipHash-2-4 under a BLAKE2b sub-key) of a
carrier identity, so a recipient's bit at a carrier is the same in every
file and every release that contains that carrier, and independent across
distinct identities. That independence is what the bounds below rest on.

Two codes:

unbiased  each bit is 1 with probability 1/2: carrier i gets a secret
          vector h_i (the PRF of its identity), recipient r a secret
          non-zero vector s_r, and r's bit is the parity of
          h_i AND s_r (an inner product over GF(2)); vectors are 64 bits
          in scheme 1 and 128 bits since scheme 2. For an innocent r'
          whose vector is outside the span of the leakers' vectors (all but
          certain: 2^-64, or 2^-128, per vector), the bits at distinct carriers are
          independent fair coins, independent of everything the leakers
          see, so the number of matching bits is Binomial(n, 1/2) exactly
          and the bound is the exact binomial tail. Linear bits let the C
          core score many recipients without a PRF call each: bit-sliced,
          64 carriers' parities for one recipient cost 8 table lookups.
          Strongest against a single leaker.
tardos    carrier i has a bias p_i = sin^2(r), r uniform on
          [t', pi/2 - t'], t' = asin(sqrt(t)) (the arcsine law with cutoff
          t); a recipient's bit is 1 with probability p_i. Score: Skoric et
          al.'s symmetric Tardos score, sum of g(y_i, x_i, p_i) with
          g = sqrt((1-p)/p) or sqrt(p/(1-p)) by sign; for an innocent each
          term has mean 0, variance 1 and is at most M = sqrt((1-t)/t), so
          Bernstein's inequality bounds the tail:
          P(S >= s) <= exp(-s^2 / (2 (n + M s / 3))). Resists collusion of
          several recipients who merge their copies.

The unbiased code's score is stratified (stratified_log10): besides the
test on all carriers, one on the carriers where the leak reads 1 and one
where it reads 0, the best of the three taken times 3; the strata depend on
the leak only, so each test stays exact for an innocent. Both codes are
scored on both tails. Disagreement beyond chance is evidence
exactly as agreement is: a leaker who complements the blank-line state of
every eligible boundary (the rules are public; no key needed) leaves a copy
that agrees with the recipient's bits nowhere. For an innocent the matches
are Binomial(n, 1/2) (the score a sum of bounded zero-mean terms) whichever
way the leaker turned them, so the two-sided bound is twice the smaller
tail: 2 P(X >= max(m, n - m)) for the unbiased code, and
2 exp(-s^2 / (2 (n + M |s| / 3))) for Tardos (every term lies in [-M, M]).
`Score.complemented` says which tail: the copy holds the complement of the
recipient's bits.
"""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, replace

from ..backend import BACKEND
from ..errors import ArgumentError
from .enums import Named
from .keys import Key, check_recipient

_TWO64 = float(1 << 64)
_EXACT_TAIL_LIMIT = 20_000  # above this many carriers, the Chernoff bound


# The scheme of the marks: how fingerprints, carrier identities, the keyed
# selection and recipients' bits are derived (pinned by tests/golden). A
# change to any of them is a new scheme; the registry records each
# release's, and every scheme in SCHEMES_READ stays traceable.
#   1  watermark 0.1.0: the unbiased code's vectors are 64 bits
#   2  the next release: 128-bit vectors (h_i two PRF words, s_r 16 bytes), so a
#      decoded XOR of up to 5 copies is named among thousands of recipients
#      (core/collusion.py); everything else as scheme 1
#   3  the boundaries between the elements of an array literal (JavaScript,
#      TypeScript) carry marks too (core/carriers.py); everything else as
#      scheme 2
SCHEME = 3
SCHEMES_READ = frozenset({1, 2, 3})
VECTOR_WORDS = {1: 1, 2: 2, 3: 2}  # the unbiased code's vector width per scheme, in 64-bit words
ELEMENTS_SINCE = 3  # the first scheme whose carriers include element boundaries


class CodeName(Named):
    """The recipient codes."""

    UNBIASED = "unbiased"  # each bit a fair coin per recipient (XOR-linear: merged copies decode)
    TARDOS = "tardos"  # biased bits (Tardos' code), with a cutoff


@dataclass(frozen=True)
class Code:
    """A code: "unbiased", or "tardos" with its bias cutoff t; `scheme`
    fixes how its bits are derived (the unbiased code's vector width)."""

    name: CodeName = CodeName.UNBIASED
    cutoff: float = 0.0
    scheme: int = SCHEME

    def __post_init__(self) -> None:
        if self.name not in (CodeName.UNBIASED, CodeName.TARDOS):
            raise ArgumentError(f"unknown code {self.name!r}; use 'unbiased' or 'tardos'")
        object.__setattr__(self, "name", CodeName(self.name))
        if self.name == CodeName.TARDOS and not 0.0 < self.cutoff < 0.5:
            raise ArgumentError("the Tardos cutoff t must be in (0, 0.5)")
        if self.scheme not in SCHEMES_READ:
            raise ArgumentError(f"unknown scheme {self.scheme!r}; this watermark reads scheme "
                             f"{', '.join(map(str, sorted(SCHEMES_READ)))}")

    @property
    def words(self) -> int:
        """The unbiased code's vector width, in 64-bit words."""
        return VECTOR_WORDS[self.scheme]

    def of_scheme(self, scheme: int) -> Code:
        """This code with the bits of another scheme."""
        return replace(self, scheme=scheme)

    @classmethod
    def of(cls, code: Code | str | None) -> Code:
        if code is None:
            return DEFAULT_CODE
        if isinstance(code, Code):
            return code
        if code == CodeName.TARDOS:
            return TARDOS
        if code not in tuple(CodeName):
            raise ArgumentError(f"unknown code {code!r}; use 'unbiased' or 'tardos'")
        return cls(CodeName(code))


TARDOS = Code(CodeName.TARDOS, 0.01)
DEFAULT_CODE = Code(CodeName.UNBIASED)
_WORD = (1 << 64) - 1


def prf(key: bytes, words: array, stride: int) -> array:
    """SipHash of each run of `stride` words under a 16-byte sub-key."""
    return BACKEND.prf(key, words, stride)


def carrier_vectors(key: Key, identities: array, words: int = 1) -> array:
    """h_i of each carrier identity (unbiased code), `words` 64-bit words
    each (least significant first): word 0 as in scheme 1, word 1 from its
    own sub-key."""
    lo = prf(key.subkey(b"wm-bit-carrier"), identities, 1)
    if words == 1:
        return lo
    out = array("Q", bytes(8 * words * len(identities)))
    out[0::words] = lo
    for w in range(1, words):
        out[w::words] = prf(key.subkey(b"wm-bit-carrier-%d" % (w + 1)), identities, 1)
    return out


def recipient_vector(key: Key, recipient: str, words: int = 1) -> int:
    """s_r: the recipient's non-zero vector of 64 x `words` bits (unbiased code)."""
    name = check_recipient(recipient).encode("utf-8")
    if words == 1:
        s = int.from_bytes(key.subkey(b"wm-recipient-vec", name, size=8), "little")
    else:
        s = int.from_bytes(key.subkey(b"wm-recip-vec-%d" % (64 * words), name, size=8 * words), "little")
    return s or 1


def vector_array(vectors: list[int] | array, words: int = 1) -> array:
    """Vectors as one array of 64-bit words, `words` per vector, least
    significant first (what the backend's linear scorer reads)."""
    if words == 1:
        return vectors if isinstance(vectors, array) else array("Q", vectors)
    return array("Q", ((v >> (64 * w)) & _WORD for v in vectors for w in range(words)))


def vectors_of(a: array, words: int = 1) -> list[int]:
    """The vectors of an array of `words`-word vectors (vector_array's inverse)."""
    if words == 1:
        return list(a)
    return [sum(a[k + w] << (64 * w) for w in range(words)) for k in range(0, len(a), words)]


def linear_bits(h: array, vector: int, words: int = 1) -> bytes:
    """Unbiased code: parity(h_i AND s_r) for each carrier vector h_i."""
    return BACKEND.linear_bits(h, vector, words)


def thresholds(p: list[float]) -> array:
    """Tardos: a recipient's bit is 1 iff its 64-bit draw is below p_i * 2^64."""
    return array("Q", (min(int(pi * _TWO64), (1 << 64) - 1) for pi in p))


def biases(key: Key, identities: array, cutoff: float) -> list[float]:
    """Tardos bias p_i of each carrier (arcsine law, cutoff t)."""
    lo = math.asin(math.sqrt(cutoff))
    span = math.pi / 2 - 2 * lo
    return [math.sin(lo + span * (u / _TWO64)) ** 2
            for u in prf(key.subkey(b"wm-tardos-bias"), identities, 1)]


def recipient_bits(key: Key, recipient: str, identities: array, code: Code,
                   p: list[float] | None = None) -> bytes:
    """The recipient's bit at each carrier identity (`p`: the Tardos biases,
    if the caller has them already)."""
    if code.name == CodeName.UNBIASED:
        return linear_bits(carrier_vectors(key, identities, code.words), recipient_vector(key, recipient, code.words),
                           code.words)
    draws = prf(key.recipient_key(recipient), identities, 1)
    if p is None:
        p = biases(key, identities, code.cutoff)
    return bytes(u < t for u, t in zip(draws, thresholds(p)))


@dataclass(frozen=True)
class Score:
    score: float  # unbiased: matching bits; tardos: the symmetric score
    matches: int
    carriers: int
    log10_bound: float  # log10 of the two-sided false-accusation bound (<= 0)
    complemented: bool = False  # which tail: fewer matches than chance (for an accused: a complemented copy)

    @property
    def bound(self) -> float:
        return 10.0 ** self.log10_bound


def check_level(level: float) -> float:
    """A significance level: a probability in (0, 1)."""
    if not 0.0 < level < 1.0:
        raise ArgumentError("level is a probability in (0, 1)")
    return float(level)


def score(key: Key, recipient: str, identities: array, observed: bytes, code: Code) -> Score:
    """Score one recipient on deduplicated observations."""
    return score_many(key, [recipient], identities, observed, code)[0]


def score_many(key: Key, recipients: list[str], identities: array, observed: bytes,
               code: Code) -> list[Score]:
    """score() for every recipient, in one backend pass over the carriers."""
    n = len(identities)
    if code.name == CodeName.UNBIASED:
        w = code.words
        vectors = vector_array([recipient_vector(key, r, w) for r in recipients], w)
        h = carrier_vectors(key, identities, w)
        ones = [k for k, b in enumerate(observed) if b & 1]
        zeros = [k for k, b in enumerate(observed) if not b & 1]
        h1 = array("Q", (h[w * k + j] for k in ones for j in range(w)))
        h0 = array("Q", (h[w * k + j] for k in zeros for j in range(w)))
        matches1 = BACKEND.score_linear(h1, b"\x01" * len(ones), vectors, w)  # recipient bits 1 where the leak reads 1
        matches0 = BACKEND.score_linear(h0, bytes(len(zeros)), vectors, w)
        tails: dict[tuple[int, int], tuple[float, bool]] = {}
        out = []
        for m1, m0 in zip(matches1, matches0):
            if (m1, m0) not in tails:
                tails[(m1, m0)] = stratified_log10(n, len(ones), m1, m0)
            log10_bound, complemented = tails[(m1, m0)]
            out.append(Score(m1 + m0, m1 + m0, n, log10_bound, complemented))
        return out
    p = biases(key, identities, code.cutoff)
    up = array("d", (math.sqrt((1 - pi) / pi) for pi in p))
    down = array("d", (math.sqrt(pi / (1 - pi)) for pi in p))
    keys = b"".join(key.recipient_key(r) for r in recipients)
    scores, matches = BACKEND.score_tardos(identities, observed, thresholds(p), up, down, keys)
    big = math.sqrt((1 - code.cutoff) / code.cutoff)
    return [Score(s, m, n, two_sided_bernstein_log10(n, s, big), s < 0) for s, m in zip(scores, matches)]


STRATA = 3  # unbiased code: tests per recipient (all carriers; where the leak reads 1; where it reads 0)


def stratified_log10(n: int, n1: int, m1: int, m0: int) -> tuple[float, bool]:
    """The unbiased code's bound for one recipient, and its tail: three
    two-sided tests - on all n carriers (m1 + m0 matches), on the n1 where
    the leak reads 1 (m1) and on the n - n1 where it reads 0 (m0) - the
    smallest, times 3. Which carriers fall in which stratum depends on the
    leak only, so for an innocent m1 and m0 are again Binomial(n1, 1/2) and
    Binomial(n - n1, 1/2). A merge of colluders' copies that keeps few blank
    lines (none where they differ) leaves the evidence in the few carriers
    that read 1, where every colluder matches; the test on all carriers
    would drown it in the rest."""
    n0 = n - n1
    tests = [(two_sided_binomial_log10(n, m1 + m0), 2 * (m1 + m0) < n)]
    if n1:
        tests.append((two_sided_binomial_log10(n1, m1), 2 * m1 < n1))
    if n0:
        tests.append((two_sided_binomial_log10(n0, m0), 2 * m0 < n0))
    log10_bound, complemented = min(tests)
    return min(0.0, log10_bound + math.log10(STRATA)), complemented


def binomial_tail_log10(n: int, m: int) -> float:
    """log10 P(Binomial(n, 1/2) >= m): the exact tail (to a relative error
    of about 1e-12), or Chernoff for huge n."""
    if m <= 0:
        return 0.0
    if m > n:
        return -math.inf
    if n <= _EXACT_TAIL_LIMIT:
        if 2 * m <= n + 1:  # at least about 1/2: exactly, in integers (terms rise from m on)
            term, tail = 1, 1  # C(n, n)
            for k in range(n, m, -1):
                term = term * k // (n - k + 1)  # C(n, k-1), exact
                tail += term
            return min(0.0, math.log10(tail) - n * math.log10(2))
        # C(n, m) / 2^n times the sum of the falling ratios C(n, k) / C(n, m),
        # k = m, m + 1, ... until they no longer change the sum
        first = math.lgamma(n + 1) - math.lgamma(m + 1) - math.lgamma(n - m + 1) - n * math.log(2)
        total = ratio = 1.0
        for k in range(m, n):
            ratio *= (n - k) / (k + 1)
            total += ratio
            if ratio < total * 1e-17:
                break
        return min(0.0, (first + math.log(total)) / math.log(10))
    q = m / n
    if q <= 0.5:
        return 0.0
    kl = q * math.log(2 * q) + ((1 - q) * math.log(2 * (1 - q)) if q < 1 else 0.0)
    return -n * kl / math.log(10)


_LOG10_2 = math.log10(2)


def two_sided_binomial_log10(n: int, m: int) -> float:
    """log10 of the two-sided bound for m matches of n fair coins:
    2 P(X >= max(m, n - m)), at most 1."""
    return min(0.0, binomial_tail_log10(n, max(m, n - m)) + _LOG10_2)


def two_sided_bernstein_log10(n: int, s: float, bound: float) -> float:
    """log10 of Bernstein's two-sided bound on P(|S| >= |s|) for a sum of n
    independent zero-mean, unit-variance terms each in [-bound, bound]."""
    return min(0.0, bernstein_log10(n, abs(s), bound) + _LOG10_2)


def bernstein_log10(n: int, s: float, bound: float) -> float:
    """log10 of Bernstein's bound on P(S >= s) for a sum of n independent
    zero-mean, unit-variance terms each at most `bound`."""
    if s <= 0 or n == 0:
        return 0.0
    return -(s * s) / (2 * (n + bound * s / 3)) / math.log(10)


def binomial_tail_log10_p(n: int, m: int, p: float) -> float:
    """log10 P(Binomial(n, p) >= m), summed in floating point."""
    if m <= 0:
        return 0.0
    if m > n:
        return -math.inf
    logs = [math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
            + k * math.log(p) + (n - k) * math.log1p(-p) for k in range(m, n + 1)]
    top = max(logs)
    return min(0.0, (top + math.log(sum(math.exp(x - top) for x in logs))) / math.log(10))
