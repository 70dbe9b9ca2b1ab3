"""Where a language's carriers are: shared by the per-language rule tests."""
from __future__ import annotations

import watermark
from watermark.core import carriers


def carrier_lines(src: str, language: str) -> list[int]:
    """The 1-based line of B (the statement after the gap: the gap's last
    line starts it) of each carrier of `src`, strictly read as `embed` does."""
    data = src.encode()
    b = carriers.boundaries(watermark.fingerprint(data, language=language))
    return [data.count(b"\n", 0, b.gaps[3 * k + 2]) + 1 for k in range(len(b))]


def line_of(src: str, text: str) -> int:
    """The 1-based line holding `text` (once)."""
    assert src.count(text) == 1, text
    return src[:src.index(text)].count("\n") + 1
