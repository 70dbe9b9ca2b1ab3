"""Source trees in: directories, tar / tar.gz / zip archives, git revisions
and single files, read as one stream of entries.

Entry paths are relative POSIX paths. Archives whose entries are absolute,
climb out with `..`, or sit below a symlink are refused; symlinks are kept
as links and never followed.

Memory stays bounded whatever an archive holds: members up to HOLD_BYTES
are held in memory one at a time, larger ones are streamed to a spool file
on disk and copied from there in chunks; every archive is read within an
entry count, a total size and (past BOMB_FLOOR) a compression ratio, checked
on the bytes actually read, so a decompression bomb is refused in one line
after reading at most its limits.
"""
from __future__ import annotations

import hashlib
import lzma
import os
import posixpath
import re
import shutil
import stat
import subprocess
import tarfile
import tempfile
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..core.source import MAX_SOURCE_BYTES
from ..errors import WatermarkError

HOLD_BYTES = MAX_SOURCE_BYTES  # archive members up to this size are held in memory; larger ones go to disk
MAX_ENTRIES = 500_000  # members of one archive (tarfile keeps a header of each: about 300 MB at the limit)
MAX_TOTAL_BYTES = 64 * 1024 ** 3  # uncompressed content of one archive
MAX_RATIO = 200  # uncompressed / compressed size, once more than BOMB_FLOOR came out
BOMB_FLOOR = 1024 ** 3
_CHUNK = 1024 * 1024


class TreeError(WatermarkError, ValueError):
    """A source tree or an output target that cannot be used as asked."""


@dataclass(frozen=True)
class Entry:
    """One member of a tree; `read()` returns a file's bytes."""

    path: str
    kind: str  # "file", "dir", "symlink", or "special" (FIFO, socket, device: listed, never copied)
    mode: int  # permission bits
    size: int = 0
    target: str = ""  # a symlink's target, as stored
    mtime: float | None = None
    reader: Callable[[], bytes] | None = field(default=None, repr=False)
    local: str | None = None  # a file's path on disk, when it has one

    def read(self) -> bytes:
        if self.reader is None:
            raise TreeError(f"{self.path}: a {self.kind} has no content to read")
        return self.reader()

    @property
    def big(self) -> bool:
        """A file too large to hold in memory: hashed and copied in chunks
        from `local`, never read whole (it is never marked or read either)."""
        return self.kind == "file" and self.local is not None and self.size > HOLD_BYTES

    def sha256(self) -> str:
        """The file's SHA-256, read in chunks."""
        assert self.local is not None
        try:
            return file_sha256(self.local)
        except OSError as exc:
            raise TreeError(f"{self.path}: cannot read ({exc.strerror or exc})") from None


class _Budget:
    """The limits of one archive, on the bytes actually read."""

    def __init__(self, where: str, compressed: int) -> None:
        self.where, self.compressed = where, max(1, compressed)
        self.entries = self.total = 0

    def entry(self) -> None:
        self.entries += 1
        if self.entries > MAX_ENTRIES:
            raise TreeError(f"{self.where}: more than {MAX_ENTRIES:,} entries; refusing the archive")

    def take(self, n: int) -> None:
        self.total += n
        if self.total > MAX_TOTAL_BYTES:
            raise TreeError(f"{self.where}: more than {MAX_TOTAL_BYTES:,} bytes uncompressed; refusing the archive")
        if self.total > BOMB_FLOOR and self.total > MAX_RATIO * self.compressed:
            raise TreeError(f"{self.where}: {self.total:,} bytes out of {self.compressed:,} compressed (over "
                            f"{MAX_RATIO}:1): a decompression bomb; refusing the archive")


