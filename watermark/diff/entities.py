"""The entities of one file, and the normalized syntax tree of each, built
from the C core's event stream.

An *entity* is what `watermark diff` reports on: a function, method, type,
class, class member or object method, as its language defines them
(`Language.entities`, in watermark/languages/), and one `file` entity per
file holding the code outside all others.

An entity's *own body* is its syntax minus the entities nested in it (and
minus the declarations that group nested entities and hold nothing else,
like Go's `var ( ... )`), each nested entity standing in its tree as one
placeholder leaf: a patched inner function is reported once, as itself, and
a nested entity added, removed, renamed or moved is never a change of its
parent. Own hashes are the C unit hashes when nothing is nested (the common
case: no Python work per event), else the C core's unit hashes of the own
events, so both agree on the same code.
"""
from __future__ import annotations

import bisect
import functools
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from .. import languages
from ..backend import BACKEND, records
from ..backend.contract import WM_EV_ENTER, WM_EV_EXIT, WM_EV_TOKEN, UnitRecord
from ..backend.protocol import Parsed
from ..languages.base import Language, TreeNode

_MASK64 = (1 << 64) - 1
LINE_STEP = 1 << 16  # bytes between the checkpoints of FileView.line_of
_UNKNOWN = ("?", True)


@functools.cache
def kind_names(language: str) -> dict[int, tuple[str, bool]]:
    """Node kind hash -> (kind name, named) for every symbol of a grammar; a
    kind hashed as another (`Syntax.aliases`) is named as that one."""
    lang = languages.get(language)
    tables, aliases = lang.tables, lang.syntax.aliases
    out: dict[int, tuple[str, bool]] = {}
    for name, named, h in zip(tables.kind_names, tables.named, tables.kind_hashes):
        if named and name in aliases.values():
            out[int(h)] = (name, named)  # the kind the others hash as
        else:
            out.setdefault(int(h), (name, named))
    out.setdefault(tables.error_kind_hash, ("ERROR", True))
    return out


def parse(language: Language, data: bytes) -> Parsed:
    """What a FileView is built from: the C core's pass with event spans
    (it drops the GIL: two files parse at once in two threads)."""
    return language.parse(data, with_spans=True)


@dataclass
class Entity:
    """One function / method / type / class (or a file's own code).

    `key` is what it is matched on across the tree: (container, name,
    occurrence), occurrence counting earlier entities of the file with the
    same container and name; `local_key` what it is called among its
    siblings. Lines are 1-based, inclusive."""

    index: int  # in its file's entity list
    kind: str
    name: str
    container: str | None
    occurrence: int
    start_line: int
    end_line: int
    exact: int
    renamed: int
    skeleton: int
    digest: int  # of its own bytes (set for entities matched across the tree: FileView.digest)
    has_error: bool
    unit: int  # index of its unit (-1: the file entity)
    parent: int  # index of the enclosing entity (-1: none; the file entity encloses every top one)
    ev_begin: int = 0
    ev_end: int = 0
    start_byte: int = 0
    end_byte: int = 0
    nested: list[int] = field(default_factory=list)  # entities directly inside
    full_exact: int = 0  # the C exact hash of the whole subtree, nested entities included
    settled: bool = True  # exact / renamed / skeleton are the own body's (FileView.settle)
    path: str = ""  # its file's path in its tree
    side: int = 0  # 0 base, 1 suspect (for matching across the tree)
    # left unpaired in a file that has syntax errors on a side: what the
    # grammar's repair made or ate looks like an entity added or removed
    file_error: bool = False
    owner: str | None = None  # what owns it among its siblings: a method's receiver, an object literal's name
    bag: frozenset[int] = frozenset()  # its own tokens, for similarity (filled for entities left to match)

    @property
    def key(self) -> tuple[str | None, str, int]:
        return (self.container, self.name, self.occurrence)

    @property
    def local_key(self) -> tuple[str, str | None, str]:
        """What it is called among its siblings (the entities of one parent)."""
        return (self.kind, self.owner, self.name)

    @property
    def display(self) -> str:
        return display_name(self.kind, self.container, self.name)


