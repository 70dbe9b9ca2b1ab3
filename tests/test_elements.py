"""The boundaries between array elements (scheme 3): which lists carry
marks, that the marks keep the tree, and that both schemes' readers find
what they should (the C core and the reference agree on them in
test_backends)."""
from __future__ import annotations

import shutil
import subprocess
from array import array
from pathlib import Path

import pytest
from corpus import tool
from hypothesis import given, settings
from strategies import LIST_LANGUAGES as LANGUAGES
from strategies import arrays

import watermark
from watermark import demo
from watermark.core import carriers
from watermark.core.marks import ELEMENT_SHARE, flipped, marking_problem

KEY = watermark.Key(bytes(range(40, 72)))
OTHER_KEY = watermark.Key(bytes(range(80, 112)))


def element_lines(src: str, language: str, *, scheme: int = 3, lenient: bool = False) -> list[int]:
    """The 1-based line of B of each boundary between elements of `src`."""
    data = src.encode()
    b = carriers.boundaries(watermark.fingerprint(data, language=language), scheme=scheme, lenient=lenient)
    return [data.count(b"\n", 0, b.gaps[3 * k + 2]) + 1 for k in range(len(b)) if carriers.is_element(b.words, k)]


# a list prettier keeps broken one element a line, with its blank lines: each element's boundary is a carrier
WORDS = 'const words = [\n  "alpha",\n  "bravo",\n\n  "charlie",\n  "delta",\n  "echo",\n  "foxtrot",\n' \
        '  "golf",\n  "hotel",\n  "india",\n  "juliet",\n  "kilo",\n];\n'


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_elements_of_a_list_broken_one_a_line_carry_marks(language):
    assert element_lines(WORDS, language) == [3, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert element_lines(WORDS, language, scheme=2) == []  # not before scheme 3
    assert element_lines(WORDS.replace('"kilo",\n]', '"kilo" ]'), language) == [3, 5, 6, 7, 8, 9, 10, 11, 12, 13]


@pytest.mark.parametrize("src,why", [
    ('const a = [\n  "alpha",\n  "bravo",\n];\n', "fits on a line: prettier joins it"),
    ("const a = [\n" + "".join(f"  {n},\n" for n in range(40)) + "];\n", "numbers: prettier fills them"),
    ("const a = [\n" + "".join(f"  -{n}.5,\n" for n in range(40)) + "];\n", "signed numbers too"),
    ('const a = [\n  // first\n' + WORDS.split("[\n", 1)[1].replace("];\n", "") + "];\n", "a comment in it"),
    (WORDS.replace('"echo",\n', '"echo", // fifth\n'), "a trailing comment in it"),
    (WORDS.replace("[\n  ", "[ "), "the first element on the `[` line"),
    (WORDS.replace('"kilo",\n]', '"kilo",\n  // the end\n]'), "a comment before the `]`"),
    (WORDS.replace('"golf",\n  "hotel"', '"golf", "hotel"'), "two elements on one line"),
])
def test_lists_a_formatter_may_rejoin_or_refill_carry_nothing(src, why):
    assert element_lines(src, "javascript") == [], why
    assert element_lines(src, "typescript") == [], why


def test_a_long_list_of_mixed_elements_objects_and_functions_carries_marks_in_nested_lists_too():
    src = ('const routes = [\n'
           '  { path: "/", handler: home, methods: ["GET"] },\n'
           '  { path: "/login", handler: login, methods: ["GET", "POST"] },\n'
           '  function fallback(request) {\n    return notFound(request);\n  },\n'
           '  [\n    "a nested list of strings that is long enough",\n'
           '    "to stay broken one element a line under prettier",\n  ],\n'
           '];\n')
    assert element_lines(src, "javascript") == [3, 4, 7, 9]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_element_carrier_state_keeps_the_tree_and_its_boundaries(language):
    data = WORDS.encode()
    fp = watermark.fingerprint(data, language=language)
    found = carriers.boundaries(fp)
    other = flipped(fp, found)
    assert other != data and marking_problem(fp, other) is None
    again = carriers.boundaries(watermark.fingerprint(other, language=language))
    assert again.words == found.words


def test_a_copy_marked_with_scheme_2_is_read_by_scheme_2s_rules_and_traced_with_scheme_3s():
    """extract(scheme=2) reads exactly the carriers a scheme-2 embed wrote;
    the default reader (scheme 3) reads those and the elements' besides,
    whose bits are the file's own (noise, the same for every recipient).
    A list's boundaries are used at a quarter of the density."""
    src = WORDS + "function f(a) {\n  const b = a + 1;\n  const c = b * 2;\n\n  return c;\n}\n"
    old = watermark.embed(src, KEY, "alice", language="javascript", density=1.0,
                          code=watermark.Code("unbiased", scheme=2))
    two = watermark.extract(old.source, KEY, language="javascript", density=1.0, scheme=2)
    three = watermark.extract(old.source, KEY, language="javascript", density=1.0)
    assert old.carriers == len(two) == 3 and set(two.identities) < set(three.identities)
    assert watermark.verify(two, KEY, "alice", code=watermark.Code("unbiased", scheme=2)).matches == 3
    new = watermark.embed(src, KEY, "alice", language="javascript", density=1.0)
    read = watermark.extract(new.source, KEY, language="javascript", density=1.0)
    assert new.carriers == len(read) == len(three) > 3
    assert watermark.verify(read, KEY, "alice").matches == new.carriers


def test_a_lists_boundaries_are_used_at_a_quarter_of_the_density():
    src = "const table = [\n" + "".join(f'  "entry number {n:03}",\n' for n in range(400)) + "];\n"
    every = carriers.boundaries(watermark.fingerprint(src, language="javascript"))
    assert len(every) == 399
    for density in (1.0, 0.75, 0.4):
        used = watermark.embed(src, KEY, "alice", language="javascript", density=density).carriers
        assert abs(used - 399 * density * ELEMENT_SHARE) < 4 * (399 * density * ELEMENT_SHARE) ** 0.5, density


# ---- generated lists (tests/strategies.py) -------------------------------------------

@settings(max_examples=150, deadline=None)
@given(arrays())
def test_generated_lists_keep_their_tree_in_every_carrier_state_and_read_back(case):
    """Every eligible boundary flipped at once keeps the tree and the
    boundaries; the lenient reader finds every strict boundary; a marked
    copy reads back its recipient's bits, strictly and leniently."""
    language, src = case
    data = src.encode()
    fp = watermark.fingerprint(data, language=language)
    if fp.has_error:
        return
    found = carriers.boundaries(fp)
    other = flipped(fp, found)
    assert marking_problem(fp, other) is None, src
    again = carriers.boundaries(watermark.fingerprint(other, language=language))
    assert again.words == found.words
    lenient = carriers.boundaries(fp, lenient=True)
    w = carriers.IDENTITY_WORDS
    strict_ids = {tuple(found.words[w * k:w * k + w]) for k in range(len(found))}
    assert strict_ids <= {tuple(lenient.words[w * k:w * k + w]) for k in range(len(lenient))}
    marked = watermark.embed(data, KEY, "bob", language=language, density=1.0)
    strict = watermark.extract(marked.source, KEY, language=language, density=1.0, lenient=False)
    assert marked.marked and marked.carriers == len(strict) <= len(found)
    verdict = watermark.verify(strict, KEY, "bob")
    assert verdict.matches == verdict.carriers == len(set(strict.identities))
    read = dict(watermark.extract(marked.source, KEY, language=language, density=1.0))
    assert all(read[i] == b for i, b in strict)


# ---- releases: a release keeps the scheme, and so the carriers, it was recorded with --------

GOLDEN_TABLES = Path(__file__).resolve().parent / "golden" / "v0.7.0"


def _element_gaps(data: bytes, path: str) -> list[bytes]:
    """What lies in each element boundary's gap of a file."""
    b = carriers.boundaries(watermark.fingerprint(data, path=path))
    return [data[b.gaps[3 * k + 1]:b.gaps[3 * k + 2]] for k in range(len(b)) if carriers.is_element(b.words, k)]


def test_a_release_recorded_with_scheme_2_keeps_its_carriers_and_a_new_one_marks_elements(tmp_path):
    root = tmp_path / "src"
    shutil.copytree(demo.SAMPLE, root)
    shutil.copytree(GOLDEN_TABLES, root, dirs_exist_ok=True)
    db = tmp_path / "registry.db"
    with watermark.Registry(db) as registry:
        with watermark.Release.analyse(root, KEY, name="tables-1", code=watermark.Code("unbiased", scheme=2),
                                       jobs=1) as old:
            scheme_2 = old.carriers
            old.embed(["alice"], tmp_path / "alice", registry=registry)
        with watermark.Release.analyse(root, KEY, name="tables-1", jobs=1) as again:
            assert again.code.scheme == 3 and again.carriers > scheme_2 + 5  # (the elements of v0.7.0/)
            again.embed(["bob"], tmp_path / "bob", registry=registry)  # recorded with scheme 2: made with it
            assert again.code.scheme == 2 and again.carriers == scheme_2
        with watermark.Release.analyse(root, OTHER_KEY, name="tables-2", jobs=1) as new:  # (another product line)
            assert new.code.scheme == 3
            new.embed(["carol"], tmp_path / "carol", registry=registry)
        assert {i.name: i.scheme for i in registry.releases()} == {"tables-1": 2, "tables-2": 3}
    for name in ("tables.js", "tables.ts"):
        original = (root / name).read_bytes()
        for who in ("alice", "bob"):  # no mark between elements
            assert _element_gaps((tmp_path / who / name).read_bytes(), name) == _element_gaps(original, name)
        assert _element_gaps((tmp_path / "carol" / name).read_bytes(), name) != _element_gaps(original, name)
    for who, release, key in (("alice", "tables-1", KEY), ("bob", "tables-1", KEY), ("carol", "tables-2", OTHER_KEY)):
        report = watermark.trace(tmp_path / who, key, db, jobs=1)
        assert report.release == release and [s.recipient for s in report.accused] == [who], who


def test_unmark_puts_the_release_layout_back_between_elements_too(tmp_path):
    root = tmp_path / "src"
    shutil.copytree(GOLDEN_TABLES, root)
    db = tmp_path / "registry.db"
    with watermark.Registry(db) as registry, watermark.Release.analyse(root, KEY, name="tables", jobs=1) as release:
        release.embed(["alice", "bob"], tmp_path / "copies", registry=registry)
    for name in ("tables.js", "tables.ts"):
        marked = (tmp_path / "copies" / "alice" / name).read_bytes()
        assert _element_gaps(marked, name) != _element_gaps((root / name).read_bytes(), name)
    report = watermark.unmark(tmp_path / "copies" / "alice", tmp_path / "back", KEY, db, release="tables",
                              recipient="alice")
    assert report.restored == 2
    for name in ("tables.js", "tables.ts"):
        assert (tmp_path / "back" / name).read_bytes() == (root / name).read_bytes()


@pytest.mark.parametrize("options", [[], ["--print-width", "200"], ["--print-width", "40", "--no-semi"],
                                     ["--tab-width", "8", "--trailing-comma", "none"]])
def test_prettier_with_any_width_moves_no_element_bit_it_leaves_readable(tmp_path, options):
    """A leaker's prettier with odd options joins the lists that now fit
    (their element boundaries are gone) and breaks others: every carrier
    still read reads the recipient's bit, and the copy names the recipient."""
    samples = Path(__file__).resolve().parent / "conformance" / "samples"
    for name in ("tables.js", "tables.ts", "tables.tsx"):
        data = (samples / name).read_bytes()
        marked = watermark.embed(data, KEY, "carol", path=name, density=1.0)
        copy = tmp_path / name
        copy.write_bytes(marked.source)
        subprocess.run([tool("prettier"), "--write", "--log-level", "silent", *options, str(copy)], check=True)
        before = dict(watermark.extract(marked.source, KEY, path=name, density=1.0, lenient=False))
        after = dict(watermark.extract(copy.read_bytes(), KEY, path=name, density=1.0))
        kept = {i: b for i, b in after.items() if i in before}
        assert kept and all(before[i] == b for i, b in kept.items()), (name, options)
        verdict = watermark.verify(watermark.Observations(array("Q", kept), bytes(kept.values())), KEY, "carol")
        assert verdict.matches == verdict.carriers == len(kept)
