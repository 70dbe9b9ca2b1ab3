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

import concurrent.futures
import hashlib
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from array import array
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from . import _carriers, _languages
from ._codes import Code, biases, carrier_vectors, linear_bits, recipient_bits, recipient_vector
from ._keys import Key
from ._source import MAX_SOURCE_BYTES
from ._tree import Entry, Output, Selector, Source, TreeError, is_vcs, looks_minified
from ._fingerprint import fingerprint
from ._watermark import DEFAULT_DENSITY, keyed_carriers, read_bits, set_bits
from .errors import SourceError, WatermarkError


# ---- recipients ------------------------------------------------------------

def check_recipient(name: str) -> str:
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
        raise WatermarkError(f"{os.fspath(path)}: cannot read recipients ({getattr(exc, 'strerror', None) or exc})") from None
    names = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(check_recipient(line))
    return names


def _distinct(recipients: str | Iterable[str]) -> list[str]:
    names = [recipients] if isinstance(recipients, str) else list(recipients)
    if not names:
        raise WatermarkError("no recipient given")
    out = list(dict.fromkeys(check_recipient(n) for n in names))
    return out


# ---- progress --------------------------------------------------------------

class Progress:
    """One status line on stderr, only when it is a terminal."""

    def __init__(self, label: str, total: int | None = None, enabled: bool | None = None) -> None:
        self.label, self.total, self.done, self.bytes = label, total, 0, 0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._last = 0.0
        self._start = time.monotonic()

    def step(self, nbytes: int = 0) -> None:
        self.done += 1
        self.bytes += nbytes
        now = time.monotonic()
        if self.enabled and now - self._last > 0.1:
            self._last = now
            self._draw()

    def _draw(self, end: str = "") -> None:
        of = f"/{self.total}" if self.total else ""
        bar = ""
        if self.total:
            filled = int(30 * min(self.done, self.total) / self.total)
            bar = "[" + "#" * filled + "." * (30 - filled) + "] "
        rate = self.bytes / max(time.monotonic() - self._start, 1e-9) / 1e6
        sys.stderr.write(f"\r{self.label} {bar}{self.done}{of} files  {self.bytes / 1e6:.1f} MB  {rate:.1f} MB/s{end}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw("\n")


# ---- parallel, ordered, bounded -------------------------------------------

def ordered_map(fn: Callable, items: Iterable, jobs: int, *, per_job: int = 32,
                max_bytes: int = 64 << 20) -> Iterator:
    """fn(item) for each item, in order, `jobs` processes at a time.

    Items are (True, path, data or None, ...) tuples to process, or anything
    else to pass through unchanged in its place. At most `per_job` x jobs
    items, carrying at most `max_bytes` of data, are in flight, so memory
    stays bounded while a large file at the head of the line keeps one
    worker busy and the others work ahead."""
    if jobs <= 1:
        for item in items:
            yield fn(item) if item[0] is True else item
        return
    # fork is cheap and needs no `if __name__ == "__main__"` guard in the
    # caller's script; a parent running other threads gets spawn instead
    single = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if single else "spawn")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        window: deque = deque()  # (future or passed-through item, bytes it carries)
        in_flight = carried = 0

        def head():
            nonlocal in_flight, carried
            first, size = window.popleft()
            if isinstance(first, concurrent.futures.Future):
                in_flight -= 1
                carried -= size
                return first.result()
            return first

        try:
            for item in items:
                if item[0] is True:
                    size = len(item[2]) if item[2] is not None else 0
                    window.append((pool.submit(fn, item), size))
                    in_flight += 1
                    carried += size
                else:
                    window.append((item, 0))
                while in_flight >= per_job * jobs or carried > max_bytes:
                    yield head()
            while window:
                yield head()
        except concurrent.futures.process.BrokenProcessPool:
            raise WatermarkError("a worker process died (out of memory?); retry with fewer jobs") from None
        except BaseException:
            for f, _size in window:
                if isinstance(f, concurrent.futures.Future):
                    f.cancel()
            raise


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


