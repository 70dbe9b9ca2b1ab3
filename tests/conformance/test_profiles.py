"""Every language watermark reads has a conformance profile, and every
profile is complete: a language cannot be added without the tests that
hold for all of them."""
from __future__ import annotations

from conformance.profiles import PROFILES, Profile, profile_ids
from watermark import languages


def test_every_language_has_a_profile_and_every_profile_a_language():
    assert sorted(profile_ids()) == languages.names()
    assert len(set(profile_ids())) == len(PROFILES)


def test_the_profile_is_complete(profile: Profile):
    lang = languages.get(profile.language)
    assert profile.shape.language == lang.name
    assert profile.formatters and profile.rewriters and profile.judges
    assert profile.samples and all(p.is_file() and lang.owns(p.name) for p in profile.samples)
    assert profile.spellings and profile.literal_edits and profile.identifier_patterns and profile.line_ends
    # (copies of corpus files get the profile's suffix where it reads another language's corpus)
    assert profile.corpus.suffix in lang.extensions if profile.corpus.suffix else \
        all(glob.lower().endswith(lang.extensions) for glob in profile.corpus.globs)
