"""`watermark diff`: which functions of a copy differ from a release, and how.

Matching runs cheapest first, on the hashes the C core computes anyway:

1. files by path (a lone top folder on one side, e.g. an archive's, is
   aligned away), in worker processes, one job per file pair: both sides
   are fingerprinted with event spans; equal file hashes settle every
   entity at once; otherwise entities are paired top-down from the file
   scopes, among the siblings of each pair (`_pair_siblings`: the same name
   and code, the same code renamed, the same name, then by content), and
   each pair that changed gets its edit script there, while its events are
   at hand;
2. files left over on both sides, by content (equal file hash, else most
   shared entity hashes): renamed or moved files;
3. entities left over, across the tree: by (directory, container, name),
   then equal `exact`, `renamed`, and `skeleton` hash (the last two only
   where the pairing is unique), then renamed and edited (`similar`);
   their scripts are made by a second, small round of jobs;
4. what is still left is added or removed.

A nested entity's placeholder is never a change of its parent (the entity
is reported as itself), and docs/diff.md says what each step is for.
"""
from __future__ import annotations

import concurrent.futures
import os
import posixpath
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import languages
from ..core.source import MAX_SOURCE_BYTES
from ..errors import WatermarkError
from ..workflow.pool import FileJob, Progress, check_jobs, ordered_map
from ..workflow.trees import FileSource, Source, is_vcs
from . import classes as _classes
from .entities import Entity, FileView
from .script import edit_script

STATUSES = ("unchanged", "layout", "renamed", "literal", "modified", "added", "removed")
REPORTED = frozenset(STATUSES[2:])
MAX_CHANGES = 200  # actions kept per function (the classes still see all of them)


# ---- results ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Location:
    path: str
    start_line: int
    end_line: int

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "start_line": self.start_line, "end_line": self.end_line}


@dataclass(frozen=True)
class Snippet:
    """Source lines shown for one side of a change: `lines` from line
    `first` on; `mark` (row in lines, start column, end column) is what
    changed, for an update."""

    lines: tuple[str, ...] = ()
    first: int = 0
    mark: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Change:
    """One action of an edit script, with the lines it names (the node's
    whole span) and, for the human report, the lines to show on each side:
    the node's first lines, or for an update of a long literal, the lines
    around what changed in it."""

    op: str
    node: str
    base_lines: tuple[int, int] | None
    suspect_lines: tuple[int, int] | None
    base_text: Snippet = Snippet()
    suspect_text: Snippet = Snippet()

    def as_json(self) -> dict[str, Any]:
        return {"op": self.op, "node": self.node,
                "base_lines": list(self.base_lines) if self.base_lines else None,
                "suspect_lines": list(self.suspect_lines) if self.suspect_lines else None}

@dataclass
class FunctionDiff:
    """One function / method / type / class that is not the same."""

    status: str
    moved: bool
    kind: str
    name: str
    base: Location | None
    suspect: Location | None
    sites: list[_classes.Site] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    signature: dict[str, Any] = field(default_factory=dict)
    capped: bool = False
    more_changes: int = 0  # actions beyond MAX_CHANGES, not listed
    suspect_name: str | None = None  # its name in the suspect, where its own name changed

    @property
    def classes(self) -> list[str]:
        seen = {s.cls for s in self.sites}
        return [c for c in _classes.CLASSES if c in seen]

    @property
    def severity(self) -> int:
        ranks = [_classes.SEVERITY[c] for c in self.classes]
        status_rank = {"modified": 0, "literal": 1, "renamed": 2, "removed": 3, "added": 4}.get(self.status, 5)
        return min(ranks) if ranks else len(_classes.CLASSES) + status_rank

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status, "moved": self.moved, "kind": self.kind, "name": self.name,
            "base": self.base.as_json() if self.base else None,
            "suspect": self.suspect.as_json() if self.suspect else None,
            "classes": self.classes,
            "class_sites": [{"class": s.cls, "base_lines": list(s.base_lines) if s.base_lines else None,
                             "suspect_lines": list(s.suspect_lines) if s.suspect_lines else None}
                            for s in self.sites],
            "changes": [c.as_json() for c in self.changes],
            "more_changes": self.more_changes,
            "signature": self.signature, "capped": self.capped, "suspect_name": self.suspect_name,
        }


