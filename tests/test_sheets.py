"""The spreadsheet reader of `import` (bulletin/sheets.py, bulletin/columns.py): each shape of
real ledgers (台账) has a small fixture in tests/fixtures/ledgers/, made by make_fixtures.py;
every test asserts the values read as staff see them and the cell each came from."""

from __future__ import annotations

import importlib.util
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from bulletin import sheets
from bulletin.columns import HEADERS, NOT_FIELDS, field_for_header, normalise_header, read_spreadsheet
from bulletin.imported import FIELDS, ImportedDocument
from bulletin.sheets import cell_name, number_format_for, read_workbook

LEDGERS = Path(__file__).resolve().parent / "fixtures" / "ledgers"


def read(name: str, overrides: dict[str, str] | None = None) -> ImportedDocument:
    return read_spreadsheet(LEDGERS / name, name, overrides)


def shown(document: ImportedDocument, field: str) -> list[tuple[str, str]]:
    """(value, where) of `field` in each project, "" where absent."""
    return [(project.values[field].text, str(project.values[field].where)) if field in project.values else ("", "")
            for project in document.projects]


def texts(document: ImportedDocument, field: str) -> list[str]:
    return [text for text, _where in shown(document, field)]


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "台账") -> Path:
    book = xlsxwriter.Workbook(str(path))
    worksheet = book.add_worksheet(sheet)
    for index, row in enumerate(rows):
        worksheet.write_row(index, 0, row)
    book.close()
    return path


# --- the fixtures -------------------------------------------------------------------------

def test_committed_fixtures_are_what_the_script_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_fixtures", LEDGERS / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    made = sorted(path.name for path in tmp_path.iterdir())
    assert made == sorted(path.name for path in LEDGERS.iterdir() if path.suffix != ".py" and path.is_file())
    for name in made:
        assert (tmp_path / name).read_bytes() == (LEDGERS / name).read_bytes(), name


# --- one fixture per shape ----------------------------------------------------------------

def test_title_rows_above_the_header_give_the_unit_and_unknown_columns_are_listed():
    document = read("title_rows.xlsx")
    assert document.problems == ()
    assert texts(document, "title") == ["老旧小区加装电梯", "社区食堂建设"]
    assert shown(document, "status") == [("进行中", "title_rows.xlsx:项目清单!D4"),
                                         ("已完成", "title_rows.xlsx:项目清单!D5")]
    assert shown(document, "due") == [("2024年12月", "title_rows.xlsx:项目清单!F4"),
                                      ("6月底前", "title_rows.xlsx:项目清单!F5")]
    # 填报单位：区委办公室 names the unit; 配合单位 (区住建局 in G4) is not the unit.
    assert shown(document, "unit") == [("区委办公室", "title_rows.xlsx:项目清单!A2")] * 2
    assert [str(project.where) for project in document.projects] == ["title_rows.xlsx:项目清单!A4",
                                                                     "title_rows.xlsx:项目清单!A5"]
    facts = "\n".join(document.facts)
    assert "header in row 3" in facts
    assert "columns not imported: 配合单位 (column G), 备注 (column H)" in facts


def test_a_header_over_two_rows_combines_group_and_sub_headers():
    document = read("two_row_header.xlsx")
    assert document.problems == ()
    assert shown(document, "progress") == [("完成路面铺设", "two_row_header.xlsx:台账!F4"),
                                           ("已建成开放", "two_row_header.xlsx:台账!F5")]
    # 责任\n单位: a line break inside the header cell
    assert texts(document, "unit") == ["区城管局", "区园林中心"]
    assert texts(document, "number") == ["1", "2"]
    assert "funding.amount" not in document.projects[0].values  # 完成情况/投资 is no total
    assert any("完成情况/投资（万元） (column D), 完成情况/比例 (column E)" in fact for fact in document.facts)


def test_a_unit_merged_down_a_column_applies_to_every_row_it_spans():
    document = read("merged_unit.xlsx")
    assert document.problems == ()
    assert shown(document, "unit") == [("区委办公室", "merged_unit.xlsx:汇总!B2")] * 3 + \
        [("区民政局", "merged_unit.xlsx:汇总!B5")] * 2
    assert shown(document, "title")[2] == ("政务公开栏", "merged_unit.xlsx:汇总!C4")


