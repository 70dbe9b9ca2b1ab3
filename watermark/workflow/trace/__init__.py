"""Trace: which registered recipients does a leaked copy accuse?

A short pipeline of named stages:

1. read (trace/read.py): every code file of the suspect, read leniently in
   key-free workers; each eligible boundary's keyed identity and bit;
2. match release (trace/match.py): the release sharing the most carrier
   identities with the suspect, and the carriers usable for scoring;
3. provenance (trace/provenance.py): where the code comes from by its
   winnowed prints, and what became of the marks (never an accusation);
4. score (trace/score.py): every recipient in rounds, with a union bound
   over every test made;
5. decode (trace/decode.py): phantom recipients of a merged copy;
6. report: the verdicts and the evidence per file.
"""
from __future__ import annotations

import contextlib
import difflib
import os
import time

from ...core.codes import DEFAULT_CODE, CodeName, check_level, recipient_bits
from ...core.keys import Key
from ...io.pool import check_jobs
from ...io.sources import Source
from ..registry import Registry, RegistryError, ReleaseInfo
from . import provenance
from .decode import SINGLES_SHARE, with_phantoms
from .match import ReleaseMatch, match_release
from .model import DecodedSet, FileEvidence, ReleaseOverlap, Suspicion, Test, TraceReport
from .provenance import FileOrigin, Marks, MarksState, Provenance
from .read import ExtractedFile, Suspect, SuspectFile, describe, extract_file, read_suspect, suspect_jobs
from .score import ROUNDS, score_rounds


def trace(suspect: str | os.PathLike | bytes, key: Key, registry: Registry | str | os.PathLike, *, level: float = 1e-9,
          language: str | None = None, jobs: int | None = None, progress: bool | None = None,
          recipients: list[str] | None = None) -> TraceReport:
    """Trace a suspect copy: a path (str or PathLike: a directory, an
    archive or a single file) or its content as bytes (the language is
    detected when not given). `recipients` limits the test to these names
    (default: everyone registered with the key's releases). Raises
    RegistryError when no release in the registry was made with `key`, or
    when a name in `recipients` is registered for none of them."""
    level = check_level(level)
    jobs = check_jobs(jobs)
    with contextlib.ExitStack() as opened:  # a registry opened here is closed here
        if not isinstance(registry, Registry):
            registry = opened.enter_context(Registry(registry, create=False, readonly=True))
        key_releases = _key_releases(registry, key, recipients)
        started = time.perf_counter()
        # the suspect's source lives until its files are read (an archive's big
        # members are spooled to disk for the workers)
        source = suspect if isinstance(suspect, (bytes, bytearray, memoryview)) else \
            opened.enter_context(Source.open(suspect))
        files = read_suspect(source, describe(suspect), key, language, jobs, progress)
        extracted = time.perf_counter()
        match = match_release(registry, key.id, key_releases, files)
        prov = provenance.find_provenance(registry, [(f.path, f.language, f.prints) for f in files])
        stage = _Scored(describe(suspect), key, level, files, match, prov)
        if match.code is None:
            return stage.report(registry, [], 0, [], [], {})
        code = match.code
        if recipients is None:
            recipients = sorted({r for info in key_releases if match.code_of[info.name] == code
                                 for r in registry.recipients(release=info.name)})
        identities, bits = match.observations(files).distinct()
        phantoms = code.name == CodeName.UNBIASED and len(recipients) > 1
        ranking = score_rounds(key, recipients, identities, bits, code, level, SINGLES_SHARE if phantoms else 1.0)
        decoded: list[DecodedSet] = []
        if phantoms:
            ranking, decoded = with_phantoms(ranking, key, recipients, identities, bits, code, level)
        seconds = {"extract": extracted - started, "score": time.perf_counter() - extracted}
        return stage.report(registry, ranking, len(identities), recipients, decoded, seconds)


def _key_releases(registry: Registry, key: Key, recipients: list[str] | None) -> list[ReleaseInfo]:
    """The releases made with the key (RegistryError: none), the names to
    test checked against their recipients."""
    key_releases = registry.readable_releases(key.id)
    if not key_releases:
        raise RegistryError(f"{registry.path}: no release was marked with this key (key id {key.id}); "
                            "wrong key or wrong registry")
    if recipients is not None:
        check_registered(recipients, registry.recipients(key_id=key.id))
    return key_releases


class _Scored:
    """What the report is made from: the suspect read, its release, its
    provenance."""

    def __init__(self, suspect: str, key: Key, level: float, files: list[SuspectFile], match: ReleaseMatch,
                 prov: Provenance) -> None:
        self.suspect, self.key, self.level, self.files, self.match, self.prov = suspect, key, level, files, match, prov

    def marks(self, registry: Registry, accused: bool) -> Marks:
        """What became of the marks of the release provenance names."""
        code_named = self.match.code_of.get(self.prov.release or "", DEFAULT_CODE)
        observed = {f.path: dict(zip(f.identities, f.bits)) for f in self.files}
        return provenance.diagnose(registry, self.prov, self.key.id, observed,
                                   0.5 if code_named.name == CodeName.UNBIASED else 1.0 - code_named.cutoff,
                                   own=self.prov.release in self.match.code_of, accused=accused)

    def evidence(self, accused: list[str]) -> list[FileEvidence]:
        """Per file: the release carriers read, and how many match each of
        the first ten accused."""
        code = self.match.code
        out = []
        for f in self.files:
            if code is None:
                out.append(FileEvidence(f.path, f.language, 0, note=f.note))
                continue
            ids, bits = self.match.usable_in(f)
            matches = {}
            for r in accused[:10]:
                mine = recipient_bits(self.key, r, ids, code)
                matches[r] = sum(1 for x, y in zip(mine, bits) if x == y)
            out.append(FileEvidence(f.path, f.language, len(ids), matches, f.note))
        return out

    def report(self, registry: Registry, ranking: list[Suspicion], carriers: int, recipients: list[str],
               decoded: list[DecodedSet], seconds: dict[str, float]) -> TraceReport:
        accused = [s.recipient for s in ranking if s.accused]
        boundaries = sum(len(f.identities) for f in self.files)
        code = self.match.code
        return TraceReport(self.suspect, self.key.id, self.level, code.name if code else CodeName.UNBIASED,
                           self.match.releases, boundaries, carriers, len(recipients), ranking,
                           self.evidence(accused), seconds, decoded, self.prov,
                           self.marks(registry, bool(accused)))


def check_registered(names: list[str], registered: list[str]) -> None:
    """Refuse a name that no release marked with the key was given to: any
    name has bits of its own, so a typo would be scored, found innocent,
    and clear nobody (`Globex` for `globex`)."""
    known = set(registered)
    for name in names:
        if name in known:
            continue
        folded = {r.casefold(): r for r in registered}
        close = ([folded[name.casefold()]] if name.casefold() in folded else []) + \
            difflib.get_close_matches(name, registered, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(dict.fromkeys(close))}?" if close else ""
        raise RegistryError(f"recipient {name!r} is not registered for any release marked with this key{hint} "
                            "(watermark registry show RELEASE lists the recipients)")


__all__ = ["ROUNDS", "DecodedSet", "ExtractedFile", "FileEvidence", "FileOrigin", "Marks", "MarksState",
           "Provenance", "ReleaseOverlap", "Suspect", "Suspicion", "Test", "TraceReport", "check_registered",
           "extract_file", "suspect_jobs", "trace"]
