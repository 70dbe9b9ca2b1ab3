"""What watermark knows of a language, as one value: `Language`.

A language module (go.py, javascript.py) builds one `Language` from node
kind *names* of its tree-sitter grammar; everything per symbol that the C
core and the reference read (`Tables`) is derived from those names when the
grammar is loaded, so it survives a grammar's renumbering. Nothing outside
this package names a language: callers ask a `Language` (its syntax roles,
carrier rules, the entities and change kinds of `watermark diff`, how
leniently to read it, what it ships that is generated) and never branch on
which one it is.

The parts:
  Syntax        fingerprints: which kinds are units, lists, identifiers,
                ignored, transparent, atomic, how tokens are normalized
  CarrierRules  where a blank line may come and go (core/carriers.py)
  Entities      what `watermark diff` reports on (diff/entities.py), as a
                small object with the language's own rules
  ChangeKinds   which node kinds each change class looks for (diff/classes.py)
  Reading       lenient reading (core/reading.py)
"""
from __future__ import annotations

import ctypes
import fnmatch
import functools
import importlib
import json
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol

import tree_sitter

from ..backend import BACKEND
from ..backend.contract import (
    WM_F_ASSOC,
    WM_F_ASSOC_OP,
    WM_F_ATOMIC,
    WM_F_BARE,
    WM_F_ELEMENTS,
    WM_F_IDENT,
    WM_F_KEY_NAME,
    WM_F_KEY_NUMBER,
    WM_F_KEYED,
    WM_F_LIST,
    WM_F_MEMBER,
    WM_F_NAME_FROM_CHILD,
    WM_F_SKIP,
    WM_F_TRANSPARENT,
    WM_F_UNIT,
    WM_F_UNWRAP,
    WM_PROBE_NONE,
    WM_READ_RESPELLED,
    WM_SEED_KIND,
    ProbeRecord,
    UnitRecord,
)
from ..backend.protocol import Parsed
from ..errors import GrammarError


def kind_hash(name: str, named: bool) -> int:
    """Hash of a node kind: stable across processes and grammar renumbering."""
    return BACKEND.xxh64(name.encode() + (b"\x01" if named else b"\x00"), WM_SEED_KIND)


ERROR_KIND_HASH = kind_hash("ERROR", True)


