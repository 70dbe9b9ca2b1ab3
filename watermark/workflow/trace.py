"""Trace: which registered recipients does a leaked copy accuse?

1. Extract: every Go / JavaScript file of the suspect is fingerprinted (in
   parallel, key-free workers) and every eligible boundary read: its keyed
   identity and its bit.
2. Match: the registry holds the carrier identities of every release made
   with the key. The release sharing the most identities with the suspect is
   the one it came from; only identities that are carriers of the key's
   releases (with that release's code) are used - boundaries that a leaker's
   edits made eligible carry no bit and would only add noise. Which
   identities are used depends on the suspect and the registry, never on a
   recipient, so the bounds stay valid.
3. Score: each identity counts once (`Observations.distinct`), and every
   recipient registered with the key's releases is scored in one C pass.
4. Accuse: with N recipients and R rounds (R = 3, or 1 for one recipient), a recipient whose bound is at
   most level x w / (N x R) is accused, w the singles' share of the level
   (1, or 1/2 when phantom recipients - XOR combinations of codewords,
   core/collusion.py - are searched too: unbiased code, N > 1). Each test is two-sided (codes: agreement
   or disagreement beyond chance, so a complemented copy is named too), and
   its bound is already twice the smaller tail; the corrected bound reported
   is min(1, N x R x bound / w): a union bound over every test made, so the
   chance that any innocent is accused stays <= level. Later rounds find the
   other contributors of a merged copy: they rescore the recipients not yet
   accused on the carriers that no recipient accused so far explains (where
   the leak disagrees with it, or, for one accused on a complemented copy,
   agrees with it). For an innocent, those carriers are chosen from the leak
   and the accused recipients' bits, which are independent of its own bits,
   so its matches there are again Binomial(n, 1/2) (unbiased code) and each
   round's bound holds.
"""
from __future__ import annotations

import contextlib
import difflib
import math
import os
import time
from array import array
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from .. import languages
from ..core import collusion, reading
from ..core.codes import (
    Code,
    carrier_vectors,
    check_level,
    recipient_bits,
    recipient_vector,
    score_many,
    two_sided_binomial_log10,
    vector_array,
)
from ..core.keys import Key
from ..core.marks import Observations, Verdict, identities_of
from . import provenance
from .pool import FileJob, Progress, check_jobs, ordered_map
from .provenance import Marks, Provenance
from .registry import Registry, RegistryError
from .trees import Source, TreeError, is_vcs

ROUNDS = 3  # first scoring plus two rounds for further contributors of a merged copy
# Shares of the level (weighted Bonferroni) when phantom recipients are
# searched too (unbiased code, several recipients): own bits, pairs, decoded.
SINGLES_SHARE, PAIRS_SHARE, DECODED_SHARE = 0.5, 0.25, 0.25


@dataclass(frozen=True)
class Suspicion(Verdict):
    """One recipient's verdict in a trace: `bound` and `log10_bound` are
    corrected for every test made (N recipients x rounds, or every
    combination searched, over the family's share of the level); `round`
    is the round that gave it. `test` says which family: "single" (the
    recipient's own bits), "pair" or "decoded" (a phantom: the XOR of this
    recipient's codeword and those of `combined`, core/collusion.py);
    matches and carriers are then the phantom's."""

    round: int = 1
    test: str = "single"
    combined: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileEvidence:
    path: str
    language: str | None
    carriers: int  # release carriers read in this file
    matches: dict[str, int] = field(default_factory=dict)  # accused recipient -> matching bits here
    note: str | None = None


