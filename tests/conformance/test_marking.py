"""Marking real code, in every language: every corpus file keeps its tree;
the judges accept the marked corpus; every formatter flags exactly the
files it flagged before, also with every eligible boundary flipped at once,
and accepts every carrier state of the hand-written samples; the formatters
change no carrier's bit."""
from __future__ import annotations

import pytest
import tree_sitter

import watermark
from conformance.conftest import KEY, flip_all
from conformance.profiles import Formatter, Judge, Profile
from watermark import languages

pytestmark = pytest.mark.corpus


def test_every_corpus_file_keeps_its_tree(profile: Profile):
    """Checked by an independent parse too: py-tree-sitter's node kinds and
    token texts (every 40th file)."""
    language = profile.language
    parser = tree_sitter.Parser(languages.get(language).tables.ts_language)
    checked = 0
    for i, path in enumerate(profile.corpus.files()):
        data = path.read_bytes()
        result = watermark.embed(data, KEY, "alice", language=language)
        fp = watermark.fingerprint(data, language=language)
        assert result.marked == (not fp.has_error), (path, result.reason)
        if result.carriers == 0:  # nothing to write: the input comes back as is
            assert result.source is data or result.source == data
            continue
        after = watermark.fingerprint(result.source, language=language)
        assert (after.syntax_digest, after.exact) == (fp.syntax_digest, fp.exact), path
        if i % 40 == 0:
            assert _tokens(parser.parse(data)) == _tokens(parser.parse(result.source)), path
        checked += 1
    assert checked > profile.expect.with_carriers  # files with at least one carrier


def _tokens(tree) -> list[tuple[str, bytes | None]]:
    out = []
    cursor = tree.walk()
    while True:
        node = cursor.node
        out.append((node.type, node.text if node.child_count == 0 else None))
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return out


def test_only_files_with_syntax_errors_stay_unmarked(profile: Profile, trees):
    """Test inputs broken on purpose: nothing else."""
    for name in trees.bases:
        unmarked = trees.unmarked[name]
        assert trees.marked_files[name] > profile.expect.marked, name
        assert all("syntax error" in reason for reason in unmarked), unmarked[:5]
        assert len(unmarked) < profile.expect.unmarked, name


def test_the_judges_accept_the_marked_corpus(profile: Profile, judge: Judge, trees, tmp_path):
    judge.check(trees.bases["shipped"], trees.marked["shipped"], tmp_path)


def test_formatters_flag_exactly_the_files_they_flagged_before(profile: Profile, formatter: Formatter, trees,
                                                              scratch):
    """Marked, and with every eligible boundary flipped: both states of
    every carrier are formatter-clean wherever the file was."""
    for name, base in trees.bases.items():
        files = profile.corpus.under(base)
        before = formatter.lists(base, files, scratch)
        assert formatter.lists(trees.marked[name], files, scratch) == before, name
        assert formatter.lists(trees.flipped[name], files, scratch) == before, name
        if name == "shipped" and formatter.flagged is not None:  # the tool runs
            low, high = formatter.flagged
            assert low < len(before) < high
        if name == "formatted" and formatter.clean is not None:
            assert len(files) - len(before) > formatter.clean


def test_formatters_accept_every_carrier_state_of_the_samples(profile: Profile, formatter: Formatter, scratch,
                                                             tmp_path):
    """The hand-written samples (lists, members, cases; with and without
    comments and blank lines) stay formatter-clean with every eligible
    boundary flipped and for every recipient, every boundary a carrier."""
    names = []
    for k, path in enumerate(profile.samples):
        data = path.read_bytes()
        copies = {"original": data, "flipped": flip_all(data, profile.language)}
        for r in range(8):
            copies[f"r{r}"] = watermark.embed(data, KEY, f"r{r}", language=profile.language, density=1.0).source
        assert len(set(copies.values())) > 5, path
        for name, text in copies.items():
            (tmp_path / f"{k}-{name}{path.suffix}").write_bytes(text)
            names.append(f"{k}-{name}{path.suffix}")
    assert formatter.lists(tmp_path, names, scratch) == set()


def test_formatters_change_no_carrier_bit(profile: Profile, rewriter: Formatter, trees, tmp_path):
    """The bits embed wrote, read as trace reads them (leniently, and
    strictly where it finds the carrier) after the formatter: the same; and
    every carrier lenient reading finds keeps its bit too (a formatter that
    moves trailing comments may drop one). With a mangler, the layout the
    formatter undoes first (it may split a one-line body, making new
    boundaries; none it had may change)."""
    marked = trees.marked["shipped"]
    files = [marked / rel for rel in profile.corpus.under(marked)]
    if profile.draws.bits is not None:
        files = profile.draws.bits.of(files)
    language = profile.language
    originals = {}
    for k, path in enumerate(sorted(files)):
        data = path.read_bytes()
        if watermark.fingerprint(data, language=language).has_error:
            continue  # left unmarked: nothing it reads carries a bit
        text = data if profile.mangle is None else profile.mangle(data)
        if text is None:
            continue
        if profile.mangle is not None and watermark.fingerprint(text, language=language).has_error:
            continue  # mangling broke the file: no formatter's input
        name = f"{k}{path.suffix}"
        (tmp_path / name).write_bytes(text)
        originals[name] = (data, text, path.relative_to(marked).as_posix())
    rewriter.rewrite(tmp_path, sorted(originals))
    read, changed = 0, []
    for name, (data, text, rel) in originals.items():
        lenient = dict(watermark.extract(data, KEY, language=language, path=name))
        strict = dict(watermark.extract(data, KEY, language=language, path=name, lenient=False))
        formatted = (tmp_path / name).read_bytes()
        after = dict(watermark.extract(formatted, KEY, language=language, path=name))
        strict_after = dict(watermark.extract(formatted, KEY, language=language, path=name, lenient=False))
        read += len(lenient)
        if profile.mangle is not None and dict(watermark.extract(text, KEY, language=language, path=name)) != lenient:
            changed.append((rel, "mangled"))
        # (read leniently, a carrier whose release gap holds a comment line and
        # then a blank line may read 1 before any formatter ran, in a file
        # whose blank lines mostly lie below comment lines: noise of the
        # reading, not of the formatter, so the formatted read is held to the
        # unformatted read)
        elif any(after.get(i) != lenient.get(i, bit) or strict_after.get(i, bit) != bit
                 for i, bit in strict.items()) or \
                any(after.get(i, None if rewriter.keeps_lenient else bit) != bit for i, bit in lenient.items()):
            changed.append((rel, "formatted"))
    assert read > profile.expect.bits_read and not changed, changed[:5]
