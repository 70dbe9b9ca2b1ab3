"""AST-node hash fingerprints of source files.

A *unit* is a declaration, a statement, or a member of a declaration list
(struct field, const/var spec, class member, object property, case clause).
Each unit, and the file, gets three 64-bit hashes, none of which changes with
whitespace, blank lines, indentation, line endings or comments:

  exact     node kinds and every token's text
  renamed   identifiers replaced by the ordinal of their first occurrence in
            the unit: a consistent renaming leaves it unchanged
  skeleton  node kinds only

Formatter-controlled spellings are normalized before hashing (each
language's module under watermark/languages/ says which, csrc/wm_normalize.c
how), so formatters leave every hash unchanged.
"""
from __future__ import annotations

import functools
import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from .. import languages
from ..backend import records as packed
from ..backend.contract import UnitRecord
from .source import as_bytes


class Unit(NamedTuple):
    """One declaration, statement or list member of a file.

    Lines are 1-based; bytes index the UTF-8 source, end exclusive.
    `parent` is the index of the enclosing unit in `FileFingerprint.units`
    (None at top level); units with equal `container` are siblings in one
    syntactic list (a block, a field list, an object literal...).
    """

    kind: str
    name: str | None
    start_byte: int
    end_byte: int
    start_line: int
    end_line: int
    has_error: bool
    exact: int
    renamed: int
    skeleton: int
    parent: int | None
    container: int


@dataclass(frozen=True)
class FileFingerprint:
    """Fingerprints of one file: its units and whole-file hashes.

    `units` is built on first access from the packed records the C core
    returns, so callers that need only file hashes or hand the fingerprint
    on do not pay for a Python object per unit.
    """

    language: str
    path: str | None
    size: int
    exact: int
    renamed: int
    skeleton: int
    syntax_digest: int  # every node kind and raw token incl. comments: equal iff same tree
    has_error: bool
    node_count: int
    unit_count: int
    records: bytes = field(repr=False)  # packed struct wm_unit records, in unit order
    source: bytes = field(repr=False)
    prints: bytes = field(default=b"", repr=False)  # winnowed k-gram hashes (uint64), with `winnow`
    # the elements of array literals, packed as the units are: no units, hashed as units are (the
    # carriers between elements are read from them)
    elements: bytes = field(default=b"", repr=False)
    element_count: int = 0

    @cached_property
    def units(self) -> list[Unit]:
        kind_name, data = languages.get(self.language).tables.kind_name, self.source
        return [
            Unit(kind_name(symbol), _name(data, ns, ne), sb, eb, sr + 1, er + 1, bool(err), exact, renamed, skel,
                 parent if parent >= 0 else None, pnode)
            for symbol, ns, ne, sb, eb, sr, er, err, exact, renamed, skel, parent, pnode
            in map(_UNIT_FIELDS, packed.unit_rows(self.records))
        ]

    def records_view(self) -> Iterator[UnitRecord]:
        """The packed unit records, field by field."""
        return packed.units(self.records)

    def records_of(self, kinds: frozenset[str]) -> list[tuple[int, UnitRecord]]:
        """(index, record) of the units of these kinds, without unpacking
        the others: the symbol column is read straight from the records."""
        return packed.records_of(self.records, symbols_of(self.language, kinds))

    def first_error_line(self) -> int | None:
        """The first line of a unit with a syntax error (None: no unit has one)."""
        lines = [r.start_row + 1 for r in self.records_view() if r.has_error]
        return min(lines) if lines else None


# the record fields a Unit is built from, picked by name (one C-level call per record)
_UNIT_FIELDS = operator.itemgetter(*(UnitRecord._fields.index(f) for f in (
    "symbol", "name_start", "name_end", "start_byte", "end_byte", "start_row", "end_row", "has_error",
    "exact", "renamed", "skeleton", "parent", "parent_node")))


@functools.cache
def symbols_of(language: str, kinds: frozenset[str]) -> frozenset[int]:
    """The grammar's symbols of these kind names."""
    return languages.get(language).tables.symbols(kinds)


def _name(data: bytes, start: int, end: int) -> str | None:
    return data[start:end].decode("utf-8", "replace") if end > start else None


def fingerprint(
    source: bytes | str,
    language: str | None = None,
    path: str | None = None,
    *,
    winnow: tuple[int, int] | None = None,
) -> FileFingerprint:
    """Fingerprint one file.

    The language comes from `language` (a name of `languages.names()`, or
    an alias) or from the extension of `path`; an unknown one raises
    UnsupportedLanguageError.
    Files with syntax errors are fingerprinted too: the units that contain
    ERROR or MISSING nodes have `has_error` set. `winnow` = (k, w) also
    computes the provenance fingerprints (`prints`, core/prints.py) in
    the same pass.
    """
    lang = languages.resolve(language, path)
    data = as_bytes(source, path)
    parsed = lang.parse(data, winnow=winnow)
    exact, renamed, skeleton, digest = parsed.hashes
    return FileFingerprint(
        language=lang.name, path=None if path is None else str(path), size=len(data),
        exact=exact, renamed=renamed, skeleton=skeleton, syntax_digest=digest,
        has_error=parsed.has_error, node_count=parsed.n_nodes, unit_count=parsed.n_units,
        records=parsed.records, source=data, prints=parsed.prints or b"",
        elements=parsed.elements, element_count=parsed.n_elements,
    )
