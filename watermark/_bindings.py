"""The one module that touches the compiled C core (watermark._native).

It mirrors the C functions one to one: checks sizes, allocates and owns
buffers, turns status codes into exceptions. With WATERMARK_PURE_PYTHON=1 it
is not used and watermark runs on the pure-Python reference.
"""
from __future__ import annotations

import os
import pathlib
from array import array

from ._reference import EVENT_STRUCT, UNIT_STRUCT
from .errors import NativeBuildError, SourceError, WatermarkError

ABI_VERSION = 10  # must equal WM_ABI_VERSION in csrc/watermark.h
IDENTITY_WORDS = 5  # WM_IDENTITY_WORDS: words per boundary in wm_boundaries' output

_REBUILD = "rebuild it with `pip install -e .` (or `pip install --force-reinstall .`)"

WM_OK, WM_ENOMEM, WM_EPARSE, WM_ETOOBIG, WM_EABI, WM_EINVAL = 0, -1, -2, -3, -4, -5


def pure_python_requested() -> bool:
    return os.environ.get("WATERMARK_PURE_PYTHON", "") not in ("", "0")


def _load():
    try:
        from . import _native
    except ImportError as exc:
        raise NativeBuildError(
            f"watermark's C extension is missing or cannot be loaded ({exc}); {_REBUILD}, "
            "or set WATERMARK_PURE_PYTHON=1 to use the slow pure-Python reference"
        ) from exc
    found = _native.lib.wm_abi_version()
    if found != ABI_VERSION:
        raise NativeBuildError(
            f"watermark's C extension is stale (ABI {found}, this code needs {ABI_VERSION}); {_REBUILD}"
        )
    csrc = pathlib.Path(__file__).resolve().parent.parent / "csrc"
    if (csrc / "build_ffi.py").is_file():  # a source checkout: the build must match it
        import importlib.util

        spec = importlib.util.spec_from_file_location("_wm_build_ffi_digest", csrc / "build_ffi.py")
        # build_ffi imports cffi only; loading it does not compile anything
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        built = _native.ffi.string(_native.lib.wm_build_digest()).decode()
        if built != module.source_digest():
            raise NativeBuildError(f"watermark's C extension was built from other C sources than csrc/; {_REBUILD}")
    if _native.ffi.sizeof("wm_unit") != UNIT_STRUCT.size or _native.ffi.sizeof("wm_event") != EVENT_STRUCT.size:
        raise NativeBuildError(f"watermark's C extension has an unexpected struct layout; {_REBUILD}")
    return _native


_native = None if pure_python_requested() else _load()


def available() -> bool:
    return _native is not None


def _check(status: int, what: str) -> None:
    if status == WM_OK:
        return
    if status == WM_ENOMEM:
        raise MemoryError(f"{what}: out of memory")
    if status == WM_ETOOBIG:
        raise SourceError(f"{what}: input too large for the C core")
    if status == WM_EPARSE:
        raise WatermarkError(f"{what}: tree-sitter did not produce a tree")
    if status == WM_EABI:
        raise NativeBuildError(f"{what}: grammar ABI not supported by the C core; {_REBUILD}")
    raise WatermarkError(f"{what}: C core rejected its input (status {status})")


def xxh64(data: bytes, seed: int = 0) -> int:
    return _native.lib.wm_xxh64(data, len(data), seed)


def token_hash(text: bytes, flags: int) -> int:
    return _native.lib.wm_token_hash(text, len(text), flags)


def hash_units(events: bytes, n_events: int, units: bytearray, n_units: int, n_idents: int) -> None:
    """wm_hash_units over packed EVENT_STRUCT / UNIT_STRUCT buffers (in place)."""
    ffi, lib = _native.ffi, _native.lib
    if len(events) < n_events * EVENT_STRUCT.size or len(units) < n_units * UNIT_STRUCT.size:
        raise ValueError("buffer shorter than its count")
    ev = ffi.from_buffer("wm_event[]", events)
    un = ffi.from_buffer("wm_unit[]", units, require_writable=True)
    _check(lib.wm_hash_units(ev, n_events, un, n_units, n_idents), "hash_units")


class NativeLanguage:
    """A wm_lang handle for one loaded language."""

    def __init__(self, language) -> None:
        ffi, lib = _native.ffi, _native.lib
        status = ffi.new("int *")
        ptr = ffi.cast("const void *", language.ts_language_address())
        handle = lib.wm_lang_new(
            ptr,
            ffi.from_buffer("uint16_t[]", language.flags),
            ffi.from_buffer("uint64_t[]", language.kind_hashes),
            ffi.from_buffer("uint16_t[]", language.fields),
            len(language.flags),
            language.error_kind_hash,
            status,
        )
        _check(status[0], f"loading the {language.name} grammar into the C core")
        self._handle = ffi.gc(handle, lib.wm_lang_free)
        self._language = language  # keeps the grammar capsule alive

    def fingerprint(self, source: bytes, *, with_events: bool = False):
        """Parse, walk, hash: (units bytes, n_units, file hashes, n_nodes, has_error, events)."""
        ffi, lib = _native.ffi, _native.lib
        out = ffi.new("wm_doc **")
        _check(lib.wm_fingerprint(self._handle, source, len(source), out), "fingerprint")
        doc = ffi.gc(out[0], lib.wm_doc_free)
        n = lib.wm_doc_n_units(doc)
        units = bytes(ffi.buffer(lib.wm_doc_units(doc), n * UNIT_STRUCT.size)) if n else b""
        hashes = ffi.new("uint64_t[4]")
        lib.wm_doc_file_hashes(doc, hashes)
        events = None
        if with_events:
            ne = lib.wm_doc_n_events(doc)
            events = (bytes(ffi.buffer(lib.wm_doc_events(doc), ne * EVENT_STRUCT.size)) if ne else b"",
                      ne, lib.wm_doc_n_idents(doc))
        return (units, n, tuple(hashes), lib.wm_doc_n_nodes(doc), bool(lib.wm_doc_has_error(doc)), events)


