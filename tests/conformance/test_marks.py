"""embed / extract / verify in every language, on generated programs and on
the hand-written samples."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import layouts, programs, render

import watermark
from conformance.profiles import Profile

KEY = watermark.Key(bytes(range(32)))


def same_tree(a: bytes, b: bytes, language: str) -> bool:
    fa, fb = watermark.fingerprint(a, language=language), watermark.fingerprint(b, language=language)
    return (fa.syntax_digest, fa.exact) == (fb.syntax_digest, fb.exact)


@given(st.data())
def test_marking_keeps_the_tree_is_idempotent_and_re_marks_exactly(profile: Profile, data):
    program, layout = data.draw(programs(profile.language)), data.draw(layouts())
    recipient = data.draw(st.sampled_from(["alice", "bob", "carol"]))
    src = render(program, layout)
    lang = program.language
    a = watermark.embed(src, KEY, recipient, language=lang, density=1.0)
    assert a.marked and a.reason is None
    assert same_tree(src, a.source, lang)
    assert watermark.embed(a.source, KEY, recipient, language=lang, density=1.0).source == a.source
    b = watermark.embed(src, KEY, "dave", language=lang, density=1.0)
    assert watermark.embed(a.source, KEY, "dave", language=lang, density=1.0).source == b.source
    # line endings, BOM and a missing final newline survive
    assert a.source.startswith(b"\xef\xbb\xbf") == src.startswith(b"\xef\xbb\xbf")
    assert a.source.endswith(b"\n") == src.endswith(b"\n")
    if layout.newline == "\r\n":
        assert a.source.count(b"\n") == a.source.count(b"\r\n")
    assert a.source.count(b"\n") - src.count(b"\n") == a.lines_added - a.lines_removed


@given(st.data())
def test_extract_reads_back_exactly_the_embedded_bits(profile: Profile, data):
    program, layout = data.draw(programs(profile.language)), data.draw(layouts())
    src = render(program, layout)
    lang = program.language
    marked = watermark.embed(src, KEY, "alice", language=lang, density=1.0)
    obs = watermark.extract(marked.source, KEY, language=lang, density=1.0)
    assert len(obs) == marked.carriers
    mine = watermark.verify(obs, KEY, "alice")
    assert mine.matches == mine.carriers
    assert not watermark.verify(obs, KEY, "mallory").accused
    if mine.carriers >= 33:  # two-sided (2 x 2^-n), the best of 3 stratified tests (x 3)
        assert mine.accused and mine.bound == pytest.approx(3 * 2.0 ** (1 - mine.carriers))


def test_the_samples_are_marked_keep_their_trees_and_name_their_recipient(profile: Profile):
    """Together, the samples hold enough carriers to name a recipient (the
    attack tests make a release of them)."""
    assert profile.samples
    obs = {r: watermark.Observations() for r in ("alice", "bob")}
    for path in profile.samples:
        src = path.read_bytes()
        assert watermark.languages.for_path(path.name).name == profile.language, path
        for recipient in obs:
            marked = watermark.embed(src, KEY, recipient, path=path.name)
            assert marked.marked and marked.carriers > 0 and same_tree(src, marked.source, profile.language), path
            obs[recipient] = obs[recipient] + watermark.extract(marked.source, KEY, path=path.name)
    for recipient, other in (("alice", "bob"), ("bob", "alice")):
        assert watermark.verify(obs[recipient], KEY, recipient).accused
        assert not watermark.verify(obs[recipient], KEY, other).accused
