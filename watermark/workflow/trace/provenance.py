"""Provenance: which release a suspect's code comes from, and what became of
its marks, from the code alone.

Every release records, per file, the winnowed k-gram prints of its
normalized token stream (core/prints.py; registry schema 3). A suspect's
files are read with the same prints; each is compared with the release file
it shares most prints with, its candidate. `similarity` is the share of the
suspect file's prints found in that file; `release_share` the share of the
release's prints found anywhere in the suspect.

The marks diagnosis compares the carriers read with what the mapped files
hold: `present` (carriers found, their bits as varied as marks are),
`erased` (the code is there but its carriers are gone, or read all alike:
blank lines stripped or added everywhere, code re-printed by a formatter),
`absent` (the mapped files hold no carriers). When marks are erased, the
candidates are everyone who received the release.

`log10_bound` bounds the probability that independently written code
shares this much with the release: each suspect file's similarity is
compared with those of independently written files measured on the
corpora (each language's `background`, made by benchmarks/provenance.py), giving its
`p_value`, and the files' p-values are combined by `tree_bound`, valid
whatever the dependence between them. It can never go below about
1 / (files measured): a claim at the 1e-3 level, not 1e-9.

A file is `derived` when the tree is and the file is one of those that
make the tree bound (the m files with the smallest p-values, m the best),
or is more similar to its release file than every independently written
file measured: the release's code mixed into unrelated code marks the
release's files derived and leaves the others out, however many prints
they share by chance. Provenance never accuses anyone.
"""
from __future__ import annotations

import bisect
import math
from array import array
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import Any, NamedTuple

from ... import languages
from ...core.codes import binomial_tail_log10_p
from ...core.enums import Named
from ..registry import Registry

MIN_PRINTS = 8  # a suspect file with fewer prints is too small to map
SAME_PATH = 0.9  # mapping: this share of a file's prints in the release file of its path maps it there
DERIVED_LEVEL = 1e-2  # derived: independently written code shares this much with probability at most this
UNIFORM_LOG10 = -6.0  # carriers' bits this unlikely to be all alike under marks: erased
ERASED_SHARE = 0.1  # fewer carriers than this share of what the mapped files hold: erased


@dataclass(frozen=True)
class FileOrigin:
    """Where one suspect file came from: `release_path` is its candidate
    (the release file it shares most prints with, or None), `derived`
    whether the candidate is where it comes from (see the module
    docstring); `p_value`: the share of independently written files at
    least as similar to a release file."""

    path: str
    release_path: str | None
    similarity: float  # share of the file's prints found in release_path
    prints: int
    coverage: float = 0.0  # share of release_path's prints found in the file
    p_value: float = 1.0
    derived: bool = False

    def to_json(self) -> dict[str, Any]:
        if self.derived:
            return {"path": self.path, "derived": True, "release_path": self.release_path,
                    "similarity": round(self.similarity, 4), "p_value": _round(self.p_value)}
        candidate = None if self.release_path is None else \
            {"release_path": self.release_path, "similarity": round(self.similarity, 4)}
        return {"path": self.path, "derived": False, "release_path": None, "p_value": _round(self.p_value),
                "candidate_not_derived": candidate}


def _round(p: float) -> float:
    return float(f"{p:.3g}")


class SharedRelease(NamedTuple):
    """Another release sharing prints with the suspect."""

    release: str
    shared_prints: int
    release_share: float  # share of its prints found in the suspect


@dataclass
class Provenance:
    release: str | None
    derived: bool
    release_share: float  # share of the release's prints found in the suspect
    matched_share: float  # share of the suspect's prints found in the release
    files: list[FileOrigin] = field(default_factory=list)
    others: list[SharedRelease] = field(default_factory=list)  # other releases sharing prints, best first
    log10_bound: float = 0.0  # that independently written code shares this much (tree_bound)
    unindexed: list[str] = field(default_factory=list)  # releases recorded before provenance prints

    def to_json(self) -> dict[str, Any]:
        return {"release": self.release, "derived": self.derived, "log10_bound": round(self.log10_bound, 3),
                "release_share": round(self.release_share, 4), "matched_share": round(self.matched_share, 4),
                "files": [f.to_json() for f in self.files],
                "others": [o._asdict() for o in self.others], "unindexed": self.unindexed}


class MarksState(Named):
    """What became of the marks of the release the code comes from."""

    PRESENT = "present"  # carriers found, their bits as varied as marks are
    ERASED = "erased"  # the code is there, its carriers gone or read all alike
    ABSENT = "absent"  # the release files it maps to hold no carriers
    UNKNOWN = "unknown"  # the code is not mapped to a release made with this key


