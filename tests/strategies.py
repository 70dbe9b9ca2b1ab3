"""Hypothesis strategies shared by the tests: generated programs, rendered
under controllable formatting.

A program is a tree of statements; `Layout` says how to print it (blank
lines between statements, comments, indentation, line endings, BOM, final
newline). Rendering one program under two layouts gives two texts that
differ only in formatting, which is what the invariance tests need.

What a language's programs look like (statement templates, blocks, the
function around them) is its `Shape`; every conformance profile
(tests/conformance/profiles.py) holds one, and `programs()` draws from all
of them.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st


@dataclass(frozen=True)
class Shape:
    """How generated programs of one language are written.

    Templates are `str.format` strings filled with {id}, {id2} (identifiers
    of `idents`), {lit} (a number) and {str} (a double-quoted string); a
    statement may span lines (a multi-line literal: its further lines are
    printed verbatim). Functions take the parameters `a` and `b` and end in
    `returns`, which returns `a`."""

    language: str
    idents: tuple[str, ...]
    simple: tuple[str, ...]  # simple statements
    blocks: tuple[str, ...]  # block openers; the block's statements follow, then `close`
    function: str  # a function's first line, {name} filled in
    returns: str  # a function's last statement
    prologue: tuple[str, ...] = ()  # lines before everything else (`package p`)
    file_comment: str = "// File-level note."  # a comment line after the prologue, in layouts with comments
    comments: tuple[str, ...] = ("// note", "// multi word note", "/* block */")  # comment lines above statements
    close: str | None = "}"  # a block's last line (None: the block ends where its indentation does)


@dataclass(frozen=True)
class Stmt:
    text: str  # may contain newlines inside literals
    body: tuple[Stmt, ...] | None  # None: simple statement; else a block
    comment: str | None


@dataclass(frozen=True)
class Program:
    shape: Shape
    functions: tuple[tuple[str, tuple[Stmt, ...]], ...]  # (name, body)

    @property
    def language(self) -> str:
        return self.shape.language


@dataclass(frozen=True)
class Layout:
    blank_after: frozenset[int]  # statement ordinals followed by a blank line
    comments: bool
    indent: str
    newline: str
    bom: bool
    final_newline: bool


def _fill(template: str, draw, shape: Shape) -> str:
    lit = draw(st.sampled_from(["0", "1", "42", "3.5", "0x1F", "1e3"]))
    s = draw(st.sampled_from(["", "plain", "two words", "with\\nescape", "blank\\n\\nline"]))
    return template.format(
        id=draw(st.sampled_from(shape.idents)), id2=draw(st.sampled_from(shape.idents)), lit=lit,
        str=f'"{s}"',
    )


@st.composite
def statements(draw, shape: Shape, depth: int = 0):
    n = draw(st.integers(1, 5))
    out = []
    for _ in range(n):
        comment = draw(st.sampled_from([None, *shape.comments]))
        if depth < 2 and draw(st.integers(0, 3)) == 0:
            head = _fill(draw(st.sampled_from(shape.blocks)), draw, shape)
            body = draw(statements(shape, depth + 1))
            out.append(Stmt(head, tuple(body), comment))
        else:
            out.append(Stmt(_fill(draw(st.sampled_from(shape.simple)), draw, shape), None, comment))
    return out


def shapes() -> list[Shape]:
    """The shapes of every conformance profile's language."""
    from conformance.profiles import PROFILES

    return [p.shape for p in PROFILES]


def shape_of(language: str) -> Shape:
    return next(s for s in shapes() if s.language == language)