@dataclass(frozen=True)
class TraceReport:
    suspect: str
    key_id: str
    level: float
    code: str
    releases: list[tuple[str, int]]  # releases sharing carriers with the suspect, most first
    boundaries: int  # eligible boundaries read in the suspect
    carriers: int  # distinct release carriers used for scoring
    recipients_tested: int
    ranking: list[Suspicion]  # every recipient, most suspect first
    files: list[FileEvidence]
    seconds: dict[str, float] = field(default_factory=dict)  # "extract", "score": wall time
    # sets of recipients whose codewords XOR to the leak (decoded, accused or
    # not): {"recipients", "log10_bound", "matches", "carriers", "complemented"}
    decoded: list[dict] = field(default_factory=list)
    provenance: Provenance | None = None  # where the code comes from (workflow/provenance.py)
    marks: Marks | None = None  # what became of the marks of that release

    @property
    def accused(self) -> list[Suspicion]:
        return [s for s in self.ranking if s.accused]

    @property
    def release(self) -> str | None:
        return self.releases[0][0] if self.releases else None

    def to_json(self, top: int = 20) -> dict:
        return {
            "suspect": self.suspect, "key_id": self.key_id, "level": self.level, "code": self.code,
            "release": self.release,
            "releases": [{"name": n, "carriers": c} for n, c in self.releases],
            "boundaries": self.boundaries, "carriers": self.carriers,
            "recipients_tested": self.recipients_tested,
            "accused": [asdict(s) for s in self.accused],
            "ranking": [asdict(s) for s in self.ranking[:top]],
            "files": [asdict(f) for f in self.files],
            "decoded": self.decoded,
            "provenance": self.provenance.as_json() if self.provenance else None,
            "marks": self.marks.as_json() if self.marks else None,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class ExtractedFile:
    """What a worker read in one suspect file (no key: identity words, not
    identities)."""

    language: str | None
    note: str | None  # why nothing, or not everything, was read
    words: bytes = b""
    bits: bytes = b""
    prints: bytes = b""  # provenance prints (core/provenance.py)


def extract_file(job: FileJob) -> ExtractedFile:
    """Worker: every boundary of one file, read leniently (core/reading),
    and the bit it holds. A file of unknown language (no extension of one,
    or text passed as bytes) is read as the language it parses best as;
    language None in the result: it is neither."""
    try:
        data = job.load(reading.READ_MAX_BYTES)
    except OSError as exc:
        return ExtractedFile(job.language, f"cannot read ({exc.strerror or exc})")
    if isinstance(data, int):
        return ExtractedFile(job.language, f"{data} bytes is over the {reading.READ_MAX_BYTES} byte limit for reading "
                             "one file; not read")
    lang = job.language or reading.guess_language(data, least=0.0 if job.path == "<text>" else 0.8)
    if lang is None:
        return ExtractedFile(None, "not in a language watermark reads")
    got = reading.read(data, lang, job.path)
    if isinstance(got, str):
        return ExtractedFile(lang, got)
    notes = ([f"read as {lang} by its content"] if job.language is None else []) + list(got.notes)
    if got.has_error:
        notes.append("syntax errors: units with errors skipped")
    return ExtractedFile(lang, "; ".join(notes) or None, got.words.tobytes(), got.bits, got.prints)


def suspect_jobs(suspect: str | os.PathLike | bytes | Source,
                 language: str | None) -> Iterator[tuple[FileJob, tuple[str, bool]]]:
    """(job, (path, guessed)) per file to read: every regular file of the
    suspect. Files without the extension of a supported language (a leaker
    may rename `.js` to `.ts`, `.go` to `.go.txt`) are read by their
    content, and dropped when they are in no language watermark reads."""
    if isinstance(suspect, (bytes, bytearray, memoryview)):
        yield FileJob("<text>", language, bytes(suspect)), ("<text>", language is None)
        return
    src = suspect if isinstance(suspect, Source) else Source.open(suspect)
    for entry in src.entries():
        if entry.kind != "file" or is_vcs(entry.path):
            continue
        known = languages.for_path(entry.path)
        lang = language or (known.name if known else None)
        job = FileJob(entry.path, lang, None if entry.local else entry.read(), entry.local, entry.size)
        yield job, (entry.path, lang is None)


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
        key_releases = registry.readable_releases(key.id)
        if not key_releases:
            raise RegistryError(f"{registry.path}: no release was marked with this key (key id {key.id}); "
                                "wrong key or wrong registry")
        if recipients is not None:
            check_registered(recipients, registry.recipients(key_id=key.id))
        started = time.perf_counter()
        bar = Progress("reading", enabled=progress)
        # the suspect's source lives until its files are read (an archive's big
        # members are spooled to disk for the workers)
        source = suspect if isinstance(suspect, (bytes, bytearray, memoryview)) else \
            opened.enter_context(Source.open(suspect))
        per_file: list[tuple[str, str | None, str | None, array, bytes]] = []
        prints: list[tuple[str, str | None, bytes]] = []
        try:
            for got, (path, guessed) in ordered_map(extract_file, suspect_jobs(source, language), jobs):
                assert got is not None
                if guessed and got.language is None and path != "<text>":
                    continue  # a file that is not code
                words = array("Q")
                words.frombytes(got.words)
                per_file.append((path, got.language, got.note, identities_of(key, words), got.bits))
                prints.append((path, got.language, got.prints))
                bar.step(len(got.bits))
        finally:
            bar.close()
        extracted = time.perf_counter()
        if not per_file:
            raise TreeError(f"{_describe(suspect)}: no source file to read (watermark reads "
                            f"{', '.join(languages.names())})")

        # which releases does it come from?
        observed: set[int] = set()
        for _p, _l, _n, ids, _b in per_file:
            observed.update(ids)
        overlap: dict[str, int] = {}
        carriers_of: dict[str, set[int]] = {}
        code_of = {r.name: Code(r.code, r.cutoff, r.scheme) for r in key_releases}
        for name, _code, _path, ids in registry.carrier_files(key.id):
            hit = observed.intersection(ids)
            if hit:
                overlap[name] = overlap.get(name, 0) + len(hit)
                carriers_of.setdefault(name, set()).update(hit)
        releases = sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0]))
        boundaries = sum(len(ids) for _p, _l, _n, ids, _b in per_file)
        # where the code comes from, and what became of the marks (never an accusation)
        prov = provenance.provenance(registry, prints)
        code_named = code_of.get(prov.release or "", Code("unbiased"))

        def diagnosis(accused: bool) -> provenance.Marks:
            return provenance.diagnose(registry, prov, key.id,
                                       {p: dict(zip(ids, b)) for p, _l, _n, ids, b in per_file},
                                       0.5 if code_named.name == "unbiased" else 1.0 - code_named.cutoff,
                                       own=prov.release in code_of, accused=accused)

        if not releases:
            return TraceReport(_describe(suspect), key.id, level, "unbiased", [], boundaries, 0, 0, [],
                               [FileEvidence(p, lang, 0, note=note) for p, lang, note, _i, _b in per_file],
                               provenance=prov, marks=diagnosis(False))
        code = code_of[releases[0][0]]
        usable = set().union(*(carriers_of[n] for n, _c in releases if code_of[n] == code))
        if recipients is None:
            recipients = sorted({r for info in key_releases if code_of[info.name] == code
                                 for r in registry.recipients(release=info.name)})

        obs = Observations()
        for _p, _l, _n, ids, bits in per_file:
            keep = [k for k, i in enumerate(ids) if i in usable]
            obs = obs + Observations(array("Q", (ids[k] for k in keep)), bytes(bits[k] for k in keep))
        identities, bits = obs.distinct()
        phantoms = code.name == "unbiased" and len(recipients) > 1
        ranking = _rounds(key, recipients, identities, bits, code, level, SINGLES_SHARE if phantoms else 1.0)
        decoded: list[dict] = []
        if phantoms:
            ranking = _with_phantoms(ranking, key, recipients, identities, bits, code, level, decoded)

        accused = [s.recipient for s in ranking if s.accused]
        files = []
        for path, lang, note, ids, fbits in per_file:
            keep = [k for k, i in enumerate(ids) if i in usable]
            fids, fb = array("Q", (ids[k] for k in keep)), bytes(fbits[k] for k in keep)
            matches = {}
            for r in accused[:10]:
                mine = recipient_bits(key, r, fids, code)
                matches[r] = sum(1 for x, y in zip(mine, fb) if x == y)
            files.append(FileEvidence(path, lang, len(fids), matches, note))
        seconds = {"extract": extracted - started, "score": time.perf_counter() - extracted}
        return TraceReport(_describe(suspect), key.id, level, code.name, releases, boundaries, len(identities),
                           len(recipients), ranking, files, seconds, decoded, prov, diagnosis(bool(accused)))


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


