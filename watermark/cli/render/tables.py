"""Plain-text tables."""
from __future__ import annotations

from typing import Any


def table(header: list[str], rows: list[list[Any]]) -> str:
    """Rows under a header, columns padded (numbers to the right)."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(header))]
    numeric = [all(isinstance(row[k], int) for row in rows) and bool(rows) for k in range(len(header))]
    lines = []
    for r in cells:
        parts = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)
