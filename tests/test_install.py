"""What users install: the sdist of this tree, and the wheel built from it,
hold every module and data file of the package (an editable install reads
the source folder and cannot show one left out). scripts/check-install, run
by CI, goes further: a fresh venv, used from outside the source."""
from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def package_files() -> list[str]:
    """Every file of the package in this tree that git would commit."""
    got = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "watermark"], cwd=ROOT,
                         capture_output=True, text=True)
    if got.returncode != 0:
        pytest.skip("not a git checkout")
    return sorted(line for line in got.stdout.splitlines() if line and (ROOT / line).is_file())


def test_the_wheel_built_from_the_sdist_holds_every_module_and_data_file(tmp_path):
    pytest.importorskip("build")
    r = subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)], capture_output=True,
                       text=True)  # the sdist, then the wheel built from it
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (sdist,) = tmp_path.glob("*.tar.gz")
    (wheel,) = tmp_path.glob("*.whl")
    mine = package_files()
    assert "watermark/demo/sample/inventory/inventory.go" in mine and "watermark/diff/tree.py" in mine
    with zipfile.ZipFile(wheel) as zf:
        in_wheel = set(zf.namelist())
    missing = [f for f in mine if f not in in_wheel]
    assert not missing, f"left out of the wheel: {missing}"
    assert any(n.startswith("watermark/backend/_native") and n.endswith((".so", ".pyd")) for n in in_wheel)
    with tarfile.open(sdist) as tf:
        top = tf.getnames()[0].split("/")[0]
        in_sdist = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    needed = mine + ["setup.py", "pyproject.toml", "csrc/watermark.h", "csrc/build_ffi.py",
                     "csrc/vendor/tree-sitter/src/lib.c"]
    missing = [f for f in needed if f not in in_sdist]
    assert not missing, f"left out of the sdist {top}: {missing}"
