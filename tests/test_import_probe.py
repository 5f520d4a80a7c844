"""`python build.py import` on ledgers shaped as offices really make them, beyond the committed
fixtures: a 是否完成 column, a sheet per month, a date shown as a month, a 填表说明 note under
the table, a hidden row, a ★ on a title, a unit written short. Each workbook is made here with
XlsxWriter and imported through the real CLI into the minimal site's draft round."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from conftest import run_cli
from test_importer import check_passes, draft_site, ledger_file, projects_of


def workbook(path: Path, sheets: dict[str, list[list]], formats: dict | None = None,
             hidden_rows: tuple[tuple[str, int], ...] = ()) -> Path:
    """A workbook of `sheets` (name → rows); `formats`: (sheet, row, column) → (value, number format)."""
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2024, 1, 1)})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for row, values in enumerate(rows):
            sheet.write_row(row, 0, values)
        for (sheet_name, row, column), (value, code) in (formats or {}).items():
            if sheet_name == name:
                sheet.write_datetime(row, column, value, book.add_format({"num_format": code}))
        for sheet_name, row in hidden_rows:
            if sheet_name == name:
                sheet.set_row(row, None, None, {"hidden": True})
    book.close()
    return path


def imported(tmp_path: Path, ledger: Path, *options: str, lang: str = "en"):
    site = draft_site(tmp_path / "site")
    result = run_cli("import", str(ledger), "--round", "r3", "--site", str(site), *options, lang=lang)
    return site, result


def test_a_yes_no_column_gives_completed_or_a_status_from_the_progress_to_confirm(tmp_path):
    ledger = ledger_file(tmp_path, "序号,项目名称,责任单位,工作进展,是否完成\n"
                                   "1,路灯修复,甲单位,全部修复,是\n2,车位划线,甲单位,划线一半,否\n"
                                   "3,垃圾清运,甲单位,正在清运,未完成\n4,停车场,甲单位,尚未开工，未启动,否\n")
    site, result = imported(tmp_path, ledger)
    assert result.returncode == 0, result.stderr
    check_passes(site)
    written = {p["title"]: p["status"] for p in projects_of(site / "content/r3/u1.yaml")}
    assert written == {"路灯修复": "completed", "车位划线": "in_progress", "垃圾清运": "in_progress",
                       "停车场": "not_started"}
    assert "Status '是' imported as completed (1 project)" in result.stdout
    assert "台账.csv!E3: '否' says it is not completed; set to in progress from the progress" in result.stdout
    text = (site / "content/r3/u1.yaml").read_text(encoding="utf-8")
    assert "status: in_progress  # To confirm: '未完成' says it is not completed" in text


def test_sheets_named_after_months_are_no_units_and_their_repeated_projects_are_reported(tmp_path):
    rows = [["序号", "项目名称", "工作进展", "状态"], [1, "路灯修复", "采购中", "推进中"]]
    ledger = workbook(tmp_path / "月报.xlsx", {"1月": rows, "2月份": rows})
    site, result = imported(tmp_path, ledger)
    assert result.returncode == 1
    assert "月报.xlsx:1月!A2: this project names no unit" in result.stderr
    assert "月报.xlsx:2月份!A2: this project names no unit" in result.stderr
    assert "'1月'" not in result.stderr and not list((site / "content/r3").glob("*.yaml"))

    # With --unit, the same project in every month's sheet would be imported twice.
    again, result = imported(tmp_path / "again", ledger, "--unit", "u1")
    assert result.returncode == 1
    assert ("月报.xlsx:2月份!B2: title: '路灯修复' is also the title of another project of this unit "
            "(月报.xlsx:1月!B2)") in result.stderr
    assert not list((again / "content/r3").glob("*.yaml"))


def test_a_date_formatted_as_a_month_is_imported_as_that_month(tmp_path):
    ledger = workbook(tmp_path / "台账.xlsx", {"项目清单": [["序号", "项目名称", "责任单位", "工作进展", "完成时限"],
                                                        [1, "路灯修复", "甲单位", "采购中"],
                                                        [2, "车位划线", "甲单位", "划线中"]]},
                      {("项目清单", 1, 4): (dt.datetime(2024, 6, 1), 'yyyy"年"m"月"'),
                       ("项目清单", 2, 4): (dt.datetime(2024, 6, 1), "yyyy-mm-dd")})
    site, result = imported(tmp_path, ledger)
    assert result.returncode == 0, result.stderr
    check_passes(site)
    # Staff see 2024年6月 (a month: its last day is the deadline), not the first of June.
    text = (site / "content/r3/u1.yaml").read_text(encoding="utf-8")
    assert "due: 2024-06\n" in text and "due: 2024-06-01\n" in text


def test_a_fill_in_note_under_the_table_is_a_footer_not_a_project(tmp_path):
    ledger = ledger_file(tmp_path, "序号,项目名称,责任单位,工作进展,状态\n1,路灯修复,甲单位,采购中,推进中\n,,,,\n"
                                   "填表说明：状态只填已完成、推进中、未启动,,,,\n", name="台账.csv")
    site, result = imported(tmp_path, ledger)
    assert result.returncode == 0, result.stderr
    assert "footer rows skipped: 台账.csv!A4" in result.stdout
    assert [p["title"] for p in projects_of(site / "content/r3/u1.yaml")] == ["路灯修复"]


def test_a_hidden_row_is_imported_and_marked_to_confirm(tmp_path):
    ledger = workbook(tmp_path / "台账.xlsx", {"台账": [["序号", "项目名称", "责任单位", "工作进展", "状态"],
                                                   [1, "路灯修复", "甲单位", "采购中", "推进中"],
                                                   [2, "作废项目", "甲单位", "已取消", "已取消"]]},
                      hidden_rows=(("台账", 2),))
    site, result = imported(tmp_path, ledger)
    assert result.returncode == 0, result.stderr
    check_passes(site)
    assert "台账.xlsx:台账!A3: this row is hidden in the workbook, and was imported" in result.stdout
    text = (site / "content/r3/u1.yaml").read_text(encoding="utf-8")
    assert text.count("hidden in the workbook") == 1
    assert text.index("hidden in the workbook") > text.index("作废项目")


def test_a_starred_title_keeps_the_id_of_the_same_title_and_a_short_unit_name_gets_a_hint(tmp_path):
    ledger = ledger_file(tmp_path, "序号,项目名称,责任单位,工作进展,状态\n1,★路灯修复,甲单位,采购中,推进中\n")
    site, result = imported(tmp_path, ledger)
    assert result.returncode == 0, result.stderr
    assert projects_of(site / "content/r3/u1.yaml")[0]["id"] == "p1"
    assert "1 by the same title" in result.stdout

    short = ledger_file(tmp_path, "序号,项目名称,责任单位,工作进展,状态\n1,路灯修复,甲单位,采购中,推进中\n"
                                  "2,车位划线,甲单,划线中,推进中\n", name="简称.csv")
    _site, result = imported(tmp_path / "short", short)
    assert result.returncode == 1
    assert "简称.csv!C3: unit '甲单' is not in content/units.yaml (did you mean '甲单位'?)" in result.stderr


def test_a_unit_written_short_is_offered_the_one_name_it_shortens():
    from bulletin.importer import Unit, _unknown_unit
    units = (Unit("qwbgs", "区委办公室"), Unit("qrdjg", "区人大常委会机关"), Unit("qzjj", "区住房和城乡建设局"),
             Unit("qzfbgs", "区政府办公室"))
    assert "(did you mean '区人大常委会机关'?)" in _unknown_unit("区人大", units)
    assert "(did you mean '区住房和城乡建设局'?)" in _unknown_unit("区住建局", units)
    # 区办 shortens two names: no guess, the list of names instead
    assert "did you mean" not in _unknown_unit("区办", units)
