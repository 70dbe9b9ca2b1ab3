"""Exceptions raised by watermark. All derive from WatermarkError."""
from __future__ import annotations


class WatermarkError(Exception):
    """Base class of every error watermark raises on purpose."""


class UnsupportedLanguageError(WatermarkError, ValueError):
    """The language (or the file extension) is not one watermark handles."""


class SourceError(WatermarkError, ValueError):
    """The input is not source text watermark can process (too large, binary...)."""


class NativeBuildError(WatermarkError, ImportError):
    """The compiled C core is missing, stale, or does not match the Python code."""


class GrammarError(WatermarkError, RuntimeError):
    """A tree-sitter grammar could not be loaded (ABI or version mismatch)."""


class KeyFileError(WatermarkError, ValueError):
    """A key could not be created, read or written (never shows the key)."""


class ArgumentError(WatermarkError, ValueError):
    """An argument the library cannot use (a level outside (0, 1), an
    unknown code, a density outside (0, 1], no worker)."""