@dataclass(frozen=True)
class Syntax:
    """The roles node kinds play in fingerprints (csrc/wm_fingerprint.c).

    units:         named kinds that are units wherever they occur
                   (declarations, statements, specs, fields, cases...)
    lists:         containers whose every named child is a unit
    identifiers:   leaves abstracted by the `renamed` level
    ignored:       not hashed at all: comments, and empty statements
                   (formatters delete stray `;`)
    format_tokens: anonymous tokens a formatter adds or drops freely
    transparent:   nodes hashed as their named children only (the anonymous
                   tokens inside them, e.g. parentheses, are dropped)
    atomic:        nodes hashed as one token, children and all (a quoted
                   string)
    bare:          nodes hashed without their anonymous tokens (a Python
                   tuple's parentheses)
    unwrap:        nodes hashed as their child when they hold one (a
                   TypeScript union written `| A`), else as `bare`
    normalizers:   kind -> WM_N_* normalizer of its tokens' spelling
    name_fields:   unit kind -> the field holding its name
    named_by_child: unit kinds named after their first child unit
    assoc:         binary operator kind -> its operator field; a chain of one
                   associative operator hashes the same however it is
                   parenthesized (prettier drops such parentheses)
    assoc_operators: the associative operator tokens
    keyed:         units whose name field may be a quoted key, hashed as the
                   key it equals unquoted ('k' as k, '1' as 1)
    key_name / key_number: the kinds such keys hash as
    aliases:       kind -> the kind it hashes as (Python's `(a, b)` and
                   `a, b`: black adds and drops the parentheses of a tuple)
    elements:      lists whose named children are *elements* (an array
                   literal's): hashed as units are, kept apart from them,
                   for the carriers between elements (since scheme 3)
    members:       kind -> the field holding a member name whose identifier
                   kind is the variables' (Python's `x.attr`, `f(k=v)`):
                   numbered apart from them, as other grammars' property
                   kinds are, so renaming a variable leaves it alone
    """

    units: frozenset[str]
    lists: frozenset[str]
    identifiers: frozenset[str]
    ignored: frozenset[str]
    format_tokens: frozenset[str]
    transparent: frozenset[str] = frozenset()
    atomic: frozenset[str] = frozenset()
    bare: frozenset[str] = frozenset()
    unwrap: frozenset[str] = frozenset()
    normalizers: Mapping[str, int] = field(default_factory=dict)
    name_fields: Mapping[str, str] = field(default_factory=dict)
    named_by_child: frozenset[str] = frozenset()
    assoc: Mapping[str, str] = field(default_factory=dict)
    assoc_operators: frozenset[str] = frozenset()
    keyed: frozenset[str] = frozenset()
    key_name: str | None = None
    key_number: str | None = None
    aliases: Mapping[str, str] = field(default_factory=dict)
    members: Mapping[str, str] = field(default_factory=dict)
    elements: frozenset[str] = frozenset()

    def kinds(self) -> frozenset[str]:
        """Every kind name it mentions (tests check the grammar has them)."""
        return (self.units | self.lists | self.identifiers | self.ignored | self.format_tokens | self.transparent
                | self.atomic | self.bare | self.unwrap | set(self.normalizers) | set(self.name_fields)
                | self.named_by_child
                | set(self.assoc) | self.assoc_operators | self.keyed
                | {k for k in (self.key_name, self.key_number) if k} | set(self.aliases) | set(self.aliases.values())
                | set(self.members) | self.elements)


@dataclass(frozen=True)
class CarrierRules:
    """Where one blank line can come and go (core/carriers.py states the
    rules; csrc/wm_carriers.c applies them).

    groups:  sibling groups (at most 4): A and B must both be in one
    classes: WM_C_* rule class -> the kinds that have it
    options: WM_O_* bits
    guard:   (keyword, literal) of the guard pattern `keyword IDENT !=
             literal {` that a formatter keeps right below a WM_C_GUARDED
             A, or None
    density: the share of eligible boundaries used by default"""

    groups: tuple[frozenset[str], ...]
    classes: Mapping[int, frozenset[str]] = field(default_factory=dict)
    options: int = 0
    guard: tuple[bytes, bytes] | None = None
    density: float = 0.75

    def kinds(self) -> frozenset[str]:
        return frozenset().union(*self.groups, *self.classes.values())


@dataclass(frozen=True)
class ChangeKinds:
    """The node kinds each change class of `watermark diff` looks for."""

    branches: frozenset[str]
    loops: frozenset[str]
    calls: frozenset[str]
    assignments: frozenset[str]
    fields: frozenset[str]  # assignment targets that are fields
    literals: frozenset[str]
    errors: frozenset[str]  # error handling by kind (try / catch / throw)
    functions: frozenset[str]
    bodies: frozenset[str]
    statement_lists: frozenset[str] = frozenset()  # a body's statements, as one node
    target_lists: frozenset[str] = frozenset()  # several assignment targets, as one node (`a.b, c = ...`)
    expression_bodied: Mapping[str, str] = field(default_factory=dict)  # function kind -> the token before
    #                                                                       an expression body (`x => expr`)
    returns: frozenset[str] = frozenset({"return_statement"})
    short_circuits: frozenset[str] = frozenset()  # operator tokens that branch
    error_checks: frozenset[str] = frozenset()  # kinds Entities.error_check may call error handling
    gotos: frozenset[str] = frozenset()
    defers: frozenset[str] = frozenset()  # deferred calls
    goroutines: frozenset[str] = frozenset()  # calls run concurrently
    decorators: frozenset[str] = frozenset()  # decorators of functions, classes, members

    def kinds(self) -> frozenset[str]:
        return (self.branches | self.loops | self.calls | self.assignments | self.fields | self.literals
                | self.errors | self.functions | self.bodies | self.statement_lists | self.target_lists
                | set(self.expression_bodied) | self.returns | self.gotos | self.defers | self.goroutines
                | self.error_checks | self.decorators)


