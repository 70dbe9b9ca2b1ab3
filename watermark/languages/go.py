"""Go (`.go`): tree-sitter-go 0.25.0.

Formatters: gofmt and gofumpt. Their spellings are normalized away (number
case), their blank-line and alignment rules respected by the carrier rules
below: gofmt aligns struct fields, specs and composite literals in
sections, and gofumpt removes blank lines in a few places.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from ..backend.contract import (
    WM_C_ALIGNED,
    WM_C_CELL_BARE,
    WM_C_CELL_ELEMENT,
    WM_C_CELL_NAMES,
    WM_C_COMMENTED_ONLY,
    WM_C_GUARD,
    WM_C_GUARDED,
    WM_C_KEYED_CELL,
    WM_EV_ENTER,
    WM_N_NUMBER_CASE,
    WM_O_NO_TOP_LEVEL,
    UnitRecord,
)
from .base import CarrierRules, ChangeKinds, EventView, Language, Syntax, TreeNode

STATEMENTS = frozenset(
    """assignment_statement dec_statement expression_statement inc_statement
    send_statement short_var_declaration break_statement continue_statement
    defer_statement expression_switch_statement
    fallthrough_statement for_statement go_statement goto_statement
    if_statement labeled_statement return_statement select_statement
    type_switch_statement receive_statement""".split()
)
_DECLARATIONS = frozenset(
    """function_declaration method_declaration type_declaration var_declaration
    const_declaration import_declaration type_spec type_alias var_spec
    const_spec import_spec field_declaration method_elem type_elem
    expression_case type_case communication_case default_case""".split()
)

SYNTAX = Syntax(
    units=STATEMENTS | _DECLARATIONS,
    lists=frozenset(
        """source_file statement_list field_declaration_list interface_type
        import_spec_list var_spec_list const_declaration type_declaration
        literal_value""".split()
    ),
    identifiers=frozenset("identifier field_identifier type_identifier package_identifier label_name".split()),
    ignored=frozenset({"comment", "empty_statement"}),
    format_tokens=frozenset({";", ","}),
    transparent=frozenset({"parenthesized_expression"}),
    normalizers={"int_literal": WM_N_NUMBER_CASE, "float_literal": WM_N_NUMBER_CASE,
                 "imaginary_literal": WM_N_NUMBER_CASE},
    name_fields={k: "name" for k in """function_declaration method_declaration type_spec type_alias
                 var_spec const_spec field_declaration method_elem""".split()},
    named_by_child=frozenset({"type_declaration", "var_declaration", "const_declaration"}),
)

_LIST_MEMBERS = frozenset({"field_declaration", "const_spec", "var_spec", "type_spec", "literal_element",
                           "keyed_element", "method_elem", "type_elem"})

# Between statements inside a function and between case clauses (not
# between top-level declarations, where gofmt and gofumpt manage blank
# lines); not before `if x != nil {` right after an assignment (gofumpt
# removes that blank line). In the lists gofmt aligns in sections (struct
# fields, specs, composite literals), only where the blank line cannot
# change a section: when comment lines stand between A and B, or after an A
# whose last line holds no alignment cell (embedded struct fields without
# tag, const specs of names only, elements of a composite literal without
# `key: value` elements inside an enclosing unit without comments).
# Interface elements only with comment lines between (gofumpt removes other
# blank lines there).
CARRIERS = CarrierRules(
    groups=(STATEMENTS | {"var_declaration", "const_declaration", "type_declaration"}, _LIST_MEMBERS,
            frozenset({"expression_case", "type_case", "communication_case", "default_case"})),
    classes={
        WM_C_GUARD: frozenset({"if_statement"}),
        WM_C_GUARDED: frozenset({"assignment_statement", "short_var_declaration", "var_declaration"}),
        WM_C_ALIGNED: _LIST_MEMBERS,
        WM_C_CELL_BARE: frozenset({"field_declaration"}),
        WM_C_CELL_NAMES: frozenset({"const_spec"}),
        WM_C_CELL_ELEMENT: frozenset({"literal_element"}),
        WM_C_KEYED_CELL: frozenset({"keyed_element"}),
        # always hold a cell (specs, key: value), or lose a blank line to gofumpt (interface elements)
        WM_C_COMMENTED_ONLY: frozenset({"var_spec", "type_spec", "keyed_element", "method_elem", "type_elem"}),
    },
    options=WM_O_NO_TOP_LEVEL,
    guard=(b"if", b"nil"),
)

CHANGES = ChangeKinds(
    branches=frozenset("""if_statement expression_switch_statement type_switch_statement select_statement
                       expression_case type_case communication_case default_case""".split()),
    loops=frozenset({"for_statement"}),
    calls=frozenset({"call_expression"}),
    assignments=frozenset({"assignment_statement", "short_var_declaration", "inc_statement", "dec_statement",
                           "var_spec", "const_spec"}),
    fields=frozenset({"selector_expression"}),
    literals=frozenset("""int_literal float_literal imaginary_literal rune_literal interpreted_string_literal
                       raw_string_literal true false nil iota""".split()),
    errors=frozenset(),
    functions=frozenset({"function_declaration", "method_declaration", "func_literal"}),
    bodies=frozenset({"block"}),
    statement_lists=frozenset({"statement_list", "block"}),
    target_lists=frozenset({"expression_list"}),
    error_checks=frozenset({"if_statement"}),
    short_circuits=frozenset({"&&", "||"}),
    gotos=frozenset({"goto_statement"}),
    defers=frozenset({"defer_statement"}),
    goroutines=frozenset({"go_statement"}),
)


# ---- the entities of `watermark diff` -------------------------------------------------------

_TOP = {"function_declaration": "func", "method_declaration": "method", "import_declaration": "import"}
_SPECS = {"type_spec": "type", "type_alias": "type", "var_spec": "var", "const_spec": "const"}
_ERROR_CHECK = re.compile(rb"\b\w*err\w*\s*[!=]=\s*nil\b|\bnil\s*[!=]=\s*\w*err\w*\b", re.IGNORECASE)


class Entities:
    """Functions, methods (owned by their receiver type), type / var / const
    specs and import declarations at the top level; the package clause is
    the file's own code."""

    candidates = frozenset(_TOP) | frozenset(_SPECS)
    grouped = frozenset({"type", "var", "const"})  # specs of `type ( ... )`, `var ( ... )`, `const ( ... )`
    unordered = frozenset({"import"})  # gofmt sorts the specs of an import block
    function_kinds = frozenset({"function_declaration", "method_declaration", "type_spec"})

    def maybe(self, view: EventView, kind: str, ev_begin: int, ev_end: int) -> bool:
        return True

    def entity(self, view: EventView, r: UnitRecord, kind: str) -> tuple[str, str] | None:
        if kind in _TOP and r.parent < 0:
            if kind == "import_declaration":
                return "import", "import"
            return _TOP[kind], view.text(r.name_start, r.name_end) or "_"
        if kind in _SPECS and r.parent >= 0 and view.unit(r.parent).parent < 0:
            return _SPECS[kind], view.text(r.name_start, r.name_end) or "_"
        return None

    def owner(self, view: EventView, ui: int, r: UnitRecord, kind: str, entity_kind: str) -> str | None:
        return _receiver(view, r) if entity_kind == "method" else None

    def header(self, child: TreeNode, parent: TreeNode) -> bool:
        kids = parent.children
        kind = parent.kind
        if kind in ("if_statement", "for_statement"):
            stop = next((i for i, c in enumerate(kids) if c.kind == "block"), len(kids))
        elif kind in ("expression_switch_statement", "type_switch_statement", "select_statement"):
            stop = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == "{"), len(kids))
        elif kind in ("expression_case", "type_case", "communication_case"):
            stop = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == ":"), len(kids))
        else:
            return False
        return kids.index(child) < stop if child in kids else False

    def error_check(self, node: TreeNode, source: bytes) -> bool:
        """An `if err != nil` (or `== nil`) statement."""
        if node.kind != "if_statement":
            return False
        header = [c for c in node.children if self.header(c, node)]
        return bool(header) and bool(_ERROR_CHECK.search(source[header[0].start:header[-1].end]))

    def signature_name(self, fn: TreeNode, child: TreeNode, source: bytes) -> bool:
        return True  # a Go function's first identifier is its name

    def formatter_spelling(self, old: TreeNode, new: TreeNode, old_source: bytes, new_source: bytes) -> bool:
        return False  # the fingerprint normalizes every spelling its formatter makes

    canonical_kinds: frozenset[str] = frozenset()

    def canonical(self, node: TreeNode, source: bytes, wrap: Callable[[TreeNode, int, int, str], None]) -> None:
        pass  # (no kinds)


def _receiver(view: EventView, r: UnitRecord) -> str | None:
    """A method's receiver type name (`T` of `(t *T)` / `(T[K])`)."""
    i = r.ev_begin + 1
    end = r.ev_end
    while i < end and not (view.op(i) == WM_EV_ENTER and view.kind(i) == "parameter_list"):
        i = view.skip(i)
    if i >= end:
        return None
    text = view.text(*view.span(i)).strip("() \t\n")
    text = re.sub(r"\[.*\]", "", text)  # type parameters
    words = re.findall(r"[\w.]+", text)
    return words[-1] if words else None


GO = Language(
    name="go",
    extensions=(".go",),
    aliases=("golang",),
    grammar="tree_sitter_go",
    syntax=SYNTAX,
    carriers=CARRIERS,
    entities=Entities(),
    changes=CHANGES,
    default_excludes=("vendor", "testdata"),
)
