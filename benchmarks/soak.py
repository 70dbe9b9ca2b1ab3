"""Soak: concurrent embeds, add-recipients and traces on one registry.

8 worker processes share one registry for --seconds: 3 embed copies of the
sample release for new recipients, 2 register batches of 100 recipients,
3 embed a copy and then trace it again and again. Every command is the CLI
(`python3 -m watermark`). At the end: `PRAGMA integrity_check`, the
registry's rows against what was issued, and every trace's verdict.

    python3 benchmarks/soak.py [--seconds 180] [--json]
"""
from __future__ import annotations

import json
import multiprocessing
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from watermark import demo

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = demo.SAMPLE
RELEASE = "soak-1.0"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "watermark", *args], capture_output=True, text=True)


def worker(role: str, k: int, work: str, seconds: float, out: multiprocessing.Queue) -> None:
    work_p = Path(work)
    common = ["--key-file", str(work_p / "k.key"), "--registry", str(work_p / "r.db")]
    log = {"role": role, "worker": k, "embeds": [], "added": 0, "traces": 0, "wrong": [], "errors": []}
    end, n = time.monotonic() + seconds, 0
    mine: list[tuple[str, str]] = []
    while time.monotonic() < end:
        n += 1
        if role == "add":
            names = [f"add-{k}-{n}-{j}" for j in range(100)]
            flags = [a for x in names for a in ("--recipient", x)]
            r = _cli("registry", "add-recipients", "--release", RELEASE, *flags, "--registry", str(work_p / "r.db"))
            if r.returncode == 0:
                log["added"] += 100
            else:
                log["errors"].append(r.stderr.strip())
            continue
        if role == "embed" or not mine:
            name, target = f"emb-{k}-{n}", str(work_p / "copies" / f"{k}-{n}")
            r = _cli("embed", str(SAMPLE), "--out", target, "--release", RELEASE, "--recipient", name, "--jobs", "1",
                     *common)
            if r.returncode == 0:
                log["embeds"].append(name)
                mine.append((name, target))
            else:
                log["errors"].append(r.stderr.strip())
            continue
        name, target = mine[n % len(mine)]
        r = _cli("trace", target, "--json", "--jobs", "1", *common)
        log["traces"] += 1
        try:
            accused = [s["recipient"] for s in json.loads(r.stdout)["accused"]]
        except (ValueError, KeyError):
            accused = None
            log["errors"].append(r.stderr.strip())
        if accused != [name]:
            log["wrong"].append((name, accused))
    out.put(log)


def run(args) -> dict:
    import watermark
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        watermark.Key.generate().save(work / "k.key")
        (work / "copies").mkdir()
        r = _cli("embed", str(SAMPLE), "--out", str(work / "copies" / "first"), "--release", RELEASE, "--recipient",
                 "first", "--key-file", str(work / "k.key"), "--registry", str(work / "r.db"))
        assert r.returncode == 0, r.stderr
        queue: multiprocessing.Queue = multiprocessing.Queue()
        roles = ["embed"] * 3 + ["add"] * 2 + ["trace"] * 3
        started = time.perf_counter()
        procs = [multiprocessing.Process(target=worker, args=(role, k, tmp, args.seconds, queue))
                 for k, role in enumerate(roles)]
        for p in procs:
            p.start()
        logs = [queue.get() for _ in procs]
        for p in procs:
            p.join()
        wall = time.perf_counter() - started
        with sqlite3.connect(work / "r.db") as con:
            integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
            recipients = con.execute("SELECT count(*) FROM recipients").fetchone()[0]
            copies = con.execute("SELECT count(*) FROM copies").fetchone()[0]
    embeds = sum(len(log["embeds"]) for log in logs) + 1
    added = sum(log["added"] for log in logs)
    return {
        "seconds": round(wall), "workers": len(procs), "integrity_check": integrity,
        "embeds": embeds, "recipients added": added, "traces": sum(log["traces"] for log in logs),
        "registry recipients": recipients, "expected recipients": embeds + added,
        "registry copies": copies, "expected copies": embeds,
        "wrong traces": [w for log in logs for w in log["wrong"]],
        "errors": [e for log in logs for e in log["errors"]][:20],
    }


def render(report: dict) -> None:
    for k, v in report.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _corpora import main
    main(__doc__, {"seconds": 180}, run, render)
