"""Hostile bundles given to `python build.py verify`: each is refused with a clear message and exit 1, never a
traceback, in bounded time, and nothing is written anywhere (verify hashes members as they stream from the
zip; it never extracts).

The zips are written byte by byte here (`raw_zip`), so a test can make what zipfile would refuse to write:
duplicate names, NUL or non-UTF-8 names, lying sizes, symbolic links, encryption flags, odd compression.
The members start as those of a real bundle (the minimal site, r1 published, archived by the CLI).
"""

from __future__ import annotations

import hashlib
import stat
import struct
import time
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from conftest import MINIMAL_SITE, run_cli, write_site

# --- writing zips by hand ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    name: str | bytes  # bytes: written as given, without the UTF-8 flag
    data: bytes = b""
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0
    mode: int = stat.S_IFREG | 0o644
    stored: bytes | None = None  # the bytes as stored in the zip (default: data, compressed by method)
    declared_size: int | None = None  # the unzipped size the zip declares (default: len(data))
    crc: int | None = None
    same_offset_as: int | None = None  # index of an earlier member whose local record this entry reuses


def deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def raw_zip(members: list[Member], comment: bytes = b"") -> bytes:
    out, central, offsets = bytearray(), bytearray(), []
    for member in members:
        name = member.name.encode("utf-8") if isinstance(member.name, str) else member.name
        flags = member.flags | (0x800 if isinstance(member.name, str) and not member.name.isascii() else 0)
        if member.stored is not None:
            stored = member.stored
        else:
            stored = deflate(member.data) if member.method == zipfile.ZIP_DEFLATED else member.data
        crc = zlib.crc32(member.data) if member.crc is None else member.crc
        size = len(member.data) if member.declared_size is None else member.declared_size
        if member.same_offset_as is None:
            offset = len(out)
            out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, member.method, 0, 0x5221, crc, len(stored),
                               size, len(name), 0) + name + stored
        else:
            offset = offsets[member.same_offset_as]
        offsets.append(offset)
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", (3 << 8) | 20, 20, flags, member.method, 0, 0x5221,
                               crc, len(stored), size, len(name), 0, 0, 0, 0, member.mode << 16, offset) + name
    count, start = len(members), len(out)
    out += central
    if count > 0xFFFF:  # zip64 end records, as zipfile writes them
        out += struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(central), start)
        out += struct.pack("<4sLQL", b"PK\x06\x07", 0, start + len(central), 1)
        count = 0xFFFF
    return bytes(out + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), start,
                                   len(comment)) + comment)


# --- a real bundle, and what the CLI says about its hostile copies -----------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> tuple[str, list[Member]]:
    """The bag folder and the members of a real bundle, in its order."""
    site = write_site(tmp_path_factory.mktemp("hostile-site") / "site", MINIMAL_SITE)
    assert run_cli("publish", "r1", "--site", str(site)).returncode == 0
    result = run_cli("archive", "--site", str(site), "--out", str(tmp_path_factory.mktemp("hostile-archives")))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(result.stdout.strip()) as bundle:
        members = [Member(info.filename, bundle.read(info)) for info in bundle.infolist()]
    top = members[0].name.split("/")[0]
    return top, members


def write(tmp_path: Path, data: bytes, name: str = "hostile.zip") -> Path:
    path = tmp_path / "bundles" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def verify(bundle: Path, tmp_path: Path):
    """Run the real CLI from an empty folder with an empty TMPDIR; afterwards both must still be empty."""
    cwd, scratch = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir(exist_ok=True)
    scratch.mkdir(exist_ok=True)
    result = run_cli("verify", str(bundle), cwd=cwd, env={"TMPDIR": str(scratch)})
    assert "Traceback" not in result.stderr + result.stdout
    assert not list(cwd.iterdir()) and not list(scratch.iterdir()), "verify wrote files"
    return result


def refused(bundle: Path, tmp_path: Path, *expected: str) -> str:
    result = verify(bundle, tmp_path)
    assert result.returncode == 1, result.stdout
    assert "valid (" not in result.stdout
    for text in expected:
        assert text in result.stderr, result.stderr
    return result.stderr