@dataclass(frozen=True)
class Reading:
    """Lenient reading of a suspect copy (core/reading.py).

    line_separators: byte sequences the language treats as line ends besides
    `\\n` (JavaScript's U+2028 / U+2029): a file using more of them than
    `\\n` is read with them as line ends.
    line_comment: what starts a comment to the end of the line (a leaker's
    filler comment, an empty comment line standing for a blank one).
    comment_lines: what a line holding a comment starts with (a leaker's
    comment line above each blank line)."""

    line_separators: tuple[bytes, ...] = ()
    line_comment: bytes = b"//"
    comment_lines: tuple[bytes, ...] = (b"//", b"/*", b"*")


class EventView(Protocol):
    """A file parsed with its events, as a language's entity rules read it
    (diff/entities.FileView)."""

    source: bytes
    records: bytes
    language: Language
    memo: dict[str, Any]  # what a language's rules keep per file

    def op(self, i: int) -> int: ...
    def kind(self, i: int) -> str: ...
    def named(self, i: int) -> bool: ...
    def skip(self, i: int) -> int: ...
    def span(self, i: int) -> tuple[int, int]: ...
    def text(self, start: int, end: int) -> str: ...
    def unit(self, k: int) -> UnitRecord: ...
    def children(self, unit: int) -> int: ...
    def parent_nodes(self) -> Sequence[int]: ...


class TreeNode(Protocol):
    """A node of an entity's normalized tree (diff/entities.Node)."""

    kind: str
    label: object
    start: int
    end: int
    parent: Any
    children: list[Any]


class Entities(Protocol):
    """What `watermark diff` reports on in a language: which units are
    entities, their kind and name, what owns them; see diff/entities.py."""

    candidates: frozenset[str]  # unit kinds that may be entities
    grouped: frozenset[str]  # entity kinds a declaration may group (`var ( ... )`): the group is no code of its own
    unordered: frozenset[str]  # entity kinds whose child units are a set (Go imports: gofmt sorts them)
    function_kinds: frozenset[str]  # unit kinds that are functions, methods, types, classes (provenance)

    def maybe(self, view: EventView, kind: str, ev_begin: int, ev_end: int) -> bool:
        """Whether a unit of kind `kind` over events [ev_begin, ev_end) may be
        an entity: a quick test on its first events, before its record is
        read (False only where `entity` would say None)."""
        ...

    def entity(self, view: EventView, r: UnitRecord, kind: str) -> tuple[str, str] | None:
        """(entity kind, name) of unit r (of kind `kind`), or None."""
        ...

    def owner(self, view: EventView, ui: int, r: UnitRecord, kind: str, entity_kind: str) -> str | None:
        """What owns the entity among its siblings (a method's receiver, the
        object literal a member is in), or None."""
        ...

    def header(self, child: TreeNode, parent: TreeNode) -> bool:
        """Whether `child` is in the condition / header of control node `parent`."""
        ...

    def error_check(self, node: TreeNode, source: bytes) -> bool:
        """Whether `node` is an error check (Go's `if err != nil`)."""
        ...

    def signature_name(self, fn: TreeNode, child: TreeNode, source: bytes) -> bool:
        """Whether `child`, the first identifier of function node `fn`, is its name."""
        ...

    def formatter_spelling(self, old: TreeNode, new: TreeNode, old_source: bytes, new_source: bytes) -> bool:
        """Whether token `old` updated to `new` is a respelling the language's
        formatters make that the fingerprint keeps apart (Python: the blanks
        black strips around a docstring's text): no change to report."""
        ...

    # node kinds `canonical` is asked about (diff: FileView.tree)
    canonical_kinds: frozenset[str]

    def canonical(self, node: TreeNode, source: bytes, wrap: Callable[[TreeNode, int, int, str], None]) -> None:
        """Makes one of two spellings of `node` (of canonical_kinds) that the
        language's formatters write for the same code and the fingerprint
        keeps apart (Python: the parentheses black and ruff put around a case's
        sequence pattern), so that diff reports no change between them.
        `wrap(node, i, j, kind)` puts node's children [i, j) under a new node."""
        ...


