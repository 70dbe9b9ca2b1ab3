"""Build of the C core; metadata lives in pyproject.toml.

Two native pieces: the vendored tree-sitter runtime (csrc/vendor, built as a
static library with its own flags) and watermark.backend._native, the cffi API-mode
extension declared by csrc/build_ffi.py, which links it.
"""
import sys

from setuptools import setup

TS = "csrc/vendor/tree-sitter"
TS_FLAGS = [] if sys.platform == "win32" else ["-O3", "-std=c11", "-fPIC", "-fvisibility=hidden", "-w"]

setup(
    libraries=[
        (
            "wm_tree_sitter",
            {
                "sources": [f"{TS}/src/lib.c"],
                "include_dirs": [f"{TS}/include", f"{TS}/src"],
                "cflags": TS_FLAGS,
                "macros": [("_DEFAULT_SOURCE", None), ("_BSD_SOURCE", None)],
            },
        )
    ],
    cffi_modules=["csrc/build_ffi.py:ffibuilder"],
)