def with_members(real, *extra: Member, before: str | None = None, drop: str | None = None) -> list[Member]:
    """The real members plus extra ones: at the end, or just before the member whose name ends with before."""
    top, members = real
    members = [m for m in members if not (drop and m.name.endswith(drop))]
    if before is None:
        return members + list(extra)
    at = next(i for i, m in enumerate(members) if m.name.endswith(before))
    return members[:at] + list(extra) + members[at:]


def rebag(top: str, members: list[Member]) -> list[Member]:
    """Recompute the manifests and Payload-Oxum, as if the bag had been made from these files."""
    files = {m.name[len(top) + 1:]: m for m in members if m.name.startswith(f"{top}/")}
    payload = sorted(p for p in files if p.startswith("data/"))

    def listing(paths):
        return "".join(f"{hashlib.sha256(files[p].data).hexdigest()}  {p}\n" for p in paths).encode()

    files["manifest-sha256.txt"] = replace(files["manifest-sha256.txt"], data=listing(payload))
    info = files["bag-info.txt"].data.decode()
    oxum = f"{sum(len(files[p].data) for p in payload)}.{len(payload)}"
    info = "".join(f"Payload-Oxum: {oxum}\n" if line.startswith("Payload-Oxum:") else line + "\n"
                   for line in info.splitlines())
    files["bag-info.txt"] = replace(files["bag-info.txt"], data=info.encode())
    tags = sorted(p for p in files if not p.startswith("data/") and p != "tagmanifest-sha256.txt")
    files["tagmanifest-sha256.txt"] = replace(files["tagmanifest-sha256.txt"], data=listing(tags))
    return [replace(files[m.name[len(top) + 1:]], name=m.name) for m in members]


def test_the_hand_written_zip_of_the_real_members_is_valid(real, tmp_path):
    """The baseline the hostile cases differ from: raw_zip and rebag make bundles verify accepts."""
    top, members = real
    for bundle in (raw_zip(members), raw_zip(rebag(top, members))):
        result = verify(write(tmp_path, bundle), tmp_path)
        assert result.returncode == 0, result.stderr
        assert "valid (" in result.stdout


# --- duplicate names and names that collide ----------------------------------------------------------------


def test_a_duplicate_name_with_the_forged_copy_first_is_refused(real, tmp_path):
    top, _ = real
    forged = Member(f"{top}/data/index.html", b"<p>forged</p>\n")
    members = with_members(real, forged, before="/data/index.html")
    assert [m.name for m in members].count(f"{top}/data/index.html") == 2
    refused(write(tmp_path, raw_zip(members)), tmp_path,
            f"refusing a duplicate name in the zip: '{top}/data/index.html' appears more than once",
            "the bundle cannot be verified.")


@pytest.mark.parametrize("other", [
    "{top}/data/INDEX.html",  # the same file where names ignore case (Windows, macOS)
    "{top}/Data/index.html",
])
def test_names_that_differ_only_by_case_are_refused(real, tmp_path, other):
    top, _ = real
    name = other.format(top=top)
    refused(write(tmp_path, raw_zip(with_members(real, Member(name, b"<p>forged</p>\n"), before="/data/index.html"))),
            tmp_path, f"refusing '{name}' and '{top}/data/index.html': the same file on Windows and macOS")


def test_names_that_differ_only_by_unicode_form_are_refused(real, tmp_path):
    top, _ = real
    composed = f"{top}/data/caf\u00e9.html"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    members = with_members(real, Member(composed, b"a"), Member(decomposed, b"b"))
    refused(write(tmp_path, raw_zip(members)), tmp_path, "the same file on Windows and macOS")


@pytest.mark.parametrize("spelling", [
    "{top}/data/./index.html", "{top}/data//index.html", "{top}\\data\\index.html", "/{top}/data/index.html",
    "{top}/data/rounds/../index.html", "C:{top}/data/index.html",
])
def test_other_spellings_of_a_name_are_refused(real, tmp_path, spelling):
    top, _ = real
    name = spelling.format(top=top)
    members = with_members(real, Member(name, b"<p>forged</p>\n"), before="/data/index.html")
    refused(write(tmp_path, raw_zip(members)), tmp_path, f"refusing unsafe path in the zip: {name!r}")


