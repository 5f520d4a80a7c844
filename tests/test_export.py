"""`python build.py export ROUND --out FILE.xlsx`: the fill-in workbook, read back as staff and the
importer see it (python-calamine for the values, the xlsx's XML for what Excel does with them),
and its round trip through `python build.py import` into a new round."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from bulletin.export import EXPORTED_FIELDS, header, sheet_names
from bulletin.loader import load_site
from conftest import MINIMAL_SITE, ROOT, run_cli, write_site

# Values that a spreadsheet would turn into something else if they were not written as text:
# an id with a leading zero, a lead called NO, a title that is a year, a location like a number,
# a text starting with '=', a Markdown progress over several lines; decimals, a month as due.
ROUND_TRIP_SITE = {
    "site.yaml": MINIMAL_SITE["site.yaml"],
    "content/units.yaml": """
        units:
          - id: u1
            name: 区委办公室
            group: 区直部门
            order: 1
          - id: town
            name: 平庄镇
            group: 镇乡街
            order: 2
        """,
    "content/r1/u1.yaml": """
        projects:
          - id: "0755"
            title: 路灯修复
            status: in_progress
            progress: 正在采购灯泡
          - id: p2
            title: 车位划线
            status: not_started
            progress: 尚未开始
        """,
    "content/r2/u1.yaml": """
        projects:
          - id: "0755"
            title: 路灯修复
            status: completed
            progress: |
              下荒村公路段路灯出现大面积损坏，办公室提供资金5000元。

              - 购买灯泡
              - 全部更换完毕
            lead: 王利君
            category: 人居环境
            location: 下荒村
            funding: {amount: 5000, unit: 元}
            updated: 2021-08-20
          - id: p2
            title: "2023"
            status: suspended
            progress: =因资金尚未到位，项目暂缓实施
            lead: "NO"
            location: "1.10"
            funding: {amount: 12.75, unit: 万元}
            target: {name: 划定车位, planned: 466, done: 21.5, unit: 个}
            due: 2021-12
          - id: new-one
            title: 锦绣社区取暖期室温提升项目
            status: not_started
            progress: 联系住建局协调解决
            due: 2021-10-31
        """,
    "content/r2/town.yaml": """
        projects:
          - id: t1
            title: 供暖改造
            status: cancelled
            progress: 项目取消
            category: 公共服务
        """,
}

COMPARED = ("project_id", "title", "status", "progress", "lead", "category", "location", "funding", "target",
            "due", "updated")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", ROUND_TRIP_SITE)


def export(site: Path, out: Path, *extra: str, lang: str | None = "en"):
    return run_cli("export", "r2", "--site", str(site), "--out", str(out), *extra, lang=lang)


def rows_of(path: Path) -> dict[str, list[list]]:
    workbook = CalamineWorkbook.from_path(str(path))
    return {name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in workbook.sheet_names}


def round_values(site: Path, round_id: str) -> dict[str, list[tuple]]:
    """Each unit's projects in a round as the loaded site has them, in order."""
    loaded = load_site(site)
    return {unit_round.unit.id: [tuple(getattr(entry, name) for name in COMPARED) for entry in unit_round.entries]
            for unit_round in loaded.round_units(round_id) if unit_round.submitted}


