"""Releases of whole trees, the registry and trace (Python API)."""
from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from corpus import corpus_root, tool

import watermark
from watermark import demo
from watermark.io import outputs as _outputs
from watermark.io import select as _select
from watermark.io import sources as _sources
from watermark.io.pool import FileJob, ordered_map

SAMPLE = demo.SAMPLE
KEY = watermark.Key(bytes(range(32)))
OTHER_KEY = watermark.Key(bytes(range(1, 33)))
RECIPIENTS = ["alice", "bob", "carol"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def same_tree(a: bytes, b: bytes, path: str) -> bool:
    fa, fb = watermark.fingerprint(a, path=path), watermark.fingerprint(b, path=path)
    return (fa.syntax_digest, fa.exact) == (fb.syntax_digest, fb.exact)


@pytest.fixture
def tree(tmp_path) -> Path:
    """The sample release plus what vendors' trees also hold."""
    root = tmp_path / "src"
    shutil.copytree(SAMPLE, root)
    (root / "vendor" / "lib").mkdir(parents=True)
    (root / "vendor" / "lib" / "lib.go").write_text("package lib\n\nfunc F() {\n\ta := 1\n\t_ = a\n}\n")
    (root / "web" / "bundle.min.js").write_text("var a=1;" * 10)
    (root / "inventory" / "testdata").mkdir()
    (root / "inventory" / "testdata" / "bad.go").write_text("package x\nfunc {{{\n")
    (root / "broken.go").write_text("package p\n\nfunc f() {\n\tx := \n}\n")
    (root / "tool.sh").write_text("#!/bin/sh\necho hi\n")
    os.chmod(root / "tool.sh", 0o755)
    (root / "logo.bin").write_bytes(bytes(range(256)))
    os.symlink("web/cart.js", root / "cart-link.js")
    os.symlink("/etc/passwd", root / "outside-link")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def test_a_directory_release_marks_code_and_copies_everything_else_byte_identical(tree, tmp_path):
    reg = watermark.Registry(tmp_path / "reg.db")
    with watermark.Release.analyse(tree, KEY, name="r1", jobs=2) as release:
        copies = release.embed(RECIPIENTS, tmp_path / "out", registry=reg)
        status = {f.path: f for f in release.files}
    assert status["inventory/inventory.go"].status == "marked" and status["web/cart.js"].carriers > 20
    assert status["broken.go"].status == "unmarked" and "syntax error at line" in status["broken.go"].reason
    assert status["vendor/lib/lib.go"].status == "copied"  # default excludes
    assert status["inventory/testdata/bad.go"].status == "copied"
    assert status["web/bundle.min.js"].status == "copied"
    assert not any(p.startswith(".git") for p in status)
    outs = [Path(c.output) for c in copies]
    assert [p.name for p in outs] == RECIPIENTS
    for out in outs:
        assert not (out / ".git").exists()
        for rel in ("broken.go", "vendor/lib/lib.go", "web/bundle.min.js", "logo.bin", "tool.sh",
                    "inventory/testdata/bad.go", "go.mod"):
            assert digest(out / rel) == digest(tree / rel), rel
        assert stat.S_IMODE(os.stat(out / "tool.sh").st_mode) == 0o755
        assert os.readlink(out / "cart-link.js") == "web/cart.js"
        assert os.readlink(out / "outside-link") == "/etc/passwd"
        for rel in ("inventory/inventory.go", "inventory/report.go", "web/cart.js", "web/format.js"):
            marked, original = (out / rel).read_bytes(), (tree / rel).read_bytes()
            assert same_tree(marked, original, rel)
    assert len({(o / "web" / "cart.js").read_bytes() for o in outs}) == 3
    assert sorted(reg.recipients(release="r1")) == RECIPIENTS
    assert [c.recipient for c in reg.copies("r1")] == RECIPIENTS


def test_one_more_recipient_gives_the_same_copy_as_marking_it_alone(tree, tmp_path):
    with watermark.Release.analyse(tree, KEY, jobs=1) as release:
        release.embed(["alice", "bob"], tmp_path / "two")
        release.embed("bob", tmp_path / "bob")
    for rel in ("inventory/inventory.go", "web/cart.js"):
        assert (tmp_path / "two" / "bob" / rel).read_bytes() == (tmp_path / "bob" / rel).read_bytes()
        single = watermark.embed((tree / rel).read_bytes(), KEY, "bob", path=rel)
        assert single.source == (tmp_path / "bob" / rel).read_bytes()


def test_a_copys_digest_covers_every_entry_as_written(tree, tmp_path):
    """The registry's digest of a copy: SHA-256 over each entry's path, kind,
    mode and content (or link target), recomputed from the written tree."""
    with watermark.Release.analyse(tree, KEY, jobs=1) as release:
        (copy,) = release.embed("alice", tmp_path / "a")
        expected = hashlib.sha256()
        for f in release.files:
            written = tmp_path / "a" / f.path
            expected.update(f"{f.path}\0{f.kind}\0{f.mode:o}\0".encode())
            if f.kind == "file":
                expected.update(hashlib.sha256(written.read_bytes()).digest())
            else:
                expected.update((os.readlink(written) if f.kind == "symlink" else "").encode())
    assert copy.digest == expected.hexdigest()


def test_parallel_and_single_process_analysis_agree(tree):
    with watermark.Release.analyse(tree, KEY, jobs=1) as one, watermark.Release.analyse(tree, KEY, jobs=2) as two:
        assert one.digest == two.digest
        def rows(release):
            return [(f.path, f.status, f.carriers) for f in release.files]

        assert rows(one) == rows(two)
        assert all(one.identities(a) == two.identities(b) for a, b in zip(one.files, two.files) if a.carriers)


@pytest.mark.parametrize("fmt", ["tar", "tar.gz", "zip"])
def test_archives_in_and_out(tree, tmp_path, fmt):
    (tree / "outside-link").unlink()
    archive = tmp_path / f"src.{fmt}"
    if fmt == "zip":
        with zipfile.ZipFile(archive, "w") as zf:
            for p in sorted(tree.rglob("*")):
                if p.is_file() and not p.is_symlink():
                    zf.write(p, p.relative_to(tree).as_posix())
    else:
        with tarfile.open(archive, "w:gz" if fmt == "tar.gz" else "w") as tf:
            tf.add(tree, arcname=".")
    reg = watermark.Registry(tmp_path / "reg.db")
    with watermark.Release.analyse(archive, KEY, name="arch") as release:
        (copy,) = release.embed("alice", tmp_path / f"alice.{fmt}", registry=reg)
    assert Path(copy.output).is_file()
    report = watermark.trace(tmp_path / f"alice.{fmt}", KEY, reg)
    assert [s.recipient for s in report.accused] == ["alice"]


def test_a_git_revision_is_a_release(tree, tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git not installed") if not os.environ.get("CI") else pytest.fail("git missing in CI")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    shutil.rmtree(tree / ".git")
    subprocess.run(["git", "init", "-q", str(tree)], check=True, env=env)
    subprocess.run(["git", "-C", str(tree), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(tree), "commit", "-qm", "v1"], check=True, env=env)
    (tree / "web" / "cart.js").write_text("// uncommitted edit\n")
    with watermark.Release.analyse(tree, KEY, rev="HEAD") as release:
        release.embed("alice", tmp_path / "out")
    marked = (tmp_path / "out" / "web" / "cart.js").read_bytes()
    assert same_tree(marked, (SAMPLE / "web" / "cart.js").read_bytes(), "cart.js")
    with pytest.raises(watermark.TreeError, match="git archive failed"):
        list(_sources.Source.open(tree, rev="no-such-rev").entries())


def _tar_with(tmp_path, name: str, members) -> Path:
    path = tmp_path / name
    with tarfile.open(path, "w") as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _member(name, data=b"package p\n", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, (data if kind == tarfile.REGTYPE else None)


@pytest.mark.parametrize("members,message", [
    ([_member("../evil.go")], "climbs out"),
    ([_member("/etc/evil.go")], "absolute path"),
    ([_member("link", kind=tarfile.SYMTYPE, link="/etc"), _member("link/passwd")], "below the symlink"),
])
def test_hostile_archives_are_refused_before_anything_is_written(tmp_path, members, message):
    archive = _tar_with(tmp_path, "evil.tar", members)
    with pytest.raises(watermark.TreeError, match=message):
        watermark.Release.analyse(archive, KEY)
    assert not (tmp_path / "etc").exists() and not (tmp_path.parent / "evil.go").exists()


def test_corrupt_archives_get_a_clear_error(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage" * 10)
    with pytest.raises(watermark.TreeError, match="bad.tar.gz"):
        watermark.Release.analyse(bad, KEY)
    badzip = tmp_path / "bad.zip"
    badzip.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(watermark.TreeError, match="zip"):
        watermark.Release.analyse(badzip, KEY)


def test_outputs_are_never_partial_and_never_overwrite(tree, tmp_path, monkeypatch):
    with watermark.Release.analyse(tree, KEY, jobs=1) as release:
        (tmp_path / "full").mkdir()
        (tmp_path / "full" / "x").write_text("keep me")
        with pytest.raises(watermark.TreeError, match="not empty"):
            release.embed("alice", tmp_path / "full")
        with pytest.raises(watermark.TreeError, match="inside the input"):
            release.embed("alice", tree / "marked")
        calls = {"n": 0}
        real_add = _outputs.Output.add

        def failing_add(self, *a, **k):
            calls["n"] += 1
            if calls["n"] == 5:
                raise KeyboardInterrupt
            return real_add(self, *a, **k)

        monkeypatch.setattr(_outputs.Output, "add", failing_add)
        with pytest.raises(KeyboardInterrupt):
            release.embed(["alice", "bob"], tmp_path / "out")
        monkeypatch.setattr(_outputs.Output, "add", real_add)
        assert not (tmp_path / "out").exists()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
        assert (tmp_path / "full" / "x").read_text() == "keep me"
        # the input changed since the analysis: refused, nothing written
        (tree / "web" / "format.js").write_text("// changed\n")
        with pytest.raises(watermark.TreeError, match="changed since the analysis"):
            release.embed("alice", tmp_path / "late")
        assert not (tmp_path / "late").exists()


@pytest.fixture
def real_tree(tree) -> Path:
    """The sample plus real files of a few hundred lines from the corpora."""
    go, js = corpus_root("GO_STDLIB_SRC"), corpus_root("JS_CORPUS")
    (tree / "net").mkdir()
    shutil.copy(go / "net" / "http" / "cookie.go", tree / "net" / "cookie.go")  # 466 lines
    shutil.copy(go / "strings" / "strings.go", tree / "net" / "strings.go")
    shutil.copy(js / "express" / "lib" / "router" / "index.js", tree / "web" / "router.js")  # 673 lines
    return tree


def test_trace_names_the_leaker_of_a_reformatted_copy_and_no_one_else(real_tree, tmp_path):
    tree = real_tree
    reg = watermark.Registry(tmp_path / "reg.db")
    with watermark.Release.analyse(tree, KEY, name="r1") as release:
        release.embed(RECIPIENTS, tmp_path / "out", registry=reg)
    reg.add_recipients("r1", [f"customer-{i}" for i in range(500)])
    leak = tmp_path / "leak"
    shutil.copytree(tmp_path / "out" / "bob", leak, symlinks=True)
    subprocess.run([tool("gofmt"), "-w", *map(str, leak.glob("inventory/*.go")), str(leak / "net")], check=True)
    subprocess.run([tool("prettier"), "--write", "--log-level", "warn", *map(str, leak.rglob("web/*.js"))], check=True)
    report = watermark.trace(leak, KEY, reg)
    assert report.release == "r1" and report.recipients_tested == 503
    assert [s.recipient for s in report.accused] == ["bob"]
    assert report.accused[0].bound <= 1e-9 and report.accused[0].matches == report.carriers
    ev = {f.path: f for f in report.files}
    assert ev["web/cart.js"].matches["bob"] == ev["web/cart.js"].carriers > 0
    # one file of a few hundred lines alone still names bob, among 503
    for rel in ("net/cookie.go", "web/router.js"):
        small = watermark.trace(leak / rel, KEY, reg)
        assert [s.recipient for s in small.accused] == ["bob"], rel
    # its text, language detected
    text = watermark.trace((leak / "net" / "cookie.go").read_bytes(), KEY, reg)
    assert [s.recipient for s in text.accused] == ["bob"]


def test_trace_accuses_every_contributor_of_a_merged_copy(real_tree, tmp_path):
    tree = real_tree
    reg = watermark.Registry(tmp_path / "reg.db")
    with watermark.Release.analyse(tree, KEY, name="r1") as release:
        release.embed(RECIPIENTS, tmp_path / "out", registry=reg)
    merged = tmp_path / "merged"
    shutil.copytree(tmp_path / "out" / "alice", merged, symlinks=True)
    for rel in ("web/cart.js", "web/format.js", "web/router.js", "net/cookie.go"):
        shutil.copy(tmp_path / "out" / "carol" / rel, merged / rel)
    report = watermark.trace(merged, KEY, reg)
    assert sorted(s.recipient for s in report.accused) == ["alice", "carol"]


def test_trace_with_the_wrong_key_or_an_unmarked_tree(tree, tmp_path):
    reg = watermark.Registry(tmp_path / "reg.db")
    with watermark.Release.analyse(tree, KEY, name="r1") as release:
        release.embed("alice", tmp_path / "out", registry=reg)
    with pytest.raises(watermark.RegistryError, match="no release was marked with this key"):
        watermark.trace(tmp_path / "out", OTHER_KEY, reg)
    original = watermark.trace(tree, KEY, reg)  # the vendor's own unmarked tree
    assert original.release == "r1" and not original.accused


def test_registry_is_wal_versioned_keyless_and_refuses_conflicts(tree, tmp_path):
    path = tmp_path / "reg.db"
    reg = watermark.Registry(path)
    with watermark.Release.analyse(tree, KEY, name="r1") as release:
        release.embed("alice", tmp_path / "out", registry=reg)
        assert reg.add_release(release) is False  # same content: already there
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == 4  # schema 4: the layout at the carriers
    (rel,) = reg.releases()
    assert rel.key_id == KEY.id and rel.files > 0 and rel.carriers > 100 and rel.copies == 1
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("reg.db*"))
    import base64
    assert KEY._secret not in blob and base64.b64encode(KEY._secret) not in blob
    with watermark.Release.analyse(tree, OTHER_KEY, name="r1") as other:
        with pytest.raises(watermark.RegistryError, match="marked with key"):
            other.embed("bob", tmp_path / "other", registry=reg)
    (tree / "web" / "format.js").write_text("const x = 1;\n")
    with watermark.Release.analyse(tree, KEY, name="r1") as changed:
        with pytest.raises(watermark.RegistryError, match="other content"):
            changed.embed("bob", tmp_path / "changed", registry=reg)
    assert not (tmp_path / "other").exists() and not (tmp_path / "changed").exists()
    newer = sqlite3.connect(tmp_path / "newer.db")
    newer.execute("PRAGMA user_version = 99")
    newer.commit()
    with pytest.raises(watermark.RegistryError, match="newer"):
        watermark.Registry(tmp_path / "newer.db")


def _add_many(args):
    path, start = args
    reg = watermark.Registry(path)
    for k in range(20):
        reg.add_recipients("r1", [f"w{start}-{k}-{j}" for j in range(50)])
    return True


def test_registry_takes_concurrent_writers(tree, tmp_path):
    path = tmp_path / "reg.db"
    with watermark.Release.analyse(tree, KEY, name="r1") as release:
        watermark.Registry(path).add_release(release)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        assert all(pool.map(_add_many, [(path, i) for i in range(4)]))
    assert len(watermark.Registry(path).recipients(release="r1")) == 4 * 20 * 50


def test_a_full_disk_is_one_clear_error_and_leaves_nothing(tree, tmp_path, monkeypatch):
    import errno

    def full(self, entry, data=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    with watermark.Release.analyse(tree, KEY, jobs=1) as release:
        monkeypatch.setattr(_outputs.DirectoryWriter, "add", full)
        with pytest.raises(watermark.TreeError, match="disk full; nothing was written"):
            release.embed(["alice", "bob"], tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_the_vendor_script_in_examples_accuses_the_right_customer(tmp_path):
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(tool("gofmt")).parent), str(Path(tool("prettier")).parent),
                                                  os.environ.get("PATH", "")])}
    script = Path(__file__).resolve().parent.parent / "examples" / "vendor_release.py"
    r = subprocess.run([sys.executable, str(script), str(tmp_path / "work")], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "globex" in r.stdout and "ACCUSED" in r.stdout


def test_include_and_exclude_globs_choose_what_is_marked(tree):
    sel = _select.Selector(include=["inventory/**", "web/*.js"], exclude=["report.go"])
    assert sel.selects("inventory/inventory.go") and sel.selects("web/cart.js")
    assert not sel.selects("inventory/report.go")  # a pattern without '/' matches any component
    assert not sel.selects("net/cookie.go")  # not included
    assert not sel.selects("inventory/vendor/x.go") and not sel.selects("web/app.min.js")  # defaults
    assert _select.Selector(defaults=False).selects("vendor/x.go")
    with watermark.Release.analyse(tree, KEY, include=["web"], jobs=1) as release:
        marked = {f.path for f in release.files if f.status == "marked"}
    assert marked == {"web/cart.js", "web/format.js"}


def _double(job: FileJob) -> str:
    return job.path * 2


def test_parallel_map_keeps_order_around_passed_through_items_within_its_budgets():
    """Each result comes back with the tag of its job, in order; a None job
    passes its tag through; budgets of 1 job or 15 bytes per worker still
    make progress."""
    items = [(FileJob(str(i), None, b"x" * 10) if i % 3 else None, f"tag{i}") for i in range(40)]
    expected = [(_double(job) if job is not None else None, tag) for job, tag in items]
    assert list(ordered_map(_double, items, 2, per_job=1, max_bytes=15)) == expected
    assert list(ordered_map(_double, items, 2)) == expected
    assert list(ordered_map(_double, items, 1)) == expected


def _pid(job: FileJob) -> int:
    return os.getpid()


def test_one_job_alone_runs_in_the_calling_process_and_more_go_to_workers():
    """A pool for one job would only add its start and a round trip (a
    one-file diff, a one-file trace): it runs here; two or more go to the
    workers."""
    one = [(FileJob("a", None, b"x"), "a")]
    assert list(ordered_map(_pid, one, 4)) == [(os.getpid(), "a")]
    two = [(FileJob(n, None, b"x"), n) for n in "ab"]
    assert all(pid != os.getpid() for pid, _ in ordered_map(_pid, two, 2))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_an_error_while_the_pool_starts_its_workers_leaves_none_behind(monkeypatch, method):
    """A fork that fails after another worker started, before the pool's
    manager thread ran: no shutdown reaches the workers, so they are killed
    (they would wait for work for ever, and the process's exit for them)."""
    import concurrent.futures.process as cfp

    from watermark.io import pool

    monkeypatch.setattr(pool.threading, "active_count", lambda: 1 if method == "fork" else 2)

    spawned: list = []

    def failing(self):
        self._launch_processes()
        spawned.extend(self._processes.values())
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(cfp.ProcessPoolExecutor, "_start_executor_manager_thread", failing)
    jobs = [(FileJob(n, None, b"x"), n) for n in "abcd"]
    try:
        with pytest.raises(BlockingIOError):
            list(ordered_map(_pid, jobs, 2))
        assert len(spawned) == 2
        for process in spawned:
            process.join(10)
            assert not process.is_alive()
    finally:  # (a regression must not leave pytest's own exit waiting for them)
        for process in spawned:
            process.kill()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_signal_while_the_pool_starts_its_workers_is_handled_once_they_started(monkeypatch, method):
    """SIGTERM (the CLI raises on it, as Ctrl-C raises KeyboardInterrupt)
    that comes while `submit` forks the workers and starts the pool's
    manager is held back until it returns: raised in there, it would leave
    workers no shutdown reaches."""
    import concurrent.futures.process as cfp

    from watermark.io import pool

    monkeypatch.setattr(pool.threading, "active_count", lambda: 1 if method == "fork" else 2)

    class Stop(BaseException):
        pass

    def stop(signum, frame):
        raise Stop

    real = cfp.ProcessPoolExecutor._start_executor_manager_thread
    started: list = []

    def start(self):
        os.kill(os.getpid(), signal.SIGTERM)  # (its handler would run right here)
        real(self)
        started.extend(self._processes.values())

    monkeypatch.setattr(cfp.ProcessPoolExecutor, "_start_executor_manager_thread", start)
    previous = signal.signal(signal.SIGTERM, stop)
    jobs = [(FileJob(n, None, b"x"), n) for n in "abcd"]
    try:
        with pytest.raises(Stop):
            list(ordered_map(_pid, jobs, 2))
        assert signal.getsignal(signal.SIGTERM) is stop  # (the handler put back)
        assert started
        for process in started:
            process.join(10)
            assert not process.is_alive()
    finally:
        signal.signal(signal.SIGTERM, previous)
        for process in started:
            process.kill()


@pytest.mark.parametrize("jobs", [0, -3, 1.5, True])
def test_a_number_of_jobs_that_is_not_a_positive_whole_number_is_refused(jobs):
    with pytest.raises(ValueError, match="jobs is a number of worker processes"):
        watermark.Release.analyse(SAMPLE, KEY, jobs=jobs)
    with pytest.raises(ValueError, match="jobs is a number of worker processes"):
        watermark.trace(b"package p\n", KEY, Path("no-such.db"), jobs=jobs)


def test_a_registry_naming_a_code_this_version_does_not_know_is_refused_in_one_line(tmp_path):
    """A registry written by a later version (or damaged) may name a code
    this one does not have: every read of its releases says so in one
    line, and trace never scores with another code."""
    db = tmp_path / "r.db"
    with watermark.Release.analyse(SAMPLE, KEY, name="r1") as release, watermark.Registry(db) as reg:
        release.embed("alice", tmp_path / "alice", registry=reg)
    with sqlite3.connect(db) as con:
        con.execute("UPDATE releases SET code = 'golden-ratio'")
    con.close()
    with watermark.Registry(db) as reg, pytest.raises(watermark.RegistryError, match="upgrade watermark"):
        reg.releases()
    with pytest.raises(watermark.RegistryError, match="'golden-ratio'"):
        watermark.trace(tmp_path / "alice", KEY, db)


def test_release_records_round_trip_through_the_registry(tmp_path):
    """The registry stores what `Release.record()` gives and hands back
    typed records: the files with their statuses, the copies issued."""
    db = tmp_path / "r.db"
    with watermark.Release.analyse(SAMPLE, KEY, name="r1") as release, watermark.Registry(db) as reg:
        record = release.record()
        assert reg.add_release(record) is True and reg.add_release(release) is False
        copies = release.embed(["alice", "bob"], tmp_path / "out", registry=reg)
        files = reg.files("r1")
        assert {f.path for f in files} == {f.path for f in release.files}
        marked = [f for f in files if f.status == watermark.ReleaseFileStatus.MARKED]
        assert len(marked) == release.marked_files and all(f.status == "marked" for f in marked)
        assert [c.recipient for c in reg.copies("r1")] == ["alice", "bob"]
        assert [c.digest for c in reg.copies("r1")] == [c.digest for c in copies]
        assert all(isinstance(f.to_json()["status"], str) for f in files)
