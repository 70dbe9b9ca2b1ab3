"""JavaScript (`.js`, `.mjs`, `.cjs`, `.jsx`): tree-sitter-javascript 0.25.0.

Formatter: prettier. Its spellings are normalized away (quotes, numbers,
regex flags, quoted keys, parentheses of `new C` and of associative
chains), its blank-line rules respected by the carrier rules below.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from ..backend.contract import (
    WM_C_DIRECTIVE,
    WM_C_FIRST_LINE,
    WM_EV_ENTER,
    WM_EV_TOKEN,
    WM_N_CHARS,
    WM_N_NUMBER,
    WM_N_QUOTED,
    WM_O_TRAILING_COMMENTS,
    UnitRecord,
)
from .base import CarrierRules, ChangeKinds, EventView, Language, Reading, Syntax, TreeNode

STATEMENTS = frozenset(
    """break_statement continue_statement debugger_statement do_statement
    export_statement expression_statement for_in_statement
    for_statement if_statement import_statement labeled_statement
    return_statement switch_statement throw_statement try_statement
    while_statement with_statement class_declaration function_declaration
    generator_function_declaration lexical_declaration using_declaration
    variable_declaration""".split()
)
_MEMBERS = frozenset(
    """variable_declarator method_definition field_definition
    class_static_block pair switch_case switch_default""".split()
)
_CLASS_MEMBERS = frozenset({"method_definition", "field_definition", "class_static_block"})
_PROPERTIES = frozenset({"pair", "shorthand_property_identifier", "spread_element"})
_CASES = frozenset({"switch_case", "switch_default"})
IDENTIFIERS = frozenset(
    """identifier property_identifier shorthand_property_identifier
    shorthand_property_identifier_pattern private_property_identifier
    statement_identifier""".split()
)

SYNTAX = Syntax(
    units=STATEMENTS | _MEMBERS,
    lists=frozenset({"program", "statement_block", "class_body", "object", "switch_body"}),
    elements=frozenset({"array"}),
    identifiers=IDENTIFIERS,
    ignored=frozenset({"comment", "html_comment", "empty_statement"}),
    format_tokens=frozenset({";", ","}),
    # `new C` and `new C()` are one thing (prettier adds the parentheses)
    transparent=frozenset({"parenthesized_expression", "formal_parameters", "arguments"}),
    atomic=frozenset({"string"}),
    normalizers={"string": WM_N_QUOTED, "number": WM_N_NUMBER, "regex_flags": WM_N_CHARS},
    name_fields={
        "function_declaration": "name",
        "generator_function_declaration": "name",
        "class_declaration": "name",
        "method_definition": "name",
        "variable_declarator": "name",
        "field_definition": "property",
        "pair": "key",
    },
    named_by_child=frozenset({"lexical_declaration", "variable_declaration", "export_statement"}),
    assoc={"binary_expression": "operator"},
    assoc_operators=frozenset({"&&", "||", "??"}),
    keyed=frozenset({"pair", "method_definition", "field_definition"}),
    key_name="property_identifier",
    key_number="number",
)

# statements, class members, switch cases, object properties of an object
# whose first property starts its own line (prettier keeps those expanded
# and keeps their blank lines), but not variable declarators (prettier joins
# them), not around directives such as "use strict", and not after a unit
# that may end in a comment (an automatic semicolon takes a trailing comment
# into the statement; prettier's `;` moves it out)
CARRIERS = CarrierRules(
    groups=(STATEMENTS, _CLASS_MEMBERS | _PROPERTIES, _CASES),
    classes={WM_C_DIRECTIVE: frozenset({"expression_statement"}),
             WM_C_FIRST_LINE: _PROPERTIES | {"method_definition"}},
    options=WM_O_TRAILING_COMMENTS,
)

CHANGES = ChangeKinds(
    branches=frozenset("""if_statement switch_statement switch_case switch_default ternary_expression
                       else_clause""".split()),
    loops=frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"}),
    calls=frozenset({"call_expression", "new_expression"}),
    assignments=frozenset({"assignment_expression", "augmented_assignment_expression", "update_expression",
                           "variable_declarator"}),
    fields=frozenset({"member_expression", "subscript_expression"}),
    literals=frozenset("""string number template_string string_fragment regex regex_pattern true false null
                       undefined""".split()),
    errors=frozenset({"try_statement", "catch_clause", "finally_clause", "throw_statement"}),
    functions=frozenset({"function_declaration", "generator_function_declaration", "method_definition",
                         "function_expression", "function", "arrow_function", "generator_function"}),
    bodies=frozenset({"statement_block"}),
    statement_lists=frozenset({"statement_block"}),
    expression_bodied={"arrow_function": "=>"},
    short_circuits=frozenset({"&&", "||", "??"}),
)


# ---- the entities of `watermark diff` -------------------------------------------------------

_ALWAYS = {"function_declaration": "function", "generator_function_declaration": "function",
           "class_declaration": "class", "method_definition": "method", "field_definition": "field"}
_VALUED = frozenset({"variable_declarator", "pair", "expression_statement"})  # entities when their value is code
_CODE_VALUES = {"function_expression": "function", "function": "function", "arrow_function": "function",
                "generator_function": "function", "class": "class"}
_IN_OBJECTS = frozenset({"pair", "method_definition"})  # entities that may stand in an object literal
# what may follow the left side of an assignment whose value is a function or class: a pre-filter (comments
# and parentheses let anything through; the events decide)
_CODE_VALUE_AFTER = re.compile(rb"\s*=\s*(?:[/(]|async\b|function\b|class\b|[\w$]+\s*(?:=>|/))")
_QUOTED = re.compile(r"^(['\"])(.*)\1$", re.DOTALL)

# the text before an object literal that names it (_object_owner)
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


def js_name(text: str) -> str:
    """An entity name as formatters cannot change it: no whitespace, and a
    quoted key without its quotes, any other string in it single-quoted
    (prettier swaps ' and ", and adds and drops the quotes of keys that need
    none)."""
    name = "".join(text.split())
    m = _QUOTED.match(name)
    return m.group(2) if m else name.replace('"', "'")


class Entities:
    """Functions (declared, or a function / class / arrow assigned to a name
    or a property), classes, class methods and fields, and object methods;
    an object literal's members are owned by the object, named from what
    surrounds it (`moment.defineLocale('dv')`, `module.exports`)."""

    always: dict[str, str] = _ALWAYS  # unit kind -> entity kind, whatever the unit holds
    candidates = frozenset(_ALWAYS) | _VALUED
    grouped: frozenset[str] = frozenset()
    unordered: frozenset[str] = frozenset()
    function_kinds = frozenset({"function_declaration", "generator_function_declaration", "class_declaration",
                                "method_definition"})
    in_objects = _IN_OBJECTS

    def maybe(self, view: EventView, kind: str, ev_begin: int, ev_end: int) -> bool:
        # (most statements and declarators hold no function: the tests entity() starts with)
        if kind in self.always:
            return True
        first = ev_begin + 1
        if first >= ev_end:
            return False
        if kind == "expression_statement":
            if view.op(first) != WM_EV_ENTER or view.kind(first) != "assignment_expression":
                return False
            end = view.span(first + 1)[1]
            return _CODE_VALUE_AFTER.match(view.source, end, end + 200) is not None
        return not (view.op(first) == WM_EV_TOKEN and first + 2 < ev_end
                    and view.kind(first + 2) not in _CODE_VALUES)

    def entity(self, view: EventView, r: UnitRecord, kind: str) -> tuple[str, str] | None:
        if kind in self.always:
            name = view.text(r.name_start, r.name_end) if r.name_end > r.name_start else _first_token_text(view, r)
            return self.always[kind], js_name(name) or "(anonymous)"
        b, e = r.ev_begin, r.ev_end
        if kind == "expression_statement":  # `a.b = function ...`
            i = b + 1
            if i >= e or view.op(i) != WM_EV_ENTER or view.kind(i) != "assignment_expression":
                return None
            left = i + 1
            end = view.span(left)[1]
            if not _CODE_VALUE_AFTER.match(view.source, end, end + 200):
                return None  # `x.y = value` whose value is no function or class (read past the left side)
            after = view.skip(left)
            if after + 1 >= e:
                return None
            value = view.kind(after + 1)  # past the `=` token
            if value not in _CODE_VALUES:
                return None
            return _CODE_VALUES[value], js_name(view.text(*view.span(left)))
        # variable_declarator / pair: name, `=` or `:`, value
        first = b + 1
        if first >= e:
            return None
        if view.op(first) == WM_EV_TOKEN and first + 2 < e and view.kind(first + 2) not in _CODE_VALUES:
            return None  # a one-token name: the value is 2 events on, and no code (most are not)
        after = view.skip(first)
        if after + 1 >= e:
            return None
        value = view.kind(after + 1)
        if value not in _CODE_VALUES:
            return None
        name = js_name(view.text(*view.span(first)))
        kind_out = "method" if kind == "pair" and _CODE_VALUES[value] == "function" else _CODE_VALUES[value]
        return kind_out, name or "(anonymous)"

    def owner(self, view: EventView, ui: int, r: UnitRecord, kind: str, entity_kind: str) -> str | None:
        return _member_owner(view, ui, r) if kind in self.in_objects else None

    def header(self, child: TreeNode, parent: TreeNode) -> bool:
        kids = parent.children
        kind = parent.kind
        if kind in ("if_statement", "while_statement", "switch_statement", "with_statement", "ternary_expression"):
            first = next((c for c in kids if c.kind != "token"), None)
            return child is first
        if kind in ("for_statement", "for_in_statement"):
            return _before(kids, child, ")")
        if kind == "do_statement":
            at = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == "while"), len(kids))
            return kids.index(child) > at if child in kids else False
        if kind == "switch_case":
            return _before(kids, child, ":")
        return False

    def error_check(self, node: TreeNode, source: bytes) -> bool:
        return False  # error handling is by kind (CHANGES.errors)

    def signature_name(self, fn: TreeNode, child: TreeNode, source: bytes) -> bool:
        return b"(" not in source[fn.start:child.start]  # not a parameter of an unnamed function

    def formatter_spelling(self, old: TreeNode, new: TreeNode, old_source: bytes, new_source: bytes) -> bool:
        return False  # the fingerprint normalizes every spelling its formatter makes

    canonical_kinds: frozenset[str] = frozenset()

    def canonical(self, node: TreeNode, source: bytes, wrap: Callable[[TreeNode, int, int, str], None]) -> None:
        pass  # (no kinds)


def _before(kids: list, child: TreeNode, token: str) -> bool:
    stop = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == token), len(kids))
    return kids.index(child) < stop if child in kids else False


def _first_token_text(view: EventView, r: UnitRecord) -> str:
    """A member named by a non-identifier (a computed or string key)."""
    i = r.ev_begin + 1
    return view.text(*view.span(i))[:80] if i < r.ev_end else ""


def _member_owner(view: EventView, ui: int, r: UnitRecord) -> str | None:
    """The name of the object literal unit `ui` is a member of, from what
    surrounds the object: `moment.defineLocale('dv')` (a call, by its callee
    and first literal argument), `module.exports` / `Foo.prototype` /
    `config` (what it is assigned to), `default` (`export default`),
    `outer.key` (the value of a property); None when it is no object's
    member or the object has no such name (an array element, a return
    value). Memoized per object, in the view."""
    owners: dict[int, str | None] = view.memo.setdefault("owners", {})
    node = r.parent_node
    if node in owners:
        return owners[node]
    owner = None
    first = _first_member(view, node, ui, r.parent)
    begin = view.unit(first).ev_begin  # the object's ENTER and its `{` come right before its first member
    if begin >= 2 and view.op(begin - 2) == WM_EV_ENTER and view.kind(begin - 2) == "object":
        owner = _object_owner(view, first, r.parent)
    owners[node] = owner
    return owner


def _first_member(view: EventView, node: int, ui: int, enclosing: int) -> int:
    """The first unit of the list `node` holds (unit ui is one), looked for
    from the unit enclosing the list on."""
    nodes = view.parent_nodes()
    for k in range(enclosing + 1, ui):
        if nodes[k] == node:
            return k
    return ui


def _object_owner(view: EventView, first: int, enclosing: int) -> str | None:
    """The owner name of the object whose first member is unit `first`,
    read from the text between the start of the unit enclosing it and that
    member."""
    if enclosing < 0:
        return None
    start, end = view.unit(enclosing).start_byte, view.unit(first).start_byte
    if end - start > _OWNER_PREFIX_MAX:
        return None
    prefix = _COMMENTS.sub(" ", view.text(start, end)).rstrip()
    if not prefix.endswith("{"):
        return None
    prefix = _LEADING.sub("", prefix[:-1].rstrip())
    m = _CALL_OWNER.match(prefix)
    if m:
        arg = m.group("arg")
        new = "new " if m.group("new") else ""
        return f"{new}{js_name(m.group('callee'))}({arg.replace(chr(34), chr(39)) if arg else ''})"
    m = _ASSIGNED_OWNER.match(prefix)
    if m:
        return js_name(m.group("target"))
    m = _KEY_OWNER.match(prefix)
    if m:
        key = js_name(m.group("key"))
        outer = _member_owner(view, enclosing, view.unit(enclosing))
        return f"{outer}.{key}" if outer else key
    if prefix == "" and view.source[start:start + 64].split(None, 2)[:2] == [b"export", b"default"]:
        return "default"
    return None


# ---- reading and releases ---------------------------------------------------------------

def looks_minified(data: bytes) -> bool:
    """A bundle squeezed onto few long lines: nothing to mark, and not what
    a vendor reads. Heuristic: average line over 300 bytes, or any line over
    5,000 bytes in a file of more than 2 KiB."""
    if len(data) < 2048:
        return False
    lines = data.count(b"\n") + 1
    if len(data) / lines > 300:
        return True
    return any(len(line) > 5000 for line in data.split(b"\n"))


JAVASCRIPT = Language(
    name="javascript",
    extensions=(".js", ".mjs", ".cjs", ".jsx"),
    aliases=("js", "jsx", "mjs", "cjs"),
    grammar="tree_sitter_javascript",
    syntax=SYNTAX,
    carriers=CARRIERS,
    entities=Entities(),
    changes=CHANGES,
    reading=Reading(line_separators=("\u2028".encode(), "\u2029".encode())),
    default_excludes=("node_modules", "*.min.js", "*.min.mjs", "*.bundle.js"),
    generated=looks_minified,
)
