"""The functions, methods, types and classes of one file, and the normalized
syntax tree of each, built from the C core's event stream.

An *entity* is what `watermark diff` reports on: a Go function, method,
type, top-level var / const / import; a JavaScript function (declared, or
a function / class / arrow assigned to a name or a property), class, class
method or field, object method; and one `file` entity per file holding the
code outside all others (Go's package clause, JS top-level statements).

An entity's *own body* is its syntax minus the entities nested in it, each
of which stands in it as one placeholder leaf (its kind and name): a patched
inner function is reported once, as itself, and not again as a change of
every function around it. Own hashes are the C unit hashes when nothing is
nested (the common case: no Python work per event), else a hash of the own
event run, which skips each nested range in one jump.
"""
from __future__ import annotations

import functools
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ..backend import BACKEND
from ..backend.contract import UNIT_STRUCT, WM_EV_ENTER, WM_EV_EXIT, WM_EV_TOKEN, UnitRecord
from ..core import languages
from ..core.fingerprint import column

# entity kinds, by language: unit kind -> entity kind
_GO_TOP = {"function_declaration": "func", "method_declaration": "method", "import_declaration": "import"}
_GO_SPECS = {"type_spec": "type", "type_alias": "type", "var_spec": "var", "const_spec": "const"}
_JS_ALWAYS = {"function_declaration": "function", "generator_function_declaration": "function",
              "class_declaration": "class", "method_definition": "method", "field_definition": "field"}
_JS_VALUED = {"variable_declarator", "pair", "expression_statement"}  # entities when their value is code
_JS_CODE_VALUES = {"function_expression": "function", "function": "function", "arrow_function": "function",
                   "generator_function": "function", "class": "class"}

_FIELD = {f: i for i, f in enumerate(UnitRecord._fields)}
_SYM, _SB, _EB, _SR, _ER = (_FIELD[f] for f in ("symbol", "start_byte", "end_byte", "start_row", "end_row"))
_NS, _NE, _PAR, _EVB, _EVE = (_FIELD[f] for f in ("name_start", "name_end", "parent", "ev_begin", "ev_end"))
_EX, _RN, _SK, _ERR = (_FIELD[f] for f in ("exact", "renamed", "skeleton", "has_error"))
_MASK64 = (1 << 64) - 1

_NO_IDENT = 0xFFFFFFFF  # an event's ident word when it is no identifier (-1)


def _first_seen(items: tuple[int, ...]) -> list[int]:
    """Each item as the ordinal of its first occurrence."""
    seen: dict[int, int] = {}
    return [seen.setdefault(x, len(seen)) for x in items]


@functools.cache
def kind_names(language: str) -> dict[int, tuple[str, bool]]:
    """Node kind hash -> (kind name, named) for every symbol of a grammar."""
    lang = languages.load(language)
    ts = lang.ts_language
    out: dict[int, tuple[str, bool]] = {}
    for i, name in enumerate(lang.kind_names):
        named = bool(ts.node_kind_is_named(i))
        out.setdefault(int(lang.kind_hashes[i]), (name, named))
    out.setdefault(lang.error_kind_hash, ("ERROR", True))
    return out


@dataclass
class Entity:
    """One function / method / type / class (or a file's own code).

    `key` is what it is matched on first: (container, name, occurrence),
    occurrence counting earlier entities of the file with the same
    container and name. Lines are 1-based, inclusive."""

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
    digest: int  # of its own bytes: equal exact hash and digest = unchanged, else layout
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

    @property
    def key(self) -> tuple[str | None, str, int]:
        return (self.container, self.name, self.occurrence)

    @property
    def display(self) -> str:
        return display_name(self.kind, self.container, self.name)


def display_name(kind: str, container: str | None, name: str) -> str:
    """How an entity is named in reports: `Container.name`, `(file scope)`."""
    if kind == "file":
        return "(file scope)"
    return f"{container}.{name}" if container else name


_QUOTED = re.compile(r"^(['\"])(.*)\1$", re.DOTALL)


def _js_name(text: str) -> str:
    """A JS entity name as formatters cannot change it: no whitespace, and a
    quoted key without its quotes, any other string in it single-quoted
    (prettier swaps ' and ", and adds and drops the quotes of keys that need
    none)."""
    name = "".join(text.split())
    m = _QUOTED.match(name)
    return m.group(2) if m else name.replace('"', "'")


