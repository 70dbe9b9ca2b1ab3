"""Memory per file: the peak a worker needs to analyse (mark) or read
(trace) one file, against the file's size.

Each measurement runs in a fresh process: peak RSS after the work, minus the
peak of the same process that only imported watermark and read the file.
JavaScript files of 1, 4 and 14 MB are made of real three.js sources
concatenated; Go files are the largest of the standard library, and, for
reading, the bundle leak of benchmarks/attacks.py (over the marking limit,
read in pieces).

    python3 benchmarks/bench_memory.py [--json]
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _corpora import main

_PROBE = """
import resource, sys
from watermark.io.pool import FileJob
from watermark.workflow.release import analyse_file
from watermark.core import reading
path, language, what = sys.argv[1:4]
data = open(path, "rb").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if what == "analyse":
    got = analyse_file(FileJob(path, language, data))
    assert got.status == "marked", (got.status, got.reason)
elif what == "read":
    got = reading.read(data, language, path)
    assert not isinstance(got, str), got
print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure(path: Path, language: str, what: str) -> dict:
    r = subprocess.run([sys.executable, "-c", _PROBE, str(path), language, what], capture_output=True, text=True,
                       check=True)
    base, peak = map(int, r.stdout.split())
    size = path.stat().st_size
    extra = (peak - base) * 1024
    return {"file": path.name, "language": language, "work": what, "bytes": size,
            "peak_mb": round(peak / 1024), "extra_mb": round(extra / 2**20), "times_size": round(extra / size, 1)}


def run(_args) -> dict:
    js_root = Path(os.environ["JS_CORPUS"]) / "three" / "src"
    go_root = Path(os.environ["GO_STDLIB_SRC"])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sources = sorted(js_root.rglob("*.js"))
        for mb in (1, 4, 14):
            out, parts, total = Path(tmp) / f"three-{mb}MB.js", [], 0
            while total < mb * 2**20:
                for p in sources:
                    parts.append(p.read_bytes())
                    total += len(parts[-1])
                    if total >= mb * 2**20:
                        break
            out.write_bytes(b"\n".join(parts))
            rows += [measure(out, "javascript", "analyse"), measure(out, "javascript", "read")]
        go = sorted((p for p in go_root.rglob("*.go") if "testdata" not in p.parts), key=lambda p: p.stat().st_size)
        for p in go[-3:]:
            rows += [measure(p, "go", "analyse"), measure(p, "go", "read")]
        bundle = Path(tmp) / "bundle-40MB.js"
        bundle.write_bytes((Path(tmp) / "three-14MB.js").read_bytes() * 3)
        rows.append(measure(bundle, "javascript", "read"))
    return {"rows": rows}


def render(report: dict) -> None:
    print("| file | language | work | size | peak RSS | above the import | × file size |")
    print("|---|---|---|---:|---:|---:|---:|")
    for r in report["rows"]:
        print(f"| {r['file']} | {r['language']} | {r['work']} | {r['bytes'] / 2**20:.1f} MB | {r['peak_mb']} MB | "
              f"{r['extra_mb']} MB | {r['times_size']} |")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main(__doc__, {}, run, render)
