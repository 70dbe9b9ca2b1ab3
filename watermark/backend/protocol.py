"""The one protocol both backends implement: the native C core and the
pure-Python reference. Everything above the backend calls these methods on
`watermark.backend.BACKEND` and never asks which one it is.

Inputs and outputs are flat buffers (bytes, bytearray, array) laid out as
the C contract says (watermark/backend/contract.py, generated from
csrc/watermark.h), so the two implementations are interchangeable and a
test can hold them to identical output on the same input.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import tree_sitter

from .contract import ProbeRecord


class Grammar(Protocol):
    """What a backend needs of a language's grammar tables
    (languages.base.Tables)."""

    @property
    def name(self) -> str: ...
    @property
    def ts_language(self) -> tree_sitter.Language: ...
    @property
    def flags(self) -> array: ...  # uint32 WM_F_* per symbol
    @property
    def norms(self) -> array: ...  # uint8 WM_N_* per symbol
    @property
    def kind_hashes(self) -> array: ...  # uint64 per symbol
    @property
    def fields(self) -> array: ...  # uint16 per symbol: name field, or operator field
    @property
    def error_kind_hash(self) -> int: ...
    def ts_language_address(self) -> int: ...


class Rules(Protocol):
    """A language's carrier rules as the scan reads them (languages.base.Tables)."""

    @property
    def classes(self) -> array: ...  # uint32 WM_C_* per symbol
    @property
    def options(self) -> int: ...  # WM_O_*
    @property
    def guard(self) -> tuple[bytes, bytes] | None: ...  # (keyword, literal) of the guard pattern


@dataclass(frozen=True)
class Parsed:
    """One file parsed, walked and hashed (struct wm_doc's content).

    records: n_units packed struct wm_unit; hashes: exact, renamed,
    skeleton of the whole file and its syntax digest; events (packed
    struct wm_event) only when asked for, and with them, when asked for,
    spans: two uint32 per event, its [start, end) byte range (0, 0 on EXIT);
    elements: n_elements packed struct wm_unit, the elements of array
    literals (the element boundaries')."""

    records: bytes
    n_units: int
    hashes: tuple[int, int, int, int]
    n_nodes: int
    has_error: bool
    events: bytes | None = None
    n_events: int = 0
    n_idents: int = 0
    spans: bytes | None = None
    prints: bytes | None = None  # winnowed k-gram hashes (uint64), when asked for (positions: winnow())
    reading: int = 0  # WM_READ_*: as it is, respelled (fingerprint's `respell`), or with errors
    elements: bytes = b""  # packed struct wm_unit: the elements of WM_F_ELEMENTS lists (wm_doc_elements)
    n_elements: int = 0


# (the probes of the last respelling, None at first) -> a respelling to try
# (same length, same lines) and the ranges to probe in its tree, True to
# keep the last one, None to read the source as it is
Respeller = Callable[[Sequence[ProbeRecord] | None], "tuple[bytes, Sequence[tuple[int, int]]] | bool | None"]


class Backend(Protocol):
    """Every routine of the C core. `name` is "native" or "reference"."""

    name: str

    def build_digest(self) -> str | None:
        """Digest of the C sources the extension was built from (None: no extension)."""
        ...

    # ---- hashing (wm_xxh64.c, wm_normalize.c, wm_units.c) --------------------
    def xxh64(self, data: bytes, seed: int = 0) -> int: ...
    def seqhash(self, words: Sequence[int], seed: int) -> int: ...
    def token_hash(self, text: bytes, norm: int) -> int: ...
    def hash_units(self, events: bytes, n_events: int, units: bytearray, n_units: int,
                   n_idents: int) -> None: ...

    # ---- fingerprints (wm_fingerprint.c) -------------------------------------
    def fingerprint(self, grammar: Grammar, source: bytes, *, with_events: bool = False,
                    with_spans: bool = False, winnow: tuple[int, int] | None = None,
                    respell: Respeller | None = None, context: Sequence[int] = ()) -> Parsed:
        """`respell`: asked, only where the grammar finds errors in `source`,
        for respellings to read instead (wm_fingerprint_respelled): each is
        parsed, its probes looked up (the surroundings of nodes of the
        `context` symbols too) and handed back, until it keeps one (True) or
        gives up (None)."""
        ...
    # ---- provenance (wm_winnow.c) --------------------------------------------
    def winnow(self, events: bytes, n_events: int, k: int, w: int) -> tuple[array, array]: ...

    # ---- the keyed PRF (wm_prf.c) --------------------------------------------
    def siphash(self, key: bytes, data: bytes) -> int: ...
    def prf(self, key: bytes, words: array, stride: int) -> array: ...

    # ---- carriers (wm_carriers.c) --------------------------------------------
    # flags: WM_B_LENIENT; with elements (Parsed.elements), the element boundaries too
    def boundaries(self, records: bytes, n_units: int, n_nodes: int, source: bytes, rules: Rules,
                   flags: int, elements: bytes = b"", n_elements: int = 0) -> tuple[array, array]: ...
    def read_bits(self, source: bytes, gaps: array) -> bytearray: ...
    def set_bits(self, source: bytes, gaps: array, bits: bytes) -> tuple[bytes, int, int]: ...

    # ---- codes and scoring (wm_carriers.c) -----------------------------------
    # linear-code vectors are `words` 64-bit words each (scheme 1: 1, scheme 2: 2)
    def linear_bits(self, h: array, vector: int, words: int = 1) -> bytes: ...
    def score_linear(self, h: array, observed: bytes, vectors: array, words: int = 1) -> array: ...
    # (wm_collusion.c) sets of `size` vectors XORing to target, ascending, sorted
    def xor_sets(self, vectors: array, words: int, target: int, size: int) -> list[tuple[int, ...]]: ...
    def score_tardos(self, identities: array, observed: bytes, thresholds: array, up: array, down: array,
                     recipient_keys: bytes) -> tuple[array, array]: ...