@dataclass
class FileDiff:
    status: str  # unchanged, layout, modified, added, removed, unreadable
    base: str | None
    suspect: str | None
    language: str | None
    moved: bool = False
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "moved": self.moved, "language": self.language, "base": self.base,
                "suspect": self.suspect, "notes": self.notes}


@dataclass
class TreeDiff:
    """What `watermark.diff` found. `functions`: every function that is not
    unchanged / layout in place, most severe first; `summary`: how many
    functions (and file scopes) have each status; `changed`: anything beyond
    layout, or a file that could not be compared (the CLI's exit status 1)."""

    base: str
    suspect: str
    summary: dict[str, int]
    functions: list[FunctionDiff]
    files: list[FileDiff]
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.functions) or any(f.status == "unreadable" for f in self.files)

    def only(self, wanted: Iterable[str]) -> list[FunctionDiff]:
        """The functions with at least one of these classes (or statuses)."""
        want = set(wanted)
        return [f for f in self.functions if want & set(f.classes) or f.status in want]

    def as_json(self) -> dict[str, Any]:
        return {"base": self.base, "suspect": self.suspect, "summary": self.summary,
                "functions": [f.as_json() for f in self.functions], "files": [f.as_json() for f in self.files],
                "seconds": round(self.seconds, 3)}


# ---- jobs ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PairJob:
    """A file pair (either side may be missing) for a worker. `pairs`: the
    entity pairs to script, as (base index, suspect index, status, moved),
    -1 for a missing side (an added / removed entity: only its profile);
    None: match the two files' entities in the worker."""

    base: FileJob | None
    suspect: FileJob | None
    pairs: tuple[tuple[int, int, str, bool], ...] | None = None

    @property
    def weight(self) -> int:
        return sum(j.weight for j in (self.base, self.suspect) if j is not None)


@dataclass
class PairResult:
    counts: Counter[str]
    functions: list[FunctionDiff]
    left: list[Entity]  # entities still to match
    file_hashes: tuple[int | None, int | None]  # exact hash of each side's file
    status: str
    notes: list[str]


def _load(job: FileJob | None, side: str) -> tuple[FileView | None, str | None]:
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
    assert job.language is not None
    view = FileView(job.path, job.language, data)
    return view, (f"{side}: syntax errors (first at line {_first_error(view)}); diffed where it parses"
                  if view.has_error else None)


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


def status_of(a: Entity, b: Entity) -> str:
    if a.exact == b.exact:
        return "unchanged" if a.digest == b.digest else "layout"
    if a.renamed == b.renamed:
        return "renamed"
    if a.skeleton == b.skeleton:
        return "literal"
    return "modified"


def _status(base: FileView, a: Entity, suspect: FileView, b: Entity) -> str:
    """status_of, settling own hashes only when the whole subtrees differ."""
    if a.full_exact == b.full_exact:  # the same subtree: the same own body
        return "unchanged" if base.own_bytes(a) == suspect.own_bytes(b) else "layout"
    status = status_of(base.settle(a), suspect.settle(b))
    if status in ("unchanged", "layout"):  # (own code alike, nested entities not)
        return "unchanged" if base.own_bytes(a) == suspect.own_bytes(b) else "layout"
    return status


PARALLEL_BYTES = 1 << 20  # a pair this large parses its two sides at once (the C core drops the GIL)


