"""Both backends agree: every routine of the Backend protocol, run by the
native C core and by the pure-Python reference on the same inputs, gives
the same output (and XXH64 equals the xxhash package's, SipHash the
paper's vectors). One generic suite: a routine added to the protocol is
added here once."""
from __future__ import annotations

import functools
import math
import os
import random
import subprocess
import sys
import types
from array import array
from pathlib import Path

import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import arrays, layouts, programs, render

import watermark
from watermark import backend, languages
from watermark.backend import contract
from watermark.backend.reference import ReferenceBackend, hashes, walk
from watermark.core import carriers, codes
from watermark.languages import base

ROOT = Path(__file__).resolve().parent.parent
KEY = watermark.Key(bytes(range(32)))
REFERENCE = ReferenceBackend()


@functools.cache
def _native():
    if backend.BACKEND.name == "native":
        return backend.BACKEND
    from watermark.backend import native

    try:
        return native.load()
    except watermark.NativeBuildError:
        if os.environ.get("CI"):
            raise
        pytest.skip("the C extension is not built")


@pytest.fixture(scope="module")
def native():
    return _native()


def both():
    """Both backends, for tests that check one property of each."""
    return [pytest.param(REFERENCE, id="reference"), pytest.param("native", id="native")]


def _backend(which):
    return _native() if which == "native" else which


# ---- the choice and the contract -------------------------------------------------

def test_the_backend_is_chosen_once_and_reported():
    info = watermark.native_info()
    assert info["backend"] == backend.BACKEND.name
    assert info["native"] is backend.available() is (backend.BACKEND.name == "native")
    assert info["version"] == watermark.__version__ and info["abi"] == contract.WM_ABI_VERSION


