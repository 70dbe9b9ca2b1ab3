"""embed, extract, verify: the watermark on single files.

Data flow: source -> fingerprint -> eligible boundaries (carriers) ->
carrier identities and the keyed selection -> marked source (embed) or
observed bits (extract) -> deduplicated observations -> score and bound
(verify, _codes).
"""
from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, overload

from .. import languages
from ..backend import BACKEND
from ..errors import ArgumentError, SourceError
from . import carriers, reading
from .codes import SCHEME, SCHEMES_READ, Code, CodeName, Score, check_level, prf, recipient_bits, score
from .fingerprint import FileFingerprint, fingerprint
from .keys import Key

_TWO64 = 1 << 64


@dataclass(frozen=True)
class _Carriers:
    """The selected carriers of one file: identity and gap of each."""

    identities: array
    gaps: array  # (gap start, end of A's line break, start of B's line) per carrier

    def __len__(self) -> int:
        return len(self.identities)


# A list broken one element a line has a boundary on every line, code one every few lines: its boundaries are
# used at this share of the density, so that a list gets about as many blank lines per line as code does.
ELEMENT_SHARE = 0.25


def check_density(density: float) -> float:
    """A density: the fraction of eligible boundaries used, in (0, 1]."""
    if isinstance(density, bool) or not isinstance(density, (int, float)) or not 0.0 < density <= 1.0:
        raise ArgumentError("density is a fraction in (0, 1]")
    return density


def density_for(density: float | None, language: str) -> float:
    """`density` (checked), or the language's default."""
    return languages.get(language).carriers.density if density is None else float(check_density(density))


def _select(fp: FileFingerprint, key: Key, density: float, scheme: int) -> _Carriers:
    found = carriers.boundaries(fp, scheme=scheme)
    return keyed_carriers(key, found.words, found.gaps, density)


def identities_of(key: Key, words: array) -> array:
    """The keyed identity of each boundary, from its identity words."""
    return prf(key.subkey(b"wm-carrier-id"), words, carriers.IDENTITY_WORDS)


def keyed_carriers(key: Key, words: array, gaps: array, density: float) -> _Carriers:
    """The carriers among eligible boundaries (their identity words and
    gaps): each boundary's keyed identity, kept with probability `density`
    by a keyed PRF of the identity."""
    if not len(words):
        return _Carriers(array("Q"), array("Q"))
    identities = identities_of(key, words)
    chosen = picked(key, identities, density, words)
    return _Carriers(array("Q", (identities[k] for k in chosen)),
                     array("Q", (g for k in chosen for g in gaps[3 * k:3 * k + 3])))


def picked(key: Key, identities: array, density: float, words: array) -> list[int]:
    """Indexes of the identities that are carriers: a keyed PRF of each,
    below `density`; below ELEMENT_SHARE of it for those between the
    elements of a list (their identity words `words` say which)."""
    threshold = int(density * _TWO64)
    lower = int(density * ELEMENT_SHARE * _TWO64)
    picks = prf(key.subkey(b"wm-carrier-pick"), identities, 1)
    return [k for k, u in enumerate(picks) if u < (lower if carriers.is_element(words, k) else threshold)]


@dataclass(frozen=True)
class EmbedResult:
    """The outcome of `embed` for one file.

    `source` has the input's type. When `marked` is False the source is the
    input, byte for byte, and `reason` says why (syntax error, a check that
    failed); a file with no carrier is `marked` with `carriers == 0`."""

    source: bytes | str
    carriers: int
    lines_added: int
    lines_removed: int
    marked: bool
    reason: str | None = None


def embed(source: bytes | str, key: Key, recipient: str, *, language: str | None = None,
          path: str | None = None, density: float | None = None,
          code: Code | str | None = None) -> EmbedResult:
    """Mark one file for `recipient`: at each carrier, no blank line (bit 0)
    or exactly one (bit 1). The marked file parses to the same tree."""
    code = Code.of(code)
    fp = fingerprint(source, language=language, path=path)
    where = f"{path}: " if path else ""
    problem = syntax_problem(fp)
    if problem is None:
        chosen = _select(fp, key, density_for(density, fp.language), code.scheme)
        marked, added, removed = BACKEND.set_bits(fp.source, chosen.gaps,
                                                  recipient_bits(key, recipient, chosen.identities, code))
        problem = marking_problem(fp, marked)
    if problem is not None:
        return EmbedResult(source, 0, 0, 0, False, f"{where}{problem}; left unmarked")
    text = marked.decode("utf-8") if isinstance(source, str) else marked
    return EmbedResult(text, len(chosen), added, removed, True)


def syntax_problem(fp: FileFingerprint) -> str | None:
    """Why a file cannot be marked as it is: its syntax errors."""
    if not fp.has_error:
        return None
    line = fp.first_error_line()
    return f"syntax error{f' at line {line}' if line else ''}"


def marking_problem(fp: FileFingerprint, marked: bytes) -> str | None:
    """The safety check: why `marked` (fp's file with some gaps rewritten)
    may not replace it, or None when it parses to the same tree."""
    if marked == fp.source:
        return None
    check = fingerprint(marked, language=fp.language, path=fp.path)
    if (check.syntax_digest, check.exact, check.has_error) != (fp.syntax_digest, fp.exact, False):
        return "marking would change the syntax tree"
    return None


def flipped(fp: FileFingerprint, found: carriers.Boundaries) -> bytes:
    """fp's file with every eligible boundary flipped (blank line added
    where there is none, removed where there is one)."""
    bits = bytes(1 - b for b in BACKEND.read_bits(fp.source, found.gaps))
    return BACKEND.set_bits(fp.source, found.gaps, bits)[0]


