"""Reading a suspect copy: lenient where embedding is strict.

A leak is whatever a leaker made of the marked copy. `embed` only marks
what it can prove safe; reading must find the bits under every cheap,
keyless disguise that leaves the code building the same:

  * damaged bytes: NUL bytes and invalid UTF-8 (inside a comment or a
    string they break nothing) are replaced for parsing; UTF-16 with a
    byte order mark is decoded;
  * line terminators: `\\r\\n`, `\\r\\r\\n`, lone `\\r` (and, for JavaScript,
    U+2028 / U+2029) become `\\n`; `\\f` and `\\v` become spaces;
  * filler comments: one comment text appended to a large share of lines
    (` // x`, ` # x`) is removed; empty `//` (`#`) lines and comment lines in a gap are
    read past by the lenient boundaries (`carriers.boundaries(lenient=
    True)`); inline source maps are dropped;
  * size: files over the marking limit are read up to READ_MAX_BYTES (64
    MiB), in pieces of at most PIECE_BYTES split where a line starts at
    column 0, so memory stays bounded by a piece's parse;
  * language: a file whose extension is unknown or wrong is read as the
    language it parses best as (`guess_language`).

Every change here alters layout or comments only, so the identities of
carriers (hashes of syntax, never of layout) survive. Whatever is read,
an innocent's bits stay independent of it: leniency can cost a guilty
recipient evidence (noise), never accuse an innocent.
"""
from __future__ import annotations

import functools
import re
from array import array
from collections import Counter
from dataclasses import dataclass

from .. import languages
from ..backend import BACKEND, records
from ..errors import SourceError
from ..languages.base import Reading as ReadingRules
from . import carriers
from . import prints as _prints
from .fingerprint import fingerprint
from .source import MAX_SOURCE_BYTES

READ_MAX_BYTES = 64 * 1024 * 1024  # a suspect file beyond this is not read (memory: about 3x, plus a piece's parse)
PIECE_BYTES = 4 * 1024 * 1024  # pieces of a file over the marking limit
_GUESS_BYTES = 256 * 1024  # the prefix a language guess parses
# control bytes (NUL among them) that no source text holds: not tab, line breaks, form feed
_CONTROL = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_FILLER_SHARE = 0.3  # a trailing comment on this share of the lines is filler
_FILLER_MIN = 8

_CR_LF = re.compile(rb"\r+\n")
_FF_VT = re.compile(rb"[\f\v]+(?=[ \t]*\r*\n)")
_SOURCE_MAP = re.compile(rb"^[ \t]*(?://[#@][ \t]*source(?:Mapping)?URL=[^\n]*"  # the whole line goes
                         rb"|/\*[#@][ \t]*source(?:Mapping)?URL=[^*]*\*/)[ \t\r]*(?:\n|\Z)", re.MULTILINE)
_TOP_LEVEL = re.compile(rb"\n(?=[^\s}\])])")
_BLANK_LINE = re.compile(rb"\n[ \t]*(?=\n)")
_DISGUISED_SHARE = 0.5  # of blank lines right below a comment line: a leaker put them there


@functools.cache
def _comment_patterns(rules: ReadingRules) -> tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]:
    """(a line's last line comment to its end, a comment line above a blank
    line, an empty comment line) in a language's comment syntax."""
    mark = re.escape(rules.line_comment)
    starts = b"|".join(re.escape(s) for s in rules.comment_lines)
    return (re.compile(mark + rb"(?:(?!" + mark + rb")[^\n])*$", re.MULTILINE),
            re.compile(rb"^[ \t]*(?:" + starts + rb")[^\n]*\n[ \t]*(?=\n)", re.MULTILINE),
            re.compile(rb"^[ \t]*" + mark + rb"[ \t\r]*$", re.MULTILINE))


@dataclass(frozen=True)
class Reading:
    """What was read in one suspect file: identity words (IDENTITY_WORDS
    per boundary) and bits of every boundary found leniently, and what was
    done to read it."""

    language: str
    words: array
    bits: bytes
    notes: tuple[str, ...] = ()
    has_error: bool = False
    prints: bytes = b""  # provenance prints (core/prints.py), sorted distinct, packed


