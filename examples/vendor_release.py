"""A vendor build script: mark a release for three customers, then trace a
leaked, reformatted copy back to its customer.

    python examples/vendor_release.py WORKDIR [SOURCE_TREE]

WORKDIR must not exist yet; it receives the key, the registry and the
copies. SOURCE_TREE defaults to the sample release bundled with watermark
(watermark.demo.SAMPLE). gofmt and prettier are run on the "leaked" copy
when they are on PATH. Exits 0 when the right customer, and only that
customer, is accused.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import watermark
from watermark import demo

CUSTOMERS = ["acme-corp", "globex", "initech"]


def reformat(tree: Path) -> None:
    """What a leaker's editor would do: gofmt and prettier everything."""
    if shutil.which("gofmt"):
        subprocess.run(["gofmt", "-w", str(tree)], check=True)
    if shutil.which("prettier"):
        js = [str(p) for p in tree.rglob("*.js")]
        if js:
            subprocess.run(["prettier", "--write", "--log-level", "warn", *js], check=True)


def main(workdir: Path, source: Path) -> int:
    workdir.mkdir(parents=True)
    key = watermark.Key.generate()
    key.save(workdir / "vendor.key")

    with watermark.Registry(workdir / "registry.db") as registry:
        with watermark.Release.analyse(source, key, name="shop-1.0") as release:
            print(release)
            for f in release.unmarked():
                print(f"  left unmarked: {f.path}: {f.reason}")
            copies = release.embed(CUSTOMERS, workdir / "copies", registry=registry)
        for c in copies:
            print(f"  {c.recipient}: {c.output} (+{c.lines_added}/-{c.lines_removed} blank lines)")

        # Months later a copy turns up online, reformatted.
        leak = workdir / "leak"
        shutil.copytree(workdir / "copies" / "globex", leak, symlinks=True)
        reformat(leak)

        report = watermark.trace(leak, watermark.Key.load(workdir / "vendor.key"), registry)
    print(f"release {report.release}: {report.carriers} carriers, {report.recipients_tested} recipients tested")
    for s in report.ranking:
        print(f"  {s.recipient:<10} {s.matches}/{s.carriers}  bound {s.bound:.3g}  "
              f"{'ACCUSED' if s.accused else '-'}")
    return 0 if [s.recipient for s in report.accused] == ["globex"] else 1


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else demo.SAMPLE))
