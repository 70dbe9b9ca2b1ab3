"""Carriers: the places where a single blank line can come and go.

A *boundary* is the gap between two consecutive sibling units A and B. It is
*eligible* when one blank line more or less there changes nothing a
compiler, gofmt or prettier cares about:

  * A ends its line (nothing after it but whitespace and one `,`/`;`: no
    trailing comment) and B starts a later one. Between them, blank lines,
    then comment lines, if any, and B's line. The carrier's blank line
    always sits directly below A's line, above any comment, so it never
    separates a comment from the unit it documents; `//go:` directives,
    build constraints and cgo preambles belong to top-level declarations,
    which carry nothing;
  * the boundary is formatter-stable:
      Go  - between statements inside a function and between case
            clauses (not between top-level declarations, where gofmt and
            gofumpt manage blank lines); not before `if x != nil {` right
            after an assignment (gofumpt removes that blank line). In the
            lists gofmt aligns in sections (struct fields, specs, composite
            literals), only where the blank line cannot change a section:
            when comment lines stand between A and B (gofmt starts a new
            section before a comment on its own line, and counts two or
            more line breaks up to B either way, so neither alignment nor
            its line-break statistics change), or after an A whose last
            line holds no alignment cell (the tabwriter ends every column
            block at such a line anyway): embedded struct fields without
            tag, const specs of names only (the `B` after `A T = iota`),
            and elements of a composite literal without `key: value`
            elements (whose line-break statistics a blank line resets)
            inside an enclosing unit without comments. Interface elements
            only with comment lines between (gofumpt removes other blank
            lines there);
      JS  - statements, class members, switch cases, object properties of
            an object whose first property starts its own line (prettier
            keeps those expanded and keeps their blank lines), but not
            variable declarators (prettier joins them), not around
            directives such as "use strict", and not after a unit that may
            end in a comment (an automatic semicolon takes a trailing
            comment into the statement; prettier's `;` moves it out);
  * neither A nor B contains a syntax error.

Eligibility depends on line breaks, comments and kinds only, never on the
blank lines themselves, so a marked copy has exactly the eligible
boundaries of its original.

A boundary's *identity* (documented and measured in the README) is derived
from fingerprints only, and from nothing further away than the siblings
around it: the `renamed` hashes of A and B, of the sibling before A and of
the sibling after B (0 at the ends of the list), and the occurrence index of
that window among the boundaries of the file. Blank lines, comments,
formatting, consistent renaming, reordering of functions, and edits or cuts
more than one sibling away leave it unchanged: a 300-line excerpt or an
edited function keeps most of its carriers. Repeated code (the same four
siblings) repeats it, and the scorer counts each identity once.
"""
from __future__ import annotations

import functools
import re
from array import array
from dataclasses import dataclass

from . import _bindings, _languages

# A gap: A's line end (whitespace, at most one `,`/`;`, the line break),
# blank lines, then B's indentation; or (where allowed) comment lines first.
_LINE_END = re.compile(rb"[ \t]*[;,]?[ \t]*\r?\n")
_BLANK_LINES = re.compile(rb"(?:[ \t]*\r?\n)*")
_INDENT = re.compile(rb"[ \t]*")
_COMMENT_LINES = re.compile(rb"(?:[ \t\r\n]|//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*")
_GO_IF_NIL = re.compile(rb"if[ \t]+(?:[A-Za-z_]|[\x80-\xff])(?:\w|[\x80-\xff])*[ \t]*[!=]=[ \t]*nil[ \t]*\{")
_GO_NAMES = re.compile(rb"(?:\w|[\x80-\xff])+(?:[ \t]*,[ \t]*(?:\w|[\x80-\xff])+)*")  # `A` or `A, B`
_JS_DIRECTIVE = re.compile(rb"""(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")[ \t]*;?""")

_GO_STATEMENTS = _languages.GO_STATEMENTS | {"var_declaration", "const_declaration", "type_declaration"}
_GO_ASSIGNMENTS = frozenset({"assignment_statement", "short_var_declaration", "var_declaration"})
_GO_LIST_MEMBERS = frozenset({"field_declaration", "const_spec", "var_spec", "type_spec", "literal_element",
                              "keyed_element", "method_elem", "type_elem"})
# always hold a cell (specs, key: value), or lose a blank line to gofumpt (interface elements)
_GO_COMMENTED_ONLY = frozenset({"var_spec", "type_spec", "keyed_element", "method_elem", "type_elem"})
_GO_CASES = frozenset({"expression_case", "type_case", "communication_case", "default_case"})
_JS_MEMBERS = frozenset({"method_definition", "field_definition", "class_static_block"})
_JS_PROPERTIES = frozenset({"pair", "shorthand_property_identifier", "spread_element"})
_JS_CASES = frozenset({"switch_case", "switch_default"})


