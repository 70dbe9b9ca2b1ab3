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
from collections.abc import Callable, Sequence

from ...errors import WatermarkError
from ..contract import (
    UNIT_STRUCT,
    WM_B_LENIENT,
    WM_C_ALIGNED,
    WM_C_CELL_BARE,
    WM_C_CELL_ELEMENT,
    WM_C_CELL_NAMES,
    WM_C_COMMENTED_ONLY,
    WM_C_DEFINITION,
    WM_C_DIRECTIVE,
    WM_C_FIRST_LINE,
    WM_C_GUARD,
    WM_C_GUARDED,
    WM_C_IMPORT,
    WM_C_KEYED_CELL,
    WM_C_LONE_STRING,
    WM_C_SIBLINGS,
    WM_ELEMENT_BOUNDARY,
    WM_O_HASH_COMMENTS,
    WM_O_NO_TOP_LEVEL,
    WM_O_TRAILING_COMMENTS,
    UnitRecord,
)

# A gap: A's line end (whitespace, at most one `,`/`;`, the line break),
# blank lines, then B's indentation; or (where allowed) comment lines first.
_LINE_END = re.compile(rb"[ \t]*[;,]?[ \t]*\r?\n")
_BLANK_LINES = re.compile(rb"(?:[ \t]*\r?\n)*")
_INDENT = re.compile(rb"[ \t]*")
# (a line comment runs to its line's end: `#a#b` is one comment, never two,
# so a failing match does not backtrack through every split of the line)
_COMMENT_LINES = re.compile(rb"(?:[ \t\r\n]|//[^\n]*(?=\n|\Z)|/\*(?:[^*]|\*(?!/))*\*/)*")
_HASH_COMMENT_LINES = re.compile(rb"(?:[ \t\r\n]|#[^\n]*(?=\n|\Z))*")
_NAMES = re.compile(rb"(?:\w|[\x80-\xff])+(?:[ \t]*,[ \t]*(?:\w|[\x80-\xff])+)*")  # `A` or `A, B`
# element lists: a number, maybe signed (generous)
_NUMBER_LIKE = re.compile(rb"[-+]?[ \t]*\.?[0-9](?:[\w.+-]|[\x80-\xff])*")
_LENIENT_WIDTH = 40  # a list's flat width a lenient read asks for (renaming may shorten a list of 80)
_W = 5  # identity words per boundary
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
               guard: tuple[bytes, bytes] | None, flags: int, elements: bytes = b"",
               n_elements: int = 0) -> tuple[array, array]:
    """(words, gaps) of the eligible boundaries, as wm_boundaries (flags:
    WM_B_LENIENT; with elements, the element boundaries merged in)."""
    src = source
    lenient = bool(flags & WM_B_LENIENT)
    hash_comments = bool(options & WM_O_HASH_COMMENTS)
    guard_at = _guard(*guard) if guard else None
    if len(records) < n_units * UNIT_STRUCT.size or len(elements) < n_elements * UNIT_STRUCT.size:
        raise ValueError("records shorter than their count")  # (as the native backend, before the C)
    if n_units < 2 and n_elements < 2:  # as the C: nothing to pair, nothing checked
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
    ends_in_definition = _ends_in_definition(rows, src, rule, hash_comments)
    for j, b in enumerate(rows):
        i = before[j]
        if i is None:
            continue
        a = rows[i]
        window, occurrence = _window(rows, before, after, i, j, occurrences)
        if a.has_error or b.has_error:
            continue
        ca, cb = rule(a.symbol), rule(b.symbol)
        if not ca & cb & WM_C_SIBLINGS:
            continue
        a_end, b_start = _content_end(src, a.start_byte, a.end_byte), b.start_byte
        if not lenient and (options & WM_O_TRAILING_COMMENTS or a_end < a.end_byte) and \
                _ends_in_comment(src, a.start_byte, a_end, hash_comments):
            continue  # a unit that ends in a comment (or takes the line breaks after it, and one)
        if a_end > b_start:
            continue
        gap = _lenient_gap(src, a_end, b_start, hash_comments) if lenient else _gap(src, a_end, b_start, hash_comments)
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
                    commented[b.parent] = b"#" in text if hash_comments else b"//" in text or b"/*" in text
                if commented[b.parent]:
                    continue
        if ca & WM_C_IMPORT and (not cb & WM_C_IMPORT or gap[2]):
            continue
        if i in ends_in_definition:
            continue
        if (ca & WM_C_LONE_STRING and _lone_string(src, a.start_byte, a_end)) or \
                (cb & WM_C_LONE_STRING and _lone_string(src, b_start, b.end_byte)):
            continue
        if (ca & WM_C_DIRECTIVE and _DIRECTIVE.fullmatch(src, a.start_byte, a_end)) or \
                (cb & WM_C_DIRECTIVE and _DIRECTIVE.fullmatch(src, b_start, b.end_byte)):
            continue
        if cb & WM_C_FIRST_LINE and not _starts_line(src, rows[first_sibling[b.parent_node]].start_byte):
            continue
        words.extend((*window, occurrence))
        gaps.extend((a_end, gap[0], gap[1]))
    if n_elements > 1:
        more = _element_boundaries(unpack_units(elements, n_elements), n_nodes, src, lenient, hash_comments,
                                   occurrences)
        return _merged((words, gaps), more)
    return words, gaps