@pytest.mark.parametrize("inside", ["{top}/data/index.html/x", "{top}/data/index.html/", "{top}/data/INDEX.HTML/x"])
def test_a_name_that_is_both_a_file_and_a_folder_is_refused(real, tmp_path, inside):
    top, _ = real
    inner = inside.format(top=top)
    refused(write(tmp_path, raw_zip(with_members(real, Member(inner)))), tmp_path,
            f"refusing '{top}/data/index.html': the zip has it both as a file and as a folder (for '{inner}')")
    with_content = Member(f"{top}/data/index.html/", b"x")
    refused(write(tmp_path, raw_zip(with_members(real, with_content))), tmp_path,
            f"refusing '{top}/data/index.html/': a folder entry with 1 bytes of content")


def test_an_over_long_name_is_refused(real, tmp_path):
    top, _ = real
    part = "a" * 300 + ".html"
    refused(write(tmp_path, raw_zip(with_members(real, Member(f"{top}/data/{part}", b"x")))), tmp_path,
            "refusing a name with a part of 305 bytes (file systems accept at most 255)")
    deep = f"{top}/data/" + "/".join(["b" * 200] * 6)
    refused(write(tmp_path, raw_zip(with_members(real, Member(deep, b"x")))), tmp_path,
            f"refusing a name of {len(deep):,} bytes, over the limit of 1,024")


def test_a_name_cut_short_by_a_nul_is_refused(real, tmp_path):
    """zipfile cuts a name at NUL (so this would read as index.html); other tools keep or refuse it."""
    top, _ = real
    name = f"{top}/data/index.html\0.exe"
    refused(write(tmp_path, raw_zip(with_members(real, Member(name, b"forged"), before="/data/index.html"))),
            tmp_path, f"refusing unsafe path in the zip: {name!r}")


def test_a_name_not_in_utf8_is_refused(real, tmp_path):
    top, _ = real
    legacy = f"{top}/data/".encode() + "报告".encode("gbk") + b".html"  # no UTF-8 flag: a code page name
    refused(write(tmp_path, raw_zip(with_members(real, Member(legacy, b"x")))), tmp_path,
            "its name is not marked as UTF-8")
    flagged = Member(f"{top}/data/".encode() + b"\xff\xfe.html", b"x", flags=0x800)  # says UTF-8, is not
    refused(write(tmp_path, raw_zip(with_members(real, flagged))), tmp_path,
            "not a readable zip file (a member's name is marked as UTF-8 but is not)")


# --- sizes: declared, and as read ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gigabyte_of_zeros() -> tuple[bytes, int]:
    """1 GiB of zero bytes deflated (about 1 MB), and its CRC."""
    packer, block, crc, parts = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS), bytes(1 << 20), 0, []
    for _ in range(1024):
        parts.append(packer.compress(block))
        crc = zlib.crc32(block, crc)
    return b"".join(parts) + packer.flush(), crc


def test_a_gigabyte_member_in_a_small_zip_is_refused_before_reading(real, tmp_path, gigabyte_of_zeros):
    top, _ = real
    stored, crc = gigabyte_of_zeros
    bomb = Member(f"{top}/data/rounds/r1/big.html", stored=stored, declared_size=1 << 30, crc=crc)
    bundle = write(tmp_path, raw_zip(with_members(real, bomb)))
    assert bundle.stat().st_size < 2_000_000
    started = time.monotonic()
    refused(bundle, tmp_path, f"refusing '{top}/data/rounds/r1/big.html': 1,073,741,824 bytes once unzipped, "
                              "over the limit of 536,870,912 per file")
    assert time.monotonic() - started < 30


def test_a_member_that_expands_too_much_is_refused(real, tmp_path):
    top, _ = real
    data = bytes(100 << 20)  # under the per-file limit, but 100 MB from about 100 kB
    refused(write(tmp_path, raw_zip(with_members(real, Member(f"{top}/data/zeros.html", data)))), tmp_path,
            "over 200 times (a zip bomb)")


def test_a_member_holding_more_than_it_declares_is_caught_while_reading(real, tmp_path):
    """The directory says index.html is its real size with its real CRC; the compressed data goes on to
    100 MB. zipfile would stop at the declared size (and find the file intact); unzip writes it all."""
    top, members = real
    real_page = next(m for m in members if m.name == f"{top}/data/index.html")
    lying = replace(real_page, stored=deflate(real_page.data + bytes(100 << 20)))
    members = [lying if m.name == real_page.name else m for m in members]
    stderr = refused(write(tmp_path, raw_zip(members)), tmp_path, "altered: data/index.html")
    assert (f"data/index.html: the zip member is damaged (it unpacks to more than the {len(real_page.data):,} "
            "bytes the zip declares); its content cannot be checked") in stderr


