"""Plant labeled patches into Go, JavaScript, TypeScript (and TSX) and
Python source, for bench_diff.py and the diff tests.

Independent of watermark's diff code: it finds its sites with py-tree-sitter
directly and edits text. Each `plant(source, language, cls, rng)` makes one
patch of class `cls` (the vocabulary of watermark.diff.CLASSES) in a random
function that has a site for it, and returns the new source with the line
the patch is on, or None when the file has no such site. A patched file
still parses without errors (a Python file also still compiles, when the
original did). Each edit is inside one function, not inside a function (or,
in Python, a class) nested in it; a decorator added (TypeScript, Python)
is the decorated function's.

TypeScript and TSX take JavaScript's snippets, and `decorator-changed`
(`@wmDecorator()` before a class method). Python's snippets are new lines at
the start of the function's body with its indentation (after a docstring);
statements are deleted with their whole lines, never the only statement of
a block.
"""
from __future__ import annotations

import ast
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import tree_sitter
import tree_sitter_go
import tree_sitter_javascript
import tree_sitter_python
import tree_sitter_typescript

_PARSERS = {
    "go": tree_sitter.Parser(tree_sitter.Language(tree_sitter_go.language())),
    "javascript": tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language())),
    "typescript": tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_typescript())),
    "tsx": tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_tsx())),
    "python": tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language())),
}
_JS_FUNCTIONS = {"function_declaration", "generator_function_declaration", "method_definition",
                 "function_expression", "arrow_function", "function"}
# the functions a patch is planted in
_FUNCTIONS = {
    "go": {"function_declaration", "method_declaration"},
    "javascript": _JS_FUNCTIONS,
    "typescript": _JS_FUNCTIONS,
    "tsx": _JS_FUNCTIONS,
    "python": {"function_definition"},
}
# what a function's own body stops at: nested functions (and Python's classes)
_NESTED = {lang: kinds | {"func_literal"} for lang, kinds in _FUNCTIONS.items() if lang != "python"}
_NESTED["python"] = {"function_definition", "lambda", "class_definition", "decorated_definition"}
_BODY = {"go": "block", "javascript": "statement_block", "typescript": "statement_block",
         "tsx": "statement_block", "python": "block"}
_TS = ("typescript", "tsx")
_GO_ONLY = frozenset({"goto-added", "goto-removed", "defer-changed", "goroutine-changed"})
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
        if x.type not in _NESTED[language]:
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
    if language == "python":
        return _py_sites(cls, fn, src)
    go = language == "go"
    if language in _TS and cls == "decorator-changed":
        return _ts_decorator(fn, src)
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
        if language in _TS:
            return _ts_signature(fn, params, src)
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


# ---- TypeScript ---------------------------------------------------------------------------

def _ts_signature(fn: tree_sitter.Node, params: tree_sitter.Node, src: bytes) -> list[Edit]:
    """`wmArg` first among the parameters (after a `this` parameter); not
    of an accessor (a getter has none, a setter one)."""
    if any(c.type in ("get", "set") for c in fn.children if not c.is_named):
        return []
    named = [c for c in params.named_children if c.type != "comment"]
    first = named[0] if named else None
    if first is not None and first.child_by_field_name("pattern") is not None and \
            first.child_by_field_name("pattern").type == "this":
        return [(first.end_byte, first.end_byte, b", wmArg")]
    at = params.start_byte + 1
    return [(at, at, b"wmArg" + (b", " if named else b""))]


def _ts_decorator(fn: tree_sitter.Node, src: bytes) -> list[Edit]:
    """`@wmDecorator()` before a class method (before its decorators), on its
    own line when the method starts one."""
    if fn.type != "method_definition" or fn.parent is None or fn.parent.type != "class_body" or \
            fn.child_by_field_name("body") is None:
        return []
    name = fn.child_by_field_name("name")
    if name is None or src[name.start_byte:name.end_byte] in (b"constructor", b"'constructor'", b'"constructor"'):
        return []  # a constructor takes no decorator
    first = fn
    prev = fn.prev_named_sibling
    while prev is not None and prev.type in ("decorator", "comment"):
        if prev.type == "decorator":
            first = prev
        prev = prev.prev_named_sibling
    if prev is not None and prev.type == "method_signature":
        return []  # an overload's implementation: the decorator goes on the first overload
    indent = src[_line_start(src, first.start_byte):first.start_byte]
    if indent.strip():
        return [(first.start_byte, first.start_byte, b"@wmDecorator() ")]
    return [(first.start_byte, first.start_byte, b"@wmDecorator()\n" + indent)]


# ---- Python --------------------------------------------------------------------------------

_PY_UNIT = "    "


def _line_start(src: bytes, pos: int) -> int:
    return src.rfind(b"\n", 0, pos) + 1