@dataclass(frozen=True)
class _Rules:
    """Per-language eligibility tables, by tree-sitter symbol."""

    language: str
    sibling_kinds: tuple[frozenset[int], ...]  # A and B must both be in one of these
    if_nil: frozenset[int]  # Go: if_statement
    assignments: frozenset[int]  # Go: what an error check follows
    expression_statement: frozenset[int]  # JS: directives are expression statements
    properties: frozenset[int]  # JS: object members (first-line rule)
    go_field: frozenset[int]  # Go list members with a condition on A (see module doc)
    go_const: frozenset[int]
    go_element: frozenset[int]
    go_keyed: frozenset[int]
    go_commented: frozenset[int]  # Go list members eligible only with comment lines before B
    classes: array  # the same tables as one WM_C_* uint16 per symbol, for the C core


# WM_C_* in csrc/watermark.h
_C_IF_NIL, _C_ASSIGNMENT, _C_EXPRESSION, _C_PROPERTY = 16, 32, 64, 128
_C_GO_FIELD, _C_GO_CONST, _C_GO_ELEMENT, _C_GO_KEYED, _C_GO_COMMENTED = 256, 512, 1024, 2048, 4096


@functools.lru_cache(maxsize=None)
def _rules(language: str) -> _Rules:
    lang = _languages.load(language)

    def ids(kinds) -> frozenset[int]:
        return frozenset(i for i, k in enumerate(lang.kind_names) if k in kinds)

    none = frozenset()
    if language == "go":
        groups = (ids(_GO_STATEMENTS), ids(_GO_LIST_MEMBERS), ids(_GO_CASES))
        if_nil, assignments, expression, properties = ids({"if_statement"}), ids(_GO_ASSIGNMENTS), none, none
        field, const, element, keyed = (ids({k}) for k in ("field_declaration", "const_spec", "literal_element",
                                                         "keyed_element"))
        commented = ids(_GO_COMMENTED_ONLY)
    else:
        groups = (ids(_languages.JS_STATEMENTS), ids(_JS_MEMBERS | _JS_PROPERTIES), ids(_JS_CASES))
        if_nil, assignments = none, none
        expression, properties = ids({"expression_statement"}), ids(_JS_PROPERTIES | {"method_definition"})
        field = const = element = keyed = commented = none
    classes = array("H", bytes(2 * len(lang.kind_names)))
    for bit, kinds in enumerate(groups):
        for symbol in kinds:
            classes[symbol] |= 1 << bit
    for flag, kinds in ((_C_IF_NIL, if_nil), (_C_ASSIGNMENT, assignments), (_C_EXPRESSION, expression),
                        (_C_PROPERTY, properties), (_C_GO_FIELD, field), (_C_GO_CONST, const),
                        (_C_GO_ELEMENT, element), (_C_GO_KEYED, keyed), (_C_GO_COMMENTED, commented)):
        for symbol in kinds:
            classes[symbol] |= flag
    return _Rules(language, groups, if_nil, assignments, expression, properties, field, const, element, keyed,
                  commented, classes)


IDENTITY_WORDS = _bindings.IDENTITY_WORDS  # words per boundary in Boundaries.words


@dataclass(frozen=True)
class Boundaries:
    """The eligible boundaries of one file, in source order.

    words holds IDENTITY_WORDS uint64 per boundary, the input of its
    identity: renamed(A), renamed(B), renamed(the sibling before A),
    renamed(the sibling after B) (0 where there is none), occurrence index
    of those four in the file.
    gaps holds three offsets per boundary: the gap's start (end of A), the
    end of A's line break, and the start of B's line (the gap's last line,
    B's indentation, runs from there to B)."""

    words: array
    gaps: array

    def __len__(self) -> int:
        return len(self.gaps) // 3


def boundaries(fp) -> Boundaries:
    """The eligible boundaries of a FileFingerprint (in C when available)."""
    if _bindings.available():
        rules = _rules(fp.language)
        words, gaps = _bindings.boundaries(fp.records, fp.unit_count, fp.node_count, fp.source,
                                           rules.classes, rules.language == "go")
        return Boundaries(words, gaps)
    return boundaries_reference(fp)


