"""`verify`: check an archived bundle against its own manifests, in bounded memory and time.

Nothing is extracted: the zip's directory is checked first (its size, and each member's
name, type, sizes and compression), then each file is hashed as it streams out of the zip
and compared with the bag's SHA-256 manifests.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .messages import _, ngettext, pgettext

CHECKSUM = "sha256"


class ArchiveProblem(Exception):
    """The bundle cannot be made or read; the message says why."""


@dataclass(frozen=True)
class VerifyReport:
    files: int  # payload files listed in the manifest
    altered: tuple[str, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    other: tuple[str, ...]  # problems that are not about one file

    @property
    def ok(self) -> bool:
        return not (self.altered or self.missing or self.extra or self.other)


@dataclass(frozen=True)
class VerifyLimits:
    """What `verify` agrees to read. A province-scale bundle (100,000 projects: about 220,000 files,
    1.5 GB, no file over 100 MB, HTML compressing about tenfold) is far inside every limit; a hostile zip
    meets one before it costs much memory or time. Nothing is ever written out: each member is hashed
    as it streams from the zip."""
    members: int = 500_000
    directory_bytes: int = 64 << 20  # zipfile reads the central directory into memory whole
    member_bytes: int = 512 << 20
    total_bytes: int = 8 << 30
    ratio: int = 200  # unzipped : zipped, for a member of ratio_from bytes or more, and for the whole
    ratio_from: int = 1 << 20
    name_bytes: int = 1024
    segment_bytes: int = 255  # one folder or file name: what file systems accept
    tag_file_bytes: int = 1 << 20  # bagit.txt and bag-info.txt are read whole; manifests line by line
    manifest_line_bytes: int = 4096


LIMITS = VerifyLimits()
MANIFEST = f"manifest-{CHECKSUM}.txt"
TAGMANIFEST = f"tagmanifest-{CHECKSUM}.txt"
_BLOCK = 1 << 20
_MAX_PROBLEMS_SHOWN = 20
_UTF8_NAME = 0x800
_ENCRYPTED = 0x1
_ORDINARY_FLAGS = 0x2 | 0x4 | 0x8 | _UTF8_NAME  # deflate level, sizes after the data, UTF-8 name
_METHODS = {0: "stored", 1: "shrunk", 6: "imploded", 8: "deflated", 9: "deflate64", 12: "bzip2", 14: "lzma",
            93: "zstandard", 95: "xz", 98: "ppmd", 99: "AES-encrypted"}
# zip records, as zipfile reads them
_END = struct.Struct("<4s4H2LH")
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_CENTRAL_ENTRY = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
# Backslashes and drive colons are separators on Windows; control characters (NUL included) are cut
# or refused differently by each unzip tool.
_UNSAFE_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\\\\:]")
_SHA256_HEX = re.compile(r"[0-9A-Fa-f]{64}")
_DOTTED_NUMBERS = re.compile(r"(\d+)\.(\d+)")


class _Damaged(Exception):
    """A member's data cannot be read back as the zip declares it."""


def verify_archive(bundle: Path, limits: VerifyLimits = LIMITS) -> VerifyReport:
    """Check a bundle against its own manifests, naming every altered, missing or extra file.

    Nothing is extracted. The zip's directory is checked first (size, names, types, sizes, compression)
    and the whole zip refused if anything in it is unsafe; then each member is hashed as it streams out,
    never yielding more bytes than its declared size."""
    if not bundle.is_file():
        raise ArchiveProblem(_("{bundle}: not a regular file", bundle=bundle))
    try:
        stream = bundle.open("rb")
    except OSError as error:
        raise ArchiveProblem(_("{bundle}: cannot read it: {reason}", bundle=bundle,
                               reason=error.strerror or error)) from None
    with stream:
        directory_start = _check_directory(bundle, stream, limits)
        try:
            archive = zipfile.ZipFile(stream)
        except UnicodeDecodeError:
            raise ArchiveProblem(_("{bundle}: not a readable zip file (a member's name is marked as UTF-8 "
                                   "but is not)", bundle=bundle)) from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
                struct.error) as error:
            raise ArchiveProblem(_("{bundle}: not a readable zip file ({reason})", bundle=bundle,
                                   reason=error)) from None
        with archive:
            files = _checked_members(bundle, archive, directory_start, limits)
            return _verify_bag(stream, files, limits)