def _line_end(src: bytes, pos: int) -> int:
    """The position of the newline ending the line `pos` is on (or the end)."""
    at = src.find(b"\n", pos)
    return len(src) if at < 0 else at


def _own_lines(n: tree_sitter.Node, src: bytes) -> bool:
    """Whether nothing but indentation precedes the node on its first line,
    and nothing but a comment follows it on its last."""
    before = src[_line_start(src, n.start_byte):n.start_byte]
    after = src[n.end_byte:_line_end(src, n.end_byte)].strip()
    return not before.strip() and (not after or after.startswith(b"#"))


def _py_line_before(src: bytes, at: int) -> int:
    """The 1-based line of the last line before position `at` (a line start)
    holding code: the end of the statement before, or the header of the
    block (blank and comment lines after a function's last statement are
    not the function's)."""
    end = at
    while end > 0:
        start = _line_start(src, end - 1)
        text = src[start:end].strip()
        if text and not text.startswith(b"#"):
            return src.count(b"\n", 0, start) + 1
        end = start
    return 1


def _py_statements(block: tree_sitter.Node) -> list[tree_sitter.Node]:
    return [c for c in block.named_children if c.type != "comment"]


def _lone_string(n: tree_sitter.Node) -> bool:
    """A statement that is only a string (a docstring)."""
    kids = [c for c in n.named_children if c.type != "comment"]
    return n.type == "expression_statement" and len(kids) == 1 and kids[0].type in ("string", "concatenated_string")


def _py_removable(n: tree_sitter.Node, src: bytes) -> bool:
    """A statement that can go with its whole lines and leave its block non-empty."""
    block = n.parent
    return block is not None and block.type == "block" and len(_py_statements(block)) > 1 and _own_lines(n, src)


def _py_delete(n: tree_sitter.Node, src: bytes) -> Edit:
    end = _line_end(src, n.end_byte)
    return (_line_start(src, n.start_byte), min(end + 1, len(src)), b"")


def _py_insert(body: tree_sitter.Node, src: bytes, lines: list[tuple[int, str]]) -> list[Edit]:
    """New lines (indentation level, text) at the start of a function's
    body, after its docstring, indented as its first statement."""
    stmts = _py_statements(body)
    if not stmts:
        return []
    anchor = stmts[0]
    if _lone_string(anchor):
        if len(stmts) > 1:
            anchor = stmts[1]
        else:  # only a docstring: after its last line
            if not _own_lines(anchor, src):
                return []
            indent = src[_line_start(src, anchor.start_byte):anchor.start_byte]
            end = _line_end(src, anchor.end_byte)
            text = _py_lines(indent, lines)
            if end == len(src):
                return [(end, end, b"\n" + text)]
            return [(end + 1, end + 1, text)]
    at = _line_start(src, anchor.start_byte)
    indent = src[at:anchor.start_byte]
    if indent.strip() or not indent:
        return []  # the body starts on the `def` line, or after a `;`
    return [(at, at, _py_lines(indent, lines))]


def _py_lines(indent: bytes, lines: list[tuple[int, str]]) -> bytes:
    unit = b"\t" if b"\t" in indent else _PY_UNIT.encode()
    return b"".join(indent + unit * level + text.encode() + b"\n" for level, text in lines)


def _negate(n: tree_sitter.Node, src: bytes) -> Edit:
    return (n.start_byte, n.end_byte, b"not (" + src[n.start_byte:n.end_byte] + b")")


