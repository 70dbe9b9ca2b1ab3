"""The vendor's secret key and the sub-keys derived from it.

Everything secret in watermark flows from one 256-bit key: carrier
identities, which boundaries carry bits, Tardos biases and each recipient's
bits. Sub-keys are keyed BLAKE2b with a per-purpose personalization, so one
purpose's outputs say nothing about another's. The key itself never appears
in a repr, a message, a registry or an output; `Key.id` (a one-way digest)
names it instead.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import NoReturn

from ..errors import ArgumentError, KeyFileError

KEY_BYTES = 32
MIN_KEY_BYTES = 16  # 128 bits
_HEADER = b"watermark-key v1\n"


def check_recipient(recipient: str) -> str:
    """A recipient, as the codes take it: any non-empty string (the workflow
    adds rules for names that become directories: workflow.release)."""
    if not isinstance(recipient, str) or not recipient:
        raise ArgumentError("a recipient is a non-empty string")
    return recipient


class Key:
    """A vendor secret. Create with `Key.generate()` or `Key.load(path)`."""

    __slots__ = ("_secret", "_subkeys")

    def __init__(self, secret: bytes) -> None:
        if not isinstance(secret, (bytes, bytearray)) or not MIN_KEY_BYTES <= len(secret) <= 64:
            raise KeyFileError(f"a key is {MIN_KEY_BYTES} to 64 secret bytes")
        self._secret = bytes(secret)
        self._subkeys: dict[tuple[bytes, bytes], bytes] = {}

    @classmethod
    def generate(cls) -> Key:
        """A fresh random 256-bit key (from the OS's CSPRNG)."""
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Key:
        """Read a key file written by `save` (or `watermark keygen`)."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise KeyFileError(f"cannot read key file {os.fspath(path)!r}: {exc.strerror}") from None
        if not data.startswith(_HEADER):
            raise KeyFileError(f"{os.fspath(path)!r} is not a watermark key file")
        try:
            secret = base64.b64decode(data[len(_HEADER):].strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyFileError(f"{os.fspath(path)!r}: damaged key file") from None
        if not MIN_KEY_BYTES <= len(secret) <= 64:
            raise KeyFileError(f"{os.fspath(path)!r}: damaged key file")
        return cls(secret)

    def save(self, path: str | os.PathLike) -> None:
        """Write the key to a new file readable by its owner only (mode 0600).

        Refuses to overwrite: losing a key makes every copy issued with it
        untraceable."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            raise KeyFileError(f"{os.fspath(path)!r} exists; a key file is never overwritten") from None
        except OSError as exc:
            raise KeyFileError(f"cannot create key file {os.fspath(path)!r}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_HEADER + base64.b64encode(self._secret) + b"\n")
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            os.unlink(path)
            raise KeyFileError(f"cannot write key file {os.fspath(path)!r}: {exc.strerror}") from None

    @property
    def id(self) -> str:
        """A public name for the key (16 hex digits, one-way)."""
        return self.subkey(b"wm-key-id", size=8).hex()

    def subkey(self, purpose: bytes, data: bytes = b"", size: int = 16) -> bytes:
        """Keyed BLAKE2b of `data` under the key, personalized by `purpose`."""
        cached = self._subkeys.get((purpose, data)) if size == 16 else None
        if cached is not None:
            return cached
        out = hashlib.blake2b(data, key=self._secret, person=purpose, digest_size=size).digest()
        if size == 16 and len(self._subkeys) < 4096:
            self._subkeys[(purpose, data)] = out
        return out

    def recipient_key(self, recipient: str) -> bytes:
        """The PRF key of one recipient's bits."""
        return self.subkey(b"wm-recipient", check_recipient(recipient).encode("utf-8"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"Key(id={self.id})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a watermark Key is not picklable: save it with key.save(path)")