def _rounds(key: Key, recipients: list[str], identities: array, bits: bytes, code: Code,
            level: float, share: float = 1.0) -> list[Suspicion]:
    """Score, accuse, and rescore the rest where the leak disagrees with
    everyone accused so far (see the module docstring); `share` of the
    level is theirs."""
    rounds = ROUNDS if len(recipients) > 1 else 1
    n_tests = max(1, len(recipients)) * rounds
    correction = math.log10(n_tests) - math.log10(share)
    threshold = math.log10(level)
    best: dict[str, Suspicion] = {}
    remaining = list(recipients)
    ids, obs = identities, bits
    for rnd in range(1, rounds + 1):
        if not remaining or not len(ids):
            break
        scores = score_many(key, remaining, ids, obs, code)
        newly: list[tuple[str, bool]] = []  # accused in this round, and whether on a complemented copy
        for r, s in zip(remaining, scores):
            log10_bound = min(0.0, s.log10_bound + correction)
            suspicion = Suspicion(r, s.score, s.matches, s.carriers, 10.0 ** log10_bound, log10_bound,
                                  s.carriers > 0 and log10_bound <= threshold, level, code.name,
                                  complemented=s.complemented, round=rnd)
            if r not in best or suspicion.accused or (not best[r].accused and log10_bound < best[r].log10_bound):
                best[r] = suspicion
            if suspicion.accused:
                newly.append((r, s.complemented))
        if not newly:
            break
        accused_now = {r for r, _c in newly}
        remaining = [r for r in remaining if r not in accused_now]
        # keep the carriers no accused recipient explains: where the leak
        # disagrees with its bits (agrees, for a complemented copy)
        disagree = bytearray(b"\x01") * len(ids)
        for r, complemented in newly:
            mine = recipient_bits(key, r, ids, code)
            for k, (x, y) in enumerate(zip(mine, obs)):
                if (x == y) != complemented:
                    disagree[k] = 0
        keep = [k for k, d in enumerate(disagree) if d]
        ids, obs = array("Q", (ids[k] for k in keep)), bytes(obs[k] for k in keep)
    return sorted(best.values(), key=lambda s: (not s.accused, s.log10_bound, -s.score, s.recipient))


