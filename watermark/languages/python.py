"""Python (`.py`; `.pyi` stubs are read, never marked): tree-sitter-python 0.25.0.

Formatters: black and ruff format. Their spellings are normalized away
(string prefixes and quotes, docstring indentation, number spellings,
redundant parentheses, those of tuples, trailing commas and semicolons), their blank-line rules
respected by the carrier rules below. Indentation is syntax: a carrier only
ever adds or removes an empty line between two statements of one block,
which changes no indentation, and never stands inside brackets, a string,
or between a decorator and its definition (those are inside one unit).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from ..backend.contract import (
    WM_C_DEFINITION,
    WM_C_IMPORT,
    WM_C_LONE_STRING,
    WM_EV_ENTER,
    WM_N_NUMBER,
    WM_N_PY_STRING,
    WM_O_HASH_COMMENTS,
    WM_O_TRAILING_COMMENTS,
    UnitRecord,
)
from .base import CarrierRules, ChangeKinds, EventView, Language, Reading, Syntax, TreeNode

_IMPORTS = frozenset({"import_statement", "import_from_statement", "future_import_statement"})
_SIMPLE = frozenset(
    """expression_statement return_statement delete_statement raise_statement
    pass_statement break_statement continue_statement global_statement
    nonlocal_statement assert_statement print_statement exec_statement
    type_alias_statement""".split()
) | _IMPORTS
_COMPOUND = frozenset(
    """if_statement for_statement while_statement try_statement with_statement
    match_statement""".split()
)
DEFINITIONS = frozenset({"function_definition", "class_definition", "decorated_definition"})
STATEMENTS = _SIMPLE | _COMPOUND
IDENTIFIERS = frozenset({"identifier"})

SYNTAX = Syntax(
    units=STATEMENTS | DEFINITIONS | {"case_clause"},
    lists=frozenset({"module", "block"}),
    identifiers=IDENTIFIERS,
    ignored=frozenset({"comment", "line_continuation"}),
    # black and ruff add and drop trailing commas and end-of-statement semicolons
    format_tokens=frozenset({",", ";"}),
    # ... and add and drop redundant parentheses; a type is hashed as the
    # expression it is (the grammar reads `G[A] | B` as a generic and union
    # type, and `(G[A] | B)`, which black writes, as an expression); a call's
    # or a class's arguments as what they hold (`class C():` is `class C:`)
    transparent=frozenset({"parenthesized_expression", "type", "type_parameter", "argument_list"}),
    # strings, and implicitly concatenated ones (ruff joins those that fit
    # on one line), as their value's spelling
    atomic=frozenset({"string", "concatenated_string"}),
    normalizers={"string": WM_N_PY_STRING, "concatenated_string": WM_N_PY_STRING, "integer": WM_N_NUMBER,
                 "float": WM_N_NUMBER},
    name_fields={"function_definition": "name", "class_definition": "name"},
    named_by_child=frozenset({"decorated_definition"}),
    # a tuple with or without its parentheses (`return (x,)` and `return x,`;
    # `for (a, b) in` and `for a, b in`): black adds and drops them
    # (and the parentheses around imported names and context managers)
    bare=frozenset({"tuple", "tuple_pattern", "subscript", "generic_type", "import_from_statement",
                    "with_clause"}),
    # the grammar reads a parenthesized target (`for (x) in`, `case (x):`,
    # and black's `a = (\n    b.c\n) = None`) as a tuple pattern of one:
    # black writes it without the parentheses (`(x,)` is a tuple and stays)
    unwrap=frozenset({"tuple_pattern", "case_pattern"}),
    # attribute and keyword names share the variables' `identifier` kind
    members={"attribute": "attribute", "keyword_argument": "name"},
    aliases={"concatenated_string": "string", "tuple": "expression_list", "tuple_pattern": "pattern_list",
             "generic_type": "subscript",
             "union_type": "binary_operator", "member_type": "attribute"},
)

# Between two statements of one block (or of the module) that are not
# definitions: black and ruff format keep 0 or 1 blank lines there (up to 2
# at module level). Not next to a definition, nor after a statement that
# ends in one (`if x:` whose block ends in a `def`): the formatters set
# those blank lines (1 in a block, 2 at module level). Not after an import
# before a statement that is not one, or before comment lines (they put one
# blank line there), not
# next to a lone string (a docstring: they set the blank lines after module
# and class docstrings), not after a statement whose last line holds a `#`.
CARRIERS = CarrierRules(
    groups=(STATEMENTS,),
    classes={WM_C_LONE_STRING: frozenset({"expression_statement"}), WM_C_IMPORT: _IMPORTS,
             WM_C_DEFINITION: DEFINITIONS},
    options=WM_O_HASH_COMMENTS | WM_O_TRAILING_COMMENTS,
)

CHANGES = ChangeKinds(
    branches=frozenset({"if_statement", "elif_clause", "else_clause", "conditional_expression", "match_statement",
                        "case_clause"}),
    loops=frozenset({"for_statement", "while_statement"}),
    calls=frozenset({"call"}),
    assignments=frozenset({"assignment", "augmented_assignment", "named_expression"}),
    fields=frozenset({"attribute", "subscript"}),
    literals=frozenset({"string", "concatenated_string", "integer", "float", "true", "false", "none"}),
    errors=frozenset({"try_statement", "except_clause", "finally_clause", "raise_statement"}),
    functions=frozenset({"function_definition", "lambda"}),
    bodies=frozenset({"block"}),
    statement_lists=frozenset({"block"}),
    target_lists=frozenset({"pattern_list", "tuple_pattern"}),
    expression_bodied={"lambda": ":"},
    short_circuits=frozenset({"and", "or"}),
    decorators=frozenset({"decorator"}),
)


# ---- the entities of `watermark diff` -------------------------------------------------------

_DEFINED = {"function_definition": "function", "class_definition": "class"}
# the statements whose blocks bind the names of the scope around them
_CONDITIONAL = frozenset({"if_statement", "try_statement", "with_statement"})


class Entities:
    """Functions, classes and methods (with their decorators), and the
    assignments of a module or a class body (`X = ...`, a class attribute)."""

    candidates = frozenset(DEFINITIONS) | {"expression_statement"}
    grouped: frozenset[str] = frozenset()
    unordered: frozenset[str] = frozenset()
    function_kinds = frozenset(DEFINITIONS)

    def maybe(self, view: EventView, kind: str, ev_begin: int, ev_end: int) -> bool:
        return True

    def entity(self, view: EventView, r: UnitRecord, kind: str) -> tuple[str, str] | None:
        if kind == "decorated_definition":
            inner = _definition_of(view, r)
            if inner is None:
                return None
            inner_kind, name = inner
            return _entity_kind(view, r, inner_kind), name
        if kind in _DEFINED:
            if r.parent >= 0 and _unit_kind(view, r.parent) == "decorated_definition":
                return None  # the decorated definition is the entity
            name = view.text(r.name_start, r.name_end) if r.name_end > r.name_start else "(anonymous)"
            return _entity_kind(view, r, kind), name
        # an assignment in a module or a class body, or in a conditional
        # block of one (`try: import x` / `except ImportError: x = None`)
        where, p = "module", r.parent
        while p >= 0:
            where = _unit_kind(view, p)
            if where not in _CONDITIONAL:
                break
            where, p = "module", view.unit(p).parent
        if where not in ("module", "class_definition"):
            return None
        b = r.ev_begin + 1
        if b >= r.ev_end or view.op(b) != WM_EV_ENTER or view.kind(b) != "assignment":
            return None
        target = b + 1
        if target >= r.ev_end:
            return None
        name = "".join(view.text(*view.span(target)).split())
        return ("variable" if where == "module" else "field"), name[:120]

    def owner(self, view: EventView, ui: int, r: UnitRecord, kind: str, entity_kind: str) -> str | None:
        return None

    def header(self, child: TreeNode, parent: TreeNode) -> bool:
        kind, kids = parent.kind, parent.children
        if kind in ("if_statement", "elif_clause", "while_statement", "match_statement"):
            first = next((c for c in kids if c.kind != "token"), None)
            return child is first
        if kind == "for_statement":
            return _before(kids, child, ":")
        if kind == "conditional_expression":
            named = [c for c in kids if c.kind != "token"]
            return len(named) == 3 and child is named[1]
        if kind == "case_clause":
            return _before(kids, child, ":")
        return False

    def error_check(self, node: TreeNode, source: bytes) -> bool:
        return False  # error handling is by kind (CHANGES.errors)

    def signature_name(self, fn: TreeNode, child: TreeNode, source: bytes) -> bool:
        return fn.kind == "function_definition"  # a lambda has no name

    def formatter_spelling(self, old: TreeNode, new: TreeNode, old_source: bytes, new_source: bytes) -> bool:
        a, b = _docstring(old, old_source), _docstring(new, new_source)
        return a is not None and a == b

    canonical_kinds = frozenset({"case_clause"})

    def canonical(self, node: TreeNode, source: bytes, wrap: Callable[[TreeNode, int, int, str], None]) -> None:
        # a case's open sequence pattern (`case a, b:`, `case a,:`), which black and
        # ruff parenthesize (`case (a, b,):`, `case (a,):`), as the parenthesized
        # one: the grammar reads that as one tuple pattern (a pattern_list here),
        # the open one as the case clause's own patterns. (`case a,:` is told from
        # `case a:` by its comma, which the tree does not hold.)
        kids = node.children
        i = 1 if kids and kids[0].kind == "token" and kids[0].label == "case" else 0
        j = i
        while j < len(kids) and not (kids[j].kind == "token" and kids[j].label == ":") and kids[j].kind != "if_clause":
            j += 1
        if j - i >= 2 or (j - i == 1 and j < len(kids) and b"," in source[kids[i].end:kids[j].start]):
            wrap(node, i, j, "pattern_list")


_STRING_PREFIX = re.compile(rb"[A-Za-z]*")


def _docstring(node: TreeNode, source: bytes) -> tuple[bytes, list[bytes]] | None:
    """A docstring's text as black and ruff leave it (their only change to a
    program's strings that the fingerprint keeps: they strip the blanks
    around a docstring's text and re-indent its lines; the fingerprint
    erases blanks in triple-quoted strings only): (prefix, its lines, each
    stripped), or None for a node that is no plain docstring."""
    statement = node.parent
    if node.kind != "string" or statement is None or statement.kind != "expression_statement" \
            or len(statement.children) != 1:
        return None
    body = statement.parent
    if body is None or not body.children or body.children[0] is not statement:
        return None
    if body.parent is not None and (body.kind != "block" or body.parent.kind not in _DEFINED):
        return None  # (a module's docstring: the first statement of the entity tree's root)
    text = source[node.start:node.end]
    m = _STRING_PREFIX.match(text)
    spelled = m.group() if m else b""
    prefix = spelled.lower().replace(b"u", b"")
    if b"b" in prefix or b"f" in prefix:
        return None
    quoted = text[len(spelled):] if len(text) - len(spelled) >= 2 else b""
    q = 3 if quoted[:3] in (b'"""', b"'''") and len(quoted) >= 6 else 1
    inner = quoted[q:-q]
    if q == 1 and b"\\\n" in inner:
        return None  # (a line continued in a one-quote string: its next line's blanks are its value)
    if b"r" not in prefix:
        inner = inner.replace(b"\\'", b"'").replace(b'\\"', b'"')
    return prefix, [line.strip() for line in inner.strip().split(b"\n")]


