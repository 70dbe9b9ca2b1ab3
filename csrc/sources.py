"""The C sources of the extension and their digest (no cffi needed).

build_ffi.py compiles the digest into the extension; the native backend
recomputes it in a source checkout and refuses a build made from other
sources."""
from __future__ import annotations

import hashlib
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
SOURCES = ["wm_xxh64.c", "wm_normalize.c", "wm_units.c", "wm_arena.c", "wm_fingerprint.c", "wm_prf.c", "wm_carriers.c",
           "wm_winnow.c", "wm_collusion.c"]
HEADERS = ["watermark.h", "wm_internal.h", "wm_arena.h"]


def source_digest(root: pathlib.Path = HERE) -> str:
    """Digest of the C contract and sources; compiled in, rechecked at import."""
    h = hashlib.sha256()
    for name in [*HEADERS, *SOURCES]:
        h.update(name.encode() + b"\0" + (root / name).read_bytes())
    return h.hexdigest()[:16]
