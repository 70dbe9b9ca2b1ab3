"""The native backend: the one module that touches the compiled C core
(watermark.backend._native, built by cffi from csrc/).

It mirrors the C functions one to one: checks sizes, allocates and owns
buffers, turns status codes into exceptions. `load()` refuses a missing or
stale build, and checks every constant and record layout of the generated
contract against the extension, so Python and C cannot disagree silently.
"""
from __future__ import annotations

import importlib.util
import pathlib
import threading
from array import array
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from ..errors import NativeBuildError, SourceError, WatermarkError
from . import contract
from .protocol import Grammar, Parsed, Respeller, Rules

_REBUILD = "rebuild it with `pip install -e .` (or `pip install --force-reinstall .`)"
IDENTITY_WORDS = contract.WM_IDENTITY_WORDS


def _import_extension() -> ModuleType:
    try:
        from . import _native  # type: ignore[attr-defined]
    except ImportError as exc:
        here = pathlib.Path(__file__).resolve().parent
        root = here.parent.parent
        shadow = ""
        if (root / "setup.py").is_file() and not list(here.glob("_native*")):
            shadow = (f" (this is the source folder {root}, which has no build and shadows an "
                      "installed watermark: run from another folder, or build here)")
        raise NativeBuildError(
            f"watermark's C extension is missing or cannot be loaded ({exc}){shadow}; {_REBUILD}, "
            "or set WATERMARK_PURE_PYTHON=1 to use the slow pure-Python reference"
        ) from exc
    return _native


