"""Provenance: which release a suspect's code comes from, and what became of
its marks, from the code alone.

Every release records, per file, the winnowed k-gram prints of its
normalized token stream (core/provenance.py; registry schema 3). A suspect's
files are read with the same prints; each is mapped to the release file it
shares most prints with. `similarity` is the share of the suspect file's
prints found in that file; `release_share` the share of the release's
prints found anywhere in the suspect.

The marks diagnosis compares the carriers read with what the mapped files
hold: `present` (carriers found, their bits as varied as marks are),
`erased` (the code is there but its carriers are gone, or read all alike:
blank lines stripped or added everywhere, code re-printed by a formatter),
`absent` (the mapped files hold no carriers). When marks are erased, the
candidates are everyone who received the release.

Provenance never accuses anyone. Its figures are measured similarities,
not a probability: README "Provenance" says what is calibrated and what not.
"""
from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from .registry import Registry

MIN_PRINTS = 8  # a suspect file with fewer prints is too small to map
DERIVED_SIMILARITY = 0.5  # a file maps to a release file when at least this share of its prints is there
UNIFORM_LOG10 = -6.0  # carriers' bits this unlikely to be all alike under marks: erased
ERASED_SHARE = 0.1  # fewer carriers than this share of what the mapped files hold: erased


@dataclass(frozen=True)
class FileSource:
    """Where one suspect file came from."""

    path: str
    release_path: str | None
    similarity: float  # share of the file's prints found in release_path
    prints: int


@dataclass
class Provenance:
    release: str | None
    derived: bool
    release_share: float  # share of the release's prints found in the suspect
    matched_share: float  # share of the suspect's prints found in the release
    files: list[FileSource] = field(default_factory=list)
    others: list[dict[str, Any]] = field(default_factory=list)  # other releases sharing prints, best first
    log10_bound: float | None = None  # not calibrated yet: None
    unindexed: list[str] = field(default_factory=list)  # releases recorded before provenance prints

    def as_json(self) -> dict[str, Any]:
        return {"release": self.release, "derived": self.derived, "log10_bound": self.log10_bound,
                "release_share": round(self.release_share, 4), "matched_share": round(self.matched_share, 4),
                "files": [{"path": f.path, "release_path": f.release_path, "similarity": round(f.similarity, 4)}
                          for f in self.files],
                "others": self.others, "unindexed": self.unindexed}


@dataclass
class Marks:
    state: str  # present, erased, absent, unknown
    expected: int  # carriers the mapped release files hold
    found: int  # of those, read in the suspect
    ones: int  # of the found, how many read a blank line
    reason: str
    candidates: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _prints(blob: bytes) -> array:
    a = array("Q")
    a.frombytes(blob)
    return a


