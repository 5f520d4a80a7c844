"""Site-wide files joined from the units' parts: the join a build runs is the one tested here."""

from __future__ import annotations

import json

import pytest

from bulletin.assemble import assemble
from bulletin.cache import DamagedCache, PartsReader, write_parts
from bulletin.opendata import Joined
from bulletin.output import OutputFolder

LAYOUT = Joined(b'{"projects":[\n', b",\n", b"\n]}\n")


def test_a_join_skips_empty_parts_and_separates_the_others():
    assert LAYOUT.join([b"", b'{"a":1}', b"", b'{"b":2}', b""]) == b'{"projects":[\n{"a":1},\n{"b":2}\n]}\n'
    assert json.loads(LAYOUT.join([])) == {"projects": []}


def test_assembling_writes_what_the_join_gives(tmp_path):
    parts = tmp_path / "parts"
    units = {"k1": {"json": '{"a":1}', "csv": "a\r\n"}, "k2": {"csv": "b\r\n"}, "k3": {"json": '{"c":3}'}}
    for key, sections in units.items():
        write_parts(parts, key, sections)
    csv = Joined(b"head\r\n")
    files = [("data/all.json", "json", LAYOUT), ("data/all.csv", "csv", csv), ("t2s.js", None, Joined(b"fixed"))]
    out = tmp_path / "public"
    with OutputFolder(out, tmp_path / "site") as output:
        assemble(output, PartsReader([parts]), files, list(units))
        output.commit()
    assert (out / "data/all.json").read_bytes() == LAYOUT.join([b'{"a":1}', b"", b'{"c":3}'])
    assert (out / "data/all.csv").read_bytes() == b"head\r\na\r\nb\r\n"
    assert (out / "t2s.js").read_bytes() == b"fixed"


def test_a_missing_part_means_the_cache_is_damaged(tmp_path):
    with OutputFolder(tmp_path / "public", tmp_path / "site") as output:
        with pytest.raises(DamagedCache):
            assemble(output, PartsReader([tmp_path / "parts"]), [("a.json", "json", LAYOUT)], ["gone"])
