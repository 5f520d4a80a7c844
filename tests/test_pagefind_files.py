"""Pagefind's index made reproducible: sorted filters, content-named files, format guarded."""

from __future__ import annotations

import gzip
import json

import pytest

from bulletin.pagefind_files import SIGNATURE, PagefindFormatProblem, _decode, _encode, make_reproducible


def write(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(_encode(value)))


def fake_index(folder, unit_order, filter_order):
    write(folder / "filter/zh_aaa.pf_filter", ["unit", [[name, ids] for name, ids in unit_order]])
    write(folder / "filter/zh_bbb.pf_filter", ["status", [["已完成", [0]]]])
    files = {"unit": "zh_aaa", "status": "zh_bbb"}
    write(folder / "pagefind.zh_meta000000.pf_meta",
          ["1.5.2", [["zh_frag", 12]], [["a", "z", "zh_idx"]], [[n, files[n]] for n in filter_order], [], ["title"]])
    (folder / "pagefind-entry.json").write_text(json.dumps(
        {"version": "1.5.2", "languages": {"zh": {"hash": "zh_meta000000", "wasm": None, "page_count": 1}}}))


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_random_orders_give_the_same_bytes(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    fake_index(one, [("乙", [1]), ("甲", [0, 2])], ["unit", "status"])
    fake_index(two, [("甲", [0, 2]), ("乙", [1])], ["status", "unit"])
    make_reproducible(one)
    make_reproducible(two)
    assert snapshot(one) == snapshot(two)
    entry = json.loads((one / "pagefind-entry.json").read_text())
    meta = gzip.decompress((one / f"pagefind.{entry['languages']['zh']['hash']}.pf_meta").read_bytes())
    value, _ = _decode(meta, len(SIGNATURE))
    assert [name for name, _ in value[3]] == ["status", "unit"]
    for _, file_hash in value[3]:
        assert (one / "filter" / f"{file_hash}.pf_filter").is_file()
    assert len(list((one / "filter").iterdir())) == 2


def test_unknown_format_is_refused(tmp_path):
    fake_index(tmp_path, [("甲", [0])], ["unit", "status"])
    (tmp_path / "filter/zh_aaa.pf_filter").write_bytes(gzip.compress(b"something else"))
    with pytest.raises(PagefindFormatProblem):
        make_reproducible(tmp_path)