def provenance(registry: Registry, suspect: list[tuple[str, bytes]]) -> Provenance:
    """Map each suspect file (path, packed prints) to its release file."""
    mine = {p: set(_prints(b)) for p, b in suspect}
    everything: set[int] = set().union(*mine.values()) if mine else set()
    per_release: dict[str, dict[str, set[int]]] = defaultdict(dict)  # release -> path -> hits in the suspect
    distinct: dict[str, set[int]] = defaultdict(set)  # each release's prints
    for release, path, _language, blob, _functions in registry.provenance():
        prints = _prints(blob)
        distinct[release].update(prints)
        hit = everything.intersection(prints)
        if hit:
            per_release[release][path] = hit
    unindexed = registry.releases_without_provenance()
    if not per_release:
        return Provenance(None, False, 0.0, 0.0, [FileSource(p, None, 0.0, len(s)) for p, s in mine.items()],
                          unindexed=unindexed)
    ranked = []
    for release, hits in per_release.items():
        found = set().union(*hits.values())
        ranked.append((len(found), release, found))
    ranked.sort(key=lambda t: (-t[0], t[1]))
    _n, best, found = ranked[0]
    # each suspect file: the release file it shares most prints with
    owner: dict[int, list[str]] = defaultdict(list)
    for path, hit in per_release[best].items():
        for h in hit:
            owner[h].append(path)
    files = []
    for path, theirs in sorted(mine.items()):
        votes: Counter[str] = Counter()
        for h in theirs:
            for q in owner.get(h, ()):
                votes[q] += 1
        if votes and len(theirs) >= MIN_PRINTS:
            q, n = max(votes.items(), key=lambda kv: (kv[1], kv[0]))
            files.append(FileSource(path, q, n / len(theirs), len(theirs)))
        else:
            files.append(FileSource(path, None, 0.0, len(theirs)))
    mapped = [f for f in files if f.release_path is not None and f.similarity >= DERIVED_SIMILARITY]
    big = sum(f.prints for f in files if f.prints >= MIN_PRINTS)
    matched_share = len(found) / max(1, len(everything))
    derived = bool(mapped) and sum(f.prints for f in mapped) >= 0.2 * big
    totals = {r: len(p) for r, p in distinct.items()}
    others = [{"release": r, "shared_prints": n, "release_share": round(n / max(1, totals[r]), 4)}
              for n, r, _f in ranked[1:6]]
    return Provenance(best, derived, len(found) / max(1, totals[best]), matched_share, files, others,
                      unindexed=unindexed)


def diagnose(registry: Registry, prov: Provenance, key_id: str,
             observed: dict[str, dict[int, int]], p_alike: float = 0.5, own: bool = True) -> Marks:
    """The marks of the release provenance names: `observed` maps each
    suspect file to the carriers read in it (identity -> bit). `p_alike`:
    the most likely a marked bit is to be 0 (or 1): ½ for the unbiased code,
    1 - cutoff for Tardos."""
    if prov.release is None or not prov.derived:
        return Marks("unknown", 0, 0, 0, "the code is not mapped to a release")
    if not own:
        return Marks("unknown", 0, 0, 0, f"release {prov.release!r} was marked with another key",
                     registry.recipients_of(prov.release))
    wanted = {f.release_path for f in prov.files if f.release_path is not None
              and f.similarity >= DERIVED_SIMILARITY}
    expected: set[int] = set()
    for name, _code, path, ids in registry.carrier_files(key_id):
        if name == prov.release and path in wanted:
            expected.update(ids)
    candidates = registry.recipients_of(prov.release)
    if not expected:
        return Marks("absent", 0, 0, 0, "the release files it maps to hold no carriers", candidates)
    bits: dict[int, int] = {}
    for got in observed.values():
        for i, b in got.items():
            if i in expected:
                bits[i] = b
    found, ones = len(bits), sum(bits.values())
    if found < ERASED_SHARE * len(expected):
        return Marks("erased", len(expected), found, ones,
                     f"{found} of the {len(expected)} carriers of the mapped files were found", candidates)
    least = min(ones, found - ones)
    # under marks, each bit is 0 (and 1) with probability at most p_alike: both tails
    log10_tail = math.log10(2) + _log10_binomial_tail(found, least, p_alike)
    if log10_tail <= UNIFORM_LOG10:
        alike = "no blank line" if ones <= found - ones else "a blank line"
        return Marks("erased", len(expected), found, ones,
                     f"{found - least} of {found} carriers read alike ({alike}): marks stripped or overwritten",
                     candidates)
    return Marks("present", len(expected), found, ones, f"{found} of {len(expected)} carriers found", [])


def _log10_binomial_tail(n: int, k: int, p: float) -> float:
    """log10 P(at most k of n bits differ from the likelier value), each
    taking it with probability p >= ½: P(Binomial(n, 1 - p) <= k)."""
    if n == 0:
        return 0.0
    q = 1.0 - p
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * math.log(q)
             + (n - i) * math.log(p) for i in range(k + 1)]
    top = max(terms)
    return min(0.0, (top + math.log(sum(math.exp(t - top) for t in terms))) / math.log(10))