def _check_directory(bundle: Path, stream: BinaryIO, limits: VerifyLimits) -> int:
    """Refuse a central directory over the limits before zipfile reads it into memory; return where it
    starts. It is found the way zipfile finds it, so both see the same one."""
    extent = _directory_extent(stream)
    if extent is None:
        raise ArchiveProblem(_("{bundle}: not a readable zip file (no end of central directory record: not a "
                               "zip, or cut short)", bundle=bundle))
    start, length = extent
    if length > limits.directory_bytes:
        raise ArchiveProblem(_("{bundle}: the zip's central directory is {size} bytes, over the limit of "
                               "{limit}; refusing to read it", bundle=bundle, size=f"{length:,}",
                               limit=f"{limits.directory_bytes:,}"))
    if start < 0:
        raise ArchiveProblem(_("{bundle}: not a readable zip file (its central directory would start before "
                               "the file does)", bundle=bundle))
    stream.seek(start)
    directory = stream.read(length)
    count = offset = 0
    # Counted without keeping anything: zipfile keeps an object per entry, so too many is refused first.
    while offset + _CENTRAL_ENTRY.size <= len(directory) and count <= limits.members:
        entry = _CENTRAL_ENTRY.unpack_from(directory, offset)
        if entry[0] != b"PK\x01\x02":
            break  # zipfile names the damage
        offset += _CENTRAL_ENTRY.size + entry[12] + entry[13] + entry[14]
        count += 1
    if count > limits.members:
        raise ArchiveProblem(_("{bundle}: the zip holds more than {limit} members, over the limit; "
                               "refusing to read it", bundle=bundle, limit=f"{limits.members:,}"))
    return start


def _directory_extent(stream: BinaryIO) -> tuple[int, int] | None:
    """(start, length) of the central directory as the zip's end records declare it, or None."""
    size = stream.seek(0, os.SEEK_END)
    if size < _END.size:
        return None
    stream.seek(size - _END.size)
    record = stream.read(_END.size)
    if record[:4] == b"PK\x05\x06" and record[-2:] == b"\0\0":
        at = size - _END.size
    else:  # an archive comment follows the record (at most 64 KiB)
        base = max(size - (1 << 16) - _END.size, 0)
        stream.seek(base)
        tail = stream.read()
        found = tail.rfind(b"PK\x05\x06")
        if found < 0 or len(tail) - found < _END.size:
            return None
        at, record = base + found, tail[found:found + _END.size]
    length = _END.unpack(record)[5]
    start = at - length
    if at >= _END64_LOCATOR.size + _END64.size:
        stream.seek(at - _END64_LOCATOR.size)
        if stream.read(4) == b"PK\x06\x07":
            stream.seek(at - _END64_LOCATOR.size - _END64.size)
            record64 = stream.read(_END64.size)
            if record64[:4] == b"PK\x06\x06":
                length = _END64.unpack(record64)[8]
                start = at - _END64_LOCATOR.size - _END64.size - length
    return start, length


def _checked_members(bundle: Path, archive: zipfile.ZipFile, directory_start: int,
                     limits: VerifyLimits) -> dict[str, zipfile.ZipInfo]:
    """The bag's files by their path inside the bag folder, once every member is known to be safe to read
    and to unzip on any system; otherwise ArchiveProblem naming the unsafe members."""
    infos = archive.infolist()
    problems = _unsafe_members(infos, directory_start, limits)
    # A hostile zip can have a problem per member: show the first few, count the rest.
    shown = [f"{bundle}: {problem}" for problem in itertools.islice(problems, _MAX_PROBLEMS_SHOWN)]
    hidden = sum(1 for _problem in problems)
    if hidden:
        shown.append(ngettext("{bundle}: ... and {count:,} more unsafe member",
                              "{bundle}: ... and {count:,} more unsafe members", hidden, bundle=bundle))
    tops = {info.orig_filename.split("/")[0] for info in infos}
    if not shown and len(tops) != 1:
        shown.append(_("{bundle}: expected one bag folder in the zip, found {count}", bundle=bundle,
                       count=len(tops)))
    if shown:
        raise ArchiveProblem("\n".join(shown))
    top = tops.pop()
    return {info.orig_filename[len(top) + 1:]: info for info in infos
            if not info.orig_filename.endswith("/") and info.orig_filename.startswith(f"{top}/")}