def diff_pair(job: PairJob) -> PairResult:
    """Worker: one file pair. See the module's docstring, step 1."""
    if job.base is not None and job.suspect is not None and job.weight > PARALLEL_BYTES:
        with concurrent.futures.ThreadPoolExecutor(1) as other:
            later = other.submit(_load, job.suspect, "suspect")
            base, note_b = _load(job.base, "base")
            suspect, note_s = later.result()
    else:
        base, note_b = _load(job.base, "base")
        suspect, note_s = _load(job.suspect, "suspect")
    notes = [n for n in (note_b, note_s) if n]
    hashes = (base.exact if base else None, suspect.exact if suspect else None)
    counts: Counter[str] = Counter()
    functions: list[FunctionDiff] = []
    left: list[Entity] = []
    if (job.base is not None and base is None) or (job.suspect is not None and suspect is None):
        return PairResult(counts, functions, left, hashes, "unreadable", notes)
    if job.pairs is not None:
        for i, j, status, moved in job.pairs:
            a = base.entities[i] if base is not None and i >= 0 else None
            b = suspect.entities[j] if suspect is not None and j >= 0 else None
            functions.append(function_diff(base, a, suspect, b, status, moved))
        return PairResult(counts, functions, left, hashes, "", notes)
    if base is None or suspect is None:
        view = base if base is not None else suspect
        assert view is not None
        side = 0 if base is not None else 1
        left = [_left(side, view, e) for e in view.entities]
        return PairResult(counts, functions, left, hashes, "removed" if side == 0 else "added", notes)
    if base.source == suspect.source:
        counts["unchanged"] += len(base.entities)
        return PairResult(counts, functions, left, hashes, "unchanged", notes)
    same_tree = base.exact == suspect.exact and len(base.entities) == len(suspect.entities)
    pairs = {e.index: e.index for e in base.entities} if same_tree else _pair_in_file(base, suspect)
    matched_b = set(pairs)
    matched_s = set(pairs.values())
    owners = ({e.owner for e in base.entities}, {e.owner for e in suspect.entities})
    for i, j in pairs.items():
        a, b = base.entities[i], suspect.entities[j]
        status = _status(base, a, suspect, b)
        # moved: to another parent, or into another object (not: its object's owner renamed)
        moved = i > 0 and (pairs.get(a.parent) != b.parent or
                           (a.owner != b.owner and (a.owner in owners[1] or b.owner in owners[0])))
        if status in REPORTED or moved or a.name != b.name:
            functions.append(function_diff(base, a, suspect, b, status, moved))
        else:
            counts[status] += 1
    left = [_left(0, base, e) for e in base.entities if e.index not in matched_b] + \
           [_left(1, suspect, e) for e in suspect.entities if e.index not in matched_s]
    return PairResult(counts, functions, left, hashes, "modified" if functions or left else "layout", notes)


SIMILAR = 0.5  # share of their own distinct tokens two leftovers need to be one entity, renamed and edited
SIMILAR_TOKENS = 12  # ... and that many tokens each (short functions look alike)
CONTAINED = 0.8  # a leftover holding this share of another's tokens holds it: several in one are a merge


def _pair_in_file(base: FileView, suspect: FileView) -> dict[int, int]:
    """Entities of two versions of one file, top-down from the file scopes:
    the entities directly inside each pair are paired among themselves
    (`_pair_siblings`); then the entities whose parent is paired but that
    found no partner under it are paired across parents (a member moved to
    another class or object), and their subtrees again top-down."""
    a, b = base.entities, suspect.entities
    pairs = {0: 0}  # base index -> suspect index; the file scopes first

    def descend(start: list[tuple[int, int]]) -> None:
        todo = list(start)
        while todo:
            i, j = todo.pop()
            mine, theirs = a[i].nested, b[j].nested
            if not mine or not theirs:
                continue
            if i and a[i].full_exact == b[j].full_exact and len(mine) == len(theirs):
                got = list(zip(mine, theirs))  # one subtree: its entities in order
            else:
                got = _pair_siblings(base, [a[k] for k in mine], suspect, [b[k] for k in theirs])
            pairs.update(got)
            todo += got

    descend([(0, 0)])
    taken = set(pairs.values())
    orphans_a = [e for e in a[1:] if e.index not in pairs and e.parent in pairs]
    orphans_b = [e for e in b[1:] if e.index not in taken and any(pairs[p] == e.parent for p in pairs)]
    if orphans_a and orphans_b:
        got = _pair_siblings(base, orphans_a, suspect, orphans_b)
        pairs.update(got)
        descend(got)
    return pairs


