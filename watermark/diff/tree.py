"""`watermark diff` over two trees: files paired by path, their entities
compared in worker processes (diff/worker.py); then, on what the workers
left, the tree-wide matchers run in order:

1. files only on one side, by content (equal file hash, else most shared
   entity hashes): renamed or moved files, and their entities by key;
2. entities across the tree by (directory, kind, container, name);
3. by equal `exact`, `renamed` and `skeleton` hash (the last two only where
   the pairing is unique);
4. renamed and edited, within a directory (`pairing.similar`);

what is still left is added or removed. The pairs found are reported by a
second, small round of jobs. docs/diff.md says what each step is for.
"""
from __future__ import annotations

import os
import posixpath
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from .. import languages
from ..core.source import MAX_SOURCE_BYTES
from ..errors import WatermarkError
from ..io.pool import FileJob, Progress, check_jobs, ordered_map
from ..io.select import is_vcs
from ..io.sources import FileSource, Source
from .entities import Entity
from .model import REPORTED, FileDiff, FileDiffStatus, FunctionDiff, Location, TreeDiff
from .model import FunctionStatus as S
from .pairing import similar
from .worker import PairJob, PairResult, ScriptPair, diff_pair, status_of


def diff(base: str | os.PathLike, suspect: str | os.PathLike, *, language: str | None = None,
         jobs: int | None = None, rev: str | None = None, progress: bool | None = None) -> TreeDiff:
    """Compare a copy against the release it came from, function by function.

    `base` and `suspect` are each a directory, a tar / tar.gz / tar.xz /
    tar.bz2 / zip archive, or one file; with `rev`, `base` is a git
    repository and that revision of it is read. Only files in a supported
    language (by extension, or all files as `language`) are compared."""
    jobs = check_jobs(jobs)
    if language is not None:
        language = languages.get(language).name
    started = time.perf_counter()
    with Source.open(base, rev=rev) as bsrc, Source.open(suspect) as ssrc:
        bfiles, sfiles = _align(_code_files(bsrc, language), _code_files(ssrc, language))
        if isinstance(bsrc, FileSource) and isinstance(ssrc, FileSource) and bfiles and sfiles:
            (key, _), = bfiles.items()  # two files: the one against the other, whatever their names
            sfiles = {key: next(iter(sfiles.values()))}
        if not bfiles and not sfiles:
            raise WatermarkError(f"{bsrc.describe}, {ssrc.describe}: no source file to compare (watermark reads "
                                 f"{', '.join(languages.names())})")
        tree = _Tree(bfiles, sfiles)
        _first_round(tree, jobs, progress)
        for got, _tag in ordered_map(diff_pair, ((j, None) for j in tree.match()), jobs):
            assert got is not None
            tree.functions.extend(got.functions)
            tree.counts.update(got.counts)
    return tree.report(bsrc.describe, ssrc.describe, time.perf_counter() - started)


def _first_round(tree: _Tree, jobs: int, progress: bool | None) -> None:
    bar = Progress("diffing", len(tree.paths), enabled=progress)
    try:
        items = ((PairJob(tree.bfiles.get(p), tree.sfiles.get(p)), p) for p in tree.paths)
        for got, p in ordered_map(diff_pair, items, jobs):
            assert got is not None
            tree.add(p, got)
            bar.step((tree.bfiles.get(p) or tree.sfiles[p]).weight)
    finally:
        bar.close()


def _code_files(source: Source, language: str | None) -> dict[str, FileJob]:
    """The source files of a tree in a supported language; generated files
    named as such (`*.min.js`: one-letter names) are not compared."""
    out: dict[str, FileJob] = {}
    for entry in source.entries():
        if entry.kind != "file" or is_vcs(entry.path):
            continue
        known = languages.get(language) if language else languages.for_path(entry.path)
        if known is None or known.generated_path(entry.path):
            continue
        big = entry.size > MAX_SOURCE_BYTES
        data = None if entry.local or big else entry.read()
        out[entry.path] = FileJob(entry.path, known.name, data, entry.local, entry.size)
    return out


def _strip(paths: Iterable[str]) -> dict[str, str]:
    """Paths without their first folder (a file at the top is kept)."""
    return {p.split("/", 1)[1] if "/" in p else p: p for p in paths}


def _align(base: dict[str, FileJob], suspect: dict[str, FileJob]) -> tuple[dict[str, FileJob], dict[str, FileJob]]:
    """Both trees under common paths: a lone top folder on either side (an
    archive's `release/`, a copy unpacked into `copy/`) is dropped when that
    makes more paths meet."""
    best = (len(base.keys() & suspect.keys()), base, suspect)
    for strip_b, strip_s in ((True, False), (False, True), (True, True)):
        b = {k: base[v] for k, v in _strip(base).items()} if strip_b else base
        s = {k: suspect[v] for k, v in _strip(suspect).items()} if strip_s else suspect
        if strip_b and len(b) != len(base) or strip_s and len(s) != len(suspect):
            continue  # stripping would merge two paths
        common = len(b.keys() & s.keys())
        if common > best[0]:
            best = (common, b, s)
    return best[1], best[2]


