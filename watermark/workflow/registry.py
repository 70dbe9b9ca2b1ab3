"""The registry: which releases were marked with which key, and who got them.

A SQLite database (standard library, WAL mode, safe with concurrent
writers). It holds no secret: releases name their key by `Key.id`, a one-way
digest; carrier identities are keyed hashes that say nothing about the key.
What it holds per release:

  releases    name, time, key id, code, density, source, file and carrier
              counts, a digest of the analysed content
  files       path, content SHA-256, size, mode, language, status (marked /
              copied / unmarked + reason), carrier count and the carriers'
              identities (trace matches a leak to its release with them),
              and the release's own layout at them (unmark, line maps)
  recipients  who may hold a copy of a release (every issued copy, plus
              bulk registrations without a copy)
  copies      issued copies: recipient, time, digest of the output
"""
from __future__ import annotations

import datetime
import functools
import os
import sqlite3
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast

from ..core.codes import SCHEMES_READ, CodeName
from ..errors import WatermarkError
from .records import (
    CarrierFile,
    CarrierLayout,
    FilePrints,
    IssuedCopy,
    RegisteredFile,
    ReleaseFileStatus,
    ReleaseRecord,
    SupportsRecord,
)

# 1: watermark 0.1.0. 2: releases.scheme (the scheme of their marks; 0.1.0's
# releases are scheme 1). 3: provenance prints. 4: files.layout (the
# release's own layout at each carrier; releases recorded before have none).
# An older registry is read as it is and upgraded in place by the first write.
SCHEMA_VERSION = 4
DEFAULT_REGISTRY = "watermark.db"  # in the working directory; or $WATERMARK_REGISTRY

_SCHEMA = """
CREATE TABLE IF NOT EXISTS releases (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    key_id TEXT NOT NULL,
    code TEXT NOT NULL,
    cutoff REAL NOT NULL,
    density TEXT NOT NULL,
    source TEXT NOT NULL,
    files INTEGER NOT NULL,
    marked_files INTEGER NOT NULL,
    carriers INTEGER NOT NULL,
    digest TEXT NOT NULL,
    scheme INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS files (
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    sha256 TEXT,
    size INTEGER NOT NULL,
    mode INTEGER NOT NULL,
    kind TEXT NOT NULL,
    language TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    carriers INTEGER NOT NULL,
    identities BLOB,
    layout BLOB,
    PRIMARY KEY (release_id, path)
);
CREATE TABLE IF NOT EXISTS recipients (
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    added TEXT NOT NULL,
    PRIMARY KEY (release_id, name)
);
CREATE TABLE IF NOT EXISTS copies (
    id INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    created TEXT NOT NULL,
    digest TEXT NOT NULL,
    output TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS releases_by_key ON releases(key_id);
""" + """;
CREATE TABLE IF NOT EXISTS provenance (
    release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    prints BLOB NOT NULL,
    functions BLOB NOT NULL,
    PRIMARY KEY (release_id, path)
)
"""
_PROVENANCE_TABLE = _SCHEMA.rsplit(";", 1)[1]


class RegistryError(WatermarkError, ValueError):
    """The registry cannot be used as asked (missing release, other key...)."""


@dataclass(frozen=True)
class ReleaseInfo:
    name: str
    created: str
    key_id: str
    code: CodeName
    cutoff: float
    density: str
    source: str
    files: int
    marked_files: int
    carriers: int
    digest: str
    recipients: int = 0
    copies: int = 0
    scheme: int = 1  # the scheme of its marks (core.codes.SCHEME)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _ReleaseRow(NamedTuple):
    id: int
    key_id: str
    digest: str
    scheme: int


_F = TypeVar("_F", bound=Callable[..., Any])


