"""Pairing the entities of two versions of one file, top-down from the file
scopes: the entities directly inside each pair are paired among themselves
by the sibling matchers, run in order, most certain first; entities whose
parent is paired but that found no partner under it are paired across
parents (a member moved to another class or object)."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .entities import Entity, FileView

SIMILAR = 0.5  # share of their own distinct tokens two leftovers need to be one entity, renamed and edited
SIMILAR_TOKENS = 12  # ... and that many tokens each (short functions look alike)
CONTAINED = 0.8  # a leftover holding this share of another's tokens holds it: several in one are a merge
MAX_SIMILAR_PAIRS = 250_000  # leftovers compared pairwise at most (500 x 500)
RENAMED_EVENTS = 16  # an entity needs this many own events to be paired with another name by its code alone

Pairs = list[tuple[Entity, Entity]]


def pair_in_file(base: FileView, suspect: FileView) -> dict[int, int]:
    """Base entity index -> suspect entity index, for two versions of one file."""
    a, b = base.entities, suspect.entities
    pairs = {0: 0}  # the file scopes first

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
                got = pair_siblings(base, [a[k] for k in mine], suspect, [b[k] for k in theirs])
            pairs.update(got)
            todo += got

    descend([(0, 0)])
    taken = set(pairs.values())
    orphans_a = [e for e in a[1:] if e.index not in pairs and e.parent in pairs]
    orphans_b = [e for e in b[1:] if e.index not in taken and any(pairs[p] == e.parent for p in pairs)]
    if orphans_a and orphans_b:
        got = pair_siblings(base, orphans_a, suspect, orphans_b)
        pairs.update(got)
        descend(got)
    return pairs


@dataclass
class _Siblings:
    """The pairs found so far among one parent's entities."""

    base: FileView
    suspect: FileView
    out: Pairs = field(default_factory=list)

    def pair(self, key: Callable[[Entity], Any], xs: list[Entity], ys: list[Entity]) -> tuple[list[Entity],
                                                                                              list[Entity]]:
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
            self.out.extend(zip(group[:n], other[:n]))
            left_x += group[n:]
            if n < len(other):
                theirs[k] = other[n:]
        left_y = [y for group in theirs.values() for y in group]
        left_x.sort(key=_order)
        left_y.sort(key=_order)
        return left_x, left_y


Matcher = Callable[[_Siblings, list[Entity], list[Entity]], tuple[list[Entity], list[Entity]]]


def _same_name_and_code(s: _Siblings, xs: list[Entity], ys: list[Entity]) -> tuple[list[Entity], list[Entity]]:
    """The same name among siblings (kind, owner, name) and the same code."""
    return s.pair(lambda e: (e.kind, e.owner, e.name, e.full_exact), xs, ys)


def _same_code_renamed(s: _Siblings, xs: list[Entity], ys: list[Entity]) -> tuple[list[Entity], list[Entity]]:
    """The same code up to a consistent renaming, under any name (a bundler's
    renumbered helpers, a rename), in order where several are alike."""
    for e in xs:
        s.base.settle(e)
    for e in ys:
        s.suspect.settle(e)
    return s.pair(lambda e: (e.kind, e.owner, e.renamed) if e.ev_end - e.ev_begin >= RENAMED_EVENTS else id(e),
                  xs, ys)


def _same_name(s: _Siblings, xs: list[Entity], ys: list[Entity]) -> tuple[list[Entity], list[Entity]]:
    """The same name, where it is unique on both sides (edited in place);
    where several share a name, by content."""
    named_y: dict[Any, list[Entity]] = defaultdict(list)
    for y in ys:
        named_y[y.local_key].append(y)
    named_x: dict[Any, list[Entity]] = defaultdict(list)
    for x in xs:
        named_x[x.local_key].append(x)
    done: set[int] = set()
    for key, group in named_x.items():
        theirs = named_y.get(key)
        if not theirs:
            continue
        got = [(group[0], theirs[0])] if len(group) == 1 and len(theirs) == 1 else \
            by_content(s.base, group, s.suspect, theirs)
        s.out.extend(got)
        done.update(id(e) for p in got for e in p)
    return [x for x in xs if id(x) not in done], [y for y in ys if id(y) not in done]


def _same_code_elsewhere(s: _Siblings, xs: list[Entity], ys: list[Entity]) -> tuple[list[Entity], list[Entity]]:
    """The same code under another owner (moved between objects)."""
    return s.pair(lambda e: (e.kind, e.full_exact), xs, ys)


def _by_content(s: _Siblings, xs: list[Entity], ys: list[Entity]) -> tuple[list[Entity], list[Entity]]:
    """What is left, by what it holds (`by_content`)."""
    s.out.extend(by_content(s.base, xs, s.suspect, ys))
    return [], []


SIBLING_MATCHERS: tuple[Matcher, ...] = (_same_name_and_code, _same_code_renamed, _same_name, _same_code_elsewhere,
                                         _by_content)


def pair_siblings(base: FileView, xs: list[Entity], suspect: FileView, ys: list[Entity]) -> list[tuple[int, int]]:
    """Pairs among the entities of one parent (or the leftovers of a file):
    the SIBLING_MATCHERS in order, each on what the ones before left."""
    s = _Siblings(base, suspect)
    for matcher in SIBLING_MATCHERS:
        if not xs or not ys:
            break
        xs, ys = matcher(s, xs, ys)
    return [(x.index, y.index) for x, y in s.out]


def _order(e: Entity) -> int:
    return e.index


def by_content(base: FileView, xs: list[Entity], suspect: FileView, ys: list[Entity]) -> Pairs:
    """Pairs among leftovers by what they hold: the same own code at the
    exact, renamed or skeleton level (where that is unique), one on each
    side of one name, then the one similar enough (`similar`)."""
    if not xs or not ys:
        return []
    for e in xs:
        base.settle(e)
    for e in ys:
        suspect.settle(e)
    out: Pairs = []
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


def similar(xs: list[Entity], ys: list[Entity], least: float = SIMILAR) -> Pairs:
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


__all__ = ["SIBLING_MATCHERS", "by_content", "pair_in_file", "pair_siblings", "similar"]
