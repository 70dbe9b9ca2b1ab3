"""TypeScript (`.ts`, `.mts`, `.cts`) and TSX (`.tsx`):
tree-sitter-typescript 0.23.2, its `typescript` and `tsx` grammars.

Formatter: prettier, as for JavaScript: TypeScript is JavaScript's syntax
and rules (javascript.py) with types. Type annotations are structure; type
names are identifiers, so a consistent renaming of a type parameter is a
renaming. The kinds both grammars share hash alike, so a `.js` file renamed
`.ts` keeps most of its fingerprints.

Carriers, beyond JavaScript's: between interface members, between overload
signatures and around them, between declarations of a namespace. Not
between the members of type literals (prettier joins a short one onto one
line where it fits), not between enum members (a bare member is no unit),
not inside JSX (children are expressions, not units), never between a
decorator and what it decorates.

Three things TypeScript allows are not in the pinned grammar: variance
annotations (`interface Box<in out T>`, TypeScript 4.7), call signatures
of an object type separated by line breaks only (`{ (a: A): B <newline>
<C>(c: C): D }`, effect's overload lists) and escapes in a template literal
type. A file that has them is read as `Respelling` respells it for the
grammar (annotations blanked, a `;` where the line break separates, an
escape's two bytes made fragment text), so it parses, and is marked and
diffed like any other; the annotations themselves are no structure.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from ..backend.contract import (
    WM_C_DIRECTIVE,
    WM_C_FIRST_LINE,
    WM_N_CHARS,
    WM_N_NUMBER,
    WM_N_QUOTED,
    WM_O_TRAILING_COMMENTS,
    ProbeRecord,
)
from . import javascript as js
from .base import CarrierRules, Language, Respelled, Syntax

_DECLARATIONS = frozenset(
    """interface_declaration type_alias_declaration enum_declaration
    abstract_class_declaration ambient_declaration function_signature
    import_alias""".split()
)
STATEMENTS = (js.STATEMENTS - {"using_declaration"}) | _DECLARATIONS
_CLASS_MEMBERS = frozenset(
    """method_definition public_field_definition class_static_block
    method_signature abstract_method_signature index_signature""".split()
)
_SIGNATURES = frozenset(
    """property_signature method_signature call_signature construct_signature
    index_signature""".split()
)
# (the members of a type literal are no units: prettier joins a short type
# literal onto one line, in a parameter's type, however it was written;
# an interface's members, always on lines of their own, are, as members
# of its body)
_MEMBERS = frozenset({"variable_declarator", "pair", "switch_case", "switch_default"}) | _CLASS_MEMBERS
IDENTIFIERS = js.IDENTIFIERS | {"type_identifier"}

SYNTAX = Syntax(
    units=STATEMENTS | _MEMBERS,
    lists=frozenset({"program", "statement_block", "class_body", "object", "switch_body", "interface_body"}),
    elements=frozenset({"array"}),
    identifiers=IDENTIFIERS,
    ignored=frozenset({"comment", "html_comment", "empty_statement"}),
    format_tokens=frozenset({";", ","}),
    # (and prettier drops redundant parentheses of types: `((x: T) => R)`)
    transparent=frozenset({"parenthesized_expression", "formal_parameters", "arguments", "parenthesized_type"}),
    atomic=frozenset({"string"}),
    # prettier writes a leading `|` (`&`) before a union (intersection) it
    # breaks over lines, which the grammar reads as a union of one member;
    # and `(x) => 1` for `x => 1`, whose parameter the grammar wraps in a
    # required_parameter only in parentheses (as JavaScript's, a bare name)
    unwrap=frozenset({"union_type", "intersection_type", "required_parameter"}),
    normalizers={"string": WM_N_QUOTED, "number": WM_N_NUMBER, "regex_flags": WM_N_CHARS},
    name_fields={
        "function_declaration": "name",
        "generator_function_declaration": "name",
        "function_signature": "name",
        "class_declaration": "name",
        "abstract_class_declaration": "name",
        "interface_declaration": "name",
        "type_alias_declaration": "name",
        "enum_declaration": "name",
        "method_definition": "name",
        "method_signature": "name",
        "abstract_method_signature": "name",
        "property_signature": "name",
        "variable_declarator": "name",
        "public_field_definition": "name",
        "pair": "key",
    },
    named_by_child=frozenset({"lexical_declaration", "variable_declaration", "export_statement",
                              "ambient_declaration"}),
    assoc={"binary_expression": "operator"},
    assoc_operators=frozenset({"&&", "||", "??"}),
    keyed=frozenset({"pair", "method_definition", "public_field_definition", "property_signature",
                     "method_signature"}),
    key_name="property_identifier",
    key_number="number",
)

_PROPERTIES = frozenset({"pair", "shorthand_property_identifier", "spread_element"})
CARRIERS = CarrierRules(
    # (and interface members; never type literal members, which are no units)
    groups=(STATEMENTS, _CLASS_MEMBERS | _PROPERTIES | _SIGNATURES, frozenset({"switch_case", "switch_default"})),
    classes={WM_C_DIRECTIVE: frozenset({"expression_statement"}),
             WM_C_FIRST_LINE: _PROPERTIES | {"method_definition"}},
    options=WM_O_TRAILING_COMMENTS,
)

CHANGES = replace(
    js.CHANGES,
    functions=js.CHANGES.functions | {"function_signature", "method_signature", "abstract_method_signature"},
    decorators=frozenset({"decorator"}),
)


class Entities(js.Entities):
    """JavaScript's entities, and interfaces, type aliases, enums, abstract
    classes, overload signatures and class fields."""

    always = {k: v for k, v in js.Entities.always.items() if k != "field_definition"} | {
        "abstract_class_declaration": "class", "interface_declaration": "interface",
        "type_alias_declaration": "type", "enum_declaration": "enum", "function_signature": "function",
        "abstract_method_signature": "method", "public_field_definition": "field",
    }
    candidates = frozenset(always) | js.Entities.candidates - {"field_definition"}
    function_kinds = js.Entities.function_kinds | {"abstract_class_declaration", "interface_declaration",
                                                   "type_alias_declaration", "enum_declaration"}


class Respelling:
    """What TypeScript allows and tree-sitter-typescript 0.23.2 cannot read,
    respelled for it at the same length and on the same lines:

    - variance annotations (`<in out T>`) blanked;
    - a `;` between the members of an object type or interface whose next
      member is a call signature starting its line with `(` or `<`
      (effect's overload lists), where TypeScript reads the line break as
      the separator and the grammar does not: in place of the line's first
      blank. `;` is a format token, so no hash sees it;
    - an escaped backtick, `$` or backslash in a template literal type
      (type M = `use \\`Self\\``), which the grammar reads in a template
      string only: the two bytes become \\x01 and one byte per escaped
      character, text of the type's fragment (hashed as such, the same in
      every copy).

    Candidates are found by their spelling (variance outside comment lines)
    and kept only where the respelling's tree puts them (`narrow`): right
    before a type parameter's name, between the members of an object type
    or interface, in a fragment of a template literal type. Every scan is
    linear, so hostile input costs linear time."""

    context = frozenset({"type_parameter", "type_parameters", ";", "string_fragment"})

    def respell(self, data: bytes) -> Respelled | None:
        return _respelled(data, _variance_spans(data),
                          [at for at in _signature_lines(data) if _unseparated(data, at)],
                          _type_escapes(data))

    def narrow(self, data: bytes, respelled: Respelled, probes: Sequence[ProbeRecord],
               kind: Callable[[int], str | None]) -> Respelled | None:
        variance, separators, escapes = respelled.changes
        n_v, n_s = len(variance), len(separators)
        kept_v = [v for v, p in zip(variance, probes) if _before_type_parameter(p, kind)]
        kept_s = [at for at, p in zip(separators, probes[n_v:]) if _separates_members(p, kind)]
        kept_e = [at for at, p in zip(escapes, probes[n_v + n_s:]) if _in_template_type(p, kind)]
        if (kept_v, kept_s, kept_e) == (variance, separators, escapes):
            return respelled
        return _respelled(data, kept_v, kept_s, kept_e)


def _respelled(data: bytes, variance: list[tuple[int, int]], separators: list[int], escapes: list[int]
               ) -> Respelled | None:
    if not variance and not separators and not escapes:
        return None
    out = bytearray(data)
    for a, b in variance:
        out[a:b] = bytes(c if c in b"\r\n" else 0x20 for c in data[a:b])
    for at in separators:
        out[at] = 0x3B  # ;
    for at in escapes:
        out[at:at + 2] = _ESCAPED[data[at + 1]]
    return Respelled(bytes(out), tuple(variance) + tuple((at, at + 1) for at in separators)
                     + tuple((at, at + 2) for at in escapes), (variance, separators, escapes))


# (what an escape's two bytes become: one per escaped character, so that they hash apart)
_ESCAPED = {0x60: b"\x01\x02", 0x24: b"\x01\x03", 0x5C: b"\x01\x04"}
# an escaped backtick, `$` or backslash (a run of backslashes of odd length before it: its last one escapes)
_ESCAPE = re.compile(rb"(\\+)[`$]")


def _type_escapes(data: bytes) -> list[int]:
    """Where an escape of a backtick, `$` or backslash starts, in a file that
    has backticks (whatever it is in: `narrow` keeps those in a template
    literal type). A string's or a comment's stays a string's or a
    comment's respelled, so the others are never disturbed."""
    if b"`" not in data or (b"\\`" not in data and b"\\$" not in data):
        return []
    out: list[int] = []
    for m in _ESCAPE.finditer(data):
        a, b = m.span(1)
        out.extend(range(a, b - 1, 2))  # (pairs of backslashes: each an escaped backslash)
        if (b - a) % 2:
            out.append(b - 1)
    return out


