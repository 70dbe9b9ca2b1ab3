"""The per-file work of `watermark diff`, run in worker processes: one job
per file pair. Both sides are fingerprinted with event spans; equal file
hashes settle every entity at once; otherwise the entities are paired
(diff/pairing.py) and each pair that changed gets its report, while its
events are at hand. What found no partner goes back to the parent for the
tree-wide matchers (diff/tree.py)."""
from __future__ import annotations

import concurrent.futures
import contextlib
import gc
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from .. import languages
from ..backend.protocol import Parsed
from ..core.source import MAX_SOURCE_BYTES
from ..io.pool import FileJob
from .describe import function_diff
from .entities import Entity, FileView, parse
from .model import REPORTED, FileDiffStatus, FunctionDiff
from .model import FunctionStatus as S
from .pairing import pair_in_file

PARALLEL_BYTES = 1 << 20  # a pair this large parses its two sides at once (the C core drops the GIL)


@dataclass(frozen=True)
class ScriptPair:
    """An entity pair found by the tree-wide matchers, to report in a second
    round of jobs; -1 for a missing side (an added / removed entity: only
    its profile)."""

    base: int
    suspect: int
    status: S
    moved: bool


@dataclass(frozen=True)
class PairJob:
    """A file pair (either side may be missing) for a worker. `pairs`: the
    entity pairs to report; None: pair the two files' entities here."""

    base: FileJob | None
    suspect: FileJob | None
    pairs: tuple[ScriptPair, ...] | None = None

    @property
    def weight(self) -> int:
        return sum(j.weight for j in (self.base, self.suspect) if j is not None)


@dataclass
class PairResult:
    counts: Counter[S]
    functions: list[FunctionDiff]
    left: list[Entity]  # entities still to match
    file_hashes: tuple[int | None, int | None]  # exact hash of each side's file
    status: FileDiffStatus | None  # None: a second-round job (no file status)
    notes: list[str]


def status_of(a: Entity, b: Entity) -> S:
    if a.exact == b.exact:
        return S.UNCHANGED if a.digest == b.digest else S.LAYOUT
    if a.has_error or b.has_error:
        return S.UNPARSED
    if a.renamed == b.renamed:
        return S.RENAMED
    if a.skeleton == b.skeleton:
        return S.LITERAL
    return S.MODIFIED


def _status(base: FileView, a: Entity, suspect: FileView, b: Entity) -> S:
    """status_of, settling own hashes only when the whole subtrees differ."""
    if a.full_exact == b.full_exact:  # the same subtree: the same own body
        return S.UNCHANGED if base.own_bytes(a) == suspect.own_bytes(b) else S.LAYOUT
    status = status_of(base.settle(a), suspect.settle(b))
    if status in (S.UNCHANGED, S.LAYOUT):  # (own code alike, nested entities not)
        return S.UNCHANGED if base.own_bytes(a) == suspect.own_bytes(b) else S.LAYOUT
    return status


def _read(job: FileJob | None, side: str) -> tuple[bytes | None, str | None]:
    """A side's bytes, or why it is not compared."""
    if job is None:
        return None, None
    try:
        data = job.load(MAX_SOURCE_BYTES)
    except OSError as exc:
        return None, f"{side}: cannot read ({exc.strerror or exc})"
    if isinstance(data, int):
        return None, f"{side}: {data} bytes is over the {MAX_SOURCE_BYTES} byte limit for one file; not compared"
    if b"\0" in data:
        return None, f"{side}: NUL bytes (binary data); not compared"
    return data, None


def _view(job: FileJob | None, side: str, data: bytes | None, parsed: Parsed | None = None
          ) -> tuple[FileView | None, str | None]:
    if job is None or data is None:
        return None, None
    assert job.language is not None
    view = FileView(job.path, job.language, data, parsed)
    return view, (f"{side}: syntax errors (first at line {_first_error(view)}); diffed where it parses"
                  if view.has_error else None)


def _load_both(job: PairJob) -> tuple[FileView | None, FileView | None, list[str]]:
    (data_b, note_b), (data_s, note_s) = _read(job.base, "base"), _read(job.suspect, "suspect")
    if job.base is not None and job.suspect is not None and data_b is not None and data_s is not None \
            and job.weight > PARALLEL_BYTES:
        # the two parses at once (the C core drops the GIL); the entities of
        # each side as soon as it is parsed, but one side at a time (two
        # threads of Python at once would only take turns, slower)
        turn = threading.Lock()

        def side(j: FileJob, name: str, data: bytes) -> tuple[FileView | None, str | None]:
            assert j.language is not None
            parsed = parse(languages.get(j.language), data)
            with turn:
                return _view(j, name, data, parsed)

        with concurrent.futures.ThreadPoolExecutor(1) as other:
            later = other.submit(side, job.suspect, "suspect", data_s)
            base, note_b = side(job.base, "base", data_b)
            suspect, note_s = later.result()
        return base, suspect, [n for n in (note_b, note_s) if n]
    base, note_b = _view(job.base, "base", data_b) if note_b is None else (None, note_b)
    suspect, note_s = _view(job.suspect, "suspect", data_s) if note_s is None else (None, note_s)
    return base, suspect, [n for n in (note_b, note_s) if n]