def test_one_sheet_per_unit_takes_the_sheet_name_as_the_unit():
    document = read("sheet_per_unit.xlsx")
    assert document.problems == ()
    assert texts(document, "title") == ["机关食堂开放", "便民停车", "养老服务站"]
    assert shown(document, "unit") == [("区委办公室", "sheet_per_unit.xlsx:区委办公室")] * 2 + \
        [("区民政局", "sheet_per_unit.xlsx:区民政局")]
    assert str(document.projects[2].values["title"].where) == "sheet_per_unit.xlsx:区民政局!B2"
    assert 'sheet "选项" is hidden: not imported' in document.facts
    assert 'sheet "空白" is empty' in document.facts


def test_a_row_without_its_own_number_or_title_continues_the_project_above():
    document = read("continuation.xlsx")
    assert document.problems == ()
    # row 4 has no 序号 but its own title: a project of its own; rows 3 and 6 continue.
    assert texts(document, "title") == ["老旧小区改造", "雨污分流改造", "路灯维修"]
    assert shown(document, "progress") == [
        ("完成3个小区外墙改造。\n另有2个小区正在施工。", "continuation.xlsx:台账!C2"),
        ("已完成管网铺设。", "continuation.xlsx:台账!C4"),
        ("更换路灯50盏。\n剩余20盏本月完成。", "continuation.xlsx:台账!C5")]
    assert texts(document, "number") == ["1", "", "2"]
    # a value the project lacked, from the row continuing it, keeps its own cell
    assert shown(document, "lead")[2] == ("钱七", "continuation.xlsx:台账!D6")
    assert any("continuing the project above them: continuation.xlsx:台账!C3, continuation.xlsx:台账!C6" in fact
               for fact in document.facts)


def test_subtotal_section_and_footer_rows_are_skipped_and_listed():
    document = read("subtotal_footer.xlsx")
    assert document.problems == ()
    assert texts(document, "title") == ["社区卫生服务站", "残疾人康复中心"]
    assert shown(document, "funding.amount") == [("150.5", "subtotal_footer.xlsx:台账!D3"),
                                                 ("300", "subtotal_footer.xlsx:台账!D4")]
    # the unit of 总投资（万元）, from its header cell
    assert shown(document, "funding.unit") == [("万元", "subtotal_footer.xlsx:台账!D1")] * 2
    # 一、民生保障类 above them is their category
    assert shown(document, "category") == [("民生保障类", "subtotal_footer.xlsx:台账!A2")] * 2
    facts = "\n".join(document.facts)
    assert "subtotal rows skipped: subtotal_footer.xlsx:台账!A5, subtotal_footer.xlsx:台账!A7" in facts
    assert "footer rows skipped: subtotal_footer.xlsx:台账!A8, subtotal_footer.xlsx:台账!A9" in facts


def test_cell_references_count_blank_rows_and_columns_as_staff_see_them():
    document = read("blank_rows.xlsx")
    assert document.problems == ()
    assert shown(document, "status") == [("进行中", "blank_rows.xlsx:项目清单!D5"),
                                         ("已完成", "blank_rows.xlsx:项目清单!D14")]
    assert str(document.projects[1].where) == "blank_rows.xlsx:项目清单!B14"
    workbook = read_workbook(LEDGERS / "blank_rows.xlsx", "blank_rows.xlsx")
    assert workbook.sheets[0].rows[13][3] == "已完成"  # row 14, column D


def test_a_sheet_size_recorded_wrongly_by_wps_is_not_trusted():
    with zipfile.ZipFile(LEDGERS / "wps_dimension.xlsx") as archive:
        assert b'<dimension ref="A1:A1"/>' in archive.read("xl/worksheets/sheet1.xml")
    document = read("wps_dimension.xlsx")
    assert shown(document, "progress") == [("已改造10座。", "wps_dimension.xlsx:Sheet1!D4")]
    assert shown(document, "unit") == [("区城管局", "wps_dimension.xlsx:Sheet1!C4")]