def test_the_contract_module_is_generated_from_the_current_header():
    run = subprocess.run([sys.executable, str(ROOT / "csrc" / "gen_contract.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_every_contract_constant_and_record_layout_is_the_compiled_extensions(native):
    lib, ffi = native._lib, native._ffi
    names = [n for n in dir(contract) if n.startswith("WM_")]
    assert len(names) > 40
    for name in names:
        assert getattr(lib, name) == getattr(contract, name), name
    for record, layout, cname in ((contract.UnitRecord, contract.UNIT_STRUCT, "wm_unit"),
                                  (contract.EventRecord, contract.EVENT_STRUCT, "wm_event")):
        assert ffi.sizeof(cname) == layout.size
        packed = layout.pack(*range(1, len(record._fields) + 1))
        view = ffi.from_buffer(f"{cname} *", packed)
        assert [getattr(view, f) for f in record._fields] == list(range(1, len(record._fields) + 1))


def test_pure_python_mode_runs_the_whole_api_on_the_reference():
    _native()  # the comparison needs the C extension built
    code = ("import watermark, json, sys; data = open(sys.argv[1], 'rb').read();"
            "fp = watermark.fingerprint(data, path=sys.argv[1]); key = watermark.Key(bytes(range(32)));"
            "copy = watermark.embed(data, key, 'acme', path=sys.argv[1]);"
            "seen = watermark.extract(copy.source, key, path=sys.argv[1]);"
            "v = watermark.verify(seen, key, 'acme');"
            "print(json.dumps([watermark.native_info()['backend'], fp.exact, fp.syntax_digest,"
            " [list(u) for u in fp.units], copy.source.decode(), list(seen.identities), v.log10_bound]))")
    fixture = str(ROOT / "tests" / "fixtures" / "server.go")
    runs = [subprocess.run([sys.executable, "-c", code, fixture], capture_output=True, text=True, check=True,
                           env={**os.environ, "WATERMARK_PURE_PYTHON": flag}).stdout for flag in ("0", "1")]
    import json

    native_run, pure = (json.loads(r) for r in runs)
    assert native_run[0] == "native" and pure[0] == "reference"
    assert native_run[1:] == pure[1:]


# ---- hashing -------------------------------------------------------------------

@given(st.binary(max_size=300), st.integers(0, 2**64 - 1))
def test_xxh64_of_both_backends_and_the_spec_is_the_xxhash_packages(data, seed):
    expected = xxhash.xxh64_intdigest(data, seed)
    assert _native().xxh64(data, seed) == REFERENCE.xxh64(data, seed) == hashes.xxh64_py(data, seed) == expected


@pytest.mark.parametrize("size", [0, 1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 65, 1000, 100_003])
def test_xxh64_matches_xxhash_at_every_length_boundary(native, size):
    data = bytes(random.Random(size).randrange(256) for _ in range(size))
    assert native.xxh64(data, 2**63 + 5) == xxhash.xxh64_intdigest(data, 2**63 + 5)
    assert hashes.xxh64_py(data, 2**63 + 5) == xxhash.xxh64_intdigest(data, 2**63 + 5)


@given(st.lists(st.integers(0, 2**64 - 1), max_size=40), st.integers(0, 2**64 - 1))
def test_seqhash_agrees(words, seed):
    assert _native().seqhash(words, seed) == REFERENCE.seqhash(words, seed)


_TOKEN_BYTES = st.binary(max_size=40) | st.text(
    alphabet="0123456789.eE+-_xXoObBnNiIaAfF'\"\\\r\n\u2028é", max_size=30
).map(lambda s: s.encode())


@given(_TOKEN_BYTES, st.sampled_from([contract.WM_N_NONE, contract.WM_N_QUOTED, contract.WM_N_NUMBER,
                                       contract.WM_N_NUMBER_CASE, contract.WM_N_CHARS]))
def test_token_normalization_agrees(text, norm):
    assert _native().token_hash(text, norm) == REFERENCE.token_hash(text, norm)


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
            events.append((draw(st.sampled_from(kinds)), draw(st.integers(0, 2**64 - 1)), ident,
                           contract.WM_EV_TOKEN))
        else:
            events.append((draw(st.sampled_from(kinds)), 0, -1, contract.WM_EV_ENTER))
            for _ in range(draw(st.integers(0, 3))):
                node(depth + 1)
            events.append((0, 0, -1, contract.WM_EV_EXIT))
        if draw(st.booleans()):
            starts.append((begin, len(events)))

    for _ in range(draw(st.integers(1, 3))):
        node(0)
    starts.append((0, len(events)))  # a run of several items
    return events, starts, n_idents


def _units(ranges) -> bytearray:
    return bytearray(walk.pack_units([walk.RawUnit(ev_begin=b, ev_end=e, parent=-1) for b, e in ranges]))


@given(event_trees())
def test_unit_hashing_agrees_on_random_event_trees(tree):
    events, ranges, n_idents = tree
    ev = walk.pack_events(events)
    got = []
    for b in (_native(), REFERENCE):
        units = _units(ranges)
        b.hash_units(ev, len(events), units, len(ranges), n_idents)
        got.append([(r.exact, r.renamed, r.skeleton) for r in carriers_records(units, len(ranges))])
    assert got[0] == got[1]
    assert all(h != (0, 0, 0) for h in got[0])


def carriers_records(buf, n):
    return [contract.UnitRecord._make(contract.UNIT_STRUCT.unpack_from(buf, k * contract.UNIT_STRUCT.size))
            for k in range(n)]


@pytest.mark.parametrize("which", both())
def test_unit_hashing_rejects_ranges_that_cut_an_item(which):
    events = [(1, 0, -1, contract.WM_EV_ENTER), (2, 5, -1, contract.WM_EV_TOKEN), (0, 0, -1, contract.WM_EV_EXIT)]
    with pytest.raises(watermark.WatermarkError):
        _backend(which).hash_units(walk.pack_events(events), 3, _units([(0, 2)]), 1, 0)


# rules with no class for any symbol
NO_RULES = types.SimpleNamespace(classes=array("I", [0]), options=0, guard=None)


# ---- fingerprints ----------------------------------------------------------------

def _fingerprints_agree(language: str, data: bytes) -> None:
    grammar = languages.get(language).tables
    a = _native().fingerprint(grammar, data, with_spans=True)
    b = REFERENCE.fingerprint(grammar, data, with_spans=True)
    assert a == b
    assert a.spans is not None and len(a.spans) == 8 * a.n_events
    assert _native().fingerprint(grammar, data, with_events=True) == a.__class__(**{**a.__dict__, "spans": None})


@given(programs(), layouts())
def test_fingerprints_agree_on_generated_programs(program, layout):
    _fingerprints_agree(program.language, render(program, layout))


@given(st.sampled_from(languages.names()), st.binary(max_size=200))
def test_fingerprints_agree_on_arbitrary_bytes(language, data):
    """Garbage input parses to ERROR trees; both walks must still agree."""
    _fingerprints_agree(language, data.replace(b"\0", b""))


_RESPELLABLE = [
    b"interface Box<in out T, const in U> { get(): T }\nexport type F<out T> = () => T\n",
    b"export const pipe: {\n  <A>(f: A): A\n  /** first */\n  <A>(self: A, f: A): A\n} = null as any\n",
    b"type G<in T> = T\nconst = \n",  # (an error the respelling leaves: read as it is)
    b"export const f: {\n  /** one */\n  (a: number): number\n  /** two */\n  (a: string): string\n} = null as any\n",
    # (read as it is: the grammar reads these signatures, with a comment between)
]


def _recording(respelling, data):
    """A respeller over `respelling` that records what it is handed."""
    asked = []
    state = []

    def respell(found):
        asked.append(found)
        nxt = respelling.respell(data) if found is None else respelling.narrow(data, state[-1], found, KIND)
        if found is not None and nxt is state[-1]:
            return True
        if nxt is None or len(state) == 3:
            return None
        state.append(nxt)
        return nxt.source, nxt.probes

    return respell, asked


KIND = languages.get("typescript").tables.probed_kind


@pytest.mark.parametrize("data", _RESPELLABLE)
@pytest.mark.parametrize("language", ["typescript", "tsx"])
def test_the_respelling_pass_agrees(language, data):
    """wm_fingerprint_respelled: the respellings parsed from the file's tree
    (C) or afresh (the reference), the probes looked up in them, the same
    answers asked for, the same document."""
    lang = languages.get(language)
    grammar, respelling = lang.tables, lang.respelling
    assert respelling is not None
    context = sorted(grammar.symbols(respelling.context))
    runs = []
    for x in (_native(), REFERENCE):
        respell, asked = _recording(respelling, data)
        runs.append((x.fingerprint(grammar, data, with_spans=True, respell=respell, context=context), asked))
    assert runs[0] == runs[1]
    parsed, asked = runs[0]
    readable = not REFERENCE.fingerprint(grammar, data).has_error
    assert (parsed.reading == contract.WM_READ_AS_IS) == readable
    assert (asked == []) == readable  # (never asked for a file the grammar reads)


_TAIL = b"export function f(a: number): number {\n  const b = a + 1;\n  return b;\n}\n" * 300


@pytest.mark.parametrize("data,stops", [
    (b"type F<in T> = (x: T) => void;\n" + _TAIL, True),  # a variance annotation: certain at once
    (b"interface S {\n  a: number\n  <A>(x: A): A\n}\n" + _TAIL, True),  # a call signature after a line break
    (_TAIL, False),
    (b"for (const k in o) {}\nconst lt = a < b && c > d;\ntype In<T> = T;\n" + _TAIL, False),  # reads as is
])
@pytest.mark.parametrize("language", ["typescript", "tsx"])
def test_a_file_to_respell_is_parsed_only_up_to_its_first_certain_error(monkeypatch, language, data, stops):
    """The C core stops the parse of a file the grammar cannot read once
    every version of tree-sitter's stack has met an error (its tree will
    hold one), here on the first lines of 1,200; a file the grammar reads is
    never stopped. Either way the document is the one a whole parse first
    gives (the reference's)."""
    lang = languages.get(language)
    before = _native()._lib.wm_parses_stopped()
    with monkeypatch.context() as m:
        m.setattr(base, "BACKEND", _native())
        native = lang.parse(data, with_spans=True)
    assert (_native()._lib.wm_parses_stopped() - before == 1) == stops
    with monkeypatch.context() as m:
        m.setattr(base, "BACKEND", REFERENCE)
        assert lang.parse(data, with_spans=True) == native
    assert native.reading == (contract.WM_READ_RESPELLED if stops else contract.WM_READ_AS_IS)


@given(st.binary(max_size=300), st.lists(st.tuples(st.integers(0, 320), st.integers(0, 40)), max_size=6))
def test_probes_agree_on_arbitrary_bytes(data, ranges):
    """Garbage and its respelling (a few bytes blanked) parse to ERROR
    trees; the probes of both backends, with every symbol as context, agree."""
    grammar = languages.get("typescript").tables
    data = b"(" + data.replace(b"\0", b"")  # (an error: the respeller is asked)
    alt = bytearray(data)
    for a, n in ranges:
        alt[a:a + n] = b" " * len(alt[a:a + n])
    probes = [(a, a + n) for a, n in ranges]  # (some outside the source, some empty: no node, or the smallest)
    context = list(range(len(grammar.kind_names))) + [65535]
    got = []
    for x in (_native(), REFERENCE):
        seen = []

        def respell(found, seen=seen):
            seen.append(found)
            return (bytes(alt), probes) if found is None else True

        got.append((x.fingerprint(grammar, data, respell=respell, context=context), seen))
    assert got[0][0] == got[1][0] and len(got[0][1]) == len(got[1][1]) == 2
    # (the C core parses the respelling from the source's tree, or afresh if the source's parse stopped
    # at its first error: where the grammar reads it without error that is the tree a fresh parse gives,
    # and so are the probes; in error recovery an incremental parse may not be)
    if not REFERENCE.fingerprint(grammar, bytes(alt)).has_error:
        assert got[0][1] == got[1][1]


@pytest.mark.parametrize("which", both())
def test_a_respellers_faults_come_back_to_the_caller(which):
    """A respelling of another length is refused, and whatever the respeller
    raises is raised by fingerprint (through the C core: nothing leaks)."""
    grammar = languages.get("typescript").tables
    data = b"type A<in T> = T\n"
    with pytest.raises(ValueError, match="length"):
        _backend(which).fingerprint(grammar, data, respell=lambda found: (b"type A = T\n", []))

    def broken(found):
        raise KeyError("respeller")

    with pytest.raises(KeyError, match="respeller"):
        _backend(which).fingerprint(grammar, data, respell=broken)

    def reentrant(found):  # (the C core's arena for this thread's call is in use)
        _backend(which).fingerprint(grammar, b"let y = 2;\n" * 2000)
        return None

    with pytest.raises(watermark.WatermarkError, match="inside a respelling"):
        _backend(which).fingerprint(grammar, b"function f(a: number) { return a + 1; }\n" * 2000 + data,
                                    respell=reentrant)
    assert not _backend(which).fingerprint(grammar, b"let y = 2;\n").has_error  # (and the thread is free again)
    assert _backend(which).fingerprint(grammar, data, respell=lambda found: None) == \
        _backend(which).fingerprint(grammar, data).__class__(**{**_backend(which).fingerprint(grammar, data).__dict__,
                                                                 "reading": contract.WM_READ_UNREAD})


# ---- provenance prints (wm_winnow.c) -----------------------------------------------

_EVENTS = st.lists(st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1), st.integers(-1, 5),
                             st.sampled_from([0, 1, 2])), max_size=120)


@given(_EVENTS, st.integers(1, 30), st.integers(1, 25))
def test_winnowing_agrees_on_arbitrary_event_streams(events, k, w):
    data = walk.pack_events(events)
    a = _native().winnow(data, len(events), k, w)
    b = REFERENCE.winnow(data, len(events), k, w)
    assert a == b
    assert len(set(a[1])) == len(a[1]) and list(a[1]) == sorted(a[1])  # each k-gram chosen once, in order
    if len(events) >= k + w - 1:
        assert len(a[0]) >= (len(events) - k + 1) // w  # every window holds a selected k-gram


@given(_EVENTS, _EVENTS, _EVENTS, st.integers(3, 12), st.integers(2, 10))
def test_a_shared_run_of_w_plus_k_minus_1_tokens_always_shares_a_print(before, shared, after, k, w):
    """The winnowing guarantee, whatever surrounds the shared run."""
    run = (shared * ((k + w) // max(1, len(shared)) + 1))[:k + w - 1] if shared else [(1, 2, -1, 2)] * (k + w - 1)
    one = walk.pack_events(before + run)
    two = walk.pack_events(run + after)
    a = _native().winnow(one, len(before) + len(run), k, w)[0]
    b = _native().winnow(two, len(run) + len(after), k, w)[0]
    assert set(a) & set(b)


@pytest.mark.parametrize("which", both())
def test_winnowing_refuses_bad_parameters(which):
    data = walk.pack_events([(1, 2, -1, 2)] * 10)
    for k, w in ((0, 5), (5, 0), (5, 5000)):
        with pytest.raises(watermark.WatermarkError):
            _backend(which).winnow(data, 10, k, w)


def test_prints_are_blind_to_layout_comments_and_renaming():
    from watermark.core import prints as provenance

    src = (b"package p\n\n// Sum adds.\nfunc Sum(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n"
           b"\t\ts += x\n\t}\n\treturn s\n}\n")
    other = src.replace(b"xs", b"values").replace(b"s :=", b"total :=").replace(b"s +=", b"total +=") \
        .replace(b"return s", b"return total").replace(b"// Sum adds.\n", b"").replace(b"\t", b"    ")
    one = watermark.fingerprint(src, language="go", winnow=provenance.WINNOW)
    two = watermark.fingerprint(other + b"\n\n", language="go", winnow=provenance.WINNOW)
    assert one.prints and provenance.prints_of(one) == provenance.prints_of(two)
    changed = watermark.fingerprint(src.replace(b"s += x", b"s -= x"), language="go", winnow=provenance.WINNOW)
    assert provenance.prints_of(changed) != provenance.prints_of(one)


@given(programs(), layouts())
def test_prints_agree_on_generated_programs(program, layout):
    grammar = languages.get(program.language).tables
    data = render(program, layout)
    a = _native().fingerprint(grammar, data, winnow=(23, 17))
    b = REFERENCE.fingerprint(grammar, data, winnow=(23, 17))
    assert a.prints == b.prints and a.prints is not None


def test_hashes_are_the_same_in_another_process():
    """No dependence on PYTHONHASHSEED or on process state."""
    src = "package p\n\nfunc f(a int) int {\n\tb := a + 1\n\treturn b\n}\n"
    code = ("import watermark, sys; fp = watermark.fingerprint(sys.argv[1], language='go');"
            "print(fp.exact, fp.renamed, fp.skeleton, [u.exact for u in fp.units])")
    outs = {subprocess.run([sys.executable, "-c", code, src], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "random")}
    assert len(outs) == 1
    assert outs.pop().split()[0] == str(watermark.fingerprint(src, language="go").exact)


# ---- carriers: boundaries, reading and writing bits -----------------------------

def _boundaries_agree(fp) -> tuple[array, array]:
    """Both backends find the same boundaries, strict and lenient, with
    and without the elements (scheme 3, and 2); returns the strict ones with
    elements. Leniency only adds boundaries: every strict one is there with
    the same identity words and the same bit; the elements only add
    boundaries too, those between elements, and they are in source order."""
    found = []
    for elements in ((fp.elements, fp.element_count), (b"", 0)):
        for flags in (0, contract.WM_B_LENIENT):
            args = (fp.records, fp.unit_count, fp.node_count, fp.source, languages.get(fp.language).tables, flags,
                    *elements)
            native_words, native_gaps = _native().boundaries(*args)
            assert (native_words, native_gaps) == REFERENCE.boundaries(*args)
            assert list(native_gaps[::3]) == sorted(set(native_gaps[::3]))
            found.append((native_words, native_gaps))
    (words, gaps), (lwords, lgaps), (words2, gaps2), _ = found
    w = contract.WM_IDENTITY_WORDS
    units_only = [k for k in range(len(gaps) // 3) if not carriers.is_element(words, k)]
    assert [tuple(words[w * k:w * k + w]) for k in units_only] == \
        [tuple(words2[w * k:w * k + w]) for k in range(len(gaps2) // 3)]
    strict = {tuple(words[w * k:w * k + w]): k for k in range(len(gaps) // 3)}
    lenient = {tuple(lwords[w * k:w * k + w]): k for k in range(len(lgaps) // 3)}
    assert strict.keys() <= lenient.keys()
    bits, lbits = REFERENCE.read_bits(fp.source, gaps), REFERENCE.read_bits(fp.source, lgaps)
    comments = languages.get(fp.language).reading.comment_lines
    for ident, k in strict.items():  # a 0 may read 1 only where comment lines hold a blank line
        if bits[k] or not fp.source[gaps[3 * k + 2]:].lstrip(b" \t").startswith(comments):
            assert lbits[lenient[ident]] == bits[k]
    return words, gaps


def _bits_agree(fp, words: array, gaps: array, bits: bytes) -> None:
    src = fp.source
    marked = _native().set_bits(src, gaps, bits)
    assert marked == REFERENCE.set_bits(src, gaps, bits)
    assert _native().read_bits(src, gaps) == REFERENCE.read_bits(src, gaps)
    again = carriers.boundaries(watermark.fingerprint(marked[0], language=fp.language))
    assert again.words == words
    assert _native().read_bits(marked[0], again.gaps) == REFERENCE.read_bits(marked[0], again.gaps) == bytearray(bits)


@given(programs(), layouts(), st.randoms(use_true_random=False))
def test_boundaries_and_bits_agree_on_generated_programs(program, layout, rnd):
    fp = watermark.fingerprint(render(program, layout), language=program.language)
    words, gaps = _boundaries_agree(fp)
    _bits_agree(fp, words, gaps, bytes(rnd.getrandbits(1) for _ in range(len(gaps) // 3)))


@given(arrays(), st.randoms(use_true_random=False))
def test_elements_boundaries_and_bits_agree_on_generated_lists(case, rnd):
    """Array literals as prettier writes them and otherwise: the same
    elements (fingerprint) and element boundaries in both backends."""
    language, src = case
    grammar = languages.get(language).tables
    parsed = _native().fingerprint(grammar, src.encode())
    assert parsed == REFERENCE.fingerprint(grammar, src.encode())
    fp = watermark.fingerprint(src, language=language)
    words, gaps = _boundaries_agree(fp)
    _bits_agree(fp, words, gaps, bytes(rnd.getrandbits(1) for _ in range(len(gaps) // 3)))


@given(st.binary(max_size=300), st.sampled_from(languages.names()))
def test_boundaries_agree_on_arbitrary_bytes(data, language):
    try:
        fp = watermark.fingerprint(data, language=language)
    except watermark.SourceError:
        return
    _boundaries_agree(fp)


@pytest.mark.parametrize("which", both())
def test_gaps_outside_the_source_are_refused(which):
    b = _backend(which)
    with pytest.raises(watermark.WatermarkError):
        b.set_bits(b"a\nb\n", array("Q", [1, 2, 9]), b"\x01")
    with pytest.raises(watermark.WatermarkError):
        b.read_bits(b"a\nb\n", array("Q", [1, 2, 9]))
    with pytest.raises(watermark.WatermarkError):  # a unit whose range runs past the source
        bad = contract.UNIT_STRUCT.pack(*contract.UnitRecord(
            exact=0, renamed=0, skeleton=0, ev_begin=0, ev_end=0, start_byte=0, end_byte=99, start_row=0, end_row=0,
            name_start=0, name_end=0, parent=-1, node=0, parent_node=0, symbol=0, has_error=0, reserved=0))
        b.boundaries(bad + bad, 2, 1, b"x", NO_RULES, 0)
    one = b.boundaries(bad, 1, 1, b"x", NO_RULES, 0)
    assert one == (array("Q"), array("Q"))  # one unit: no pair


# ---- the keyed PRF -----------------------------------------------------------------

@pytest.mark.parametrize("which", both())
def test_siphash_matches_the_papers_test_vectors(which):
    key = bytes(range(16))
    for length, want in {0: 0x726FDB47DD0E0E31, 1: 0x74F839C593DC67FD, 15: 0xA129CA6149BE45E5}.items():
        assert _backend(which).siphash(key, bytes(range(length))) == want


@given(st.binary(min_size=16, max_size=16), st.binary(max_size=80),
       st.lists(st.integers(0, 2**64 - 1), max_size=12), st.integers(1, 3))
def test_siphash_and_the_batched_prf_agree(key, data, words, stride):
    assert _native().siphash(key, data) == REFERENCE.siphash(key, data)
    words = words[:len(words) - len(words) % stride]
    w = array("Q", words)
    assert _native().prf(key, w, stride) == REFERENCE.prf(key, w, stride) == array(
        "Q", (REFERENCE.siphash(key, w[i:i + stride].tobytes()) for i in range(0, len(w), stride)))


# ---- codes and scoring --------------------------------------------------------------

@given(st.lists(st.integers(0, 2**64 - 1), max_size=300), st.randoms(use_true_random=False),
       st.lists(st.integers(0, 2**64 - 1), max_size=20))
def test_bit_sliced_scoring_counts_exactly_the_matching_parities(h, rnd, vectors):
    """wm_score_linear (64 carriers at a time, tabulated bit planes) against
    the reference's definition: one AND and one parity per carrier and recipient."""
    observed = bytes(rnd.getrandbits(1) for _ in h)
    ha, va = array("Q", h), array("Q", vectors)
    assert _native().score_linear(ha, observed, va) == REFERENCE.score_linear(ha, observed, va)
    assert list(REFERENCE.score_linear(ha, observed, va)) == [
        sum((bin(x & s).count("1") & 1) == o for x, o in zip(h, observed)) for s in vectors]
    for s in vectors[:3]:
        assert _native().linear_bits(ha, s) == REFERENCE.linear_bits(ha, s)


@given(st.lists(st.integers(0, 2**64 - 1), max_size=300), st.randoms(use_true_random=False),
       st.lists(st.integers(0, 2**128 - 1), max_size=12))
def test_scheme_2_scoring_counts_the_parities_of_128_bit_vectors(h, rnd, vectors):
    """The two-word scorer and bits (scheme 2) against the definition:
    parity over both words of h_i AND s_r."""
    h = h[:len(h) // 2 * 2]
    n = len(h) // 2
    observed = bytes(rnd.getrandbits(1) for _ in range(n))
    ha, va = array("Q", h), codes.vector_array(vectors, 2)
    wide = [h[2 * i] | h[2 * i + 1] << 64 for i in range(n)]
    want = [sum((bin(x & s).count("1") & 1) == o for x, o in zip(wide, observed)) for s in vectors]
    assert list(_native().score_linear(ha, observed, va, 2)) == list(REFERENCE.score_linear(ha, observed, va, 2)) \
        == want
    for s in vectors[:3]:
        assert _native().linear_bits(ha, s, 2) == REFERENCE.linear_bits(ha, s, 2) == \
            bytes(bin(x & s).count("1") & 1 for x in wide)


@settings(max_examples=40)
@given(st.integers(2, 5), st.integers(0, 40), st.sampled_from([1, 2]), st.randoms(use_true_random=False),
       st.booleans())
def test_xor_sets_finds_the_sets_the_reference_finds(size, n, words, rnd, degenerate):
    """wm_xor_sets (a hashed table of pairs, a filter, one lookup per
    prefix) against the reference's dictionary, on random vectors and on
    degenerate ones (few distinct values: many sets share a XOR)."""
    top = 3 if degenerate else 1 << (64 * words)
    ints = [rnd.randrange(top) for _ in range(n)]
    vectors = codes.vector_array(ints, words)
    targets = [rnd.randrange(top)]
    if n >= size:
        members = sorted(rnd.sample(range(n), size))
        t = 0
        for k in members:
            t ^= ints[k]
        targets.append(t)
    for t in targets:
        got = _native().xor_sets(vectors, words, t, size)
        assert got == REFERENCE.xor_sets(vectors, words, t, size)
        for members in got:
            x = 0
            for k in members:
                x ^= ints[k]
            assert x == t and list(members) == sorted(set(members)) and len(members) == size
    if n >= size and not degenerate:
        assert tuple(members) in _native().xor_sets(vectors, words, targets[-1], size)


@settings(max_examples=25)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=60), st.randoms(use_true_random=False),
       st.integers(1, 6))
def test_tardos_scoring_agrees(identities, rnd, m):
    ids = array("Q", identities)
    p = [rnd.uniform(0.01, 0.99) for _ in ids]
    observed = bytes(rnd.getrandbits(1) for _ in ids)
    up = array("d", ((1 - x) / x for x in p))
    down = array("d", (x / (1 - x) for x in p))
    keys = bytes(rnd.getrandbits(8) for _ in range(16 * m))
    args = (ids, observed, codes.thresholds(p), up, down, keys)
    assert _native().score_tardos(*args) == REFERENCE.score_tardos(*args)


@pytest.mark.parametrize("code", ["unbiased", "tardos"])
def test_scoring_many_recipients_finds_the_one_whose_bits_were_leaked(code):
    rnd = random.Random(5)
    identities = array("Q", (rnd.getrandbits(64) for _ in range(3000)))
    c = codes.Code.of(code)
    observed = codes.recipient_bits(KEY, "r7", identities, c)
    observed = bytes(b ^ (rnd.random() < 0.1) for b in observed)  # 10% flips
    recipients = [f"r{i}" for i in range(40)]
    many = codes.score_many(KEY, recipients, identities, observed, c)
    p = codes.biases(KEY, identities, c.cutoff) if code == "tardos" else None
    for r, got in zip(recipients, many):  # against the definitions, computed here
        mine = codes.recipient_bits(KEY, r, identities, c)
        matches = sum(x == y for x, y in zip(mine, observed))
        assert (got.matches, got.carriers) == (matches, 3000)
        two = math.log10(2)  # both tails: twice the smaller one
        if p is None:  # three tests: all carriers, where the leak reads 1, where it reads 0; the best, x 3
            tests = []
            for n_s, m_s in ((3000, matches),
                             (sum(observed), sum(x == y == 1 for x, y in zip(mine, observed))),
                             (3000 - sum(observed), sum(x == y == 0 for x, y in zip(mine, observed)))):
                tail = codes.binomial_tail_log10(n_s, max(m_s, n_s - m_s))
                tests.append((min(0.0, tail + two), 2 * m_s < n_s))
            best_test = min(tests)
            assert got.log10_bound == pytest.approx(min(0.0, best_test[0] + math.log10(3)), abs=1e-12)
            assert got.complemented == best_test[1]
            continue
        score = 0.0
        for x, y, pi in zip(mine, observed, p):  # Skoric's symmetric score
            up, down = math.sqrt((1 - pi) / pi), math.sqrt(pi / (1 - pi))
            score += (up if x else -down) if y else (down if not x else -up)
        assert got.score == pytest.approx(score, abs=1e-6)
        tail = codes.bernstein_log10(3000, abs(score), math.sqrt((1 - c.cutoff) / c.cutoff))
        assert got.log10_bound == pytest.approx(min(0.0, tail + two), abs=1e-9)
        assert got.complemented == (score < 0)
    best = max(range(40), key=lambda i: many[i].score)
    assert recipients[best] == "r7" and many[best].log10_bound < -50
    assert all(s.log10_bound > -9 for i, s in enumerate(many) if i != best)


@settings(max_examples=30)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=50, unique=True), st.text(min_size=1, max_size=12))
def test_linear_bits_are_the_parity_of_carrier_and_recipient_vectors(identities, recipient):
    """Both schemes: scheme 1's 64-bit vectors, and scheme 2's 128-bit ones
    whose low word of h_i is scheme 1's h_i and whose s_r is its own."""
    ids = array("Q", identities)
    h = codes.carrier_vectors(KEY, ids)
    s = codes.recipient_vector(KEY, recipient)
    assert s != 0
    expected = bytes(bin(x & s).count("1") % 2 for x in h)
    assert codes.recipient_bits(KEY, recipient, ids, codes.Code("unbiased", scheme=1)) == expected
    assert list(_native().score_linear(h, expected, array("Q", [s]))) == [len(ids)]
    h2 = codes.carrier_vectors(KEY, ids, 2)
    s2 = codes.recipient_vector(KEY, recipient, 2)
    assert 0 < s2 < 1 << 128 and s2 != s and list(h2[0::2]) == list(h)
    expected2 = bytes(bin((h2[2 * i] | h2[2 * i + 1] << 64) & s2).count("1") % 2 for i in range(len(ids)))
    assert codes.recipient_bits(KEY, recipient, ids, codes.Code.of("unbiased")) == expected2
    assert list(_native().score_linear(h2, expected2, codes.vector_array([s2], 2), 2)) == [len(ids)]
