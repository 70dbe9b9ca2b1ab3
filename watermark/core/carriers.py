"""Carriers: the places where a single blank line can come and go.

A *boundary* is the gap between two consecutive sibling units A and B. It is
*eligible* when one blank line more or less there changes nothing a
compiler or the language's formatters care about:

  * A ends its line (nothing after it but whitespace and one `,`/`;`: no
    trailing comment) and B starts a later one. Between them, blank lines,
    then comment lines, if any, and B's line. The carrier's blank line
    always sits directly below A's line, above any comment, so it never
    separates a comment from the unit it documents;
  * A and B are in one of the language's sibling groups (statements, list
    members, cases...), and no rule of the language's formatter-stability
    rules excludes the boundary: each language's module under
    watermark/languages/ states its rules (`CARRIERS`: the groups, a rule
    class per kind, option bits, a guard pattern), and why;
  * neither A nor B contains a syntax error.

Since scheme 3, the boundary between two consecutive elements of an array
literal (a language's `Syntax.elements`) is eligible too, where the
formatter keeps the list broken one element a line: every element starts
its own line, only `,` and whitespace stand between the `[`, the elements
and the `]`, not every element is a number, and the elements are over 80
characters flat (csrc/wm_carriers.c:element_boundaries). Its identity is the
elements' window, and its occurrence word carries WM_ELEMENT_BOUNDARY.

Eligibility depends on line breaks, comments and kinds only, never on the
blank lines themselves, so a marked copy has exactly the eligible
boundaries of its original.

A boundary's *identity* is derived from fingerprints only, and from nothing
further away than the siblings around it: the `renamed` hashes of A and B,
of the sibling before A and of the sibling after B (0 at the ends of the
list), and the occurrence index of that window among the boundaries of the
file. Blank lines, comments, formatting, consistent renaming, reordering of
functions, and edits or cuts more than one sibling away leave it unchanged:
a 300-line excerpt or an edited function keeps most of its carriers.
Repeated code (the same four siblings) repeats it, and the scorer counts
each identity once.

The backends apply the rules: csrc/wm_carriers.c, and its readable twin
watermark/backend/reference/carriers.py.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass

from .. import languages
from ..backend import BACKEND
from ..backend.contract import WM_B_LENIENT, WM_ELEMENT_BOUNDARY, WM_IDENTITY_WORDS
from .codes import ELEMENTS_SINCE, SCHEME
from .fingerprint import FileFingerprint

IDENTITY_WORDS = WM_IDENTITY_WORDS  # words per boundary in Boundaries.words


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


def boundaries(fp: FileFingerprint, *, lenient: bool = False, scheme: int = SCHEME) -> Boundaries:
    """The eligible boundaries of a fingerprinted file under the carrier
    rules of `scheme` (since scheme 3, element boundaries too).

    lenient (reading a suspect copy, never marking): A's line may end in
    comments, and comment lines and blank lines may stand in the gap in any
    order; the bit is whether any line of the gap is blank or holds only an
    empty `//`. A leaker's comment line above each blank line, or `//` after
    every line, then hides nothing. Boundaries that only leniency makes
    eligible are no release carriers, and trace drops them; where a
    release's own gap holds a comment line and then a blank line, a lenient
    read says 1 whatever the recipient: noise, independent of every
    recipient's bits, so no innocent's bound moves."""
    elements = scheme >= ELEMENTS_SINCE
    words, gaps = BACKEND.boundaries(fp.records, fp.unit_count, fp.node_count, fp.source,
                                     languages.get(fp.language).tables, WM_B_LENIENT if lenient else 0,
                                     fp.elements if elements else b"", fp.element_count if elements else 0)
    return Boundaries(words, gaps)


def is_element(words: array, k: int) -> bool:
    """Whether boundary k (of identity words `words`) lies between the
    elements of a list: no carrier before scheme 3."""
    return bool(words[IDENTITY_WORDS * k + IDENTITY_WORDS - 1] & WM_ELEMENT_BOUNDARY)


def of_scheme(words: array, scheme: int) -> list[int]:
    """The indexes of the boundaries (identity words `words`) that the
    carrier rules of `scheme` know."""
    n = len(words) // IDENTITY_WORDS
    if scheme >= ELEMENTS_SINCE:
        return list(range(n))
    return [k for k in range(n) if not is_element(words, k)]