def _unsafe_members(infos: list[zipfile.ZipInfo], directory_start: int, limits: VerifyLimits):
    """Why members are unsafe to read or to unzip, one message each, judged from the zip's directory."""
    first_by_key: dict[str, str] = {}  # name as Windows and macOS compare names -> name as in the zip
    file_keys: dict[str, str] = {}
    folder_keys: dict[str, str] = {}  # folder -> a member that makes it one
    total = zipped = 0
    for info in infos:
        problem = _member_problem(info, limits)
        if problem:
            yield problem
            continue
        name = info.orig_filename
        key = _name_key(name)
        if key in first_by_key:
            first = first_by_key[key]
            yield (_("refusing a duplicate name in the zip: {name} appears more than once (unzip tools "
                     "disagree on which copy they keep)", name=_shown(name)) if first == name else
                   _("refusing {first} and {name}: the same file on Windows and macOS, whose file names ignore "
                     "case and Unicode form", first=_shown(first), name=_shown(name)))
            continue
        first_by_key[key] = name
        parts = key.rstrip("/").split("/")
        for depth in range(1, len(parts)):
            folder_keys.setdefault("/".join(parts[:depth]), name)
        if name.endswith("/"):
            folder_keys.setdefault(key.rstrip("/"), name)
        else:
            file_keys[key] = name
            total += info.file_size
            zipped += info.compress_size
    for key, name in file_keys.items():
        if key in folder_keys:
            yield _("refusing {name}: the zip has it both as a file and as a folder (for {member})",
                    name=_shown(name), member=_shown(folder_keys[key]))
    if total > limits.total_bytes:
        yield _("the files add up to {size} bytes once unzipped, over the limit of {limit}", size=f"{total:,}",
                limit=f"{limits.total_bytes:,}")
    elif total >= limits.ratio_from and total > limits.ratio * zipped:
        yield _("the files would expand from {zipped} to {size} bytes, over {ratio} times (a zip bomb)",
                zipped=f"{zipped:,}", size=f"{total:,}", ratio=limits.ratio)
    for info in infos:
        if info.header_offset < 0:
            yield _("refusing {name}: its data would start before the zip does", name=_shown(info.orig_filename))
    for here, after in _overlapping(infos, directory_start):
        yield (_("refusing {name}: its data overlaps {member} (a zip bomb trick)", name=_shown(here.orig_filename),
                 member=_shown(after.orig_filename)) if after else
               _("refusing {name}: its data overlaps the zip directory (a zip bomb trick)",
                 name=_shown(here.orig_filename)))


def _member_problem(info: zipfile.ZipInfo, limits: VerifyLimits) -> str:
    """Why this member is unsafe to read or to unzip, judged from the zip's directory alone; '' if it is not."""
    name = info.orig_filename  # zipfile's `filename` is cut at a NUL; the original is what tools see
    shown = _shown(name)
    if not info.flag_bits & _UTF8_NAME and not name.isascii():
        return _("refusing {name}: its name is not marked as UTF-8 (made with a legacy code page?); a "
                 "bundle's names are UTF-8", name=shown)
    if not _is_plain_relative_path(name.removesuffix("/")):
        return _("refusing unsafe path in the zip: {name}", name=shown)
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > limits.name_bytes:
        return _("refusing a name of {size} bytes, over the limit of {limit}: {name}", size=f"{size:,}",
                 limit=f"{limits.name_bytes:,}", name=shown)
    longest = max(len(part.encode("utf-8", "surrogatepass")) for part in name.split("/"))
    if longest > limits.segment_bytes:
        return _("refusing a name with a part of {size} bytes (file systems accept at most {limit}): {name}",
                 size=f"{longest:,}", limit=limits.segment_bytes, name=shown)
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return _("refusing a symbolic link in the zip: {name} (a bundle holds only files)", name=shown)
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return _("refusing a special file (device, pipe or socket) in the zip: {name}", name=shown)
    if kind == stat.S_IFDIR and not name.endswith("/"):
        return _("refusing {name}: marked as a folder but named like a file", name=shown)
    if info.flag_bits & _ENCRYPTED:
        return _("refusing an encrypted member: {name} (a bundle is never encrypted)", name=shown)
    if info.flag_bits & ~(_ENCRYPTED | _ORDINARY_FLAGS):
        return _("refusing {name}: its flags ({flags}) ask for zip features a bundle never uses "
                 "(patched data, strong encryption, an encrypted directory)", name=shown,
                 flags=f"0x{info.flag_bits:04x}")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        method = _METHODS.get(info.compress_type) or pgettext("compression method", "unknown")
        return _("refusing {name}: compression method {number} ({method}) is not supported; a "
                 "bundle uses only 'stored' and 'deflated'", name=shown, number=info.compress_type, method=method)
    if name.endswith("/") and info.file_size:
        return _("refusing {name}: a folder entry with {size} bytes of content", name=shown,
                 size=f"{info.file_size:,}")
    if info.file_size > limits.member_bytes:
        return _("refusing {name}: {size} bytes once unzipped, over the limit of {limit} per file", name=shown,
                 size=f"{info.file_size:,}", limit=f"{limits.member_bytes:,}")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        return _("refusing {name}: stored uncompressed, yet declared as {zipped} bytes in the zip and {size} "
                 "unzipped", name=shown, zipped=f"{info.compress_size:,}", size=f"{info.file_size:,}")
    if info.file_size >= limits.ratio_from and info.file_size > limits.ratio * info.compress_size:
        return _("refusing {name}: it would expand from {zipped} to {size} bytes, over {ratio} times (a zip bomb)",
                 name=shown, zipped=f"{info.compress_size:,}", size=f"{info.file_size:,}", ratio=limits.ratio)
    return ""


