"""Carriers in plain Python: the reference of csrc/wm_carriers.c.

The eligibility rules are stated in watermark/core/carriers.py; here they
are applied, as the C applies them, to the packed unit records and a
language's rules: the per-symbol rule classes (WM_C_* bits), the option
bits (WM_O_*) and the guard pattern. Regexes state the gap grammar that the
C scans byte by byte.
"""
from __future__ import annotations

import functools
import re
from array import array
from collections.abc import Sequence

from ...errors import WatermarkError
from ..contract import (
    UNIT_STRUCT,
    WM_B_LENIENT,
    WM_C_ALIGNED,
    WM_C_CELL_BARE,
    WM_C_CELL_ELEMENT,
    WM_C_CELL_NAMES,
    WM_C_COMMENTED_ONLY,
    WM_C_DIRECTIVE,
    WM_C_FIRST_LINE,
    WM_C_GUARD,
    WM_C_GUARDED,
    WM_C_KEYED_CELL,
    WM_C_SIBLINGS,
    WM_O_NO_TOP_LEVEL,
    WM_O_TRAILING_COMMENTS,
    UnitRecord,
)

# A gap: A's line end (whitespace, at most one `,`/`;`, the line break),
# blank lines, then B's indentation; or (where allowed) comment lines first.
_LINE_END = re.compile(rb"[ \t]*[;,]?[ \t]*\r?\n")
_BLANK_LINES = re.compile(rb"(?:[ \t]*\r?\n)*")
_INDENT = re.compile(rb"[ \t]*")
_COMMENT_LINES = re.compile(rb"(?:[ \t\r\n]|//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*")
_NAMES = re.compile(rb"(?:\w|[\x80-\xff])+(?:[ \t]*,[ \t]*(?:\w|[\x80-\xff])+)*")  # `A` or `A, B`
_DIRECTIVE = re.compile(rb"""(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")[ \t]*;?""")


@functools.cache
def _guard(keyword: bytes, literal: bytes) -> re.Pattern[bytes]:
    """`keyword IDENT != literal {` (or ==)."""
    return re.compile(re.escape(keyword) + rb"[ \t]+(?:[A-Za-z_]|[\x80-\xff])(?:\w|[\x80-\xff])*[ \t]*[!=]=[ \t]*"
                      + re.escape(literal) + rb"[ \t]*\{")


def unpack_units(records: bytes, n_units: int) -> list[UnitRecord]:
    if len(records) < n_units * UNIT_STRUCT.size:
        raise ValueError("records shorter than their count")
    return list(map(UnitRecord._make, UNIT_STRUCT.iter_unpack(records[:n_units * UNIT_STRUCT.size])))


def boundaries(records: bytes, n_units: int, n_nodes: int, source: bytes, classes: Sequence[int], options: int,
               guard: tuple[bytes, bytes] | None, flags: int) -> tuple[array, array]:
    """(words, gaps) of the eligible boundaries, as wm_boundaries (flags:
    WM_B_LENIENT)."""
    src = source
    lenient = bool(flags & WM_B_LENIENT)
    guard_at = _guard(*guard) if guard else None
    if n_units < 2:  # as the C: nothing to pair, nothing checked
        return array("Q"), array("Q")
    rows = unpack_units(records, n_units)
    for u in rows:
        if u.parent_node >= n_nodes or u.parent >= n_units or u.start_byte > u.end_byte or u.end_byte > len(src):
            raise WatermarkError("boundaries: C core rejected its input (status -5)")

    def rule(symbol: int) -> int:  # symbols past the table (ERROR) are in no class
        return classes[symbol] if symbol < len(classes) else 0

    before: list[int | None] = [None] * len(rows)  # the sibling before each unit, and after
    after: list[int | None] = [None] * len(rows)
    last_sibling: dict[int, int] = {}  # container node -> last unit index seen in it
    first_sibling: dict[int, int] = {}
    for j, row in enumerate(rows):
        i = last_sibling.get(row.parent_node)
        if i is None:
            first_sibling[row.parent_node] = j
        else:
            before[j], after[i] = i, j
        last_sibling[row.parent_node] = j
    occurrences: dict[tuple[int, int, int, int], int] = {}
    words, gaps = array("Q"), array("Q")
    # lists holding key: value cells
    list_cells = {row.parent_node for row in rows if rule(row.symbol) & WM_C_KEYED_CELL}
    commented: dict[int, bool] = {}
    for j, b in enumerate(rows):
        i = before[j]
        if i is None:
            continue
        a = rows[i]
        prev_a, next_b = before[i], after[j]
        window = (a.renamed, b.renamed, rows[prev_a].renamed if prev_a is not None else 0,
                  rows[next_b].renamed if next_b is not None else 0)
        occurrence = occurrences.get(window, 0)
        occurrences[window] = occurrence + 1
        if a.has_error or b.has_error:
            continue
        ca, cb = rule(a.symbol), rule(b.symbol)
        if not ca & cb & WM_C_SIBLINGS:
            continue
        a_end, b_start = _content_end(src, a.start_byte, a.end_byte), b.start_byte
        if not lenient and (options & WM_O_TRAILING_COMMENTS or a_end < a.end_byte) and \
                _ends_in_comment(src, a.start_byte, a_end):
            continue  # a unit that ends in a comment (or takes the line breaks after it, and one)
        if a_end > b_start:
            continue
        gap = _lenient_gap(src, a_end, b_start) if lenient else _gap(src, a_end, b_start)
        if gap is None:
            continue
        if options & WM_O_NO_TOP_LEVEL and b.parent < 0:  # top-level declarations
            continue
        if guard_at is not None and cb & WM_C_GUARD and ca & WM_C_GUARDED and guard_at.match(src, b_start):
            continue
        if ca & cb & WM_C_ALIGNED and not gap[2]:  # aligned list members, no comment line before B
            if (ca | cb) & WM_C_COMMENTED_ONLY:
                continue
            if ca & WM_C_CELL_BARE and (a.name_end > a.name_start or
                                        any(c in src[a.start_byte:a.end_byte] for c in (b'"', b"`", b"\n"))):
                continue
            if ca & WM_C_CELL_NAMES and not _NAMES.fullmatch(src, a.start_byte, a_end):
                continue
            if ca & WM_C_CELL_ELEMENT:
                if b.parent_node in list_cells or b.parent < 0:
                    continue
                if b.parent not in commented:
                    text = src[rows[b.parent].start_byte:rows[b.parent].end_byte]
                    commented[b.parent] = b"//" in text or b"/*" in text
                if commented[b.parent]:
                    continue
        if (ca & WM_C_DIRECTIVE and _DIRECTIVE.fullmatch(src, a.start_byte, a_end)) or \
                (cb & WM_C_DIRECTIVE and _DIRECTIVE.fullmatch(src, b_start, b.end_byte)):
            continue
        if cb & WM_C_FIRST_LINE and not _starts_line(src, rows[first_sibling[b.parent_node]].start_byte):
            continue
        words.extend((*window, occurrence))
        gaps.extend((a_end, gap[0], gap[1]))
    return words, gaps


