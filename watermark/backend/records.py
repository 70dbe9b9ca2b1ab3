"""The only decoder of the C core's packed records: units (struct wm_unit)
and events (struct wm_event, with their spans). Everything above the
backend reads them through these, and never knows their offsets.
"""
from __future__ import annotations

import struct
from array import array
from collections.abc import Callable, Iterator, Sequence

from .contract import EVENT_STRUCT, UNIT_STRUCT, WM_EV_ENTER, WM_EV_EXIT, UnitRecord

_FORMAT = UNIT_STRUCT.format.lstrip("<")
_FIELDS = UnitRecord._fields


def _offset(name: str) -> int:
    """Byte offset of a field in struct wm_unit."""
    return struct.calcsize("<" + _FORMAT[:_FIELDS.index(name)])


def column(records: bytes, field: str) -> Sequence[int]:
    """One field of every packed unit record, read in place (a strided view)."""
    if field not in _FIELDS:
        raise ValueError(f"no column {field!r}")
    if not records:
        return []
    code = _FORMAT[_FIELDS.index(field)]
    width = struct.calcsize("<" + code)
    at = _offset(field)
    assert at % width == 0 and UNIT_STRUCT.size % width == 0
    view: memoryview = memoryview(records).cast("B").cast(code)  # type: ignore[call-overload]
    return view[at // width::UNIT_STRUCT.size // width]


def unit(records: bytes, k: int) -> UnitRecord:
    """Unit k of packed records."""
    return UnitRecord._make(UNIT_STRUCT.unpack_from(records, k * UNIT_STRUCT.size))


def unit_reader(records: bytes) -> Callable[[int], UnitRecord]:
    """unit(records, k) as one call per unit (for a loop over many)."""
    unpack, size, make = UNIT_STRUCT.unpack_from, UNIT_STRUCT.size, UnitRecord._make
    return lambda k: make(unpack(records, k * size))


def units(records: bytes) -> Iterator[UnitRecord]:
    return map(UnitRecord._make, UNIT_STRUCT.iter_unpack(records))


def unit_rows(records: bytes) -> Iterator[tuple[int, ...]]:
    """The unit records as plain tuples, fields in UnitRecord's order (for a
    caller that picks fields by index: no namedtuple per record)."""
    return UNIT_STRUCT.iter_unpack(records)


def records_of(records: bytes, symbols: frozenset[int]) -> list[tuple[int, UnitRecord]]:
    """(index, record) of the units of these symbols, without unpacking the
    others: the symbol column is read straight from the records."""
    return [(i, unit(records, i)) for i, sym in enumerate(column(records, "symbol")) if sym in symbols]


def pack_unit(ev_begin: int, ev_end: int) -> bytearray:
    """A unit record over events [ev_begin, ev_end), for hash_units."""
    return bytearray(UNIT_STRUCT.pack(*UnitRecord(0, 0, 0, ev_begin, ev_end, *([0] * 12))))


class Events:
    """A file's event stream (kinds, texts, identifier ids and operations of
    the normalized walk) and, when recorded, each event's byte span."""

    __slots__ = ("_w", "_sp", "n")

    _WORDS = EVENT_STRUCT.size // 8  # kind, text, ident | op << 32

    def __init__(self, events: bytes, n: int, spans: bytes = b"") -> None:
        w = array("Q")
        w.frombytes(events)
        self._w = w
        sp = array("I")
        sp.frombytes(spans)
        self._sp = sp
        self.n = n

    def words(self) -> array:
        """The events as 64-bit words, three per event: kind hash, text hash,
        ident | op << 32 (for a reader that indexes them itself)."""
        return self._w

    def span_words(self) -> array:
        """The spans as 32-bit words, two per event: start, end."""
        return self._sp

    def kind(self, i: int) -> int:
        """The kind hash of event i (0 on EXIT)."""
        return self._w[3 * i]

    def text(self, i: int) -> int:
        """The normalized text hash of event i (0 if none)."""
        return self._w[3 * i + 1]

    def op(self, i: int) -> int:
        """WM_EV_ENTER, WM_EV_EXIT or WM_EV_TOKEN."""
        return self._w[3 * i + 2] >> 32

    def span(self, i: int) -> tuple[int, int]:
        """The [start, end) bytes of event i ((0, 0) on EXIT)."""
        return self._sp[2 * i], self._sp[2 * i + 1]

    def skip(self, i: int) -> int:
        """The event after the item (a token, or ENTER..EXIT) starting at i."""
        w, depth = self._w, 0
        while True:
            o = w[3 * i + 2] >> 32
            if o == WM_EV_ENTER:
                depth += 1
            elif o == WM_EV_EXIT:
                depth -= 1
            i += 1
            if depth <= 0:
                return i

    def kinds(self, a: int, b: int) -> array:
        """Kind hashes of events [a, b)."""
        return self._w[3 * a:3 * b:3]

    def texts(self, a: int, b: int) -> array:
        return self._w[3 * a + 1:3 * b:3]

    def packed(self, runs: Sequence[tuple[int, int]]) -> tuple[bytes, int]:
        """The events of these runs, one after the other, packed as the C
        core takes them, and their count."""
        out = array("Q")
        for a, b in runs:
            out.extend(self._w[3 * a:3 * b])
        return out.tobytes(), len(out) // 3


__all__ = ["Events", "column", "pack_unit", "records_of", "unit", "unit_reader", "unit_rows", "units"]
