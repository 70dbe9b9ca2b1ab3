"""Releases: a source tree analysed once, then marked for any number of
recipients.

`Release.analyse` streams the tree (a directory, an archive, a git
revision), fingerprints every file it will mark in parallel worker
processes and keeps, per file, the carriers' identities and gap offsets in a
spool file, so memory holds one file at a time plus a small index. Workers
never see the key: they return the key-free boundary words, and the parent
turns them into keyed identities.

Safety check, once per file: the file is re-parsed with every eligible
boundary flipped (blank line added where there is none, removed where there
is one). Together with the original this shows both states of every gap
parse to the same tree; a gap's state is lexically local (it already holds a
line break either way, so Go's and JavaScript's semicolon rules see the same
tokens), so every combination of bits does too, and `embed` needs no parse
per recipient. A file that fails is copied unmarked, with the reason.

`release.embed(recipients, out)` then costs, per recipient, one pass of
SipHash-free bit computation and the writing of its copy.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, TYPE_CHECKING, Any

from .. import languages
from ..backend import BACKEND
from ..core import carriers
from ..core import layout as _layout
from ..core import prints as _prints
from ..core.codes import (
    ELEMENTS_SINCE,
    Code,
    CodeName,
    biases,
    carrier_vectors,
    linear_bits,
    recipient_bits,
    recipient_vector,
)
from ..core.fingerprint import FileFingerprint, fingerprint
from ..core.keys import Key
from ..core.marks import check_density, flipped, identities_of, marking_problem, picked, syntax_problem
from ..core.source import MAX_SOURCE_BYTES, source_problem
from ..errors import SourceError, WatermarkError
from ..io.outputs import Output
from ..io.pool import FileJob, Progress, check_jobs, ordered_map
from ..io.select import Selector, is_vcs
from ..io.sources import Entry, Source, TreeError
from .records import FileRecord, ReleaseFileStatus, ReleaseRecord

if TYPE_CHECKING:
    from .registry import Registry


# ---- recipients ------------------------------------------------------------

def check_recipient_name(name: str) -> str:
    """A recipient name usable as a directory name and a registry key."""
    if not isinstance(name, str):
        raise TypeError("a recipient is a string")
    stripped = name.strip()
    if not stripped or stripped != name:
        raise WatermarkError(f"recipient {name!r}: empty or surrounded by spaces")
    if name in (".", "..") or name.startswith(".") or len(name) > 200 or \
            any(c in name for c in "/\\\0") or any(ord(c) < 32 for c in name):
        raise WatermarkError(f"recipient {name!r}: not usable as a name (no '/', '\\', control "
                             "characters, leading '.', at most 200 characters)")
    return name


def read_recipients(path: str | os.PathLike) -> list[str]:
    """One recipient per line; blank lines and `#` comments are skipped."""
    try:
        text = open(path, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise WatermarkError(f"{os.fspath(path)}: cannot read recipients ({why})") from None
    names = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(check_recipient_name(line))
    return names


def _distinct(recipients: str | Iterable[str]) -> list[str]:
    names = [recipients] if isinstance(recipients, str) else list(recipients)
    if not names:
        raise WatermarkError("no recipient given")
    out = list(dict.fromkeys(check_recipient_name(n) for n in names))
    return out


# ---- analysis of one file (runs in worker processes; no key) ---------------

@dataclass(frozen=True)
class AnalysedFile:
    """What a worker found in one file to mark: marked, unmarked (reason
    says why), copied (minified: not marked), error (unreadable)."""

    status: ReleaseFileStatus
    reason: str | None
    sha256: str | None
    size: int
    words: bytes = b""  # the eligible boundaries' identity words (no key)
    gaps: bytes = b""
    prints: bytes = b""  # provenance (core/prints.py): sorted distinct prints, packed functions
    functions: bytes = b""
    layout: bytes = b""  # each boundary's release line and bytes (core/layout.py), packed


def read_boundaries(data: bytes, language: str, path: str) -> tuple[FileFingerprint, carriers.Boundaries] | str:
    """(fingerprint, boundaries) or a reason the file cannot be read."""
    problem = source_problem(data)
    if problem:
        return problem
    try:
        fp = fingerprint(data, language=language, path=path, winnow=_prints.WINNOW)
    except SourceError as exc:
        return str(exc)
    return fp, carriers.boundaries(fp)


def analyse_file(job: FileJob) -> AnalysedFile:
    """Fingerprint one file and find its boundaries; check that every
    combination of bits leaves its tree unchanged (the module docstring)."""
    try:
        data = job.load(MAX_SOURCE_BYTES)
        if isinstance(data, int):  # over the limit: hashed in chunks, never read whole
            return AnalysedFile(ReleaseFileStatus.UNMARKED, source_problem(b"", size=data), job.sha256(), data)
    except OSError as exc:
        return AnalysedFile(ReleaseFileStatus.ERROR, f"cannot read ({exc.strerror or exc})", None, 0)
    digest = hashlib.sha256(data).hexdigest()
    assert job.language is not None
    if languages.get(job.language).generated(data):
        return AnalysedFile(ReleaseFileStatus.COPIED, "minified", digest, len(data))
    got = read_boundaries(data, job.language, job.path)
    if isinstance(got, str):
        return AnalysedFile(ReleaseFileStatus.UNMARKED, got, digest, len(data))
    fp, found = got
    prints, functions = _prints.prints_of(fp).tobytes(), _prints.functions_of(fp)
    problem = syntax_problem(fp) or (marking_problem(fp, flipped(fp, found)) if len(found) else None)
    if problem:
        return AnalysedFile(ReleaseFileStatus.UNMARKED, problem, digest, len(data), prints=prints, functions=functions)
    return AnalysedFile(ReleaseFileStatus.MARKED, None, digest, len(data), found.words.tobytes(), found.gaps.tobytes(),
                        prints, functions, _layout.encode(_layout.of_source(fp.source, found.gaps)))


# ---- the release -----------------------------------------------------------

def densities(density: float | dict[str, float] | None) -> dict[str, float]:
    """The share of eligible boundaries used, per language: the languages'
    defaults, or `density` for all, or per language where it is a dict."""
    dens = {lang.name: lang.carriers.density for lang in languages.all()}
    if isinstance(density, dict):
        dens.update(density)
    elif density is not None:
        dens = {k: float(density) for k in dens}
    for v in dens.values():  # kept as given: the release digest hashes them
        check_density(v)
    return dens


def release_digest(code: Code, dens: dict[str, float], files: list[ReleaseFile]) -> str:
    """What makes a release the same release: its code, the densities of the
    languages of its files (and of those every digest names, for releases
    recorded by earlier versions), and every entry copied (path, kind, mode,
    content)."""
    present = {f.language for f in files if f.language}
    named = {k: v for k, v in dens.items() if k in languages.DIGEST_LANGUAGES or k in present}
    digest = hashlib.sha256(f"watermark-release v1\0{code.name}\0{code.cutoff}\0{sorted(named.items())}\0".encode())
    for f in files:
        if f.status != ReleaseFileStatus.SKIPPED:  # FIFOs, sockets, devices are not in it
            digest.update(f"{f.path}\0{f.kind}\0{f.mode:o}\0{f.sha256 or f.target}\0".encode())
    return digest.hexdigest()


def _jobs(src: Source, selector: Selector) -> Iterator[tuple[FileJob | None, tuple[Entry, str | None]]]:
    """A job for each file to mark (None for what is copied as it is), and
    its entry and language."""
    for entry in src.entries():
        if is_vcs(entry.path):
            continue
        lang = languages.for_path(entry.path) if entry.kind == "file" and selector.selects(entry.path) else None
        if lang is None or not lang.marks(entry.path):  # not code, not selected, or a stub that is only read
            yield None, (entry, None)
        else:
            yield FileJob(entry.path, lang.name, None if entry.local else entry.read(), entry.local,
                          entry.size), (entry, lang.name)


def _record(entry: Entry, result: AnalysedFile | None, language: str | None, key: Key, dens: dict[str, float],
            spool: IO[bytes]) -> ReleaseFile:
    """The release's entry for one member of the tree, its carriers and
    prints spooled."""
    f = ReleaseFile(entry.path, entry.kind, entry.mode, entry.size, target=entry.target)
    if entry.kind == "special":  # FIFOs, sockets, devices: listed, not copied
        f.status, f.reason = ReleaseFileStatus.SKIPPED, f"{entry.target}: not copied"
    elif result is None:  # copied as is
        if entry.big:
            f.sha256 = entry.sha256()
        elif entry.kind == "file":
            data = entry.read()
            f.sha256, f.size = hashlib.sha256(data).hexdigest(), len(data)
    else:
        if result.status == ReleaseFileStatus.ERROR:
            raise TreeError(f"{entry.path}: {result.reason}")
        f.language = language
        f.status, f.reason, f.sha256, f.size = result.status, result.reason, result.sha256, result.size
        if result.words and language is not None:
            f.carriers, f._spool, f._elements = _spool_carriers(key, result.words, result.gaps, result.layout,
                                                                dens[language], spool)
        if result.prints:
            f._prints = _spool_blobs(spool, result.prints, result.functions)
    return f


@dataclass
class ReleaseFile:
    """One entry of a release and what analysis found."""

    path: str
    kind: str  # file, dir, symlink
    mode: int
    size: int = 0
    sha256: str | None = None
    target: str = ""
    language: str | None = None
    status: ReleaseFileStatus = ReleaseFileStatus.COPIED  # reason says why, where it is not marked
    reason: str | None = None
    carriers: int = 0
    # offset, carriers, layout bytes: the carriers of the latest scheme, then one byte each, 1 for those between
    # elements (none before scheme 3), of which there are _elements
    _spool: tuple[int, int, int] = field(default=(0, 0, 0), repr=False)
    _elements: int = field(default=0, repr=False)
    _prints: tuple[int, int, int] = field(default=(0, 0, 0), repr=False)  # offset, prints bytes, functions bytes


@dataclass(frozen=True)
class Copy:
    """One recipient's marked copy."""

    recipient: str
    output: str
    digest: str  # SHA-256 over every entry (path, kind, mode, content)
    files: int
    marked_files: int
    carriers: int
    lines_added: int
    lines_removed: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Release:
    """A source tree analysed once for marking. Create with `Release.analyse`."""

    def __init__(self, *, name: str, key: Key, source: Source, code: Code, density: dict[str, float],
                 files: list[ReleaseFile], spool: IO[bytes], digest: str) -> None:
        self.name, self.key, self.source, self.code = name, key, source, code
        self.density = density
        self.files = files
        self._spool = spool
        self.digest = digest
        self._owns_source = False  # set by analyse when it opened the source itself
        self._count_carriers()

    @property
    def key_id(self) -> str:
        return self.key.id

    @property
    def density_label(self) -> str:
        return ",".join(f"{k}={v:g}" for k, v in sorted(self.density.items()))

    @property
    def marked_files(self) -> int:
        return sum(1 for f in self.files if f.status == ReleaseFileStatus.MARKED)

    @property
    def carriers(self) -> int:
        return sum(f.carriers for f in self.files)

    def unmarked(self) -> list[ReleaseFile]:
        """Files of a supported language left unmarked, with their reasons."""
        return [f for f in self.files if f.status in (ReleaseFileStatus.UNMARKED, ReleaseFileStatus.ERROR)]

    def skipped(self) -> list[ReleaseFile]:
        """Entries not copied at all (FIFOs, sockets, devices), with what they are."""
        return [f for f in self.files if f.status == ReleaseFileStatus.SKIPPED]

    def __repr__(self) -> str:
        return (f"Release({self.name!r}, {len(self.files)} entries, {self.marked_files} marked files, "
                f"{self.carriers} carriers, key {self.key_id})")

    @classmethod
    def analyse(cls, source: str | os.PathLike | Source, key: Key, *, name: str | None = None,
                rev: str | None = None, include: Iterable[str] = (), exclude: Iterable[str] = (),
                default_excludes: bool = True, density: float | dict[str, float] | None = None,
                code: Code | str | None = None, jobs: int | None = None,
                progress: bool | None = None) -> Release:
        """Analyse a tree: a directory, a tar (plain, gz, xz, bz2) / zip archive, a single
        file, or with `rev` a git revision of the repository at `source`.

        include / exclude: globs selecting the files to mark (see Selector);
        `default_excludes` adds io.select.DEFAULT_EXCLUDES. Everything else is copied
        byte-identical; .git/.hg/.svn are left out of copies."""
        if not isinstance(key, Key):
            raise TypeError("key must be a watermark.Key")
        dens = densities(density)
        code = Code.of(code)
        jobs = check_jobs(jobs)
        owned = not isinstance(source, Source)  # a source opened here is closed by the release
        src = source if isinstance(source, Source) else Source.open(source, rev=rev)
        spool = tempfile.TemporaryFile(prefix="watermark-release-")
        bar = Progress("analysing", enabled=progress)
        files: list[ReleaseFile] = []
        try:
            for result, (entry, language) in ordered_map(analyse_file, _jobs(src, Selector(include, exclude,
                                                         default_excludes)), jobs, weigh=_held_bytes):
                files.append(_record(entry, result, language, key, dens, spool))
                bar.step(files[-1].size)
        except BaseException:
            spool.close()
            if owned:
                src.close()
            raise
        finally:
            bar.close()
        release = cls(name=name or _default_name(src), key=key, source=src, code=code, density=dens, files=files,
                      spool=spool, digest=release_digest(code, dens, files))
        release._owns_source = owned
        return release

    # ---- per-file carriers ---------------------------------------------------

    def _without_elements(self, f: ReleaseFile) -> list[int] | None:
        """Which of a file's spooled carriers its scheme knows (None: all)."""
        if self.code.scheme >= ELEMENTS_SINCE or not f._elements:
            return None
        offset, n, size = f._spool
        self._spool.seek(offset + 32 * n + size)
        return [k for k, element in enumerate(self._spool.read(n)) if not element]

    def _count_carriers(self) -> None:
        """Each file's carriers under the release's scheme."""
        for f in self.files:
            f.carriers = f._spool[1] - (f._elements if self.code.scheme < ELEMENTS_SINCE else 0)

    def _carriers_of(self, f: ReleaseFile) -> tuple[array, array]:
        offset, n, _layout_bytes = f._spool
        self._spool.seek(offset)
        ids, gaps = array("Q"), array("Q")
        ids.frombytes(self._spool.read(8 * n))
        gaps.frombytes(self._spool.read(24 * n))
        keep = self._without_elements(f)
        if keep is not None:
            ids = array("Q", (ids[k] for k in keep))
            gaps = array("Q", (g for k in keep for g in gaps[3 * k:3 * k + 3]))
        return ids, gaps

    def identities(self, f: ReleaseFile) -> array:
        """The carrier identities of one marked file."""
        return self._carriers_of(f)[0]

    def layout(self, f: ReleaseFile) -> bytes:
        """The release's own layout at the carriers of one marked file
        (core/layout.py, packed in the order of its identities)."""
        offset, n, size = f._spool
        self._spool.seek(offset + 32 * n)
        packed = self._spool.read(size)
        keep = self._without_elements(f)
        if keep is None:
            return packed
        every = _layout.decode(packed)
        return _layout.encode([every[k] for k in keep])

    def _prints_of(self, f: ReleaseFile) -> tuple[bytes, bytes]:
        """A file's provenance prints and functions (core/prints.py),
        packed; empty for files that were not fingerprinted."""
        offset, n_prints, n_functions = f._prints
        if not n_prints:
            return b"", b""
        self._spool.seek(offset)
        return self._spool.read(n_prints), self._spool.read(n_functions)

    # ---- the registry's record -------------------------------------------------

    def record(self) -> ReleaseRecord:
        """What a registry records of this release."""
        return ReleaseRecord(self.name, self.key_id, self.code, self.density_label, self.source.describe,
                             len(self.files), self.marked_files, self.carriers, self.digest, self._file_records)

    def _file_records(self) -> Iterator[FileRecord]:
        for f in self.files:
            prints, functions = self._prints_of(f)
            yield FileRecord(f.path, f.sha256, f.size, f.mode, f.kind, f.language, f.status, f.reason, f.carriers,
                             self.identities(f).tobytes() if f.carriers else None, prints, functions,
                             self.layout(f) if f.carriers else None)

    def adopt_scheme(self, scheme: int) -> None:
        """Mark copies with this scheme: a release keeps the scheme it was
        first recorded with (and its carrier rules: before scheme 3, none
        between the elements of a list)."""
        self.code = self.code.of_scheme(scheme)
        self._count_carriers()

    # ---- marking ---------------------------------------------------------------

    def embed(self, recipients: str | Iterable[str], out: str | os.PathLike, *, registry: Registry | None = None,
              format: str | None = None, progress: bool | None = None) -> list[Copy]:
        """Write a marked copy for each recipient.

        One recipient: `out` is the copy (a directory, or an archive named
        .tar / .tar.gz / .tgz / .tar.xz / .tar.bz2 / .zip). Several:
        `out/<recipient>/` each, or `out/<recipient>.<format>` with `format`
        one of io.sources.ARCHIVE_FORMATS ("tar", "tar.gz", "tar.xz", "tar.bz2", "zip").
        Nothing appears at `out` unless every copy is complete. With a
        registry, the release and its recipients are recorded before any
        copy is written, and each copy after."""
        names = _distinct(recipients)
        output = Output(out, self.source, names, format)  # checks the target first
        try:
            if registry is not None:
                registry.add_release(self)
                registry.add_recipients(self.name, names)
        except BaseException:
            output.abort()
            raise
        stats = {r: _CopyStats() for r in names}
        bar = Progress("writing", total=len(self.files), enabled=progress)
        try:
            self._write(output, names, stats, bar)
            output.commit()
        except BaseException:
            output.abort()
            raise
        finally:
            bar.close()
        copies = []
        for r in names:
            s = stats[r]
            where = output.target if output.single else (
                output.target / (f"{r}.{output.fmt}" if output.fmt else r))
            copies.append(Copy(r, os.path.abspath(where), s.digest.hexdigest(), s.files, self.marked_files,
                               self.carriers, s.lines_added, s.lines_removed))
        if registry is not None:
            for c in copies:
                registry.add_copy(self.name, c.recipient, c.digest, c.output)
        return copies

    def _write(self, output: Output, names: list[str], stats: dict[str, _CopyStats], bar: Progress) -> None:
        """Every entry of the source, into every recipient's copy; refuses an
        entry that changed since the analysis."""
        by_path = {f.path: f for f in self.files}
        seen = 0
        for entry in self.source.entries():
            if is_vcs(entry.path):
                continue
            f = by_path.get(entry.path)
            if f is None or f.kind != entry.kind:
                raise TreeError(f"{self.source.describe}: {entry.path!r} changed since the analysis; analyse again")
            seen += 1
            if f.kind != "special":
                self._write_entry(output, entry, f, names, stats)
            bar.step(f.size)
        if seen != len(self.files):
            raise TreeError(f"{self.source.describe}: entries disappeared since the analysis; analyse again")

    def _write_entry(self, output: Output, entry: Entry, f: ReleaseFile, names: list[str],
                     stats: dict[str, _CopyStats]) -> None:
        data = entry.read() if entry.kind == "file" and not entry.big else None
        digest = entry.sha256() if entry.big else hashlib.sha256(data).hexdigest() if data is not None else None
        if digest is not None and digest != f.sha256:
            raise TreeError(f"{self.source.describe}: {entry.path!r} changed since the analysis; analyse again")
        for r, copy, added, removed in self._copies(f, data, names):
            s = stats[r]
            s.lines_added += added
            s.lines_removed += removed
            s.digest.update(f"{f.path}\0{f.kind}\0{f.mode:o}\0".encode())
            if entry.big:  # copied in chunks from its file, as it is
                assert f.sha256 is not None
                s.digest.update(bytes.fromhex(f.sha256))
            elif copy is None:
                s.digest.update(f.target.encode())
            else:  # an entry copied as it is has the digest the analysis took (checked above)
                assert f.sha256 is not None
                s.digest.update(bytes.fromhex(f.sha256) if copy is data else hashlib.sha256(copy).digest())
            copied = output.add(r, entry, copy)
            if copied is not None and copied != f.sha256:
                raise TreeError(f"{self.source.describe}: {entry.path!r} changed while it was copied; "
                                "analyse again")
            if f.kind == "file":
                s.files += 1

    def _copies(self, f: ReleaseFile, data: bytes | None,
                names: list[str]) -> Iterator[tuple[str, bytes | None, int, int]]:
        """(recipient, bytes to write, lines added, lines removed) for one entry."""
        if data is None or f.status != ReleaseFileStatus.MARKED or not f.carriers:
            for r in names:
                yield r, data, 0, 0
            return
        ids, gaps = self._carriers_of(f)
        if self.code.name == CodeName.UNBIASED:  # the carriers' vectors once, then an AND and a parity each
            w = self.code.words
            h = carrier_vectors(self.key, ids, w)
            bits = {r: linear_bits(h, recipient_vector(self.key, r, w), w) for r in names}
        else:
            p = biases(self.key, ids, self.code.cutoff)
            bits = {r: recipient_bits(self.key, r, ids, self.code, p) for r in names}
        for r in names:
            yield (r, *BACKEND.set_bits(data, gaps, bits[r]))

    def close(self) -> None:
        """Drop the spool file (also done when the Release is collected) and
        what reading a source it opened left on disk."""
        self._spool.close()
        if self._owns_source:
            self.source.close()

    def __enter__(self) -> Release:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _held_bytes(tag: tuple[Entry, str | None]) -> int:
    """Bytes an entry copied as it is holds in memory while it waits in line."""
    entry = tag[0]
    return entry.size if entry.kind == "file" and entry.local is None else 0