RENAMED_EVENTS = 16  # an entity needs this many own events to be paired with another name by its code alone


def _pair_siblings(base: FileView, xs: list[Entity], suspect: FileView, ys: list[Entity]) -> list[tuple[int, int]]:
    """Pairs among the entities of one parent (or the leftovers of a file),
    most certain first:
    1. the same name among siblings (kind, owner, name) and the same code;
    2. the same code up to a consistent renaming, under any name (a
       bundler's renumbered helpers, a rename), in order where several are
       alike;
    3. the same name, where it is unique on both sides (edited in place);
       where several share a name, in order, then by content;
    4. what is left: the same code under another owner (moved between
       objects), then the one similar enough (renamed and edited)."""
    out: list[tuple[Entity, Entity]] = []

    def pair(key: Callable[[Entity], Any], xs: list[Entity], ys: list[Entity]) -> tuple[list[Entity], list[Entity]]:
        """Pairs within each group of entities alike by `key`, in order; what
        is left on each side, in order."""
        mine: dict[Any, list[Entity]] = defaultdict(list)
        for x in xs:
            mine[key(x)].append(x)
        theirs: dict[Any, list[Entity]] = defaultdict(list)
        for y in ys:
            theirs[key(y)].append(y)
        left_x: list[Entity] = []
        for k, group in mine.items():
            other = theirs.pop(k, None)
            if other is None:
                left_x += group
                continue
            n = min(len(group), len(other))
            out.extend(zip(group[:n], other[:n]))
            left_x += group[n:]
            if n < len(other):
                theirs[k] = other[n:]
        left_y = [y for group in theirs.values() for y in group]
        left_x.sort(key=_order)
        left_y.sort(key=_order)
        return left_x, left_y

    if not xs or not ys:
        return []
    rx, ry = pair(lambda e: (e.kind, e.owner, e.name, e.full_exact), xs, ys)
    if rx and ry:
        for e in rx:
            base.settle(e)
        for e in ry:
            suspect.settle(e)
        rx, ry = pair(lambda e: (e.kind, e.owner, e.renamed) if e.ev_end - e.ev_begin >= RENAMED_EVENTS else id(e),
                      rx, ry)
    if rx and ry:
        named_y: dict[Any, list[Entity]] = defaultdict(list)
        for y in ry:
            named_y[y.local_key].append(y)
        named_x: dict[Any, list[Entity]] = defaultdict(list)
        for x in rx:
            named_x[x.local_key].append(x)
        done: set[int] = set()
        for key, group in named_x.items():
            theirs = named_y.get(key)
            if not theirs:
                continue
            got = [(group[0], theirs[0])] if len(group) == 1 and len(theirs) == 1 else \
                _by_content(base, group, suspect, theirs)
            out.extend(got)
            done.update(id(e) for p in got for e in p)
        rx, ry = [x for x in rx if id(x) not in done], [y for y in ry if id(y) not in done]
    if rx and ry:
        rx, ry = pair(lambda e: (e.kind, e.full_exact), rx, ry)
        out.extend(_by_content(base, rx, suspect, ry))
    return [(x.index, y.index) for x, y in out]


def _order(e: Entity) -> int:
    return e.index