def _check_build(ext: Any) -> None:
    found = ext.lib.wm_abi_version()
    if found != contract.WM_ABI_VERSION:
        raise NativeBuildError(f"watermark's C extension is stale (ABI {found}, this code needs "
                               f"{contract.WM_ABI_VERSION}); {_REBUILD}")
    csrc = pathlib.Path(__file__).resolve().parent.parent.parent / "csrc"
    if (csrc / "sources.py").is_file():  # a source checkout: the build must match it
        spec = importlib.util.spec_from_file_location("_wm_csrc_sources", csrc / "sources.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # hashes the C sources; imports nothing else
        built = ext.ffi.string(ext.lib.wm_build_digest()).decode()
        if built != module.source_digest():
            raise NativeBuildError(f"watermark's C extension was built from other C sources than csrc/; {_REBUILD}")
    for name in dir(contract):
        if name.startswith("WM_") and getattr(ext.lib, name, None) != getattr(contract, name):
            raise NativeBuildError(f"watermark's C extension disagrees with the contract on {name}; {_REBUILD}")
    if not hasattr(ext.lib, "wm_py_respell"):
        raise NativeBuildError(f"watermark's C extension is stale (no respelling callback); {_REBUILD}")
    for record, layout, cname in ((contract.UnitRecord, contract.UNIT_STRUCT, "wm_unit"),
                                  (contract.EventRecord, contract.EVENT_STRUCT, "wm_event"),
                                  (contract.ProbeRecord, contract.PROBE_STRUCT, "wm_probe")):
        offsets = [ext.ffi.offsetof(cname, f) for f in record._fields]
        if ext.ffi.sizeof(cname) != layout.size or offsets != _offsets(layout.format):
            raise NativeBuildError(f"watermark's C extension has an unexpected {cname} layout; {_REBUILD}")


def _offsets(fmt: str) -> list[int]:
    import struct

    out, at = [], 0
    for ch in fmt.lstrip("<"):
        out.append(at)
        at += struct.calcsize("<" + ch)
    return out


def _check(status: int, what: str) -> None:
    if status == contract.WM_OK:
        return
    if status == contract.WM_ENOMEM:
        raise MemoryError(f"{what}: out of memory")
    if status == contract.WM_ETOOBIG:
        raise SourceError(f"{what}: input too large for the C core")
    if status == contract.WM_EPARSE:
        raise WatermarkError(f"{what}: tree-sitter did not produce a tree")
    if status == contract.WM_EABI:
        raise NativeBuildError(f"{what}: grammar ABI not supported by the C core; {_REBUILD}")
    if status == contract.WM_EBUSY:
        raise WatermarkError(f"{what}: called from inside a respelling on the same thread (not supported)")
    raise WatermarkError(f"{what}: C core rejected its input (status {status})")


class _Respelling:
    """One wm_fingerprint_respelled call's respeller, and what C reads of its
    answers (every one kept alive until the call returns)."""

    def __init__(self, respell: Respeller, length: int) -> None:
        self.respell, self.length = respell, length
        self.kept: list[Any] = []  # the buffers handed to C
        self.error: BaseException | None = None


# the call under way on each thread (a respeller cannot start another: WM_EBUSY),
# for the callback's onerror, which is told no context
_CURRENT = threading.local()


def _on_respell(ffi: Any, ctx: Any, found: Any, n_found: int, alt: Any, probes: Any, n_probes: Any) -> int:
    """wm_py_respell: the respeller of the call behind `ctx` asked, its
    answer handed to C."""
    turn: _Respelling = ffi.from_handle(ctx)
    try:
        got = None if found == ffi.NULL else tuple(map(contract.ProbeRecord._make, contract.PROBE_STRUCT.iter_unpack(
            bytes(ffi.buffer(found, n_found * contract.PROBE_STRUCT.size)))))
        answer = turn.respell(got)
        if answer is None or answer is False:
            return contract.WM_RESPELL_NONE
        if answer is True:
            return contract.WM_RESPELL_KEEP
        source, ranges = answer
        if len(source) != turn.length:
            raise ValueError("a respelling has the source's length")
        text = ffi.from_buffer("char[]", source)
        asked = ffi.new("wm_probe[]", max(1, len(ranges)))
        for i, (a, b) in enumerate(ranges):
            asked[i].start, asked[i].end = a, b
        turn.kept += [source, text, asked]
        alt[0], probes[0], n_probes[0] = text, asked, len(ranges)
        return contract.WM_RESPELL_TRY
    except BaseException as exc:  # (raised again once the C core returns)
        turn.error = exc
        return contract.WM_RESPELL_NONE


def _respell_failed(exc_type: Any, exc: BaseException | None, tb: Any) -> None:
    """What escaped _on_respell before its `try` (a signal's exception at its
    first instruction): raised again once the C core returns."""
    turn = getattr(_CURRENT, "turn", None)
    if turn is not None and turn.error is None:
        turn.error = exc if exc is not None else exc_type()


class NativeBackend:
    """The Backend protocol on the compiled C core."""

    name = "native"

    def __init__(self, ext: Any) -> None:
        self._ffi, self._lib = ext.ffi, ext.lib
        ffi = ext.ffi
        ffi.def_extern(name="wm_py_respell", onerror=_respell_failed)(
            lambda *args: _on_respell(ffi, *args))
        self._languages: dict[str, Any] = {}  # language name -> (wm_lang handle, grammar kept alive)
        self._local = threading.local()  # per thread: a buffer for prints

    def build_digest(self) -> str | None:
        return str(self._ffi.string(self._lib.wm_build_digest()).decode())

    # ---- hashing ---------------------------------------------------------------

    def xxh64(self, data: bytes, seed: int = 0) -> int:
        return int(self._lib.wm_xxh64(data, len(data), seed))

    def seqhash(self, words: Sequence[int], seed: int) -> int:
        buf = self._ffi.new("uint64_t[]", list(words) or [0])
        return int(self._lib.wm_seqhash(buf, len(words), seed))

    def token_hash(self, text: bytes, norm: int) -> int:
        return int(self._lib.wm_token_hash(text, len(text), norm))

    def hash_units(self, events: bytes, n_events: int, units: bytearray, n_units: int, n_idents: int) -> None:
        ffi = self._ffi
        if len(events) < n_events * contract.EVENT_STRUCT.size or len(units) < n_units * contract.UNIT_STRUCT.size:
            raise ValueError("buffer shorter than its count")
        ev = ffi.from_buffer("wm_event[]", events)
        un = ffi.from_buffer("wm_unit[]", units, require_writable=True)
        _check(self._lib.wm_hash_units(ev, n_events, un, n_units, n_idents), "hash_units")

    # ---- fingerprints ------------------------------------------------------------

    def _language(self, grammar: Grammar) -> Any:
        entry = self._languages.get(grammar.name)
        if entry is None:
            ffi, lib = self._ffi, self._lib
            status = ffi.new("int *")
            handle = lib.wm_lang_new(
                ffi.cast("const void *", grammar.ts_language_address()),
                ffi.from_buffer("uint32_t[]", grammar.flags),
                ffi.from_buffer("uint8_t[]", grammar.norms),
                ffi.from_buffer("uint64_t[]", grammar.kind_hashes),
                ffi.from_buffer("uint16_t[]", grammar.fields),
                len(grammar.flags), grammar.error_kind_hash, status)
            _check(status[0], f"loading the {grammar.name} grammar into the C core")
            entry = self._languages[grammar.name] = (ffi.gc(handle, lib.wm_lang_free), grammar)
        return entry[0]

    def fingerprint(self, grammar: Grammar, source: bytes, *, with_events: bool = False,
                    with_spans: bool = False, winnow: tuple[int, int] | None = None,
                    respell: Respeller | None = None, context: Sequence[int] = ()) -> Parsed:
        ffi, lib = self._ffi, self._lib
        out = ffi.new("wm_doc **")
        with_events = with_events or with_spans
        flags = contract.WM_FP_SPANS if with_spans else 0
        if respell is None:
            _check(lib.wm_fingerprint_ex(self._language(grammar), source, len(source), flags, out), "fingerprint")
        else:
            turn = _Respelling(respell, len(source))
            handle = ffi.new_handle(turn)
            symbols = ffi.new("uint16_t[]", list(context) or [0])
            outer = getattr(_CURRENT, "turn", None)
            _CURRENT.turn = turn
            try:
                status = lib.wm_fingerprint_respelled(self._language(grammar), source, len(source), flags,
                                                      lib.wm_py_respell, handle, symbols, len(context), out)
            finally:
                _CURRENT.turn = outer
            if turn.error is not None:
                if out[0] != ffi.NULL:
                    lib.wm_doc_free(out[0])
                raise turn.error
            _check(status, "fingerprint")
        doc = ffi.gc(out[0], lib.wm_doc_free)
        reading = lib.wm_doc_reading(doc)
        n = lib.wm_doc_n_units(doc)
        records = bytes(ffi.buffer(lib.wm_doc_units(doc), n * contract.UNIT_STRUCT.size)) if n else b""
        hashes = ffi.new("uint64_t[4]")
        lib.wm_doc_file_hashes(doc, hashes)
        events, n_events, n_idents = None, 0, 0
        if with_events:
            n_events = lib.wm_doc_n_events(doc)
            events = bytes(ffi.buffer(lib.wm_doc_events(doc), n_events * contract.EVENT_STRUCT.size)) \
                if n_events else b""
            n_idents = lib.wm_doc_n_idents(doc)
        spans = None
        if with_spans:
            spans = bytes(ffi.buffer(lib.wm_doc_spans(doc), 8 * n_events)) if n_events else b""
        prints = None
        if winnow is not None:
            prints = self._doc_prints(doc, winnow)
        n_el = lib.wm_doc_n_elements(doc)
        elements = bytes(ffi.buffer(lib.wm_doc_elements(doc), n_el * contract.UNIT_STRUCT.size)) if n_el else b""
        return Parsed(records, n, (hashes[0], hashes[1], hashes[2], hashes[3]), lib.wm_doc_n_nodes(doc),
                      bool(lib.wm_doc_has_error(doc)), events, n_events, n_idents, spans, prints, reading, elements,
                      n_el)

    def _doc_prints(self, doc: Any, winnow: tuple[int, int]) -> bytes:
        """A document's prints, into a buffer kept per thread (most files are
        small: allocating one per file would cost more than winnowing)."""
        ffi, lib = self._ffi, self._lib
        local = self._local
        need = max(1, lib.wm_doc_n_events(doc))
        if getattr(local, "cap", 0) < need:
            local.buf, local.cap, local.count = ffi.new("uint64_t[]", need), need, ffi.new("size_t *")
        _check(lib.wm_doc_winnow(doc, winnow[0], winnow[1], local.buf, ffi.NULL, local.cap, local.count), "winnow")
        return bytes(ffi.buffer(local.buf, 8 * local.count[0]))

    def winnow(self, events: bytes, n_events: int, k: int, w: int) -> tuple[array, array]:
        ffi = self._ffi
        if len(events) < n_events * contract.EVENT_STRUCT.size:
            raise ValueError("buffer shorter than its count")
        cap = max(1, n_events)
        out_h, out_p = array("Q", bytes(8 * cap)), array("I", bytes(4 * cap))
        count = ffi.new("size_t *")
        _check(self._lib.wm_winnow(ffi.from_buffer("wm_event[]", events) if n_events else ffi.NULL, n_events, k, w,
                                   ffi.from_buffer("uint64_t[]", out_h, require_writable=True),
                                   ffi.from_buffer("uint32_t[]", out_p, require_writable=True), cap, count), "winnow")
        return out_h[:count[0]], out_p[:count[0]]

    # ---- the keyed PRF -------------------------------------------------------------

    def siphash(self, key: bytes, data: bytes) -> int:
        if len(key) != 16:
            raise ValueError("SipHash keys are 16 bytes")
        return int(self._lib.wm_siphash(key, data, len(data)))

    def prf(self, key: bytes, words: array, stride: int) -> array:
        if len(key) != 16 or words.typecode != "Q" or stride <= 0 or len(words) % stride:
            raise ValueError("prf: 16-byte key and whole runs of uint64 words")
        n = len(words) // stride
        out = array("Q", bytes(8 * n))
        if n:
            ffi = self._ffi
            self._lib.wm_siphash_words(key, ffi.from_buffer("uint64_t[]", words), stride, n,
                                       ffi.from_buffer("uint64_t[]", out, require_writable=True))
        return out

    # ---- carriers --------------------------------------------------------------------

    def boundaries(self, records: bytes, n_units: int, n_nodes: int, source: bytes, rules: Rules,
                   flags: int, elements: bytes = b"", n_elements: int = 0) -> tuple[array, array]:
        ffi = self._ffi
        size = contract.UNIT_STRUCT.size
        if len(records) < n_units * size or len(elements) < n_elements * size:
            raise ValueError("records shorter than their count")
        words = array("Q", bytes(8 * IDENTITY_WORDS * (n_units + n_elements)))
        gaps = array("Q", bytes(24 * (n_units + n_elements)))
        count = ffi.new("size_t *")
        keyword, literal = rules.guard or (ffi.NULL, ffi.NULL)
        _check(self._lib.wm_boundaries(
            ffi.from_buffer("wm_unit[]", records), n_units,
            ffi.from_buffer("wm_unit[]", elements) if n_elements else ffi.NULL, n_elements, n_nodes,
            source, len(source),
            ffi.from_buffer("uint32_t[]", rules.classes), len(rules.classes), rules.options, keyword, literal, flags,
            ffi.from_buffer("uint64_t[]", words, require_writable=True),
            ffi.from_buffer("uint64_t[]", gaps, require_writable=True), count), "boundaries")
        n = count[0]
        del words[IDENTITY_WORDS * n:], gaps[3 * n:]
        return words, gaps

    def read_bits(self, source: bytes, gaps: array) -> bytearray:
        n = len(gaps) // 3
        bits = bytearray(n)
        if n:
            ffi = self._ffi
            _check(self._lib.wm_read_bits(source, len(source), ffi.from_buffer("uint64_t[]", gaps), n,
                                          ffi.from_buffer("uint8_t[]", bits, require_writable=True)), "read_bits")
        return bits

    def set_bits(self, source: bytes, gaps: array, bits: bytes) -> tuple[bytes, int, int]:
        n = len(gaps) // 3
        if len(bits) != n:
            raise ValueError("one bit per carrier")
        if not n:
            return source, 0, 0
        ffi = self._ffi
        cap = len(source) + 2 * n
        out = ffi.new("char[]", cap)
        out_len, added, removed = ffi.new("size_t *"), ffi.new("uint64_t *"), ffi.new("uint64_t *")
        _check(self._lib.wm_set_bits(source, len(source), ffi.from_buffer("uint64_t[]", gaps), bytes(bits), n,
                                     out, cap, out_len, added, removed), "set_bits")
        return ffi.unpack(out, out_len[0]), int(added[0]), int(removed[0])

    # ---- codes and scoring -------------------------------------------------------------

    def linear_bits(self, h: array, vector: int, words: int = 1) -> bytes:
        n = len(h) // words
        if len(h) % words:
            raise ValueError(f"an array of {words}-word vectors")
        bits = bytearray(n)
        if n:
            ffi = self._ffi
            _check(self._lib.wm_linear_bits(ffi.from_buffer("uint64_t[]", h), words, n,
                                            ffi.from_buffer("uint64_t[]", _words_of(vector, words)),
                                            ffi.from_buffer("uint8_t[]", bits, require_writable=True)),
                   "linear_bits")
        return bytes(bits)

    def score_linear(self, h: array, observed: bytes, vectors: array, words: int = 1) -> array:
        ffi = self._ffi
        n, m = len(h) // words, len(vectors) // words
        if len(h) % words or len(vectors) % words:
            raise ValueError(f"arrays of {words}-word vectors")
        if len(observed) != n:
            raise ValueError("one observed bit per carrier")
        matches = array("I", bytes(4 * m))
        if m:
            _check(self._lib.wm_score_linear(
                ffi.from_buffer("uint64_t[]", h) if n else ffi.NULL, words, bytes(observed), n,
                ffi.from_buffer("uint64_t[]", vectors), m,
                ffi.from_buffer("uint32_t[]", matches, require_writable=True)), "score_linear")
        return matches

    def xor_sets(self, vectors: array, words: int, target: int, size: int) -> list[tuple[int, ...]]:
        ffi = self._ffi
        m = len(vectors) // words
        if len(vectors) % words:
            raise ValueError(f"an array of {words}-word vectors")
        if m < size:
            return []
        found = ffi.new("size_t *")
        cap = 16
        while True:
            out = array("I", bytes(4 * size * cap))
            _check(self._lib.wm_xor_sets(ffi.from_buffer("uint64_t[]", vectors), words, m,
                                         ffi.from_buffer("uint64_t[]", _words_of(target, words)),
                                         size, ffi.from_buffer("uint32_t[]", out, require_writable=True), cap,
                                         found), "xor_sets")
            if found[0] <= cap:
                return sorted(tuple(out[k:k + size]) for k in range(0, size * found[0], size))
            cap = found[0]

    def score_tardos(self, identities: array, observed: bytes, thresholds: array, up: array, down: array,
                     recipient_keys: bytes) -> tuple[array, array]:
        ffi = self._ffi
        n, m = len(identities), len(recipient_keys) // 16
        if not len(observed) == len(thresholds) == len(up) == len(down) == n or len(recipient_keys) % 16:
            raise ValueError("score_tardos: inconsistent lengths")
        scores, matches = array("d", bytes(8 * m)), array("I", bytes(4 * m))
        if m:
            def buf(kind: str, a: array) -> Any:
                return ffi.from_buffer(kind, a) if len(a) else ffi.NULL
            self._lib.wm_score_tardos(buf("uint64_t[]", identities), bytes(observed), buf("uint64_t[]", thresholds),
                                      buf("double[]", up), buf("double[]", down), n, recipient_keys, m,
                                      ffi.from_buffer("double[]", scores, require_writable=True),
                                      ffi.from_buffer("uint32_t[]", matches, require_writable=True))
        return scores, matches


def _words_of(x: int, words: int) -> array:
    """An integer as `words` 64-bit words, least significant first."""
    if not 0 <= x < 1 << (64 * words):
        raise ValueError(f"a vector of {64 * words} bits")
    return array("Q", ((x >> (64 * w)) & 0xFFFFFFFFFFFFFFFF for w in range(words)))


def load() -> NativeBackend:
    """The native backend, or NativeBuildError saying how to rebuild."""
    ext = _import_extension()
    _check_build(ext)
    return NativeBackend(ext)
