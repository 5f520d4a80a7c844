"""Two small things every step needs: SHA-256 of data or of a file, and a file written whole or not at all."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks (hashlib releases the GIL on large files)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def digest(*parts: str | bytes) -> str:
    """SHA-256 of several values, each length-prefixed so that no two lists collide."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


def write_whole(path: Path, chunks: Iterable[bytes], durable: bool = False) -> None:
    """Write the file under a temporary name beside it, then put it in place with one rename:
    a reader never sees it half-written, and a failure leaves the old file. `durable`: on disk
    before the rename (a journal must survive a power cut). The temporary name is this
    process's, so two processes writing the same file never share it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