def test_cells_show_what_excel_shows_leading_zeros_text_percent_dates_whole_numbers():
    workbook = read_workbook(LEDGERS / "formats.xlsx", "formats.xlsx")
    assert workbook.problems == ()
    assert workbook.sheets[0].rows[1] == ("0755", "0007", "2023", "85%", "85.6%", "2024-06-30", "1200.5", "12",
                                          "3.50")
    document = read("formats.xlsx")
    project = document.projects[0]
    assert {key: (value.text, str(value.where)) for key, value in project.values.items()
            if key in ("id", "number", "title", "due", "target.planned")} == {
        "id": ("0755", "formats.xlsx:格式!A2"), "number": ("0007", "formats.xlsx:格式!B2"),
        "title": ("2023", "formats.xlsx:格式!C2"), "due": ("2024-06-30", "formats.xlsx:格式!F2"),
        "target.planned": ("12", "formats.xlsx:格式!H2")}
    assert project.values["funding.unit"].text == "万元"


@pytest.mark.parametrize("code, value, expected", [
    ("0000", 755.0, "0755"), ("0%", 0.85, "85%"), ("0.0%", 0.8567, "85.7%"), ("0.00", 2.5, "2.50"),
    ("000000", 12.0, "000012"), ("General", 12.0, None), ("@", 5.0, None), ("yyyy-mm-dd", 45000.0, None),
    ("#,##0", 1200.0, None), ("#,##0.00", 1200.5, "1200.50"), ('0.0"万元"', 3.0, "3.0"), ("0.00%", 0.005, "0.50%"),
    ("[Red]0.0;-0.0", 1.25, "1.3"),
])
def test_number_formats_excel_uses(code, value, expected):
    number_format = number_format_for(code)
    assert (number_format(value) if number_format else None) == expected


def test_general_numbers_show_without_float_noise():
    assert sheets.general_number(12.0) == "12"
    assert sheets.general_number(0.1 + 0.2) == "0.3"
    assert sheets.general_number(1200.5) == "1200.5"


def test_gbk_csv_as_excel_in_china_saves_it():
    document = read("gbk.csv")
    assert document.problems == ()
    assert shown(document, "progress")[0] == ("完成3个小区，另有2个在建。", "gbk.csv!D2")
    assert texts(document, "unit") == ["区住建局", "区政务办"]
    assert document.facts[0] == "read as CSV text in GBK (GB18030), columns separated by commas"


def test_utf8_csv_with_a_bom():
    document = read("utf8_bom.csv")
    assert texts(document, "number") == ["1", "2"]  # the BOM is not part of 序号
    assert shown(document, "title")[1] == ("便民服务中心", "utf8_bom.csv!B3")
    assert document.facts[0] == "read as CSV text in UTF-8 (BOM), columns separated by commas"


@pytest.mark.parametrize("separator, name", [("\t", "tabs"), (";", "semicolons")])
def test_csv_separators_are_sniffed(tmp_path, separator, name):
    path = tmp_path / "台账.csv"
    path.write_text(separator.join(["序号", "项目名称", "工作进展"]) + "\n" +
                    separator.join(["1", "公厕改造", "已完成, 共10座"]) + "\n", encoding="utf-8")
    document = read_spreadsheet(path, "台账.csv")
    assert shown(document, "progress") == [("已完成, 共10座", "台账.csv!C2")]
    assert f"columns separated by {name}" in document.facts[0]


def test_an_ods_sheet_with_leading_empty_rows():
    document = read("sheet.ods")
    assert document.problems == ()
    assert shown(document, "title") == [("养老服务站", "sheet.ods:区民政局!B4")]
    assert shown(document, "target.done") == [("12", "sheet.ods:区民政局!D4")]  # not 12.0
    assert texts(document, "unit") == ["区民政局"]
    assert any("number formats are not read from .ods files" in fact for fact in document.facts)