def _window(rows: list[UnitRecord], before: list[int | None], after: list[int | None], i: int, j: int,
            occurrences: dict[tuple[int, int, int, int], int]) -> tuple[tuple[int, int, int, int], int]:
    """The identity window of the boundary between rows i and j (renamed A,
    B, the sibling before A, the one after B) and its occurrence so far."""
    prev_a, next_b = before[i], after[j]
    window = (rows[i].renamed, rows[j].renamed, rows[prev_a].renamed if prev_a is not None else 0,
              rows[next_b].renamed if next_b is not None else 0)
    occurrence = occurrences.get(window, 0)
    occurrences[window] = occurrence + 1
    return window, occurrence


def _number_like(src: bytes, start: int, end: int) -> bool:
    """wm_carriers.c number_like: [start, end) is a number, maybe signed (generous)."""
    return _NUMBER_LIKE.fullmatch(src, start, end) is not None


def _flat_width(src: bytes, start: int, end: int, cap: int) -> int:
    """wm_carriers.c flat_width: the characters (UTF-8 lead bytes) of
    [start, end) without line breaks and the indentation after them, counted
    up to just past `cap`."""
    w, line_start = 0, False
    for i in range(start, end):
        if w > cap:
            break
        c = src[i]
        if c in (0x0A, 0x0D):
            line_start = True
        elif not (line_start and c in (0x20, 0x09)):
            line_start = False
            w += (c & 0xC0) != 0x80
    return w


def _element_gap(src: bytes, i: int, end: int, need_break: bool) -> bool:
    """Only blanks, line breaks and at most one `,` (before any line break)
    in [i, end), and a line break when `need_break`."""
    comma = broken = False
    for c in src[i:end]:
        if c == 0x2C:
            if comma or broken:
                return False
            comma = True
        elif c == 0x0A:
            broken = True
        elif c not in b" \t\r":
            return False
    return broken or not need_break