def _by_content(base: FileView, xs: list[Entity], suspect: FileView, ys: list[Entity]) -> list[tuple[Entity, Entity]]:
    """Pairs among leftovers by what they hold: the same own code at the
    exact, renamed or skeleton level (where that is unique), one on each
    side of one name, then the one similar enough (`similar`)."""
    if not xs or not ys:
        return []
    for e in xs:
        base.settle(e)
    for e in ys:
        suspect.settle(e)
    out: list[tuple[Entity, Entity]] = []
    for level in ("exact", "renamed", "skeleton"):
        mine: dict[tuple[str, int], list[Entity]] = defaultdict(list)
        theirs: dict[tuple[str, int], list[Entity]] = defaultdict(list)
        for x in xs:
            mine[(x.kind, getattr(x, level))].append(x)
        for y in ys:
            theirs[(y.kind, getattr(y, level))].append(y)
        for h, group in mine.items():
            other = theirs.get(h)
            if other and len(group) == 1 and len(other) == 1:
                out.append((group[0], other[0]))
        done = {id(e) for p in out for e in p}
        xs = [x for x in xs if id(x) not in done]
        ys = [y for y in ys if id(y) not in done]
    if len(xs) == 1 and len(ys) == 1 and xs[0].local_key == ys[0].local_key:
        return out + [(xs[0], ys[0])]
    if xs and ys:
        for x in xs:
            x.bag = base.sketch(x)
        for y in ys:
            y.bag = suspect.sketch(y)
        out += similar(xs, ys)
    return out


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def similar(xs: list[Entity], ys: list[Entity], least: float = SIMILAR) -> list[tuple[Entity, Entity]]:
    """Leftovers that are one entity renamed and edited: the same kind,
    enough tokens, and sharing at least `least` of their distinct own
    tokens with each other and with nothing else left (three functions
    merged into one pair with none of them)."""
    xs = [x for x in xs if len(x.bag) >= SIMILAR_TOKENS]
    ys = [y for y in ys if len(y.bag) >= SIMILAR_TOKENS]
    if not xs or not ys or len(xs) * len(ys) > MAX_SIMILAR_PAIRS:
        return []
    close_x: dict[int, list[int]] = defaultdict(list)
    close_y: dict[int, list[int]] = defaultdict(list)
    inside_x: Counter[int] = Counter()  # how many leftovers of the other side lie mostly inside each
    inside_y: Counter[int] = Counter()
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            if x.kind != y.kind:
                continue
            common = len(x.bag & y.bag)
            if common >= least * len(x.bag | y.bag):
                close_x[i].append(j)
                close_y[j].append(i)
            inside_y[j] += common >= CONTAINED * len(x.bag)
            inside_x[i] += common >= CONTAINED * len(y.bag)
    return [(xs[i], ys[js[0]]) for i, js in close_x.items()
            if len(js) == 1 and close_y[js[0]] == [i] and inside_y[js[0]] <= 1 and inside_x[i] <= 1]


MAX_SIMILAR_PAIRS = 250_000  # leftovers compared pairwise at most (500 x 500)


def function_diff(base: FileView | None, a: Entity | None, suspect: FileView | None, b: Entity | None,
                  status: str, moved: bool) -> FunctionDiff:
    """The report on one entity pair (or one added / removed entity)."""
    one = a if a is not None else b
    assert one is not None
    if base is not None and a is not None:
        base.settle(a)
    if suspect is not None and b is not None:
        suspect.settle(b)
    fd = FunctionDiff(status, moved, one.kind, one.display,
                      Location(base.path, a.start_line, a.end_line) if base is not None and a is not None else None,
                      Location(suspect.path, b.start_line, b.end_line) if suspect is not None and b is not None
                      else None, suspect_name=b.display if a is not None and b is not None and a.name != b.name
                      else None)
    signature: dict[str, Any] = {}
    if a is None or b is None:
        view, e = (base, a) if a is not None else (suspect, b)
        assert view is not None and e is not None
        side = "base" if a is not None else "suspect"
        signature[side] = {"skeleton": f"{e.skeleton:016x}", **_classes.profile(view.tree(e), view.language)}
        fd.signature = signature
        return fd
    assert base is not None and suspect is not None
    t1, t2 = base.tree(a), suspect.tree(b)
    script = edit_script(t1, t2)
    # a nested entity's placeholder inserted, deleted, renamed or moved is
    # that entity's own report (added, removed, renamed, moved), not its parent's
    own = [x for x in script.actions if x.node.entity < 0]
    classifier = _classes.Classifier(base.language, base, suspect, t1, t2)
    fd.sites = classifier.classify(own)
    fd.capped = script.capped
    actions = sorted(own, key=lambda x: (x.new.start if x.new is not None else x.node.start, x.op))
    fd.more_changes = max(0, len(actions) - MAX_CHANGES)
    fd.changes = [_change(base, suspect, x) for x in actions[:MAX_CHANGES]]
    fd.signature = {"base": {"skeleton": f"{a.skeleton:016x}", **_classes.profile(t1, base.language)},
                    "suspect": {"skeleton": f"{b.skeleton:016x}", **_classes.profile(t2, suspect.language)}}
    return fd


