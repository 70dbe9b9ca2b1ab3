"""Change classes: what an edit script did, in a fixed vocabulary users can
filter on, and the control-flow profile of a function.

The vocabulary, most severe first (a function is listed by its most severe
class; README "watermark diff" says what each one means):
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..languages.base import ChangeKinds, Language
from .entities import FileView, Node, preorder
from .script import Action

CLASSES = (
    "goto-added", "goto-removed", "branch-added", "branch-removed", "condition-changed",
    "loop-added", "loop-removed", "error-handling-changed", "defer-changed", "goroutine-changed",
    "call-added", "call-removed", "return-changed", "field-assignment-changed", "signature-changed",
    "decorator-changed", "assignment-changed", "statement-added", "statement-removed", "statement-moved",
    "expression-changed", "identifier-changed", "literal-changed",
)
SEVERITY = {c: i for i, c in enumerate(CLASSES)}
__doc__ = (__doc__ or "") + "\n  " + "\n  ".join(CLASSES) + "\n"

_ASSIGNMENTS = frozenset({"field-assignment-changed", "assignment-changed"})


@dataclass(frozen=True)
class Site:
    """One class at one place: the base and suspect line ranges it names."""

    cls: str
    base_lines: tuple[int, int] | None
    suspect_lines: tuple[int, int] | None


def _is_branch(n: Node, k: ChangeKinds) -> bool:
    return n.kind in k.branches or (n.kind == "token" and n.label in k.short_circuits)


def _is_field_target(assign: Node, k: ChangeKinds) -> bool:
    """Whether an assignment's target is a field (a selector, a member)."""
    named = [c for c in assign.children if c.kind != "token"]
    if not named:
        return False
    left = named[0]
    if left.kind in k.fields:
        return True
    return left.kind in k.target_lists and any(c.kind in k.fields for c in left.children)


class Classifier:
    """Classes of the actions of one function's edit script."""

    def __init__(self, language: Language, base: FileView, suspect: FileView, root1: Node, root2: Node) -> None:
        self.language, self.k = language, language.changes
        self.identifiers, self.statements = language.syntax.identifiers, language.syntax.units
        self.views = {id(root1): base, id(root2): suspect}
        self.base, self.suspect = base, suspect
        self._signatures: dict[int, set[int]] = {}

    def _view(self, n: Node) -> FileView:
        r = n
        while r.parent is not None:
            r = r.parent
        return self.views[id(r)]

    def _header(self, child: Node, parent: Node) -> bool:
        return self.language.entities.header(child, parent)

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
        token = self.k.expression_bodied.get(fn.kind)
        if body is None and token is not None:  # `x => expr`: the expression after the token is the body
            at = next((i for i, c in enumerate(kids) if c.kind == "token" and c.label == token), None)
            body = kids[at + 1] if at is not None and at + 1 < len(kids) else None
        name = None
        view = self._view(fn)
        for c in kids:
            if c.kind in self.identifiers:
                if self.language.entities.signature_name(fn, c, view.source):
                    name = c
                break
        got = {id(c) for c in kids if c is not body and c is not name and c.kind != "token"}
        self._signatures[id(fn)] = got
        return got

    def _subtree_classes(self, root: Node, added: bool) -> set[str]:
        k, out = self.k, set()
        sfx = "added" if added else "removed"
        for n in _unmapped(root):
            kind = n.kind
            if _is_branch(n, k):
                out.add(f"branch-{sfx}")
            if kind in k.gotos:
                out.add(f"goto-{sfx}")
            elif kind in k.loops:
                out.add(f"loop-{sfx}")
            elif kind in k.calls:
                out.add(f"call-{sfx}")
            else:
                role = self._role(n)
                if role is not None:
                    out.add(role)
        if root.kind in self.statements or (root.kind in k.statement_lists and
                                            any(c.kind in self.statements for c in root.children)):
            out.add(f"statement-{sfx}")
        return out

    def _context_classes(self, n: Node) -> set[str]:
        """Classes from where a node sits: a condition, a return, an
        assignment, a defer, an error check, the signature."""
        k, out = self.k, set()
        assignment_seen = False
        child, parent = n, n.parent
        while parent is not None:
            if self._header(child, parent):
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
        if kind in k.returns:
            return "return-changed"
        if kind in k.defers:
            return "defer-changed"
        if kind in k.goroutines:
            return "goroutine-changed"
        if kind in k.decorators:
            return "decorator-changed"
        if kind in k.errors or (kind in k.error_checks and self.language.entities.error_check(n, self._view(n).source)):
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
                elif a.new.kind in self.identifiers:
                    found.add("identifier-changed")
                elif _is_branch(a.new, k) != _is_branch(a.old, k):  # `x != null` -> `x && ...`: a short-circuit
                    found.add("branch-added" if _is_branch(a.new, k) else "branch-removed")
                found |= self._context_classes(a.old) | self._context_classes(a.new)
            else:  # move
                assert a.old is not None and a.new is not None
                if a.node.kind in self.statements:
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


def profile(root: Node, language: Language) -> dict[str, int]:
    """The control-flow profile of one function's own tree."""
    k = language.changes
    out = dict.fromkeys(("branches", "loops", "gotos", "returns", "calls", "field_assignments", "defers"), 0)
    for n in preorder(root):
        kind = n.kind
        if _is_branch(n, k):
            out["branches"] += 1
        if kind in k.loops:
            out["loops"] += 1
        elif kind in k.gotos:
            out["gotos"] += 1
        elif kind in k.returns:
            out["returns"] += 1
        elif kind in k.calls:
            out["calls"] += 1
        elif kind in k.defers or kind in k.goroutines:
            out["defers"] += 1
        elif kind in k.assignments and _is_field_target(n, k):
            out["field_assignments"] += 1
    return out