@dataclass
class Marks:
    state: MarksState
    expected: int  # carriers the suspect's share of the mapped release files holds, about
    found: int  # of those, read in the suspect
    ones: int  # of the found, how many read a blank line
    reason: str
    candidates: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _prints(blob: bytes) -> array:
    a = array("Q")
    a.frombytes(blob)
    return a


def file_p(language: str | None, similarity: float) -> float:
    """The share of independently written files (the language's `background`) at
    least this similar to a release file, counted as one more of them (so
    never below 1 / (N + 1))."""
    sims = languages.get(language).background if language else ()
    n = len(sims)
    return (n - bisect.bisect_left(sims, similarity - 1e-9) + 1) / (n + 1)


def floor_p(language: str | None) -> float:
    """The smallest file p-value: a file more similar to a release file than
    every independently written file measured (whose p-values differ by
    language only through how many were measured)."""
    return 1 / (len(languages.get(language).background if language else ()) + 1)


def tree_bound(ps: list[float], comparisons: int = 1) -> float:
    """The probability that a tree of independently written files has p-values
    this small, under any dependence between its files: for each m, at least
    m of the F files below p_(m) happens with probability at most
    F * p_(m) / m (Markov's inequality on their count); the best m, times
    the releases compared."""
    return evidence(ps, comparisons)[0]


def evidence(ps: list[float], comparisons: int = 1) -> tuple[float, float]:
    """tree_bound, and the p-value p_(m) of the best m: the files at or
    below it are the ones that make the bound."""
    if not ps:
        return 1.0, 0.0
    ps = sorted(ps)
    f = len(ps)
    best, at = min((f * p / m, p) for m, p in enumerate(ps, 1))
    return min(1.0, comparisons * best), at


class _ReleasePrints(NamedTuple):
    """The registry's prints as a suspect meets them."""

    hits: dict[str, dict[str, set[int]]]  # release -> path -> its prints found in the suspect
    distinct: dict[str, set[int]]  # each release's prints
    sizes: dict[tuple[str, str], int]  # prints per release file


def _release_prints(registry: Registry, everything: set[int]) -> _ReleasePrints:
    hits: dict[str, dict[str, set[int]]] = defaultdict(dict)
    distinct: dict[str, set[int]] = defaultdict(set)
    sizes: dict[tuple[str, str], int] = {}
    for row in registry.prints():
        prints = _prints(row.prints)
        distinct[row.release].update(prints)
        sizes[(row.release, row.path)] = len(prints)
        hit = everything.intersection(prints)
        if hit:
            hits[row.release][row.path] = hit
    return _ReleasePrints(hits, distinct, sizes)


def find_provenance(registry: Registry, suspect: list[tuple[str, str | None, bytes]]) -> Provenance:
    """Map each suspect file (path, language, packed prints) to its release file."""
    language_of = {p: lang for p, lang, _b in suspect}
    mine = {p: set(_prints(b)) for p, _lang, b in suspect}
    everything: set[int] = set().union(*mine.values()) if mine else set()
    got = _release_prints(registry, everything)
    unindexed = registry.releases_without_provenance()
    if not got.hits:
        return Provenance(None, False, 0.0, 0.0, [FileOrigin(p, None, 0.0, len(s)) for p, s in mine.items()],
                          unindexed=unindexed)
    ranked = sorted(((len(set().union(*hits.values())), release) for release, hits in got.hits.items()),
                    key=lambda t: (-t[0], t[1]))
    best = ranked[0][1]
    found = set().union(*got.hits[best].values())
    mapper = _Mapper(got.hits[best])
    files = [mapper.origin(path, theirs, got.sizes, best, language_of[path]) for path, theirs in sorted(mine.items())]
    bound, at = evidence([f.p_value for f in files if f.prints >= MIN_PRINTS], max(1, len(got.distinct)))
    derived = bound <= DERIVED_LEVEL
    if derived:  # the files that make the bound, and every file more similar than any independent one measured
        files = [replace(f, derived=True) if f.release_path and f.prints >= MIN_PRINTS and (
                 f.p_value <= at or f.p_value <= floor_p(language_of[f.path])) else f for f in files]
    totals = {r: len(p) for r, p in got.distinct.items()}
    others = [SharedRelease(r, n, round(n / max(1, totals[r]), 4)) for n, r in ranked[1:6]]
    return Provenance(best, derived, len(found) / max(1, totals[best]), len(found) / max(1, len(everything)), files,
                      others, math.log10(bound), unindexed)


