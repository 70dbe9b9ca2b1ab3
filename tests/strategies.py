"""Hypothesis strategies shared by the tests: generated Go and JavaScript
programs, rendered under controllable formatting.

A program is a tree of statements; `Layout` says how to print it (blank
lines between statements, comments, indentation, line endings, BOM, final
newline). Rendering one program under two layouts gives two texts that
differ only in formatting, which is what the invariance tests need.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

IDENTS = ["a", "b", "cnt", "total", "item", "x1", "zed", "ÿname"]
GO_IDENTS = [i for i in IDENTS if i.isascii()] + ["π"]

# Go: statements are (template, children); {id}/{id2}/{lit}/{str} filled in.
_GO_SIMPLE = [
    "{id} := {lit}",
    "{id} = {id2} + {lit}",
    "{id}, {id2} = {id2}, {id}",
    "{id}++",
    "{id} = f({id2}, {str})",
    "_ = {str}",
    "var {id} = `raw\n\n  text {lit}`",
    "{id} = ({id2} * {lit})",
    # lists gofmt aligns, with comment lines and blank lines between members
    "{id} = []int{{\n{lit},\n// next\n2,\n\n3,\n}}",
    "{id} := map[string]int{{\n{str}: {lit},\n/* c */\n\"k\": 2,\n\"kk\": 3,\n}}",
    "type T{id} struct {{\nA int\n// b\nB string `json:\"b\"`\n\nC, D bool\n}}",
]
_GO_BLOCKS = ["if {id} > {lit} {{", "for {id} := 0; {id} < {lit}; {id}++ {{", "{{", "switch {id} {{\ncase {lit}:",
              "switch {id} {{\ncase {lit}:\n{id2}++\n\ncase 7, 8:\n// next\ndefault:"]

_JS_SIMPLE = [
    "let {id} = {lit};",
    "{id} = {id2} + {lit};",
    "{id}++;",
    "{id} = f({id2}, {str});",
    "const {id} = `tpl\n\n  ${{{id2}}} text`;",
    "var {id} = {{ k: {lit}, [{str}]: {id2} }};",
    "{id} = ({id2}) => {id2} * {lit};",
    "{id} = {id2} ? {lit} : {str};",
    "{id} = {id2} && ({id} && {lit}) || ({id2} ?? {str});",
    "{id} = {{ {str}: {lit}, 'k{id2}': {id2}, '{lit}': 1, m() {{}} }};",
    "{id} = new C{id2}; {id2} = /r{lit}/ig;",
]
_JS_BLOCKS = ["if ({id} > {lit}) {{", "for (let {id} = 0; {id} < {lit}; {id}++) {{", "{{", "while ({id}) {{"]


@dataclass(frozen=True)
class Stmt:
    text: str  # may contain newlines inside literals
    body: tuple[Stmt, ...] | None  # None: simple statement; else a block
    comment: str | None


@dataclass(frozen=True)
class Program:
    language: str
    functions: tuple[tuple[str, tuple[Stmt, ...]], ...]  # (name, body)


@dataclass(frozen=True)
class Layout:
    blank_after: frozenset[int]  # statement ordinals followed by a blank line
    comments: bool
    indent: str
    newline: str
    bom: bool
    final_newline: bool


def _fill(template: str, draw, language: str) -> str:
    idents = GO_IDENTS if language == "go" else IDENTS
    lit = draw(st.sampled_from(["0", "1", "42", "3.5", "0x1F", "1e3"]))
    s = draw(st.sampled_from(["", "plain", "two words", "with\\nescape", "blank\\n\\nline"]))
    return template.format(
        id=draw(st.sampled_from(idents)), id2=draw(st.sampled_from(idents)), lit=lit,
        str=f'"{s}"',
    )


@st.composite
def statements(draw, language: str, depth: int = 0):
    simple = _GO_SIMPLE if language == "go" else _JS_SIMPLE
    blocks = _GO_BLOCKS if language == "go" else _JS_BLOCKS
    n = draw(st.integers(1, 5))
    out = []
    for _ in range(n):
        comment = draw(st.sampled_from([None, "note", "multi word note", "/* block */"]))
        if depth < 2 and draw(st.integers(0, 3)) == 0:
            head = _fill(draw(st.sampled_from(blocks)), draw, language)
            body = draw(statements(language, depth + 1))
            out.append(Stmt(head, tuple(body), comment))
        else:
            out.append(Stmt(_fill(draw(st.sampled_from(simple)), draw, language), None, comment))
    return out


@st.composite
def programs(draw, language: str | None = None):
    language = language or draw(st.sampled_from(["go", "javascript"]))
    n = draw(st.integers(1, 3))
    funcs = tuple((f"fn{i}", tuple(draw(statements(language)))) for i in range(n))
    return Program(language, funcs)


@st.composite
def layouts(draw):
    return Layout(
        blank_after=frozenset(draw(st.sets(st.integers(0, 40), max_size=12))),
        comments=draw(st.booleans()),
        indent=draw(st.sampled_from(["\t", "  ", "    "])),
        newline=draw(st.sampled_from(["\n", "\r\n"])),
        bom=draw(st.booleans()),
        final_newline=draw(st.booleans()),
    )


def render(program: Program, layout: Layout) -> bytes:
    """Print `program` under `layout` as source bytes."""
    lines: list[str] = []
    counter = [0]

    def comment_text(c: str) -> str:
        if c.startswith("/*"):
            return c
        return "// " + c

    def emit(stmts, depth: int) -> None:
        pad = layout.indent * depth
        for s in stmts:
            if layout.comments and s.comment:
                lines.append(pad + comment_text(s.comment))
            head_lines = s.text.split("\n")
            lines.append(pad + head_lines[0])
            lines.extend(head_lines[1:])  # continuation of a multi-line literal: verbatim
            if s.body is not None:
                emit(s.body, depth + 1)
                lines.append(pad + "}")
            if counter[0] in layout.blank_after:
                lines.append("")
            counter[0] += 1

    if program.language == "go":
        lines.append("package p")
        lines.append("")
        if layout.comments:
            lines.append("// Package-level note.")
        for name, body in program.functions:
            lines.append("")
            lines.append(f"func {name}(a, b int) int {{")
            emit(body, 1)
            lines.append(layout.indent + "return a")
            lines.append("}")
    else:
        if layout.comments:
            lines.append("// File-level note.")
        for name, body in program.functions:
            lines.append("")
            lines.append(f"function {name}(a, b) {{")
            emit(body, 1)
            lines.append(layout.indent + "return a;")
            lines.append("}")
    text = layout.newline.join(lines)
    if layout.final_newline:
        text += layout.newline
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if layout.bom else data


def plain_layout() -> Layout:
    return Layout(frozenset(), False, "\t", "\n", False, True)
