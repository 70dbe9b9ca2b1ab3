"""watermark: per-recipient blank-line watermarks for source releases.

Public API (everything else is private):
    Key.generate() / Key.load(path) / key.save(path)   the vendor secret
    embed(source, key, recipient, ...) -> EmbedResult   mark one file
    extract(source, key, ...) -> Observations           read its carriers
    verify(observations, key, recipient, ...) -> Verdict
    Release.analyse(tree, key, ...) -> Release          a whole tree, once
        release.embed(recipients, out, registry=...)   marked copies
    Registry(path)                                      SQLite record of releases
    trace(suspect, key, registry) -> TraceReport        who leaked it
    fingerprint(source, language=None, path=None) -> FileFingerprint
    languages() -> list of supported language names
    native_info() -> {"native": bool, "version": str, ...}
"""
from __future__ import annotations

from . import _bindings
from ._languages import languages
from ._codes import Code
from ._keys import Key
from ._registry import Registry, RegistryError, ReleaseInfo
from ._release import Copy, Release, ReleaseFile
from ._trace import FileEvidence, Suspicion, TraceReport, trace
from ._tree import TreeError
from ._watermark import EmbedResult, Observation, Observations, Verdict, embed, extract, verify
from .errors import (
    GrammarError,
    KeyFileError,
    NativeBuildError,
    SourceError,
    UnsupportedLanguageError,
    WatermarkError,
)
from ._fingerprint import FileFingerprint, Unit, fingerprint

__version__ = "0.1.0"

__all__ = [
    "Code",
    "Copy",
    "FileEvidence",
    "Registry",
    "RegistryError",
    "Release",
    "ReleaseFile",
    "ReleaseInfo",
    "Suspicion",
    "TraceReport",
    "TreeError",
    "trace",
    "EmbedResult",
    "FileFingerprint",
    "GrammarError",
    "Key",
    "KeyFileError",
    "Observation",
    "Observations",
    "Verdict",
    "NativeBuildError",
    "SourceError",
    "Unit",
    "UnsupportedLanguageError",
    "WatermarkError",
    "embed",
    "extract",
    "fingerprint",
    "languages",
    "native_info",
    "verify",
]


def native_info() -> dict:
    """Which implementation runs: the C extension (`native`) or the reference."""
    info = {
        "native": _bindings.available(),
        "version": __version__,
        "abi": _bindings.ABI_VERSION,
        "pure_python_requested": _bindings.pure_python_requested(),
    }
    if info["native"]:
        info["build_digest"] = _bindings.build_digest()
    return info
