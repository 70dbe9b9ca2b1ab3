"""The one seam between watermark and its C core.

`BACKEND` is chosen once, here, at import: the native C core, or with
WATERMARK_PURE_PYTHON=1 the pure-Python reference (slow; the oracle the
tests hold the C core to). Both implement `Backend` (protocol.py) on the
buffers laid out by the C contract (contract.py, generated from
csrc/watermark.h). No other module asks which one runs.
"""
from __future__ import annotations

import os

from . import contract
from .protocol import Backend, Grammar, Parsed
from .reference import ReferenceBackend


def pure_python_requested() -> bool:
    return os.environ.get("WATERMARK_PURE_PYTHON", "") not in ("", "0")


def _choose() -> Backend:
    if pure_python_requested():
        return ReferenceBackend()
    from . import native

    return native.load()


BACKEND: Backend = _choose()


def available() -> bool:
    """Whether the native C core is the backend in use."""
    return BACKEND.name == "native"


__all__ = ["BACKEND", "Backend", "Grammar", "Parsed", "ReferenceBackend", "available", "contract",
           "pure_python_requested"]