SNIPPET_LINES = 4  # lines shown of a node
CONTEXT = 1  # lines of context around what changed inside a long literal
LONG_TOKEN = 120  # an updated token longer than this (or over lines) is shown where it changed


def _snippet(view: FileView, start: int, end: int, mark: bool = False, limit: int = SNIPPET_LINES,
             context: int = 0) -> Snippet:
    """The lines holding [start, end) (at most `limit`, after `context` lines
    before), marking [start, end) on its first line when `mark`."""
    src = view.source
    line_start = src.rfind(b"\n", 0, start) + 1
    for _ in range(context):
        if line_start == 0:
            break
        line_start = src.rfind(b"\n", 0, line_start - 1) + 1
    line_end = src.find(b"\n", max(start, end - 1))
    for _ in range(context):
        if line_end < 0:
            break
        line_end = src.find(b"\n", line_end + 1)
    if line_end < 0:
        line_end = len(src)
    text = [t.rstrip("\r") for t in src[line_start:line_end].decode("utf-8", "replace").split("\n")][:limit]
    first = view.line_of(line_start)
    found = None
    if mark:
        row = view.line_of(start) - first
        row_start = src.rfind(b"\n", 0, start) + 1
        column = len(src[row_start:start].decode("utf-8", "replace"))
        stop = src.find(b"\n", start, end)
        width = len(src[start:end if stop < 0 else stop].decode("utf-8", "replace"))
        if row < len(text):
            found = (row, column, column + width)
    return Snippet(tuple(text), first, found)


def _changed_span(a: bytes, b: bytes) -> tuple[int, int]:
    """Where `a` and `b` differ: the length of their common prefix, and of
    their common suffix (not overlapping it), on UTF-8 character bounds."""
    def inside(x: bytes, at: int) -> bool:  # a UTF-8 continuation byte: inside a character
        return at < len(x) and (x[at] & 0xC0) == 0x80

    n = min(len(a), len(b))
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    while p > 0 and (inside(a, p) or inside(b, p)):
        p -= 1
    q = 0
    while q < n - p and a[-1 - q] == b[-1 - q]:
        q += 1
    while q > 0 and (inside(a, len(a) - q) or inside(b, len(b) - q)):
        q -= 1
    return p, q


def _update_snippets(base: FileView, old: Any, suspect: FileView, new: Any) -> tuple[Snippet, Snippet]:
    """Both sides of an update: the whole token marked, or for a long token
    (a raw string, a template), the lines around what changed in it."""
    a, b = base.source[old.start:old.end], suspect.source[new.start:new.end]
    if len(a) <= LONG_TOKEN and len(b) <= LONG_TOKEN and b"\n" not in a and b"\n" not in b:
        return _snippet(base, old.start, old.end, mark=True), _snippet(suspect, new.start, new.end, mark=True)
    p, q = _changed_span(a, b)
    return (_snippet(base, old.start + p, old.end - q, mark=True, context=CONTEXT),
            _snippet(suspect, new.start + p, new.end - q, mark=True, context=CONTEXT))