# ---- analysis of one file (runs in worker processes; no key) ---------------

def _load(job) -> bytes:
    _, _path, data, local, _language = job
    if data is not None:
        return data
    with open(local, "rb") as f:
        return f.read()


def read_boundaries(data: bytes, language: str, path: str):
    """(fingerprint, boundaries) or a reason the file cannot be read."""
    if len(data) > MAX_SOURCE_BYTES:
        return f"over the {MAX_SOURCE_BYTES} byte limit for one source file"
    if b"\0" in data:
        return "contains NUL bytes (binary data)"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte {exc.start})"
    try:
        fp = fingerprint(data, language=language, path=path)
    except SourceError as exc:
        return str(exc)
    return fp, _carriers.boundaries(fp)


def analyse_file(job) -> tuple:
    """-> (status, reason, sha256, size, words bytes, gaps bytes)."""
    _, path, _data, _local, language = job
    try:
        data = _load(job)
    except OSError as exc:
        return ("error", f"cannot read ({exc.strerror or exc})", None, 0, b"", b"")
    digest = hashlib.sha256(data).hexdigest()
    if language == "javascript" and looks_minified(data):
        return ("copied", "minified", digest, len(data), b"", b"")
    got = read_boundaries(data, language, path)
    if isinstance(got, str):
        return ("unmarked", got, digest, len(data), b"", b"")
    fp, found = got
    if fp.has_error:
        lines = [u.start_line for u in fp.units if u.has_error]
        at = f" at line {min(lines)}" if lines else ""
        return ("unmarked", f"syntax error{at}", digest, len(data), b"", b"")
    if len(found):
        flipped = bytes(1 - b for b in read_bits(fp.source, found.gaps))
        check = fingerprint(set_bits(fp.source, found.gaps, flipped)[0], language=language, path=path)
        if (check.syntax_digest, check.exact, check.has_error) != (fp.syntax_digest, fp.exact, False):
            return ("unmarked", "marking would change the syntax tree", digest, len(data), b"", b"")
    return ("marked", None, digest, len(data), found.words.tobytes(), found.gaps.tobytes())


# ---- the release -----------------------------------------------------------

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
    status: str = "copied"  # marked | copied | unmarked (a reason says why)
    reason: str | None = None
    carriers: int = 0
    _spool: tuple[int, int] = field(default=(0, 0), repr=False)  # offset, carriers


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


