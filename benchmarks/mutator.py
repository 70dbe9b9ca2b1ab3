"""Plant labeled patches into Go and JavaScript source, for bench_diff.py
and the diff tests.

Independent of watermark's diff code: it finds its sites with py-tree-sitter
directly and edits text. Each `plant(source, language, cls, rng)` makes one
patch of class `cls` (the vocabulary of watermark.diff.CLASSES) in a random
function that has a site for it, and returns the new source with the line
the patch is on, or None when the file has no such site. A patched file
still parses without errors.
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import tree_sitter
import tree_sitter_go
import tree_sitter_javascript

_PARSERS = {
    "go": tree_sitter.Parser(tree_sitter.Language(tree_sitter_go.language())),
    "javascript": tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language())),
}
_FUNCTIONS = {
    "go": {"function_declaration", "method_declaration"},
    "javascript": {"function_declaration", "generator_function_declaration", "method_definition",
                   "function_expression", "arrow_function", "function"},
}
_BODY = {"go": "block", "javascript": "statement_block"}
_GO_ERR = re.compile(rb"\berr\b\s*!=\s*nil")

Edit = tuple[int, int, bytes]  # replace source[start:end] with bytes


@dataclass(frozen=True)
class Patch:
    cls: str
    line: int  # 1-based line of the patch in the patched source
    function_line: int  # first line of the patched function


def _walk(n: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    todo = [n]
    while todo:
        x = todo.pop()
        yield x
        todo.extend(reversed(x.children))


def _inside(fn: tree_sitter.Node, language: str) -> Iterator[tree_sitter.Node]:
    """The nodes of a function's body that are not inside a nested function."""
    body = fn.child_by_field_name("body")
    if body is None or body.type != _BODY[language]:
        return
    todo = list(reversed(body.children))
    yield body
    while todo:
        x = todo.pop()
        yield x
        if x.type not in _FUNCTIONS[language] and x.type != "func_literal":
            todo.extend(reversed(x.children))


def _statements(body: tree_sitter.Node, language: str) -> list[tree_sitter.Node]:
    if language == "go":
        lists = [c for c in body.named_children if c.type == "statement_list"]
        return [c for c in lists[0].named_children if c.type != "comment"] if lists else \
            [c for c in body.named_children if c.type != "comment"]
    return [c for c in body.named_children if c.type != "comment"]


def _delete(n: tree_sitter.Node) -> Edit:
    return (n.start_byte, n.end_byte, b"")


def _after_brace(body: tree_sitter.Node, text: str) -> Edit:
    at = body.start_byte + 1
    return (at, at, b"\n" + text.encode())


# ---- the sites of each class: function node -> candidate edits -----------------------

