"""cffi build script (API mode): compiles the C core into watermark.backend._native.

The cdef is the CDEF-BEGIN..CDEF-END part of csrc/watermark.h, so the
header stays the single statement of the C contract. The vendored
tree-sitter runtime is linked in as a static library built by setup.py.
"""
from __future__ import annotations

import os
import pathlib
import sys

from cffi import FFI

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import gen_contract  # noqa: E402
from sources import SOURCES, source_digest  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
TS_INCLUDE = HERE / "vendor" / "tree-sitter" / "include"
TS_SRC = HERE / "vendor" / "tree-sitter" / "src"  # internal headers: wm_fingerprint.c walks subtrees


def _cdef() -> str:
    text = (HERE / "watermark.h").read_text()
    return text.split("/* CDEF-BEGIN */", 1)[1].split("/* CDEF-END */", 1)[0]


def _check_contract() -> None:
    """Refuse to build against a stale watermark/backend/contract.py (the
    Python side's copy of the header's constants and record layouts)."""
    module = ROOT / "watermark" / "backend" / "contract.py"
    if module.is_file() and module.read_text() != gen_contract.generate((HERE / "watermark.h").read_text()):
        raise SystemExit(f"{module} is out of date with csrc/watermark.h: run python3 csrc/gen_contract.py")


def _rel(path: pathlib.Path) -> str:
    # setuptools wants paths relative to setup.py's directory
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# the flags every C file is compiled with; WATERMARK_STRICT_C=1 (CI) makes
# every warning an error
WARNINGS = ["-Wall", "-Wextra", "-Wshadow"]
if os.environ.get("WATERMARK_STRICT_C", "") not in ("", "0"):
    WARNINGS.append("-Werror")

_check_contract()
ffibuilder = FFI()
# the respelling callback (wm_respell_fn) as a C function the module defines
# and Python fills in (native.py): no executable memory at run time, which
# hardened platforms refuse to ffi.callback
ffibuilder.cdef(_cdef() + 'extern "Python" int wm_py_respell(void *, const wm_probe *, size_t, const char **, '
                          'wm_probe **, size_t *);\n')
ffibuilder.set_source(
    "watermark.backend._native",
    '#include "watermark.h"\n'
    f'const char *wm_build_digest(void) {{ return "{source_digest()}"; }}\n',
    sources=[_rel(HERE / s) for s in SOURCES],
    include_dirs=[_rel(HERE), _rel(TS_INCLUDE), _rel(TS_SRC)],
    extra_compile_args=(
        []
        if sys.platform == "win32"
        else ["-O3", "-std=c11", "-fvisibility=hidden", *WARNINGS]
    ),
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
