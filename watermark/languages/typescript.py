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

Two things TypeScript allows are not in the pinned grammar: variance
annotations (`interface Box<in out T>`, TypeScript 4.7) and call signatures
of an object type separated by line breaks only (`{ (a: A): B <newline>
<C>(c: C): D }`, effect's overload lists). A file that has them is read as
`Respelling` respells it for the grammar (annotations blanked, a `;` where the
line break separates), so it parses, and is marked and diffed like any
other; the annotations themselves are no structure.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import tree_sitter

from ..backend.contract import (
    WM_C_DIRECTIVE,
    WM_C_FIRST_LINE,
    WM_N_CHARS,
    WM_N_NUMBER,
    WM_N_QUOTED,
    WM_O_TRAILING_COMMENTS,
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
      blank. `;` is a format token, so no hash sees it.

    Candidates are found by their spelling (variance outside comment lines)
    and kept only where the respelling's tree puts them: right before a
    type parameter's name, between the members of an object type or
    interface. Every scan looks back a bounded distance, so hostile input
    costs linear time."""

    def respell(self, data: bytes, ts_language: Any) -> Respelled | None:
        variance = _variance_spans(data)
        separators = [m.start(1) for m in _SIGNATURE_LINE.finditer(data) if _unseparated(data, m.start(1))]
        parser = tree_sitter.Parser(ts_language)
        for _ in range(3):  # (what landed elsewhere is put back, and the rest tried again)
            if not variance and not separators:
                return None
            out = bytearray(data)
            for a, b in variance:
                out[a:b] = bytes(c if c in b"\r\n" else 0x20 for c in data[a:b])
            for at in separators:
                out[at] = 0x3B  # ;
            root = parser.parse(bytes(out)).root_node
            kept_v = [(a, b) for a, b in variance if _before_type_parameter(root, a, b)]
            kept_s = [at for at in separators if _separates_members(root, at)]
            if (kept_v, kept_s) == (variance, separators):
                return Respelled(bytes(out))
            variance, separators = kept_v, kept_s
        return None


_LOOKBACK = 4096  # how far back a candidate's context is read
# `in` / `out` / `in out` before a name (Respelling: after the `<` or `,`, comments or a `const`
# of a type parameter list, which _variance_spans reads backwards)
_VARIANCE_WORD = re.compile(rb"(?<![\w$])(in(?:[ \t\r\n]+out)?|out)(?=[ \t\r\n]+[A-Za-z_$])")
# a call signature starting its line after a blank: `(`, or the `<` of its type parameters
# (`<A>(`, `<A, B`, `<A extends`, `<A = `, `<const A`, or `<` alone; not a JSX tag), the line
# before ending as a member may (a name, a closing bracket, a string, a comment's `*/`; blank lines
# between): (the blank,)
_SIGNATURE_LINE = re.compile(rb"(?<=[\w$>\])}\"'/])(?:[ \t]*\r?\n)+[ \t]*([ \t])"
                             rb"(?:\(|<(?:[ \t]*\r?\n|const\b|[\w$]+(?:[ \t]*[,=]|[ \t]+extends\b|>\()))")
_MEMBER_LISTS = frozenset({"object_type", "interface_body"})


def _variance_spans(data: bytes) -> list[tuple[int, int]]:
    """The spans of `in` / `out` / `in out` that follow a `<` or `,` (past
    blanks, comments and a `const`), on no comment line."""
    out = []
    for m in _VARIANCE_WORD.finditer(data):
        at = m.start(1)
        if _in_comment_line(data, at):
            continue
        i = _code_before(data, at)
        if i >= 5 and data[i - 5:i] == b"const" and (i == 5 or not _word_byte(data[i - 6])):
            i = _code_before(data, i - 5)
        if i > 0 and data[i - 1] in b"<,":
            out.append(m.span(1))
    return out


def _word_byte(c: int) -> bool:
    return c == 0x24 or c == 0x5F or 0x30 <= c <= 0x39 or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _in_comment_line(data: bytes, at: int) -> bool:
    """Whether `at` is on a line that is a comment's (`//`, `/*`, a JSDoc
    `*`) or after a `//` (the line read back at most _LOOKBACK bytes)."""
    start = data.rfind(b"\n", max(0, at - _LOOKBACK), at) + 1
    head = data[max(start, at - _LOOKBACK):at]
    return head.lstrip().startswith((b"*", b"/*", b"//")) or b"//" in head


def _code_before(data: bytes, at: int) -> int:
    """Where the code before `at` ends, past blanks and comments (-1 when
    that is more than _LOOKBACK bytes back, or a comment has no start)."""
    i, stop = at, max(0, at - _LOOKBACK)
    while i > stop:
        while i > stop and data[i - 1] in b" \t\r\n":
            i -= 1
        if data[max(0, i - 2):i] == b"*/":
            i = data.rfind(b"/*", stop, i - 2)
            if i < 0:
                return -1
            continue
        line = data.rfind(b"\n", stop, i) + 1
        comment = data.find(b"//", max(line, stop), i)
        if comment >= 0 and data.count(b"'", line, comment) % 2 == 0 and data.count(b'"', line, comment) % 2 == 0:
            i = comment
            continue
        return i
    return -1 if i > 0 else 0


def _unseparated(data: bytes, at: int) -> bool:
    """Whether the code before `at` (past blanks and comments) ends a member
    with no `;` or `,` after it, nor opens the list."""
    i = _code_before(data, at)
    return i > 0 and data[i - 1] not in b";,{"


def _separates_members(root: Any, at: int) -> bool:
    node = root.descendant_for_byte_range(at, at + 1)
    return (node is not None and node.type == ";" and node.parent is not None
            and node.parent.type in _MEMBER_LISTS and not node.parent.has_error)


def _before_type_parameter(root: Any, start: int, end: int) -> bool:
    """Whether the blanked [start, end) is right before a type parameter's
    name in a type parameter list the grammar read without error (none in
    it, no ERROR around it): between its `<` or `,` and the parameter, or
    after the parameter's `const`."""
    node = root.descendant_for_byte_range(start, end)
    if node is None:
        return False
    if node.type == "type_parameter":  # `<const in T>`: the blank is inside, before the name
        name = node.child_by_field_name("name")
        if name is None or name.start_byte < end or node.children[0].type != "const":
            return False
        node = node.parent
    elif node.type == "type_parameters":
        after = next((c for c in node.children if c.start_byte >= end), None)
        if after is None or after.type != "type_parameter":
            return False
    else:
        return False
    if node is None or node.type != "type_parameters" or node.has_error:
        return False
    while node is not None and node.type != "ERROR":
        node = node.parent
    return node is None


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