def _log10_sum(a: float, b: float) -> float:
    """log10(10^a + 10^b)."""
    hi, lo = max(a, b), min(a, b)
    return hi + math.log10(1.0 + 10.0 ** (lo - hi))


def _with_phantoms(ranking: list[Suspicion], key: Key, recipients: list[str], identities: array, bits: bytes,
                   code: Code, level: float, decoded: list[dict]) -> list[Suspicion]:
    """The ranking, with recipients accused through phantom recipients (XOR
    combinations of codewords, core/collusion.py) added where they were not
    accused on their own bits; every set the leak decodes into is appended
    to `decoded`, accused or not."""
    n = len(identities)
    if n == 0:
        return ranking
    threshold = math.log10(level)
    words = code.words
    vectors = [recipient_vector(key, r, words) for r in recipients]
    h = carrier_vectors(key, identities, words)
    found: dict[str, Suspicion] = {}

    def offer(members: tuple[int, ...], matches: int, log10_bound: float, test: str, complemented: bool) -> None:
        names = [recipients[k] for k in members]
        for name in names:
            got = Suspicion(name, matches, matches, n, 10.0 ** log10_bound, log10_bound, True, level, "unbiased",
                            complemented, round=1, test=test, combined=tuple(x for x in names if x != name))
            if name not in found or log10_bound < found[name].log10_bound:
                found[name] = got

    pairs = math.comb(len(recipients), 2)
    if pairs <= collusion.MAX_PAIR_SCORING:
        pv, pair_members = collusion.pair_vectors(vectors)
        correction = math.log10(pairs) - math.log10(PAIRS_SHARE)
        span = collusion.span_log10(pairs, words) - math.log10(PAIRS_SHARE)
        tails: dict[int, float] = {}
        for k, m in enumerate(collusion.matches(h, bits, vector_array(pv, words), words)):
            if abs(2 * m - n) < 8:  # nowhere near evidence: skip the tail
                continue
            if m not in tails:
                tails[m] = min(0.0, _log10_sum(two_sided_binomial_log10(n, m) + correction, span))
            if tails[m] <= threshold:
                offer(pair_members[k], m, tails[m], "pair", 2 * m < n)
    def decoded_set(members: tuple[int, ...], matches: int, log10_bound: float, complemented: bool) -> None:
        decoded.append({"recipients": [recipients[k] for k in members], "log10_bound": log10_bound,
                        "matches": matches, "carriers": n, "complemented": complemented,
                        "accused": log10_bound <= threshold})
        if log10_bound <= threshold:
            offer(members, matches, log10_bound, "decoded", complemented)

    phantom = collusion.solve(h, bits, words)
    if phantom is not None and phantom.matches >= 0.75 * n and phantom.vector not in set(vectors):
        # (a registered vector itself is one recipient's copy: the singles name it)
        for members in collusion.decompose(phantom.vector, vectors, words):
            decoded_set(members, phantom.matches,
                        collusion.decoded_log10_bound(len(recipients), len(members), DECODED_SHARE, words),
                        phantom.complemented)
    elif n < collusion.sample_size(words) and len(recipients) <= collusion.MAX_DECODE[3] and not any(
            s.accused and s.round == 1 and max(s.matches, n - s.matches) >= 0.97 * n for s in ranking):
        # too few carriers to solve for the phantom (and the leak is no one
        # recipient's codeword): sets whose codewords XOR to it exactly on
        # independent carriers, of the sizes whose bound can reach the level
        basis = collusion.independent_carriers(h, words)
        sizes = [k for k in collusion.sizes_searched(len(recipients))
                 if collusion.codeword_log10_bound(len(recipients), k, DECODED_SHARE, len(basis)) <= threshold]
        for got in collusion.codeword_sets(h, bits, vectors, words, basis, sizes):
            xor = 0
            for k in got.members:
                xor ^= vectors[k]
            m = collusion.matches(h, bits, vector_array([xor], words), words)[0]
            decoded_set(got.members, n - m if got.complemented else m,
                        collusion.codeword_log10_bound(len(recipients), len(got.members), DECODED_SHARE, got.rank),
                        got.complemented)
    if not found:
        return ranking
    merged = [s if s.accused or s.recipient not in found else found[s.recipient] for s in ranking]
    return sorted(merged, key=lambda s: (not s.accused, s.log10_bound, -s.score, s.recipient))


def _describe(suspect: str | os.PathLike | bytes | bytearray | memoryview) -> str:
    if isinstance(suspect, (bytes, bytearray, memoryview)):
        return "<text>"
    return os.fspath(suspect)
