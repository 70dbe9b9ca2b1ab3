"""The records the vendor workflow keeps and hands out: what a release
records in the registry (ReleaseRecord, FileRecord), and what the registry
returns (RegisteredFile, IssuedCopy, FilePrints, CarrierFile). They sit
between the release and the registry, so neither imports the other.

Statuses are `ReleaseFileStatus` values; every record turns into JSON with
`to_json()`.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple, Protocol

from ..core.codes import Code
from ..core.enums import Named


class ReleaseFileStatus(Named):
    """What a release did with one entry of its tree."""

    MARKED = "marked"  # carries marks
    COPIED = "copied"  # copied as it is (not source, excluded, minified)
    UNMARKED = "unmarked"  # source that cannot be marked safely; `reason` says why
    SKIPPED = "skipped"  # not copied at all (a FIFO, socket, device)
    ERROR = "error"  # could not be read (analysis only: the release stops on it)


@dataclass(frozen=True)
class FileRecord:
    """One entry of a release as the registry records it."""

    path: str
    sha256: str | None
    size: int
    mode: int
    kind: str  # file, dir, symlink, special
    language: str | None
    status: ReleaseFileStatus
    reason: str | None
    carriers: int
    identities: bytes | None  # packed uint64 carrier identities (marked files)
    prints: bytes  # provenance prints and functions (core/prints.py); empty if not fingerprinted
    functions: bytes
    layout: bytes | None = None  # the release's line and bytes at each carrier (core/layout.py), packed


@dataclass(frozen=True)
class ReleaseRecord:
    """What the registry records of an analysed release. `files` reads the
    entries afresh, in order, at each call (their blobs stream from the
    release's spool)."""

    name: str
    key_id: str
    code: Code
    density: str  # "go=0.5,javascript=0.5"
    source: str  # what was analysed, described
    file_count: int
    marked_files: int
    carriers: int
    digest: str
    files: Callable[[], Iterator[FileRecord]]


class SupportsRecord(Protocol):
    """What can be recorded in a registry: a Release."""

    def record(self) -> ReleaseRecord: ...

    def adopt_scheme(self, scheme: int) -> None:
        """Mark copies with this scheme: the one the release was first
        recorded with."""


@dataclass(frozen=True)
class RegisteredFile:
    """A file of a registered release (Registry.files)."""

    path: str
    kind: str
    size: int
    language: str | None
    status: ReleaseFileStatus
    reason: str | None
    carriers: int
    sha256: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IssuedCopy:
    """A copy issued to a recipient (Registry.copies)."""

    recipient: str
    created: str
    digest: str
    output: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class FilePrints(NamedTuple):
    """A release file's provenance prints (Registry.prints)."""

    release: str
    path: str
    language: str | None
    prints: bytes
    functions: bytes


class CarrierFile(NamedTuple):
    """A marked file's carrier identities (Registry.carrier_files)."""

    release: str
    code: str
    path: str
    identities: array


class CarrierLayout(NamedTuple):
    """A marked file's carriers and the release's own layout at them
    (Registry.layouts): `layout` is core/layout.py's packing, None for a
    release recorded before registry schema 4."""

    path: str
    language: str | None
    sha256: str | None
    identities: array
    layout: bytes | None


__all__ = ["CarrierFile", "CarrierLayout", "FilePrints", "FileRecord", "IssuedCopy", "RegisteredFile",
           "ReleaseFileStatus", "ReleaseRecord", "SupportsRecord"]