def test_tables_of_several_units_stacked_in_one_sheet(tmp_path):
    """Each unit's table under its own 填报单位 row, its header repeated: the unit changes, the
    repeated header is skipped, and a section 序号 （一） names the category."""
    path = write_xlsx(tmp_path / "汇总.xlsx", [
        ["填报单位：区委办公室"], ["序号", "项目名称", "工作进展"], ["（一）", "民生保障"], [1, "机关食堂开放", "已开放。"],
        [], ["填报单位：区民政局"], ["序号", "项目名称", "工作进展"], [1, "养老服务站", "已建成。"]], sheet="Sheet1")
    document = read_spreadsheet(path, "汇总.xlsx")
    assert document.problems == ()
    assert texts(document, "title") == ["机关食堂开放", "养老服务站"]
    assert shown(document, "unit") == [("区委办公室", "汇总.xlsx:Sheet1!A1"), ("区民政局", "汇总.xlsx:Sheet1!A6")]
    assert shown(document, "category") == [("民生保障", "汇总.xlsx:Sheet1!B3"), ("民生保障", "汇总.xlsx:Sheet1!B3")]
    assert any("repeated header rows skipped: 汇总.xlsx:Sheet1!A7" in fact for fact in document.facts)


def test_a_default_sheet_name_is_no_unit(tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", [["序号", "项目名称"], [1, "公厕改造"]], sheet="Sheet1")
    document = read_spreadsheet(path, "台账.xlsx")
    assert "unit" not in document.projects[0].values  # the importer asks for --unit


# --- columns ------------------------------------------------------------------------------

@pytest.mark.parametrize("header, field", [
    ("完成情况", "progress"), ("完成时限", "due"), ("完成", "target.done"), ("配合单位", None), ("业主单位", None),
    ("总投资（万元）", "funding.amount"), ("★项目名称", "title"), ("工作\n进展", "progress"), ("领 办 项 目", "title"),
    ("截至6月底工作进展", "progress"), ("项目类别", "category"), ("所在村（社区）", "location"), ("下步计划", None),
    ("编号（请勿修改）", "id"), ("编号", "id"), ("主要形象进度", "progress"), ("责任领导", "lead"), ("批次", "category"),
    ("完成状态", "status"), ("起止年限", "due"), ("量化年度目标", "target.name"), ("更新日期", "updated"),
    ("备注", None), ("填报单位：区委办公室", None),
])
def test_columns_are_found_by_their_whole_header_then_the_longest_known_inside(header, field):
    assert field_for_header(header)[0] == field


def test_every_canonical_header_reads_back_as_its_field():
    """`export` writes HEADERS[field][0]: each must import as that field."""
    assert set(HEADERS) <= set(FIELDS)
    for field, headers in HEADERS.items():
        for header in headers:
            assert field_for_header(header) == (field, True), header
    for header in NOT_FIELDS:
        assert field_for_header(header) == (None, True), header
    assert normalise_header("总投资 【万元】") == "总投资(万元)"


def test_site_yaml_overrides_name_a_column_field_or_leave_it_out():
    document = read("title_rows.xlsx", {"配合单位": "location", "完成时限": ""})
    assert document.problems == ()
    assert shown(document, "location") == [("区住建局", "title_rows.xlsx:项目清单!G4"), ("", "")]
    assert texts(document, "due") == ["", ""]
    problem, = read("title_rows.xlsx", {"备注": "remark"}).problems
    assert str(problem).startswith("site.yaml: import: columns: \"备注\": 'remark' is not a field")


# --- problems -----------------------------------------------------------------------------

def test_two_columns_for_one_field_point_at_the_second(tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", [["序号", "项目名称", "工作进展", "领办项目"], [1, "公厕改造", "完成", "x"]])
    problem, = read_spreadsheet(path, "台账.xlsx").problems
    assert str(problem) == ("台账.xlsx:台账!D1: columns B (项目名称) and D (领办项目) both give title; rename one "
                            "header, or name the right field of each in site.yaml under import: columns:")


def test_no_header_row_says_which_headers_were_expected(tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", [["名单"], ["张三", "李四"]])
    document = read_spreadsheet(path, "台账.xlsx")
    problem, = document.problems
    assert str(problem).startswith("台账.xlsx:台账!A1: no header row found in the first 30 rows")
    assert "项目名称" in problem.message and "序号" in problem.message
    assert document.projects == ()


def test_a_sheet_without_a_header_beside_one_with_it_is_listed_not_an_error(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "台账.xlsx"))
    book.add_worksheet("填表说明").write("A1", "请按要求填写")
    book.add_worksheet("区委办公室").write_row("A1", ["序号", "项目名称"])
    book.worksheets()[1].write_row("A2", [1, "公厕改造"])
    book.close()
    document = read_spreadsheet(tmp_path / "台账.xlsx", "台账.xlsx")
    assert document.problems == ()
    assert texts(document, "title") == ["公厕改造"]
    assert 'sheet "填表说明": no header row found, not imported' in document.facts


@pytest.mark.parametrize("name, content, expected", [
    ("台账.xlsx", b"PK\x03\x04 damaged zip", "the workbook cannot be read"),
    ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "the workbook cannot be read"),
    ("台账.xls", b"<html><table><tr><td>1</td></tr></table></html>", "this file is a web page or XML"),
    ("台账.xlsx", b"just some text", "this is not a spreadsheet that can be read"),
    ("台账.xlsx", b"", "the file is empty"),
    ("台账.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"),
     "the workbook is protected by a password"),
    ("台账.csv", b"\x81\x30\xff\xfe\x00\x81", "this CSV file is neither UTF-8 nor GBK text"),
])
def test_a_file_that_cannot_be_read_is_one_problem_not_a_traceback(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    document = read_spreadsheet(path, name)
    problem, = document.problems
    assert str(problem).startswith(f"{name}: {expected}")
    assert document.projects == ()


def test_limits_bound_what_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "MAX_ROWS", 5)
    csv_path = tmp_path / "大.csv"
    csv_path.write_text("序号,项目名称\n" + "".join(f"{n},项目{n}\n" for n in range(10)), encoding="utf-8")
    problem, = read_spreadsheet(csv_path, "大.csv").problems
    assert "this sheet is too large to import" in str(problem)
    xlsx_path = write_xlsx(tmp_path / "大.xlsx", [["序号", "项目名称"]] + [[n, f"项目{n}"] for n in range(10)])
    problem, = read_spreadsheet(xlsx_path, "大.xlsx").problems
    assert str(problem).startswith("大.xlsx:台账!A1: this sheet is too large to import (11 rows")
    monkeypatch.setattr(sheets, "MAX_FILE_BYTES", 100)
    problem, = read_spreadsheet(xlsx_path, "大.xlsx").problems
    assert "at most 0 MB can be imported" in str(problem)


