"""Memory per file: the peak a worker needs to analyse (mark) or read
(trace) one file, against the file's size.

Each measurement runs in a fresh process (forked by a shell, so that it
does not start with this process's RSS as its peak): peak RSS after the
work, minus the peak of the same process that only imported watermark and
read the file.
JavaScript files of 1, 4 and 14 MB are made of real three.js sources
concatenated; Go files are the largest of the standard library, and, for
reading, the bundle leak of benchmarks/attacks.py (over the marking limit,
read in pieces). TypeScript: files of 1, 4 and 14 MB of the corpus's
error-free .ts sources concatenated, and its 3 largest error-free files
(neither with a file that looks minified: a line over 5,000 bytes);
Python: 1, 4 and 14 MB of Django's sources concatenated, and the 3 largest
error-free files of the standard library. A row says what analysis made of
the file (marked, or why not).

    python3 benchmarks/bench_memory.py [--languages go,javascript,typescript,python] [--json]
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
status = "read"
if what == "analyse":
    got = analyse_file(FileJob(path, language, data))
    status = got.status if got.status == "marked" else f"{got.status}: {got.reason}"
elif what == "read":
    got = reading.read(data, language, path)
    assert not isinstance(got, str), got
print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, status)
"""
SIZES_MB = (1, 4, 14)


def measure(path: Path, language: str, what: str) -> dict:
    # through a shell that forks it: a process exec'd straight from this one would inherit this
    # one's RSS as its peak (Linux keeps ru_maxrss across execve), and read 0 MB above the import
    r = subprocess.run(["sh", "-c", '"$@"; :', "sh", sys.executable, "-c", _PROBE, str(path), language, what],
                       capture_output=True, text=True, check=True)
    base, peak, status = r.stdout.split(maxsplit=2)
    base, peak = int(base), int(peak)
    size = path.stat().st_size
    extra = (peak - base) * 1024
    return {"file": path.name, "language": language, "work": what, "bytes": size,
            "peak_mb": round(peak / 1024), "extra_mb": round(extra / 2**20), "times_size": round(extra / size, 1),
            "status": status.strip()}


def _concatenated(sources: list[Path], out: Path, mb: int) -> Path:
    """Whole source files, in order (and again), up to `mb` MiB, one file."""
    parts, total = [], 0
    while total < mb * 2**20:
        for p in sources:
            parts.append(p.read_bytes())
            total += len(parts[-1])
            if total >= mb * 2**20:
                break
    out.write_bytes(b"\n".join(parts))
    return out


_SELECT = """
import json, sys
import watermark
language, paths = sys.argv[1], json.load(sys.stdin)
generated = watermark.languages.get(language).generated
print(json.dumps([p for p in paths if not generated(data := open(p, "rb").read())
                  and not watermark.fingerprint(data, language=language).has_error]))
"""


def _error_free(paths, language: str) -> list[Path]:
    """The files of `paths` that parse without error and do not look
    generated or minified (which a release copies unmarked). In a process
    of its own: a child inherits this process's peak RSS as its own, so
    this one must stay small."""
    import json

    r = subprocess.run([sys.executable, "-c", _SELECT, language], input=json.dumps([str(p) for p in paths]),
                       capture_output=True, text=True, check=True)
    return [Path(p) for p in json.loads(r.stdout)]


def run(args) -> dict:
    languages = getattr(args, "languages", ["go", "javascript"])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if "javascript" in languages:
            js_root = Path(os.environ["JS_CORPUS"]) / "three" / "src"
            sources = sorted(js_root.rglob("*.js"))
            for mb in SIZES_MB:
                out = _concatenated(sources, Path(tmp) / f"three-{mb}MB.js", mb)
                rows += [measure(out, "javascript", "analyse"), measure(out, "javascript", "read")]
        if "go" in languages:
            go_root = Path(os.environ["GO_STDLIB_SRC"])
            go = sorted((p for p in go_root.rglob("*.go") if "testdata" not in p.parts),
                        key=lambda p: p.stat().st_size)
            for p in go[-3:]:
                rows += [measure(p, "go", "analyse"), measure(p, "go", "read")]
        if "javascript" in languages:
            bundle = Path(tmp) / "bundle-40MB.js"
            bundle.write_bytes((Path(tmp) / "three-14MB.js").read_bytes() * 3)
            rows.append(measure(bundle, "javascript", "read"))
        if "typescript" in languages:
            ts_root = Path(os.environ["TS_CORPUS"])
            ts = _error_free(sorted(p for p in ts_root.rglob("*.ts") if not p.name.endswith(".d.ts")), "typescript")
            for mb in SIZES_MB:
                out = _concatenated(ts, Path(tmp) / f"ts-sources-{mb}MB.ts", mb)
                rows += [measure(out, "typescript", "analyse"), measure(out, "typescript", "read")]
            for p in sorted(ts, key=lambda p: p.stat().st_size)[-3:]:
                rows += [measure(p, "typescript", "analyse"), measure(p, "typescript", "read")]
        if "python" in languages:
            django = sorted((Path(os.environ["PY_CORPUS"]) / "django").rglob("*.py"))
            for mb in SIZES_MB:
                out = _concatenated(django, Path(tmp) / f"django-{mb}MB.py", mb)
                rows += [measure(out, "python", "analyse"), measure(out, "python", "read")]
            py_root = Path(os.environ["PY_STDLIB_SRC"])
            biggest = sorted((p for p in py_root.rglob("*.py") if "site-packages" not in p.relative_to(py_root).parts),
                             key=lambda p: p.stat().st_size)[-12:]
            for p in _error_free(biggest, "python")[-3:]:
                rows += [measure(p, "python", "analyse"), measure(p, "python", "read")]
    return {"rows": rows}


def render(report: dict) -> None:
    print("| file | language | work | size | peak RSS | above the import | × file size | status |")
    print("|---|---|---|---:|---:|---:|---:|---|")
    for r in report["rows"]:
        print(f"| {r['file']} | {r['language']} | {r['work']} | {r['bytes'] / 2**20:.1f} MB | {r['peak_mb']} MB | "
              f"{r['extra_mb']} MB | {r['times_size']} | {r['status']} |")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main(__doc__, {}, run, render, with_languages=True)
