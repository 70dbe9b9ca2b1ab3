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

Here the rules become per-symbol classes (`rule_classes`, WM_C_* bits of
the C contract); the backends apply them: csrc/wm_carriers.c, and its
readable twin watermark/backend/reference/carriers.py.
"""
from __future__ import annotations

import functools
from array import array
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from ..backend import BACKEND
from ..backend.contract import (
    WM_B_GO,
    WM_B_LENIENT,
    WM_C_ASSIGNMENT,
    WM_C_EXPRESSION,
    WM_C_GO_COMMENTED,
    WM_C_GO_CONST,
    WM_C_GO_ELEMENT,
    WM_C_GO_FIELD,
    WM_C_GO_KEYED,
    WM_C_IF_NIL,
    WM_C_PROPERTY,
    WM_IDENTITY_WORDS,
)
from . import languages
from .fingerprint import FileFingerprint

IDENTITY_WORDS = WM_IDENTITY_WORDS  # words per boundary in Boundaries.words

_GO_STATEMENTS = languages.GO_STATEMENTS | {"var_declaration", "const_declaration", "type_declaration"}
_GO_ASSIGNMENTS = frozenset({"assignment_statement", "short_var_declaration", "var_declaration"})
_GO_LIST_MEMBERS = frozenset({"field_declaration", "const_spec", "var_spec", "type_spec", "literal_element",
                              "keyed_element", "method_elem", "type_elem"})
# always hold a cell (specs, key: value), or lose a blank line to gofumpt (interface elements)
_GO_COMMENTED_ONLY = frozenset({"var_spec", "type_spec", "keyed_element", "method_elem", "type_elem"})
_GO_CASES = frozenset({"expression_case", "type_case", "communication_case", "default_case"})
_JS_MEMBERS = frozenset({"method_definition", "field_definition", "class_static_block"})
_JS_PROPERTIES = frozenset({"pair", "shorthand_property_identifier", "spread_element"})
_JS_CASES = frozenset({"switch_case", "switch_default"})


@functools.cache
def rule_classes(language: str) -> array:
    """One WM_C_* uint16 per symbol: the eligibility rules of `language` as
    the backends apply them. Bits 0-2 are the sibling groups (A and B must
    share one): statements, list members, cases."""
    lang = languages.load(language)
    if language == "go":
        groups: list[AbstractSet[str]] = [_GO_STATEMENTS, _GO_LIST_MEMBERS, _GO_CASES]
        flags: dict[int, AbstractSet[str]] = {WM_C_IF_NIL: {"if_statement"}, WM_C_ASSIGNMENT: _GO_ASSIGNMENTS,
                 WM_C_GO_FIELD: {"field_declaration"}, WM_C_GO_CONST: {"const_spec"},
                 WM_C_GO_ELEMENT: {"literal_element"}, WM_C_GO_KEYED: {"keyed_element"},
                 WM_C_GO_COMMENTED: _GO_COMMENTED_ONLY}
    else:
        groups = [languages.JS_STATEMENTS, _JS_MEMBERS | _JS_PROPERTIES, _JS_CASES]
        flags = {WM_C_EXPRESSION: {"expression_statement"}, WM_C_PROPERTY: _JS_PROPERTIES | {"method_definition"}}
    classes = array("H", bytes(2 * len(lang.kind_names)))
    for symbol, kind in enumerate(lang.kind_names):
        for bit, kinds in enumerate(groups):
            if kind in kinds:
                classes[symbol] |= 1 << bit
        for flag, kinds in flags.items():
            if kind in kinds:
                classes[symbol] |= flag
    return classes


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


def boundaries(fp: FileFingerprint, *, lenient: bool = False) -> Boundaries:
    """The eligible boundaries of a fingerprinted file.

    lenient (reading a suspect copy, never marking): A's line may end in
    comments, and comment lines and blank lines may stand in the gap in any
    order; the bit is whether any line of the gap is blank or holds only an
    empty `//`. A leaker's comment line above each blank line, or `//` after
    every line, then hides nothing. Boundaries that only leniency makes
    eligible are no release carriers, and trace drops them; where a
    release's own gap holds a comment line and then a blank line, a lenient
    read says 1 whatever the recipient: noise, independent of every
    recipient's bits, so no innocent's bound moves."""
    flags = (WM_B_GO if fp.language == "go" else 0) | (WM_B_LENIENT if lenient else 0)
    words, gaps = BACKEND.boundaries(fp.records, fp.unit_count, fp.node_count, fp.source,
                                     rule_classes(fp.language), flags)
    return Boundaries(words, gaps)