def _database_errors(method: _F) -> _F:
    """A damaged, full or unreadable database file: one RegistryError
    naming it and what to do, never sqlite3's exception."""
    @functools.wraps(method)
    def wrapper(self: Registry, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None
    return cast(_F, wrapper)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def default_path() -> str:
    return os.environ.get("WATERMARK_REGISTRY") or DEFAULT_REGISTRY


class Registry:
    """Open (creating if needed) the registry database at `path`.

    `readonly`: for reading only (trace, listing): the file is opened
    read-only and never changed, not even its journal mode; it must already
    be a registry."""

    def __init__(self, path: str | os.PathLike | None = None, *, create: bool = True,
                 readonly: bool = False) -> None:
        self.path = Path(path if path is not None else default_path())
        self.readonly = readonly
        if (readonly or not create) and not self.path.is_file():
            raise RegistryError(f"{self.path}: no such registry")
        if self.path.exists() and not self.path.is_file():
            raise RegistryError(f"{self.path}: not a registry file")
        mode = "wal"
        try:
            if readonly:
                self._db = self._open_readonly()
            else:
                self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._db.execute("PRAGMA busy_timeout = 60000")
            if not readonly:
                mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self._db.execute("PRAGMA foreign_keys = ON")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if readonly and version == 0:
                raise RegistryError(f"{self.path}: not a watermark registry (empty, or another database)")
            if version > SCHEMA_VERSION:
                raise RegistryError(f"{self.path}: registry schema {version} is newer than this watermark "
                                    f"(schema {SCHEMA_VERSION}); upgrade watermark")
            self._schema = version
            if version == 0:
                with self._write():  # creates the schema
                    pass
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise RegistryError(f"{self.path}: not a usable registry database ({exc})") from None
        except RegistryError:
            self._close_quietly()
            raise
        if mode.lower() != "wal":
            raise RegistryError(f"{self.path}: cannot switch the database to WAL mode")

    def _open_readonly(self) -> sqlite3.Connection:
        """A read-only connection. A WAL database needs its -shm file even
        to read; where the folder is read-only and none exists, the file is
        opened as immutable, which is exact when no -wal file holds
        unmerged changes (a writer's last close merges them)."""
        uri = self.path.resolve().as_uri()
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=60, isolation_level=None)
        try:
            db.execute("PRAGMA user_version").fetchone()
            return db
        except sqlite3.OperationalError as exc:
            db.close()
            text = str(exc)
            if "readonly" not in text and "unable to open" not in text:
                raise
            if os.access(self.path.parent, os.W_OK, effective_ids=os.access in os.supports_effective_ids):
                # a writable folder: immutable reads would take no lock against a writer; say what is wrong
                raise RegistryError(f"{self.path}: cannot open the registry to read it ({text}); check the "
                                    f"permissions of it and of its -wal / -shm files") from None
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists() and wal.stat().st_size:
            raise RegistryError(f"{self.path}: its folder is read-only and {wal.name} holds changes not merged "
                                "into it; open it once where it can be written (watermark registry list)")
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=60, isolation_level=None)

    def close(self) -> None:
        self._db.close()

    def _close_quietly(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()

    def _damaged(self, exc: sqlite3.DatabaseError) -> RegistryError:
        text = " ".join(str(exc).split())
        if "full" in text:
            return RegistryError(f"{self.path}: disk full ({text}); nothing was recorded: free space and retry")
        if "readonly" in text or "read-only" in text:
            return RegistryError(f"{self.path}: cannot write the registry ({text})")
        return RegistryError(f"{self.path}: damaged or unreadable registry ({text}); restore it from a backup")

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    class _Txn:
        """A write transaction; the first one brings an older schema up to date."""

        def __init__(self, registry: Registry) -> None:
            self.registry = registry
            self.db = registry._db

        def __enter__(self) -> sqlite3.Connection:
            if self.registry.readonly:
                raise RegistryError(f"{self.registry.path}: opened for reading only")
            self.db.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlocks
            if self.registry._schema < SCHEMA_VERSION:
                self.registry._upgrade()
            return self.db

        def __exit__(self, kind: object, *exc: object) -> None:
            self.db.execute("COMMIT" if kind is None else "ROLLBACK")

    def _write(self) -> _Txn:
        return self._Txn(self)

    def _upgrade(self) -> None:
        """Create or upgrade the schema, inside a write transaction (another
        process may have done it meanwhile: the version is read again)."""
        found = self._db.execute("PRAGMA user_version").fetchone()[0]
        if found == 0:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
        if found == 1:  # watermark 0.1.0: every release it recorded is scheme 1
            self._db.execute("ALTER TABLE releases ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1")
        if 1 <= found <= 2:  # provenance prints (releases recorded before have none)
            self._db.execute(_PROVENANCE_TABLE)
        if 1 <= found <= 3:  # the release's layout at its carriers (releases recorded before have none)
            self._db.execute("ALTER TABLE files ADD COLUMN layout BLOB")
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._schema = SCHEMA_VERSION

    @property
    def _scheme(self) -> str:
        """The SQL of a release's scheme: schema 1 recorded none (all scheme 1)."""
        return "r.scheme" if self._schema >= 2 else "1"

    # ---- releases ----------------------------------------------------------

    def _release_row(self, name: str) -> _ReleaseRow | None:
        row = self._db.execute(f"SELECT r.id, r.key_id, r.digest, {self._scheme} FROM releases r WHERE r.name = ?",
                               (name,)).fetchone()
        return None if row is None else _ReleaseRow(*row)

    def add_release(self, release: ReleaseRecord | SupportsRecord) -> bool:
        """Record an analysed release (a Release, or its `record()`) under its
        name. Returns False when the same release (same key, same content) is
        already recorded; a Release then marks its copies with the scheme it
        was first recorded with. Refuses a name taken by other content or
        another key."""
        record = release if isinstance(release, ReleaseRecord) else release.record()
        try:
            with self._write() as db:
                row = self._release_row(record.name)
                if row is not None:
                    self._same_release(row, record)
                    if not isinstance(release, ReleaseRecord):
                        release.adopt_scheme(row.scheme)
                        record = release.record()  # (its carriers are those of the scheme adopted)
                    # a release recorded before provenance prints existed gets them now
                    if db.execute("SELECT 1 FROM provenance WHERE release_id = ? LIMIT 1", (row.id,)).fetchone() \
                            is None:
                        self._add_prints(db, row.id, record)
                    # and its layout where the carriers are those recorded
                    db.executemany(
                        "UPDATE files SET layout = ? WHERE release_id = ? AND path = ? AND layout IS NULL "
                        "AND identities = ?", ((f.layout, row.id, f.path, f.identities) for f in record.files()
                                               if f.carriers and f.layout is not None))
                    return False
                rid = self._insert(db, record)
                self._add_prints(db, rid, record)
            return True
        except sqlite3.DatabaseError as exc:
            raise RegistryError(f"{self.path}: cannot record release {record.name!r} ({exc})") from None

    @staticmethod
    def _insert(db: sqlite3.Connection, record: ReleaseRecord) -> int:
        cur = db.execute(
            "INSERT INTO releases (name, created, key_id, code, cutoff, density, source, files, "
            "marked_files, carriers, digest, scheme) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (record.name, _now(), record.key_id, record.code.name, record.code.cutoff, record.density,
             record.source, record.file_count, record.marked_files, record.carriers, record.digest,
             record.code.scheme))
        rid = cur.lastrowid
        assert rid is not None
        db.executemany(
            "INSERT INTO files (release_id, path, sha256, size, mode, kind, language, status, reason, "
            "carriers, identities, layout) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            ((rid, f.path, f.sha256, f.size, f.mode, f.kind, f.language, f.status.value, f.reason, f.carriers,
              f.identities if f.carriers else None, f.layout if f.carriers else None) for f in record.files()))
        return rid

    @staticmethod
    def _add_prints(db: sqlite3.Connection, rid: int, record: ReleaseRecord) -> None:
        db.executemany(
            "INSERT INTO provenance (release_id, path, prints, functions) VALUES (?,?,?,?)",
            ((rid, f.path, f.prints, f.functions) for f in record.files() if f.prints))

    def _same_release(self, row: _ReleaseRow, release: ReleaseRecord) -> None:
        if row.key_id != release.key_id:
            raise RegistryError(f"release {release.name!r} was marked with key {row.key_id}, not with this key "
                                f"({release.key_id}); use its key or another release name")
        if row.scheme not in SCHEMES_READ:
            raise RegistryError(f"release {release.name!r} is registered with marks of scheme {row.scheme}, "
                                f"which this watermark cannot make; upgrade watermark or choose a new release name")
        if row.digest != release.digest:
            raise RegistryError(f"release {release.name!r} is already registered with other content; "
                                "choose a new release name")

    @_database_errors
    def prints(self) -> list[FilePrints]:
        """The provenance prints of every file of every release that has them
        (recorded since registry schema 3)."""
        if self._schema < 3:
            return []
        return [FilePrints(*row) for row in self._db.execute(
            "SELECT r.name, p.path, f.language, p.prints, p.functions FROM provenance p "
            "JOIN releases r ON r.id = p.release_id JOIN files f ON f.release_id = p.release_id AND f.path = p.path "
            "ORDER BY r.name, p.path")]

    @_database_errors
    def releases_without_provenance(self) -> list[str]:
        """Releases recorded before provenance prints existed."""
        if self._schema < 3:
            return [r[0] for r in self._db.execute("SELECT name FROM releases ORDER BY name")]
        return [r[0] for r in self._db.execute(
            "SELECT name FROM releases r WHERE NOT EXISTS (SELECT 1 FROM provenance p WHERE p.release_id = r.id) "
            "ORDER BY name")]

    @_database_errors
    def recipients_of(self, release: str) -> list[str]:
        """Everyone registered as a recipient of a release."""
        return [r[0] for r in self._db.execute(
            "SELECT c.name FROM recipients c JOIN releases r ON r.id = c.release_id WHERE r.name = ? ORDER BY c.name",
            (release,))]

    @_database_errors
    def check_release(self, name: str, key_id: str) -> None:
        """Raise unless `name` exists and belongs to `key_id`."""
        row = self._release_row(name)
        if row is None:
            raise RegistryError(f"{self.path}: no release named {name!r}")
        if row.key_id != key_id:
            raise RegistryError(f"release {name!r} was marked with key {row.key_id}, not with this key ({key_id})")

    @_database_errors
    def add_recipients(self, release: str, recipients: Iterable[str]) -> int:
        """Register recipients of a release without writing copies; returns
        how many were new."""
        row = self._release_row(release)
        if row is None:
            raise RegistryError(f"{self.path}: no release named {release!r}")
        names = list(recipients)
        with self._write() as db:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO recipients (release_id, name, added) VALUES (?,?,?)",
                           ((row.id, n, _now()) for n in names))
            return db.total_changes - before

    @_database_errors
    def add_copy(self, release: str, recipient: str, digest: str, output: str) -> None:
        row = self._release_row(release)
        if row is None:
            raise RegistryError(f"{self.path}: no release named {release!r}")
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO recipients (release_id, name, added) VALUES (?,?,?)",
                       (row.id, recipient, _now()))
            db.execute("INSERT INTO copies (release_id, recipient, created, digest, output) VALUES (?,?,?,?,?)",
                       (row.id, recipient, _now(), digest, output))

    # ---- reading -----------------------------------------------------------

    @_database_errors
    def releases(self, key_id: str | None = None) -> list[ReleaseInfo]:
        sql = ("SELECT r.name, r.created, r.key_id, r.code, r.cutoff, r.density, r.source, r.files, "
               "r.marked_files, r.carriers, r.digest, "
               "(SELECT COUNT(*) FROM recipients WHERE release_id = r.id), "
               f"(SELECT COUNT(*) FROM copies WHERE release_id = r.id), {self._scheme} FROM releases r")
        args: tuple = ()
        if key_id is not None:
            sql += " WHERE r.key_id = ?"
            args = (key_id,)
        return [self._info(row) for row in self._db.execute(sql + " ORDER BY r.created, r.name", args)]

    def _info(self, row: tuple) -> ReleaseInfo:
        name, created, key_id, code, *rest = row
        try:
            code = CodeName(code)
        except ValueError:
            raise RegistryError(f"{self.path}: release {name!r} uses the code {code!r}, which this watermark does "
                                "not know; upgrade watermark") from None
        return ReleaseInfo(name, created, key_id, code, *rest)

    def readable_releases(self, key_id: str) -> list[ReleaseInfo]:
        """The releases made with a key, refusing (one line) any whose marks
        this version cannot read: tracing without them could name the wrong
        recipient."""
        infos = self.releases(key_id)
        for info in infos:
            if info.scheme not in SCHEMES_READ:
                raise RegistryError(
                    f"{self.path}: release {info.name!r} was marked with scheme {info.scheme}, which this "
                    f"watermark does not read (it reads scheme {', '.join(map(str, sorted(SCHEMES_READ)))}); "
                    "upgrade watermark")
        return infos

    @_database_errors
    def release(self, name: str) -> ReleaseInfo:
        for info in self.releases():
            if info.name == name:
                return info
        raise RegistryError(f"{self.path}: no release named {name!r}")

    @_database_errors
    def files(self, name: str) -> list[RegisteredFile]:
        rows = self._db.execute(
            "SELECT f.path, f.kind, f.size, f.language, f.status, f.reason, f.carriers, f.sha256 "
            "FROM files f JOIN releases r ON r.id = f.release_id WHERE r.name = ? ORDER BY f.path", (name,))
        return [RegisteredFile(p, k, size, lang, ReleaseFileStatus(status), reason, n, sha)
                for p, k, size, lang, status, reason, n, sha in rows]

    @_database_errors
    def recipients(self, release: str | None = None, key_id: str | None = None) -> list[str]:
        """Recipients of one release, or of every release made with a key."""
        if release is not None:
            rows = self._db.execute("SELECT DISTINCT c.name FROM recipients c JOIN releases r ON r.id = c.release_id "
                                    "WHERE r.name = ? ORDER BY c.name", (release,))
        else:
            rows = self._db.execute("SELECT DISTINCT c.name FROM recipients c JOIN releases r ON r.id = c.release_id "
                                    "WHERE r.key_id = ? ORDER BY c.name", (key_id,))
        return [r[0] for r in rows]

    @_database_errors
    def copies(self, release: str) -> list[IssuedCopy]:
        rows = self._db.execute("SELECT c.recipient, c.created, c.digest, c.output FROM copies c "
                                "JOIN releases r ON r.id = c.release_id WHERE r.name = ? ORDER BY c.id", (release,))
        return [IssuedCopy(*row) for row in rows]

    @_database_errors
    def layouts(self, release: str) -> list[CarrierLayout]:
        """Every marked file of a release: its carrier identities and the
        release's own layout at them (None for releases recorded before
        registry schema 4)."""
        column = "f.layout" if self._schema >= 4 else "NULL"
        rows = self._db.execute(
            f"SELECT f.path, f.language, f.sha256, f.identities, {column} FROM files f "
            "JOIN releases r ON r.id = f.release_id WHERE r.name = ? AND f.identities IS NOT NULL ORDER BY f.path",
            (release,))
        out = []
        for path, language, sha, blob, layout in rows:
            ids = array("Q")
            ids.frombytes(blob)
            out.append(CarrierLayout(path, language, sha, ids, layout))
        return out

    def carrier_files(self, key_id: str) -> Iterator[CarrierFile]:
        """The carrier identities of every marked file of the releases made
        with a key."""
        try:
            rows = self._db.execute(
                "SELECT r.name, r.code, f.path, f.identities FROM files f JOIN releases r ON r.id = f.release_id "
                "WHERE r.key_id = ? AND f.identities IS NOT NULL", (key_id,))
            for name, code, path, blob in rows:
                ids = array("Q")
                ids.frombytes(blob)
                yield CarrierFile(name, code, path, ids)
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None