@dataclass(frozen=True, eq=False)
class Tables:
    """A language's grammar loaded, and the per-symbol tables the C core and
    the reference read (backend.protocol.Grammar and Rules)."""

    name: str
    ts_language: tree_sitter.Language
    capsule: object  # keeps the TSLanguage* alive
    flags: array  # uint32 WM_F_* per symbol
    norms: array  # uint8 WM_N_* per symbol
    kind_hashes: array  # uint64 per symbol
    fields: array  # uint16 per symbol: a unit's name field, an operator field
    kind_names: tuple[str, ...]
    named: tuple[bool, ...]
    classes: array  # uint32 WM_C_* per symbol
    options: int
    guard: tuple[bytes, bytes] | None

    @property
    def error_kind_hash(self) -> int:
        return ERROR_KIND_HASH

    def ts_language_address(self) -> int:
        """Address of the grammar's TSLanguage, for the C core."""
        get = ctypes.pythonapi.PyCapsule_GetPointer
        get.restype = ctypes.c_void_p
        get.argtypes = [ctypes.py_object, ctypes.c_char_p]
        return int(get(self.capsule, b"tree_sitter.Language"))

    def kind_name(self, symbol: int) -> str:
        return self.kind_names[symbol] if symbol < len(self.kind_names) else "ERROR"

    def probed_kind(self, symbol: int) -> str | None:
        """The kind name of a probe's symbol (None: no such node)."""
        return None if symbol == WM_PROBE_NONE else self.kind_name(symbol)

    def symbols(self, kinds: frozenset[str]) -> frozenset[int]:
        """The symbols of these kind names."""
        return frozenset(i for i, n in enumerate(self.kind_names) if n in kinds)


@dataclass(frozen=True)
class Respelled:
    """A file respelled for its grammar: `source`, the same length and the
    same lines; `probes`, the byte ranges of its changes that its tree must
    confirm (Respelling.narrow); `changes`, what the respelling keeps to
    narrow them."""

    source: bytes
    probes: tuple[tuple[int, int], ...] = ()
    changes: Any = None


class Respelling(Protocol):
    """Syntax a language has and its pinned grammar cannot read
    (Language.parse)."""

    context: frozenset[str]  # node kinds whose surroundings `narrow` reads in a probe

    def respell(self, data: bytes) -> Respelled | None:
        """`data` with every change its spelling calls for; None if none."""
        ...

    def narrow(self, data: bytes, respelled: Respelled, probes: Sequence[ProbeRecord],
               kind: Callable[[int], str | None]) -> Respelled | None:
        """`respelled` itself if the grammar's tree of it (its `probes`, their
        symbols named by `kind`) puts every change where it belongs; else
        `data` respelled with only those it does (None: none)."""
        ...