def _element_boundaries(el: list[UnitRecord], n_nodes: int, src: bytes, lenient: bool, hash_comments: bool,
                        occurrences: dict[tuple[int, int, int, int], int]) -> tuple[array, array]:
    """wm_carriers.c element_boundaries: the boundaries between consecutive
    elements of each list. Strict, only in a list every element of which
    starts its own line, with nothing but `,` and whitespace between the
    `[`, the elements and the `]`, not every element a number, and the
    elements over 80 characters flat; lenient, in a list not every element of
    which is a number, over 40 characters flat."""
    before: list[int | None] = [None] * len(el)
    after: list[int | None] = [None] * len(el)
    head = [0] * len(el)
    unfit: set[int] = set()
    numbers: set[int] = set()
    width: dict[int, int] = {}
    last: dict[int, int] = {}
    for k, u in enumerate(el):
        if u.parent_node >= n_nodes or u.start_byte > u.end_byte or u.end_byte > len(src):
            raise WatermarkError("boundaries: C core rejected its input (status -5)")
        prev = last.get(u.parent_node)
        if prev is None:
            head[k] = k
            numbers.add(k)
            t = u.start_byte  # `[`, then blanks and line breaks, one of them at least
            while t > 0 and src[t - 1] in b" \t\r\n":
                t -= 1
            if b"\n" not in src[t:u.start_byte] or t == 0 or src[t - 1] != ord("["):
                unfit.add(k)
        else:
            before[k], after[prev], head[k] = prev, k, head[prev]
            if el[prev].end_byte > u.start_byte or not _element_gap(src, el[prev].end_byte, u.start_byte, True):
                unfit.add(head[k])
        last[u.parent_node] = k
        h = head[k]
        if h in numbers and not _number_like(src, u.start_byte, u.end_byte):
            numbers.discard(h)
        if width.get(h, 0) <= 80:
            width[h] = width.get(h, 0) + _flat_width(src, u.start_byte, u.end_byte, 80 - width.get(h, 0)) + 2
    for k, u in enumerate(el):  # after the last element: `,` and whitespace, then `]`
        if after[k] is None:
            t = u.end_byte
            while t < len(src) and src[t] in b" \t\r\n,":
                t += 1
            if t >= len(src) or src[t] != ord("]") or not _element_gap(src, u.end_byte, t, False):
                unfit.add(head[k])
    words, gaps = array("Q"), array("Q")
    for j, b in enumerate(el):
        i = before[j]
        if i is None:
            continue
        a, h = el[i], head[j]
        window, occurrence = _window(el, before, after, i, j, occurrences)
        if a.has_error or b.has_error:
            continue
        if h in numbers or width[h] <= (_LENIENT_WIDTH if lenient else 80) or (not lenient and h in unfit):
            continue
        if a.end_byte > b.start_byte:
            continue
        gap = _lenient_gap(src, a.end_byte, b.start_byte, hash_comments) if lenient \
            else _gap(src, a.end_byte, b.start_byte, hash_comments)
        if gap is None:
            continue
        words.extend((*window, occurrence | WM_ELEMENT_BOUNDARY))
        gaps.extend((a.end_byte, gap[0], gap[1]))
    return words, gaps


def _merged(units: tuple[array, array], elements: tuple[array, array]) -> tuple[array, array]:
    """Both runs in source order (wm_carriers.c merge_runs): an element
    boundary in a unit boundary's gap is dropped."""
    (uw, ug), (ew, eg) = units, elements
    words, gaps = array("Q"), array("Q")
    i, j, n, m = 0, 0, len(ug) // 3, len(eg) // 3
    while i < n or j < m:
        if j == m or (i < n and ug[3 * i] <= eg[3 * j]):
            if j < m and eg[3 * j] == ug[3 * i]:
                j += 1
            words.extend(uw[_W * i:_W * i + _W])
            gaps.extend(ug[3 * i:3 * i + 3])
            i += 1
        else:
            words.extend(ew[_W * j:_W * j + _W])
            gaps.extend(eg[3 * j:3 * j + 3])
            j += 1
    return words, gaps


def _gap(src: bytes, a_end: int, b_start: int, hash_comments: bool = False) -> tuple[int, int, bool] | None:
    """(end of A's line break, start of the first line that is not blank,
    whether comments stand before B) if [a_end, b_start) is an eligible
    gap: A's line end, blank lines, comment lines, B's indentation. The
    carrier's blank lines are those between the two offsets, above any
    comment, so they never separate a comment from the unit it documents."""
    head = _LINE_END.match(src, a_end, b_start)
    if head is None:
        return None
    last_line = _BLANK_LINES.match(src, head.end(), b_start).end()  # type: ignore[union-attr]  # matches ""
    if (_HASH_COMMENT_LINES if hash_comments else _COMMENT_LINES).fullmatch(src, last_line, b_start) is None:
        return None
    return head.end(), last_line, not _INDENT.fullmatch(src, last_line, b_start)