def _gap(src: bytes, a_end: int, b_start: int) -> tuple[int, int, bool] | None:
    """(end of A's line break, start of the first line that is not blank,
    whether comments stand before B) if [a_end, b_start) is an eligible
    gap: A's line end, blank lines, comment lines, B's indentation. The
    carrier's blank lines are those between the two offsets, above any
    comment, so they never separate a comment from the unit it documents."""
    head = _LINE_END.match(src, a_end, b_start)
    if head is None:
        return None
    last_line = _BLANK_LINES.match(src, head.end(), b_start).end()  # type: ignore[union-attr]  # matches ""
    if _COMMENT_LINES.fullmatch(src, last_line, b_start) is None:
        return None
    return head.end(), last_line, not _INDENT.fullmatch(src, last_line, b_start)


# A lenient gap's lines: A's line end (`;`/`,`, comments), then blank or
# comment lines in any order, then B's indentation (comments allowed).
_LENIENT_HEAD = re.compile(rb"[ \t]*[;,]?")
_LENIENT_TOKEN = re.compile(rb"[ \t\r]+|\n|//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/")


def _lenient_gap(src: bytes, a_end: int, b_start: int) -> tuple[int, int, bool] | None:
    """(start, end) of the first blank line of a gap read leniently (both
    at the end of A's line when none is blank), and whether a comment with
    text stands after A's line; None if the gap holds anything but blanks
    and comments, or no line break. A line holding only an empty `//` is
    blank. As wm_carriers.c's lenient_scan."""
    pos = _LENIENT_HEAD.match(src, a_end, b_start).end()  # type: ignore[union-attr]  # matches ""
    first, content, commented = True, False, False
    blank: tuple[int, int] | None = None
    line_end = line = pos
    while pos < b_start:
        token = _LENIENT_TOKEN.match(src, pos, b_start)
        if token is None:
            return None
        text, pos = token.group(), token.end()
        if text == b"\n":
            if first:
                first, line_end = False, pos
            elif not content and blank is None:
                blank = (line, pos)
            line, content = pos, False
        elif text.startswith(b"//"):
            content = content or bool(text[2:].strip(b" \t\r"))
            commented = commented or (not first and content)
        elif text.startswith(b"/*"):
            if first and b"\n" in text:
                first, line_end = False, token.start() + text.index(b"\n") + 1
            content = True
            commented = commented or not first
    if first:
        return None
    start, end = blank if blank is not None else (line_end, line_end)
    return start, end, commented


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


def _blank_lines(src: bytes, line_end: int, last_line: int) -> int:
    """Blank lines in a gap (between the end of A's line break and the start
    of B's line); a carrier reads 1 when there is any."""
    return src.count(b"\n", line_end, last_line)


def _rejected(what: str) -> WatermarkError:
    return WatermarkError(f"{what}: C core rejected its input (status -5)")


def read_bits(src: bytes, gaps: Sequence[int]) -> bytearray:
    """The bit each carrier gap holds, as wm_read_bits."""
    bits = bytearray(len(gaps) // 3)
    for k in range(len(bits)):
        line_end, last_line = gaps[3 * k + 1], gaps[3 * k + 2]
        if line_end > last_line or last_line > len(src):
            raise _rejected("read_bits")
        bits[k] = 1 if _blank_lines(src, line_end, last_line) else 0
    return bits


def set_bits(src: bytes, gaps: Sequence[int], bits: bytes) -> tuple[bytes, int, int]:
    """Each gap with no blank line (0) or exactly one in the line ending of
    A's line (1), as wm_set_bits: (text, lines added, lines removed)."""
    if len(bits) != len(gaps) // 3:
        raise ValueError("one bit per carrier")
    out = bytearray()
    pos = added = removed = 0
    for k, bit in enumerate(bits):
        line_end, last_line = gaps[3 * k + 1], gaps[3 * k + 2]
        if line_end < pos or line_end > last_line or last_line > len(src) or line_end < 1:
            raise _rejected("set_bits")
        newline = b"\r\n" if src[line_end - 2:line_end] == b"\r\n" else b"\n"
        middle = newline if bit else b""
        if src[line_end:last_line] == middle:
            continue
        blank = _blank_lines(src, line_end, last_line)
        out += src[pos:line_end]
        out += middle
        pos = last_line
        added += max(0, bit - blank)
        removed += max(0, blank - bit)
    out += src[pos:]
    return bytes(out), added, removed
