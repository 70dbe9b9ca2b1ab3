"""Change classes: what an edit script did, in a fixed vocabulary users can
filter on, and the control-flow profile of a function.

The vocabulary, most severe first (a function is listed by its most severe
class; README "watermark diff" says what each one means):
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..core import languages
from .entities import FileView, Node, preorder
from .script import Action

CLASSES = (
    "goto-added", "goto-removed", "branch-added", "branch-removed", "condition-changed",
    "loop-added", "loop-removed", "error-handling-changed", "defer-changed", "goroutine-changed",
    "call-added", "call-removed", "return-changed", "field-assignment-changed", "signature-changed",
    "assignment-changed", "statement-added", "statement-removed", "statement-moved",
    "expression-changed", "identifier-changed", "literal-changed",
)
SEVERITY = {c: i for i, c in enumerate(CLASSES)}
__doc__ = (__doc__ or "") + "\n  " + "\n  ".join(CLASSES) + "\n"


@dataclass(frozen=True)
class Kinds:
    """The node kinds each class looks for, in one language."""

    branches: frozenset[str]
    loops: frozenset[str]
    calls: frozenset[str]
    assignments: frozenset[str]
    fields: frozenset[str]  # assignment targets that are fields
    literals: frozenset[str]
    identifiers: frozenset[str]
    statements: frozenset[str]
    errors: frozenset[str]  # error handling by kind (JS try / catch / throw)
    functions: frozenset[str]
    bodies: frozenset[str]


_ASSIGNMENTS = frozenset({"field-assignment-changed", "assignment-changed"})
_STATEMENT_LISTS = frozenset({"statement_list", "block", "statement_block"})  # a whole body's statements
_SHORT_CIRCUIT = frozenset({"&&", "||", "??"})
_GO_ERR = re.compile(rb"\b\w*err\w*\s*[!=]=\s*nil\b|\bnil\s*[!=]=\s*\w*err\w*\b", re.IGNORECASE)

KINDS = {
    "go": Kinds(
        branches=frozenset("""if_statement expression_switch_statement type_switch_statement select_statement
                           expression_case type_case communication_case default_case""".split()),
        loops=frozenset({"for_statement"}),
        calls=frozenset({"call_expression"}),
        assignments=frozenset({"assignment_statement", "short_var_declaration", "inc_statement", "dec_statement",
                               "var_spec", "const_spec"}),
        fields=frozenset({"selector_expression"}),
        literals=frozenset("""int_literal float_literal imaginary_literal rune_literal interpreted_string_literal
                           raw_string_literal true false nil iota""".split()),
        identifiers=frozenset(languages.spec_for("go", None).identifier_kinds),
        statements=frozenset(languages.spec_for("go", None).unit_kinds),
        errors=frozenset(),
        functions=frozenset({"function_declaration", "method_declaration", "func_literal"}),
        bodies=frozenset({"block"}),
    ),
    "javascript": Kinds(
        branches=frozenset("""if_statement switch_statement switch_case switch_default ternary_expression
                           else_clause""".split()),
        loops=frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"}),
        calls=frozenset({"call_expression", "new_expression"}),
        assignments=frozenset({"assignment_expression", "augmented_assignment_expression", "update_expression",
                               "variable_declarator"}),
        fields=frozenset({"member_expression", "subscript_expression"}),
        literals=frozenset("""string number template_string string_fragment regex regex_pattern true false null
                           undefined""".split()),
        identifiers=frozenset(languages.spec_for("javascript", None).identifier_kinds),
        statements=frozenset(languages.spec_for("javascript", None).unit_kinds),
        errors=frozenset({"try_statement", "catch_clause", "finally_clause", "throw_statement"}),
        functions=frozenset({"function_declaration", "generator_function_declaration", "method_definition",
                             "function_expression", "function", "arrow_function", "generator_function"}),
        bodies=frozenset({"statement_block"}),
    ),
}


@dataclass(frozen=True)
class Site:
    """One class at one place: the base and suspect line ranges it names."""

    cls: str
    base_lines: tuple[int, int] | None
    suspect_lines: tuple[int, int] | None


def _is_branch(n: Node, k: Kinds) -> bool:
    return n.kind in k.branches or (n.kind == "token" and n.label in _SHORT_CIRCUIT)


def _is_field_target(assign: Node, k: Kinds) -> bool:
    """Whether an assignment's target is a field (Go selector, JS member)."""
    named = [c for c in assign.children if c.kind != "token"]
    if not named:
        return False
    left = named[0]
    if left.kind in k.fields:
        return True
    return left.kind == "expression_list" and any(c.kind in k.fields for c in left.children)


