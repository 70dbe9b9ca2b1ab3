"""Copies out: a directory or an archive, written atomically.

Nothing is written until a whole copy is complete: writers build a
temporary sibling of the target and rename it into place, and remove it on
any failure, Ctrl-C included; staging folders a killed process left behind
are recognised by their owner token and removed.
"""
from __future__ import annotations

import abc
import errno
import glob
import io
import os
import shutil
import socket
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from .sources import _CHUNK, _TAR_MODES, ARCHIVE_FORMATS, Entry, Source, TreeError, _Hashing, archive_format


def write_text(path: str | os.PathLike, text: str) -> None:
    """One text file written atomically: a temporary sibling, then a rename
    (a report, a rebased patch)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.wm-tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, target)
    except OSError as exc:
        raise _disk_error(exc, os.fspath(target)) from None
    finally:
        tmp.unlink(missing_ok=True)


def check_target(out: str | os.PathLike, source: Source) -> None:
    """Refuse a non-empty target and a target inside a directory source."""
    out_path = Path(out)
    if out_path.is_symlink() or (out_path.exists() and not out_path.is_dir()):
        raise TreeError(f"{os.fspath(out)}: exists; refusing to overwrite it")
    if out_path.is_dir() and any(out_path.iterdir()):
        raise TreeError(f"{os.fspath(out)}: directory is not empty; refusing to overwrite it")
    if source.root is not None:
        real = os.path.realpath(out_path)
        if real == source.root or real.startswith(source.root.rstrip(os.sep) + os.sep):
            raise TreeError(f"{os.fspath(out)}: lies inside the input tree {source.describe}; choose another place")
    parent = out_path.resolve().parent
    if not parent.is_dir():
        raise TreeError(f"{parent}: no such directory for the output")


class Writer(abc.ABC):
    """Writes one tree (a directory or an archive) into Output's staging
    folder; Output moves the finished trees into place in one rename, or
    removes the staging folder."""

    @abc.abstractmethod
    def add(self, entry: Entry, data: bytes | None = None) -> str | None:
        """Write one entry (`data`: a file's content; for a big entry, None:
        its content is copied from entry.local in chunks, and the SHA-256 of
        what was copied is returned)."""

    @abc.abstractmethod
    def finish(self) -> None:
        """Complete the tree: close an archive, set directory modes."""

    def discard(self) -> None:  # noqa: B027 - a default: a directory tree holds nothing open
        """Release what an unfinished tree holds (its files go with the staging folder)."""


def _copy_from(entry: Entry, out: IO[bytes]) -> str:
    """A big entry's content, copied in chunks; the SHA-256 of what was copied."""
    assert entry.local is not None
    with open(entry.local, "rb") as f:
        hashing = _Hashing(f)
        while chunk := hashing.read(_CHUNK):
            out.write(chunk)
    return hashing.hexdigest()


def _disk_error(exc: OSError, what: str) -> TreeError:
    if exc.errno == errno.ENOSPC:
        return TreeError(f"{what}: disk full; nothing was written")
    return TreeError(f"{what}: {exc.strerror or exc}; nothing was written")