def readable(data: bytes, language: str) -> tuple[bytes, list[str]]:
    """`data` as text the lenient reader parses, and what was changed."""
    notes: list[str] = []
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            data = data.decode("utf-16").encode("utf-8")
            notes.append("decoded from UTF-16")
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
        damaged = data.count(b"\0")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "replace")
        damaged = text.count("\ufffd") - data.count("\ufffd".encode()) + data.count(b"\0")
        data = text.encode("utf-8")
    if damaged:
        data = data.replace(b"\0", "\ufffd".encode())
        notes.append(f"{damaged} NUL or invalid UTF-8 byte{'s' if damaged != 1 else ''} replaced")
    odd = False
    separators = languages.get(language).reading.line_separators
    if separators and sum(data.count(s) for s in separators) > data.count(b"\n"):
        for s in separators:  # the language's other line ends as the line ends (not inside a string here and there)
            data = data.replace(s, b"\n")
        odd = True
    if b"\n\r" in data and data.count(b"\n\r") > data.count(b"\r\n") // 2 + data.count(b"\n") // 2:
        data = data.replace(b"\n\r", b"\n")  # `\n\r` line ends: one line break each
        odd = True
    if b"\r" in data.replace(b"\r\n", b"") or b"\r\r" in data:
        # `\r\r\n` and `\r\n` end one line; any other `\r` ends one too
        data = _CR_LF.sub(b"\n", data).replace(b"\r", b"\n")
        odd = True
    if b"\f" in data or b"\v" in data:
        data, n = _FF_VT.subn(b"", data)  # whitespace before a line break (never inside a string)
        odd = odd or n > 0
    if odd:
        notes.append("line ends normalized")
    if b"sourceMappingURL" in data or b"sourceURL" in data:
        data, n = _SOURCE_MAP.subn(b"", data)
        if n:
            notes.append("source map comment dropped")
    data, filler = _without_filler(data, languages.get(language).reading)
    if filler:
        notes.append(f"filler comment {filler!r} removed from every line")
    return data, notes


def _without_filler(data: bytes, rules: ReadingRules) -> tuple[bytes, str | None]:
    """`data` without a trailing comment text that ends a large share of its
    lines, and that text (None when there is none)."""
    mark = rules.line_comment
    if data.count(mark) < _FILLER_MIN:
        return data, None
    lines = data.count(b"\n") + 1
    counts = Counter(m.group().rstrip() for m in _comment_patterns(rules)[0].finditer(data))
    if not counts:
        return data, None
    text, n = counts.most_common(1)[0]
    if n < max(_FILLER_MIN, _FILLER_SHARE * lines) or not text[len(mark):].strip():
        return data, None  # an empty comment is read past by the lenient boundaries
    pattern = re.compile(rb"[ \t]*" + re.escape(text) + rb"[ \t]*$", re.MULTILINE)
    return pattern.sub(b"", data), text.decode("utf-8", "replace")