def _sites(cls: str, fn: tree_sitter.Node, src: bytes, language: str) -> list[Edit]:
    go = language == "go"
    nodes = list(_inside(fn, language))
    if not nodes:
        return []
    body = nodes[0]
    stmts = _statements(body, language)
    kinds: dict[str, list[tree_sitter.Node]] = {}
    for n in nodes:
        kinds.setdefault(n.type, []).append(n)

    def of(*names: str) -> list[tree_sitter.Node]:
        return [n for name in names for n in kinds.get(name, [])]

    if cls == "goto-added" and go and stmts:
        return [_after_brace(body, "goto wmPatch\nwmPatch:")]
    if cls == "goto-removed" and go:
        return [_delete(n) for n in of("goto_statement")]
    if cls == "branch-added":
        return [_after_brace(body, "if wmFlag {\nwmFlag = false\n}" if go else "if (wmFlag) { wmFlag = false; }")]
    if cls == "branch-removed":
        return [_delete(n) for n in of("if_statement") if n.parent is not None and n.parent.type != "if_statement"
                and n.parent.type != "else_clause"]
    if cls == "condition-changed":
        out = []
        for n in of("if_statement"):
            c = n.child_by_field_name("condition")
            if c is None:
                continue
            if go:
                out.append((c.start_byte, c.end_byte, b"!(" + src[c.start_byte:c.end_byte] + b")"))
            else:
                inner = c.named_children[0] if c.type == "parenthesized_expression" and c.named_children else c
                out.append((inner.start_byte, inner.end_byte, b"!(" + src[inner.start_byte:inner.end_byte] + b")"))
        return out
    if cls == "loop-added":
        return [_after_brace(body, "for wmI := 0; wmI < 0; wmI++ {\n}" if go else
                             "for (let wmI = 0; wmI < 0; wmI++) {}")]
    if cls == "loop-removed":
        return [_delete(n) for n in of("for_statement", "for_in_statement", "while_statement", "do_statement")]
    if cls == "call-added":
        return [_after_brace(body, "wmTrace()" if go else "wmTrace();")]
    if cls == "call-removed":
        return [_delete(n) for n in of("expression_statement")
                if n.named_children and n.named_children[0].type == "call_expression"]
    if cls == "return-changed":
        out = []
        for n in of("return_statement"):
            vals = [c for c in n.named_children if c.type != "comment"]
            if not vals:
                continue
            v = vals[0].named_children[0] if go and vals[0].type == "expression_list" else vals[0]
            out.append((v.start_byte, v.end_byte, b"!(" + src[v.start_byte:v.end_byte] + b")"))
        return out
    if cls in ("field-assignment-changed", "assignment-changed"):
        want_field = cls == "field-assignment-changed"
        out = []
        for n in of("assignment_statement", "assignment_expression"):
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is None or right is None:
                continue
            targets = left.named_children if left.type == "expression_list" else [left]
            is_field = any(t.type in ("selector_expression", "member_expression") for t in targets)
            simple = all(t.type == "identifier" for t in targets)
            if (want_field and is_field) or (not want_field and simple):
                value = right.named_children[0] if right.type == "expression_list" and right.named_children \
                    else right
                if value.type in ("function_expression", "arrow_function", "class", "func_literal", "function"):
                    continue  # that would turn a function into a value: removed, not patched
                new = (b"nil" if go else b"null") if want_field else b"wmValue"
                if src[value.start_byte:value.end_byte] != new:
                    out.append((value.start_byte, value.end_byte, new))
        if not want_field:
            for n in of("short_var_declaration" if go else "variable_declarator"):
                value = n.child_by_field_name("right" if go else "value")
                if value is not None and value.type not in ("function_expression", "arrow_function", "class",
                                                            "func_literal"):
                    v = value.named_children[0] if value.type == "expression_list" and value.named_children \
                        else value
                    out.append((v.start_byte, v.end_byte, b"wmValue"))
        return out
    if cls == "literal-changed":
        out = []
        for n in of("int_literal", "number"):
            text = src[n.start_byte:n.end_byte]
            if text.isdigit():
                out.append((n.start_byte, n.end_byte, str(int(text) + 1).encode()))
        for n in of("interpreted_string_literal", "string"):
            if n.end_byte - n.start_byte >= 2:
                out.append((n.start_byte + 1, n.start_byte + 1, b"wm"))
        return out
    if cls == "identifier-changed":
        out = []
        for args in of("argument_list", "arguments"):
            for a in args.named_children:
                if a.type == "identifier" and src[a.start_byte:a.end_byte] not in (b"nil", b"undefined"):
                    out.append((a.start_byte, a.end_byte, b"wmIdent"))
        return out
    if cls == "statement-added":
        return [_after_brace(body, "_ = 0" if go else "void 0;")]
    if cls == "statement-removed":
        simple = ("expression_statement", "assignment_statement", "inc_statement", "dec_statement") if go else \
            ("expression_statement",)
        return [_delete(n) for n in stmts if n.type in simple]
    if cls == "statement-moved":
        simple = {"expression_statement", "assignment_statement", "inc_statement", "dec_statement"} if go else \
            {"expression_statement"}
        out = []
        for a, b in zip(stmts, stmts[1:]):
            ta, tb = src[a.start_byte:a.end_byte], src[b.start_byte:b.end_byte]
            if a.type in simple and b.type in simple and ta != tb:
                gap = src[a.end_byte:b.start_byte]
                out.append((a.start_byte, b.end_byte, tb + gap + ta))
        return out
    if cls == "signature-changed":
        params = fn.child_by_field_name("parameters")
        if params is None or params.type not in ("parameter_list", "formal_parameters"):
            return []
        at = params.start_byte + 1
        empty = not params.named_children
        text = (b"wmArg int" if go else b"wmArg") + (b"" if empty else b", ")
        return [(at, at, text)]
    if cls == "defer-changed" and go:
        return [_after_brace(body, "defer wmTrace()")]
    if cls == "goroutine-changed" and go:
        return [_after_brace(body, "go wmTrace()")]
    if cls == "error-handling-changed":
        if go:
            out = []
            for n in of("if_statement"):
                c, cons = n.child_by_field_name("condition"), n.child_by_field_name("consequence")
                if c is not None and cons is not None and _GO_ERR.search(src[c.start_byte:c.end_byte]):
                    out.append(_after_brace(cons, "wmTrace()"))
            return out
        return [_after_brace(body, "try { wmTrace(); } catch (wmErr) {}")]
    return []


def plant(source: bytes, language: str, cls: str, rng: random.Random) -> tuple[bytes, Patch] | None:
    """One patch of class `cls` in a random function of `source`."""
    parser = _PARSERS[language]
    tree = parser.parse(source)
    all_fns = [n for n in _walk(tree.root_node) if n.type in _FUNCTIONS[language] or n.type == "func_literal"]
    fns = [n for n in all_fns if n.type in _FUNCTIONS[language] and not n.has_error]
    rng.shuffle(fns)
    for fn in fns[:40]:
        edits = _sites(cls, fn, source, language)
        if not edits:
            continue
        # an edit that removes or replaces a whole nested function would
        # report that function as removed too: not one patch
        edits = [(a, b, t) for a, b, t in edits if not any(a <= f.start_byte and f.end_byte <= b for f in all_fns)]
        if not edits:
            continue
        start, end, text = rng.choice(edits)
        patched = source[:start] + text + source[end:]
        if parser.parse(patched).root_node.has_error and not tree.root_node.has_error:
            continue
        line = patched.count(b"\n", 0, start) + 1 + (1 if text.startswith(b"\n") else 0)
        return patched, Patch(cls, line, fn.start_point[0] + 1)
    return None


Planter = Callable[[bytes, str, str, random.Random], "tuple[bytes, Patch] | None"]