def _is_plain_relative_path(path: str) -> bool:
    """a/b/c, naming the same place on every system: no leading '/', no empty, '.' or '..' part, no
    backslash, drive or control character."""
    return not _UNSAFE_CHARACTER.search(path) and all(part not in ("", ".", "..") for part in path.split("/"))


def _name_key(name: str) -> str:
    """The name as Windows and macOS compare file names: ignoring case and Unicode normal form."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _shown(name: str) -> str:
    if len(name) <= 120:
        return repr(name)
    return _("{start}... ({count} characters)", start=repr(name[:100]), count=len(name))


def _overlapping(infos: list[zipfile.ZipInfo], directory_start: int):
    """(member, next member or None for the directory) where a member's data runs into what follows: the
    way one compressed block is made to count many times."""
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for here, after in zip(ordered, [*ordered[1:], None]):
        end = here.header_offset + _LOCAL_HEADER.size + len(_raw_name(here)) + here.compress_size
        if end > (after.header_offset if after else directory_start):
            yield here, after


def _verify_bag(source: BinaryIO, files: dict[str, zipfile.ZipInfo], limits: VerifyLimits) -> VerifyReport:
    """Check the bag's declaration, then every file its manifests list, hashed from the zip; name the
    files that differ, are missing, or are listed nowhere."""
    def invalid(reason: str) -> VerifyReport:
        return VerifyReport(0, (), (), (), (_("not a valid BagIt bag: {reason}", reason=reason),))

    for required in ("bagit.txt", MANIFEST, TAGMANIFEST):
        if required not in files:
            return invalid(_("{file} is missing", file=required))
    try:
        problem = _bagit_txt_problem(_read_tag_file(source, files["bagit.txt"], "bagit.txt", limits))
    except _Damaged as error:
        problem = str(error)
    if problem:
        return invalid(problem)

    other: list[str] = []
    payload = _read_manifest(source, files[MANIFEST], MANIFEST, limits, other)
    tags = _read_manifest(source, files[TAGMANIFEST], TAGMANIFEST, limits, other)
    listed = {**tags, **payload}  # disjoint: payload paths are in data/, tag paths never are
    altered, missing, sizes = [], [], {}
    for path, expected in sorted(listed.items()):
        if path not in files:
            missing.append(path)
            continue
        try:
            digest, sizes[path] = _member_sha256(source, files[path], path)
        except _Damaged as error:
            altered.append(path)
            other.append(_("{problem}; its content cannot be checked", problem=error))
            continue
        if digest != expected:
            altered.append(path)
    extra = sorted(set(files) - set(listed) - {TAGMANIFEST})
    if not (altered or missing or extra or other) and "bag-info.txt" in files:
        try:
            other += _oxum_problems(_read_tag_file(source, files["bag-info.txt"], "bag-info.txt", limits),
                                    [sizes[path] for path in payload])
        except _Damaged as error:
            other.append(str(error))
    return VerifyReport(len(payload), tuple(altered), tuple(missing), tuple(extra), tuple(other))


def _bagit_txt_problem(text: str) -> str:
    """What is wrong with bagit.txt, the bag's declaration (RFC 8493 2.1.1); '' if nothing."""
    if text.startswith("\ufeff"):
        return _("bagit.txt begins with a byte-order mark, which BagIt forbids")
    tags = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    tags = {key.strip(): value.strip() for key, value in tags.items()}
    version = _DOTTED_NUMBERS.fullmatch(tags.get("BagIt-Version", ""))
    if not version:
        return _("bagit.txt does not declare a 'BagIt-Version: MAJOR.MINOR'")
    if not (0, 97) <= (int(version[1]), int(version[2])) < (2, 0):
        return _("bagit.txt declares BagIt version {version}; this checks versions 0.97 to 1.x",
                 version=version[0])
    if tags.get("Tag-File-Character-Encoding", "").upper() not in ("UTF-8", "UTF8"):
        return _("bagit.txt does not declare 'Tag-File-Character-Encoding: UTF-8'")
    return ""


