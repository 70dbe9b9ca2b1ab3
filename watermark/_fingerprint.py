"""AST-node hash fingerprints of Go and JavaScript files.

A *unit* is a declaration, a statement, or a member of a declaration list
(struct field, const/var spec, class member, object property, case clause).
Each unit, and the file, gets three 64-bit hashes, none of which changes with
whitespace, blank lines, indentation, line endings or comments:

  exact     node kinds and every token's text
  renamed   identifiers replaced by the ordinal of their first occurrence in
            the unit: a consistent renaming leaves it unchanged
  skeleton  node kinds only

Formatter-controlled spellings are normalized before hashing (see
watermark/_languages.py and csrc/wm_normalize.c), so gofmt and prettier
leave every hash unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import tree_sitter

from . import _bindings, _languages, _reference
from ._source import as_bytes


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
    records: bytes = field(repr=False)  # UNIT_STRUCT records, in unit order
    source: bytes = field(repr=False)

    @cached_property
    def units(self) -> list[Unit]:
        lang = _languages.load(self.language)
        return _make_units(lang, self.source, _bindings.UNIT_STRUCT.iter_unpack(self.records))


_native_languages: dict[str, _bindings.NativeLanguage] = {}


def _native_language(lang: _languages.Language) -> _bindings.NativeLanguage:
    handle = _native_languages.get(lang.name)
    if handle is None:
        handle = _native_languages[lang.name] = _bindings.NativeLanguage(lang)
    return handle


def _name(data: bytes, start: int, end: int) -> str | None:
    return data[start:end].decode("utf-8", "replace") if end > start else None


def _make_units(lang: _languages.Language, data: bytes, rows) -> list[Unit]:
    kind_name = lang.kind_name
    return [
        Unit(kind_name(sym), _name(data, ns, ne), sb, eb, sr + 1, er + 1, bool(err),
             exact, renamed, skel, parent if parent >= 0 else None, pnode)
        for (exact, renamed, skel, _b, _e, sb, eb, sr, er, ns, ne, parent, _node, pnode, sym, err, _r) in rows
    ]


def fingerprint(
    source: bytes | str,
    language: str | None = None,
    path: str | None = None,
) -> FileFingerprint:
    """Fingerprint one file.

    The language comes from `language` ("go", "javascript") or from the
    extension of `path`; an unknown one raises UnsupportedLanguageError.
    Files with syntax errors are fingerprinted too: the units that contain
    ERROR or MISSING nodes have `has_error` set.
    """
    spec = _languages.spec_for(language, path)
    data = as_bytes(source, path)
    lang = _languages.load(spec.name)
    if _bindings.available():
        records, n_units, hashes, n_nodes, has_error, _ev = _native_language(lang).fingerprint(data)
    else:
        walk = reference_walk(lang, data)
        hashes, n_nodes, has_error = walk.file_hashes, walk.n_nodes, walk.has_error
        records, n_units = _reference.pack_units(walk.units), len(walk.units)
    return FileFingerprint(
        language=spec.name, path=None if path is None else str(path), size=len(data),
        exact=hashes[0], renamed=hashes[1], skeleton=hashes[2], syntax_digest=hashes[3],
        has_error=has_error, node_count=n_nodes, unit_count=n_units, records=records, source=data,
    )


def parse(lang: _languages.Language, data: bytes) -> tree_sitter.Tree:
    """Parse with the py-tree-sitter runtime (the reference path)."""
    return tree_sitter.Parser(lang.ts_language).parse(data)


def reference_walk(lang: _languages.Language, data: bytes) -> _reference.Walk:
    """The pure-Python walk of `data` (oracle for the C core)."""
    return _reference.walk(parse(lang, data), data, lang.flags, lang.kind_hashes,
                           lang.fields, lang.error_kind_hash)
