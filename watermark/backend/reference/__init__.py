"""The pure-Python reference backend: every C routine in readable Python.

It is the oracle the tests hold the C core to (identical output on random
inputs and real files), the plain statement of each algorithm, and the
backend in use with WATERMARK_PURE_PYTHON=1. One module per C source:

  hashes    wm_xxh64.c, wm_normalize.c, the sequence hash, wm_prf.c
  walk      wm_fingerprint.c, wm_units.c
  carriers  wm_carriers.c: boundaries, reading and writing bits
  scoring   wm_carriers.c: linear bits and the scorers
  winnow    wm_winnow.c: the provenance fingerprints
"""
from __future__ import annotations

import threading
from array import array
from collections.abc import Sequence

import tree_sitter

from ...errors import WatermarkError
from ..contract import WM_READ_AS_IS, WM_READ_RESPELLED, WM_READ_UNREAD, ProbeRecord
from ..protocol import Grammar, Parsed, Respeller, Rules
from . import carriers, hashes, scoring, walk, winnow

_RESPELLING = threading.local()  # a respelling under way on this thread


class ReferenceBackend:
    """The Backend protocol in pure Python."""

    name = "reference"

    def xxh64(self, data: bytes, seed: int = 0) -> int:
        return hashes.xxh64(data, seed)

    def seqhash(self, words: Sequence[int], seed: int) -> int:
        return hashes.seqhash(words, seed)

    def token_hash(self, text: bytes, norm: int) -> int:
        return hashes.token_hash(text, norm)

    def hash_units(self, events: bytes, n_events: int, units: bytearray, n_units: int, n_idents: int) -> None:
        if len(events) < n_events * walk.EVENT_STRUCT.size or len(units) < n_units * walk.UNIT_STRUCT.size:
            raise ValueError("buffer shorter than its count")
        records = carriers.unpack_units(bytes(units), n_units)
        raw = [walk.RawUnit(**u._asdict()) for u in records]
        try:
            walk.hash_units(walk.unpack_events(events, n_events), raw, n_idents)
        except ValueError:  # the C core answers WM_EINVAL
            raise WatermarkError("hash_units: C core rejected its input (status -5)") from None
        finally:  # only the three hashes are written, as the C writes them
            for k, (u, r) in enumerate(zip(records, raw)):
                walk.UNIT_STRUCT.pack_into(units, k * walk.UNIT_STRUCT.size,
                                           *u._replace(exact=r.exact, renamed=r.renamed, skeleton=r.skeleton))

    def build_digest(self) -> str | None:
        return None

    def fingerprint(self, grammar: Grammar, source: bytes, *, with_events: bool = False,
                    with_spans: bool = False, winnow: tuple[int, int] | None = None,
                    respell: Respeller | None = None, context: Sequence[int] = ()) -> Parsed:
        if getattr(_RESPELLING, "on", False):  # (as the C core: its arena is in use)
            raise WatermarkError("fingerprint: called from inside a respelling on the same thread (not supported)")
        parser = tree_sitter.Parser(grammar.ts_language)
        tree = parser.parse(source)
        reading = WM_READ_AS_IS
        if respell is not None and tree.root_node.has_error:
            _RESPELLING.on = True
            try:
                tree, source, reading = self._respelled(parser, tree, source, respell, context)
            finally:
                _RESPELLING.on = False

        w = walk.walk(tree, source, grammar.flags, grammar.norms, grammar.kind_hashes, grammar.fields,
                      grammar.error_kind_hash)
        with_events = with_events or with_spans
        events = walk.pack_events(w.events) if with_events else None
        spans = array("I", [x for span in w.spans for x in span]).tobytes() if with_spans else None
        prints = self._winnow(w.events, *winnow)[0].tobytes() if winnow is not None else None
        return Parsed(walk.pack_units(w.units), len(w.units), w.file_hashes, w.n_nodes, w.has_error,
                      events, len(w.events) if with_events else 0, w.n_idents if with_events else 0, spans,
                      prints, reading, walk.pack_units(w.elements), len(w.elements))

    @staticmethod
    def _respelled(parser: tree_sitter.Parser, tree: tree_sitter.Tree, source: bytes, respell: Respeller,
                   context: Sequence[int]) -> tuple[tree_sitter.Tree, bytes, int]:
        """wm_fingerprint.c respell(): the respeller's alternatives, each
        parsed (afresh: the C core parses it from source's tree, the same
        tree wherever the grammar reads it without error) and probed, until
        it keeps one or gives up."""
        found: tuple[ProbeRecord, ...] | None = None
        other, alt, answer = None, b"", None
        symbols = frozenset(context)
        while True:
            answer = respell(found)
            if answer is None or isinstance(answer, bool):
                break
            alt, ranges = answer
            if len(alt) != len(source):
                raise ValueError("a respelling has the source's length")
            other = parser.parse(alt)
            found = tuple(walk.probe(other.root_node, a, b, symbols, len(alt)) for a, b in ranges)
        if answer is True and other is not None and not other.root_node.has_error:
            return other, alt, WM_READ_RESPELLED
        return tree, source, WM_READ_UNREAD


    @staticmethod
    def _winnow(events: list[tuple[int, int, int, int]], k: int, w: int) -> tuple[array, array]:
        try:
            hashes, pos = winnow.winnow(events, k, w)
        except ValueError:  # the C core answers WM_EINVAL
            raise WatermarkError("winnow: C core rejected its input (status -5)") from None
        return array("Q", hashes), array("I", pos)

    def winnow(self, events: bytes, n_events: int, k: int, w: int) -> tuple[array, array]:
        if len(events) < n_events * walk.EVENT_STRUCT.size:
            raise ValueError("buffer shorter than its count")
        return self._winnow(walk.unpack_events(events, n_events), k, w)

    def siphash(self, key: bytes, data: bytes) -> int:
        if len(key) != 16:
            raise ValueError("SipHash keys are 16 bytes")
        return hashes.siphash(key, data)

    def prf(self, key: bytes, words: array, stride: int) -> array:
        if len(key) != 16 or words.typecode != "Q" or stride <= 0 or len(words) % stride:
            raise ValueError("prf: 16-byte key and whole runs of uint64 words")
        return array("Q", (hashes.siphash(key, words[i:i + stride].tobytes()) for i in range(0, len(words), stride)))

    def boundaries(self, records: bytes, n_units: int, n_nodes: int, source: bytes, rules: Rules,
                   flags: int, elements: bytes = b"", n_elements: int = 0) -> tuple[array, array]:
        return carriers.boundaries(records, n_units, n_nodes, source, rules.classes, rules.options, rules.guard,
                                   flags, elements, n_elements)

    def read_bits(self, source: bytes, gaps: array) -> bytearray:
        return carriers.read_bits(source, gaps)

    def set_bits(self, source: bytes, gaps: array, bits: bytes) -> tuple[bytes, int, int]:
        return carriers.set_bits(source, gaps, bytes(bits))

    def linear_bits(self, h: array, vector: int, words: int = 1) -> bytes:
        return scoring.linear_bits(h, vector, words)

    def score_linear(self, h: array, observed: bytes, vectors: array, words: int = 1) -> array:
        return scoring.score_linear(h, observed, vectors, words)

    def xor_sets(self, vectors: array, words: int, target: int, size: int) -> list[tuple[int, ...]]:
        return scoring.xor_sets(vectors, words, target, size)

    def score_tardos(self, identities: array, observed: bytes, thresholds: array, up: array, down: array,
                     recipient_keys: bytes) -> tuple[array, array]:
        return scoring.score_tardos(identities, observed, thresholds, up, down, recipient_keys)


__all__ = ["ReferenceBackend"]