class DirectoryWriter(Writer):
    def __init__(self, target: Path, staging: Path) -> None:
        self.target, self.root = target, staging
        staging.mkdir()
        self._dirs: list[tuple[Path, int, float | None]] = []

    def _place(self, rel: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def add(self, entry: Entry, data: bytes | None = None) -> str | None:
        path = self._place(entry.path)
        copied = None
        if entry.kind == "dir":
            path.mkdir(exist_ok=True)
            self._dirs.append((path, entry.mode, entry.mtime))
        elif entry.kind == "symlink":
            os.symlink(entry.target, path)
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as f:
                if data is None and entry.big:
                    copied = _copy_from(entry, f)
                else:
                    f.write(data or b"")
            os.chmod(path, entry.mode)
            if entry.mtime is not None:
                os.utime(path, (entry.mtime, entry.mtime))
        return copied

    def finish(self) -> None:
        for path, mode, mtime in reversed(self._dirs):  # deepest first: modes may drop write bits
            os.chmod(path, mode | 0o700)
            if mtime is not None:
                os.utime(path, (mtime, mtime))


class _ArchiveWriter(Writer):
    """An archive being written: finished by closing it."""

    _archive: zipfile.ZipFile | tarfile.TarFile

    def finish(self) -> None:
        self._archive.close()

    def discard(self) -> None:
        try:
            self._archive.close()
        except Exception:  # closing a half-written archive during cleanup
            pass


class ZipWriter(_ArchiveWriter):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip = self._archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)

    def add(self, entry: Entry, data: bytes | None = None) -> str | None:
        kind = {"dir": stat.S_IFDIR, "symlink": stat.S_IFLNK}.get(entry.kind, stat.S_IFREG)
        name = entry.path + ("/" if entry.kind == "dir" else "")
        info = zipfile.ZipInfo(name, _zip_time(entry.mtime))
        info.external_attr = ((kind | entry.mode) << 16) | (0x10 if entry.kind == "dir" else 0)
        info.compress_type = zipfile.ZIP_DEFLATED
        if data is None and entry.big:
            info.file_size = entry.size
            with self._zip.open(info, "w", force_zip64=True) as f:
                return _copy_from(entry, f)
        payload = entry.target.encode("utf-8", "surrogateescape") if entry.kind == "symlink" else (data or b"")
        self._zip.writestr(info, payload)
        return None


class TarWriter(_ArchiveWriter):
    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self._tar = self._archive = tarfile.open(path, _TAR_MODES[fmt], format=tarfile.PAX_FORMAT)  # type: ignore[call-overload]

    def add(self, entry: Entry, data: bytes | None = None) -> str | None:
        info = tarfile.TarInfo(entry.path)
        info.mode = entry.mode
        info.mtime = int(entry.mtime or 0)
        if entry.kind == "dir":
            info.type = tarfile.DIRTYPE
            self._tar.addfile(info)
        elif entry.kind == "symlink":
            info.type = tarfile.SYMTYPE
            info.linkname = entry.target
            self._tar.addfile(info)
        elif data is None and entry.big:
            assert entry.local is not None
            with open(entry.local, "rb") as f:
                info.size = os.fstat(f.fileno()).st_size
                hashing = _Hashing(f)
                self._tar.addfile(info, hashing)
            return hashing.hexdigest()
        else:
            payload = data or b""
            info.size = len(payload)
            self._tar.addfile(info, io.BytesIO(payload))
        return None


def archive_writer(path: Path, fmt: str) -> Writer:
    """A writer of one archive of an ARCHIVE_FORMATS format."""
    return ZipWriter(path) if fmt == "zip" else TarWriter(path, fmt)


def _zip_time(mtime: float | None) -> tuple[int, int, int, int, int, int]:
    import time
    t = time.localtime(mtime if mtime and mtime > 315532800 else 315532800)  # zip's epoch is 1980
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


_OWNER_SUFFIX = ".owner"  # beside each staging folder: which process writes it


def _machine() -> str:
    """Host, boot and pid namespace of this process: a token from anywhere
    else (another host on a shared disk, a container) is never judged."""
    def read(path: str, how: Callable[[str], str]) -> str:
        try:
            return how(path).strip().replace(" ", "_") or "-"
        except OSError:
            return "-"
    return " ".join((socket.gethostname().replace(" ", "_") or "-",
                     read("/proc/sys/kernel/random/boot_id", lambda p: Path(p).read_text()),
                     read("/proc/self/ns/pid", os.readlink)))