def _py_sites(cls: str, fn: tree_sitter.Node, src: bytes) -> list[Edit]:
    nodes = list(_inside(fn, "python"))
    if not nodes:
        return []
    body = nodes[0]
    stmts = _py_statements(body)
    kinds: dict[str, list[tree_sitter.Node]] = {}
    for n in nodes:
        kinds.setdefault(n.type, []).append(n)

    def of(*names: str) -> list[tree_sitter.Node]:
        return [n for name in names for n in kinds.get(name, [])]

    def insert(*lines: str | tuple[int, str]) -> list[Edit]:
        return _py_insert(body, src, [x if isinstance(x, tuple) else (0, x) for x in lines])

    def removable(names: tuple[str, ...], pred: Callable[[tree_sitter.Node], bool] = lambda n: True) -> list[Edit]:
        return [_py_delete(n, src) for n in of(*names) if pred(n) and _py_removable(n, src)]

    if cls == "branch-added":
        return insert("if wm_flag:", (1, "wm_flag = False"))
    if cls == "branch-removed":
        return removable(("if_statement",))
    if cls == "condition-changed":
        out = []
        for n in of("if_statement", "elif_clause", "while_statement"):
            c = n.child_by_field_name("condition")
            if c is not None:
                out.append(_negate(c, src))
        return out
    if cls == "loop-added":
        return insert("for wm_i in range(0):", (1, "pass"))
    if cls == "loop-removed":
        return removable(("for_statement", "while_statement"))
    if cls == "call-added":
        return insert("wm_trace()")
    if cls == "call-removed":
        return removable(("expression_statement",), lambda n: [c.type for c in n.named_children] == ["call"])
    if cls == "return-changed":
        out = []
        for n in of("return_statement"):
            vals = [c for c in n.named_children if c.type != "comment"]
            if vals:
                out.append(_negate(vals[0], src))
        return out
    if cls in ("field-assignment-changed", "assignment-changed"):
        want_field = cls == "field-assignment-changed"
        new = b"None" if want_field else b"wm_value"
        out = []
        for n in of("assignment"):
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is None or right is None or right.type in ("assignment", "lambda", "yield"):
                continue  # `a = b = 1` (the inner one is a site), a function, a generator's yield
            targets = left.named_children if left.type in ("pattern_list", "tuple_pattern", "list_pattern") \
                else [left]
            is_field = any(t.type in ("attribute", "subscript") for t in targets)
            simple = all(t.type == "identifier" for t in targets)
            if ((want_field and is_field) or (not want_field and simple)) and \
                    src[right.start_byte:right.end_byte] != new:
                out.append((right.start_byte, right.end_byte, new))
        return out
    if cls == "literal-changed":
        out = []
        for n in of("integer"):
            text = src[n.start_byte:n.end_byte]
            if text.isdigit():
                out.append((n.start_byte, n.end_byte, str(int(text) + 1).encode()))
        for n in of("string"):
            start = n.child(0)
            if start is not None and start.type == "string_start":  # past the prefix and the quotes
                out.append((start.end_byte, start.end_byte, b"wm"))
        return out
    if cls == "identifier-changed":
        out = []
        for args in of("argument_list"):
            for a in args.named_children:
                if a.type == "identifier":
                    out.append((a.start_byte, a.end_byte, b"wm_ident"))
        return out
    if cls == "statement-added":
        return insert("pass")
    if cls == "statement-removed":
        return [_py_delete(n, src) for n in stmts if n.type == "expression_statement" and not _lone_string(n)
                and _py_removable(n, src)]
    if cls == "statement-moved":
        out = []
        for a, b in zip(stmts, stmts[1:]):
            ta, tb = src[a.start_byte:a.end_byte], src[b.start_byte:b.end_byte]
            if a.type == b.type == "expression_statement" and not _lone_string(a) and not _lone_string(b) \
                    and ta != tb:
                out.append((a.start_byte, b.end_byte, tb + src[a.end_byte:b.start_byte] + ta))
        return out
    if cls == "signature-changed":
        params = fn.child_by_field_name("parameters")
        if params is None or params.type != "parameters":
            return []
        named = [c for c in params.named_children if c.type != "comment"]
        if named and named[0].type == "identifier" and src[named[0].start_byte:named[0].end_byte] in (b"self",
                                                                                                      b"cls"):
            return [(named[0].end_byte, named[0].end_byte, b", wm_arg")]
        at = params.start_byte + 1
        return [(at, at, b"wm_arg" + (b", " if named else b""))]
    if cls == "error-handling-changed":
        return insert("try:", (1, "wm_trace()"), "except Exception:", (1, "pass"))
    if cls == "decorator-changed":
        target = fn.parent if fn.parent is not None and fn.parent.type == "decorated_definition" else fn
        indent = src[_line_start(src, target.start_byte):target.start_byte]
        if indent.strip():
            return []
        return [(target.start_byte, target.start_byte, b"@wm_decorator\n" + indent)]
    return []


def _compiles(source: bytes) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def supports(language: str, cls: str) -> bool:
    """Whether `plant` knows sites of class `cls` in `language`."""
    if cls in _GO_ONLY:
        return language == "go"
    if cls == "decorator-changed":
        return language in _TS or language == "python"
    return cls != "expression-changed" and language in _PARSERS


def plant(source: bytes, language: str, cls: str, rng: random.Random) -> tuple[bytes, Patch] | None:
    """One patch of class `cls` in a random function of `source`."""
    parser = _PARSERS[language]
    tree = parser.parse(source)
    all_fns = [n for n in _walk(tree.root_node) if n.type in _NESTED[language]]
    fns = [n for n in all_fns if n.type in _FUNCTIONS[language] and not n.has_error]
    rng.shuffle(fns)
    compiled: bool | None = None
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
        if language == "python" and not _compiles(patched):
            if compiled is None:
                compiled = _compiles(source)
            if compiled:
                continue
        line = patched.count(b"\n", 0, start) + 1 + (1 if text.startswith(b"\n") else 0)
        if language == "python" and not text:
            line = _py_line_before(source, start)  # whole lines deleted: where they were
        return patched, Patch(cls, line, min(line, fn.start_point[0] + 1))
    return None


Planter = Callable[[bytes, str, str, random.Random], "tuple[bytes, Patch] | None"]