def _in_template_type(p: ProbeRecord, kind: Callable[[int], str | None]) -> bool:
    return kind(p.symbol) == "string_fragment" and kind(p.parent_symbol) == "template_literal_type"


_LOOKBACK = 4096  # how far back a candidate's context is read
# `in` / `out` / `in out` before a name, not inside a word (Respelling: after the `<` or `,`,
# comments or a `const` of a type parameter list, which _variance_spans reads backwards). The
# word's start is checked by hand: a pattern that starts with a lookbehind is tried at every byte
_VARIANCE_WORD = re.compile(rb"(in(?:[ \t\r\n]+out)?|out)(?=[ \t\r\n]+[A-Za-z_$])")
# a call signature starting its line after a blank: `(`, or the `<` of its type parameters
# (`<A>(`, `<A, B`, `<A extends`, `<A = `, `<const A`, or `<` alone; not a JSX tag), the line
# before ending as a member may (a name, a closing bracket, a string, a comment's `*/`; blank
# lines between). Found as a line starting with blanks and `(` or `<`, then read back by hand:
# a pattern starting with a lookbehind is tried at every byte, one starting with the line
# break is tried again at each line of a run of blank lines
_SIGNATURE_INDENT = re.compile(rb"\n[ \t]*([ \t])[(<]")
_SIGNATURE_START = re.compile(rb"\(|<(?:[ \t]*\r?\n|const\b|[\w$]+(?:[ \t]*[,=]|[ \t]+extends\b|>\())")
_BLANK_LINES = re.compile(rb"(?:[ \t]*\r?\n)*[ \t]*\r?")
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_LINE_END = _WORD | frozenset(b">])}\"'/")
_MEMBER_LISTS = frozenset({"object_type", "interface_body"})
# words after which a type goes on (a member never ends in one)
_TYPE_OPERATORS = frozenset({b"extends", b"keyof", b"typeof", b"infer", b"is", b"asserts", b"as", b"satisfies",
                             b"readonly", b"unique", b"new", b"in", b"of"})