def _read_manifest(source: BinaryIO, info: zipfile.ZipInfo, manifest: str, limits: VerifyLimits,
                   problems: list[str]) -> dict[str, str]:
    """{path: lower-case SHA-256} from a manifest, read line by line; each bad line is a located problem.
    The payload manifest lists files in data/ only, the tag manifest files outside it."""
    entries: dict[str, str] = {}
    line_by_key: dict[str, tuple[int, str]] = {}
    payload = manifest == MANIFEST
    found: list[str] = []
    hidden = 0

    def note(problem: str) -> None:
        # A hostile manifest can have a problem per line: keep the first few, count the rest.
        nonlocal hidden
        if len(found) < _MAX_PROBLEMS_SHOWN:
            found.append(problem)
        else:
            hidden += 1

    try:
        for number, raw in _member_lines(source, info, manifest, limits):
            where = f"{manifest}:{number}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                note(_("{where}: not UTF-8 text", where=where))
                continue
            if not line.strip():
                continue
            fields = line.split(None, 1)
            if len(fields) != 2 or not _SHA256_HEX.fullmatch(fields[0]):
                note(_("{where}: expected a SHA-256 checksum (64 hex digits), spaces and a path, found {text}",
                       where=where, text=repr(line[:120])))
                continue
            path = re.sub("%0A", "\n", re.sub("%0D", "\r", fields[1].strip(), flags=re.I), flags=re.I)
            if not _is_plain_relative_path(path):
                note(_("{where}: unsafe path {path}: a manifest lists files inside the bag, as plain "
                       "relative paths", where=where, path=_shown(path)))
            elif payload != path.startswith("data/"):
                note(_("{where}: {path} is not in the bag's data/ folder; the manifest lists the payload only",
                       where=where, path=_shown(path)) if payload else
                     _("{where}: {path} is in the bag's data/ folder; the tag manifest lists the files outside it "
                       "only", where=where, path=_shown(path)))
            elif path == TAGMANIFEST:
                note(_("{where}: the tag manifest lists itself", where=where))
            elif _name_key(path) in line_by_key:
                first_line, first = line_by_key[_name_key(path)]
                note(_("{where}: {path} is listed again (first on line {line})", where=where, path=_shown(path),
                       line=first_line) if first == path else
                     _("{where}: {path} is the same file as {first} (line {line}) on Windows and macOS",
                       where=where, path=_shown(path), first=_shown(first), line=first_line))
            elif len(entries) >= limits.members:
                note(_("{where}: the manifest lists more than {limit} files, over the limit", where=where,
                       limit=f"{limits.members:,}"))
                break
            else:
                line_by_key[_name_key(path)] = (number, path)
                entries[path] = fields[0].lower()
    except _Damaged as error:
        note(str(error))
    problems += found
    if hidden:
        problems.append(ngettext("{manifest}: ... and {count:,} more problem",
                                 "{manifest}: ... and {count:,} more problems", hidden, manifest=manifest))
    return entries


def _member_lines(source: BinaryIO, info: zipfile.ZipInfo, name: str, limits: VerifyLimits):
    """(line number, bytes) of a member read as it streams, line ends removed; a line over the limit
    stops the reading."""
    pending, number = b"", 0
    for chunk in _member_chunks(source, info, name):
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            number += 1
            yield number, line.removesuffix(b"\r")
        if len(pending) > limits.manifest_line_bytes:
            raise _Damaged(_("{where}: a line longer than {limit} bytes", where=f"{name}:{number + 1}",
                             limit=f"{limits.manifest_line_bytes:,}"))
    if pending:
        yield number + 1, pending.removesuffix(b"\r")