@st.composite
def programs(draw, language: str | None = None):
    """Programs of `language`, or of any language with a profile."""
    shape = shape_of(language) if language else draw(st.sampled_from(shapes()))
    n = draw(st.integers(1, 3))
    funcs = tuple((f"fn{i}", tuple(draw(statements(shape)))) for i in range(n))
    return Program(shape, funcs)


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
    shape = program.shape
    lines: list[str] = []
    counter = [0]

    def emit(stmts, depth: int) -> None:
        pad = layout.indent * depth
        for s in stmts:
            if layout.comments and s.comment:
                lines.append(pad + s.comment)
            head_lines = s.text.split("\n")
            lines.append(pad + head_lines[0])
            lines.extend(head_lines[1:])  # continuation of a multi-line literal: verbatim
            if s.body is not None:
                emit(s.body, depth + 1)
                if shape.close is not None:
                    lines.append(pad + shape.close)
            if counter[0] in layout.blank_after:
                lines.append("")
            counter[0] += 1

    lines.extend(shape.prologue)
    if layout.comments:
        lines.append(shape.file_comment)
    for name, body in program.functions:
        lines.append("")
        lines.append(shape.function.format(name=name))
        emit(body, 1)
        lines.append(layout.indent + shape.returns)
        if shape.close is not None:
            lines.append(shape.close)
    text = layout.newline.join(lines)
    if layout.final_newline:
        text += layout.newline
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if layout.bom else data


def plain_layout() -> Layout:
    return Layout(frozenset(), False, "\t", "\n", False, True)


# ---- lists of elements (array literals: scheme 3's element boundaries) ----------------

LIST_LANGUAGES = ["javascript", "typescript", "tsx"]
ELEMENT = st.sampled_from([
    '"alpha"', "'bravo'", '"a longer string literal of some width"', "name", "camelCaseName", "0", "-1", "0x1F",
    ".5", "1e3", "1_000n", "- 2", "f(x)", "obj.method(1, 2)", "{ a: 1, b: \"x\" }", "{\n    a: 1,\n    b: 2,\n  }",
    "[1, 2]", "[\n    \"x\",\n    \"y\",\n  ]", "function () {\n    return 1;\n  }", "(x) => x + 1", "...rest",
    "`a${b}c`", "new Date()", "a ? b : c", "await g()", "null", "undefined", "true",
    "`a template\nover lines`", '"// not a comment"', '"ünïcödé ✓"', "<div>x</div>", "<Row\n    id={1}\n  />",
    "\t\"tab\"",
])
SEPARATOR = st.sampled_from([",\n  ", ",\n\n  ", ", ", ",\n  // note\n  ", " ,\n  ", ",\r\n  ", ",\n\n\n  ",
                             ",\n  /* c */ ", ",,\n  ", ",\n  ,\n  ", ",\r  ", ",\n\t"])


CLEAN_SEPARATOR = st.sampled_from([",\n  ", ",\n\n  "])


@st.composite
def arrays(draw) -> tuple[str, str]:
    """A list in a program: mostly as prettier writes one (one element a
    line, maybe blank lines), else with any separators, comments and
    brackets."""
    language = draw(st.sampled_from(LIST_LANGUAGES))
    clean = draw(st.booleans())
    elements = draw(st.lists(ELEMENT, min_size=2 if clean else 1, max_size=14))
    seps = [draw(CLEAN_SEPARATOR if clean else SEPARATOR) for _ in elements[1:]]
    body = elements[0] + "".join(s + e for s, e in zip(seps, elements[1:]))
    opening = "[\n  " if clean else draw(st.sampled_from(["[\n  ", "[", "[ ", "[\n\n  "]))
    closing = draw(st.sampled_from([",\n]", "\n]"] if clean else ["]", ",]", ", ]", ",\n  // end\n]"]))
    wrap = draw(st.sampled_from(["const v = {};\n", "f({});\n", "export default {};\n", "x = {{ k: {} }};\n",
                                 "function g() {{\n  return {};\n}}\n"]))
    if language != "javascript" and draw(st.booleans()):
        wrap = "const w = {} as const;\n"  # (TypeScript's)
    return language, "async function h() {}\n" + wrap.format(opening + body + closing) + "let z = 1;\n"
