"""Fuzzing the readers and the CLI with random and mutated trees (issue 11).

Archives (tar, tar.gz, tar.xz, tar.bz2, zip) of the sample release are mutated (bytes
flipped, cut short, garbage inserted) or built with hostile members (absolute
names, `..`, links out of the tree, links to links, hard links to nothing,
duplicate names, FIFOs); directories get random names, bytes and links. For
every input, `embed` and `trace` through the CLI (in-process, one job) may
only succeed or print one line and exit 2 (trace: 1 when nobody is
accused): never a traceback, never a file written outside OUT, never the
input changed.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import watermark
from watermark import cli, demo

SAMPLE = demo.SAMPLE
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")


def _sample_members() -> list[tuple[str, bytes]]:
    return [(p.relative_to(SAMPLE).as_posix(), p.read_bytes()) for p in sorted(SAMPLE.rglob("*")) if p.is_file()]


def _tar(members: list[tuple[str, str, bytes | str]], fmt: str) -> bytes:
    buf = io.BytesIO()
    mode = {"tar": "w", "tar.gz": "w:gz", "tar.xz": "w:xz", "tar.bz2": "w:bz2"}[fmt]
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for kind, name, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                assert isinstance(payload, bytes)
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
            else:
                info.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE,
                             "dir": tarfile.DIRTYPE}[kind]
                info.linkname = payload if isinstance(payload, str) else ""
                tar.addfile(info)
    return buf.getvalue()


def _zip(members: list[tuple[str, str, bytes | str]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for kind, name, payload in members:
            if kind == "symlink":
                info = zipfile.ZipInfo(name)
                info.external_attr = (0o120777 << 16)
                zf.writestr(info, str(payload))
            elif kind == "file":
                zf.writestr(name, payload)
            elif kind == "dir":
                zf.writestr(name.rstrip("/") + "/", b"")
    return buf.getvalue()


NAMES = st.sampled_from(["main.go", "a/b.go", "web/x.js", "../escape.go", "/etc/evil.go", "a/../../b.js", "./c.go",
                         "dup.go", "link/x.go", "C:\\win.js", "a//b//c.js", "ü/ñ.js", "sp ace.go", "x\nnewline.go"])
PAYLOADS = st.one_of(st.sampled_from([m[1] for m in _sample_members()]), st.binary(max_size=400),
                     st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
MEMBERS = st.lists(st.tuples(st.sampled_from(["file", "file", "file", "symlink", "hardlink", "fifo", "dir"]), NAMES,
                             st.one_of(PAYLOADS, st.sampled_from(["/etc/passwd", "../../x", "link", "dup.go",
                                                                  "main.go", "a"]))),
                   max_size=8)


def _hostile_archive(fmt: str, members: list) -> bytes:
    fixed = [(k, n, p if k == "file" and isinstance(p, bytes) else (p if isinstance(p, str) else "x"))
             if k != "file" else (k, n, p if isinstance(p, bytes) else p.encode()) for k, n, p in members]
    base = [("file", n, d) for n, d in _sample_members()]
    return _zip(base + fixed) if fmt == "zip" else _tar(base + fixed, fmt)


@st.composite
def mutated(draw, fmt: str) -> bytes:
    data = bytearray(_hostile_archive(fmt, []))
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["flip", "cut", "insert"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if how == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif how == "cut":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(data)


ARCHIVES = st.sampled_from(["tar", "tar.gz", "tar.xz", "tar.bz2", "zip"]).flatmap(
    lambda fmt: st.tuples(st.just(fmt), st.one_of(mutated(fmt), MEMBERS.map(lambda m: _hostile_archive(fmt, m)))))


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif p.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = "special"
    return out


def _cli(*args: str, capsys) -> tuple[int, str]:
    capsys.readouterr()
    try:
        rc = cli.main(list(args))
    except SystemExit as exc:  # usage errors
        rc = int(exc.code or 0)
    err = capsys.readouterr().err
    return rc, err


def _check(work: Path, src: Path, capsys) -> None:
    """embed and trace `src`: success, or one line and exit 2; nothing
    written outside OUT; the input untouched."""
    key = work / "k.key"
    before = _snapshot(work)
    rc, err = _cli("embed", str(src), "--out", str(work / "out"), "--release", "r", "--recipient", "acme",
                   "--recipient", "globex", "--key-file", str(key), "--registry", str(work / "r.db"), "--jobs", "1",
                   capsys=capsys)
    assert rc in (0, 2), (rc, err)
    assert "Traceback" not in err
    if rc == 2:
        assert len(err.strip().splitlines()) == 1, err
        assert not (work / "out").exists()
    after = _snapshot(work)
    allowed = {"out", "r.db", "r.db-wal", "r.db-shm", "r.db-journal"}
    for rel in after.keys() - before.keys():
        assert rel.split("/")[0] in allowed, rel  # nothing outside OUT (and the registry)
    for rel, digest in before.items():
        if rel.split("/")[0] not in allowed:
            assert after.get(rel) == digest, rel  # the input is never changed
    if rc == 0 and (work / "r.db").exists():
        rc, err = _cli("trace", str(src), "--key-file", str(key), "--registry", str(work / "r.db"), "--jobs", "1",
                       capsys=capsys)
        assert rc in (0, 1, 2) and "Traceback" not in err, (rc, err)
        if rc == 2:
            assert len(err.strip().splitlines()) == 1, err
    assert _snapshot(work).keys() - after.keys() <= {"r.db-wal", "r.db-shm"}


@pytest.fixture
def workspace(tmp_path_factory):
    def make() -> Path:
        work = tmp_path_factory.mktemp("fuzz")
        watermark.Key(bytes(range(32))).save(work / "k.key")
        return work
    return make


@SETTINGS
@given(ARCHIVES)
def test_random_and_mutated_archives_succeed_or_fail_in_one_line(workspace, capsys, archive):
    fmt, data = archive
    work = workspace()
    src = work / f"release.{fmt}"
    src.write_bytes(data)
    _check(work, src, capsys)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["file", "file", "symlink", "fifo"]),
                          st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"),
                                  min_size=1, max_size=12).filter(lambda s: s not in (".", "..")),
                          PAYLOADS, st.sampled_from(["/etc/passwd", "../outside", "a", "."])),
                min_size=1, max_size=8))
def test_random_directories_succeed_or_fail_in_one_line(workspace, capsys, entries):
    work = workspace()
    src = work / "src"
    shutil.copytree(SAMPLE, src)
    for kind, name, payload, target in entries:
        path = src / "web" / name
        with contextlib.suppress(OSError):  # names the file system refuses
            if path.exists() or path.is_symlink():
                continue
            if kind == "file":
                path.write_bytes(payload)
            elif kind == "symlink":
                os.symlink(target, path)
            else:
                os.mkfifo(path)
    _check(work, src, capsys)
