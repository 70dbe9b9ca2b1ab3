"""The release's own layout at its carriers: what `unmark` puts back and
what line maps count.

A carrier's gap region runs from the end of A's line break to the start of
the next line that is not blank (set_bits rewrites exactly that region: to
nothing for bit 0, to one line break for bit 1). The release's bytes there
(its *middle*: mostly nothing or one line break, sometimes two blank lines,
`\\r\\n`, or blanks with trailing spaces) and the release line the region
starts at are all a copy needs to become the release again, and all a line
map needs to translate lines between a recipient's copy and the release.

Packed per file, in the order of the file's carriers (the order of their
identities in the registry): the line, as the difference from the previous
carrier's (varint), then the middle: one byte 0 (nothing), 1 (`\\n`), 2
(`\\r\\n`), or 3 followed by its length (varint) and its bytes.
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

_SHORT = {b"": 0, b"\n": 1, b"\r\n": 2}
_SHORT_BACK = {v: k for k, v in _SHORT.items()}


@dataclass(frozen=True)
class Gap:
    """One carrier of a release file: the 1-based line its gap region starts
    at, and the release's bytes there."""

    line: int
    middle: bytes

    @property
    def lines(self) -> int:
        """The release's blank lines in the region."""
        return self.middle.count(b"\n")


def of_source(src: bytes, gaps: Sequence[int]) -> list[Gap]:
    """The Gap of each boundary of `src` (gaps: three offsets per boundary,
    carriers.Boundaries.gaps)."""
    out, line, pos = [], 1, 0
    for k in range(len(gaps) // 3):
        start, end = gaps[3 * k + 1], gaps[3 * k + 2]
        line += src.count(b"\n", pos, start)
        pos = start
        out.append(Gap(line, bytes(src[start:end])))
    return out


def _varint(n: int, out: bytearray) -> None:
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)


def _read_varint(blob: bytes, i: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        if i >= len(blob):
            raise ValueError("layout: truncated")
        b = blob[i]
        i += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return n, i
        shift += 7
        if shift > 63:
            raise ValueError("layout: varint too long")


def encode(gaps: Sequence[Gap]) -> bytes:
    out, prev = bytearray(), 0
    for g in gaps:
        if g.line < prev:
            raise ValueError("layout: gaps out of order")
        _varint(g.line - prev, out)
        prev = g.line
        code = _SHORT.get(g.middle)
        if code is None:
            out.append(3)
            _varint(len(g.middle), out)
            out += g.middle
        else:
            out.append(code)
    return bytes(out)


def decode(blob: bytes) -> list[Gap]:
    out, i, line = [], 0, 0
    while i < len(blob):
        step, i = _read_varint(blob, i)
        line += step
        if i >= len(blob):
            raise ValueError("layout: truncated")
        code = blob[i]
        i += 1
        if code in _SHORT_BACK:
            middle = _SHORT_BACK[code]
        elif code == 3:
            n, i = _read_varint(blob, i)
            if i + n > len(blob):
                raise ValueError("layout: truncated")
            middle, i = blob[i:i + n], i + n
        else:
            raise ValueError(f"layout: unknown middle code {code}")
        out.append(Gap(line, bytes(middle)))
    return out


class LineMap:
    """Lines of one file: the release against a recipient's copy.

    Only carriers move lines: at carrier k the release has gaps[k].lines
    blank lines where the copy has bits[k] (0 or 1). A line that exists in
    both maps exactly; a blank line that exists only in one maps to the
    next line that exists in both."""

    def __init__(self, gaps: Sequence[Gap], bits: Sequence[int]):
        if len(gaps) != len(bits):
            raise ValueError("one bit per carrier")
        # (release line where the region starts, release blank lines, copy blank lines, shift before it)
        self._release: list[int] = []
        self._copy: list[int] = []
        self._rows: list[tuple[int, int, int, int]] = []
        shift = 0
        for g, bit in sorted(zip(gaps, bits), key=lambda x: x[0].line):
            self._rows.append((g.line, g.lines, int(bit), shift))
            self._release.append(g.line)
            self._copy.append(g.line + shift)
            shift += int(bit) - g.lines

    def to_copy(self, line: int) -> tuple[int, bool]:
        """The copy's line for a release line, and whether it is exact."""
        return self._map(line, self._release, to_copy=True)

    def to_release(self, line: int) -> tuple[int, bool]:
        """The release's line for a copy line, and whether it is exact."""
        return self._map(line, self._copy, to_copy=False)

    def _map(self, line: int, starts: list[int], to_copy: bool) -> tuple[int, bool]:
        k = bisect.bisect_right(starts, line) - 1
        if k < 0:
            return line, True
        start, rel, cop, shift = self._rows[k]
        here, there = (rel, cop) if to_copy else (cop, rel)
        offset = line - starts[k]
        delta = shift + (cop - rel) if to_copy else -(shift + (cop - rel))
        if offset >= here:  # past the region: every later carrier's shift is counted by the next row
            return line + delta, True
        # a blank line of the region: exact where the other side has it too
        if offset < there:
            return (line + shift if to_copy else line - shift), True
        return (line + delta) - offset + here, False


__all__ = ["Gap", "LineMap", "decode", "encode", "of_source"]