def _start_time(pid: int) -> str | None:
    """A process's start time (field 22 of /proc/PID/stat), None if unknown."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _owner_token(pid: int) -> str:
    return f"{_machine()} {pid} {_start_time(pid) or '-'}"


def _gone(token: str) -> bool:
    """Whether the process a token names is certainly dead: same host, boot
    and pid namespace, and no process with that pid and start time (a reused
    pid has another). Anything unsure counts as alive."""
    parts = token.split()
    if len(parts) != 5 or " ".join(parts[:3]) != _machine() or not parts[3].isdecimal() or not parts[3].isascii():
        return False
    pid, started = int(parts[3]), parts[4]
    if started != "-":
        return _start_time(pid) != started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def remove_stale_staging(parent: Path, name: str) -> list[Path]:
    """Remove the staging folders (`.NAME.wm-*`) that runs killed before
    they could clean up left beside NAME: those whose owner file names a
    process that is gone. Folders of live runs, of other machines, and
    without an owner file are left alone."""
    removed = []
    for owner in parent.glob(f".{glob.escape(name)}.wm-*{_OWNER_SUFFIX}"):
        try:
            token = owner.read_text()
        except OSError:
            continue
        if not _gone(token):
            continue
        folder = Path(str(owner)[:-len(_OWNER_SUFFIX)])
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            owner.unlink(missing_ok=True)
            removed.append(folder)
    return removed


class Output:
    """The target of one embed call: a directory or an archive path, with
    one tree (`single`) or one tree per recipient (`OUT/<recipient>/`, or
    `OUT/<recipient>.<fmt>` when `fmt` names an archive format)."""

    def __init__(self, target: str | os.PathLike, source: Source, recipients: list[str],
                 fmt: str | None = None) -> None:
        check_target(target, source)
        self.target = Path(target)
        self.single = len(recipients) == 1
        self.fmt = archive_format(self.target) if self.single else fmt
        if fmt is not None and fmt not in ARCHIVE_FORMATS:
            raise TreeError(f"unknown archive format {fmt!r}; use {', '.join(ARCHIVE_FORMATS)}")
        parent = self.target.resolve().parent
        self.removed_stale = remove_stale_staging(parent, self.target.name)
        try:  # the owner file first, so that no staging folder is ever without one
            fd, owner = tempfile.mkstemp(prefix=f".{self.target.name}.wm-", suffix=_OWNER_SUFFIX, dir=parent)
            with os.fdopen(fd, "w") as f:
                f.write(_owner_token(os.getpid()))
            self.owner = Path(owner)
            self.staging = Path(owner[:-len(_OWNER_SUFFIX)])
            self.staging.mkdir()
        except OSError as exc:
            if hasattr(self, "owner"):
                self.owner.unlink(missing_ok=True)
            raise _disk_error(exc, os.fspath(parent)) from None
        self.writers: dict[str, Writer] = {}
        try:
            for r in recipients:
                self.writers[r] = self._writer(r)
        except BaseException:
            self.abort()
            raise

    def _writer(self, recipient: str) -> Writer:
        if self.single:
            if self.fmt:
                return archive_writer(self.staging / ("copy." + self.fmt), self.fmt)
            return DirectoryWriter(self.target, self.staging / "copy")
        if self.fmt:
            return archive_writer(self.staging / f"{recipient}.{self.fmt}", self.fmt)
        return DirectoryWriter(self.target / recipient, self.staging / recipient)

    def add(self, recipient: str, entry: Entry, data: bytes | None = None) -> str | None:
        """Write one entry into a recipient's tree (for a big entry copied in
        chunks: the SHA-256 of what was copied)."""
        try:
            return self.writers[recipient].add(entry, data)
        except OSError as exc:
            raise _disk_error(exc, os.fspath(self.target)) from None

    def commit(self) -> None:
        """Close every tree and move the result into place in one rename."""
        try:
            for w in self.writers.values():
                w.finish()
            made = self.staging / ("copy." + self.fmt if self.fmt else "copy") if self.single else self.staging
            if self.target.is_dir():
                self.target.rmdir()  # empty, checked at the start
            os.replace(made, self.target)
        except OSError as exc:
            self.abort()
            raise _disk_error(exc, os.fspath(self.target)) from None
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)
        self.owner.unlink(missing_ok=True)

    def abort(self) -> None:
        for w in self.writers.values():
            w.discard()
        shutil.rmtree(self.staging, ignore_errors=True)
        self.owner.unlink(missing_ok=True)