def _read_tag_file(source: BinaryIO, info: zipfile.ZipInfo, name: str, limits: VerifyLimits) -> str:
    if info.file_size > limits.tag_file_bytes:
        raise _Damaged(_("{file} is {size} bytes, over the limit of {limit}", file=name, size=f"{info.file_size:,}",
                         limit=f"{limits.tag_file_bytes:,}"))
    try:
        return b"".join(_member_chunks(source, info, name)).decode("utf-8")
    except UnicodeDecodeError:
        raise _Damaged(_("{file} is not UTF-8 text", file=name)) from None


def _oxum_problems(bag_info: str, payload_sizes: list[int]) -> list[str]:
    """bag-info.txt's Payload-Oxum ('bytes.files' of the payload) against what the zip holds."""
    values = [line.split(":", 1)[1].strip() for line in bag_info.splitlines() if line.startswith("Payload-Oxum:")]
    if not values:
        return []
    oxum = _DOTTED_NUMBERS.fullmatch(values[0])
    if len(values) > 1 or not oxum:
        return [_("bag-info.txt: expected one 'Payload-Oxum: BYTES.FILES', found {values}", values=repr(values))]
    if (int(oxum[1]), int(oxum[2])) != (sum(payload_sizes), len(payload_sizes)):
        return [_("bag-info.txt: Payload-Oxum says {files} files of {size} bytes in all; the bag holds "
                  "{count} files of {total} bytes", files=oxum[2], size=oxum[1], count=len(payload_sizes),
                  total=sum(payload_sizes))]
    return []


def _member_sha256(source: BinaryIO, info: zipfile.ZipInfo, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in _member_chunks(source, info, name):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _member_chunks(source: BinaryIO, info: zipfile.ZipInfo, name: str):
    """The member's bytes, read and inflated here so that nothing the zip declares is taken on trust: the
    local header must agree with the directory, the data must unpack to exactly the declared size (which
    the limits were checked against) and end where the zip says, and the CRC must match. zipfile would
    stop at the declared size, while other unzip tools write out whatever the data holds."""
    def damaged(detail: str) -> _Damaged:
        return _Damaged(_("{name}: the zip member is damaged ({detail})", name=name, detail=detail))

    def read_at(position: int, size: int) -> bytes:
        try:
            source.seek(position)
            return source.read(size)
        except (OSError, ValueError, OverflowError) as error:  # an offset before or far past the file
            raise damaged(_("cannot read at offset {offset}: {reason}", offset=f"{position:,}", reason=error)) from None

    header = read_at(info.header_offset, _LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise damaged(_("no local header where the zip directory points"))
    flags, method, name_length, extra_length = (_LOCAL_HEADER.unpack(header)[i] for i in (2, 3, 9, 10))
    if (read_at(info.header_offset + _LOCAL_HEADER.size, name_length) != _raw_name(info)
            or method != info.compress_type or (flags ^ info.flag_bits) & _ENCRYPTED):
        raise damaged(_("its local header disagrees with the zip directory"))
    position = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    left = info.compress_size
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if method == zipfile.ZIP_DEFLATED else None
    count = crc = 0
    while True:
        if inflater is not None and inflater.unconsumed_tail:
            data = inflater.unconsumed_tail
        elif left:
            data = read_at(position, min(left, _BLOCK))
            if not data:
                raise damaged(_("the file is cut short"))
            position += len(data)
            left -= len(data)
        else:
            data = b""
        if inflater is None:
            chunk = data
        else:
            try:
                chunk = inflater.decompress(data, _BLOCK)
            except zlib.error as error:
                raise damaged(_("bad compressed data: {reason}", reason=error)) from None
            if inflater.eof and (left or inflater.unused_data):
                raise damaged(_("the compressed data ends before the zip says it does"))
        if not data and not chunk:
            break
        count += len(chunk)
        if count > info.file_size:
            raise damaged(_("it unpacks to more than the {size} bytes the zip declares", size=f"{info.file_size:,}"))
        crc = zlib.crc32(chunk, crc)
        if chunk:
            yield chunk
    if inflater is not None and not inflater.eof:
        raise damaged(_("the compressed data is cut short"))
    if count != info.file_size:
        raise damaged(_("{count} bytes, not the {size} the zip declares", count=f"{count:,}",
                        size=f"{info.file_size:,}"))
    if crc != info.CRC:
        raise damaged(_("bad CRC-32"))


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    """The name's bytes as stored in the zip."""
    return info.orig_filename.encode("utf-8" if info.flag_bits & _UTF8_NAME else "cp437")