def _where(f: FunctionDiff) -> Location:
    loc = f.base or f.suspect
    assert loc is not None
    return loc


class _Tree:
    """The tree-wide state between the rounds of jobs. Files are keyed by
    their aligned path; entities and reports carry the real ones."""

    def __init__(self, bfiles: dict[str, FileJob], sfiles: dict[str, FileJob]) -> None:
        self.bfiles, self.sfiles = bfiles, sfiles
        self.paths = sorted(bfiles.keys() | sfiles.keys())
        self.job_of = {(0, j.path): j for j in bfiles.values()} | {(1, j.path): j for j in sfiles.values()}
        self.aligned = {(0, j.path): k for k, j in bfiles.items()} | {(1, j.path): k for k, j in sfiles.items()}
        self.counts: Counter[S] = Counter()
        self.functions: list[FunctionDiff] = []
        self.left: list[Entity] = []
        self.files: dict[str, FileDiff] = {}
        self.hashes: dict[str, tuple[int | None, int | None]] = {}

    def add(self, p: str, got: PairResult) -> None:
        self.counts.update(got.counts)
        self.functions.extend(got.functions)
        self.left.extend(got.left)
        self.hashes[p] = got.file_hashes
        b, s = self.bfiles.get(p), self.sfiles.get(p)
        assert got.status is not None
        self.files[p] = FileDiff(got.status, b.path if b else None, s.path if s else None,
                                 (b or s).language, notes=got.notes)  # type: ignore[union-attr]

    def match(self) -> list[PairJob]:
        """The tree-wide matchers on what the workers left; the jobs that
        report the pairs found (and profile the rest)."""
        m = _Matching(self, _pair_files(self))
        for matcher in TREE_MATCHERS:
            matcher(m)
        return m.jobs()

    def report(self, base: str, suspect: str, seconds: float) -> TreeDiff:
        counts = self.counts
        for f in self.functions:
            counts[f.status] += 1
        reported = [f for f in self.functions if f.status in REPORTED or f.moved]
        reported.sort(key=lambda f: (f.severity, _where(f).path, _where(f).start_line))
        summary = {s.value: counts[s] for s in S if counts[s]}
        files = sorted(self.files.values(), key=lambda f: (f.base or f.suspect or ""))
        return TreeDiff(base, suspect, summary, reported, files, seconds)


def _pair_files(tree: _Tree) -> dict[str, str]:
    """Files only on one side, paired by content: an equal file hash, else
    the most shared entity hashes (at least half of the larger file's).
    Aligned suspect path -> aligned base path; tree.files updated."""
    files, hashes = tree.files, tree.hashes
    only_b = [p for p, f in files.items() if f.status == FileDiffStatus.REMOVED]
    only_s = [p for p, f in files.items() if f.status == FileDiffStatus.ADDED]
    file_pair: dict[str, str] = {}
    by_hash: dict[int | None, list[str]] = defaultdict(list)
    for p in only_b:
        by_hash[hashes[p][0]].append(p)
    rest_s = []
    for p in only_s:
        got = by_hash.get(hashes[p][1])
        if got:
            file_pair[p] = got.pop(0)
        else:
            rest_s.append(p)
    rest_b = [p for p in only_b if p not in set(file_pair.values())]
    if rest_b and rest_s:
        file_pair.update(_files_by_entities(tree, rest_b, rest_s, set(file_pair.values())))
    for sp, bp in file_pair.items():
        fb, fs = files.pop(bp), files.pop(sp)
        status = FileDiffStatus.LAYOUT if hashes[bp][0] == hashes[sp][1] else FileDiffStatus.MODIFIED
        files[sp] = FileDiff(status, fb.base, fs.suspect, fs.language, moved=True, notes=fb.notes + fs.notes)
    return file_pair


def _files_by_entities(tree: _Tree, rest_b: list[str], rest_s: list[str], paired_b: set[str]) -> dict[str, str]:
    left = _left_by_file(tree)
    owner: dict[int, set[str]] = defaultdict(set)
    for p in rest_b:
        for s in left[(0, p)][1:]:
            owner[s.exact].add(p)
    out: dict[str, str] = {}
    for p in rest_s:
        mine = [s.exact for s in left[(1, p)][1:]]
        votes: Counter[str] = Counter()
        for h in mine:
            for q in owner.get(h, ()):
                votes[q] += 1
        for q, n in votes.most_common():
            theirs = len(left[(0, q)]) - 1
            if q not in paired_b and 2 * n >= max(len(mine), theirs, 1):
                out[p] = q
                paired_b.add(q)
                break
    return out


def _left_by_file(tree: _Tree) -> dict[tuple[int, str], list[Entity]]:
    by_file: dict[tuple[int, str], list[Entity]] = defaultdict(list)
    for s in tree.left:
        by_file[(s.side, tree.aligned[(s.side, s.path)])].append(s)
    return by_file


