"""Turning what the caller passed into source bytes, with clear refusals.

The one place that says which bytes are source text watermark processes."""
from __future__ import annotations

from ..errors import SourceError

MAX_SOURCE_BYTES = 16 * 1024 * 1024  # larger files are generated data, not code to mark


def source_problem(data: bytes, *, utf8: bool = True, size: int | None = None) -> str | None:
    """Why `data` (of `size` bytes, when not all of it is given) is not
    source text to process, or None: over the size limit, NUL bytes (binary
    data), or (with `utf8`) not valid UTF-8."""
    size = len(data) if size is None else size
    if size > MAX_SOURCE_BYTES:
        return f"{size} bytes is over the {MAX_SOURCE_BYTES} byte limit for one source file"
    if b"\0" in data:
        return "contains NUL bytes: binary data, not source text"
    if utf8:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"not valid UTF-8 (byte {exc.start})"
    return None


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
    problem = source_problem(data, utf8=False)
    if problem:
        raise SourceError(f"{where}{problem}")
    return data
