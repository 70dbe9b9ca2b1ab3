"""The C core against the pure-Python reference and the xxhash package."""
from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import xxhash
from hypothesis import given, strategies as st

import watermark
from watermark import _bindings, _carriers, _fingerprint, _languages, _reference as ref
from corpus import go_files, js_files, sample
from strategies import layouts, programs, render

pytestmark = pytest.mark.skipif(not _bindings.available(), reason="C extension disabled")

ROOT = Path(__file__).resolve().parent.parent


def test_native_info_reports_the_c_extension_in_use():
    info = watermark.native_info()
    assert info["native"] is True
    assert info["version"] == watermark.__version__


def test_constants_are_equal_in_c_header_and_reference():
    """Seeds, markers and flags are written twice (C and Python): keep them equal."""
    text = (ROOT / "csrc" / "wm_internal.h").read_text() + (ROOT / "csrc" / "watermark.h").read_text()
    defined = {m[0]: int(m[1], 0) for m in re.findall(r"#define (WM_\w+) (-?0x[0-9a-fA-F]+|-?\d+)", text)}
    assert defined["WM_SEED_TEXT"] == ref.SEED_TEXT
    assert defined["WM_SEED_EXACT"] == ref.SEED_EXACT
    assert defined["WM_SEED_RENAMED"] == ref.SEED_RENAMED
    assert defined["WM_SEED_SKELETON"] == ref.SEED_SKELETON
    assert defined["WM_SEED_SYNTAX"] == ref.SEED_SYNTAX
    assert defined["WM_EXIT_WORD"] == ref.EXIT_WORD
    assert defined["WM_ABI_VERSION"] == _bindings.ABI_VERSION
    flag_names = [k[len("WM_F_"):] for k in defined if k.startswith("WM_F_")]
    assert len(flag_names) == 14
    for name in flag_names:
        assert defined[f"WM_F_{name}"] == getattr(_languages, f"F_{name}") == getattr(ref, f"_F_{name}")
    assert (ref.EV_ENTER, ref.EV_EXIT, ref.EV_TOKEN) == (defined["WM_EV_ENTER"], defined["WM_EV_EXIT"],
                                                         defined["WM_EV_TOKEN"])
    assert defined["WM_IDENTITY_WORDS"] == _bindings.IDENTITY_WORDS == _carriers.IDENTITY_WORDS
    for name in ("IF_NIL", "ASSIGNMENT", "EXPRESSION", "PROPERTY", "GO_FIELD", "GO_CONST", "GO_ELEMENT",
                 "GO_KEYED", "GO_COMMENTED"):
        assert defined[f"WM_C_{name}"] == getattr(_carriers, f"_C_{name}")


@given(st.binary(max_size=300), st.integers(0, 2**64 - 1))
def test_xxh64_matches_xxhash_package_and_python_reference(data, seed):
    expected = xxhash.xxh64_intdigest(data, seed)
    assert _bindings.xxh64(data, seed) == expected
    assert ref.xxh64_py(data, seed) == expected


@pytest.mark.parametrize("size", [0, 1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 65, 1000, 100_003])
def test_xxh64_matches_xxhash_at_every_length_boundary(size):
    data = bytes(random.Random(size).randrange(256) for _ in range(size))
    assert _bindings.xxh64(data, 2**63 + 5) == xxhash.xxh64_intdigest(data, 2**63 + 5)


@given(st.lists(st.integers(0, 2**64 - 1), max_size=40), st.integers(0, 2**64 - 1))
def test_seqhash_matches_reference(words, seed):
    lib, ffi = _bindings._native.lib, _bindings._native.ffi
    arr = ffi.new("uint64_t[]", words or [0])
    assert lib.wm_seqhash(arr, len(words), seed) == ref.seqhash(words, seed)


_TOKEN_BYTES = st.binary(max_size=40) | st.text(
    alphabet="0123456789.eE+-_xXoObBnNiIaAfF'\"\\\r\n\u2028é", max_size=30
).map(lambda s: s.encode())


@given(_TOKEN_BYTES, st.sampled_from([0, _languages.F_STRING_JS, _languages.F_NUMBER_JS,
                                       _languages.F_NUMBER_GO, _languages.F_FLAGS_JS]))
def test_token_normalization_matches_reference(text, flags):
    assert _bindings.token_hash(text, flags) == ref.token_hash(text, flags)


@st.composite
def event_trees(draw):
    """Random well-formed event streams with units on item boundaries."""
    events: list[tuple[int, int, int, int]] = []
    starts: list[tuple[int, int]] = []
    n_idents = draw(st.integers(1, 6))
    kinds = [draw(st.integers(0, 2**64 - 1)) for _ in range(4)]

    def node(depth: int) -> None:
        begin = len(events)
        if depth >= 4 or draw(st.booleans()):
            ident = draw(st.integers(-1, n_idents - 1))
            events.append((draw(st.sampled_from(kinds)), draw(st.integers(0, 2**64 - 1)), ident, ref.EV_TOKEN))
        else:
            events.append((draw(st.sampled_from(kinds)), 0, -1, ref.EV_ENTER))
            for _ in range(draw(st.integers(0, 3))):
                node(depth + 1)
            events.append((0, 0, -1, ref.EV_EXIT))
        if draw(st.booleans()):
            starts.append((begin, len(events)))

    for _ in range(draw(st.integers(1, 3))):
        node(0)
    starts.append((0, len(events)))  # a run of several items
    return events, starts, n_idents