def siphash(key: bytes, data: bytes) -> int:
    if len(key) != 16:
        raise ValueError("SipHash keys are 16 bytes")
    return _native.lib.wm_siphash(key, data, len(data))


def siphash_words(key: bytes, words: array, stride: int) -> array:
    """The PRF of each run of `stride` words of `words` (an array('Q'))."""
    if len(key) != 16 or words.typecode != "Q" or stride <= 0 or len(words) % stride:
        raise ValueError("siphash_words: 16-byte key and whole runs of uint64 words")
    n = len(words) // stride
    out = array("Q", bytes(8 * n))
    if n:
        ffi = _native.ffi
        _native.lib.wm_siphash_words(key, ffi.from_buffer("uint64_t[]", words), stride, n,
                                     ffi.from_buffer("uint64_t[]", out, require_writable=True))
    return out


def boundaries(records: bytes, n_units: int, n_nodes: int, source: bytes, classes: array,
               go: bool) -> tuple[array, array]:
    """wm_boundaries: (words, gaps) of the eligible boundaries."""
    ffi, lib = _native.ffi, _native.lib
    if len(records) < n_units * UNIT_STRUCT.size:
        raise ValueError("records shorter than their count")
    words = array("Q", bytes(8 * IDENTITY_WORDS * n_units))
    gaps = array("Q", bytes(24 * n_units))
    count = ffi.new("size_t *")
    _check(lib.wm_boundaries(ffi.from_buffer("wm_unit[]", records), n_units, n_nodes, source, len(source),
                             ffi.from_buffer("uint16_t[]", classes), len(classes), int(go),
                             ffi.from_buffer("uint64_t[]", words, require_writable=True),
                             ffi.from_buffer("uint64_t[]", gaps, require_writable=True), count),
           "boundaries")
    n = count[0]
    del words[IDENTITY_WORDS * n:], gaps[3 * n:]
    return words, gaps


def read_bits(source: bytes, gaps: array) -> bytearray:
    """wm_read_bits: the bit each carrier gap holds."""
    n = len(gaps) // 3
    bits = bytearray(n)
    if n:
        ffi = _native.ffi
        _check(_native.lib.wm_read_bits(source, len(source), ffi.from_buffer("uint64_t[]", gaps), n,
                                        ffi.from_buffer("uint8_t[]", bits, require_writable=True)),
               "read_bits")
    return bits


def set_bits(source: bytes, gaps: array, bits: bytes) -> tuple[bytes, int, int]:
    """wm_set_bits: (marked source, lines added, lines removed)."""
    n = len(gaps) // 3
    if len(bits) != n:
        raise ValueError("one bit per carrier")
    if not n:
        return source, 0, 0
    ffi, lib = _native.ffi, _native.lib
    cap = len(source) + 2 * n
    out = ffi.new("char[]", cap)
    out_len, added, removed = ffi.new("size_t *"), ffi.new("uint64_t *"), ffi.new("uint64_t *")
    _check(lib.wm_set_bits(source, len(source), ffi.from_buffer("uint64_t[]", gaps), bytes(bits), n,
                           out, cap, out_len, added, removed), "set_bits")
    return ffi.unpack(out, out_len[0]), added[0], removed[0]


def linear_bits(h: array, vector: int) -> bytes:
    """wm_linear_bits: parity(h[i] & vector) for each i."""
    n = len(h)
    bits = bytearray(n)
    if n:
        ffi = _native.ffi
        _native.lib.wm_linear_bits(ffi.from_buffer("uint64_t[]", h), n, vector,
                                   ffi.from_buffer("uint8_t[]", bits, require_writable=True))
    return bytes(bits)


def score_linear(h: array, observed: bytes, vectors: array) -> array:
    """wm_score_linear: matches of each recipient vector (unbiased code)."""
    ffi = _native.ffi
    n, m = len(h), len(vectors)
    if len(observed) != n:
        raise ValueError("one observed bit per carrier")
    matches = array("I", bytes(4 * m))
    if m:
        _check(_native.lib.wm_score_linear(ffi.from_buffer("uint64_t[]", h) if n else ffi.NULL, bytes(observed), n,
                                           ffi.from_buffer("uint64_t[]", vectors), m,
                                           ffi.from_buffer("uint32_t[]", matches, require_writable=True)),
               "score_linear")
    return matches


def score_tardos(identities: array, observed: bytes, thresholds: array, up: array, down: array,
                 recipient_keys: bytes) -> tuple[array, array]:
    """wm_score_tardos: (scores, matches) of each recipient (16-byte PRF keys)."""
    ffi = _native.ffi
    n, m = len(identities), len(recipient_keys) // 16
    if not len(observed) == len(thresholds) == len(up) == len(down) == n or len(recipient_keys) % 16:
        raise ValueError("score_tardos: inconsistent lengths")
    scores, matches = array("d", bytes(8 * m)), array("I", bytes(4 * m))
    if m:
        def buf(kind, a):
            return ffi.from_buffer(kind, a) if len(a) else ffi.NULL
        _native.lib.wm_score_tardos(buf("uint64_t[]", identities), bytes(observed), buf("uint64_t[]", thresholds),
                                    buf("double[]", up), buf("double[]", down), n, recipient_keys, m,
                                    ffi.from_buffer("double[]", scores, require_writable=True),
                                    ffi.from_buffer("uint32_t[]", matches, require_writable=True))
    return scores, matches


def build_digest() -> str:
    return _native.ffi.string(_native.lib.wm_build_digest()).decode()