# A lenient gap's lines: A's line end (`;`/`,`, comments), then blank or
# comment lines in any order, then B's indentation (comments allowed).
_LENIENT_HEAD = re.compile(rb"[ \t]*[;,]?")
_LENIENT_TOKEN = re.compile(rb"[ \t\r]+|\n|//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/")
_LENIENT_HASH_TOKEN = re.compile(rb"[ \t\r]+|\n|#[^\n]*")


def _lenient_gap(src: bytes, a_end: int, b_start: int, hash_comments: bool = False) -> tuple[int, int, bool] | None:
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
        token = (_LENIENT_HASH_TOKEN if hash_comments else _LENIENT_TOKEN).match(src, pos, b_start)
        if token is None:
            return None
        text, pos = token.group(), token.end()
        if text == b"\n":
            if first:
                first, line_end = False, pos
            elif not content and blank is None:
                blank = (line, pos)
            line, content = pos, False
        elif text.startswith(b"#" if hash_comments else b"//"):
            content = content or bool(text[1 if hash_comments else 2:].strip(b" \t\r"))
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


def _ends_in_comment(src: bytes, start: int, end: int, hash_comments: bool = False) -> bool:
    """Whether a unit may end in a comment: a JS statement closed by an
    automatic semicolon takes a trailing `// comment` into its range, and
    prettier, adding the `;`, moves it into the gap; a Go case clause may
    end in a comment line. Conservative: any `//` on the unit's last line,
    or a final `*/`."""
    line = max(src.rfind(b"\n", start, end) + 1, start)
    if hash_comments:
        return src.find(b"#", line, end) >= 0
    return src.find(b"//", line, end) >= 0 or src.endswith(b"*/", start, end)


def _string_end(src: bytes, i: int, end: int) -> int:
    """The end of the Python string literal at i (up to 3 prefix letters,
    then a quoted or triple-quoted body), or 0 (as wm_carriers.c)."""
    k = i
    while k < end and k - i < 3 and 0x61 <= (src[k] | 32) <= 0x7A:
        k += 1
    if k >= end or src[k] not in b"'\"":
        return 0
    q = src[k]
    triple = k + 2 < end and src[k + 1] == q and src[k + 2] == q
    k += 3 if triple else 1
    while k < end:
        c = src[k]
        if c == 0x5C:  # backslash
            k += 2
            continue
        if c == q:
            if not triple:
                return k + 1
            if k + 2 < end and src[k + 1] == q and src[k + 2] == q:
                return k + 3
        elif not triple and c == 0x0A:
            return 0
        k += 1
    return 0


def _lone_string(src: bytes, i: int, end: int) -> bool:
    """[i, end) is string literals only (a docstring, implicitly
    concatenated strings), with blanks, line breaks, continuations,
    parentheses and a final `;` between them."""
    strings = 0
    while i < end:
        if src[i] in b" \t\r\n()\\;":
            i += 1
            continue
        k = _string_end(src, i, end)
        if not k:
            return False
        strings += 1
        i = k
    return strings > 0


def _ends_in_definition(rows: list[UnitRecord], src: bytes, rule: Callable[[int], int],
                        hash_comments: bool) -> set[int]:
    """The units whose code ends in a WM_C_DEFINITION unit: it, and each
    enclosing unit with nothing but comments after it."""
    out: set[int] = set()
    comments = _HASH_COMMENT_LINES if hash_comments else _COMMENT_LINES
    for k, d in enumerate(rows):
        if not rule(d.symbol) & WM_C_DEFINITION:
            continue
        out.add(k)
        p, below = d.parent, k
        while 0 <= p < below:
            if rows[p].end_byte < d.end_byte or comments.fullmatch(src, d.end_byte, rows[p].end_byte) is None:
                break
            out.add(p)
            below, p = p, rows[p].parent
    return out


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