class _Mapper:
    """Each suspect file's candidate: the release file it shares most prints
    with. A file that shares SAME_PATH of its prints with the release file
    of its own path maps there without a vote (another file could share
    more only by the rest: choosing the lower similarity never makes the
    bound smaller)."""

    def __init__(self, hits: dict[str, set[int]]) -> None:
        self.hits = hits
        self._owner: dict[int, list[str]] | None = None

    def owner(self) -> dict[int, list[str]]:
        if self._owner is None:
            self._owner = defaultdict(list)
            for other, hit in self.hits.items():
                for h in hit:
                    self._owner[h].append(other)
        return self._owner

    def origin(self, path: str, theirs: set[int], sizes: dict[tuple[str, str], int], release: str,
               language: str | None) -> FileOrigin:
        if len(theirs) < MIN_PRINTS:
            return FileOrigin(path, None, 0.0, len(theirs))
        same = len(theirs.intersection(self.hits[path])) if path in self.hits else 0
        if same >= SAME_PATH * len(theirs):
            q, n = path, same
        else:
            owner = self.owner()
            votes = Counter(q for h in theirs for q in owner.get(h, ()))
            if not votes:
                return FileOrigin(path, None, 0.0, len(theirs))
            # most shared prints; on a tie, the file of the same path, then of the same name
            name = path.rsplit("/", 1)[-1]
            n = max(votes.values())
            q = max((q for q, c in votes.items() if c == n),
                    key=lambda q: (q == path, q.rsplit("/", 1)[-1] == name, q))
        return FileOrigin(path, q, n / len(theirs), len(theirs), n / max(1, sizes[(release, q)]),
                          file_p(language, n / len(theirs)))


def diagnose(registry: Registry, prov: Provenance, key_id: str,
             observed: dict[str, dict[int, int]], p_alike: float = 0.5, own: bool = True,
             accused: bool = False) -> Marks:
    """The marks of the release provenance names: `observed` maps each
    suspect file to the carriers read in it (identity -> bit). `p_alike`:
    the most likely a marked bit is to be 0 (or 1): ½ for the unbiased code,
    1 - cutoff for Tardos. `accused`: the trace named a recipient, so marks
    survive (part of the copy may still have been stripped)."""
    if prov.release is None or not prov.derived:
        return Marks(MarksState.UNKNOWN, 0, 0, 0, "the code is not mapped to a release")
    if not own:
        return Marks(MarksState.UNKNOWN, 0, 0, 0, f"release {prov.release!r} was marked with another key",
                     registry.recipients_of(prov.release))
    # the carriers of the mapped release files, as many as the suspect holds of each file
    coverage: dict[str, float] = {}
    for f in prov.files:
        if f.derived and f.release_path is not None:
            coverage[f.release_path] = min(1.0, coverage.get(f.release_path, 0.0) + f.coverage)
    expected: set[int] = set()
    share = 0.0
    for name, _code, path, ids in registry.carrier_files(key_id):
        if name == prov.release and path in coverage:
            expected.update(ids)
            share += coverage[path] * len(ids)
    candidates = registry.recipients_of(prov.release)
    if not expected:
        return Marks(MarksState.ABSENT, 0, 0, 0, "the release files it maps to hold no carriers", candidates)
    bits: dict[int, int] = {}
    for got in observed.values():
        for i, b in got.items():
            if i in expected:
                bits[i] = b
    found, ones = len(bits), sum(bits.values())
    held = round(share)  # of those, about as many as the suspect's share of each file holds
    if accused:  # marks enough to name a recipient survive, whatever became of the others
        return Marks(MarksState.PRESENT, held, found, ones, f"{found} of about {held} carriers found; a recipient is "
                     "named by them", [])
    if found < ERASED_SHARE * held:
        return Marks(MarksState.ERASED, held, found, ones,
                     f"{found} of the about {held} carriers its code holds were found", candidates)
    least = min(ones, found - ones)
    # under marks, each bit is 0 (and 1) with probability at most p_alike: both
    # tails of "at most `least` bits differ from the likelier value"
    log10_tail = math.log10(2) + binomial_tail_log10_p(found, found - least, p_alike)
    if log10_tail <= UNIFORM_LOG10:
        alike = "no blank line" if ones <= found - ones else "a blank line"
        return Marks(MarksState.ERASED, held, found, ones,
                     f"{found - least} of {found} carriers read alike ({alike}): marks stripped or overwritten",
                     candidates)
    return Marks(MarksState.PRESENT, held, found, ones, f"{found} of about {held} carriers found", [])

