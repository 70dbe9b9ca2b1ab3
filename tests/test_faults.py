"""Faults during a run: signals and killed processes leave no workers and
nothing half-written, and the next run clears what a killed one left."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import watermark

RECIPIENTS = [f"customer-{i:02d}" for i in range(20)]


def _tree(root: Path, files: int = 400) -> Path:
    """A Go tree big enough that analysis and writing each take a while."""
    body = "".join(f"func f{k}(a, b int) int {{\n\tx := a + {k}\n\ty := b * x\n\tif y > a {{\n\t\treturn y\n\t}}\n"
                   f"\tz := x - y\n\treturn z\n}}\n\n" for k in range(40))
    for i in range(files):
        (root / f"pkg{i % 20}").mkdir(parents=True, exist_ok=True)
        (root / f"pkg{i % 20}" / f"file{i}.go").write_text(f"package pkg{i % 20}\n\n{body}")
    return root


def _processes_with(marker: str) -> list[int]:
    """Live processes whose command line mentions marker (the run's unique output path)."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if marker.encode() in cmdline and state != "Z":
                found.append(int(pid))
    return found


def _staging(out: Path) -> list[Path]:
    """Staging folders and their owner files beside out."""
    return sorted(out.parent.glob(f".{out.name}.wm-*"))


def _start(tmp_path: Path, out: Path) -> subprocess.Popen:
    key = tmp_path / "k.key"
    if not key.exists():
        watermark.Key(bytes(range(32))).save(key)
    args = [sys.executable, "-m", "watermark", "embed", str(tmp_path / "src"), "--out", str(out), "--jobs", "2",
            "--key-file", str(key), "--registry", str(tmp_path / "r.db")]
    for r in RECIPIENTS:
        args += ["--recipient", r]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find processes")


@pytest.mark.parametrize("phase", ["analysis", "writing"])
def test_sigterm_stops_the_workers_leaves_nothing_and_says_so_in_one_line(tmp_path, phase):
    _tree(tmp_path / "src")
    out = tmp_path / f"out-{phase}-{os.getpid()}"
    run = _start(tmp_path, out)
    if phase == "analysis":
        assert _wait_for(lambda: len(_processes_with(str(out))) >= 3)  # the parent and its two workers
    else:
        assert _wait_for(lambda: len(_staging(out)) == 2)  # copies are being written
    run.send_signal(signal.SIGTERM)
    assert run.wait(60) == 128 + signal.SIGTERM
    stderr = run.stderr.read() if run.stderr else ""
    assert stderr.strip().splitlines() == ["watermark: terminated; nothing partial was left behind"]
    assert _wait_for(lambda: not _processes_with(str(out)), 10), _processes_with(str(out))
    assert not out.exists() and not _staging(out)


def test_sigkill_of_the_parent_kills_its_workers(tmp_path):
    _tree(tmp_path / "src")
    out = tmp_path / f"out-kill-workers-{os.getpid()}"
    run = _start(tmp_path, out)
    assert _wait_for(lambda: len(_processes_with(str(out))) >= 3)  # the parent and its two workers, analysing
    workers = [p for p in _processes_with(str(out)) if p != run.pid]
    assert workers
    run.kill()
    run.wait(30)
    assert _wait_for(lambda: not any(p in _processes_with(str(out)) for p in workers), 10), _processes_with(str(out))


def test_the_next_run_clears_the_staging_folder_a_killed_run_left(tmp_path):
    _tree(tmp_path / "src")
    out = tmp_path / f"out-kill-{os.getpid()}"
    run = _start(tmp_path, out)
    assert _wait_for(lambda: len(_staging(out)) == 2)  # the folder and its owner file: copies being written
    run.kill()
    run.wait(30)
    left = _staging(out)
    assert len(left) == 2 and not out.exists()  # SIGKILL cannot be cleaned up after...
    again = _start(tmp_path, out)
    assert again.wait(300) == 0, again.stderr.read() if again.stderr else ""
    assert not _staging(out) and sorted(p.name for p in out.iterdir()) == RECIPIENTS  # ...but the next run does


def test_a_live_runs_staging_is_never_taken_for_a_dead_ones(tmp_path):
    from watermark.io import outputs as trees

    def staging(name: str, token: str | None) -> Path:
        folder = tmp_path / f".out.wm-{name}"
        folder.mkdir()
        if token is not None:
            Path(f"{folder}.owner").write_text(token)
        return folder

    here = trees._machine()
    live = staging("live", trees._owner_token(os.getpid()))
    reused = staging("reused", f"{here} {os.getpid()} 1")  # this pid, another start time: the owner is gone
    elsewhere = staging("elsewhere", f"other-host - - {os.getpid()} 1")  # another machine: never judged
    foreign = staging("foreign", None)  # no owner file: not ours
    assert trees.remove_stale_staging(tmp_path, "out") == [reused]
    assert live.exists() and elsewhere.exists() and foreign.exists() and not reused.exists()
    assert not Path(f"{reused}.owner").exists() and Path(f"{live}.owner").exists()


def test_sigterm_during_unmark_leaves_no_output_and_says_so_in_one_line(tmp_path):
    _tree(tmp_path / "src", files=1200)
    key = tmp_path / "k.key"
    watermark.Key(bytes(range(32))).save(key)
    common = ["--key-file", str(key), "--registry", str(tmp_path / "r.db")]
    native = {k: v for k, v in os.environ.items() if k != "WATERMARK_PURE_PYTHON"}  # (the copy is only the setup)
    subprocess.run([sys.executable, "-m", "watermark", "embed", str(tmp_path / "src"), "--out",
                    str(tmp_path / "copy"), "--recipient", "alice", *common], check=True, stdout=subprocess.DEVNULL,
                   env=native)
    out = tmp_path / f"back-{os.getpid()}"
    run = subprocess.Popen([sys.executable, "-m", "watermark", "unmark", str(tmp_path / "copy"), "--out", str(out),
                            "--release", "src", "--recipient", "alice", *common],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert _wait_for(lambda: len(_staging(out)) == 2)  # the files are being written
    run.send_signal(signal.SIGTERM)
    assert run.wait(60) == 128 + signal.SIGTERM
    stderr = run.stderr.read() if run.stderr else ""
    assert stderr.strip().splitlines() == ["watermark: terminated; nothing partial was left behind"]
    assert not out.exists() and not _staging(out)
    # (and nothing else beside it: the registry's own -wal / -shm files are SQLite's)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("r.db")) == ["copy", "k.key", "src"]