def shown(value) -> str:
    """A cell as the sheet shows it: numbers without a stray .0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_one_sheet_per_unit_with_title_note_header_and_every_value_as_the_round_shows_it(site, tmp_path):
    out = tmp_path / "填报表.xlsx"
    result = export(site, out)
    assert result.returncode == 0, result.stderr
    assert "2 units, 4 projects, in 2 sheets" in result.stdout
    sheets = rows_of(out)
    assert list(sheets) == ["区委办公室", "平庄镇"]  # the units' names, in the round's order
    rows = sheets["区委办公室"]
    assert rows[0][0] == "测试区民生实事公示 第二轮 项目进展填报表 — 区委办公室"
    assert "请勿修改" in rows[1][0] and "编号（请勿修改）" in rows[1][0] and "已完成、推进中、未启动、暂缓、已取消" in rows[1][0]
    assert rows[2] == [header(key) for key in EXPORTED_FIELDS]
    assert rows[2][:5] == ["序号", "编号（请勿修改）", "项目名称", "状态", "工作进展"]
    by_field = [dict(zip(EXPORTED_FIELDS, row)) for row in rows[3:]]
    assert [row["id"] for row in by_field] == ["0755", "p2", "new-one"]  # text: the 0 kept
    first, second, third = by_field
    assert first["status"] == "已完成" and second["status"] == "暂缓" and third["status"] == "未启动"
    assert first["progress"] == "下荒村公路段路灯出现大面积损坏，办公室提供资金5000元。\n\n- 购买灯泡\n- 全部更换完毕"
    assert (first["funding.amount"], first["funding.unit"], first["updated"]) == (5000, "元", "2021-08-20")
    assert (second["title"], second["lead"], second["location"]) == ("2023", "NO", "1.10")  # text stays text
    assert second["progress"] == "=因资金尚未到位，项目暂缓实施"  # not a formula
    assert (second["funding.amount"], second["target.planned"], second["target.done"], second["target.name"],
            second["target.unit"]) == (12.75, 466, 21.5, "划定车位", "个")
    assert (second["due"], third["due"]) == ("2021-12", "2021-10-31")
    assert first["number"] == 1 and third["number"] == 3
    assert third["funding.amount"] == "" and third["lead"] == ""  # a field the project lacks stays empty
    assert sheets["平庄镇"][3][:4] == [1, "t1", "供暖改造", "已取消"]


def test_texts_are_text_cells_and_numbers_show_exactly_their_digits(site, tmp_path):
    out = tmp_path / "a.xlsx"
    assert export(site, out).returncode == 0
    with zipfile.ZipFile(out) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    # the id 0755 is a shared string (t="s"), never a number cell
    id_cell = re.search(r'<c r="B4"[^>]*>', sheet).group(0)
    assert 't="s"' in id_cell
    updated_cell = re.search(r'<c r="P4"[^>]*>', sheet).group(0)
    assert 't="s"' in updated_cell  # the date as text: it reads back as 2021-08-20
    # 12.75 shown with its two decimals, 5000 without any (never 5E+03 or 12.8)
    assert 'formatCode="0.00"' in styles
    assert "<f>" not in sheet  # no formula anywhere


def test_status_drop_down_grey_id_column_print_setup_and_frozen_header(site, tmp_path):
    out = tmp_path / "a.xlsx"
    assert export(site, out).returncode == 0
    with zipfile.ZipFile(out) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        workbook = archive.read("xl/workbook.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    status = re.search(r'<dataValidation type="list"[^>]*sqref="([A-Z]+)(\d+):([A-Z]+)(\d+)"[^>]*>'
                       r'<formula1>"([^<]*)"</formula1>', sheet)
    assert status, sheet
    assert status.group(1) == status.group(3) == "D" and status.group(2) == "4"  # 状态, from the first project
    assert int(status.group(4)) >= 4 + 3 + 100  # and rows below for the projects a unit adds
    assert status.group(5).split(",") == ["已完成", "推进中", "未启动", "暂缓", "已取消"]
    # typing into the id column is refused, with the reason shown
    assert re.search(r'<dataValidation type="custom"[^>]*prompt="[^"]*"[^>]*sqref="B4:B\d+"', sheet)
    assert "请勿修改编号" in sheet
    assert 'rgb="FFD9D9D9"' in styles  # the grey fill of the id cells
    assert '<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/>' in sheet  # A4, landscape
    assert '<pageSetUpPr fitToPage="1"/>' in sheet  # one page wide
    assert 'gridLines="1"' in sheet  # the grid printed
    assert re.search(r"<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'?区委办公室'?!\$3:\$3",
                     workbook)  # the header row on every printed page
    assert '<pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" state="frozen"/>' in sheet
    assert 'wrapText="1"' in styles


def test_fixed_document_properties_and_the_same_bytes_every_time(site, tmp_path):
    first, second, third = tmp_path / "1.xlsx", tmp_path / "2.xlsx", tmp_path / "3.xlsx"
    assert export(site, first).returncode == 0
    assert export(site, second, lang="zh-CN").returncode == 0  # the workbook does not depend on --lang
    assert export(site, third, "--force").returncode == 0
    assert first.read_bytes() == second.read_bytes() == third.read_bytes()
    with zipfile.ZipFile(first) as archive:
        core = archive.read("docProps/core.xml").decode()
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    # the round's date, never the clock
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2021-08-24T00:00:00Z</dcterms:created>' in core
    assert '<dcterms:modified xsi:type="dcterms:W3CDTF">2021-08-24T00:00:00Z</dcterms:modified>' in core
    assert "<dc:creator>测试区办公室</dc:creator>" in core  # the publisher, not the machine's user


def test_one_sheet_with_a_unit_column(site, tmp_path):
    out = tmp_path / "all.xlsx"
    result = export(site, out, "--one-sheet")
    assert result.returncode == 0, result.stderr
    assert "in 1 sheet." in result.stdout
    (name, rows), = rows_of(out).items()
    assert name == "第二轮 项目进展填报表"
    assert rows[0][0] == "测试区民生实事公示 第二轮 项目进展填报表"
    assert rows[2][:3] == ["责任单位", "序号", "编号（请勿修改）"]
    assert [(row[0], row[2]) for row in rows[3:]] == [("区委办公室", "0755"), ("区委办公室", "p2"),
                                                      ("区委办公室", "new-one"), ("平庄镇", "t1")]


def test_sheet_names_are_made_safe_for_excel():
    long = "第一街道办事处社区服务中心便民服务站点建设工作领导小组办公室甲"
    names = sheet_names(["区委/办公室", "问题[试点]:镇*?", long, long[:-1] + "乙", "history", "'引号'", "区委/办公室",
                         "///"])
    assert names[0] == "区委_办公室"
    assert names[1] == "问题_试点__镇__"
    assert names[2] == long[:31] and len(names[3]) <= 31 and names[3] != names[2]  # unique after cutting
    assert names[4] == "history_"  # Excel keeps History for itself
    assert names[5] == "引号"
    assert names[6] == "区委_办公室(2)"
    assert names[7] == "___"
    assert all(len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name) for name in names)
    assert len({name.casefold() for name in names}) == len(names)


def test_long_and_odd_unit_names_become_valid_sheets_with_the_full_name_in_the_title(site, tmp_path):
    units = (site / "content/units.yaml").read_text(encoding="utf-8")
    odd = "第一街道办事处/社区服务中心：便民服务站点建设工作领导小组办公室"
    (site / "content/units.yaml").write_text(units.replace("平庄镇", odd), encoding="utf-8")
    out = tmp_path / "a.xlsx"
    assert export(site, out).returncode == 0
    sheets = rows_of(out)
    assert list(sheets)[1] == odd.replace("/", "_")[:31]  # the full-width ： is allowed
    assert sheets[list(sheets)[1]][0][0].endswith("— " + odd)


def test_a_draft_round_is_exported(site, tmp_path):
    made = run_cli("new-round", "r3", "--site", str(site), "--title", "第三轮", "--date", "2021-10-25")
    assert made.returncode == 0, made.stderr
    out = tmp_path / "draft.xlsx"
    result = run_cli("export", "r3", "--site", str(site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = rows_of(out)["区委办公室"]
    assert [row[1] for row in rows[3:]] == ["0755", "p2", "new-one"]


@pytest.mark.parametrize("case", ["exists", "not-xlsx", "in-content", "no-folder", "unknown-round", "folder",
                                  "empty-draft"])
def test_refusals_in_chinese_write_nothing(site, tmp_path, case):
    out = tmp_path / "a.xlsx"
    round_id = "r2"
    if case == "exists":
        out.write_bytes(b"staff's own file")
    elif case == "not-xlsx":
        out = tmp_path / "a.xls"
    elif case == "in-content":
        out = site / "content" / "r2" / "a.xlsx"
    elif case == "no-folder":
        out = tmp_path / "missing" / "a.xlsx"
    elif case == "unknown-round":
        round_id = "r22"
    elif case == "folder":
        out = tmp_path / "folder.xlsx"
        out.mkdir()
    elif case == "empty-draft":
        made = run_cli("new-round", "r3", "--site", str(site), "--title", "第三轮", "--date", "2021-10-25", "--empty")
        assert made.returncode == 0, made.stderr
        round_id = "r3"
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = run_cli("export", round_id, "--site", str(site), "--out", str(out), lang="zh-CN")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    expected = {
        "exists": f"{out} 已存在；请换一个文件名，或加 --force 替换它",
        "not-xlsx": "必须是以 .xlsx 结尾的文件名",
        "in-content": "在 content/ 里，那里只能放网站内容",
        "no-folder": f"文件夹 {out.parent} 不存在",
        "unknown-round": "轮次「r22」不在 site.yaml 的 rounds: 中",
        "folder": "是一个文件夹",
        "empty-draft": "第 r3 轮还没有任何单位文件",
    }[case]
    assert expected in result.stderr
    assert "没有写入任何填报表。" in result.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written
    if case == "exists":
        assert out.read_bytes() == b"staff's own file"


def test_force_replaces_an_existing_workbook(site, tmp_path):
    out = tmp_path / "a.xlsx"
    out.write_bytes(b"old")
    assert export(site, out, "--force").returncode == 0
    assert zipfile.is_zipfile(out)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_sample_site_exports():
    """The shipped sample: every unit of its latest round, 27 projects, titles word for word."""
    out_dir = Path(__import__("tempfile").mkdtemp())
    try:
        out = out_dir / "sample.xlsx"
        result = run_cli("export", "2021-2", "--site", str(ROOT), "--out", str(out))
        assert result.returncode == 0, result.stderr
        sheets = rows_of(out)
        loaded = round_values(ROOT, "2021-2")
        assert sum(len(rows) - 3 for rows in sheets.values()) == 27 == sum(len(v) for v in loaded.values())
        titles = [row[2] for rows in sheets.values() for row in rows[3:]]
        assert titles == [values[1] for unit in loaded.values() for values in unit]
    finally:
        shutil.rmtree(out_dir)


# ---------------------------------------------------------------- round trip through the importer

@pytest.mark.parametrize("one_sheet", [False, True], ids=["sheet-per-unit", "one-sheet"])
def test_export_then_import_into_a_new_round_gives_the_same_values(site, tmp_path, one_sheet):
    out = tmp_path / "returned.xlsx"
    exported = export(site, out, *(["--one-sheet"] if one_sheet else []))
    assert exported.returncode == 0, exported.stderr
    made = run_cli("new-round", "r3", "--site", str(site), "--title", "第三轮", "--date", "2021-10-25", "--empty")
    assert made.returncode == 0, made.stderr
    imported = run_cli("import", str(out), "--round", "r3", "--site", str(site))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    checked = run_cli("check", "--site", str(site))
    assert checked.returncode == 0, checked.stderr
    assert round_values(site, "r3") == round_values(site, "r2")


def test_a_unit_without_a_list_in_the_round_gets_no_sheet(minimal_site, tmp_path):
    """乙镇 sent no file in r2 (its open project is shown as not reported): the workbook is the round's
    lists as they are, so the round trip gives back the same round."""
    out = tmp_path / "r2.xlsx"
    result = run_cli("export", "r2", "--site", str(minimal_site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert list(rows_of(out)) == ["甲单位"]
    assert "1 units, 2 projects, in 1 sheet." in result.stdout


def test_a_later_draft_with_a_problem_does_not_stop_exporting_an_earlier_round(site, tmp_path):
    made = run_cli("new-round", "r3", "--site", str(site), "--title", "第三轮", "--date", "2021-10-25")
    assert made.returncode == 0, made.stderr
    draft = site / "content/r3/u1.yaml"
    draft.write_text(draft.read_text(encoding="utf-8").replace("status: completed", "status: 完成了吧"),
                     encoding="utf-8")
    assert run_cli("check", "--site", str(site)).returncode == 1  # the draft is being written
    out = tmp_path / "r2.xlsx"
    result = export(site, out)
    assert result.returncode == 0, result.stderr
    assert [row[1] for row in rows_of(out)["区委办公室"][3:]] == ["0755", "p2", "new-one"]
    broken = run_cli("export", "r3", "--site", str(site), "--out", str(tmp_path / "r3.xlsx"))
    assert broken.returncode == 1
    assert "content/r3/u1.yaml:" in broken.stderr and "no workbook was written." in broken.stderr
    assert not (tmp_path / "r3.xlsx").exists()