def _variance_words(data: bytes) -> Iterator[tuple[int, int]]:
    """The spans of the words `in`, `out`, `in out` before a name."""
    at = 0
    while (m := _VARIANCE_WORD.search(data, at)) is not None:
        start = m.start()
        if start > 0 and data[start - 1] in _WORD:
            at = start + 1  # (inside a word: `xin out T` still has its `out`)
            continue
        yield m.span(1)
        at = m.end()


def _signature_lines(data: bytes) -> Iterator[int]:
    """Where a call signature starts its line (the blank before it), the
    line before ending as a member may."""
    for m in _SIGNATURE_INDENT.finditer(data):
        at = m.start(1)
        if _SIGNATURE_START.match(data, at + 1) is None:
            continue
        end = i = m.start()  # (the line break; the blank lines before it, back to the last code)
        while i > 0 and data[i - 1] in b" \t\r\n":
            i -= 1
        if _ends_member(data, i) and _BLANK_LINES.fullmatch(data, i, end) is not None:
            yield at


def _ends_member(data: bytes, i: int) -> bool:
    """Whether the code ending at `i` may end a member: a name, a closing
    bracket, a string, a comment's `*/`; not an arrow's `=>` nor a type
    operator that the next line's type continues (`A extends` then
    `(B) ? C : D`, `keyof`, `infer`...)."""
    if i <= 0 or data[i - 1] not in _LINE_END or data[max(0, i - 2):i] == b"=>":
        return False
    j = i
    while j > 0 and data[j - 1] in _WORD:
        j -= 1
    return data[j:i] not in _TYPE_OPERATORS