def display_name(kind: str, container: str | None, name: str) -> str:
    """How an entity is named in reports: `Container.name`, `(file scope)`."""
    if kind == "file":
        return "(file scope)"
    return f"{container}.{name}" if container else name


class FileView:
    """One file fingerprinted with event spans, and its entities (the view
    a language's entity rules read: languages.base.EventView)."""

    def __init__(self, path: str, language: str, data: bytes, parsed: Parsed | None = None) -> None:
        """`parsed`: `parse(language, data)`, when done already (in another thread)."""
        self.path, self.source = path, data
        self.language: Language = languages.get(language)
        if parsed is None:
            parsed = parse(self.language, data)
        self.exact, self.renamed, self.skeleton, _digest = parsed.hashes
        self.has_error = parsed.has_error
        self.records = parsed.records
        self.n_units = parsed.n_units
        self.events = records.Events(parsed.events or b"", parsed.n_events, parsed.spans or b"")
        self._words, self._spans = self.events.words(), self.events.span_words()
        self.n_idents = parsed.n_idents
        self.kinds = kind_names(self.language.name)
        self.memo: dict[str, Any] = {}  # what the language's rules keep per file
        self._lines: list[int] | None = None
        self._parents: Sequence[int] = records.column(self.records, "parent")
        self._parent_nodes: Sequence[int] | None = None
        self._counts: Counter[int] | None = None
        self.groups: dict[int, list[tuple[int, int]]] = {}  # entity -> event ranges of its groups of entities
        self.entities = self._entities()

    # ---- events and units (languages.base.EventView) ------------------------------------

    # (read from the event words here: the entity rules ask these for every candidate unit)

    def op(self, i: int) -> int:
        return self._words[3 * i + 2] >> 32

    def kind(self, i: int) -> str:
        return self.kinds.get(self._words[3 * i], _UNKNOWN)[0]

    def named(self, i: int) -> bool:
        return self.kinds.get(self._words[3 * i], _UNKNOWN)[1]

    def skip(self, i: int) -> int:
        return self.events.skip(i)

    def span(self, i: int) -> tuple[int, int]:
        sp = self._spans
        return sp[2 * i], sp[2 * i + 1]

    def text(self, start: int, end: int) -> str:
        return self.source[start:end].decode("utf-8", "replace")

    def unit(self, k: int) -> UnitRecord:
        return records.unit(self.records, k)

    def children(self, unit: int) -> int:
        """How many units `unit` directly holds."""
        if self._counts is None:
            self._counts = Counter(self._parents)
        return self._counts[unit]

    def parent_nodes(self) -> Sequence[int]:
        if self._parent_nodes is None:
            self._parent_nodes = records.column(self.records, "parent_node")
        return self._parent_nodes

    def line_of(self, byte: int) -> int:
        """1-based line of a byte offset: line breaks counted from the last
        checkpoint (every LINE_STEP bytes) before it. Only changed
        functions ask, so a large file is never indexed line by line."""
        src = self.source
        if self._lines is None:
            lines = [0]
            for at in range(LINE_STEP, len(src), LINE_STEP):
                lines.append(lines[-1] + src.count(b"\n", at - LINE_STEP, at))
            self._lines = lines
        k = min(byte // LINE_STEP, len(self._lines) - 1)
        return self._lines[k] + src.count(b"\n", k * LINE_STEP, byte) + 1

    def lines_of(self, start: int, end: int) -> tuple[int, int]:
        """First and last line of the bytes [start, end)."""
        return self.line_of(start), self.line_of(end - 1 if end > start else start)

    # ---- entities ------------------------------------------------------------------

    def _entities(self) -> list[Entity]:
        lang, rules = self.language, self.language.entities
        tables = lang.tables
        src = self.source
        file_entity = Entity(0, "file", "(file)", None, 0, 1, src.count(b"\n") + 1, self.exact, self.renamed,
                             self.skeleton, 0, self.has_error, -1, -1, 0, self.events.n, 0, len(src))
        out = [file_entity]
        entity_of_unit: dict[int, int] = {}
        groups: set[int] = set()  # declarations grouping entities, and nothing else
        seen: dict[tuple[str | None, str], int] = {}
        parents = self._parents
        wanted, names, maybe = tables.symbols(rules.candidates), tables.kind_names, rules.maybe
        begins, ends = records.column(self.records, "ev_begin"), records.column(self.records, "ev_end")
        unit = records.unit_reader(self.records)
        for ui in [i for i, sym in enumerate(records.column(self.records, "symbol"))
                   if sym in wanted and maybe(self, names[sym], begins[i], ends[i])]:
            r = unit(ui)
            kind_name = names[r.symbol]
            got = rules.entity(self, r, kind_name)
            if got is None:
                continue
            kind, name = got
            parent = 0
            p = r.parent
            while p >= 0:
                if p in entity_of_unit:
                    parent = entity_of_unit[p]
                    break
                p = parents[p]
            owner = rules.owner(self, ui, r, kind_name, kind)
            outer = out[parent].display if parent else None
            container = f"{outer}.{owner}" if outer and owner else outer or owner
            occurrence = seen.get((container, name), 0)
            seen[(container, name)] = occurrence + 1
            e = Entity(len(out), kind, name, container, occurrence, r.start_row + 1, r.end_row + 1,
                       r.exact, r.renamed, r.skeleton, 0, bool(r.has_error), ui, parent, r.ev_begin, r.ev_end,
                       r.start_byte, r.end_byte, full_exact=r.exact, owner=owner, path=self.path)
            w = r.parent
            if w >= 0 and w not in entity_of_unit:
                if not (self.children(w) == 1 and self._adopt_wrappers(e, w, entity_of_unit)) \
                        and kind in rules.grouped:
                    groups.add(w)
            entity_of_unit[ui] = e.index
            out[parent].nested.append(e.index)
            out.append(e)
        file_entity.full_exact = self.exact
        for e in out:
            if e.kind in rules.unordered:
                self._unordered(e)
            e.settled = not e.nested
        if groups:
            self.groups[0] = sorted((d.ev_begin, d.ev_end) for d in map(self.unit, groups))
        file_entity.path = self.path
        return out

    def _adopt_wrappers(self, e: Entity, w: int, entity_of_unit: dict[int, int]) -> bool:
        """An entity alone in a declaration holding nothing else but keywords
        and punctuation (`export function f`, `const f = () => {}`, Go's
        `var x = 1`) owns that declaration (`w`, and the one around it, if
        alike): `export` or `const` added or removed is its change, and when
        it comes or goes its parent does not change. Its hashes become the
        declaration's; its lines stay its own. Whether it owns one."""
        adopted = False
        while w >= 0 and w not in entity_of_unit and self.children(w) == 1:
            d = self.unit(w)
            if not (self._only_tokens(d.ev_begin + 1, e.ev_begin) and self._only_tokens(e.ev_end, d.ev_end - 1)):
                break
            e.ev_begin, e.ev_end, e.start_byte, e.end_byte = d.ev_begin, d.ev_end, d.start_byte, d.end_byte
            e.exact, e.renamed, e.skeleton, e.full_exact = d.exact, d.renamed, d.skeleton, d.exact
            adopted = True
            w = d.parent
        return adopted

    def _only_tokens(self, a: int, b: int) -> bool:
        """Whether events [a, b) are all keywords and punctuation."""
        return all(self.op(i) == WM_EV_TOKEN and not self.named(i) for i in range(a, b))

    def _unordered(self, e: Entity) -> None:
        """An entity whose child units are a set hashes as their multiset
        (Go's import block: gofmt sorts its specs, so their order is layout)."""
        got = []  # its child units: those right after it (preorder), until one is not its own
        k = e.unit + 1
        parents = self._parents
        while k < len(parents) and parents[k] == e.unit:
            got.append(self.unit(k))
            k += 1
        e.exact, e.renamed, e.skeleton = (hash(tuple(sorted(getattr(r, level) for r in got))) & _MASK64
                                          for level in ("exact", "renamed", "skeleton"))
        e.full_exact = e.exact

    def settle(self, e: Entity) -> Entity:
        """Fill in the own-body hashes of an entity with nested ones (done on
        demand: only for entities whose whole subtree changed, or that are
        matched across the tree, since an unchanged subtree needs none)."""
        if not e.settled:
            e.exact, e.renamed, e.skeleton = self._own_hashes(e)
            e.settled = True
        return e

    def own_runs(self, e: Entity) -> Iterator[tuple[int, int]]:
        """The entity's own events as runs [a, b): its range without its
        nested entities and its groups of entities."""
        entities = self.entities
        cuts = sorted([(entities[k].ev_begin, entities[k].ev_end) for k in e.nested] + self.groups.get(e.index, []))
        at = e.ev_begin
        for a, b in cuts:
            if a > at:
                yield at, a
            at = max(at, b)
        yield at, e.ev_end

    def _own_hashes(self, e: Entity) -> tuple[int, int, int]:
        """The C core's unit hashes of the own events (its runs, one after
        the other): what the entity would hash as without its nested
        entities, so the same as an entity that has none with that code."""
        packed, n = self.events.packed(list(self.own_runs(e)))
        unit = records.pack_unit(0, n)
        BACKEND.hash_units(packed, n, unit, 1, self.n_idents)
        got = records.unit(bytes(unit), 0)
        return got.exact, got.renamed, got.skeleton

    def sketch(self, e: Entity) -> frozenset[int]:
        """The distinct (kind, text) of its own tokens and nodes: two
        versions of one function share most of them (similarity of
        leftovers: renamed and edited entities)."""
        ev = self.events
        return frozenset(h for a, b in self.own_runs(e) for h in map(hash, zip(ev.kinds(a, b), ev.texts(a, b))))

    def own_bytes(self, e: Entity) -> bytes:
        """The entity's own bytes (nested entities' bytes left out): equal
        hashes and equal own bytes is `unchanged`, else `layout`."""
        if not e.nested:
            return self.source[e.start_byte:e.end_byte]
        parts, at = [], e.start_byte
        for k in e.nested:
            n = self.entities[k]
            parts.append(self.source[at:n.start_byte])
            at = n.end_byte
        parts.append(self.source[at:e.end_byte])
        return b"\x00".join(parts)

    def digest(self, e: Entity) -> int:
        """A hash of its own bytes, for comparing it away from its file."""
        e.digest = BACKEND.xxh64(self.own_bytes(e))
        return e.digest

    # ---- trees ---------------------------------------------------------------------

    def own_events(self, e: Entity) -> int:
        """How many events the entity's own tree is built from (at least
        half of them are its nodes)."""
        return sum(b - a for a, b in self.own_runs(e))

    def whole_units(self, e: Entity) -> dict[int, tuple[int, int]]:
        """ev_begin -> (ev_end, exact hash) of the units (statements) in the
        entity's own code that hold none of its nested entities."""
        begins, ends, exact = (records.column(self.records, f) for f in ("ev_begin", "ev_end", "exact"))
        out: dict[int, tuple[int, int]] = {}
        for a, b in self.own_runs(e):  # (the units of nested entities are never looked at)
            first = bisect.bisect_left(begins, max(a, e.ev_begin + 1))
            for u in range(first, bisect.bisect_left(begins, b, first)):
                if ends[u] <= b:
                    out[begins[u]] = (ends[u], exact[u])
        return out

    def tree(self, e: Entity, collapse: Mapping[int, tuple[int, int]] | None = None) -> Node:
        """The entity's own syntax tree: nodes from its events, each nested
        entity one placeholder leaf. `collapse` (whole_units): these units
        are one leaf each, labelled with their hash (statements the other
        side has too, in a tree compared statement by statement)."""
        ev, kinds = self.events, self.kinds
        holes = {self.entities[k].ev_begin: self.entities[k] for k in e.nested}
        collapse = collapse or {}
        entities = self.language.entities
        canonical: list[Node] = []  # nodes the language makes one spelling of
        canonical_kinds = entities.canonical_kinds
        stack: list[Node] = []
        root: Node | None = None
        i = e.ev_begin
        end = e.ev_end
        if e.kind == "file" and end > i and ev.op(i) != WM_EV_ENTER:
            root = Node("file", 0, 0, len(self.source))
            stack.append(root)
        while i < end:
            nested = holes.get(i)
            if nested is not None:
                leaf = Node(f"<{nested.kind}>", nested.name, nested.start_byte, nested.end_byte, entity=nested.index)
                stack[-1].add(leaf)
                i = nested.ev_end
                continue
            op = ev.op(i)
            if op == WM_EV_EXIT:
                done = stack.pop()
                if not stack:
                    root = done
                i += 1
                continue
            name, named = kinds.get(ev.kind(i), ("?", True))
            start, stop = ev.span(i)
            whole = collapse.get(i) if stack else None
            if whole is not None:
                stack[-1].add(Node(name, ("unit", whole[1]), start, stop))
                i = whole[0]
                continue
            if op == WM_EV_TOKEN:
                node = Node(name, ev.text(i), start, stop) if named else Node("token", name, start, stop)
                if stack:
                    stack[-1].add(node)
                else:
                    root = node
            else:
                node = Node(name, 0, start, stop)
                if name in canonical_kinds:
                    canonical.append(node)
                if stack:
                    stack[-1].add(node)
                stack.append(node)
            i += 1
        if stack:  # a range cut short (cannot happen for a whole unit): close what is open
            root = stack[0]
        assert root is not None
        for node in canonical:
            entities.canonical(node, self.source, _wrap)
        return root


class Node:
    """A node of a normalized syntax tree (comments and formatting tokens
    are not in it). `label`: a token's text hash (an anonymous token has kind
    "token" and its spelling as label; a nested entity's placeholder its
    name), 0 for inner nodes."""

    __slots__ = ("kind", "label", "start", "end", "children", "parent", "partner", "hash", "height", "size",
                 "index", "entity")

    def __init__(self, kind: str, label: object, start: int, end: int, entity: int = -1) -> None:
        self.kind, self.label, self.start, self.end, self.entity = kind, label, start, end, entity
        self.children: list[Node] = []
        self.parent: Node | None = None
        self.partner: Node | None = None
        self.hash = 0
        self.height = 1
        self.size = 1
        self.index = 0

    def add(self, child: Node) -> None:
        child.parent = self
        self.children.append(child)

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.start}:{self.end})"


def _wrap(node: TreeNode, i: int, j: int, kind: str) -> None:
    """node's children [i, j) put under a new node of `kind` (a Node's: the
    tree FileView.tree builds)."""
    kids = node.children[i:j]
    inner = Node(kind, 0, kids[0].start, kids[-1].end)
    for kid in kids:
        inner.add(kid)
    inner.parent = cast(Node, node)
    node.children[i:j] = [inner]


def preorder(root: Node) -> list[Node]:
    out, todo = [], [root]
    while todo:
        n = todo.pop()
        out.append(n)
        todo.extend(reversed(n.children))
    return out


def finish(root: Node) -> list[Node]:
    """Number the nodes in preorder and fill hash, height and size; returns
    the preorder list (a node's descendants are out[index + 1: index + size])."""
    nodes = preorder(root)
    for i, n in enumerate(nodes):
        n.index = i
    for n in reversed(nodes):
        if n.children:
            n.height = 1 + max(c.height for c in n.children)
            n.size = 1 + sum(c.size for c in n.children)
            n.hash = hash((n.kind, n.label, tuple(c.hash for c in n.children)))
        else:
            n.hash = hash((n.kind, n.label))
    return nodes
