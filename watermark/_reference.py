"""Pure-Python reference of every C routine in csrc/.

It is the oracle the tests hold the C core to (identical results on random
inputs and on real files), the readable statement of each algorithm, and the
backend used when WATERMARK_PURE_PYTHON=1. Mirrors, function by function:
  xxh64            csrc/wm_xxh64.c       (the public XXH64 algorithm)
  normalize_token  csrc/wm_normalize.c
  walk             csrc/wm_fingerprint.c (tree -> events, units, digest)
  hash_units       csrc/wm_units.c
  siphash          csrc/wm_prf.c         (SipHash-2-4, the keyed PRF)
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

# Hash definition constants; equal to csrc/wm_internal.h (tested).
SEED_TEXT = 0x74657874
SEED_EXACT = 0x65786163
SEED_RENAMED = 0x72656E61
SEED_SKELETON = 0x736B656C
SEED_SYNTAX = 0x73796E74
SEED_KIND = 0x6B696E64
EXIT_WORD = 0x2F2F2F2F2F2F2F2F

EV_ENTER, EV_EXIT, EV_TOKEN = 0, 1, 2

# flag bits, as in _languages (kept here so the reference stands alone)
_F_UNIT, _F_SKIP, _F_TRANSPARENT, _F_IDENT = 1, 2, 4, 8
_F_STRING_JS, _F_NUMBER_JS, _F_NUMBER_GO = 16, 32, 64
_F_NAME_FROM_CHILD, _F_LIST = 128, 256
_F_ASSOC, _F_ASSOC_OP, _F_KEYED, _F_KEY_NAME, _F_FLAGS_JS = 512, 1024, 2048, 4096, 8192

_M = (1 << 64) - 1
_P1 = 0x9E3779B185EBCA87
_P2 = 0xC2B2AE3D27D4EB4F
_P3 = 0x165667B19E3779F9
_P4 = 0x85EBCA77C2B2AE63
_P5 = 0x27D4EB2F165667C5


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M


def _round(acc: int, lane: int) -> int:
    acc = (acc + lane * _P2) & _M
    return (_rotl(acc, 31) * _P1) & _M


def _merge(acc: int, val: int) -> int:
    acc ^= _round(0, val)
    return (acc * _P1 + _P4) & _M


def xxh64_py(data: bytes, seed: int = 0) -> int:
    """XXH64 in plain Python, straight from the xxHash specification."""
    n = len(data)
    p = 0
    if n >= 32:
        v1 = (seed + _P1 + _P2) & _M
        v2 = (seed + _P2) & _M
        v3 = seed & _M
        v4 = (seed - _P1) & _M
        while p + 32 <= n:
            a, b, c, d = struct.unpack_from("<4Q", data, p)
            v1, v2, v3, v4 = _round(v1, a), _round(v2, b), _round(v3, c), _round(v4, d)
            p += 32
        h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _M
        for v in (v1, v2, v3, v4):
            h = _merge(h, v)
    else:
        h = (seed + _P5) & _M
    h = (h + n) & _M
    while p + 8 <= n:
        (k,) = struct.unpack_from("<Q", data, p)
        h ^= _round(0, k)
        h = (_rotl(h, 27) * _P1 + _P4) & _M
        p += 8
    if p + 4 <= n:
        (k,) = struct.unpack_from("<I", data, p)
        h ^= (k * _P1) & _M
        h = (_rotl(h, 23) * _P2 + _P3) & _M
        p += 4
    while p < n:
        h ^= (data[p] * _P5) & _M
        h = (_rotl(h, 11) * _P1) & _M
        p += 1
    h ^= h >> 33
    h = (h * _P2) & _M
    h ^= h >> 29
    h = (h * _P3) & _M
    h ^= h >> 32
    return h


def siphash(key: bytes, data: bytes) -> int:
    """SipHash-2-4 (Aumasson & Bernstein) of data under a 16-byte key."""
    k0, k1 = struct.unpack("<2Q", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(count: int) -> None:
        v0, v1, v2, v3 = v
        for _ in range(count):
            v0 = (v0 + v1) & _M; v1 = _rotl(v1, 13) ^ v0; v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M; v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M; v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M; v1 = _rotl(v1, 17) ^ v2; v2 = _rotl(v2, 32)
        v[:] = v0, v1, v2, v3

    n = len(data)
    tail = data[n - n % 8:] + bytes(7 - n % 8) + bytes([n & 0xFF])
    for (m,) in struct.iter_unpack("<Q", data[: n - n % 8] + tail):
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


try:  # same function, computed by the xxhash package; the tests check both agree
    from xxhash import xxh64_intdigest as xxh64
except ImportError:  # pragma: no cover - xxhash is a declared dependency
    xxh64 = xxh64_py


_KEPT_JS_ESCAPES = frozenset(b"\n\r01234567\\bfnrtuvx")


def _crlf_free(s: bytes) -> bytes:
    return s.replace(b"\r\n", b"\n")


def _js_string(s: bytes) -> bytes:
    if len(s) < 2:
        return _crlf_free(s)
    c = s[1:-1]
    out = bytearray()
    i, m = 0, len(c)
    while i < m:
        ch = c[i]
        if ch == 0x0D and i + 1 < m and c[i + 1] == 0x0A:
            i += 1
            continue
        if ch != 0x5C or i + 1 >= m:
            out.append(ch)
            i += 1
            continue
        d = c[i + 1]
        if d in (0x27, 0x22):
            out.append(d)
            i += 2
        elif d in _KEPT_JS_ESCAPES:
            out += bytes((0x5C, d))
            i += 2
        elif d == 0xE2 and i + 3 < m and c[i + 2] == 0x80 and c[i + 3] in (0xA8, 0xA9):
            out.append(0x5C)
            i += 1
        else:
            i += 1
    return bytes(out)


def _js_number(s: bytes) -> bytes:
    o = s.lower()
    if o[:2] in (b"0x", b"0o", b"0b") or o.endswith(b"n"):
        return o
    mant, sep, exp = o.partition(b"e")
    neg = False
    if sep:
        if exp[:1] in (b"+", b"-"):
            neg = exp[:1] == b"-"
            exp = exp[1:]
        exp = exp.lstrip(b"0")
    if mant.startswith(b"."):
        mant = b"0" + mant
    if b"." in mant:
        mant = mant.rstrip(b"0")
        if mant.endswith(b"."):
            mant = mant[:-1]
    if exp:
        return mant + b"e" + (b"-" if neg else b"") + exp
    return mant


def _go_number(s: bytes) -> bytes:
    o = s.lower()
    if len(o) >= 2 and o.endswith(b"i") and o[:1] == b"0":
        if all(ch in b"0123456789_" for ch in o[:-1]):
            z = 0
            while z + 2 < len(o) and o[z] == 0x30:
                z += 1
            return o[z:]
    return o


def normalize_token(text: bytes, flags: int) -> bytes:
    """The canonical spelling of a token that its hash is computed over."""
    kind = flags & (_F_STRING_JS | _F_NUMBER_JS | _F_NUMBER_GO | _F_FLAGS_JS)
    if kind == _F_STRING_JS:
        return _js_string(text)
    if kind == _F_NUMBER_JS and len(text) < 500:
        return _js_number(text)
    if kind == _F_NUMBER_GO:
        return _go_number(text)
    if kind == _F_FLAGS_JS and len(text) <= 64:
        return bytes(sorted(text))
    return _crlf_free(text)


def token_hash(text: bytes, flags: int) -> int:
    return xxh64(normalize_token(text, flags), SEED_TEXT)


@dataclass
class RawUnit:
    """A unit as the walk produces it (mirrors struct wm_unit)."""

    ev_begin: int
    ev_end: int
    start_byte: int
    end_byte: int
    start_row: int
    end_row: int
    name_start: int
    name_end: int
    parent: int
    node: int
    parent_node: int
    symbol: int
    has_error: bool
    exact: int = 0
    renamed: int = 0
    skeleton: int = 0


@dataclass
class Walk:
    """Everything one walk of a file produces (mirrors struct wm_doc)."""

    events: list[tuple[int, int, int, int]]  # (kind, text, ident, op)
    units: list[RawUnit]
    n_idents: int
    n_nodes: int
    file_hashes: tuple[int, int, int, int]
    has_error: bool


UNIT_STRUCT = struct.Struct("<3Q8Ii2IHBB")  # struct wm_unit
EVENT_STRUCT = struct.Struct("<QQiI")  # struct wm_event


def pack_units(units: list[RawUnit]) -> bytes:
    """RawUnits as packed struct wm_unit records."""
    return b"".join(
        UNIT_STRUCT.pack(u.exact, u.renamed, u.skeleton, u.ev_begin, u.ev_end, u.start_byte,
                         u.end_byte, u.start_row, u.end_row, u.name_start, u.name_end, u.parent,
                         u.node, u.parent_node, u.symbol, int(u.has_error), 0)
        for u in units
    )


class SeqHash:
    """The sequence hash (csrc/wm_internal.h:wm_seq): XXH64's 8-byte step
    folded over 64-bit words, the word count added at the end, then XXH64's
    avalanche."""

    __slots__ = ("acc", "n")

    def __init__(self, seed: int) -> None:
        self.acc = (seed + _P5) & _M
        self.n = 0

    def add(self, word: int) -> None:
        acc = self.acc ^ _round(0, word & _M)
        self.acc = (_rotl(acc, 27) * _P1 + _P4) & _M
        self.n += 1

    def final(self) -> int:
        h = (self.acc + self.n * 8) & _M
        h ^= h >> 33
        h = (h * _P2) & _M
        h ^= h >> 29
        h = (h * _P3) & _M
        return h ^ (h >> 32)


def seqhash(words, seed: int) -> int:
    s = SeqHash(seed)
    for w in words:
        s.add(w)
    return s.final()


_LEVEL_SEEDS = (SEED_EXACT, SEED_SKELETON, SEED_RENAMED)


def hash_units(events, units, n_idents: int) -> None:
    """Fill exact/renamed/skeleton of each unit from its event range.

    Merkle hashes of every item (token, or ENTER..EXIT) at three levels
    (exact, skeleton, blank = identifiers' texts left out), then per unit
    the sequence hash of its items' hashes; `renamed` appends the
    first-occurrence ordinal of each identifier occurrence in the unit.
    """
    n = len(events)
    item: list = [None] * n  # (exact, skeleton, blank) at the item's first event
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
            h = (full, kind, kind if ident >= 0 else full)
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
            if item[e] is None or last[e] >= u.ev_end:
                raise ValueError("unit range is not a run of whole items")
            for sq, v in zip(seqs, item[e]):
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


def walk(tree, source: bytes, flags, kind_hashes, fields, error_kind_hash: int) -> Walk:
    """Walk a py-tree-sitter Tree exactly as csrc/wm_fingerprint.c walks it.

    fields[symbol] is the field naming a unit, or the operator field of a
    _F_ASSOC node."""
    n_symbols = len(flags)
    events: list[tuple[int, int, int, int]] = []
    units: list[RawUnit] = []
    syntax: list[int] = []
    idents: dict[int, int] = {}
    # frame: [node_index, unit_index, flags, entered, assoc_op, key_start]
    stack: list[list[int]] = []
    n_nodes = 0
    key_kinds = {"name": None, "number": None}  # (kind hash, flags) of each kind of quoted key
    for sym in range(n_symbols):
        if flags[sym] & _F_KEY_NAME and key_kinds["name"] is None:
            key_kinds["name"] = (kind_hashes[sym], flags[sym])
        if flags[sym] & _F_NUMBER_JS and key_kinds["number"] is None:
            key_kinds["number"] = (kind_hashes[sym], 0)

    def kind_of(sym: int) -> tuple[int, int]:
        if sym < n_symbols:
            return kind_hashes[sym], flags[sym]
        return error_kind_hash, 0

    def close_unit(ui: int, f: int) -> None:
        u = units[ui]
        u.ev_end = len(events)
        if (f & _F_NAME_FROM_CHILD) and u.name_start == u.name_end and ui + 1 < len(units) \
                and units[ui + 1].parent == ui:
            u.name_start, u.name_end = units[ui + 1].name_start, units[ui + 1].name_end

    def open_unit(node, sym: int, idx: int) -> tuple[int, int]:
        """The new unit's index, and its key's start if it is _F_KEYED."""
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
                if flags[sym] & _F_KEYED:
                    key_start = name.start_byte
                ns = name.kind_id
                if ns < n_symbols and flags[ns] & _F_IDENT:
                    name_start, name_end = name.start_byte, name.end_byte
        units.append(RawUnit(
            ev_begin=len(events), ev_end=len(events), start_byte=node.start_byte,
            end_byte=node.end_byte, start_row=node.start_point[0], end_row=node.end_point[0],
            name_start=name_start, name_end=name_end, parent=parent, node=idx,
            parent_node=stack[-1][0] if stack else idx, symbol=sym, has_error=node.has_error,
        ))
        return len(units) - 1, key_start

    def assoc_operator(node, sym: int) -> int:
        op = node.child_by_field_id(fields[sym])
        if op is None:
            return 0
        return op.kind_id if op.kind_id < n_symbols and flags[op.kind_id] & _F_ASSOC_OP else 0

    def continues_chain(op: int) -> bool:
        for fr in reversed(stack):
            if not fr[2] & _F_TRANSPARENT:
                return fr[4] == op
        return False

    def visit(node) -> bool:
        nonlocal n_nodes
        sym = node.kind_id
        kind, f = kind_of(sym)
        idx = n_nodes
        n_nodes += 1
        start, end = node.start_byte, node.end_byte
        named = node.is_named
        parent = stack[-1] if stack else None
        syntax.append(kind)
        leaf = node.child_count == 0 or bool(f & _F_STRING_JS)
        if leaf and end > start:
            syntax.append(xxh64(source[start:end], SEED_TEXT))
        if (f & _F_SKIP) or (parent is not None and (
                (parent[2] & _F_SKIP) or ((parent[2] & _F_TRANSPARENT) and not named))):
            if not leaf:
                f |= _F_SKIP
            else:
                syntax.append(EXIT_WORD)
                return False
        skipping = bool(f & _F_SKIP)
        ui, key_start = -1, -1
        if not skipping and ((f & _F_UNIT) or (named and parent is not None and parent[2] & _F_LIST)):
            ui, key_start = open_unit(node, sym, idx)
        if leaf:
            if not skipping:
                text, ident = 0, -1
                if named or (f & _F_STRING_JS):
                    token = normalize_token(source[start:end], f)
                    text = xxh64(token, SEED_TEXT)
                    if f & _F_STRING_JS and parent is not None and parent[2] & _F_KEYED \
                            and parent[5] == start:
                        key = key_kinds.get(_quoted_key(token) or "")
                        if key is not None:
                            kind, f = key
                    if f & _F_IDENT:
                        ident = idents.setdefault(_round(kind, text) | 1, len(idents))
                events.append((kind, text, ident, EV_TOKEN))
            if ui >= 0:
                close_unit(ui, f)
            syntax.append(EXIT_WORD)
            return False
        assoc_op = assoc_operator(node, sym) if not skipping and f & _F_ASSOC else 0
        entered = not skipping and not (f & _F_TRANSPARENT) \
            and not (assoc_op and continues_chain(assoc_op))
        if entered:
            events.append((kind, 0, -1, EV_ENTER))
        stack.append([idx, ui, (_F_SKIP | _F_TRANSPARENT) if skipping else f, int(entered),
                      assoc_op, key_start])
        return True

    def leave() -> None:
        idx, ui, f, entered, _, _ = stack.pop()
        if entered:
            events.append((0, 0, -1, EV_EXIT))
        if ui >= 0:
            close_unit(ui, f)
        syntax.append(EXIT_WORD)

    cursor = tree.walk()
    while True:
        if visit(cursor.node):
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

    whole = RawUnit(0, len(events), 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, False)
    hash_units(events, units + [whole], len(idents))
    digest = seqhash(syntax, SEED_SYNTAX)
    return Walk(events, units, len(idents), n_nodes,
                (whole.exact, whole.renamed, whole.skeleton, digest), tree.root_node.has_error)