def pieces(data: bytes) -> list[bytes]:
    """`data` cut into pieces of at most about PIECE_BYTES, each starting at
    a line that starts at column 0 (a top-level declaration, mostly)."""
    if len(data) <= MAX_SOURCE_BYTES:
        return [data]
    out, start = [], 0
    while len(data) - start > PIECE_BYTES:
        cut = _TOP_LEVEL.search(data, start + PIECE_BYTES // 2, start + PIECE_BYTES)
        end = cut.start() + 1 if cut else data.rfind(b"\n", start, start + PIECE_BYTES) + 1
        if end <= start:
            end = start + PIECE_BYTES  # one line longer than a piece
        out.append(data[start:end])
        start = end
    out.append(data[start:])
    return out


def read(data: bytes, language: str, path: str | None = None) -> Reading | str:
    """Every boundary of one suspect file, read leniently, or why nothing
    can be read."""
    if len(data) > READ_MAX_BYTES:
        return f"{len(data)} bytes is over the {READ_MAX_BYTES} byte limit for reading one file"
    text, notes = readable(data, language)
    words, bits = array("Q"), bytearray()
    has_error = False
    parts = pieces(text)
    prints = []
    for part in parts:
        try:
            fp = fingerprint(part, language=language, path=path, winnow=_prints.WINNOW)
        except SourceError as exc:
            return str(exc)
        found = carriers.boundaries(fp, lenient=True)
        words.extend(found.words)
        bits += _bits(fp.source, found.gaps, languages.get(language).reading)
        has_error = has_error or fp.has_error
        prints.append(fp.prints)
    if len(parts) > 1:
        notes.append(f"read in {len(parts)} pieces")
    return Reading(language, words, bytes(bits), tuple(notes), has_error, _prints.merge(prints))


def _empty_above_blank(src: bytes, rules: ReadingRules, blanks: int) -> bool:
    """Whether most blank lines of the file lie right below an empty comment
    line (a leaker's `//` or `#` line above every blank line)."""
    pattern = _comment_patterns(rules)[2].pattern + rb"\n[ \t]*(?=\n)"
    return len(re.findall(pattern, src, re.MULTILINE)) > _DISGUISED_SHARE * blanks


def located(data: bytes, language: str) -> tuple[bytes, array, bytes, list[int]]:
    """What `read` finds in a file of up to one piece, with where: the text
    read (as `readable` makes it), and per boundary found leniently its
    identity words, its bit and the 1-based line A ends on (the evidence
    report shows them)."""
    text, _notes = readable(data, language)
    fp = fingerprint(text, language=language)
    found = carriers.boundaries(fp, lenient=True)
    bits = _bits(fp.source, found.gaps, languages.get(language).reading)
    lines, line, pos = [], 1, 0
    for k in range(len(found)):
        line += fp.source.count(b"\n", pos, found.gaps[3 * k])
        pos = found.gaps[3 * k]
        lines.append(line)
    return fp.source, found.words, bytes(bits), lines


def _bits(src: bytes, gaps: array, rules: ReadingRules) -> bytearray:
    """The lenient bits of a file's gaps (the backend's: is a line of the
    gap blank, or an empty `//` or `#`), made exact where natural code is
    ambiguous. Two leaker's disguises are recognised per file, never per
    gap, because a single gap cannot tell them from natural code:
      * comment lines above the blank lines: the gap's first blank line
        comes after a comment line (or is an empty comment line, with a
        blank line below). Natural code has that too (a section
        comment, then a blank line, the same for every recipient), so it
        reads 1 only in a file where most blank lines lie right below a
        comment line;
      * blank lines turned into empty `//` lines (`//` after every line):
        an empty `//` line counts as blank only in a file with more of them
        than real blank lines (natural code uses `//` lines as separators
        inside comments and between statements, above real blank lines).
    Elsewhere the bit is what `embed` wrote: whether the line right below
    A's line is blank."""
    bits = BACKEND.read_bits(src, gaps)
    ones = [k for k, bit in enumerate(bits) if bit]
    if not ones:
        return bits
    below_comment = empty_comments = None
    blanks = len(_BLANK_LINE.findall(src))
    _trailing, comment_then_blank, empty_comment_line = _comment_patterns(rules)
    for k in ones:
        a_end, start, end = gaps[3 * k], gaps[3 * k + 1], gaps[3 * k + 2]
        above = src.count(b"\n", a_end, start) >= 2  # comment lines above the first blank line
        if rules.line_comment[:1] in src[start:end]:  # the first "blank" line is an empty comment
            below = src.find(b"\n", end)
            if below >= 0 and not src[end:below].strip() and _empty_above_blank(src, rules, blanks):
                above = True  # and a blank line right below it, as below most blank lines of the file
            else:
                if empty_comments is None:
                    empty_comments = len(empty_comment_line.findall(src)) > blanks
                if not empty_comments:
                    bits[k] = 0
                    continue
        if above:
            if below_comment is None:
                below_comment = len(comment_then_blank.findall(src)) > _DISGUISED_SHARE * blanks
            if not below_comment:
                bits[k] = 0
    return bits


def guess_language(data: bytes, *, least: float = 0.8) -> str | None:
    """The language a file of unknown or wrong extension is written in: the
    one whose parse of (a prefix of) it has the most units without errors
    less those with errors (TSX read as TypeScript finds more units, most of
    them broken), if at least `least` of its units are without errors and it
    has a boundary; on a tie the first in `languages.all()` (JavaScript before TypeScript
    before TSX); None for text that
    is neither, and for binary data."""
    head = data[:_GUESS_BYTES]
    sniff = head[:8192]
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        if sniff.count(b"\0") > max(4, len(sniff) // 100):
            return None  # binary: more than a few NULs (a leaker's one NUL in a comment is not binary)
        if len(sniff) - len(sniff.translate(None, _CONTROL)) > max(16, len(sniff) // 10):
            # a tenth of control bytes: binary data (a trace file, on which each
            # grammar's error recovery takes seconds), or a leaker's bytes in a
            # comment (Go and Python compile with them, not with NULs or invalid
            # UTF-8): the rest is text, guessed without them
            head = head.translate(None, _CONTROL)
            if head.decode("utf-8", "replace").count("\ufffd") > len(head) // 100:
                return None
    best, best_score = None, 0
    for lang in (language.name for language in languages.all()):
        text, _notes = readable(head, lang)
        try:
            fp = fingerprint(text, language=lang)
        except SourceError:
            continue
        errors = records.column(fp.records, "has_error")  # (no Python object per unit: most guesses lose)
        good = len(errors) - sum(1 for e in errors if e)
        score = 2 * good - len(errors)
        if score > best_score and good >= least * len(errors) and len(carriers.boundaries(fp, lenient=True)):
            best, best_score = lang, score
    return best


__all__ = ["PIECE_BYTES", "READ_MAX_BYTES", "Reading", "guess_language", "located", "pieces", "read", "readable"]
