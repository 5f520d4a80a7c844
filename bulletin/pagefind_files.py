"""Making Pagefind's index reproducible.

Pagefind 1.5 writes the values of each filter, and the list of filters in its
meta file, in the iteration order of a Rust HashMap, which is seeded at random
on every run: the same content gives different bytes and file names. Archives
must be able to rebuild a publication byte for byte, so we rewrite those two
kinds of file in sorted order, name them by their content as Pagefind does, and
point the entry file at the new meta file. Fragments and word indexes are
already deterministic and are left alone.

The files are gzip-compressed "pagefind_dcd" + CBOR. Only the small subset of
CBOR Pagefind uses is handled; a file that does not re-encode to exactly its
own bytes is refused rather than rewritten wrongly.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from .messages import _

SIGNATURE = b"pagefind_dcd"


class PagefindFormatProblem(Exception):
    """Pagefind wrote something this module does not understand."""


def make_reproducible(index: Path) -> None:
    """Rewrite the filter and meta files of a Pagefind index folder in canonical order."""
    entry_path = index / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language, details in sorted(entry["languages"].items()):
        meta_path = index / f"pagefind.{details['hash']}.pf_meta"
        meta = _read(meta_path)
        filters = meta[3]
        renamed = {}
        for name, file_hash in filters:
            filter_path = index / "filter" / f"{file_hash}.pf_filter"
            filter_name, values = _read(filter_path)
            payload = _encode([filter_name, sorted(values, key=lambda value: value[0])])
            new_hash = f"{language}_{hashlib.sha256(payload).hexdigest()[:7]}"
            filter_path.unlink()
            _write(index / "filter" / f"{new_hash}.pf_filter", payload)
            renamed[name] = new_hash
        meta[3] = [[name, renamed[name]] for name in sorted(renamed)]
        payload = _encode(meta)
        meta_hash = f"{language}_{hashlib.sha256(payload).hexdigest()[:10]}"
        meta_path.unlink()
        _write(index / f"pagefind.{meta_hash}.pf_meta", payload)
        details["hash"] = meta_hash
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _read(path: Path):
    raw = gzip.decompress(path.read_bytes())
    if not raw.startswith(SIGNATURE):
        raise PagefindFormatProblem(_("{file}: not a Pagefind data file", file=path.name))
    value, end = _decode(raw, len(SIGNATURE))
    if end != len(raw) or _encode(value) != raw:
        raise PagefindFormatProblem(_("{file}: unexpected Pagefind data format", file=path.name))
    return value


def _write(path: Path, payload: bytes) -> None:
    path.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))


def _decode(data: bytes, at: int):
    major, info = data[at] >> 5, data[at] & 0x1F
    at += 1
    if info < 24:
        argument = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        argument = int.from_bytes(data[at:at + size], "big")
        at += size
    else:
        raise PagefindFormatProblem(_("unsupported CBOR item (major {major}, info {info})", major=major, info=info))
    if major == 0:
        return argument, at
    if major == 3:
        return data[at:at + argument].decode("utf-8"), at + argument
    if major == 4:
        items = []
        for _position in range(argument):  # not `_`: that name is the translation function
            item, at = _decode(data, at)
            items.append(item)
        return items, at
    raise PagefindFormatProblem(_("unsupported CBOR major type {major}", major=major))


def _head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise PagefindFormatProblem(_("number too large"))


def _encode(value, top: bool = True) -> bytes:
    prefix = SIGNATURE if top else b""
    if isinstance(value, bool) or value is None:
        raise PagefindFormatProblem(_("unsupported value"))
    if isinstance(value, int):
        return prefix + _head(0, value)
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        return prefix + _head(3, len(encoded)) + encoded
    return prefix + _head(4, len(value)) + b"".join(_encode(item, top=False) for item in value)
