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
from collections import Counter
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

_MEMBERS = frozenset({"pair", "method_definition"})  # JS entities that may stand in an object literal
# what may follow the left side of an assignment whose value is a function or class: a pre-filter (comments
# and parentheses let anything through; the events decide)
_CODE_VALUE_AFTER = re.compile(rb"\s*=\s*(?:[/(]|async\b|function\b|class\b|[\w$]+\s*(?:=>|/))")
_GO_GROUPED = frozenset({"type", "var", "const"})  # Go specs, which `( ... )` declarations group
LINE_STEP = 1 << 16  # bytes between the checkpoints of FileView.line_of


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
    owner: str | None = None  # JS: the object literal it is a member of, named from its surroundings
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


_QUOTED = re.compile(r"^(['\"])(.*)\1$", re.DOTALL)

# the text before an object literal that names it (entities.FileView._object_owner)
_OWNER_PREFIX_MAX = 400
_COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_LEADING = re.compile(r"^(?:(?:export\s+default|export|return|yield|await|throw|var|let|const)\b\s*)+")
_PATH = r"[\w$]+(?:\s*(?:\.\s*[\w$]+|\[\s*(?:'[^'\n]*'|\"[^\"\n]*\"|\d+)\s*\]))*"
_LITERAL = r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|\d+"
# `callee(` or `callee('literal', ` (after an optional `x = `): the object is its first or second argument
_CALL_OWNER = re.compile(rf"^(?:{_PATH}\s*=\s*)?(?P<new>new\s+)?(?P<callee>{_PATH})"
                         rf"\s*\(\s*(?:(?P<arg>{_LITERAL})\s*,\s*)?$")