def test_a_member_holding_less_than_it_declares_is_named(real, tmp_path):
    top, members = real
    real_page = next(m for m in members if m.name == f"{top}/data/index.html")
    short = replace(real_page, declared_size=len(real_page.data) + 10)
    members = [short if m.name == real_page.name else m for m in members]
    refused(write(tmp_path, raw_zip(members)), tmp_path, "altered: data/index.html",
            f"not the {len(real_page.data) + 10:,} the zip declares")


def test_members_sharing_their_data_are_refused(real, tmp_path):
    """The overlapping-entries zip bomb: many directory entries, one compressed record."""
    top, members = real
    copies = [Member(f"{top}/data/copy{i}.html", members[0].data, same_offset_as=0) for i in range(3)]
    refused(write(tmp_path, raw_zip(members + copies)), tmp_path, "its data overlaps", "(a zip bomb trick)")


def test_too_many_members_are_refused_before_zipfile_reads_them(real, tmp_path):
    """600,000 directory entries, all one empty file: refused from the count, in little time."""
    top, _ = real
    entries = [Member(f"{top}/data/{i}") for i in range(600_000)]
    entries = entries[:1] + [replace(entry, same_offset_as=0) for entry in entries[1:]]
    started = time.monotonic()
    refused(write(tmp_path, raw_zip(entries)), tmp_path, "the zip holds more than 500,000 members")
    assert time.monotonic() - started < 60


# --- what members are ------------------------------------------------------------------------------------


def test_a_symbolic_link_is_refused(real, tmp_path):
    top, _ = real
    link = Member(f"{top}/data/passwd.html", b"/etc/passwd", method=zipfile.ZIP_STORED, mode=stat.S_IFLNK | 0o777)
    refused(write(tmp_path, raw_zip(with_members(real, link))), tmp_path,
            f"refusing a symbolic link in the zip: '{top}/data/passwd.html'")


def test_a_special_file_is_refused(real, tmp_path):
    top, _ = real
    fifo = Member(f"{top}/data/pipe", method=zipfile.ZIP_STORED, mode=stat.S_IFIFO | 0o644)
    refused(write(tmp_path, raw_zip(with_members(real, fifo))), tmp_path, "refusing a special file")


def test_an_encrypted_member_is_refused(real, tmp_path):
    top, members = real
    members = [replace(m, flags=0x1) if m.name.endswith("/data/index.html") else m for m in members]
    refused(write(tmp_path, raw_zip(members)), tmp_path,
            f"refusing an encrypted member: '{top}/data/index.html' (a bundle is never encrypted)")


@pytest.mark.parametrize("flag", [0x20, 0x40, 0x2000])  # patched data, strong encryption, encrypted directory
def test_flags_for_zip_features_a_bundle_never_uses_are_refused(real, tmp_path, flag):
    top, members = real
    members = [replace(m, flags=flag) if m.name.endswith("/data/index.html") else m for m in members]
    refused(write(tmp_path, raw_zip(members)), tmp_path, f"refusing '{top}/data/index.html': ")


@pytest.mark.parametrize("method, called", [(12, "bzip2"), (14, "lzma"), (93, "zstandard"), (77, "unknown")])
def test_an_unsupported_compression_method_is_refused(real, tmp_path, method, called):
    top, members = real
    members = [replace(m, method=method, stored=deflate(m.data)) if m.name.endswith("/data/index.html") else m
               for m in members]
    refused(write(tmp_path, raw_zip(members)), tmp_path,
            f"compression method {method} ({called}) is not supported; a bundle uses only 'stored' and 'deflated'")


def test_a_nested_zip_is_an_ordinary_file(real, tmp_path):
    """A zip inside the bag is never opened: listed in the manifest it is one more payload file; not listed,
    it is extra. Its own hostile names are never written out."""
    top, members = real
    inner = raw_zip([Member("../../escaped.txt", b"owned\n"), Member("/tmp/escaped.txt", b"owned\n")])
    nested = [*members, Member(f"{top}/data/inner.zip", inner, method=zipfile.ZIP_STORED)]
    listed = verify(write(tmp_path, raw_zip(rebag(top, nested)), "listed.zip"), tmp_path)
    assert listed.returncode == 0, listed.stderr
    refused(write(tmp_path, raw_zip(nested), "unlisted.zip"), tmp_path, "extra: data/inner.zip")
    assert not (tmp_path / "escaped.txt").exists()


