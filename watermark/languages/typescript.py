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
"""
from __future__ import annotations

from dataclasses import replace

from ..backend.contract import (
    WM_C_DIRECTIVE,
    WM_C_FIRST_LINE,
    WM_N_CHARS,
    WM_N_NUMBER,
    WM_N_QUOTED,
    WM_O_TRAILING_COMMENTS,
)
from . import javascript as js
from .base import CarrierRules, Language, Syntax

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
)

TSX = replace(TYPESCRIPT, name="tsx", extensions=(".tsx",), aliases=(), grammar_entry="language_tsx")
