"""Fingerprints in every language: the registry matches the grammar, the
extensions name the language, no hash level moves with layout or a
formatter's spellings, the levels tell literals and identifier patterns
apart; on the corpus, every file fingerprints and the formatters change no
hash."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import layouts, plain_layout, programs, render

import watermark
from conformance.profiles import PROFILES, Formatter, Profile
from watermark import languages
from watermark.backend import BACKEND
from watermark.languages.base import unknown_kinds


def hashes(fp):
    return (fp.exact, fp.renamed, fp.skeleton, [(u.kind, u.exact, u.renamed, u.skeleton) for u in fp.units])


def test_registry_kinds_all_exist_in_the_grammar(profile: Profile):
    assert unknown_kinds(languages.get(profile.language)) == []


def test_language_comes_from_the_extension(profile: Profile):
    for ext in languages.get(profile.language).extensions:
        for path in (f"a{ext}", f"x/y{ext}", f"C{ext.upper()}"):
            assert watermark.fingerprint(b"", path=path).language == profile.language, path


# ---- generated programs ---------------------------------------------------------------------

@given(st.data())
def test_no_level_changes_with_blank_lines_comments_indentation_crlf_bom(profile: Profile, data):
    program = data.draw(programs(profile.language))
    one, other = data.draw(layouts()), data.draw(layouts())
    a = watermark.fingerprint(render(program, one), language=program.language)
    b = watermark.fingerprint(render(program, other), language=program.language)
    assert hashes(a) == hashes(b)


def _rename(source: bytes, old: str, new: str) -> bytes:
    """Rename identifier `old` everywhere (the generated strings and comments never hold it as a word)."""
    return re.sub(rf"(?<![\w$]){old}(?![\w$])".encode(), new.encode(), source)


@given(st.data())
def test_consistent_renaming_changes_exact_only(profile: Profile, data):
    program = data.draw(programs(profile.language))
    source = render(program, plain_layout())
    base = watermark.fingerprint(source, language=program.language)
    renamed = watermark.fingerprint(_rename(source, "a", "qq"), language=program.language)
    assert (renamed.renamed, renamed.skeleton) == (base.renamed, base.skeleton)
    assert [(u.renamed, u.skeleton) for u in renamed.units] == [(u.renamed, u.skeleton) for u in base.units]
    assert renamed.exact != base.exact  # every function has the parameter `a`


# ---- hand-written pairs -----------------------------------------------------------------------

def test_changing_a_literal_changes_exact_and_renamed_but_not_skeleton(profile: Profile):
    assert profile.literal_edits
    for before, after in profile.literal_edits:
        a = watermark.fingerprint(before, language=profile.language)
        b = watermark.fingerprint(after, language=profile.language)
        assert a.exact != b.exact and a.renamed != b.renamed and a.skeleton == b.skeleton, before


def test_renamed_level_still_tells_different_identifier_patterns_apart(profile: Profile):
    assert profile.identifier_patterns
    for first, second in profile.identifier_patterns:
        a = watermark.fingerprint(first, language=profile.language)
        b = watermark.fingerprint(second, language=profile.language)
        assert a.renamed != b.renamed and a.skeleton == b.skeleton, first


def test_formatter_spellings_do_not_change_any_level(profile: Profile):
    """Spellings formatters rewrite: quotes, escapes, numbers, parentheses,
    semicolons, trailing commas..."""
    assert profile.spellings
    for one, other in profile.spellings:
        assert hashes(watermark.fingerprint(one, language=profile.language)) == \
            hashes(watermark.fingerprint(other, language=profile.language)), one


# ---- the corpus -------------------------------------------------------------------------------

@pytest.mark.corpus
def test_every_corpus_file_fingerprints_without_error(profile: Profile):
    paths = profile.corpus.files()
    assert len(paths) > profile.expect.files
    units = 0
    for path in paths:
        data = path.read_bytes()
        fp = watermark.fingerprint(data, language=profile.language if profile.corpus.suffix else None, path=str(path))
        assert fp.size == len(data) and fp.language == profile.language, path
        units += fp.unit_count
    assert units > profile.expect.units


@pytest.mark.corpus
@pytest.mark.parametrize("name", [p.language for p in PROFILES if languages.get(p.language).respelling is not None])
def test_a_corpus_file_the_grammar_reads_is_never_respelled(name: str):
    """Where a language respells what its grammar cannot read, a file the
    grammar reads as it is keeps its plain fingerprint (the one every
    version gave it), and the files it cannot read are read respelled: as a
    fresh parse of the respelling reads (the C core parses it from the
    file's own tree)."""
    profile = next(p for p in PROFILES if p.language == name)
    lang = languages.get(name)
    respelled = unreadable = 0
    for path in profile.corpus.files():
        data = path.read_bytes()
        plain = BACKEND.fingerprint(lang.tables, data)
        got = lang.parse(data)
        if not plain.has_error:
            assert got == plain, path
        elif got.has_error:
            unreadable += 1
        else:
            respelled += 1
            again = lang.respelled(data)
            assert again is not None and len(again) == len(data), path
            assert replace(got, reading=0) == BACKEND.fingerprint(lang.tables, again), path
    assert respelled > 10 * max(1, unreadable), (respelled, unreadable)


@pytest.mark.corpus
def test_formatters_change_no_hash_on_real_files(profile: Profile, rewriter: Formatter, tmp_path):
    """Corpus files (mangled first where the profile has a mangler),
    rewritten by the formatter: no level of any unit moves. prettier, for
    one, rewrites quotes (strings and property keys), semicolons,
    parentheses (also inside `&&`/`||`/`??` chains), `new C` to `new C()`,
    regex flag order, trailing commas, numbers and layout."""
    language = profile.language
    inputs = {}
    for i, path in enumerate(profile.draws.hashes.of(profile.corpus.files())):
        original = path.read_bytes()
        if watermark.fingerprint(original, language=language).has_error:
            continue  # a file the grammar cannot read (TypeScript's variance annotations): its repair is its own
        text = original if profile.mangle is None else profile.mangle(original)
        if text is None:
            continue
        if profile.mangle is not None and watermark.fingerprint(text, language=language).has_error:
            continue  # mangling broke a raw string or similar: no formatter's input then
        name = f"{i}{profile.corpus.copy_suffix(path)}"
        (tmp_path / name).write_bytes(text)
        inputs[name] = (path, original, text)
    assert profile.formatters and rewriter.rewrite(tmp_path, sorted(inputs)) == 0
    changed = []
    for name, (path, original, text) in inputs.items():
        versions = [hashes(watermark.fingerprint(x, language=language))
                    for x in (original, text, (tmp_path / name).read_bytes())]
        if not versions[0] == versions[1] == versions[2]:
            changed.append(str(path))
    assert not changed, f"{len(changed)}/{len(inputs)} files changed hashes: {changed[:5]}"
    assert len(inputs) >= profile.expect.hash_checked