def _unit_kind(view: EventView, k: int) -> str:
    return view.language.tables.kind_name(view.unit(k).symbol)


def _definition_of(view: EventView, r: UnitRecord) -> tuple[str, str] | None:
    """The kind and name of the definition a decorated definition holds
    (past its decorators; the unit is named after it)."""
    i = r.ev_begin + 1
    while i < r.ev_end:
        if view.op(i) == WM_EV_ENTER and view.kind(i) in _DEFINED:
            name = view.text(r.name_start, r.name_end) if r.name_end > r.name_start else "(anonymous)"
            return view.kind(i), name
        i = view.skip(i)
    return None


def _entity_kind(view: EventView, r: UnitRecord, kind: str) -> str:
    """A function defined in a class body (directly, or decorated) is a method."""
    if kind != "function_definition":
        return _DEFINED[kind]
    p = r.parent
    if p >= 0 and _unit_kind(view, p) == "decorated_definition":
        p = view.unit(p).parent
    return "method" if p >= 0 and _unit_kind(view, p) == "class_definition" else "function"


def _before(kids: list, child: TreeNode, token: str) -> bool:
    stop = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == token), len(kids))
    return kids.index(child) < stop if child in kids else False


PYTHON = Language(
    name="python",
    extensions=(".py", ".pyi"),
    aliases=("py", "pyi"),
    grammar="tree_sitter_python",
    syntax=SYNTAX,
    carriers=CARRIERS,
    entities=Entities(),
    changes=CHANGES,
    default_excludes=("__pycache__", "site-packages", "*_pb2.py"),
    read_only=("*.pyi",),
    reading=Reading(line_comment=b"#", comment_lines=(b"#",)),
)
