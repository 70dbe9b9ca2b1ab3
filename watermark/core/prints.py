"""Provenance fingerprints of one file: what identifies code as a release's
when the marks are gone.

* **prints**: winnowed k-gram hashes of the file's normalized token stream,
  identifiers masked (csrc/wm_winnow.c; MOSS's and Dolos's algorithm on the
  C core's event stream): layout, comments, renaming and formatters change
  none of them, and every run of K + W - 1 tokens two files share gives
  them a print in common.
* **functions**: each function's / method's / class's `renamed` and
  `skeleton` hash with its lines.

K = 23 and W = 17 (Dolos' values too) keep ~2 / (W + 1) = 11% of the
k-grams, and a shared run of 39 tokens (about two short Go statements,
counting each node's open and close) is always seen; docs/provenance.md
has the measured trade-off (benchmarks/provenance.py --tune): a longer K
separates unrelated Go code better but loses edited JS copies, a longer W
halves the registry but needs 55-token runs.
"""
from __future__ import annotations

import struct
from array import array
from collections.abc import Iterable

from .. import languages
from .fingerprint import FileFingerprint

K, W = 23, 17
WINNOW = (K, W)

_FUNCTION = struct.Struct("<QQII")  # renamed, skeleton, start line, end line


def prints_of(fp: FileFingerprint) -> array:
    """The file's distinct prints, sorted (fingerprint(..., winnow=WINNOW))."""
    got = array("Q")
    got.frombytes(fp.prints)
    return array("Q", sorted(set(got)))


def functions_of(fp: FileFingerprint) -> bytes:
    """The function-level units, packed (renamed, skeleton, start, end line):
    those of more than one line (one-liners are idioms, not evidence)."""
    return b"".join(_FUNCTION.pack(r.renamed, r.skeleton, r.start_row + 1, r.end_row + 1)
                    for _i, r in fp.records_of(languages.get(fp.language).entities.function_kinds)
                    if r.end_row > r.start_row)


def unpack_functions(blob: bytes) -> list[tuple[int, int, int, int]]:
    return list(_FUNCTION.iter_unpack(blob))


def merge(parts: Iterable[bytes]) -> bytes:
    """Prints of several pieces of one file, as one sorted distinct set."""
    got = array("Q")
    for p in parts:
        got.frombytes(p)
    return array("Q", sorted(set(got))).tobytes()
