"""Living with marked copies: a recipient's copy back to the release
(`unmark`), and lines translated between a copy and the release
(`LineMaps`).

Both read what the registry keeps of a release (registry schema 4): per
marked file, the keyed identities of its carriers and the release's own
bytes and line at each (core/layout.py). A carrier of the copy is found by
its identity, as trace finds it, and its gap region gets the release's
bytes back; nothing else of the file is touched, so a customer's edits stay
as they are. An unedited copy comes back byte-identical to the release,
which the registry's SHA-256 of each file confirms.

For a release recorded before schema 4, the release tree itself
(`release_tree`) gives the layout.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .. import languages
from ..core import carriers
from ..core import layout as _layout
from ..core.codes import Code, recipient_bits
from ..core.fingerprint import fingerprint
from ..core.keys import Key
from ..core.marks import identities_of
from ..core.source import MAX_SOURCE_BYTES
from ..errors import ArgumentError, SourceError
from ..io.outputs import Output
from ..io.select import is_vcs
from ..io.sources import Source
from .records import CarrierLayout
from .registry import Registry, RegistryError


@dataclass(frozen=True)
class UnmarkedFile:
    """One file of an unmarked copy: `restored` (identical to the release
    file), `edited` (its carriers restored, the customer's edits kept),
    `copied` (not a marked file of the release: as it is)."""

    path: str
    status: str
    carriers: int  # carriers found and restored

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class UnmarkReport:
    release: str
    recipient: str | None  # whose copy it is, when trace names one
    output: str
    files: list[UnmarkedFile] = field(default_factory=list)

    @property
    def restored(self) -> int:
        return sum(1 for f in self.files if f.status == "restored")

    @property
    def edited(self) -> list[str]:
        return [f.path for f in self.files if f.status == "edited"]

    def to_json(self) -> dict[str, Any]:
        return {"release": self.release, "recipient": self.recipient, "output": self.output,
                "restored": self.restored, "edited": self.edited, "files": [f.to_json() for f in self.files]}


def _layouts(registry: Registry, release: str, key: Key, release_tree: str | os.PathLike | None
             ) -> dict[str, tuple[CarrierLayout, list[_layout.Gap]]]:
    """path -> (the registry's record, the release's Gap at each carrier)."""
    out = {}
    missing = []
    for rec in registry.layouts(release):
        if rec.layout is not None:
            out[rec.path] = (rec, _layout.decode(rec.layout))
        else:
            missing.append(rec)
    if missing and release_tree is None:
        raise RegistryError(f"release {release!r} was recorded before registries kept its layout: give the "
                            "release tree (--release-tree DIR), or analyse and embed it again with this version")
    if missing:
        assert release_tree is not None
        for rec in missing:
            out[rec.path] = (rec, _gaps_from_tree(Path(release_tree), rec, key))
    return out


def _gaps_from_tree(root: Path, rec: CarrierLayout, key: Key) -> list[_layout.Gap]:
    """The release's layout at a file's recorded carriers, read from the
    release tree (in the order of the recorded identities)."""
    path = root / rec.path
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read the release file ({exc.strerror or exc})") from None
    if rec.sha256 and hashlib.sha256(data).hexdigest() != rec.sha256:
        raise RegistryError(f"{path}: not the release's file (its SHA-256 differs from the registry's)")
    assert rec.language is not None
    fp = fingerprint(data, language=rec.language)
    found = carriers.boundaries(fp)
    ids = identities_of(key, found.words)
    gaps = _layout.of_source(fp.source, found.gaps)
    by_id = {int(i): g for i, g in zip(ids, gaps)}
    try:
        return [by_id[int(i)] for i in rec.identities]
    except KeyError:
        raise RegistryError(f"{path}: its carriers are not those recorded (another key, or another "
                            "version's carriers)") from None


def restore_file(data: bytes, language: str, key: Key, record: CarrierLayout, gaps: list[_layout.Gap],
                 bits: bytes | None = None) -> tuple[bytes, int]:
    """One copy file with the release's bytes back at every carrier found;
    (text, carriers restored).

    A carrier is found by its identity, as trace finds it. An edit changes
    the identities of the carriers next to the statements it touched (and
    of those around a statement holding it); with the recipient's `bits`,
    such a carrier is found where the carriers found before and after it
    put it: on the line the release's lines and the recipient's blank lines
    say, between two lines that are not blank, holding the recipient's
    blank lines, and only where both sides agree (or only one can tell).
    Anywhere else the copy is left as it is."""
    fp = fingerprint(data, language=language)
    src = fp.source
    found = carriers.boundaries(fp)
    ids = identities_of(key, found.words)
    where = _layout.of_source(src, found.gaps)  # the copy's gap regions: line, bytes
    index = {int(i): k for k, i in enumerate(record.identities)}
    edits: dict[int, tuple[int, int, bytes]] = {}  # release carrier -> (start, end, the release's bytes)
    copy_line: dict[int, int] = {}  # release carrier -> the line its region starts on in the copy
    comments = languages.get(language).reading.comment_lines
    for j, i in enumerate(ids):
        k = index.get(int(i))
        if k is not None and k not in edits:
            start, end = found.gaps[3 * j + 1], found.gaps[3 * j + 2]
            if bits is not None and where[j].lines < bits[k] and gaps[k].lines < bits[k]:
                # the recipient's blank line below comment lines the customer wrote above it
                start, end = _blank_below_comments(src, end, comments, bits[k]) or (start, end)
            edits[k] = (start, end, gaps[k].middle)
            copy_line[k] = where[j].line
    if bits is not None and len(edits) < len(gaps):
        _place_the_rest(src, gaps, bits, copy_line, edits)
    if not edits:
        return data, 0
    out, pos = bytearray(), 0
    for start, end, middle in sorted(edits.values()):
        if start < pos:
            continue  # (two placements of one region: the first stands)
        out += src[pos:start]
        out += middle
        pos = end
    out += src[pos:]
    return bytes(out), len(edits)


def _blank_below_comments(src: bytes, pos: int, comments: tuple[bytes, ...], n: int) -> tuple[int, int] | None:
    """The region of the `n` blank lines that follow the comment lines at
    `pos` (a line start), when a line of code follows them."""
    while pos < len(src) and src[pos:_line_end(src, pos)].strip().startswith(comments):
        pos = _line_end(src, pos)
    start = pos
    for _ in range(n):
        end = _line_end(src, pos)
        if pos >= len(src) or src[pos:end].strip():
            return None
        pos = end
    return (start, pos) if start < pos and src[pos:_line_end(src, pos)].strip() else None


def _line_end(src: bytes, pos: int) -> int:
    """The start of the line after the one at `pos`."""
    end = src.find(b"\n", pos)
    return len(src) if end < 0 else end + 1


def _place_the_rest(src: bytes, gaps: list[_layout.Gap], bits: bytes, copy_line: dict[int, int],
                    edits: dict[int, tuple[int, int, bytes]]) -> None:
    """The release carriers not found by identity, placed from the found
    ones before and after them (restore_file)."""
    starts = [0] + [i + 1 for i, c in enumerate(src) if c == 0x0A]  # byte offset of each line (1-based: [n-1])
    taken = {(start, end) for start, end, _m in edits.values()}

    def blank(line: int) -> bool:
        if not 1 <= line <= len(starts):
            return False
        end = starts[line] if line < len(starts) else len(src)
        return not src[starts[line - 1]:end].strip()

    def fits(k: int, line: int) -> tuple[int, int] | None:
        """The region of carrier k if it starts on `line` of the copy."""
        n = bits[k]
        if line < 2 or blank(line - 1) or line + n > len(starts) or blank(line + n):
            return None
        if any(not blank(line + d) for d in range(n)):
            return None
        region = (starts[line - 1], starts[line - 1 + n])
        return None if region in taken else region

    before: dict[int, int] = {}  # carrier -> the copy line its region starts on, from the carriers before it
    offset = 0
    for k, g in enumerate(gaps):
        if k in copy_line:
            offset = copy_line[k] - g.line
        before[k] = g.line + offset
        offset += bits[k] - g.lines
    after: dict[int, int] = {}  # the same, from the carriers after it
    shift: int | None = None  # the copy's line minus the release's, after carrier k's region
    for k in range(len(gaps) - 1, -1, -1):
        g = gaps[k]
        if k + 1 < len(gaps) and k + 1 in copy_line:
            shift = copy_line[k + 1] - gaps[k + 1].line
        if shift is not None:
            after[k] = g.line + shift - (bits[k] - g.lines)
            shift -= bits[k] - g.lines
    for k, g in enumerate(gaps):
        if k in edits:
            continue
        places = {r for r in (fits(k, line) for line in {before[k], after.get(k, before[k])}) if r is not None}
        if len(places) == 1:
            region = places.pop()
            edits[k] = (region[0], region[1], g.middle)
            taken.add(region)


def unmark(copy: str | os.PathLike, out: str | os.PathLike, key: Key, registry: str | os.PathLike | Registry, *,
           release: str | None = None, recipient: str | None = None,
           release_tree: str | os.PathLike | None = None) -> UnmarkReport:
    """Write `copy` (a recipient's copy: a directory or an archive) to `out`
    with every carrier back in the release's layout. `release`: the
    release it is a copy of, `recipient` whose copy it is (default: what
    trace finds; the recipient lets carriers next to edits be restored)."""
    reg = registry if isinstance(registry, Registry) else Registry(registry, create=False, readonly=True)
    try:
        if release is None or recipient is None:
            from .trace import trace

            report = trace(copy, key, reg)
            if report.release is None:
                raise RegistryError(f"{os.fspath(copy)}: matches no release of this key in {reg.path}; "
                                    "name it with --release")
            release = release or report.release
            if recipient is None and len(report.accused) == 1:
                recipient = report.accused[0].recipient
        info = reg.release(release)
        code = Code(info.code, info.cutoff, info.scheme)
        if info.key_id != key.id:
            raise RegistryError(f"release {release!r} was marked with another key (key id {info.key_id})")
        layouts = _layouts(reg, release, key, release_tree)
    finally:
        if reg is not registry:
            reg.close()
    result = UnmarkReport(release, recipient, os.path.abspath(out))
    with Source.open(copy) as src:
        output = Output(out, src, ["release"])
        try:
            for entry in src.entries():
                if is_vcs(entry.path):
                    continue
                data = None
                if entry.kind == "file" and not entry.big:
                    done, data = _unmark_entry(entry.path, entry.read(), key, layouts, recipient, code)
                    result.files.append(done)
                output.add("release", entry, data)
            output.commit()
        except BaseException:
            output.abort()
            raise
    return result


def _unmark_entry(path: str, data: bytes, key: Key, layouts: dict[str, tuple[CarrierLayout, list[_layout.Gap]]],
                  recipient: str | None, code: Code) -> tuple[UnmarkedFile, bytes]:
    found = layouts.get(path)
    if found is None or len(data) > MAX_SOURCE_BYTES or b"\0" in data:
        return UnmarkedFile(path, "copied", 0), data
    record, gaps = found
    assert record.language is not None
    bits = recipient_bits(key, recipient, record.identities, code) if recipient is not None else None
    try:
        text, n = restore_file(data, record.language, key, record, gaps, bits)
    except SourceError:
        return UnmarkedFile(path, "copied", 0), data
    same = record.sha256 is not None and hashlib.sha256(text).hexdigest() == record.sha256
    return UnmarkedFile(path, "restored" if same else "edited", n), text


# ---- line maps ----------------------------------------------------------------------------------

class LineMaps:
    """Lines of a recipient's copy against the release, file by file."""

    def __init__(self, registry: str | os.PathLike | Registry, key: Key, recipient: str, *,
                 release: str | None = None, release_tree: str | os.PathLike | None = None) -> None:
        reg = registry if isinstance(registry, Registry) else Registry(registry, create=False, readonly=True)
        try:
            releases = [r for r in reg.releases(key.id) if recipient in reg.recipients(r.name)]
            if release is not None:
                releases = [r for r in releases if r.name == release]
            if not releases:
                raise RegistryError(f"no release of this key in {reg.path} was issued to {recipient!r}"
                                    + (f" under the name {release!r}" if release else ""))
            if len(releases) > 1:
                raise RegistryError(f"{recipient!r} received several releases ({', '.join(r.name for r in releases)});"
                                    " name one with --release")
            info = releases[0]
            self.release = info.name
            code = Code(info.code, info.cutoff, info.scheme)
            self._maps: dict[str, _layout.LineMap] = {}
            for path, (rec, gaps) in _layouts(reg, info.name, key, release_tree).items():
                bits = recipient_bits(key, recipient, rec.identities, code)
                self._maps[path] = _layout.LineMap(gaps, bits)
        finally:
            if reg is not registry:
                reg.close()
        self.recipient = recipient

    @property
    def paths(self) -> list[str]:
        return sorted(self._maps)

    def path_of(self, name: str) -> str | None:
        """The release path a reference names: itself, or the longest
        release path it ends with (`/home/ci/src/shop/web/cart.js` names
        `web/cart.js`); None for a file with no carriers."""
        name = name.replace("\\", "/")
        if name in self._maps:
            return name
        parts = PurePosixPath(name).parts
        for k in range(1, len(parts)):
            tail = "/".join(parts[k:])
            if tail in self._maps:
                return tail
        return None

    def map(self, path: str, line: int, *, to: str = "release") -> tuple[int, bool]:
        """A line of `path` in the other version: (line, exact). A file
        without carriers has the same lines in both."""
        found = self.path_of(path)
        if found is None:
            return line, True
        m = self._maps[found]
        return m.to_release(line) if to == "release" else m.to_copy(line)

    # `path:line` and `path:line:col` references: Go panics and test output
    # (`\t/src/shop/inventory.go:42 +0x1d`), V8 stack traces
    # (`at f (/app/web/cart.js:12:5)`, `at /app/web/cart.js:12:5`), compilers
    _REF = re.compile(r"(?P<path>(?:[A-Za-z]:)?[\w./\\@+~-]*?[\w-]+\.(?:go|js|mjs|cjs|ts|mts|cts|tsx|py))"
                      r":(?P<line>\d+)(?P<col>:\d+)?")

    def rewrite(self, text: str, *, to: str = "release") -> tuple[str, list[str]]:
        """Every `path:line` reference of `text` in the other version's lines,
        and a note for each that maps only to the nearest line."""
        notes: list[str] = []

        def one(m: re.Match[str]) -> str:
            path, line = m.group("path"), int(m.group("line"))
            if self.path_of(path) is None:
                return m.group(0)
            new, exact = self.map(path, line, to=to)
            if not exact:
                notes.append(f"{path}:{line} is a blank line only the {'copy' if to == 'release' else 'release'} "
                             f"has; mapped to the next line, {new}")
            return f"{path}:{new}{m.group('col') or ''}"

        return self._REF.sub(one, text), notes

    _HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)")

    def rebase_patch(self, text: str) -> tuple[str, list[str]]:
        """A unified diff made against the recipient's copy, made against
        the release: hunk lines translated, the marks' blank lines that only
        the copy has dropped from the hunks, the release's own blank lines
        that the copy lacks added as context. Files without carriers, and
        everything outside hunks, as they are."""
        out: list[str] = []
        notes: list[str] = []
        rows = text.split("\n")
        path: str | None = None
        shift = 0  # lines the rebased hunks so far added to the file, less those removed
        i = 0
        while i < len(rows):
            row = rows[i]
            if row.startswith("+++ "):
                name = row[4:].split("\t")[0].strip()
                name = name[2:] if name.startswith(("a/", "b/")) else name
                path = self.path_of(name)
                shift = 0
                out.append(row)
                i += 1
                continue
            m = self._HUNK.match(row)
            if m is None or path is None:
                out.append(row)
                i += 1
                continue
            old_len = int(m.group(2)) if m.group(2) is not None else 1
            new_len = int(m.group(4)) if m.group(4) is not None else 1
            body, i = [], i + 1
            seen_old = seen_new = 0
            while i < len(rows) and (seen_old < old_len or seen_new < new_len or
                                     (i < len(rows) and rows[i].startswith("\\"))):
                line = rows[i]
                if line.startswith("\\"):
                    body.append(line)
                else:
                    body.append(line)
                    seen_old += line[:1] in (" ", "-", "")
                    seen_new += line[:1] in (" ", "+", "")
                i += 1
            hunk, start = self._rebase_hunk(path, int(m.group(1)), old_len, body, notes)
            old = sum(1 for x in hunk if x[:1] in (" ", "-"))
            new = sum(1 for x in hunk if x[:1] in (" ", "+"))
            out.append(f"@@ -{start},{old} +{start + shift if start or new else 0},{new} @@{m.group(5)}")
            out.extend(hunk)
            shift += new - old
        return "\n".join(out), notes

    def _rebase_hunk(self, path: str, start: int, old_len: int, body: list[str],
                     notes: list[str]) -> tuple[list[str], int]:
        m = self._maps[path]
        out: list[str] = []
        copy_line = start if old_len else start + 1
        first: int | None = None
        prev: int | None = None  # the release line of the last old line kept
        for line in body:
            if line.startswith("\\") or line[:1] == "+":
                out.append(line)
                continue
            release_line, exact = m.to_release(copy_line)
            copy_line += 1
            if not exact and not line[1:].strip():
                continue  # a mark's blank line only the copy has
            if prev is not None:
                missing = release_line - prev - 1
                if missing > 0:  # the release's blank lines the copy lacks: context, after the line before
                    at = len(out)
                    while at > 0 and out[at - 1][:1] == "+":
                        at -= 1
                    out[at:at] = [" "] * missing
            prev = release_line
            if first is None:
                first = release_line
            out.append(line)
        if first is None:  # nothing old: an insertion after a line
            first = m.to_release(start)[0] if start else 0
        return out, first

    def lines(self, refs: Iterable[str], *, to: str = "release") -> Iterator[tuple[str, str, bool]]:
        """(reference, mapped reference, exact) for each `FILE:LINE`."""
        for ref in refs:
            m = re.fullmatch(r"(?P<path>.+?):(?P<line>\d+)(?P<col>:\d+)?", ref)
            if m is None:
                raise ArgumentError(f"{ref!r}: not FILE:LINE (a path, a colon, a line number)")
            new, exact = self.map(m.group("path"), int(m.group("line")), to=to)
            yield ref, f"{m.group('path')}:{new}{m.group('col') or ''}", exact


__all__ = ["LineMaps", "UnmarkReport", "UnmarkedFile", "restore_file", "unmark"]