@dataclass(frozen=True, eq=False)
class Language:
    """Everything watermark knows of one language. Identity is by name."""

    name: str
    extensions: tuple[str, ...]
    grammar: str  # the tree-sitter grammar module (pinned in pyproject.toml)
    syntax: Syntax
    carriers: CarrierRules
    entities: Entities
    changes: ChangeKinds
    aliases: tuple[str, ...] = ()
    grammar_entry: str = "language"  # the grammar module's function returning its language
    reading: Reading = Reading()
    default_excludes: tuple[str, ...] = ()  # globs of what a release ships but would not mark (Selector)
    read_only: tuple[str, ...] = ()  # globs of files read (trace, diff) but never marked (Python's `.pyi` stubs)
    generated: Callable[[bytes], bool] = field(default=lambda data: False)  # looks minified or generated
    # syntax the language has and its pinned grammar cannot read, respelled for the grammar: `parse`
    respelling: Respelling | None = None

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Language) and other.name == self.name

    def __repr__(self) -> str:
        return f"Language({self.name!r})"

    def owns(self, path: str) -> bool:
        """Whether `path`'s extension is one of this language's."""
        return str(path).lower().endswith(self.extensions)

    def marks(self, path: str) -> bool:
        """Whether files of this name may be marked (a stub is only read)."""
        name = path.rsplit("/", 1)[-1]
        return not any(fnmatch.fnmatchcase(name, p) for p in self.read_only)

    def generated_path(self, path: str) -> bool:
        """Whether `path` names a generated file (a `*.min.js`) by its name."""
        return any(fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], p) for p in self.default_excludes if "*" in p)

    def parse(self, data: bytes, **options: Any) -> Parsed:
        """The C core's pass over `data` (BACKEND.fingerprint with `options`).

        Where the grammar finds syntax errors and the language has syntax
        its pinned grammar cannot read, the `respelling` of `data` (same
        length, same lines) stands for it if the grammar reads it without
        error: units, spans and carriers are where they are in `data`. A
        file the grammar reads as it is is never respelled, so it keeps the
        fingerprints every version gave it. One C pass: the respelling is
        made and parsed only when `data` has errors, and parsed from
        `data`'s tree."""
        return self._read(data, options)[0]

    def respelled(self, data: bytes) -> bytes | None:
        """What the grammar reads in place of `data` (None: `data` itself)."""
        respelled = self._read(data, {})[1]
        return respelled.source if respelled is not None else None

    def _read(self, data: bytes, options: Mapping[str, Any]) -> tuple[Parsed, Respelled | None]:
        respelling = self.respelling
        if respelling is None:
            return BACKEND.fingerprint(self.tables, data, **options), None
        kind = self.tables.probed_kind
        tried: list[Respelled] = []

        def respell(found: Sequence[ProbeRecord] | None) -> tuple[bytes, Sequence[tuple[int, int]]] | bool | None:
            # (asked only when the grammar finds errors in data: the scans cost nothing otherwise)
            if found is None:
                nxt = respelling.respell(data)
            else:
                nxt = respelling.narrow(data, tried[-1], found, kind)
                if nxt is tried[-1]:  # every change where it belongs
                    return True
                if len(tried) == 3:  # (what landed elsewhere was put back, and the rest tried again, twice)
                    return None
            if nxt is None:
                return None
            tried.append(nxt)
            return nxt.source, nxt.probes

        parsed = BACKEND.fingerprint(self.tables, data, respell=respell, context=self._respell_context, **options)
        return parsed, (tried[-1] if tried and parsed.reading == WM_READ_RESPELLED else None)

    @functools.cached_property
    def _respell_context(self) -> tuple[int, ...]:
        """The symbols of the respelling's context kinds."""
        assert self.respelling is not None
        return tuple(sorted(self.tables.symbols(self.respelling.context)))

    @functools.cached_property
    def tables(self) -> Tables:
        """The grammar, loaded, and the per-symbol tables built from kind
        names (GrammarError when it cannot be loaded)."""
        return _load(self)

    @functools.cached_property
    def background(self) -> tuple[float, ...]:
        """How similar independently written files of this language are to a
        release (provenance's p-values): sorted, measured by
        benchmarks/provenance.py --background --write."""
        path = resources.files(__package__) / "background" / f"{self.name}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return ()
        return tuple(data["similarities"])


