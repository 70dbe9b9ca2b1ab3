"""`watermark diff` on every language's real code: a marked, reformatted
copy is layout only, and every planted patch is found with its class."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

import watermark
from conformance.profiles import Profile
from watermark import languages
from watermark.diff import CLASSES

pytestmark = pytest.mark.corpus

KEY = watermark.Key(bytes(range(32)))

# classes only a language with such node kinds can have (watermark.languages.base.ChangeKinds)
_NEEDS_KINDS = {"goto-added": "gotos", "goto-removed": "gotos", "defer-changed": "defers",
                "goroutine-changed": "goroutines", "decorator-changed": "decorators"}


def test_on_the_corpus_a_marked_formatted_copy_is_layout_only_and_every_patch_is_found(profile: Profile,
                                                                                      tmp_path):
    """60 real files, marked and reformatted by every formatter: nothing
    reported; then one planted patch per file (benchmarks/mutator.py, which
    knows nothing of the diff code): every patched function reported with
    its class."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "benchmarks"))
    import mutator

    language = profile.language
    base = tmp_path / "release"
    base.mkdir()
    for i, p in enumerate(profile.draws.diff.of(profile.corpus.files())):
        (base / f"{i:02d}{profile.corpus.copy_suffix(p)}").write_bytes(p.read_bytes())
    copy = tmp_path / "copy"
    with watermark.Release.analyse(base, KEY, name="corpus") as release:
        release.embed("customer", copy)
    for formatter in profile.rewriters:
        assert formatter.rewrite(copy, profile.corpus.under(copy)) == 0, formatter.name
    clean = watermark.diff(base, copy, jobs=2)
    # (`unparsed`: other code where the grammar found syntax errors, which
    # diff compares no further and states no change of)
    stated = [f for f in clean.functions if f.status != "unparsed"]
    assert not stated, [(f.status, f.name, f.base) for f in stated][:5]
    rng = random.Random(1)
    kinds = languages.get(language).changes
    classes = [c for c in CLASSES if c != "expression-changed" and
               (c not in _NEEDS_KINDS or getattr(kinds, _NEEDS_KINDS[c]))]
    planted = {}
    for i, p in enumerate(sorted(copy.iterdir())):
        if watermark.fingerprint(p.read_bytes(), language=language).has_error:
            continue  # (diff says `unparsed` where the grammar cannot read the code: no class to check)
        for k in range(len(classes)):  # this file's class, else the next one it has a site for
            got = mutator.plant(p.read_bytes(), language, classes[(i + k) % len(classes)], rng)
            if got is not None:
                p.write_bytes(got[0])
                planted[p.name] = got[1]
                break
    assert len(planted) >= 40
    d = watermark.diff(base, copy, jobs=2)
    for name, patch in planted.items():
        hits = [f for f in d.functions if f.suspect is not None and f.suspect.path == name
                and f.suspect.start_line <= patch.line <= f.suspect.end_line]
        assert hits, (name, patch)
        inner = min(hits, key=lambda f: f.suspect.end_line - f.suspect.start_line)
        assert patch.cls in inner.classes, (name, patch, inner.classes)
    assert all(f.suspect is not None and f.suspect.path in planted for f in d.functions if f.status != "unparsed")