def _header(child: Node, parent: Node, language: str) -> bool:
    """Whether `child` is in the condition / header of a control node."""
    kids = parent.children
    kind = parent.kind
    if language == "go":
        if kind in ("if_statement", "for_statement"):
            stop = next((i for i, c in enumerate(kids) if c.kind == "block"), len(kids))
        elif kind in ("expression_switch_statement", "type_switch_statement", "select_statement"):
            stop = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == "{"), len(kids))
        elif kind in ("expression_case", "type_case", "communication_case"):
            stop = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == ":"), len(kids))
        else:
            return False
        return kids.index(child) < stop if child in kids else False
    if kind in ("if_statement", "while_statement", "switch_statement", "with_statement", "ternary_expression"):
        first = next((c for c in kids if c.kind != "token"), None)
        return child is first
    if kind in ("for_statement", "for_in_statement"):
        stop = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == ")"), len(kids))
        return kids.index(child) < stop if child in kids else False
    if kind == "do_statement":
        at = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == "while"), len(kids))
        return kids.index(child) > at if child in kids else False
    if kind == "switch_case":
        stop = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == ":"), len(kids))
        return kids.index(child) < stop if child in kids else False
    return False


class Classifier:
    """Classes of the actions of one function's edit script."""

    def __init__(self, language: str, base: FileView, suspect: FileView, root1: Node, root2: Node) -> None:
        self.language, self.k = language, KINDS[language]
        self.views = {id(root1): base, id(root2): suspect}
        self.base, self.suspect = base, suspect
        self._signatures: dict[int, set[int]] = {}

    def _view(self, n: Node) -> FileView:
        r = n
        while r.parent is not None:
            r = r.parent
        return self.views[id(r)]

    def _signature(self, fn: Node) -> set[int]:
        """ids of the children of a function node that make up its signature
        (parameters, results, receiver; not its name, not its body)."""
        got = self._signatures.get(id(fn))
        if got is not None:
            return got
        kids = fn.children
        body = None
        for c in reversed(kids):
            if c.kind in self.k.bodies:
                body = c
                break
        if body is None and fn.kind == "arrow_function":  # `x => expr`: the expression is the body
            arrow = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == "=>"), None)
            body = kids[arrow + 1] if arrow is not None and arrow + 1 < len(kids) else None
        name = None
        view = self._view(fn)
        for c in kids:
            if c.kind in self.k.identifiers:
                if self.language == "go" or b"(" not in view.source[fn.start:c.start]:
                    name = c
                break
        got = {id(c) for c in kids if c is not body and c is not name and c.kind != "token"}
        self._signatures[id(fn)] = got
        return got

    def _err_check(self, n: Node) -> bool:
        """A Go `if err != nil` (or `== nil`) statement."""
        if n.kind != "if_statement":
            return False
        header = [c for c in n.children if _header(c, n, "go")]
        if not header:
            return False
        view = self._view(n)
        return bool(_GO_ERR.search(view.source[header[0].start:header[-1].end]))

    def _subtree_classes(self, root: Node, added: bool) -> set[str]:
        k, out = self.k, set()
        sfx = "added" if added else "removed"
        for n in _unmapped(root):
            kind = n.kind
            if _is_branch(n, k):
                out.add(f"branch-{sfx}")
            if kind == "goto_statement":
                out.add(f"goto-{sfx}")
            elif kind in k.loops:
                out.add(f"loop-{sfx}")
            elif kind in k.calls:
                out.add(f"call-{sfx}")
            else:
                role = self._role(n)
                if role is not None:
                    out.add(role)
        if root.kind in k.statements or (root.kind in _STATEMENT_LISTS and
                                         any(c.kind in k.statements for c in root.children)):
            out.add(f"statement-{sfx}")
        return out

    def _context_classes(self, n: Node) -> set[str]:
        """Classes from where a node sits: a condition, a return, an
        assignment, a defer, an error check, the signature."""
        k, out = self.k, set()
        assignment_seen = False
        child, parent = n, n.parent
        while parent is not None:
            if _header(child, parent, self.language):
                out.add("condition-changed")
            if parent.kind in k.functions and id(child) in self._signature(parent):
                out.add("signature-changed")
            role = self._role(parent)
            if role in _ASSIGNMENTS:  # the nearest assignment only
                if not assignment_seen:
                    out.add(role)
                assignment_seen = True
            elif role is not None:
                out.add(role)
            child, parent = parent, parent.parent
        if n.kind in k.assignments and not assignment_seen:
            out.add("field-assignment-changed" if _is_field_target(n, k) else "assignment-changed")
        return out

    def _role(self, n: Node) -> str | None:
        """The class a change in or of this node falls under by the node's
        own kind: a return, a defer, a goroutine, error handling, an
        assignment (to a field or not)."""
        kind, k = n.kind, self.k
        if kind == "return_statement":
            return "return-changed"
        if kind == "defer_statement":
            return "defer-changed"
        if kind == "go_statement":
            return "goroutine-changed"
        if kind in k.errors or (self.language == "go" and self._err_check(n)):
            return "error-handling-changed"
        if kind in k.assignments:
            return "field-assignment-changed" if _is_field_target(n, k) else "assignment-changed"
        return None

    def _literal(self, n: Node) -> bool:
        """A literal, or a part of one (a Go string's content, an escape)."""
        lits = self.k.literals
        return n.kind in lits or (n.parent is not None and n.parent.kind in lits)

    def classify(self, actions: Iterable[Action]) -> list[Site]:
        sites: dict[tuple[str, tuple[int, int] | None, tuple[int, int] | None], Site] = {}
        k = self.k
        for a in actions:
            found: set[str] = set()
            if a.op in ("insert", "delete"):
                found |= self._subtree_classes(a.node, a.op == "insert")
                found |= self._context_classes(a.node)
                if a.node.parent is not None and self._literal(a.node.parent):
                    found.add("literal-changed")  # content put into or taken out of a literal
            elif a.op == "update":
                assert a.old is not None and a.new is not None
                if self._literal(a.old) or self._literal(a.new):
                    found.add("literal-changed")
                elif a.new.kind in k.identifiers:
                    found.add("identifier-changed")
                elif _is_branch(a.new, k) != _is_branch(a.old, k):  # `x != null` -> `x && ...`: a short-circuit
                    found.add("branch-added" if _is_branch(a.new, k) else "branch-removed")
                found |= self._context_classes(a.old) | self._context_classes(a.new)
            else:  # move
                assert a.old is not None and a.new is not None
                if a.node.kind in k.statements:
                    found.add("statement-moved")
                else:
                    found |= self._context_classes(a.old) | self._context_classes(a.new)
            if not found:
                found.add("expression-changed")
            bl = self.base.lines_of(a.old.start, a.old.end) if a.old is not None else None
            sl = self.suspect.lines_of(a.new.start, a.new.end) if a.new is not None else None
            for cls in found:
                sites.setdefault((cls, bl, sl), Site(cls, bl, sl))
        return sorted(sites.values(), key=lambda s: (SEVERITY[s.cls], s.base_lines or (0, 0),
                                                     s.suspect_lines or (0, 0)))


def _unmapped(root: Node) -> list[Node]:
    """The nodes of an inserted or deleted subtree that really are new or
    gone: a mapped node inside it (and all below) was moved there."""
    out, todo = [], [root]
    while todo:
        n = todo.pop()
        if n.partner is not None and n is not root:
            continue
        out.append(n)
        todo.extend(reversed(n.children))
    return out


def profile(root: Node, language: str) -> dict[str, int]:
    """The control-flow profile of one function's own tree."""
    k = KINDS[language]
    out = dict.fromkeys(("branches", "loops", "gotos", "returns", "calls", "field_assignments", "defers"), 0)
    for n in preorder(root):
        kind = n.kind
        if _is_branch(n, k):
            out["branches"] += 1
        if kind in k.loops:
            out["loops"] += 1
        elif kind == "goto_statement":
            out["gotos"] += 1
        elif kind == "return_statement":
            out["returns"] += 1
        elif kind in k.calls:
            out["calls"] += 1
        elif kind in ("defer_statement", "go_statement"):
            out["defers"] += 1
        elif kind in k.assignments and _is_field_target(n, k):
            out["field_assignments"] += 1
    return out