def _change(base: FileView, suspect: FileView, x: Any) -> Change:
    old, new = x.old, x.new
    if x.op == "update":
        bt, st = _update_snippets(base, old, suspect, new)
    else:
        bt = _snippet(base, old.start, old.end) if old is not None else Snippet()
        st = _snippet(suspect, new.start, new.end) if new is not None else Snippet()
    node = (new if old is None else old).kind
    if node == "token":
        node = str((new if old is None else old).label)
    return Change(x.op, node, base.lines_of(old.start, old.end) if old is not None else None,
                  suspect.lines_of(new.start, new.end) if new is not None else None, bt, st)


# ---- the tree --------------------------------------------------------------------------

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
        lang = known.name
        big = entry.size > MAX_SOURCE_BYTES
        data = None if entry.local or big else entry.read()
        out[entry.path] = FileJob(entry.path, lang, data, entry.local, entry.size)
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
        bar = Progress("diffing", len(tree.paths), enabled=progress)
        try:
            items = ((PairJob(bfiles.get(p), sfiles.get(p)), p) for p in tree.paths)
            for got, p in ordered_map(diff_pair, items, jobs):
                assert got is not None
                tree.add(p, got)
                bar.step((bfiles.get(p) or sfiles[p]).weight)
        finally:
            bar.close()
        later = tree.match()
        if later:
            for got, _tag in ordered_map(diff_pair, ((j, None) for j in later), jobs):
                assert got is not None
                tree.functions.extend(got.functions)
    counts = tree.counts
    for f in tree.functions:
        counts[f.status] += 1
    reported = [f for f in tree.functions if f.status in REPORTED or f.moved]
    reported.sort(key=lambda f: (f.severity, _where(f).path, _where(f).start_line))
    summary = {s: counts[s] for s in STATUSES if counts[s]}
    file_list = sorted(tree.files.values(), key=lambda f: (f.base or f.suspect or ""))
    return TreeDiff(bsrc.describe, ssrc.describe, summary, reported, file_list, time.perf_counter() - started)


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
        self.counts: Counter[str] = Counter()
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
        self.files[p] = FileDiff(got.status, b.path if b else None, s.path if s else None,
                                 (b or s).language, notes=got.notes)  # type: ignore[union-attr]

    def match(self) -> list[PairJob]:
        """Steps 2-4 of the module docstring on what the workers left; returns
        the jobs that script the pairs found (and profile the rest)."""
        files, hashes = self.files, self.hashes
        by_file: dict[tuple[int, str], list[Entity]] = defaultdict(list)
        for s in self.left:
            by_file[(s.side, self.aligned[(s.side, s.path)])].append(s)
        # 2. files only on one side, paired by content
        only_b = [p for p, f in files.items() if f.status == "removed"]
        only_s = [p for p, f in files.items() if f.status == "added"]
        file_pair: dict[str, str] = {}  # aligned suspect path -> aligned base path
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
        paired_b = set(file_pair.values())
        rest_b = [p for p in only_b if p not in paired_b]
        if rest_b and rest_s:
            owner: dict[int, set[str]] = defaultdict(set)
            for p in rest_b:
                for s in by_file[(0, p)][1:]:
                    owner[s.exact].add(p)
            for p in rest_s:
                mine = [s.exact for s in by_file[(1, p)][1:]]
                votes: Counter[str] = Counter()
                for h in mine:
                    for q in owner.get(h, ()):
                        votes[q] += 1
                for q, n in votes.most_common():
                    theirs = len(by_file[(0, q)]) - 1
                    if q not in paired_b and 2 * n >= max(len(mine), theirs, 1):
                        file_pair[p] = q
                        paired_b.add(q)
                        break
        for sp, bp in file_pair.items():
            fb, fs = files.pop(bp), files.pop(sp)
            status = "layout" if hashes[bp][0] == hashes[sp][1] else "modified"
            files[sp] = FileDiff(status, fb.base, fs.suspect, fs.language, moved=True, notes=fb.notes + fs.notes)
        # the directory an entity is matched in: its base file's, for a moved file
        def dir_of(s: Entity) -> str:
            p = self.aligned[(s.side, s.path)]
            return posixpath.dirname(file_pair.get(p, p) if s.side == 1 else p)

        pending: dict[tuple[str | None, str | None], list[tuple[int, int, str, bool]]] = defaultdict(list)
        taken: set[tuple[int, str, int]] = set()

        def free(s: Entity) -> bool:
            return (s.side, s.path, s.index) not in taken

        def take(a: Entity, b: Entity, moved: bool) -> None:
            taken.add((0, a.path, a.index))
            taken.add((1, b.path, b.index))
            if self.aligned[(0, a.path)] == self.aligned[(1, b.path)]:  # one file: moved to another parent?
                moved = a.container != b.container
            status = status_of(a, b)
            if status in REPORTED or moved:
                pending[(a.path, b.path)].append((a.index, b.index, status, moved))
            else:
                self.counts[status] += 1

        base_left = [s for s in self.left if s.side == 0]
        suspect_left = [s for s in self.left if s.side == 1]
        # content-paired files: their file scopes and entities by key (moved: the file was)
        for sp, bp in file_pair.items():
            in_base = {(s.kind, s.container, s.name, s.occurrence): s for s in by_file[(0, bp)]}
            for s in by_file[(1, sp)]:
                a = in_base.get((s.kind, s.container, s.name, s.occurrence))
                if a is not None and free(a) and free(s):
                    take(a, s, True)
        # 3. across the tree: (directory, kind, container, name), then hashes
        keyed: dict[tuple[str, str, str | None, str], list[Entity]] = defaultdict(list)
        for s in base_left:
            if s.kind != "file" and free(s):
                keyed[(dir_of(s), s.kind, s.container, s.name)].append(s)
        for s in suspect_left:
            if s.kind == "file" or not free(s):
                continue
            same_key = keyed.get((dir_of(s), s.kind, s.container, s.name))
            while same_key:
                a = same_key.pop(0)
                if free(a):
                    take(a, s, True)
                    break
        for level, unique in (("exact", False), ("renamed", True), ("skeleton", True)):
            mine_by: dict[int, list[Entity]] = defaultdict(list)
            for s in base_left:
                if s.kind != "file" and free(s):
                    mine_by[getattr(s, level)].append(s)
            theirs_by: dict[int, list[Entity]] = defaultdict(list)
            for s in suspect_left:
                if s.kind != "file" and free(s):
                    theirs_by[getattr(s, level)].append(s)
            for h, group in theirs_by.items():
                mine_l = mine_by.get(h)
                if not mine_l or (unique and (len(mine_l) != 1 or len(group) != 1)):
                    continue
                for a, b in zip(mine_l, group):
                    take(a, b, True)
        # renamed and edited, moved to another file of its directory: the most similar (mutual best)
        rest_by_dir: dict[str, tuple[list[Entity], list[Entity]]] = defaultdict(lambda: ([], []))
        for s in base_left + suspect_left:
            if s.kind != "file" and free(s):
                rest_by_dir[dir_of(s)][s.side].append(s)
        for mine_l, theirs_l in rest_by_dir.values():
            for a, b in similar(mine_l, theirs_l):
                take(a, b, True)
        # 4. the rest: added / removed (a job each, for their profiles)
        for s in base_left + suspect_left:
            if free(s):
                if s.side == 0:
                    pending[(s.path, None)].append((s.index, -1, "removed", False))
                else:
                    pending[(None, s.path)].append((-1, s.index, "added", False))
        return [PairJob(self.job_of[(0, bp)] if bp is not None else None,
                        self.job_of[(1, sp)] if sp is not None else None, tuple(v))
                for (bp, sp), v in sorted(pending.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or ""))]
