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
        time.sleep(0.3)
        assert not _staging(out)
    else:
        assert _wait_for(lambda: bool(_staging(out)))  # copies are being written
    run.send_signal(signal.SIGTERM)
    assert run.wait(60) == 128 + signal.SIGTERM
    stderr = run.stderr.read() if run.stderr else ""
    assert stderr.strip().splitlines() == ["watermark: terminated; nothing partial was left behind"]
    assert _wait_for(lambda: not _processes_with(str(out)), 10), _processes_with(str(out))
    assert not out.exists() and not _staging(out)


def test_sigkill_leaves_no_worker_and_the_next_run_clears_the_dead_runs_staging(tmp_path):
    _tree(tmp_path / "src")
    out = tmp_path / f"out-kill-{os.getpid()}"
    run = _start(tmp_path, out)
    assert _wait_for(lambda: bool(_staging(out)))
    run.kill()
    run.wait(30)
    assert _wait_for(lambda: not _processes_with(str(out)), 10), _processes_with(str(out))  # workers die too
    left = _staging(out)
    assert left and not out.exists()  # SIGKILL cannot be cleaned up after...
    again = _start(tmp_path, out)
    assert again.wait(300) == 0, again.stderr.read() if again.stderr else ""
    assert not _staging(out) and sorted(p.name for p in out.iterdir()) == RECIPIENTS  # ...but the next run does


def test_a_live_runs_staging_is_never_taken_for_a_dead_ones(tmp_path):
    from watermark.workflow import trees

    live = tmp_path / ".out.wm-live"
    live.mkdir()
    (live / ".wm-owner").write_text(trees._process_token(os.getpid()) or "")
    dead = tmp_path / ".out.wm-dead"
    dead.mkdir()
    (dead / ".wm-owner").write_text(f"{os.getpid()} 1")  # this pid, another start time: a reused pid
    foreign = tmp_path / ".out.wm-foreign"  # no owner file: not ours, or being created
    foreign.mkdir()
    assert trees.remove_stale_staging(tmp_path, "out") == [dead]
    assert live.exists() and foreign.exists() and not dead.exists()
