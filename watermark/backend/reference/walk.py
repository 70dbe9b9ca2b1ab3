"""The fingerprint walk of the C core in plain Python: the reference.

Mirrors csrc/wm_fingerprint.c (tree -> events, units, syntax digest) and
csrc/wm_units.c (unit hashes), walking a py-tree-sitter tree with a
TreeCursor exactly as the C walks the parser's subtrees.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import tree_sitter

from ..contract import (
    EVENT_STRUCT,
    UNIT_STRUCT,
    WM_EXIT_WORD,
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
    WM_SEED_EXACT,
    WM_SEED_RENAMED,
    WM_SEED_SKELETON,
    WM_SEED_SYNTAX,
    WM_SEED_TEXT,
    EventRecord,
    ProbeRecord,
    UnitFields,
    UnitRecord,
)
from ..contract import (
    WM_EV_ENTER as EV_ENTER,
)
from ..contract import (
    WM_EV_EXIT as EV_EXIT,
)
from ..contract import (
    WM_EV_TOKEN as EV_TOKEN,
)
from .hashes import SeqHash, _round, normalize_token, seqhash, xxh64

# A unit as the walk builds it, field by field as struct wm_unit (the contract's
# mutable record: the walk fills ev_end, names and hashes in as it goes).
RawUnit = UnitFields


@dataclass
class Walk:
    """Everything one walk of a file produces (mirrors struct wm_doc)."""

    events: list[tuple[int, int, int, int]]  # (kind, text, ident, op)
    units: list[RawUnit]
    elements: list[RawUnit]  # the elements of WM_F_ELEMENTS lists (wm_doc_elements)
    n_idents: int
    n_nodes: int
    file_hashes: tuple[int, int, int, int]
    has_error: bool
    spans: list[tuple[int, int]]  # per event: [start, end) bytes of its node ((0, 0) on EXIT)


def pack_units(units: list[RawUnit]) -> bytes:
    """RawUnits as packed struct wm_unit records (fields by name)."""
    return b"".join(UNIT_STRUCT.pack(*(getattr(u, f) for f in UnitRecord._fields)) for u in units)


def pack_events(events: list[tuple[int, int, int, int]]) -> bytes:
    """(kind, text, ident, op) events as packed struct wm_event records."""
    return b"".join(EVENT_STRUCT.pack(*EventRecord(kind=k, text=t, ident=i, op=o)) for k, t, i, o in events)


def unpack_events(buf: bytes, n: int) -> list[tuple[int, int, int, int]]:
    return [(e.kind, e.text, e.ident, e.op) for e in map(EventRecord._make, EVENT_STRUCT.iter_unpack(
        buf[:n * EVENT_STRUCT.size]))]


_LEVEL_SEEDS = (WM_SEED_EXACT, WM_SEED_SKELETON, WM_SEED_RENAMED)
_MEMBER_SPACE = 0x6D656D6265722E2E  # a member name's identifier space (wm_fingerprint.c's WM_MEMBER_SPACE)


def hash_units(events: list[tuple[int, int, int, int]], units: list[RawUnit], n_idents: int) -> None:
    """Fill exact/renamed/skeleton of each unit from its event range.

    Merkle hashes of every item (token, or ENTER..EXIT) at three levels
    (exact, skeleton, blank = identifiers' texts left out), then per unit
    the sequence hash of its items' hashes; `renamed` appends the
    first-occurrence ordinal of each identifier occurrence in the unit.
    """
    n = len(events)
    item: list[tuple[int, ...] | None] = [None] * n  # (exact, skeleton, blank) at the item's first event
    last = [0] * n
    idents_before = [0] * (n + 1)
    ident_at: list[int] = []
    open_nodes: list[tuple[int, list[SeqHash]]] = []
    for i, (kind, text, ident, op) in enumerate(events):
        idents_before[i] = len(ident_at)
        if op == EV_ENTER:
            seqs = [SeqHash(seed) for seed in _LEVEL_SEEDS]
            for sq in seqs:
                sq.add(kind)
            open_nodes.append((i, seqs))
            continue
        if op == EV_TOKEN:
            full = _round(kind, text)
            h: tuple[int, ...] = (full, kind, kind if ident >= 0 else full)
            if ident >= 0:
                if not 0 <= ident < n_idents:
                    raise ValueError("identifier id out of range")
                ident_at.append(i)
            first = i
        elif op == EV_EXIT:
            if not open_nodes:
                raise ValueError("EXIT without ENTER")
            first, seqs = open_nodes.pop()
            h = tuple(sq.final() for sq in seqs)
        else:
            raise ValueError(f"bad event op {op}")
        item[first] = h
        last[first] = i
        if open_nodes:
            for sq, v in zip(open_nodes[-1][1], h):
                sq.add(v)
    if open_nodes:
        raise ValueError("ENTER without EXIT")
    idents_before[n] = len(ident_at)
    for u in units:
        if not 0 <= u.ev_begin <= u.ev_end <= n:
            raise ValueError("unit range outside the events")
        seqs = [SeqHash(seed) for seed in _LEVEL_SEEDS]
        e = u.ev_begin
        while e < u.ev_end:
            hashes = item[e]
            if hashes is None or last[e] >= u.ev_end:
                raise ValueError("unit range is not a run of whole items")
            for sq, v in zip(seqs, hashes):
                sq.add(v)
            e = last[e] + 1
        ordinals: dict[int, int] = {}
        for j in range(idents_before[u.ev_begin], idents_before[u.ev_end]):
            seqs[2].add(ordinals.setdefault(events[ident_at[j]][2], len(ordinals)))
        u.exact, u.skeleton, u.renamed = (sq.final() for sq in seqs)


def _quoted_key(content: bytes) -> str | None:
    """What a quoted property key equals unquoted: "name", "number" or None."""
    if not content:
        return None
    if content.isascii():
        text = content.decode()
        if (text[0].isalpha() or text[0] in "_$") and all(c.isalnum() or c in "_$" for c in text):
            return "name"
        if text.isdigit() and len(text) <= 15 and (text[0] != "0" or len(text) == 1):
            return "number"
    return None


def probe(root: tree_sitter.Node, start: int, end: int, context: frozenset[int], length: int) -> ProbeRecord:
    """wm_fingerprint.c probe(): the smallest node over [start, end), and
    around it when its symbol is in `context`."""
    none = WM_PROBE_NONE
    n = root.descendant_for_byte_range(start, end) if start <= end <= length else None
    if n is None or n.kind_id not in context:
        return ProbeRecord(start, end, 0xFFFFFFFF, n.kind_id if n is not None else none, none, none, none,
                           0, 0, 0, 0)
    kids = n.children
    first = kids[0].kind_id if kids else none
    after = next((c.kind_id for c in kids if c.start_byte >= end), none)
    name = n.child_by_field_name("name")
    up = n.parent
    in_error, a = 0, n  # type: tuple[int, tree_sitter.Node | None]
    while a is not None:
        if a.is_error:
            in_error = 1
            break
        a = a.parent
    return ProbeRecord(start, end, name.start_byte if name is not None else 0xFFFFFFFF, n.kind_id,
                       up.kind_id if up is not None else none, first, after, int(n.has_error),
                       int(up.has_error) if up is not None else 0, in_error, 0)


def walk(tree: tree_sitter.Tree, source: bytes, flags: Sequence[int], norms: Sequence[int],
         kind_hashes: Sequence[int], fields: Sequence[int], error_kind_hash: int) -> Walk:
    """Walk a py-tree-sitter Tree exactly as csrc/wm_fingerprint.c walks it.

    fields[symbol] is the field naming a unit, or the operator field of a
    WM_F_ASSOC node; norms[symbol] its tokens' normalizer (WM_N_*)."""
    n_symbols = len(flags)
    events: list[tuple[int, int, int, int]] = []
    spans: list[tuple[int, int]] = []
    units: list[RawUnit] = []
    elements: list[RawUnit] = []
    syntax: list[int] = []
    idents: dict[int, int] = {}
    # frame: [node_index, unit_index, flags, entered, assoc_op, key_start, element_index]
    stack: list[list[int]] = []
    n_nodes = 0
    key_kinds: dict[str, tuple[int, int] | None] = {"name": None, "number": None}  # (kind hash, flags) per kind
    for sym in range(n_symbols):
        if flags[sym] & WM_F_KEY_NAME and key_kinds["name"] is None:
            key_kinds["name"] = (kind_hashes[sym], flags[sym])
        if flags[sym] & WM_F_KEY_NUMBER and key_kinds["number"] is None:
            key_kinds["number"] = (kind_hashes[sym], 0)

    def kind_of(sym: int) -> tuple[int, int]:
        if sym < n_symbols:
            return kind_hashes[sym], flags[sym]
        return error_kind_hash, 0

    def close_unit(ui: int, f: int) -> None:
        u = units[ui]
        u.ev_end = len(events)
        if (f & WM_F_NAME_FROM_CHILD) and u.name_start == u.name_end and ui + 1 < len(units) \
                and units[ui + 1].parent == ui:
            u.name_start, u.name_end = units[ui + 1].name_start, units[ui + 1].name_end

    def open_unit(node: tree_sitter.Node, sym: int, idx: int) -> tuple[int, int]:
        """The new unit's index, and its key's start if it is WM_F_KEYED."""
        parent = -1
        for fr in reversed(stack):
            if fr[1] >= 0:
                parent = fr[1]
                break
        name_start = name_end = 0
        key_start = -1
        field = fields[sym] if sym < n_symbols else 0
        if field:
            name = node.child_by_field_id(field)
            if name is not None:
                if flags[sym] & WM_F_KEYED:
                    key_start = name.start_byte
                ns = name.kind_id
                if ns < n_symbols and flags[ns] & WM_F_IDENT:
                    name_start, name_end = name.start_byte, name.end_byte
        units.append(RawUnit(
            ev_begin=len(events), ev_end=len(events), start_byte=node.start_byte,
            end_byte=node.end_byte, start_row=node.start_point[0], end_row=node.end_point[0],
            name_start=name_start, name_end=name_end, parent=parent, node=idx,
            parent_node=stack[-1][0] if stack else idx, symbol=sym, has_error=node.has_error,
        ))
        return len(units) - 1, key_start

    def open_element(node: tree_sitter.Node, sym: int, idx: int) -> int:
        """A new element unit (a named child of a WM_F_ELEMENTS list): its
        parent is the enclosing unit, its parent_node the list."""
        parent = next((fr[1] for fr in reversed(stack) if fr[1] >= 0), -1)
        elements.append(RawUnit(
            ev_begin=len(events), ev_end=len(events), start_byte=node.start_byte,
            end_byte=node.end_byte, start_row=node.start_point[0], end_row=node.end_point[0],
            parent=parent, node=idx, parent_node=stack[-1][0], symbol=sym, has_error=node.has_error,
        ))
        return len(elements) - 1

    def assoc_operator(node: tree_sitter.Node, sym: int) -> int:
        op = node.child_by_field_id(fields[sym])
        if op is None:
            return 0
        return op.kind_id if op.kind_id < n_symbols and flags[op.kind_id] & WM_F_ASSOC_OP else 0

    def continues_chain(op: int) -> bool:
        for fr in reversed(stack):
            if not fr[2] & WM_F_TRANSPARENT:
                return fr[4] == op
        return False

    def visit(node: tree_sitter.Node) -> bool:
        nonlocal n_nodes
        sym = node.kind_id
        kind, f = kind_of(sym)
        idx = n_nodes
        n_nodes += 1
        start, end = node.start_byte, node.end_byte
        named = node.is_named
        parent = stack[-1] if stack else None
        syntax.append(kind)
        leaf = node.child_count == 0 or bool(f & WM_F_ATOMIC)
        if f & WM_F_UNWRAP and not leaf and node.named_child_count == 1 and node.child_count <= 3:
            f |= WM_F_TRANSPARENT  # `| A`, `(a)`: the member (not `(a,)`)
        if leaf and end > start:
            syntax.append(xxh64(source[start:end], WM_SEED_TEXT))
        if (f & WM_F_SKIP) or (parent is not None and (
                (parent[2] & WM_F_SKIP) or ((parent[2] & (WM_F_TRANSPARENT | WM_F_BARE)) and not named))):
            if not leaf:
                f |= WM_F_SKIP
            else:
                syntax.append(WM_EXIT_WORD)
                return False
        skipping = bool(f & WM_F_SKIP)
        ui, key_start = -1, -1
        if not skipping and ((f & WM_F_UNIT) or (named and parent is not None and parent[2] & WM_F_LIST)):
            ui, key_start = open_unit(node, sym, idx)
        ei = open_element(node, sym, idx) if not skipping and named and parent is not None \
            and parent[2] & WM_F_ELEMENTS else -1
        if not skipping and not leaf and f & WM_F_MEMBER and fields[sym]:
            member = node.child_by_field_id(fields[sym])
            if member is not None:
                key_start = member.start_byte
        if leaf:
            if not skipping:
                text, ident = 0, -1
                if named or (f & WM_F_ATOMIC):
                    token = normalize_token(source[start:end], norms[sym] if sym < n_symbols else 0)
                    text = xxh64(token, WM_SEED_TEXT)
                    if f & WM_F_ATOMIC and parent is not None and parent[2] & WM_F_KEYED \
                            and parent[5] == start:
                        key = key_kinds.get(_quoted_key(token) or "")
                        if key is not None:
                            kind, f = key
                    if f & WM_F_IDENT:
                        space = kind
                        if parent is not None and parent[2] & WM_F_MEMBER and parent[5] == start:
                            space ^= _MEMBER_SPACE  # a member name: apart from the variables
                        ident = idents.setdefault(_round(space, text) | 1, len(idents))
                events.append((kind, text, ident, EV_TOKEN))
                spans.append((start, end))
            if ui >= 0:
                close_unit(ui, f)
            if ei >= 0:
                elements[ei].ev_end = len(events)
            syntax.append(WM_EXIT_WORD)
            return False
        assoc_op = assoc_operator(node, sym) if not skipping and f & WM_F_ASSOC else 0
        entered = not skipping and not (f & WM_F_TRANSPARENT) \
            and not (assoc_op and continues_chain(assoc_op))
        if entered:
            events.append((kind, 0, -1, EV_ENTER))
            spans.append((start, end))
        stack.append([idx, ui, (WM_F_SKIP | WM_F_TRANSPARENT) if skipping else f, int(entered),
                      assoc_op, key_start, ei])
        return True

    def leave() -> None:
        idx, ui, f, entered, _, _, ei = stack.pop()
        if entered:
            events.append((0, 0, -1, EV_EXIT))
            spans.append((0, 0))
        if ui >= 0:
            close_unit(ui, f)
        if ei >= 0:
            elements[ei].ev_end = len(events)
        syntax.append(WM_EXIT_WORD)

    cursor = tree.walk()
    while True:
        node = cursor.node
        assert node is not None  # a cursor always stands on a node
        if visit(node):
            if cursor.goto_first_child():
                continue
            leave()
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                break
            leave()
        else:
            continue
        break
    while stack:
        leave()

    whole = RawUnit(ev_begin=0, ev_end=len(events), parent=-1)
    hash_units(events, units + [whole] + elements, len(idents))
    digest = seqhash(syntax, WM_SEED_SYNTAX)
    return Walk(events, units, elements, len(idents), n_nodes,
                (whole.exact, whole.renamed, whole.skeleton, digest), tree.root_node.has_error, spans)
