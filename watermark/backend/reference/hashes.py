"""The hash functions of the C core in plain Python: the reference.

Mirrors csrc/wm_xxh64.c (XXH64, the public algorithm; `xxh64` is the
xxhash package's, and `xxh64_py` the same function straight from the
specification, held equal by the tests), csrc/wm_normalize.c (token
spellings), csrc/wm_internal.h (the sequence hash) and csrc/wm_prf.c
(SipHash-2-4, the keyed PRF). Seeds come from the C contract.
"""
from __future__ import annotations

import struct
from collections.abc import Iterable

import xxhash

from ..contract import WM_N_CHARS, WM_N_NUMBER, WM_N_NUMBER_CASE, WM_N_PY_STRING, WM_N_QUOTED, WM_SEED_TEXT

_M = (1 << 64) - 1
_P1 = 0x9E3779B185EBCA87
_P2 = 0xC2B2AE3D27D4EB4F
_P3 = 0x165667B19E3779F9
_P4 = 0x85EBCA77C2B2AE63
_P5 = 0x27D4EB2F165667C5


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M


def _round(acc: int, lane: int) -> int:
    acc = (acc + lane * _P2) & _M
    return (_rotl(acc, 31) * _P1) & _M


def _merge(acc: int, val: int) -> int:
    acc ^= _round(0, val)
    return (acc * _P1 + _P4) & _M


def xxh64_py(data: bytes, seed: int = 0) -> int:
    """XXH64 in plain Python, straight from the xxHash specification."""
    n = len(data)
    p = 0
    if n >= 32:
        v1 = (seed + _P1 + _P2) & _M
        v2 = (seed + _P2) & _M
        v3 = seed & _M
        v4 = (seed - _P1) & _M
        while p + 32 <= n:
            a, b, c, d = struct.unpack_from("<4Q", data, p)
            v1, v2, v3, v4 = _round(v1, a), _round(v2, b), _round(v3, c), _round(v4, d)
            p += 32
        h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _M
        for v in (v1, v2, v3, v4):
            h = _merge(h, v)
    else:
        h = (seed + _P5) & _M
    h = (h + n) & _M
    while p + 8 <= n:
        (k,) = struct.unpack_from("<Q", data, p)
        h ^= _round(0, k)
        h = (_rotl(h, 27) * _P1 + _P4) & _M
        p += 8
    if p + 4 <= n:
        (k,) = struct.unpack_from("<I", data, p)
        h ^= (k * _P1) & _M
        h = (_rotl(h, 23) * _P2 + _P3) & _M
        p += 4
    while p < n:
        h ^= (data[p] * _P5) & _M
        h = (_rotl(h, 11) * _P1) & _M
        p += 1
    h ^= h >> 33
    h = (h * _P2) & _M
    h ^= h >> 29
    h = (h * _P3) & _M
    h ^= h >> 32
    return h


def siphash(key: bytes, data: bytes) -> int:
    """SipHash-2-4 (Aumasson & Bernstein) of data under a 16-byte key."""
    k0, k1 = struct.unpack("<2Q", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(count: int) -> None:
        v0, v1, v2, v3 = v
        for _ in range(count):
            v0 = (v0 + v1) & _M
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)
        v[:] = v0, v1, v2, v3

    n = len(data)
    tail = data[n - n % 8:] + bytes(7 - n % 8) + bytes([n & 0xFF])
    for (m,) in struct.iter_unpack("<Q", data[: n - n % 8] + tail):
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def xxh64(data: bytes, seed: int = 0) -> int:
    """XXH64 computed by the xxhash package: the same function as xxh64_py
    (the tests check both agree), fast enough for the reference walk."""
    return xxhash.xxh64_intdigest(data, seed)


_KEPT_ESCAPES = frozenset(b"\n\r01234567\\bfnrtuvx")


def _crlf_free(s: bytes) -> bytes:
    return s.replace(b"\r\n", b"\n")


def _quoted(s: bytes) -> bytes:
    if len(s) < 2:
        return _crlf_free(s)
    c = s[1:-1]
    out = bytearray()
    i, m = 0, len(c)
    while i < m:
        ch = c[i]
        if ch == 0x0D and i + 1 < m and c[i + 1] == 0x0A:
            i += 1
            continue
        if ch != 0x5C or i + 1 >= m:
            out.append(ch)
            i += 1
            continue
        d = c[i + 1]
        if d in (0x27, 0x22):
            out.append(d)
            i += 2
        elif d in _KEPT_ESCAPES:
            out += bytes((0x5C, d))
            i += 2
        elif d == 0xE2 and i + 3 < m and c[i + 2] == 0x80 and c[i + 3] in (0xA8, 0xA9):
            out.append(0x5C)
            i += 1
        else:
            i += 1
    return bytes(out)


def _number(s: bytes) -> bytes:
    o = s.lower()
    if len(o) >= 2 and o.endswith(b"j"):  # a Python imaginary literal: its number, then `j`
        return _number(o[:-1]) + b"j"
    if o[:2] in (b"0x", b"0o", b"0b") or o.endswith(b"n"):
        return o
    mant, sep, exp = o.partition(b"e")
    neg = False
    if sep:
        if exp[:1] in (b"+", b"-"):
            neg = exp[:1] == b"-"
            exp = exp[1:]
        exp = exp.lstrip(b"0")
    if mant.startswith(b"."):
        mant = b"0" + mant
    if b"." in mant:
        mant = mant.rstrip(b"0")
        if mant.endswith(b"."):
            mant = mant[:-1]
    if exp:
        return mant + b"e" + (b"-" if neg else b"") + exp
    return mant


