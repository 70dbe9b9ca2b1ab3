"""Hostile and oversized input: archives read in bounded memory and within
limits, a full disk, a registry its reader may not write (issue 11)."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import watermark
from watermark import demo
from watermark.io import sources as trees

SAMPLE = demo.SAMPLE
MIB = 1024 * 1024


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "watermark", *args], capture_output=True, text=True, **kwargs)


def peak_rss_mib(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run the CLI and return the peak resident memory of its largest
    process (workers included), in MiB."""
    probe = ("import resource, subprocess, sys\n"
             "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
             "sys.stderr.write(r.stderr); sys.stdout.write(r.stdout)\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
             "sys.exit(r.returncode)")
    r = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "watermark", *args],
                       capture_output=True, text=True)
    *lines, peak = r.stderr.strip().splitlines()
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout, "\n".join(lines)), int(peak) / 1024


def _key(tmp: Path) -> Path:
    key = tmp / "k.key"
    watermark.Key(bytes(range(32))).save(key)
    return key


def _zip_with(path: Path, big: int, name: str = "assets/blob.bin") -> Path:
    """The sample release as a zip, plus an entry of `big` zero bytes
    (it compresses about 1000:1)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(SAMPLE.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(SAMPLE).as_posix())
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as f:
            for _ in range(big // MIB):
                f.write(bytes(MIB))
    return path


def test_a_200_mb_zip_entry_is_copied_in_bounded_memory(tmp_path):
    """It compresses to 200 KB; before, it was read whole (2.1 GB peak)."""
    src = _zip_with(tmp_path / "release.zip", 200 * MIB)
    assert src.stat().st_size < 2 * MIB
    out = tmp_path / "copy.zip"
    r, peak = peak_rss_mib("embed", str(src), "--out", str(out), "--release", "z", "--recipient", "acme",
                           "--key-file", str(_key(tmp_path)), "--registry", str(tmp_path / "r.db"))
    assert r.returncode == 0, r.stderr
    assert peak < 200, peak  # a process of the CLI, never the entry's 200 MiB
    with zipfile.ZipFile(out) as zf, zf.open("assets/blob.bin") as f:
        h, n = hashlib.sha256(), 0
        while chunk := f.read(MIB):
            h.update(chunk)
            n += len(chunk)
    assert (n, h.hexdigest()) == (200 * MIB, hashlib.sha256(bytes(200 * MIB)).hexdigest())
    r, peak = peak_rss_mib("trace", str(out), "--key-file", str(tmp_path / "k.key"), "--registry",
                           str(tmp_path / "r.db"))
    assert r.returncode == 0 and "acme" in r.stdout and peak < 200, (r.stderr, peak)


def test_a_zip_bomb_is_refused_in_one_line_before_it_is_inflated(tmp_path):
    bomb = _zip_with(tmp_path / "bomb.zip", trees.BOMB_FLOOR + 64 * MIB)
    key = _key(tmp_path)
    r = run("embed", str(SAMPLE), "--out", str(tmp_path / "c"), "--release", "s", "--recipient", "acme",
            "--key-file", str(key), "--registry", str(tmp_path / "r.db"))  # a registry for trace
    assert r.returncode == 0, r.stderr
    for args in (["embed", str(bomb), "--out", str(tmp_path / "o"), "--recipient", "a"], ["trace", str(bomb)]):
        r, peak = peak_rss_mib(*args, "--key-file", str(key), "--registry", str(tmp_path / "r.db"))
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "decompression bomb" in r.stderr and "Traceback" not in r.stderr
        assert peak < 200, peak
    assert not (tmp_path / "o").exists()


def test_archive_limits_are_checked_on_the_bytes_read(tmp_path, monkeypatch):
    """Entry count, total size and ratio, for tar.gz (sizes known only while
    streaming) and zip."""
    monkeypatch.setattr(trees, "BOMB_FLOOR", 4 * MIB)
    tgz = tmp_path / "bomb.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        info = tarfile.TarInfo("zeros.bin")
        info.size = 16 * MIB
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    with pytest.raises(watermark.TreeError, match="decompression bomb"):
        list(trees.Source.open(tgz).entries())
    monkeypatch.setattr(trees, "MAX_ENTRIES", 20)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for k in range(21):
            zf.writestr(f"f{k}.txt", "x")
    with pytest.raises(watermark.TreeError, match="more than 20 entries"):
        list(trees.Source.open(many).entries())
    monkeypatch.setattr(trees, "MAX_TOTAL_BYTES", 10)
    with pytest.raises(watermark.TreeError, match="more than 10 bytes uncompressed"):
        list(trees.Source.open(Path(__file__).parent / "golden" / "v0.1.0" / "leak-globex.tar.gz").entries())


def test_big_members_of_a_tar_are_spooled_to_disk_and_copied_intact(tmp_path, monkeypatch):
    monkeypatch.setattr(trees, "HOLD_BYTES", 1024)
    tar_path = tmp_path / "t.tar"
    payload = os.urandom(100_000)
    with tarfile.open(tar_path, "w") as tar:
        for name, data in (("big.bin", payload), ("small.txt", b"hi")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("again.bin")
        link.type, link.linkname = tarfile.LNKTYPE, "big.bin"
        tar.addfile(link)
    with trees.Source.open(tar_path) as source:
        entries = {e.path: e for e in source.entries()}
        assert entries["big.bin"].big and entries["again.bin"].big and not entries["small.txt"].big
        assert entries["big.bin"].sha256() == hashlib.sha256(payload).hexdigest()
        spooled = Path(entries["again.bin"].local or "")
        assert spooled.read_bytes() == payload
    assert not spooled.exists()  # closing the source removes its spool
    with watermark.Release.analyse(tar_path, watermark.Key(bytes(32)), name="t", jobs=1) as rel:
        rel.embed("r", tmp_path / "copy")
    assert (tmp_path / "copy" / "big.bin").read_bytes() == payload == (tmp_path / "copy" / "again.bin").read_bytes()


# --- a full disk -------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs (CI runs as root; the test must not be skipped there)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, text=True)
    if r.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a tmpfs for the full-disk test: {r.stderr.strip()}")
        pytest.skip("needs root to mount a tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_add_recipients_on_a_full_disk_is_one_line_and_adds_nobody(tmp_path, small_disk):
    key = _key(tmp_path)
    db = small_disk / "r.db"
    r = run("embed", str(SAMPLE), "--out", str(tmp_path / "c"), "--release", "s", "--recipient", "acme",
            "--key-file", str(key), "--registry", str(db))
    assert r.returncode == 0, r.stderr
    with open(small_disk / "filler", "wb") as f:  # fill the disk up
        try:
            while True:
                f.write(bytes(64 * 1024))
                f.flush()
        except OSError:
            pass
    names = tmp_path / "names.txt"
    names.write_text("".join(f"customer-{k:06d}-{'x' * 80}\n" for k in range(20_000)))
    r = run("registry", "add-recipients", "--release", "s", "--recipients-file", str(names), "--registry", str(db))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
    assert str(db) in r.stderr
    (small_disk / "filler").unlink()
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM recipients").fetchone()[0] == 1  # nothing half-added


# --- a registry its reader may not write --------------------------------------------

def test_read_commands_work_on_a_read_only_registry(tmp_path):
    """A 0444 file in a 0555 folder, read by a process that file modes bind:
    root without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH (plain root ignores
    modes, and CI runs as root)."""
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed"
    key = _key(tmp_path)
    db = tmp_path / "reg" / "r.db"
    db.parent.mkdir()
    r = run("embed", str(SAMPLE), "--out", str(tmp_path / "copy"), "--release", "s", "--recipient", "acme",
            "--key-file", str(key), "--registry", str(db))
    assert r.returncode == 0, r.stderr
    os.chmod(db, 0o444)
    os.chmod(db.parent, 0o555)
    before = db.read_bytes()
    bound = [setpriv, "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m", "watermark"]
    try:
        probe = subprocess.run([*bound[:2], sys.executable, "-c", f"open({str(db)!r}, 'ab')"], capture_output=True)
        assert probe.returncode != 0, "file modes do not bind the reader: the test would prove nothing"
        for args in (["trace", str(tmp_path / "copy"), "--key-file", str(key)], ["registry", "list"],
                     ["registry", "show", "s"], ["verify", str(tmp_path / "copy"), "--recipient", "acme",
                                                 "--key-file", str(key)]):
            r = subprocess.run([*bound, *args, "--registry", str(db)], capture_output=True, text=True)
            assert r.returncode == 0, (args, r.stderr)
            assert "Traceback" not in r.stderr
            if args[0] in ("trace", "verify"):
                assert "acme" in r.stdout
        r = subprocess.run([*bound, "registry", "add-recipients", "--release", "s", "--recipient", "x",
                            "--registry", str(db)], capture_output=True, text=True)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr
        assert db.read_bytes() == before
        assert sorted(p.name for p in db.parent.iterdir()) == ["r.db"]  # no journal, no -wal / -shm
    finally:
        os.chmod(db.parent, 0o755)


def test_hard_links_count_against_the_archive_limits(tmp_path, monkeypatch):
    """A million links to one member would be a million copies of it."""
    monkeypatch.setattr(trees, "MAX_TOTAL_BYTES", 5_000)
    path = tmp_path / "links.tar"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("one.bin")
        info.size = 1_000
        tar.addfile(info, io.BytesIO(bytes(1_000)))
        for k in range(50):
            link = tarfile.TarInfo(f"copy-{k}.bin")
            link.type, link.linkname = tarfile.LNKTYPE, "one.bin"
            tar.addfile(link)
    with pytest.raises(watermark.TreeError, match="more than 5,000 bytes uncompressed"):
        list(trees.Source.open(path).entries())


def _zip_method(path: Path, method: int) -> None:
    """Rewrite every member's compression method (local and central headers)."""
    data = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = data.find(sig)
        while at >= 0:
            data[at + offset:at + offset + 2] = method.to_bytes(2, "little")
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["xz", "bz2", "zip-method", "zip-encrypted"])
def test_damaged_or_unreadable_archives_of_every_format_are_one_line(tmp_path, damage):
    key = _key(tmp_path)
    if damage in ("xz", "bz2"):
        path = tmp_path / f"r.tar.{damage}"
        with tarfile.open(path, f"w:{damage}") as tar:
            tar.add(SAMPLE, arcname="s")
        data = bytearray(path.read_bytes())
        middle = len(data) // 2
        data[middle:middle + 64] = bytes(64)
        path.write_bytes(bytes(data))
    else:
        path = _zip_with(tmp_path / "r.zip", MIB)
        if damage == "zip-method":
            _zip_method(path, 97)
        else:  # the "encrypted" flag on every member
            data = bytearray(path.read_bytes())
            for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
                at = data.find(sig)
                while at >= 0:
                    data[at + offset] |= 1
                    at = data.find(sig, at + 4)
            path.write_bytes(bytes(data))
    r = run("embed", str(path), "--out", str(tmp_path / "o"), "--recipient", "a", "--key-file", str(key),
            "--registry", str(tmp_path / "r.db"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def _timed(job) -> tuple[float, float]:
    import time
    start = time.monotonic()
    time.sleep(0.3)
    return start, time.monotonic()


def test_the_pool_keeps_a_bounded_amount_of_source_in_flight_whatever_the_cores():
    """Memory follows the source a worker parses (about 35x): with 20 MiB
    files and a 48 MiB budget, at most two run at once on four workers, and
    a file over the budget runs alone."""
    from watermark.io.pool import FileJob, ordered_map
    jobs = [(FileJob(f"f{k}.js", "javascript", size=20 * MIB), k) for k in range(6)]
    spans = [got for got, _tag in ordered_map(_timed, jobs, 4, max_bytes=48 * MIB)]
    assert max(sum(1 for s, e in spans if s <= start < e) for start, _e in spans) == 2, spans
    jobs = [(FileJob(f"f{k}.js", "javascript", size=60 * MIB), k) for k in range(3)]
    spans = [got for got, _tag in ordered_map(_timed, jobs, 4, max_bytes=48 * MIB)]
    assert max(sum(1 for s, e in spans if s <= start < e) for start, _e in spans) == 1, spans
    small = [(FileJob(f"s{k}.js", "javascript", size=1024), k) for k in range(8)]
    spans = [got for got, _tag in ordered_map(_timed, small, 4, max_bytes=48 * MIB)]
    assert max(sum(1 for s, e in spans if s <= start < e) for start, _e in spans) >= 3  # small files: all workers


def test_hard_links_to_links_and_many_links_in_a_tar_gz_are_read_once(tmp_path):
    """Link targets are spooled once: a link is a copy of a spool file,
    never a re-read (a re-read of a compressed archive starts over)."""
    path = tmp_path / "links.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("a.go")
        body = (SAMPLE / "inventory" / "report.go").read_bytes()
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
        for k, target in enumerate(["a.go", "l0.go"] + ["a.go"] * 3000):
            link = tarfile.TarInfo(f"l{k}.go")
            link.type, link.linkname = tarfile.LNKTYPE, target
            tar.addfile(link)
    with trees.Source.open(path) as source:
        files = {e.path: e.read() for e in source.entries()}
    assert len(files) == 3003 and set(files.values()) == {body}  # l1 links to the link l0
