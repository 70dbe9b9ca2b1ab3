"""The seed design this project started from, kept for comparison only.

For every function, class or variable declaration: delta = the first 4
bytes of SHA-256(recipient, node type, start line, parent id) as an integer,
mod 100; insert delta blank lines after the node's start line. Extraction
walks the declarations of a suspect file in order, undoes the line shift the
candidate recipient's earlier deltas caused, recomputes delta and checks it
(delta or delta + 1 blank lines: one may have been there before).

(The recipient is hashed in because the seed text did not say how a copy
would name anyone otherwise.) benchmarks/robustness.py shows why this is not
the design: its marks sit where gofmt and prettier delete blank lines, a
line-number input dies with the first edit above it, it inserts thousands of
lines, and the blank lines can land inside multi-line strings and change the
program. It is not part of the main API.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from watermark import fingerprint
from watermark.core.codes import Score, binomial_tail_log10_p

DECLARATIONS = {
    "go": frozenset({"function_declaration", "method_declaration", "type_declaration",
                     "var_declaration", "const_declaration"}),
    "javascript": frozenset({"function_declaration", "generator_function_declaration",
                             "class_declaration", "lexical_declaration", "variable_declaration"}),
}


def _delta(recipient: str, kind: str, line: int, parent: int) -> int:
    digest = hashlib.sha256(f"{recipient}\0{kind}\0{line}\0{parent}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100


def _declarations(fp):
    kinds = DECLARATIONS[fp.language]
    return [(k, u) for k, u in enumerate(fp.units) if u.kind in kinds]


def embed(source: bytes, recipient: str, *, language: str | None = None,
          path: str | None = None) -> bytes:
    """Insert delta blank lines after each declaration's start line."""
    fp = fingerprint(source, language=language, path=path)
    src = fp.source
    inserts: dict[int, int] = {}  # offset after a line break -> blank lines to insert there
    for _, u in _declarations(fp):
        delta = _delta(recipient, u.kind, u.start_line, -1 if u.parent is None else u.parent)
        end = src.find(b"\n", u.start_byte)
        at = len(src) if end < 0 else end + 1
        inserts[at] = inserts.get(at, 0) + delta
    out = bytearray()
    pos = 0
    for at in sorted(inserts):
        out += src[pos:at]
        out += b"\n" * inserts[at] if at < len(src) or src.endswith(b"\n") else b""
        pos = at
    out += src[pos:]
    return bytes(out)


@dataclass(frozen=True)
class BaselineResult:
    matches: int
    checked: int
    score: Score  # binomial tail at p = 1/100, what the seed design would claim


def verify(source: bytes, recipient: str, *, language: str | None = None,
           path: str | None = None) -> BaselineResult:
    """Recompute each declaration's delta and compare it with the blank lines found."""
    return verify_fingerprint(fingerprint(source, language=language, path=path), recipient)


def verify_fingerprint(fp, recipient: str) -> BaselineResult:
    """`verify` on a file already fingerprinted (many recipients, one parse)."""
    src = fp.source
    shift = matches = 0
    decls = _declarations(fp)
    for _, u in decls:
        end = src.find(b"\n", u.start_byte)
        found = 0
        while end >= 0 and src.startswith(b"\n", end + 1):
            found += 1
            end += 1
        delta = _delta(recipient, u.kind, u.start_line - shift, -1 if u.parent is None else u.parent)
        matches += delta <= found <= delta + 1  # one blank line may have been there before
        shift += delta
    n = len(decls)
    return BaselineResult(matches, n, Score(matches, matches, n, binomial_tail_log10_p(n, matches, 0.01)))