class _Spool:
    """Spool files of one reading of an archive: they live until the next
    reading of the same source, its close(), or the end of the process
    (entries handed to workers must outlive the reading that made them)."""

    def __init__(self) -> None:
        self.folder: str | None = None
        self._atexit: weakref.finalize | None = None

    def fresh(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
        if self._atexit is not None:
            self._atexit.detach()
            self._atexit = None

    def file(self) -> IO[bytes]:
        if self.folder is None:
            self.folder = tempfile.mkdtemp(prefix="watermark-spool-")
            self._atexit = weakref.finalize(_SPOOLS, shutil.rmtree, self.folder, True)  # at exit, at the latest
        return tempfile.NamedTemporaryFile(dir=self.folder, delete=False)


class _Spools:
    """The process-wide object spool folders are tied to (removed at exit)."""


_SPOOLS = _Spools()


def _take(stream: IO[bytes], declared: int, path: str, budget: _Budget, spool: _Spool,
          where: str, hold: int | None = None) -> tuple[bytes | None, str | None, int]:
    """Read one member in chunks: (data, None, size) up to `hold` bytes
    (default HOLD_BYTES), else (None, spool file, size) (hold -1: always
    spooled). Refuses a member longer than it declared."""
    hold = HOLD_BYTES if hold is None else hold
    held = bytearray()
    out: IO[bytes] | None = spool.file() if hold < 0 else None
    size = 0
    try:
        while chunk := stream.read(_CHUNK):  # errors reading the archive propagate: a corrupt archive
            size += len(chunk)
            budget.take(len(chunk))
            if size > declared:
                raise TreeError(f"{where}: entry {path!r} holds more than the {declared:,} bytes it declares; "
                                "refusing the archive")
            try:
                if out is None and size > hold:
                    out = spool.file()
                    out.write(held)
                    held = bytearray()
                if out is None:
                    held += chunk
                else:
                    out.write(chunk)
            except OSError as exc:
                raise TreeError(f"{where}: cannot spool entry {path!r} to disk ({exc.strerror or exc})") from None
    finally:
        if out is not None:
            out.close()
    return (None, out.name, size) if out is not None else (bytes(held), None, size)


# archive formats by name suffix, and the tarfile write mode of each tar
_SUFFIXES = {".tar": "tar", ".tar.gz": "tar.gz", ".tgz": "tar.gz", ".tar.xz": "tar.xz", ".txz": "tar.xz",
             ".tar.bz2": "tar.bz2", ".tbz2": "tar.bz2", ".tbz": "tar.bz2", ".zip": "zip"}
_TAR_MODES = {"tar": "w", "tar.gz": "w:gz", "tar.xz": "w:xz", "tar.bz2": "w:bz2"}
ARCHIVE_FORMATS = (*_TAR_MODES, "zip")
ARCHIVE_SUFFIXES = tuple(_SUFFIXES)


def archive_format(path: str | os.PathLike) -> str | None:
    """"tar", "tar.gz", "tar.xz", "tar.bz2" or "zip" by the name's suffix;
    None for anything else."""
    name = os.fspath(path).lower()
    for suffix, fmt in _SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    return None


def safe_path(name: str, where: str) -> str:
    """A member name as a normalized relative path; refuses absolute names,
    `..` and empty names (a tar bomb must not write outside its target)."""
    name = name.replace("\\", "/") if where.endswith(".zip") else name
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise TreeError(f"{where}: entry {name!r} has an absolute path; refusing the archive")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise TreeError(f"{where}: entry {name!r} climbs out of the tree with '..'; refusing the archive")
    if any("\0" in p for p in parts):
        raise TreeError(f"{where}: entry {name!r} contains a NUL byte; refusing the archive")
    return "/".join(parts)


class Source:
    """A tree to read: `Source.open(spec)`; `entries()` streams it in a
    stable order. `describe` names it in reports."""

    describe: str
    root: str | None = None  # a directory source's resolved path

    @staticmethod
    def open(spec: str | os.PathLike, *, rev: str | None = None) -> Source:
        """A directory, an archive, a single file, or (with `rev`) a git
        revision of the repository at `spec`."""
        path = Path(spec)
        if rev is not None:
            return GitSource(path, rev)
        if not path.exists() and not path.is_symlink():
            raise TreeError(f"{os.fspath(spec)}: no such file or directory")
        if path.is_dir():
            return DirectorySource(path)
        fmt = archive_format(path)
        if fmt == "zip":
            return ZipSource(path)
        if fmt is not None:
            return TarSource(path)
        if path.is_file():
            return FileSource(path)
        raise TreeError(f"{os.fspath(spec)}: not a directory, archive or regular file")

    def entries(self) -> Iterator[Entry]:
        raise NotImplementedError

    def close(self) -> None:
        """Remove what reading left on disk (archives' spooled big members:
        entries read from this source are no longer readable)."""
        spool = getattr(self, "_spool", None)
        if spool is not None:
            spool.fresh()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FileSource(Source):
    """One file: a tree with a single entry."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.describe = os.fspath(path)

    def entries(self) -> Iterator[Entry]:
        st = self.path.stat()
        yield Entry(self.path.name, "file", stat.S_IMODE(st.st_mode), st.st_size, mtime=st.st_mtime,
                    reader=_reader(self.path), local=os.fspath(self.path))


def _special(mode: int) -> str:
    """What a file that is neither a regular file, a directory nor a link is."""
    for test, what in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return what
    return "a special file"


def _held(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _reader(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise TreeError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return read


class DirectorySource(Source):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.root = os.path.realpath(path)
        self.describe = os.fspath(path)

    def entries(self) -> Iterator[Entry]:
        def walk(rel: str) -> Iterator[Entry]:
            here = self.path / rel if rel else self.path
            try:
                items = sorted(os.scandir(here), key=lambda e: e.name)
            except OSError as exc:
                raise TreeError(f"{here}: cannot list ({exc.strerror or exc})") from None
            for item in items:
                path = f"{rel}/{item.name}" if rel else item.name
                st = item.stat(follow_symlinks=False)
                mode = stat.S_IMODE(st.st_mode)
                if item.is_symlink():
                    yield Entry(path, "symlink", mode, target=os.readlink(item.path))
                elif item.is_dir(follow_symlinks=False):
                    yield Entry(path, "dir", mode, mtime=st.st_mtime)
                    yield from walk(path)
                elif item.is_file(follow_symlinks=False):
                    yield Entry(path, "file", mode, st.st_size, mtime=st.st_mtime,
                                reader=_reader(Path(item.path)), local=item.path)
                else:  # not part of a source release: listed, never copied
                    yield Entry(path, "special", mode, target=_special(st.st_mode))
        yield from walk("")


class TarSource(Source):
    def __init__(self, path: Path, fileobj: IO[bytes] | None = None, describe: str | None = None,
                 spool: _Spool | None = None) -> None:
        self.path = path
        self.fileobj = fileobj
        self.describe = describe or os.fspath(path)
        self._spool = spool or _Spool()

    def _open(self) -> tarfile.TarFile:
        try:
            if self.fileobj is not None:
                return tarfile.open(fileobj=self.fileobj, mode="r|*")
            return tarfile.open(self.path, mode="r:*")
        except tarfile.ReadError:
            raise TreeError(f"{self.describe}: not a readable tar archive (plain, gzip, bzip2 or xz)") from None
        except (tarfile.TarError, OSError, EOFError) as exc:
            why = " ".join(str(getattr(exc, "strerror", None) or exc).split())  # one line
            raise TreeError(f"{self.describe}: not a readable tar archive ({why})") from None

    def _link_targets(self, budget: _Budget) -> set[str]:
        """The members hard links point to (a first pass over the headers,
        random-access archives only): they are spooled to disk, so each link
        is a copy of a spool file, never a re-read of the archive."""
        targets: set[str] = set()
        if self.fileobj is not None:
            return targets
        with self._open() as tar:
            for member in tar:
                budget.entry()
                if member.islnk():
                    target = _link_target(member.linkname, self.describe)
                    if target:
                        targets.add(target)
        return targets

    def entries(self) -> Iterator[Entry]:
        links: set[str] = set()
        # regular files so far (what a hard link may copy): their spool file,
        # or None for a member held in memory (no link points to it)
        files: dict[str, str | None] = {}
        self._spool.fresh()
        compressed = self.path.stat().st_size if self.fileobj is None else 0
        budget = _Budget(self.describe, compressed or MAX_TOTAL_BYTES)
        try:
            targets = self._link_targets(_Budget(self.describe, compressed or MAX_TOTAL_BYTES))
            with self._open() as tar:
                for member in tar:
                    budget.entry()
                    path = safe_path(member.name, self.describe)
                    if not path:
                        continue
                    _check_not_below_link(path, links, self.describe)
                    mode = member.mode & 0o7777
                    if member.isdir():
                        yield Entry(path, "dir", mode, mtime=member.mtime)
                    elif member.issym():
                        links.add(path)
                        yield Entry(path, "symlink", mode, target=member.linkname)
                    elif member.isfifo() or member.ischr() or member.isblk():
                        what = "a FIFO" if member.isfifo() else "a device"
                        yield Entry(path, "special", mode, target=what)
                    elif member.islnk():  # a copy of an earlier file (or of a link to one)
                        target = _link_target(member.linkname, self.describe)
                        if target not in files:
                            raise TreeError(f"{self.describe}: entry {path!r} is a hard link to "
                                            f"{member.linkname!r}, which is no earlier file of the archive; "
                                            "refusing the archive")
                        local = files[target]
                        if local is None:  # only in a streamed archive, which cannot be read again
                            raise TreeError(f"{self.describe}: entry {path!r} is a hard link in a streamed "
                                            "archive; unpack it and pass the folder")
                        size = os.path.getsize(local)
                        budget.take(size)  # a link is a copy: it counts
                        files[path] = local
                        yield Entry(path, "file", mode, size, mtime=member.mtime, reader=_reader(Path(local)),
                                    local=local)
                    elif member.isfile():
                        f = tar.extractfile(member)
                        if f is None:
                            raise TreeError(f"{self.describe}: entry {member.name!r} cannot be read")
                        data, local, size = _take(f, member.size, member.name, budget, self._spool, self.describe,
                                                  hold=-1 if path in targets else None)
                        files[path] = local
                        yield Entry(path, "file", mode, size, mtime=member.mtime,
                                    reader=_held(data) if data is not None else _reader(Path(local or "")),
                                    local=local)
        except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError) as exc:
            raise TreeError(f"{self.describe}: corrupt tar archive ({' '.join(str(exc).split())})") from None
        except OSError as exc:  # bz2 reports a damaged stream as OSError
            raise TreeError(f"{self.describe}: corrupt or unreadable tar archive ({exc.strerror or exc})") from None


def _link_target(name: str, where: str) -> str | None:
    """A hard link's target as an archive path (None if it leaves the archive)."""
    try:
        return safe_path(name, where)
    except TreeError:
        return None


def _check_not_below_link(path: str, links: set[str], where: str) -> None:
    parent = posixpath.dirname(path)
    while parent:
        if parent in links:
            raise TreeError(f"{where}: entry {path!r} lies below the symlink {parent!r}; refusing the archive")
        parent = posixpath.dirname(parent)


class ZipSource(Source):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.describe = os.fspath(path)
        self._spool = _Spool()

    def entries(self) -> Iterator[Entry]:
        links: set[str] = set()
        self._spool.fresh()
        try:
            with zipfile.ZipFile(self.path) as zf:
                infos = zf.infolist()
                budget = _Budget(self.describe, self.path.stat().st_size)
                declared = _Budget(self.describe, self.path.stat().st_size)  # refuse a bomb before reading it
                for info in infos:
                    declared.entry()
                    declared.take(info.file_size)
                for info in infos:
                    budget.entry()
                    path = safe_path(info.filename, self.describe)
                    if not path:
                        continue
                    _check_not_below_link(path, links, self.describe)
                    unix = info.external_attr >> 16
                    mode = stat.S_IMODE(unix) or (0o755 if info.is_dir() else 0o644)
                    if info.is_dir():
                        yield Entry(path, "dir", mode)
                    elif stat.S_ISLNK(unix):
                        links.add(path)
                        with zf.open(info) as f:
                            target, _local, _size = _take(f, min(info.file_size, 4096), path, budget, self._spool,
                                                          self.describe)
                        yield Entry(path, "symlink", mode, target=(target or b"").decode("utf-8", "surrogateescape"))
                    else:
                        with zf.open(info) as f:
                            data, local, size = _take(f, info.file_size, path, budget, self._spool, self.describe)
                        yield Entry(path, "file", mode, size,
                                    reader=_held(data) if data is not None else _reader(Path(local or "")),
                                    local=local)
        except (zipfile.BadZipFile, zlib.error, EOFError, lzma.LZMAError) as exc:
            raise TreeError(f"{self.describe}: corrupt zip archive ({' '.join(str(exc).split())})") from None
        except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encrypted members
            raise TreeError(f"{self.describe}: cannot read the zip archive ({exc})") from None
        except OSError as exc:
            raise TreeError(f"{self.describe}: cannot read ({exc.strerror or exc})") from None


class GitSource(Source):
    """A revision of a git repository, read through `git archive`."""

    def __init__(self, repo: Path, rev: str) -> None:
        if rev.startswith("-"):
            raise TreeError(f"{rev!r} is not a git revision")
        self.repo, self.rev = repo, rev
        self.describe = f"{os.fspath(repo)}@{rev}"
        self._spool = _Spool()

    def entries(self) -> Iterator[Entry]:
        try:
            proc = subprocess.Popen(["git", "-C", os.fspath(self.repo), "archive", "--format=tar", self.rev, "--"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            raise TreeError(f"cannot run git ({exc.strerror or exc})") from None
        assert proc.stdout is not None and proc.stderr is not None
        try:
            head = proc.stdout.peek(1) if hasattr(proc.stdout, "peek") else b"x"
            if not head:
                proc.wait()
                message = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
                raise TreeError(f"{self.describe}: git archive failed ({message[-1] if message else 'no output'})")
            yield from TarSource(Path(self.describe), proc.stdout, self.describe, self._spool).entries()
        finally:
            proc.stdout.close()
            proc.kill()
            proc.wait()
            proc.stderr.close()


class _Hashing:
    """A file read through, hashed on the way."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f, self.h = f, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        chunk = self.f.read(n)
        self.h.update(chunk)
        return chunk

    def hexdigest(self) -> str:
        return self.h.hexdigest()


def file_sha256(path: str) -> str:
    """A file's SHA-256, read in chunks (OSError if it cannot be read)."""
    with open(path, "rb") as f:
        hashing = _Hashing(f)
        while hashing.read(_CHUNK):
            pass
    return hashing.hexdigest()