@functools.cache
def _named_hash(language: str, kind: str) -> int:
    return next((h for h, (name, named) in kind_names(language).items() if name == kind and named), 0)


@functools.cache
def _code_value_hashes(language: str) -> frozenset[int]:
    return frozenset(h for h, (name, named) in kind_names(language).items() if named and name in _JS_CODE_VALUES)


@functools.cache
def _candidates(language: str) -> frozenset[int]:
    """The symbols of units that may be entities."""
    kinds = set(_GO_TOP) | set(_GO_SPECS) if language == "go" else set(_JS_ALWAYS) | _JS_VALUED
    names = languages.load(language).kind_names
    return frozenset(i for i, n in enumerate(names) if n in kinds)


class FileView:
    """One file fingerprinted with event spans, and its entities."""

    def __init__(self, path: str, language: str, data: bytes) -> None:
        self.path, self.language, self.source = path, language, data
        lang = languages.load(language)
        parsed = BACKEND.fingerprint(lang, data, with_spans=True)
        self.exact, self.renamed, self.skeleton, _digest = parsed.hashes
        self.has_error = parsed.has_error
        self.records = parsed.records
        self.n_units = parsed.n_units
        ev = array("Q")
        ev.frombytes(parsed.events or b"")
        self.ev = ev  # 3 words per event: kind, text, ident | op << 32
        sp = array("I")
        sp.frombytes(parsed.spans or b"")
        self.sp = sp  # 2 per event: start, end byte
        self.n_events = parsed.n_events
        self.kinds = kind_names(language)
        self._lines: array | None = None
        self.entities = self._entities()

    # ---- events --------------------------------------------------------------------

    def op(self, i: int) -> int:
        return self.ev[3 * i + 2] >> 32

    def kind(self, i: int) -> str:
        return self.kinds.get(self.ev[3 * i], ("?", True))[0]

    def skip(self, i: int) -> int:
        """The event after the item (a token, or ENTER..EXIT) starting at i."""
        ev, depth = self.ev, 0
        while True:
            o = ev[3 * i + 2] >> 32
            if o == WM_EV_ENTER:
                depth += 1
            elif o == WM_EV_EXIT:
                depth -= 1
            i += 1
            if depth <= 0:
                return i

    def text(self, start: int, end: int) -> str:
        return self.source[start:end].decode("utf-8", "replace")

    def line_of(self, byte: int) -> int:
        """1-based line of a byte offset."""
        if self._lines is None:
            self._lines = array("I", [m.start() for m in re.finditer(b"\n", self.source)])
        return bisect_left(self._lines, byte) + 1

    def lines_of(self, start: int, end: int) -> tuple[int, int]:
        """First and last line of the bytes [start, end)."""
        return self.line_of(start), self.line_of(end - 1 if end > start else start)

    # ---- entities ------------------------------------------------------------------

    def _entities(self) -> list[Entity]:
        size = UNIT_STRUCT.size
        records = self.records
        # two columns read straight from the packed records; whole records
        # are unpacked only for the few units that may be entities
        symbols, parents = column(records, "symbol"), column(records, "parent")
        names = languages.load(self.language).kind_names
        go = self.language == "go"
        src = self.source
        n_lines = src.count(b"\n") + 1
        file_entity = Entity(0, "file", "(file)", None, 0, 1, n_lines, self.exact, self.renamed, self.skeleton,
                             0, self.has_error, -1, -1, 0, self.n_events, 0, len(src))
        out = [file_entity]
        entity_of_unit: dict[int, int] = {}
        seen: dict[tuple[str | None, str], int] = {}
        wanted = _candidates(self.language)
        ev = self.ev
        assign, values = _named_hash(self.language, "assignment_expression"), _code_value_hashes(self.language)
        for ui in [i for i, sym in enumerate(symbols) if sym in wanted]:
            r = UNIT_STRUCT.unpack_from(records, ui * size)
            kind_name = names[r[_SYM]]
            if not go and kind_name in _JS_VALUED:  # most are not code: a look at two events says so
                b = r[_EVB]
                if kind_name == "expression_statement":
                    if b + 1 >= r[_EVE] or ev[3 * b + 3] != assign:
                        continue
                elif (ev[3 * b + 5] >> 32) == WM_EV_TOKEN and (b + 3 >= r[_EVE] or ev[3 * b + 9] not in values):
                    continue  # `name = value` / `key: value` whose value is no function or class
            got = self._entity_kind(r, kind_name, parents) if go else self._js_entity_kind(r, kind_name)
            if got is None:
                continue
            kind, name = got
            parent = 0
            p = r[_PAR]
            while p >= 0:
                if p in entity_of_unit:
                    parent = entity_of_unit[p]
                    break
                p = parents[p]
            container: str | None
            if go:
                container = self._receiver(r) if kind == "method" else None
            else:
                container = out[parent].display if parent else None
            occurrence = seen.get((container, name), 0)
            seen[(container, name)] = occurrence + 1
            e = Entity(len(out), kind, name, container, occurrence, r[_SR] + 1, r[_ER] + 1,
                       r[_EX], r[_RN], r[_SK], 0, bool(r[_ERR]), ui, parent, r[_EVB], r[_EVE], r[_SB], r[_EB],
                       full_exact=r[_EX])
            entity_of_unit[ui] = e.index
            out[parent].nested.append(e.index)
            out.append(e)
        file_entity.full_exact = self.exact
        for e in out:
            e.path = self.path
            e.settled = not e.nested
            e.digest = self._own_digest(e, out)
        return out

    def settle(self, e: Entity) -> Entity:
        """Fill in the own-body hashes of an entity with nested ones (done on
        demand: only for entities whose whole subtree changed, or that are
        matched across the tree, since an unchanged subtree needs none)."""
        if not e.settled:
            e.exact, e.renamed, e.skeleton = self._own_hashes(e, self.entities)
            e.settled = True
        return e

    def _entity_kind(self, r: tuple, kind: str, parents: Sequence[int]) -> tuple[str, str] | None:
        """Go: (entity kind, name) of a unit, or None."""
        if kind in _GO_TOP and r[_PAR] < 0:
            if kind == "import_declaration":
                return "import", "import"
            return _GO_TOP[kind], self.text(r[_NS], r[_NE]) or "_"
        if kind in _GO_SPECS and r[_PAR] >= 0 and parents[r[_PAR]] < 0:
            return _GO_SPECS[kind], self.text(r[_NS], r[_NE]) or "_"
        return None

    def _receiver(self, r: tuple) -> str | None:
        """A Go method's receiver type name (`T` of `(t *T)` / `(T[K])`)."""
        i = r[_EVB] + 1
        end = r[_EVE]
        while i < end and not (self.op(i) == WM_EV_ENTER and self.kind(i) == "parameter_list"):
            i = self.skip(i)
        if i >= end:
            return None
        text = self.text(self.sp[2 * i], self.sp[2 * i + 1]).strip("() \t\n")
        text = re.sub(r"\[.*\]", "", text)  # type parameters
        words = re.findall(r"[\w.]+", text)
        return words[-1] if words else None

    def _js_entity_kind(self, r: tuple, kind: str) -> tuple[str, str] | None:
        """JS: (entity kind, name) of a unit, or None."""
        if kind in _JS_ALWAYS:
            name = self.text(r[_NS], r[_NE]) if r[_NE] > r[_NS] else self._first_token_text(r)
            return _JS_ALWAYS[kind], _js_name(name) or "(anonymous)"
        if kind not in _JS_VALUED:
            return None
        b, e = r[_EVB], r[_EVE]
        if kind == "expression_statement":
            i = b + 1
            if i >= e or self.op(i) != WM_EV_ENTER or self.kind(i) != "assignment_expression":
                return None
            left = i + 1
            after = self.skip(left)
            if after + 1 >= e:
                return None
            value = self.kind(after + 1)  # past the `=` token
            if value not in _JS_CODE_VALUES:
                return None
            return _JS_CODE_VALUES[value], _js_name(self.text(self.sp[2 * left], self.sp[2 * left + 1]))
        # variable_declarator / pair: name, `=` or `:`, value
        first = b + 1
        if first >= e:
            return None
        after = self.skip(first)
        if after + 1 >= e:
            return None
        value = self.kind(after + 1)
        if value not in _JS_CODE_VALUES:
            return None
        name = _js_name(self.text(self.sp[2 * first], self.sp[2 * first + 1]))
        kind_out = "method" if kind == "pair" and _JS_CODE_VALUES[value] == "function" else _JS_CODE_VALUES[value]
        return kind_out, name or "(anonymous)"

    def _first_token_text(self, r: tuple) -> str:
        """A member named by a non-identifier (a computed or string key)."""
        i = r[_EVB] + 1
        if i < r[_EVE]:
            return self.text(self.sp[2 * i], self.sp[2 * i + 1])[:80]
        return ""

    def own_runs(self, e: Entity, entities: list[Entity]) -> Iterator[tuple[int, int, Entity | None]]:
        """The entity's own events as runs [a, b), each followed by the nested
        entity that interrupts it (None after the last run)."""
        at = e.ev_begin
        for k in e.nested:
            n = entities[k]
            yield at, n.ev_begin, n
            at = n.ev_end
        yield at, e.ev_end, None

    def _own_hashes(self, e: Entity, entities: list[Entity]) -> tuple[int, int, int]:
        """Hashes of the own event run (kinds, texts, ops; identifiers by
        first-occurrence ordinal at the renamed level); nested entities count
        as (kind, name). Whole runs at a time: strided slices, no loop per event."""
        ev = self.ev
        kinds: list[int] = []
        texts: list[int] = []
        words: list[int] = []
        tags: list[int] = []  # where each nested entity stands, and what it is
        for a, b, nested in self.own_runs(e, entities):
            kinds += ev[3 * a:3 * b:3]
            texts += ev[3 * a + 1:3 * b:3]
            words += ev[3 * a + 2:3 * b:3]
            if nested is not None:
                tags += (len(kinds), hash(nested.kind), hash(nested.name))
        ops = tuple([w >> 32 for w in words])
        idents = [w & 0xFFFFFFFF for w in words]
        order = {i: n for n, i in enumerate(dict.fromkeys(i for i in idents if i != _NO_IDENT))}
        kinds_t = tuple(kinds)
        blank = tuple([t if i == _NO_IDENT else order[i] for t, i in zip(texts, idents)])
        where_what = tuple(tags[k] for k in range(len(tags)) if k % 3 != 2)  # position and kind
        names = tuple(_first_seen(tuple(tags[2::3])))  # nested names, renamed consistently
        return (hash((kinds_t, tuple(texts), ops, tuple(tags))) & _MASK64,
                hash((kinds_t, blank, ops, where_what, names)) & _MASK64,
                hash((kinds_t, ops, where_what)) & _MASK64)

    def _own_digest(self, e: Entity, entities: list[Entity]) -> int:
        """A hash of the entity's own bytes (nested entities' bytes left out)."""
        if not e.nested:
            return BACKEND.xxh64(self.source[e.start_byte:e.end_byte])
        parts, at = [], e.start_byte
        for k in e.nested:
            n = entities[k]
            parts.append(self.source[at:n.start_byte])
            at = n.end_byte
        parts.append(self.source[at:e.end_byte])
        return BACKEND.xxh64(b"\x00".join(parts))

    # ---- trees ---------------------------------------------------------------------

    def tree(self, e: Entity) -> Node:
        """The entity's own syntax tree: nodes from its events, each nested
        entity one placeholder leaf."""
        ev, sp, kinds = self.ev, self.sp, self.kinds
        holes = {self.entities[k].ev_begin: self.entities[k] for k in e.nested}
        stack: list[Node] = []
        root: Node | None = None
        i = e.ev_begin
        end = e.ev_end
        if e.kind == "file" and end > i and self.op(i) != WM_EV_ENTER:
            root = Node("file", 0, 0, len(self.source))
            stack.append(root)
        while i < end:
            nested = holes.get(i)
            if nested is not None:
                leaf = Node(f"<{nested.kind}>", nested.name, nested.start_byte, nested.end_byte, entity=nested.index)
                stack[-1].add(leaf)
                i = nested.ev_end
                continue
            kind_hash, text, w = ev[3 * i], ev[3 * i + 1], ev[3 * i + 2]
            op = w >> 32
            if op == WM_EV_EXIT:
                done = stack.pop()
                if not stack:
                    root = done
                i += 1
                continue
            name, named = kinds.get(kind_hash, ("?", True))
            if op == WM_EV_TOKEN:
                node = Node(name, text, sp[2 * i], sp[2 * i + 1]) if named else \
                    Node("token", name, sp[2 * i], sp[2 * i + 1])
                if stack:
                    stack[-1].add(node)
                else:
                    root = node
            else:
                node = Node(name, 0, sp[2 * i], sp[2 * i + 1])
                if stack:
                    stack[-1].add(node)
                stack.append(node)
            i += 1
        if stack:  # a range cut short (cannot happen for a whole unit): close what is open
            root = stack[0]
        assert root is not None
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