def _number_case(s: bytes) -> bytes:
    o = s.lower()
    if len(o) >= 2 and o.endswith(b"i") and o[:1] == b"0":
        if all(ch in b"0123456789_" for ch in o[:-1]):
            z = 0
            while z + 2 < len(o) and o[z] == 0x30:
                z += 1
            return o[z:]
    return o


def _py_literal(s: bytes, at: int, out: bytearray, prefix: set[int]) -> int:
    """One Python string literal at s[at] (wm_normalize.c's py_literal): its
    body appended to out, its prefix letters added to prefix; the offset
    after it, or 0 when none starts there."""
    n, i = len(s), at
    while i < n and i - at < 3 and 0x61 <= (s[i] | 32) <= 0x7A:
        i += 1
    if i >= n or s[i] not in b"'\"":
        return 0
    q = s[i]
    triple = n - i >= 6 and s[i + 1] == q and s[i + 2] == q
    opening = 3 if triple else 1
    prefix.update(c | 32 for c in s[at:i])
    fstring = any(c | 32 == 0x66 for c in s[at:i])
    depth = 0  # inside an f-string's replacement fields
    if triple:
        out.append(1)
    j = i + opening
    while True:
        if j >= n:
            return 0
        c = s[j]
        if c == q and (not triple or (j + 2 < n and s[j + 1] == q and s[j + 2] == q)):
            return j + opening
        if (triple or depth) and c in b" \t\r\n":
            j += 1  # a formatter's spaces around an f-string's expressions
            continue
        if fstring and c in b"{}":
            if not depth and j + 1 < n and s[j + 1] == c:  # `{{`, `}}`: a brace
                out += bytes((c, c))
                j += 2
                continue
            if c == 0x7B:
                depth += 1
            elif depth:
                depth -= 1
        if c == 0x0D and j + 1 < n and s[j + 1] == 0x0A:
            j += 1
            continue
        if c != 0x5C or j + 1 >= n:
            out.append(c)
            j += 1
            continue
        d = s[j + 1]
        j += 2
        if d in b"'\"":
            out.append(d)
            continue
        out += bytes((0x5C, d))
        if d in b"xuU":
            width = {0x78: 2, 0x75: 4, 0x55: 8}[d]
            h = 0
            while h < width and j < n and s[j] in b"0123456789abcdefABCDEF":
                out.append(s[j] | 32 if s[j] >= 0x41 else s[j])
                h += 1
                j += 1
        elif d == 0x4E and j < n and s[j] == 0x7B:  # \N{...}
            while j < n and s[j] != 0x7D and s[j] != q:
                out.append(s[j] - 32 if 0x61 <= s[j] <= 0x7A else s[j])
                j += 1


def _py_string(s: bytes) -> bytes:
    """Python string literals as wm_normalize.c's norm_py_string."""
    body = bytearray()
    prefix: set[int] = set()
    at, literals = 0, 0
    while at < len(s):
        c = s[at]
        if c in b" \t\r\n\\":
            at += 1
        elif c == 0x23:  # a comment between literals
            nl = s.find(b"\n", at)
            at = len(s) if nl < 0 else nl
        else:
            end = _py_literal(s, at, body, prefix)
            if not end:
                return _crlf_free(s)
            literals += 1
            at = end
    if not literals:
        return _crlf_free(s)
    return bytes(sorted(prefix - {0x75})) + bytes(body)


def normalize_token(text: bytes, norm: int) -> bytes:
    """The canonical spelling of a token that its hash is computed over
    (norm: WM_N_*, csrc/wm_normalize.c)."""
    if norm == WM_N_QUOTED:
        return _quoted(text)
    if norm == WM_N_NUMBER and len(text) < 500:
        return _number(text)
    if norm == WM_N_NUMBER_CASE:
        return _number_case(text)
    if norm == WM_N_CHARS and len(text) <= 64:
        return bytes(sorted(text))
    if norm == WM_N_PY_STRING:
        return _py_string(text)
    return _crlf_free(text)


def token_hash(text: bytes, norm: int) -> int:
    return xxh64(normalize_token(text, norm), WM_SEED_TEXT)


class SeqHash:
    """The sequence hash (csrc/wm_internal.h:wm_seq): XXH64's 8-byte step
    folded over 64-bit words, the word count added at the end, then XXH64's
    avalanche."""

    __slots__ = ("acc", "n")

    def __init__(self, seed: int) -> None:
        self.acc = (seed + _P5) & _M
        self.n = 0

    def add(self, word: int) -> None:
        acc = self.acc ^ _round(0, word & _M)
        self.acc = (_rotl(acc, 27) * _P1 + _P4) & _M
        self.n += 1

    def final(self) -> int:
        h = (self.acc + self.n * 8) & _M
        h ^= h >> 33
        h = (h * _P2) & _M
        h ^= h >> 29
        h = (h * _P3) & _M
        return h ^ (h >> 32)


def seqhash(words: Iterable[int], seed: int) -> int:
    s = SeqHash(seed)
    for w in words:
        s.add(w)
    return s.final()