class _Matching:
    """The entities left by the workers, which of them are taken, and the
    pairs found, per file pair."""

    def __init__(self, tree: _Tree, file_pair: dict[str, str]) -> None:
        self.tree, self.file_pair = tree, file_pair
        self.by_file = _left_by_file(tree)
        self.base_left = [s for s in tree.left if s.side == 0]
        self.suspect_left = [s for s in tree.left if s.side == 1]
        self.pending: dict[tuple[str | None, str | None], list[ScriptPair]] = defaultdict(list)
        self.taken: set[tuple[int, str, int]] = set()

    def free(self, s: Entity) -> bool:
        return (s.side, s.path, s.index) not in self.taken

    def dir_of(self, s: Entity) -> str:
        """The directory an entity is matched in: its base file's, for a moved file."""
        p = self.tree.aligned[(s.side, s.path)]
        return posixpath.dirname(self.file_pair.get(p, p) if s.side == 1 else p)

    def free_entities(self, side: int) -> list[Entity]:
        return [s for s in (self.base_left if side == 0 else self.suspect_left) if s.kind != "file" and self.free(s)]

    def take(self, a: Entity, b: Entity, moved: bool) -> None:
        self.taken.add((0, a.path, a.index))
        self.taken.add((1, b.path, b.index))
        if self.tree.aligned[(0, a.path)] == self.tree.aligned[(1, b.path)]:  # one file: moved to another parent?
            moved = a.container != b.container
        status = status_of(a, b)
        if status not in REPORTED and (a.file_error or b.file_error):
            moved = False  # (what the grammar's repair of a broken region names and nests is no move)
        if status in REPORTED or moved:
            self.pending[(a.path, b.path)].append(ScriptPair(a.index, b.index, status, moved))
        else:
            self.tree.counts[status] += 1

    def jobs(self) -> list[PairJob]:
        """What is still free is added or removed; a job per file pair."""
        for s in self.base_left + self.suspect_left:
            if self.free(s):
                if s.side == 0:
                    status = S.UNPARSED if s.file_error else S.REMOVED
                    self.pending[(s.path, None)].append(ScriptPair(s.index, -1, status, False))
                else:
                    status = S.UNPARSED if s.file_error else S.ADDED
                    self.pending[(None, s.path)].append(ScriptPair(-1, s.index, status, False))
        job_of = self.tree.job_of
        return [PairJob(job_of[(0, bp)] if bp is not None else None, job_of[(1, sp)] if sp is not None else None,
                        tuple(v))
                for (bp, sp), v in sorted(self.pending.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or ""))]


def _in_moved_files(m: _Matching) -> None:
    """The entities of content-paired files, by key (moved: the file was)."""
    for sp, bp in m.file_pair.items():
        in_base = {(s.kind, s.container, s.name, s.occurrence): s for s in m.by_file[(0, bp)]}
        for s in m.by_file[(1, sp)]:
            a = in_base.get((s.kind, s.container, s.name, s.occurrence))
            if a is not None and m.free(a) and m.free(s):
                m.take(a, s, True)


def _by_key(m: _Matching) -> None:
    """Across the tree: the same (directory, kind, container, name)."""
    keyed: dict[tuple[str, str, str | None, str], list[Entity]] = defaultdict(list)
    for s in m.free_entities(0):
        keyed[(m.dir_of(s), s.kind, s.container, s.name)].append(s)
    for s in m.free_entities(1):
        same_key = keyed.get((m.dir_of(s), s.kind, s.container, s.name))
        while same_key:
            a = same_key.pop(0)
            if m.free(a):
                m.take(a, s, True)
                break


def _by_hash(m: _Matching) -> None:
    """Across the tree: the same exact hash; the same renamed or skeleton
    hash where only one entity on each side has it."""
    for level, unique in (("exact", False), ("renamed", True), ("skeleton", True)):
        mine_by: dict[int, list[Entity]] = defaultdict(list)
        for s in m.free_entities(0):
            mine_by[getattr(s, level)].append(s)
        theirs_by: dict[int, list[Entity]] = defaultdict(list)
        for s in m.free_entities(1):
            theirs_by[getattr(s, level)].append(s)
        for h, group in theirs_by.items():
            mine = mine_by.get(h)
            if not mine or (unique and (len(mine) != 1 or len(group) != 1)):
                continue
            for a, b in zip(mine, group):
                m.take(a, b, True)


def _by_similarity(m: _Matching) -> None:
    """Renamed and edited, moved to another file of its directory: the most
    similar (mutual best)."""
    rest_by_dir: dict[str, tuple[list[Entity], list[Entity]]] = defaultdict(lambda: ([], []))
    for side in (0, 1):
        for s in m.free_entities(side):
            rest_by_dir[m.dir_of(s)][side].append(s)
    for mine, theirs in rest_by_dir.values():
        for a, b in similar(mine, theirs):
            m.take(a, b, True)


TREE_MATCHERS: tuple[Callable[[_Matching], None], ...] = (_in_moved_files, _by_key, _by_hash, _by_similarity)

__all__ = ["TREE_MATCHERS", "diff"]