class Release:
    """A source tree analysed once for marking. Create with `Release.analyse`."""

    def __init__(self, *, name: str, key: Key, source: Source, code: Code, density: dict[str, float],
                 files: list[ReleaseFile], spool, digest: str) -> None:
        self.name, self.key, self.source, self.code = name, key, source, code
        self.density = density
        self.files = files
        self._spool = spool
        self.digest = digest

    @property
    def key_id(self) -> str:
        return self.key.id

    @property
    def density_label(self) -> str:
        return ",".join(f"{k}={v:g}" for k, v in sorted(self.density.items()))

    @property
    def marked_files(self) -> int:
        return sum(1 for f in self.files if f.status == "marked")

    @property
    def carriers(self) -> int:
        return sum(f.carriers for f in self.files)

    def unmarked(self) -> list[ReleaseFile]:
        """Files of a supported language left unmarked, with their reasons."""
        return [f for f in self.files if f.status in ("unmarked", "error")]

    def __repr__(self) -> str:
        return (f"Release({self.name!r}, {len(self.files)} entries, {self.marked_files} marked files, "
                f"{self.carriers} carriers, key {self.key_id})")

    @classmethod
    def analyse(cls, source: str | os.PathLike | Source, key: Key, *, name: str | None = None,
                rev: str | None = None, include: Iterable[str] = (), exclude: Iterable[str] = (),
                default_excludes: bool = True, density: float | dict[str, float] | None = None,
                code: Code | str | None = None, jobs: int | None = None,
                progress: bool | None = None) -> "Release":
        """Analyse a tree: a directory, a tar / tar.gz / zip archive, a single
        file, or with `rev` a git revision of the repository at `source`.

        include / exclude: globs selecting the files to mark (see Selector);
        `default_excludes` adds DEFAULT_EXCLUDES. Everything else is copied
        byte-identical; .git/.hg/.svn are left out of copies."""
        if not isinstance(key, Key):
            raise TypeError("key must be a watermark.Key")
        src = source if isinstance(source, Source) else Source.open(source, rev=rev)
        selector = Selector(include, exclude, default_excludes)
        dens = dict(DEFAULT_DENSITY)
        if isinstance(density, dict):
            dens.update(density)
        elif density is not None:
            dens = {k: float(density) for k in dens}
        if not all(0.0 < v <= 1.0 for v in dens.values()):
            raise ValueError("density is a fraction in (0, 1]")
        code = Code.of(code)
        jobs = default_jobs() if jobs is None else max(1, int(jobs))
        spool = tempfile.TemporaryFile(prefix="watermark-release-")
        files: list[ReleaseFile] = []
        digest = hashlib.sha256(f"watermark-release v1\0{code.name}\0{code.cutoff}\0{sorted(dens.items())}\0".encode())
        bar = Progress("analysing", enabled=progress)

        def jobs_of() -> Iterator[tuple]:
            for entry in src.entries():
                if is_vcs(entry.path):
                    continue
                language = _language_of(entry, selector)
                if language is not None:
                    data = None if entry.local else entry.read()
                    yield (True, entry.path, data, entry.local, language), entry
                else:
                    yield (False, entry), entry

        try:
            pending = deque()

            def items():
                for job, entry in jobs_of():
                    pending.append(entry)
                    yield job

            for result in ordered_map(analyse_file, items(), jobs):
                entry = pending.popleft()
                f = ReleaseFile(entry.path, entry.kind, entry.mode, entry.size, target=entry.target)
                if result[0] is False:  # copied as is
                    if entry.kind == "file":
                        data = entry.read()
                        f.sha256, f.size = hashlib.sha256(data).hexdigest(), len(data)
                else:
                    status, reason, sha, size, words_b, gaps_b = result
                    if status == "error":
                        raise TreeError(f"{entry.path}: {reason}")
                    f.language = _language_of(entry, selector)
                    f.status, f.reason, f.sha256, f.size = status, reason, sha, size
                    if words_b:
                        f.carriers, f._spool = _spool_carriers(key, words_b, gaps_b, dens[f.language], spool)
                digest.update(f"{f.path}\0{f.kind}\0{f.mode:o}\0{f.sha256 or f.target}\0".encode())
                files.append(f)
                bar.step(f.size)
        except BaseException:
            spool.close()
            raise
        finally:
            bar.close()
        label = name or _default_name(src)
        return cls(name=label, key=key, source=src, code=code, density=dens, files=files, spool=spool,
                   digest=digest.hexdigest())

    # ---- per-file carriers ---------------------------------------------------

    def _carriers_of(self, f: ReleaseFile) -> tuple[array, array]:
        offset, n = f._spool
        self._spool.seek(offset)
        ids, gaps = array("Q"), array("Q")
        ids.frombytes(self._spool.read(8 * n))
        gaps.frombytes(self._spool.read(24 * n))
        return ids, gaps

    def identities(self, f: ReleaseFile) -> array:
        """The carrier identities of one marked file."""
        return self._carriers_of(f)[0]

    # ---- marking ---------------------------------------------------------------

    def embed(self, recipients: str | Iterable[str], out: str | os.PathLike, *, registry=None,
              format: str | None = None, progress: bool | None = None) -> list[Copy]:
        """Write a marked copy for each recipient.

        One recipient: `out` is the copy (a directory, or an archive named
        .tar / .tar.gz / .tgz / .zip). Several: `out/<recipient>/` each, or
        `out/<recipient>.<format>` with `format` "tar", "tar.gz" or "zip".
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
        stats = {r: [hashlib.sha256(), 0, 0, 0] for r in names}  # digest, files, lines added, removed
        by_path = {f.path: f for f in self.files}
        bar = Progress("writing", total=len(self.files), enabled=progress)
        try:
            seen = 0
            for entry in self.source.entries():
                if is_vcs(entry.path):
                    continue
                f = by_path.get(entry.path)
                if f is None or f.kind != entry.kind:
                    raise TreeError(f"{self.source.describe}: {entry.path!r} changed since the analysis; analyse again")
                seen += 1
                data = entry.read() if entry.kind == "file" else None
                if data is not None and hashlib.sha256(data).hexdigest() != f.sha256:
                    raise TreeError(f"{self.source.describe}: {entry.path!r} changed since the analysis; analyse again")
                for r, copy, added, removed in self._copies(f, data, names):
                    s = stats[r]
                    s[2] += added
                    s[3] += removed
                    s[0].update(f"{f.path}\0{f.kind}\0{f.mode:o}\0".encode())
                    if copy is None:
                        s[0].update(f.target.encode())
                    else:  # an entry copied as it is has the digest the analysis took (checked above)
                        s[0].update(bytes.fromhex(f.sha256) if copy is data else hashlib.sha256(copy).digest())
                    output.add(r, entry, copy)
                    if f.kind == "file":
                        s[1] += 1
                bar.step(f.size)
            if seen != len(self.files):
                raise TreeError(f"{self.source.describe}: entries disappeared since the analysis; analyse again")
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
            copies.append(Copy(r, os.path.abspath(where), s[0].hexdigest(), s[1], self.marked_files, self.carriers,
                               s[2], s[3]))
        if registry is not None:
            for c in copies:
                registry.add_copy(self.name, c.recipient, c.digest, c.output)
        return copies

    def _copies(self, f: ReleaseFile, data: bytes | None, names: list[str]):
        """(recipient, bytes to write, lines added, lines removed) for one entry."""
        if data is None or f.status != "marked" or not f.carriers:
            for r in names:
                yield r, data, 0, 0
            return
        ids, gaps = self._carriers_of(f)
        if self.code.name == "unbiased":
            h = carrier_vectors(self.key, ids)
            bits_of = lambda r: linear_bits(h, recipient_vector(self.key, r))  # noqa: E731
        else:
            p = biases(self.key, ids, self.code.cutoff)
            bits_of = lambda r: recipient_bits(self.key, r, ids, self.code, p)  # noqa: E731
        for r in names:
            yield (r, *set_bits(data, gaps, bits_of(r)))

    def close(self) -> None:
        """Drop the spool file (also done when the Release is collected)."""
        self._spool.close()

    def __enter__(self) -> "Release":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _language_of(entry: Entry, selector: Selector) -> str | None:
    if entry.kind != "file" or not selector.selects(entry.path):
        return None
    try:
        return _languages.spec_for(None, entry.path).name
    except WatermarkError:
        return None


def _spool_carriers(key: Key, words_b: bytes, gaps_b: bytes, density: float, spool) -> tuple[int, tuple[int, int]]:
    """A file's carriers (keyed identities, gaps), appended to the spool."""
    words, gaps = array("Q"), array("Q")
    words.frombytes(words_b)
    gaps.frombytes(gaps_b)
    chosen = keyed_carriers(key, words, gaps, density)
    spool.seek(0, os.SEEK_END)
    offset = spool.tell()
    spool.write(chosen.identities.tobytes())
    spool.write(chosen.gaps.tobytes())
    return len(chosen), (offset, len(chosen))


def _default_name(src: Source) -> str:
    return os.path.basename(src.describe.rstrip("/")) or "release"
