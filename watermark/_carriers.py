"""Carriers: the places where a single blank line can come and go.

A *boundary* is the gap between two consecutive sibling units A and B. It is
*eligible* when one blank line more or less there changes nothing a
compiler, gofmt or prettier cares about:

  * A ends its line and B starts a later one, and the gap holds only
    whitespace (plus the `,`/`;` that ends A's line): no comment, so no doc
    comment, `//go:` directive or build constraint can be detached;
  * the boundary is formatter-stable:
      Go  - only between statements inside a function (not between
            top-level declarations, where gofmt manages blank lines, and
            never inside struct fields, spec lists, composite literals or
            interfaces: gofmt aligns those in sections that a blank line
            would split); not before `if x != nil {` right after an
            assignment (gofumpt removes that blank line); between case
            clauses neither (the clause's text runs up to the next one);
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
from fingerprints only: the `renamed` hashes of A and B, the `renamed` hash
of the unit that encloses them (P: the function, the if statement, the
class...) and the occurrence index of the (A, B) pair among the boundaries
of P. Blank lines, comments, formatting, consistent renaming, reordering of
functions and edits outside P leave it unchanged; repeated code (the same
pair in the same kind of enclosing unit) repeats it, and the scorer counts
each identity once.
"""
from __future__ import annotations

import functools
import re
from array import array
from dataclasses import dataclass

from . import _bindings, _languages

# A's line end (whitespace, at most one `,`/`;`), the line break, then
# whitespace-only lines and B's indentation.
_GAP = re.compile(rb"[ \t]*[;,]?[ \t]*\r?\n(?:[ \t]*\r?\n)*[ \t]*")
_GO_IF_NIL = re.compile(rb"if[ \t]+(?:[A-Za-z_]|[\x80-\xff])(?:\w|[\x80-\xff])*[ \t]*[!=]=[ \t]*nil[ \t]*\{")
_JS_DIRECTIVE = re.compile(rb"""(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")[ \t]*;?""")

_GO_STATEMENTS = _languages.GO_STATEMENTS | {"var_declaration", "const_declaration", "type_declaration"}
_GO_ASSIGNMENTS = frozenset({"assignment_statement", "short_var_declaration", "var_declaration"})
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
    classes: bytes  # the same tables as one WM_C_* byte per symbol, for the C core


# WM_C_* in csrc/watermark.h
_C_IF_NIL, _C_ASSIGNMENT, _C_EXPRESSION, _C_PROPERTY = 8, 16, 32, 64


@functools.lru_cache(maxsize=None)
def _rules(language: str) -> _Rules:
    lang = _languages.load(language)

    def ids(kinds) -> frozenset[int]:
        return frozenset(i for i, k in enumerate(lang.kind_names) if k in kinds)

    if language == "go":
        groups = (ids(_GO_STATEMENTS),)
        if_nil, assignments, expression, properties = ids({"if_statement"}), ids(_GO_ASSIGNMENTS), frozenset(), frozenset()
    else:
        groups = (ids(_languages.JS_STATEMENTS), ids(_JS_MEMBERS | _JS_PROPERTIES), ids(_JS_CASES))
        if_nil, assignments = frozenset(), frozenset()
        expression, properties = ids({"expression_statement"}), ids(_JS_PROPERTIES | {"method_definition"})
    classes = bytearray(len(lang.kind_names))
    for bit, kinds in enumerate(groups):
        for symbol in kinds:
            classes[symbol] |= 1 << bit
    for flag, kinds in ((_C_IF_NIL, if_nil), (_C_ASSIGNMENT, assignments),
                        (_C_EXPRESSION, expression), (_C_PROPERTY, properties)):
        for symbol in kinds:
            classes[symbol] |= flag
    return _Rules(language, groups, if_nil, assignments, expression, properties, bytes(classes))


@dataclass(frozen=True)
class Boundaries:
    """The eligible boundaries of one file, in source order.

    words holds four uint64 per boundary, the input of its identity:
    renamed(A), renamed(B), renamed(P) (0 at top level), occurrence index.
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
    last_sibling: dict[int, int] = {}  # container node -> last unit index seen in it
    first_sibling: dict[int, int] = {}
    occurrences: dict[tuple[int, int, int], int] = {}
    words = array("Q")
    gaps = array("Q")
    go = rules.language == "go"
    for j, b in enumerate(rows):
        container = b[13]
        i = last_sibling.get(container)
        last_sibling[container] = j
        if i is None:
            first_sibling[container] = j
            continue
        a = rows[i]
        parent = b[11]
        p_renamed = rows[parent][1] if parent >= 0 else 0
        pair = (a[1], b[1], p_renamed)
        occurrence = occurrences.get(pair, 0)
        occurrences[pair] = occurrence + 1
        if a[15] or b[15]:  # syntax errors
            continue
        sa, sb = a[14], b[14]
        if not any(sa in kinds and sb in kinds for kinds in rules.sibling_kinds):
            continue
        a_end, b_start = a[6], b[5]
        gap = _GAP.fullmatch(src, a_end, b_start)
        if gap is None:
            continue
        if go:
            if parent < 0:  # top-level declarations
                continue
            if sb in rules.if_nil and sa in rules.assignments and _GO_IF_NIL.match(src, b_start):
                continue
        else:
            if _ends_in_comment(src, a[5], a_end):
                continue
            if (sa in rules.expression_statement and _JS_DIRECTIVE.fullmatch(src, a[5], a_end)) or \
                    (sb in rules.expression_statement and _JS_DIRECTIVE.fullmatch(src, b_start, b[6])):
                continue
            if sb in rules.properties and not _starts_line(src, rows[first_sibling[container]][5]):
                continue
        words.extend((a[1], b[1], p_renamed, occurrence))
        gaps.extend((a_end, src.index(b"\n", a_end, b_start) + 1, src.rindex(b"\n", a_end, b_start) + 1))
    return Boundaries(words, gaps)


def _ends_in_comment(src: bytes, start: int, end: int) -> bool:
    """Whether a JS unit may end in a comment: a statement closed by an
    automatic semicolon takes a trailing `// comment` into its range, and
    prettier, adding the `;`, moves it into the gap. Conservative: any `//`
    on the unit's last line, or a final `*/`."""
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
