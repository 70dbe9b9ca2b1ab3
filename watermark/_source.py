"""Turning what the caller passed into source bytes, with clear refusals."""
from __future__ import annotations

MAX_SOURCE_BYTES = 16 * 1024 * 1024  # larger files are generated data, not code to mark

from .errors import SourceError


def as_bytes(source: bytes | bytearray | memoryview | str, path: str | None = None) -> bytes:
    """The UTF-8 bytes of `source`; refuses binary and oversized input."""
    where = f"{path}: " if path else ""
    if isinstance(source, str):
        try:
            data = source.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise SourceError(f"{where}text has unpaired surrogates ({exc.reason}); pass bytes instead") from None
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        raise TypeError(f"source must be bytes or str, not {type(source).__name__}")
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(
            f"{where}{len(data)} bytes is over the {MAX_SOURCE_BYTES} byte limit for one source file"
        )
    if b"\0" in data:
        raise SourceError(f"{where}contains NUL bytes: binary data, not source text")
    return data
