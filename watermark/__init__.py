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
    languages.names() -> the supported languages (watermark.languages: one module each)
    native_info() -> {"native": bool, "version": str, ...}
"""
from __future__ import annotations

from importlib import metadata as _metadata

from . import backend, languages
from .core.codes import Code, CodeName
from .core.fingerprint import FileFingerprint, Unit, fingerprint
from .core.keys import Key
from .core.marks import EmbedResult, Observation, Observations, Verdict, embed, extract, verify
from .diff import (
    Change,
    FileDiff,
    FileDiffStatus,
    FunctionDiff,
    FunctionStatus,
    Location,
    Site,
    Snippet,
    TreeDiff,
    diff,
)
from .errors import (
    ArgumentError,
    GrammarError,
    KeyFileError,
    NativeBuildError,
    SourceError,
    UnsupportedLanguageError,
    WatermarkError,
)
from .io.sources import TreeError
from .workflow.evidence import evidence_report
from .workflow.records import (
    CarrierFile,
    CarrierLayout,
    FilePrints,
    IssuedCopy,
    RegisteredFile,
    ReleaseFileStatus,
    ReleaseRecord,
)
from .workflow.registry import Registry, RegistryError, ReleaseInfo
from .workflow.release import Copy, Release, ReleaseFile
from .workflow.trace import (
    DecodedSet,
    FileEvidence,
    FileOrigin,
    Marks,
    MarksState,
    Provenance,
    ReleaseOverlap,
    Suspicion,
    Test,
    TraceReport,
    trace,
)
from .workflow.trace.provenance import SharedRelease
from .workflow.unmark import LineMaps, UnmarkedFile, UnmarkReport, unmark

try:
    __version__ = _metadata.version("watermark")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    # marking one file
    "Key", "embed", "extract", "verify", "EmbedResult", "Observation", "Observations", "Verdict", "Code", "CodeName",
    # fingerprints
    "fingerprint", "FileFingerprint", "Unit", "languages",
    # releases and the registry
    "Release", "ReleaseFile", "ReleaseFileStatus", "Copy", "Registry", "ReleaseInfo", "ReleaseRecord",
    "RegisteredFile", "IssuedCopy", "FilePrints", "CarrierFile", "CarrierLayout",
    # copies once they are out
    "unmark", "UnmarkReport", "UnmarkedFile", "LineMaps", "evidence_report",
    # trace
    "trace", "TraceReport", "Suspicion", "Test", "FileEvidence", "ReleaseOverlap", "DecodedSet", "Provenance",
    "FileOrigin", "SharedRelease", "Marks", "MarksState",
    # diff
    "diff", "TreeDiff", "FileDiff", "FileDiffStatus", "FunctionDiff", "FunctionStatus", "Change", "Location",
    "Site", "Snippet",
    # errors
    "WatermarkError", "ArgumentError", "GrammarError", "KeyFileError", "NativeBuildError", "RegistryError",
    "SourceError", "TreeError", "UnsupportedLanguageError",
    "native_info",
]


def native_info() -> dict[str, object]:
    """Which backend runs: the C extension (`native`) or the reference."""
    from .core.codes import SCHEME

    info: dict[str, object] = {
        "native": backend.BACKEND.name == "native",
        "backend": backend.BACKEND.name,
        "version": __version__,
        "abi": backend.contract.WM_ABI_VERSION,
        "scheme": SCHEME,
        "pure_python_requested": backend.pure_python_requested(),
    }
    digest = backend.BACKEND.build_digest()
    if digest is not None:
        info["build_digest"] = digest
    return info