def _variance_spans(data: bytes) -> list[tuple[int, int]]:
    """The spans of `in` / `out` / `in out` that follow a `<` or `,` (past
    blanks, comments and a `const`), on no comment line."""
    out = []
    for span in _variance_words(data):
        at = span[0]
        if _in_comment_line(data, at):
            continue
        i = _code_before(data, at)
        if i >= 5 and data[i - 5:i] == b"const" and (i == 5 or data[i - 6] not in _WORD):
            i = _code_before(data, i - 5)
        if i > 0 and data[i - 1] in b"<,":
            out.append(span)
    return out


def _in_comment_line(data: bytes, at: int) -> bool:
    """Whether `at` is on a line that is a comment's (`//`, `/*`, a JSDoc
    `*`) or after a `//` (the line read back at most _LOOKBACK bytes)."""
    start = data.rfind(b"\n", max(0, at - _LOOKBACK), at) + 1
    head = data[max(start, at - _LOOKBACK):at]
    return head.lstrip().startswith((b"*", b"/*", b"//")) or b"//" in head


def _code_before(data: bytes, at: int) -> int:
    """Where the code before `at` ends, past blanks and comments (-1 when
    blanks and `//` lines run more than _LOOKBACK bytes back, or a block
    comment has no start). A block comment is skipped whole however long (a
    JSDoc block with examples runs to kilobytes): its start is looked for
    back to the end of the comment before it, so each byte is read back for
    at most a few candidates, and the scans stay linear."""
    i, budget = at, _LOOKBACK  # (bytes of blanks and `//` lines still to read back)
    while i > 0:
        j = i
        while i > 0 and j - i < budget and data[i - 1] in b" \t\r\n":
            i -= 1
        budget -= j - i
        if budget <= 0:
            return -1
        if data[max(0, i - 2):i] == b"*/":
            before = data.rfind(b"*/", 0, i - 2)
            i = data.rfind(b"/*", before + 2 if before >= 0 else 0, i - 2)
            if i < 0:
                return -1
            continue
        stop = max(0, i - budget)
        line = max(data.rfind(b"\n", stop, i) + 1, stop)
        comment = data.find(b"//", line, i)
        if comment >= 0 and data.count(b"'", line, comment) % 2 == 0 and data.count(b'"', line, comment) % 2 == 0:
            budget -= i - comment
            i = comment
            continue
        return i
    return 0


def _unseparated(data: bytes, at: int) -> bool:
    """Whether the code before `at` (past blanks and comments) ends a member
    with no `;` or `,` after it, nor opens the list."""
    i = _code_before(data, at)
    return i > 0 and data[i - 1] not in b";,{"


def _separates_members(p: ProbeRecord, kind: Callable[[int], str | None]) -> bool:
    """Whether the `;` is a separator of a member list the grammar read
    without error."""
    return kind(p.symbol) == ";" and kind(p.parent_symbol) in _MEMBER_LISTS and not p.parent_has_error


def _before_type_parameter(p: ProbeRecord, kind: Callable[[int], str | None]) -> bool:
    """Whether the blanked [start, end) is right before a type parameter's
    name in a type parameter list the grammar read without error (none in
    it, no ERROR around it): between its `<` or `,` and the parameter, or
    after the parameter's `const`."""
    node = kind(p.symbol)
    if node == "type_parameter":  # `<const in T>`: the blank is inside, before the name
        if p.name_start == 0xFFFFFFFF or p.name_start < p.end or kind(p.first_symbol) != "const":
            return False
        holder, holder_error = kind(p.parent_symbol), p.parent_has_error
    elif node == "type_parameters":
        if kind(p.next_symbol) != "type_parameter":
            return False
        holder, holder_error = node, p.has_error
    else:
        return False
    return holder == "type_parameters" and not holder_error and not p.in_error


TYPESCRIPT = Language(
    name="typescript",
    extensions=(".ts", ".mts", ".cts"),
    aliases=("ts", "mts", "cts"),
    grammar="tree_sitter_typescript",
    grammar_entry="language_typescript",
    syntax=SYNTAX,
    carriers=CARRIERS,
    entities=Entities(),
    changes=CHANGES,
    reading=js.JAVASCRIPT.reading,
    default_excludes=("node_modules", "*.d.ts"),
    generated=js.looks_minified,
    respelling=Respelling(),
)

TSX = replace(TYPESCRIPT, name="tsx", extensions=(".tsx",), aliases=(), grammar_entry="language_tsx")