@given(event_trees())
def test_unit_hashing_matches_reference_on_random_trees(tree):
    events, ranges, n_idents = tree
    units = [ref.RawUnit(b, e, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, False) for b, e in ranges]
    ref.hash_units(events, units, n_idents)
    ev_buf = b"".join(ref.EVENT_STRUCT.pack(*e) for e in events)
    un_buf = bytearray(ref.pack_units(units))
    for i in range(len(units)):  # clear the hashes C must compute
        ref.UNIT_STRUCT.pack_into(un_buf, i * ref.UNIT_STRUCT.size, 0, 0, 0,
                                  *ref.UNIT_STRUCT.unpack_from(un_buf, i * ref.UNIT_STRUCT.size)[3:])
    _bindings.hash_units(ev_buf, len(events), un_buf, len(units), n_idents)
    got = [r[:3] for r in ref.UNIT_STRUCT.iter_unpack(un_buf)]
    assert got == [(u.exact, u.renamed, u.skeleton) for u in units]


def test_unit_hashing_rejects_ranges_that_cut_an_item():
    events = [(1, 0, -1, ref.EV_ENTER), (2, 5, -1, ref.EV_TOKEN), (0, 0, -1, ref.EV_EXIT)]
    ev_buf = b"".join(ref.EVENT_STRUCT.pack(*e) for e in events)
    bad = ref.RawUnit(0, 2, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, False)
    with pytest.raises(watermark.WatermarkError):
        _bindings.hash_units(ev_buf, 3, bytearray(ref.pack_units([bad])), 1, 0)
    with pytest.raises(ValueError):
        ref.hash_units(events, [bad], 0)


def _walks_agree(language: str, data: bytes) -> None:
    lang = _languages.load(language)
    records, n, hashes, n_nodes, has_error, (ev, n_ev, n_idents) = \
        _fingerprint._native_language(lang).fingerprint(data, with_events=True)
    walk = _fingerprint.reference_walk(lang, data)
    assert records == ref.pack_units(walk.units)
    assert ev == b"".join(ref.EVENT_STRUCT.pack(*e) for e in walk.events)
    assert (tuple(hashes), n_nodes, has_error, n_idents) == \
        (walk.file_hashes, walk.n_nodes, walk.has_error, walk.n_idents)


@given(programs(), layouts())
def test_c_walk_matches_reference_walk_on_generated_programs(program, layout):
    _walks_agree(program.language, render(program, layout))


@given(st.sampled_from(["go", "javascript"]), st.binary(max_size=200))
def test_c_walk_matches_reference_on_arbitrary_bytes(language, data):
    """Garbage input parses to ERROR trees; both walks must still agree."""
    _walks_agree(language, data.replace(b"\0", b""))


@pytest.mark.corpus
def test_c_walk_matches_reference_walk_on_real_files():
    # the reference walk is slow: files up to 400 kB (larger ones are covered by the C path)
    files = sample(go_files(), 80, max_bytes=400_000) + sample(js_files(), 50, max_bytes=400_000)
    for path in files:
        data = path.read_bytes()
        _walks_agree("go" if path.suffix == ".go" else "javascript", data)


def test_hashes_are_the_same_in_another_process():
    """No dependence on PYTHONHASHSEED or on process state."""
    src = "package p\n\nfunc f(a int) int {\n\tb := a + 1\n\treturn b\n}\n"
    code = ("import watermark, sys; fp = watermark.fingerprint(sys.argv[1], language='go');"
            "print(fp.exact, fp.renamed, fp.skeleton, [u.exact for u in fp.units])")
    outs = {
        subprocess.run([sys.executable, "-c", code, src], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "random")
    }
    assert len(outs) == 1
    fp = watermark.fingerprint(src, language="go")
    assert outs.pop().split()[0] == str(fp.exact)


def test_pure_python_mode_gives_the_same_fingerprints():
    code = ("import watermark, json, sys; fp = watermark.fingerprint(open(sys.argv[1], 'rb').read(), path=sys.argv[1]);"
            "print(json.dumps([watermark.native_info()['native'], fp.exact, fp.renamed, fp.skeleton,"
            " fp.syntax_digest, [list(u) for u in fp.units]]))")
    sample = str(ROOT / "tests" / "fixtures" / "server.go")
    runs = [
        subprocess.run([sys.executable, "-c", code, sample], capture_output=True, text=True, check=True,
                       env={**os.environ, "WATERMARK_PURE_PYTHON": flag}).stdout
        for flag in ("0", "1")
    ]
    import json
    native, pure = (json.loads(r) for r in runs)
    assert native[0] is True and pure[0] is False
    assert native[1:] == pure[1:]
