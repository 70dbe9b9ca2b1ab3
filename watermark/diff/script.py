"""The edit script between two versions of one function: GumTree's matcher
(Falleri et al., "Fine-grained and accurate source code differencing",
ASE 2014) on the normalized trees of diff/entities.py, then Chawathe-style
actions.

1. Top-down: subtrees of equal hash, tallest first (height >= MIN_HEIGHT),
   are mapped whole; when a hash has several candidates on each side, the
   pairs whose parents are most alike (dice) win, then the nearest.
2. Bottom-up: an unmapped inner node is mapped to the unmapped node of its
   kind that shares most mapped descendants with it (dice >= MIN_DICE);
   the two roots are always mapped.
3. Recovery, below RECOVERY_NODES (GumTree's exact matcher only runs on
   small subtrees too): the unmapped children of each mapped pair are
   aligned by longest common subsequence, first on hash, then on kind (a
   leaf pair of one kind whose labels differ becomes an update).
4. Actions: insert / delete (the topmost node of each inserted or deleted
   subtree), update (a mapped token whose text changed), move (a mapped node
   under a parent that is not its old parent's partner, or out of order
   among its mapped siblings).

Cost: linear in the two trees for steps 1, 2 and 4 but for the candidate
and dice work, which is bounded per node; step 3's LCS is bounded per child
list. Trees over MAX_NODES together are not matched node by node: the
script is cut to the changed statements (`capped`).
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .entities import Node, finish, preorder

T = TypeVar("T")

MIN_HEIGHT = 2  # top-down maps subtrees at least this tall (GumTree's default)
MIN_DICE = 0.5  # bottom-up maps containers at least this alike (GumTree's default)
RECOVERY_NODES = 1000  # recovery inside a mapped pair below this size (GumTree's default)
MAX_NODES = 40_000  # the two trees together: beyond this, statement level only
MAX_AMBIGUOUS = 64  # candidate pairs of one hash scored by their parents' dice; more: paired in order
MAX_LCS = 250_000  # cells of one LCS table; more: greedy in order


@dataclass
class Action:
    """One edit: op is insert, delete, update or move; `old` is the base
    node (None for insert), `new` the suspect node (None for delete)."""

    op: str
    old: Node | None
    new: Node | None

    @property
    def node(self) -> Node:
        n = self.new if self.old is None else self.old
        assert n is not None
        return n


@dataclass
class Script:
    actions: list[Action]
    capped: bool
    base_nodes: list[Node]
    suspect_nodes: list[Node]


def edit_script(root1: Node, root2: Node, coarse: bool = False) -> Script:
    """Map the two trees and list the actions that turn the first into the
    second (`coarse`: statement by statement, as trees over MAX_NODES are)."""
    nodes1, nodes2 = finish(root1), finish(root2)
    if coarse or len(nodes1) + len(nodes2) > MAX_NODES:
        return Script(_statement_script(root1, root2), True, nodes1, nodes2)
    m = _Mapper(nodes1, nodes2)
    m.top_down()
    m.bottom_up()
    return Script(_actions(nodes1, nodes2), False, nodes1, nodes2)


class _Mapper:
    def __init__(self, nodes1: list[Node], nodes2: list[Node]) -> None:
        self.n1, self.n2 = nodes1, nodes2

    # ---- mappings --------------------------------------------------------------------

    @staticmethod
    def link(a: Node, b: Node) -> None:
        a.partner, b.partner = b, a

    def link_subtrees(self, a: Node, b: Node) -> None:
        """Map two isomorphic subtrees node by node."""
        for x, y in zip(self.n1[a.index:a.index + a.size], self.n2[b.index:b.index + b.size]):
            self.link(x, y)

    def dice(self, a: Node | None, b: Node | None) -> float:
        """Share of a's and b's descendants mapped to each other."""
        if a is None or b is None:
            return 0.0
        lo, hi = b.index, b.index + b.size
        common = 0
        for d in self.n1[a.index + 1:a.index + a.size]:
            p = d.partner
            if p is not None and lo < p.index < hi:
                common += 1
        total = a.size + b.size - 2
        return 2 * common / total if total else 0.0

    # ---- 1. top-down -----------------------------------------------------------------

    def top_down(self) -> None:
        q1: list[tuple[int, int, Node]] = [(-self.n1[0].height, 0, self.n1[0])]
        q2: list[tuple[int, int, Node]] = [(-self.n2[0].height, 0, self.n2[0])]
        ambiguous: list[tuple[list[Node], list[Node]]] = []

        def pop_all(q: list[tuple[int, int, Node]], h: int) -> list[Node]:
            out = []
            while q and -q[0][0] == h:
                out.append(heapq.heappop(q)[2])
            return out

        def open_(q: list[tuple[int, int, Node]], n: Node) -> None:
            for c in n.children:
                heapq.heappush(q, (-c.height, c.index, c))

        while q1 and q2:
            h1, h2 = -q1[0][0], -q2[0][0]
            if max(h1, h2) < MIN_HEIGHT:
                break
            if h1 != h2:
                q, h = (q1, h1) if h1 > h2 else (q2, h2)
                for n in pop_all(q, h):
                    open_(q, n)
                continue
            g1: dict[int, list[Node]] = defaultdict(list)
            g2: dict[int, list[Node]] = defaultdict(list)
            for n in pop_all(q1, h1):
                g1[n.hash].append(n)
            for n in pop_all(q2, h2):
                g2[n.hash].append(n)
            for hsh, a in g1.items():
                b = g2.get(hsh)
                if not b:
                    for n in a:
                        open_(q1, n)
                elif len(a) == 1 and len(b) == 1:
                    self.link_subtrees(a[0], b[0])
                else:
                    ambiguous.append((a, b))
            for hsh, b in g2.items():
                if hsh not in g1:
                    for n in b:
                        open_(q2, n)
        # ambiguous candidates: most alike parents first, then nearest in the function
        pairs: list[tuple[float, int, Node, Node]] = []
        for a, b in ambiguous:
            if len(a) * len(b) > MAX_AMBIGUOUS:
                a.sort(key=lambda n: n.index)
                b.sort(key=lambda n: n.index)
                for x, y in zip(a, b):
                    pairs.append((0.0, 0, x, y))
                continue
            for x in a:
                for y in b:
                    pairs.append((-self.dice(x.parent, y.parent), abs(x.index - y.index), x, y))
        pairs.sort(key=lambda p: (p[0], p[1], p[2].index, p[3].index))
        for _d, _dist, x, y in pairs:
            if x.partner is None and y.partner is None:
                self.link_subtrees(x, y)

    # ---- 2. bottom-up, 3. recovery ------------------------------------------------------

    def bottom_up(self) -> None:
        r1, r2 = self.n1[0], self.n2[0]
        for t in reversed(self.n1):  # postorder enough: children before parents
            if t is r1:
                if t.partner is None and r2.partner is None:
                    self.link(r1, r2)
                if t.partner is r2:
                    self.recover(r1, r2)
                continue
            if t.partner is not None or not t.children:
                continue
            candidates: dict[int, Node] = {}
            i, end = t.index + 1, t.index + t.size
            while i < end and len(candidates) <= 32:
                d = self.n1[i]
                p = d.partner
                if p is None:
                    i += 1
                    continue
                i += d.size  # the top of a mapped subtree stands for all of it
                steps = 0
                while p is not None and steps < 64:
                    p = p.parent
                    steps += 1
                    if p is not None and p.partner is None and p.kind == t.kind and p is not r2:
                        candidates.setdefault(p.index, p)
            best, score = None, MIN_DICE
            for c in candidates.values():
                s = self.dice(t, c)
                if s >= score:
                    best, score = c, s
            if best is not None:
                self.link(t, best)
                self.recover(t, best)

    def recover(self, a: Node, b: Node) -> None:
        """Align the unmapped children of a mapped pair, recursively."""
        if a.size > RECOVERY_NODES or b.size > RECOVERY_NODES:
            return
        c1 = [c for c in a.children if c.partner is None]
        c2 = [c for c in b.children if c.partner is None]
        if not c1 or not c2:
            return
        for x, y in lcs(c1, c2, lambda x, y: x.hash == y.hash):
            self.link_subtrees(x, y)
        c1 = [c for c in c1 if c.partner is None]
        c2 = [c for c in c2 if c.partner is None]
        for x, y in lcs(c1, c2, lambda x, y: x.kind == y.kind):
            self.link(x, y)
            self.recover(x, y)


def lcs(a: Sequence[T], b: Sequence[T], eq: Callable[[T, T], bool]) -> list[tuple[T, T]]:
    """A longest common subsequence of a and b under eq (greedy in order when
    the table would be too large)."""
    n, m = len(a), len(b)
    if n * m > MAX_LCS:
        out, j = [], 0
        for x in a:
            k = j
            while k < m and not eq(x, b[k]):
                k += 1
            if k < m:
                out.append((x, b[k]))
                j = k + 1
        return out
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        x = a[i]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if eq(x, b[j]) else max(below[j], row[j + 1])
    out, i, j = [], 0, 0
    while i < n and j < m:
        if eq(a[i], b[j]):
            out.append((a[i], b[j]))
            i += 1
            j += 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


# ---- 4. actions ------------------------------------------------------------------------

def _actions(nodes1: list[Node], nodes2: list[Node]) -> list[Action]:
    out: list[Action] = []
    for t in nodes2:
        o = t.partner
        if o is None:
            if t.parent is None or t.parent.partner is not None:
                out.append(Action("insert", None, t))
            continue
        if o.label != t.label:
            out.append(Action("update", o, t))
        if t.parent is not None and o.parent is not None and o.parent.partner is not t.parent:
            out.append(Action("move", o, t))
    # moves among mapped siblings: children out of their old order
    for t in nodes2:
        o = t.partner
        if o is None or len(t.children) < 2:
            continue
        kept = [c for c in t.children if c.partner is not None and c.partner.parent is o]
        if len(kept) < 2:
            continue
        old_order = sorted(kept, key=lambda c: c.partner.index)  # type: ignore[union-attr]
        in_order = {id(y) for _x, y in lcs(old_order, kept, lambda x, y: x is y)}
        for c in kept:
            if id(c) not in in_order:
                out.append(Action("move", c.partner, c))
    for t in nodes1:
        if t.partner is None and (t.parent is None or t.parent.partner is not None):
            out.append(Action("delete", t, None))
    return out


def _statement_script(root1: Node, root2: Node) -> list[Action]:
    """The coarse script for trees too large to match node by node: the
    direct children of each matched container, aligned on hash; what is
    left is inserted or deleted (descending into equal-kind pairs of
    containers a few levels)."""
    out: list[Action] = []

    def align(a: Node, b: Node, depth: int) -> None:
        a.partner, b.partner = b, a
        pairs = lcs(a.children, b.children, lambda x, y: x.hash == y.hash)
        matched1 = {id(x) for x, _ in pairs}
        matched2 = {id(y) for _, y in pairs}
        for x, y in pairs:
            for p, q in zip(preorder(x), preorder(y)):
                p.partner, q.partner = q, p
        rest1 = [c for c in a.children if id(c) not in matched1]
        rest2 = [c for c in b.children if id(c) not in matched2]
        if depth < 6:
            for x, y in lcs(rest1, rest2, lambda x, y: x.kind == y.kind and bool(x.children) and bool(y.children)):
                align(x, y, depth + 1)
        for c in rest1:
            if c.partner is None:
                out.append(Action("delete", c, None))
        for c in rest2:
            if c.partner is None:
                out.append(Action("insert", None, c))

    align(root1, root2, 0)
    return out