def test_a_far_away_cell_is_refused_before_it_is_loaded(tmp_path):
    """A stray value at XFD1048576 (the sheet's last cell) must not make the reader allocate
    the whole sheet in between."""
    book = xlsxwriter.Workbook(str(tmp_path / "台账.xlsx"))
    sheet = book.add_worksheet("台账")
    sheet.write_row("A1", ["序号", "项目名称"])
    sheet.write("XFD1048576", "x")
    book.close()
    started = time.monotonic()
    problem, = read_spreadsheet(tmp_path / "台账.xlsx", "台账.xlsx").problems
    assert time.monotonic() - started < 5
    assert "(1048576 rows, 16384 columns" in str(problem)


def test_problems_speak_chinese_for_a_chinese_site(tmp_path, chinese):
    path = write_xlsx(tmp_path / "台账.xlsx", [["名单"]])
    problem, = read_spreadsheet(path, "台账.xlsx").problems
    assert str(problem).startswith("台账.xlsx:台账!A1: 前30行中没有找到表头")


def test_ten_thousand_rows_read_in_seconds(tmp_path):
    path = tmp_path / "台账.csv"
    path.write_text("序号,责任单位,项目名称,状态,工作进展\n" +
                    "".join(f"{n},区委办公室,项目{n},进行中,{'进展' * 50}\n" for n in range(1, 10_001)),
                    encoding="utf-8")
    started = time.monotonic()
    document = read_spreadsheet(path, "台账.csv")
    assert time.monotonic() - started < 5
    assert len(document.projects) == 10_000
    assert shown(document, "title")[-1] == ("项目10000", "台账.csv!C10001")


def test_cell_names():
    assert cell_name(13, 3) == "D14"
    assert cell_name(0, 26) == "AA1"
    assert sheets.parse_cell_name("XFD1048576") == (1048575, 16383)