def _first_error(view: FileView) -> int:
    lines = [e.start_line for e in view.entities if e.has_error and e.kind != "file"]
    return min(lines) if lines else 1


def _left(side: int, view: FileView, e: Entity) -> Entity:
    """An entity sent back for matching across the tree, its own hashes
    settled and its tokens sketched."""
    view.settle(e)
    view.digest(e)
    e.side = side
    if e.kind != "file":
        e.bag = view.sketch(e)
    return e


_PAUSE = threading.Lock()
_paused = [0, False]  # pairs under way in this process, whether the collector was on before the first


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic collector off while pairs are diffed (a pair builds tens of
    thousands of entities and tree nodes, none garbage before the end: ~7%
    of a large pair's time), and back as it was when the last one ends
    (pairs in several threads at once counted)."""
    with _PAUSE:
        if _paused[0] == 0:
            _paused[1] = gc.isenabled()
            gc.disable()
        _paused[0] += 1
    try:
        yield
    finally:
        with _PAUSE:
            _paused[0] -= 1
            if _paused[0] == 0 and _paused[1]:
                gc.enable()


def diff_pair(job: PairJob) -> PairResult:
    """Worker: one file pair (or a second-round job: the pairs it names)."""
    with _collector_paused():
        return _diff_pair(job)


def _diff_pair(job: PairJob) -> PairResult:
    base, suspect, notes = _load_both(job)
    hashes = (base.exact if base else None, suspect.exact if suspect else None)
    result = PairResult(Counter(), [], [], hashes, None, notes)
    if (job.base is not None and base is None) or (job.suspect is not None and suspect is None):
        result.status = FileDiffStatus.UNREADABLE
    elif job.pairs is not None:
        for p in job.pairs:
            a = base.entities[p.base] if base is not None and p.base >= 0 else None
            b = suspect.entities[p.suspect] if suspect is not None and p.suspect >= 0 else None
            fd = function_diff(base, a, suspect, b, p.status, p.moved)
            if fd.status in REPORTED or p.moved or a is None or b is None or a.name != b.name:
                result.functions.append(fd)
            else:  # (its changes were respellings: function_diff settled it as layout)
                result.counts[fd.status] += 1
    elif base is None or suspect is None:
        view = base if base is not None else suspect
        assert view is not None
        side = 0 if base is not None else 1
        result.left = [_left(side, view, e) for e in view.entities]
        result.status = FileDiffStatus.REMOVED if side == 0 else FileDiffStatus.ADDED
    elif base.source == suspect.source:
        result.counts[S.UNCHANGED] += len(base.entities)
        result.status = FileDiffStatus.UNCHANGED
    else:
        _compare(base, suspect, result)
    return result


def _compare(base: FileView, suspect: FileView, result: PairResult) -> None:
    """Two versions of one file: their entities paired, each pair reported or
    counted, the rest left for the tree."""
    same_tree = base.exact == suspect.exact and len(base.entities) == len(suspect.entities)
    pairs = {e.index: e.index for e in base.entities} if same_tree else pair_in_file(base, suspect)
    matched_s = set(pairs.values())
    owners = ({e.owner for e in base.entities}, {e.owner for e in suspect.entities})
    for i, j in pairs.items():
        a, b = base.entities[i], suspect.entities[j]
        status = _status(base, a, suspect, b)
        # moved: to another parent, or into another object (not: its object's owner renamed)
        moved = i > 0 and (pairs.get(a.parent) != b.parent or
                           (a.owner != b.owner and (a.owner in owners[1] or b.owner in owners[0])))
        if (moved or a.name != b.name) and status not in REPORTED and (base.has_error or suspect.has_error):
            moved = False  # (what the grammar's repair of a broken region names and nests is no move)
            result.counts[status] += 1
        elif status in REPORTED or moved or a.name != b.name:
            fd = function_diff(base, a, suspect, b, status, moved)
            if fd.status in REPORTED or moved or a.name != b.name:
                result.functions.append(fd)
            else:  # (its changes were respellings: function_diff settled it as layout)
                result.counts[fd.status] += 1
        else:
            result.counts[status] += 1
    result.left = [_left(0, base, e) for e in base.entities if e.index not in pairs] + \
                  [_left(1, suspect, e) for e in suspect.entities if e.index not in matched_s]
    for e in result.left:
        e.file_error = base.has_error or suspect.has_error
    result.status = FileDiffStatus.MODIFIED if result.functions or result.left else FileDiffStatus.LAYOUT


__all__ = ["PairJob", "PairResult", "ScriptPair", "diff_pair", "status_of"]
