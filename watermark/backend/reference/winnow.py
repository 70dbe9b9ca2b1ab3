"""Winnowed k-gram fingerprints in plain Python: the reference of
csrc/wm_winnow.c (see there for the definition)."""
from __future__ import annotations

from ..contract import WM_EV_ENTER, WM_EV_EXIT, WM_EXIT_WORD, WM_SEED_WINNOW, WM_WINNOW_BASE
from .hashes import _round

_MASK = (1 << 64) - 1


def _avalanche(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xC2B2AE3D27D4EB4F) & _MASK
    h ^= h >> 29
    h = (h * 0x165667B19E3779F9) & _MASK
    h ^= h >> 32
    return h


def token_word(kind: int, text: int, ident: int, op: int) -> int:
    """One event as a token of the stream, identifiers masked."""
    if op == WM_EV_EXIT:
        return WM_EXIT_WORD
    if op == WM_EV_ENTER or ident >= 0:
        return kind
    return _round(kind, text)


def winnow(events: list[tuple[int, int, int, int]], k: int, w: int) -> tuple[list[int], list[int]]:
    """(hashes, first token of each k-gram) of the selected k-grams."""
    if k < 1 or not 1 <= w <= 4096:
        raise ValueError("winnow: k >= 1 and 1 <= w <= 4096")
    n = len(events)
    if n < k:
        return [], []
    tokens = [token_word(*e) for e in events]
    top = pow(WM_WINNOW_BASE, k - 1, 1 << 64)
    roll = 0
    for t in tokens[:k - 1]:
        roll = (roll * WM_WINNOW_BASE + t) & _MASK
    grams = []
    for j in range(n - k + 1):  # the polynomial of tokens j .. j+k-1, rolled on by one token
        roll = (roll * WM_WINNOW_BASE + tokens[j + k - 1]) & _MASK
        grams.append(_avalanche(roll ^ WM_SEED_WINNOW))
        roll = (roll - top * tokens[j]) & _MASK
    hashes: list[int] = []
    pos: list[int] = []
    last = -1
    for j in range(len(grams)):
        lo = max(0, j - w + 1)
        window = grams[lo:j + 1]
        least = min(window)
        at = lo + max(i for i, h in enumerate(window) if h == least)  # the rightmost minimum
        if at != last:
            hashes.append(least)
            pos.append(at)
            last = at
    return hashes, pos