# --- files that are not (whole) zips -------------------------------------------------------------------------


@pytest.mark.parametrize("cut", ["half", "end record", "last byte"])
def test_a_truncated_zip_is_refused(real, tmp_path, cut):
    data = raw_zip(real[1])
    data = {"half": data[: len(data) // 2], "end record": data[:-22], "last byte": data[:-1]}[cut]
    refused(write(tmp_path, data), tmp_path, "not a readable zip file", "the bundle cannot be verified.")


@pytest.mark.parametrize("content", [b"", b"PK\x05\x06", b"<html>not a zip</html>\n" * 100])
def test_files_that_are_not_zips_are_refused(tmp_path, content):
    refused(write(tmp_path, content), tmp_path, "not a readable zip file")


def test_a_comment_full_of_false_end_records_is_refused(real, tmp_path):
    """The zip comment (up to 64 KiB) is where the end record is looked for: fill it with fake ones declaring
    a 4 GB central directory."""
    fake = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFF0, 0, 0)
    comment = fake * (65_000 // len(fake))
    refused(write(tmp_path, raw_zip(real[1], comment=comment)), tmp_path,
            "the zip's central directory is 4,294,967,280 bytes, over the limit of 67,108,864")


def test_a_folder_given_as_a_bundle_is_refused(tmp_path):
    result = run_cli("verify", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is a directory" in result.stderr


def test_damaged_copies_of_a_real_bundle_never_crash_and_never_pass_changed_content(real, tmp_path):
    """Seeded random damage (bit flips, overwritten bytes, cuts, most of it in the zip's directory): verify
    answers with a report or ArchiveProblem, and when it says valid, zipfile reads the very same files."""
    import io
    import random

    from bulletin.verify import ArchiveProblem, verify_archive
    original = raw_zip(real[1])
    with zipfile.ZipFile(io.BytesIO(original)) as bundle:
        expected = {info.filename: bundle.read(info) for info in bundle.infolist()}
    directory = original.find(b"PK\x01\x02")
    rng, target, outcomes = random.Random(20211025), tmp_path / "damaged.zip", {}
    for _ in range(600):
        data = bytearray(original)
        kind = rng.choice(["bit", "bytes", "cut", "directory"])
        if kind == "bit":
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif kind == "cut":
            data = data[: rng.randrange(len(data))]
        else:
            start = directory if kind == "directory" else 0
            for _ in range(rng.randrange(1, 8)):
                data[rng.randrange(start, len(data))] = rng.randrange(256)
        target.write_bytes(bytes(data))
        try:
            outcome = "valid" if verify_archive(target).ok else "not valid"
        except ArchiveProblem:
            outcome = "refused"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome == "valid":  # the damage was somewhere harmless (a date, permission bits)
            with zipfile.ZipFile(io.BytesIO(bytes(data))) as bundle:
                assert {info.filename: bundle.read(info) for info in bundle.infolist()} == expected
    assert outcomes["refused"] > 100 and outcomes["not valid"] > 100, outcomes


# --- manifests that point elsewhere ------------------------------------------------------------------------


def change_manifest(real, name: str, change) -> list[Member]:
    top, members = real
    return [replace(m, data=change(m.data.decode()).encode()) if m.name == f"{top}/{name}" else m for m in members]


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "data/../../outside.txt", "data/./index.html",
                                  "data\\index.html", "data/rounds/../index.html"])
def test_a_manifest_path_leaving_the_bag_is_refused(real, tmp_path, path):
    line = f"{'0' * 64}  {path}\n"
    members = change_manifest(real, "manifest-sha256.txt", lambda text: text + line)
    number = len(next(m for m in members if m.name.endswith("/manifest-sha256.txt")).data.decode().splitlines())
    stderr = refused(write(tmp_path, raw_zip(members)), tmp_path,
                     f"manifest-sha256.txt:{number}: unsafe path {path!r}: a manifest lists files inside the bag",
                     "altered: manifest-sha256.txt")
    assert f"missing: {path}" not in stderr


def test_a_tag_manifest_line_for_a_file_outside_the_bag_is_refused(real, tmp_path):
    members = change_manifest(real, "tagmanifest-sha256.txt", lambda text: text + f"{'0' * 64} ../../etc/hosts\n")
    lines = next(m for m in members if m.name.endswith("/tagmanifest-sha256.txt")).data.decode().splitlines()
    assert lines[-1].endswith(" ../../etc/hosts")
    refused(write(tmp_path, raw_zip(members)), tmp_path,
            f"tagmanifest-sha256.txt:{len(lines)}: unsafe path '../../etc/hosts'")


def test_a_payload_manifest_listing_a_tag_file_is_refused(real, tmp_path):
    members = change_manifest(real, "manifest-sha256.txt", lambda text: text + f"{'0' * 64}  bag-info.txt\n")
    refused(write(tmp_path, raw_zip(members)), tmp_path,
            "'bag-info.txt' is not in the bag's data/ folder; the manifest lists the payload only")


def test_a_file_listed_twice_is_refused(real, tmp_path):
    """The tag manifest is brought up to date, so the repeated line is the only thing wrong."""
    def twice(text: str) -> str:
        lines = text.splitlines(keepends=True)
        return "".join(lines + lines[:1])

    members = rebag_tags_only(real[0], change_manifest(real, "manifest-sha256.txt", twice))
    manifest = next(m for m in members if m.name.endswith("/manifest-sha256.txt")).data.decode().splitlines()
    path = manifest[0].split(None, 1)[1]
    stderr = refused(write(tmp_path, raw_zip(members)), tmp_path,
                     f"manifest-sha256.txt:{len(manifest)}: {path!r} is listed again (first on line 1)")
    assert "altered:" not in stderr and stderr.splitlines()[-1].endswith("NOT valid")


def test_a_malformed_manifest_line_is_located(real, tmp_path):
    members = change_manifest(real, "manifest-sha256.txt", lambda text: "not a checksum line\n" + text)
    refused(write(tmp_path, raw_zip(members)), tmp_path,
            "manifest-sha256.txt:1: expected a SHA-256 checksum (64 hex digits), spaces and a path, found "
            "'not a checksum line'")


@pytest.mark.parametrize("required", ["bagit.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt"])
def test_a_bag_without_a_required_tag_file_is_not_valid(real, tmp_path, required):
    top, members = real
    members = [m for m in members if m.name != f"{top}/{required}"]
    refused(write(tmp_path, raw_zip(members)), tmp_path, f"not a valid BagIt bag: {required} is missing")


def test_a_wrong_payload_oxum_is_named(real, tmp_path):
    top, _ = real
    members = change_manifest(real, "bag-info.txt", lambda text: text.replace("Payload-Oxum: ", "Payload-Oxum: 9"))
    stderr = refused(write(tmp_path, raw_zip(rebag_tags_only(top, members))), tmp_path,
                     "bag-info.txt: Payload-Oxum says")
    assert "altered:" not in stderr


def rebag_tags_only(top: str, members: list[Member]) -> list[Member]:
    """Recompute only the tag manifest: the payload manifest and bag-info.txt stay as they are."""
    files = {m.name[len(top) + 1:]: m for m in members}
    tags = sorted(p for p in files if not p.startswith("data/") and p != "tagmanifest-sha256.txt")
    listing = "".join(f"{hashlib.sha256(files[p].data).hexdigest()} {p}\n" for p in tags).encode()
    return [replace(m, data=listing) if m.name == f"{top}/tagmanifest-sha256.txt" else m for m in members]


def test_the_limits_are_documented():
    """The README states the limits the code applies."""
    from bulletin.verify import LIMITS
    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8").split())
    for phrase in (f"at most {LIMITS.members:,} members and a {LIMITS.directory_bytes >> 20} MiB zip directory",
                   f"{LIMITS.member_bytes >> 20} MiB per file and {LIMITS.total_bytes >> 30} GiB in all",
                   f"a file over {LIMITS.ratio_from >> 20} MiB expanding at most {LIMITS.ratio} times",
                   f"names of at most {LIMITS.name_bytes:,} bytes with no part over {LIMITS.segment_bytes}"):
        assert phrase in readme, phrase