@dataclass
class _CopyStats:
    """What writing one recipient's copy added up."""

    digest: hashlib._Hash = field(default_factory=hashlib.sha256)  # over every entry: path, kind, mode, content
    files: int = 0
    lines_added: int = 0
    lines_removed: int = 0


def _spool_carriers(key: Key, words_b: bytes, gaps_b: bytes, layout_b: bytes, density: float,
                    spool: IO[bytes]) -> tuple[int, tuple[int, int, int], int]:
    """A file's carriers (keyed identities, gaps, the release's layout at
    them, which lie between elements), appended to the spool; with their
    count, where, and how many lie between elements."""
    words, gaps = array("Q"), array("Q")
    words.frombytes(words_b)
    gaps.frombytes(gaps_b)
    identities = identities_of(key, words)
    chosen = picked(key, identities, density, words)
    every = _layout.decode(layout_b)
    layout = _layout.encode([every[k] for k in chosen])
    spool.seek(0, os.SEEK_END)
    offset = spool.tell()
    spool.write(array("Q", (identities[k] for k in chosen)).tobytes())
    spool.write(array("Q", (g for k in chosen for g in gaps[3 * k:3 * k + 3])).tobytes())
    spool.write(layout)
    elements = bytes(carriers.is_element(words, k) for k in chosen)
    spool.write(elements)
    return len(chosen), (offset, len(chosen), len(layout)), sum(elements)


def _spool_blobs(spool: IO[bytes], prints: bytes, functions: bytes) -> tuple[int, int, int]:
    spool.seek(0, os.SEEK_END)
    offset = spool.tell()
    spool.write(prints)
    spool.write(functions)
    return offset, len(prints), len(functions)


def _default_name(src: Source) -> str:
    return os.path.basename(src.describe.rstrip("/")) or "release"