_ASSIGNED_OWNER = re.compile(rf"^(?P<target>{_PATH})\s*=\s*$")
_KEY_OWNER = re.compile(rf"^(?P<key>[\w$]+|{_LITERAL})\s*:\s*$")


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
        self.n_idents = parsed.n_idents
        self.kinds = kind_names(language)
        self._lines: array | None = None
        self._owners: dict[int, str | None] = {}  # object node -> its owner name
        self._parent_nodes: Sequence[int] | None = None  # each unit's syntactic parent
        self._counts: Counter[int] | None = None  # unit -> how many units it directly holds
        self.groups: dict[int, list[tuple[int, int]]] = {}  # entity -> event ranges of its groups of entities
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
        """1-based line of a byte offset: line breaks counted from the last
        checkpoint (every LINE_STEP bytes) before it. Only changed
        functions ask, so a large file is never indexed line by line."""
        src = self.source
        if self._lines is None:
            lines = array("Q", [0])
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
        groups: set[int] = set()  # Go declarations grouping entity specs
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
            owner = None
            if go:
                container = owner = self._receiver(r) if kind == "method" else None
            else:
                owner = self._member_owner(ui, r) if kind_name in _MEMBERS else None
                outer = out[parent].display if parent else None
                container = f"{outer}.{owner}" if outer and owner else outer or owner
            occurrence = seen.get((container, name), 0)
            seen[(container, name)] = occurrence + 1
            e = Entity(len(out), kind, name, container, occurrence, r[_SR] + 1, r[_ER] + 1,
                       r[_EX], r[_RN], r[_SK], 0, bool(r[_ERR]), ui, parent, r[_EVB], r[_EVE], r[_SB], r[_EB],
                       full_exact=r[_EX], owner=owner)
            w = r[_PAR]
            if w >= 0 and w not in entity_of_unit:
                if self._children(w, parents) == 1 and self._adopt_wrappers(e, w, parents, entity_of_unit):
                    pass
                elif go and kind in _GO_GROUPED:
                    groups.add(w)  # a `var ( ... )` / `const` / `type` group: only entities
            entity_of_unit[ui] = e.index
            out[parent].nested.append(e.index)
            out.append(e)
        file_entity.full_exact = self.exact
        if go:
            self._unordered_imports([e for e in out if e.kind == "import"], parents)
        if groups:  # their `var`, `(`, `)` are no code of the file's own
            size = UNIT_STRUCT.size
            self.groups[0] = [(d[_EVB], d[_EVE]) for d in (UNIT_STRUCT.unpack_from(records, g * size)
                                                           for g in sorted(groups))]
        for e in out:
            e.path = self.path
            e.settled = not e.nested
        return out

    def _children(self, unit: int, parents: Sequence[int]) -> int:
        """How many units `unit` directly holds."""
        if self._counts is None:
            self._counts = Counter(parents)
        return self._counts[unit]

    def _adopt_wrappers(self, e: Entity, w: int, parents: Sequence[int], entity_of_unit: dict[int, int]) -> bool:
        """An entity alone in a declaration holding nothing else but keywords
        and punctuation (`export function f`, `const f = () => {}`, Go's
        `var x = 1`) owns that declaration (`w`, and the one around it, if
        alike): `export` or `const` added or removed is its change, and when
        it comes or goes its parent does not change. Its hashes become the
        declaration's; its lines stay its own. Whether it owns one."""
        adopted = False
        while w >= 0 and w not in entity_of_unit and self._children(w, parents) == 1:
            d = UNIT_STRUCT.unpack_from(self.records, w * UNIT_STRUCT.size)
            if not (self._only_tokens(d[_EVB] + 1, e.ev_begin) and self._only_tokens(e.ev_end, d[_EVE] - 1)):
                break
            e.ev_begin, e.ev_end, e.start_byte, e.end_byte = d[_EVB], d[_EVE], d[_SB], d[_EB]
            e.exact, e.renamed, e.skeleton, e.full_exact = d[_EX], d[_RN], d[_SK], d[_EX]
            adopted = True
            w = d[_PAR]
        return adopted

    def _only_tokens(self, a: int, b: int) -> bool:
        """Whether events [a, b) are all keywords and punctuation."""
        return all(self.op(i) == WM_EV_TOKEN and not self.kinds.get(self.ev[3 * i], ("?", True))[1]
                   for i in range(a, b))

    def _unordered_imports(self, imports: list[Entity], parents: Sequence[int]) -> None:
        """A Go import declaration hashes as the multiset of its specs:
        gofmt sorts the specs of a block, so their order is layout."""
        if not imports:
            return
        size = UNIT_STRUCT.size
        for e in imports:
            got = []  # its specs: the units right after it (preorder), until one is not its own
            k = e.unit + 1
            while k < len(parents) and parents[k] == e.unit:
                got.append(UNIT_STRUCT.unpack_from(self.records, k * size))
                k += 1
            e.exact, e.renamed, e.skeleton = (hash(tuple(sorted(r[level] for r in got))) & _MASK64
                                             for level in (_EX, _RN, _SK))
            e.full_exact = e.exact

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
            if not _CODE_VALUE_AFTER.match(self.source, self.sp[2 * left + 1], self.sp[2 * left + 1] + 200):
                return None  # `x.y = value` whose value is no function or class (read past the left side)
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

    # ---- owners of object members (JS) ---------------------------------------------------

    def _member_owner(self, ui: int, r: tuple) -> str | None:
        """The name of the object literal unit `ui` is a member of, from what
        surrounds the object: `moment.defineLocale('dv')` (a call, by its
        callee and first literal argument), `module.exports` / `Foo.prototype`
        / `config` (what it is assigned to), `default` (`export default`),
        `outer.key` (the value of a property); None when it is no object's
        member or the object has no such name (an array element, a return
        value)."""
        node = r[self._PNODE]
        if node in self._owners:
            return self._owners[node]
        owner = None
        first = self._first_member(node, ui, r[_PAR])
        if self._is_object(first):
            owner = self._object_owner(first, r[_PAR])
        self._owners[node] = owner
        return owner

    _PNODE = _FIELD["parent_node"]

    def _first_member(self, node: int, ui: int, enclosing: int) -> int:
        """The first unit of the syntactic list `node` holds (unit ui is one),
        looked for from the unit enclosing the list on."""
        if self._parent_nodes is None:
            self._parent_nodes = column(self.records, "parent_node")
        nodes = self._parent_nodes
        for k in range(enclosing + 1, ui):
            if nodes[k] == node:
                return k
        return ui

    def _is_object(self, ui: int) -> bool:
        """Whether unit ui stands in an object literal (not a class body):
        the events before its own are the object's ENTER and its `{`."""
        begin = UNIT_STRUCT.unpack_from(self.records, ui * UNIT_STRUCT.size)[_EVB]
        return begin >= 2 and self.op(begin - 2) == WM_EV_ENTER and self.kind(begin - 2) == "object"

    def _object_owner(self, first: int, enclosing: int) -> str | None:
        """The owner name of the object whose first member is unit `first`,
        read from the text between the start of the unit enclosing it and
        that member."""
        if enclosing < 0:
            return None
        size = UNIT_STRUCT.size
        start = UNIT_STRUCT.unpack_from(self.records, enclosing * size)[_SB]
        end = UNIT_STRUCT.unpack_from(self.records, first * size)[_SB]
        if end - start > _OWNER_PREFIX_MAX:
            return None
        prefix = _COMMENTS.sub(" ", self.text(start, end)).rstrip()
        if not prefix.endswith("{"):
            return None
        prefix = _LEADING.sub("", prefix[:-1].rstrip())
        m = _CALL_OWNER.match(prefix)
        if m:
            arg = m.group("arg")
            new = "new " if m.group("new") else ""
            return f"{new}{_js_name(m.group('callee'))}({arg.replace(chr(34), chr(39)) if arg else ''})"
        m = _ASSIGNED_OWNER.match(prefix)
        if m:
            return _js_name(m.group("target"))
        m = _KEY_OWNER.match(prefix)
        if m:
            key = _js_name(m.group("key"))
            r = UNIT_STRUCT.unpack_from(self.records, enclosing * size)
            outer = self._member_owner(enclosing, r)
            return f"{outer}.{key}" if outer else key
        if prefix == "" and self._default_export(start):
            return "default"
        return None

    def _default_export(self, start: int) -> bool:
        return self.source[start:start + 64].split(None, 2)[:2] == [b"export", b"default"]

    def _first_token_text(self, r: tuple) -> str:
        """A member named by a non-identifier (a computed or string key)."""
        i = r[_EVB] + 1
        if i < r[_EVE]:
            return self.text(self.sp[2 * i], self.sp[2 * i + 1])[:80]
        return ""

    def own_runs(self, e: Entity, entities: list[Entity]) -> Iterator[tuple[int, int]]:
        """The entity's own events as runs [a, b): its range without its
        nested entities and its groups of entities."""
        cuts = sorted([(entities[k].ev_begin, entities[k].ev_end) for k in e.nested] + self.groups.get(e.index, []))
        at = e.ev_begin
        for a, b in cuts:
            if a > at:
                yield at, a
            at = max(at, b)
        yield at, e.ev_end

    def _own_events(self, e: Entity, entities: list[Entity]) -> tuple[list[int], list[int], list[int]]:
        """The kind, text and ident | op << 32 words of the entity's own
        events (its nested entities' left out). Whole runs at a time: strided
        slices, no loop per event."""
        ev = self.ev
        kinds: list[int] = []
        texts: list[int] = []
        words: list[int] = []
        for a, b in self.own_runs(e, entities):
            kinds += ev[3 * a:3 * b:3]
            texts += ev[3 * a + 1:3 * b:3]
            words += ev[3 * a + 2:3 * b:3]
        return kinds, texts, words

    def _own_hashes(self, e: Entity, entities: list[Entity]) -> tuple[int, int, int]:
        """The C core's unit hashes of the own events (its runs, one after
        the other): what the entity would hash as without its nested
        entities, so the same as an entity that has none with that code.
        Nested entities are not in them: a nested entity added, removed,
        renamed, moved or reordered is reported as itself, never again as a
        change of its parent."""
        ev = self.ev
        own = array("Q")
        for a, b in self.own_runs(e, entities):
            own.extend(ev[3 * a:3 * b])
        n = len(own) // 3
        unit = bytearray(UNIT_STRUCT.pack(*UnitRecord(0, 0, 0, 0, n, *([0] * 12))))
        BACKEND.hash_units(own.tobytes(), n, unit, 1, self.n_idents)
        got = UnitRecord._make(UNIT_STRUCT.unpack(unit))
        return got.exact, got.renamed, got.skeleton

    def sketch(self, e: Entity) -> frozenset[int]:
        """The distinct (kind, text) of its own tokens and nodes: two
        versions of one function share most of them (similarity of
        leftovers: renamed and edited entities)."""
        kinds, texts, _words = self._own_events(e, self.entities)
        return frozenset(map(hash, zip(kinds, texts)))

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