def _load(lang: Language) -> Tables:
    try:
        module = importlib.import_module(lang.grammar)
        capsule = getattr(module, lang.grammar_entry)()
        ts_language = tree_sitter.Language(capsule)
    except (ImportError, ValueError, AttributeError) as exc:
        raise GrammarError(f"cannot load the {lang.name} grammar from {lang.grammar}: {exc}; "
                           "reinstall watermark's dependencies (pip install watermark)") from exc
    abi = ts_language.abi_version
    if not tree_sitter.MIN_COMPATIBLE_LANGUAGE_VERSION <= abi <= tree_sitter.LANGUAGE_VERSION:
        raise GrammarError(f"the {lang.name} grammar has ABI {abi}, this tree-sitter supports "
                           f"{tree_sitter.MIN_COMPATIBLE_LANGUAGE_VERSION}..{tree_sitter.LANGUAGE_VERSION}")
    n = ts_language.node_kind_count
    names = tuple(ts_language.node_kind_for_id(i) or "" for i in range(n))
    named = tuple(bool(ts_language.node_kind_is_named(i)) for i in range(n))
    s = lang.syntax
    field_ids = {}
    for kind, field_name in (dict(s.name_fields) | dict(s.assoc) | dict(s.members)).items():
        fid = ts_language.field_id_for_name(field_name)
        if fid is None:
            raise GrammarError(f"the {lang.name} grammar has no field {field_name!r}")
        field_ids[kind] = fid
    roles = ((s.units, WM_F_UNIT), (s.lists, WM_F_LIST), (s.identifiers, WM_F_IDENT), (s.ignored, WM_F_SKIP),
             (s.transparent, WM_F_TRANSPARENT), (s.named_by_child, WM_F_NAME_FROM_CHILD), (set(s.assoc), WM_F_ASSOC),
             (s.keyed, WM_F_KEYED), (s.atomic, WM_F_ATOMIC), (s.bare, WM_F_BARE),
             (s.unwrap, WM_F_UNWRAP | WM_F_BARE), (set(s.members), WM_F_MEMBER),
             ({s.key_name}, WM_F_KEY_NAME),
             ({s.key_number}, WM_F_KEY_NUMBER), (s.elements, WM_F_ELEMENTS))
    flags, norms = array("I", [0]) * n, array("B", [0]) * n
    hashes, fields, classes = array("Q", [0]) * n, array("H", [0]) * n, array("I", [0]) * n
    rules = lang.carriers
    for i, (kind, is_named) in enumerate(zip(names, named)):
        hashes[i] = kind_hash(s.aliases.get(kind, kind) if is_named else kind, is_named)
        f = 0
        if is_named:
            for kinds, flag in roles:
                if kind in kinds:
                    f |= flag
            norms[i] = s.normalizers.get(kind, 0)
            fields[i] = field_ids.get(kind, 0)
        elif kind in s.format_tokens:
            f |= WM_F_SKIP
        elif kind in s.assoc_operators:
            f |= WM_F_ASSOC_OP
        flags[i] = f
        for bit, kinds in enumerate(rules.groups):
            if kind in kinds:
                classes[i] |= 1 << bit
        for rule, kinds in rules.classes.items():
            if kind in kinds:
                classes[i] |= rule
    return Tables(lang.name, ts_language, capsule, flags, norms, hashes, fields, names, named, classes,
                  rules.options, rules.guard)


def unknown_kinds(lang: Language) -> list[str]:
    """Kind names the language mentions that its grammar does not know (tests)."""
    known = set(lang.tables.kind_names)
    wanted = lang.syntax.kinds() | lang.carriers.kinds() | lang.changes.kinds() | lang.entities.candidates
    return sorted(k for k in wanted if k not in known)


__all__ = ["CarrierRules", "ChangeKinds", "Entities", "EventView", "Language", "Reading", "Syntax", "Tables",
           "TreeNode", "kind_hash", "unknown_kinds"]