def boundaries_reference(fp) -> Boundaries:
    """boundaries() in Python: the rules as written, the C core's oracle."""
    rules = _rules(fp.language)
    src = fp.source
    rows = list(_bindings.UNIT_STRUCT.iter_unpack(fp.records))
    prev: list[int | None] = [None] * len(rows)  # the sibling before each unit, and after
    after: list[int | None] = [None] * len(rows)
    last_sibling: dict[int, int] = {}  # container node -> last unit index seen in it
    first_sibling: dict[int, int] = {}
    for j, row in enumerate(rows):
        i = last_sibling.get(row[13])
        if i is None:
            first_sibling[row[13]] = j
        else:
            prev[j], after[i] = i, j
        last_sibling[row[13]] = j
    occurrences: dict[tuple[int, int, int, int], int] = {}
    words = array("Q")
    gaps = array("Q")
    go = rules.language == "go"
    list_cells = {row[13] for row in rows if row[14] in rules.go_keyed}  # Go lists holding key: value cells
    commented: dict[int, bool] = {}
    for j, b in enumerate(rows):
        i = prev[j]
        if i is None:
            continue
        container, a, parent = b[13], rows[i], b[11]
        window = (a[1], b[1], rows[prev[i]][1] if prev[i] is not None else 0,
                  rows[after[j]][1] if after[j] is not None else 0)
        occurrence = occurrences.get(window, 0)
        occurrences[window] = occurrence + 1
        if a[15] or b[15]:  # syntax errors
            continue
        sa, sb = a[14], b[14]
        if not any(sa in kinds and sb in kinds for kinds in rules.sibling_kinds):
            continue
        a_end, b_start = _content_end(src, a[5], a[6]), b[5]
        if (not go or a_end < a[6]) and _ends_in_comment(src, a[5], a_end):  # JS; Go case clauses
            continue
        gap = _gap(src, a_end, b_start)
        if gap is None:
            continue
        if go:
            if parent < 0:  # top-level declarations
                continue
            if sb in rules.if_nil and sa in rules.assignments and _GO_IF_NIL.match(src, b_start):
                continue
            if sa in rules.sibling_kinds[1] and _INDENT.fullmatch(src, gap[1], b_start):  # no comment line before B
                if sa in rules.go_commented or sb in rules.go_commented:
                    continue
                if sa in rules.go_field and (a[10] > a[9] or any(c in src[a[5]:a[6]] for c in (b'"', b"`", b"\n"))):
                    continue
                if sa in rules.go_const and not _GO_NAMES.fullmatch(src, a[5], a_end):
                    continue
                if sa in rules.go_element:
                    if container in list_cells:
                        continue
                    if parent not in commented:
                        text = src[rows[parent][5]:rows[parent][6]]
                        commented[parent] = b"//" in text or b"/*" in text
                    if commented[parent]:
                        continue
        else:
            if (sa in rules.expression_statement and _JS_DIRECTIVE.fullmatch(src, a[5], a_end)) or \
                    (sb in rules.expression_statement and _JS_DIRECTIVE.fullmatch(src, b_start, b[6])):
                continue
            if sb in rules.properties and not _starts_line(src, rows[first_sibling[container]][5]):
                continue
        words.extend((*window, occurrence))
        gaps.extend((a_end, *gap))
    return Boundaries(words, gaps)


def _gap(src: bytes, a_end: int, b_start: int) -> tuple[int, int] | None:
    """(end of A's line break, start of the first line that is not blank) if
    [a_end, b_start) is an eligible gap: A's line end, blank lines, comment
    lines, B's indentation. The carrier's blank lines are those between the
    two offsets, above any comment, so they never separate a comment from
    the unit it documents."""
    head = _LINE_END.match(src, a_end, b_start)
    if head is None:
        return None
    last_line = _BLANK_LINES.match(src, head.end(), b_start).end()
    if _COMMENT_LINES.fullmatch(src, last_line, b_start) is None:
        return None
    return head.end(), last_line


def _content_end(src: bytes, start: int, end: int) -> int:
    """A unit's end without trailing whitespace: tree-sitter-go's case
    clauses take the line breaks after their body into their range."""
    while end > start and src[end - 1] in b" \t\r\n":
        end -= 1
    return end


def _ends_in_comment(src: bytes, start: int, end: int) -> bool:
    """Whether a unit may end in a comment: a JS statement closed by an
    automatic semicolon takes a trailing `// comment` into its range, and
    prettier, adding the `;`, moves it into the gap; a Go case clause may
    end in a comment line. Conservative: any `//` on the unit's last line,
    or a final `*/`."""
    line = max(src.rfind(b"\n", start, end) + 1, start)
    return src.find(b"//", line, end) >= 0 or src.endswith(b"*/", start, end)


def _starts_line(src: bytes, pos: int) -> bool:
    """Whether only spaces and tabs stand between the previous line break and pos."""
    nl = src.rfind(b"\n", 0, pos)
    return nl >= 0 and not src[nl + 1:pos].strip(b" \t")


def blank_lines(src: bytes, line_end: int, last_line: int) -> int:
    """Blank lines in a gap (between the end of A's line break and the start
    of B's line); a carrier reads 1 when there is any."""
    return src.count(b"\n", line_end, last_line)