class Observation(NamedTuple):
    identity: int
    bit: int


class Observations(Sequence[Observation]):
    """Bits read at carriers, from one file or many (`+` merges)."""

    __slots__ = ("identities", "bits")

    def __init__(self, identities: array | None = None, bits: bytes | bytearray = b"") -> None:
        self.identities = array("Q") if identities is None else identities
        self.bits = bytearray(bits)
        if len(self.identities) != len(self.bits):
            raise ValueError("one bit per identity")

    def __len__(self) -> int:
        return len(self.identities)

    @overload
    def __getitem__(self, i: int) -> Observation: ...
    @overload
    def __getitem__(self, i: slice) -> Observations: ...

    def __getitem__(self, i: int | slice) -> Observation | Observations:
        if isinstance(i, slice):
            return Observations(self.identities[i], self.bits[i])
        return Observation(self.identities[i], self.bits[i])

    def __iter__(self) -> Iterator[Observation]:
        return map(Observation, self.identities, self.bits)

    def __add__(self, other: Observations) -> Observations:
        if not isinstance(other, Observations):
            return NotImplemented
        return Observations(self.identities + other.identities, self.bits + other.bits)

    def __repr__(self) -> str:
        return f"Observations({len(self)} carriers)"

    def distinct(self) -> tuple[array, bytes]:
        """Each identity once; identities seen with both bits are dropped.

        Repeated code repeats identities; an innocent recipient's bits at
        repeats are equal, not independent, so each identity must count
        once. Dropping conflicts depends on the observations only, never on
        a recipient, so the bounds stay valid."""
        seen: dict[int, int] = {}
        for ident, bit in zip(self.identities, self.bits):
            prev = seen.get(ident)
            seen[ident] = bit if prev is None or prev == bit else 2
        keep = [(i, b) for i, b in seen.items() if b != 2]
        return array("Q", (i for i, _ in keep)), bytes(b for _, b in keep)


def extract(source: bytes | str, key: Key, *, language: str | None = None,
            path: str | None = None, density: float | None = None, lenient: bool = True,
            scheme: int = SCHEME) -> Observations:
    """Read the bit at every carrier of one (possibly edited) file.

    Reading is lenient (core/reading): damaged bytes, odd line ends, filler
    comments and comment lines in gaps do not hide a bit, and a file without
    a language or path is read as the language it parses best as. With
    `lenient=False`, exactly the carriers `embed` would mark are read.
    Units with syntax errors are skipped, the rest is read. `scheme`: the
    scheme of the marks (`Code.scheme` of the `embed` that made them), whose
    carrier rules say where bits are."""
    if scheme not in SCHEMES_READ:
        raise ArgumentError(f"unknown scheme {scheme!r}; this watermark reads scheme "
                            f"{', '.join(map(str, sorted(SCHEMES_READ)))}")
    if not lenient:
        fp = fingerprint(source, language=language, path=path)
        chosen = _select(fp, key, density_for(density, fp.language), scheme)
        return Observations(chosen.identities, BACKEND.read_bits(fp.source, chosen.gaps))
    data = source.encode("utf-8", "surrogateescape") if isinstance(source, str) else bytes(source)
    known = languages.get(language) if language is not None else languages.for_path(path)
    lang = known.name if known is not None else reading.guess_language(data, least=0.0)
    if lang is None:
        raise SourceError(f"{path + ': ' if path else ''}not in a language watermark reads "
                          f"({', '.join(languages.names())})")
    got = reading.read(data, lang, path)
    if isinstance(got, str):
        raise SourceError(f"{path + ': ' if path else ''}{got}")
    known_here = carriers.of_scheme(got.words, scheme)
    w = carriers.IDENTITY_WORDS
    words = array("Q", (x for k in known_here for x in got.words[w * k:w * k + w]))
    bits = bytes(got.bits[k] for k in known_here)
    identities = identities_of(key, words) if len(words) else array("Q")
    keep = picked(key, identities, density_for(density, lang), words)
    return Observations(array("Q", (identities[k] for k in keep)), bytes(bits[k] for k in keep))


@dataclass(frozen=True)
class Verdict:
    """Whether the observations accuse `recipient`.

    bound: a rigorous upper bound on the probability that an innocent
    recipient scores this high (0.0 when below float range; log10_bound
    keeps the exponent). accused: bound <= level."""

    recipient: str
    score: float
    matches: int
    carriers: int
    bound: float
    log10_bound: float
    accused: bool
    level: float
    code: CodeName
    complemented: bool = False  # the bound is the lower tail's: fewer matches than chance (a complemented copy)


def verify(observations: Observations, key: Key, recipient: str, *, level: float = 1e-9,
           code: Code | str | None = None) -> Verdict:
    """Score `recipient` against observations (each carrier identity once),
    on both tails: a copy that agrees with the recipient's bits far less
    often than chance (a complemented copy) accuses it too.

    The name is not checked here: any name has bits of its own, so a
    misspelt one is scored and found innocent. `trace(..., recipients=)`
    (the CLI's `verify`) checks names against the registry."""
    level = check_level(level)
    code = Code.of(code)
    identities, bits = observations.distinct()
    s: Score = score(key, recipient, identities, bits, code)
    accused = s.carriers > 0 and s.log10_bound <= math.log10(level)
    return Verdict(recipient, s.score, s.matches, s.carriers, s.bound, s.log10_bound, accused,
                   level, code.name, s.complemented)


__all__ = ["EmbedResult", "Observation", "Observations", "Verdict", "embed",
           "extract", "verify"]
