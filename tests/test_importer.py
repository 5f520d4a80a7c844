"""`python build.py import`: a ledger or a published text bulletin becomes a round's unit files
that pass `check`, keep the previous round's ids, and never overwrite staff's work."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import MINIMAL_SITE, ROOT, run_cli, write_site

HEADER = "序号,责任单位,项目名称,状态,工作进展,资金（万元）,完成时限\n"
# u1 had p1 路灯修复 and p4 新项目 in r2; town had t1 供暖改造 in r1 (nothing in r2).
LEDGER = HEADER + (
    "1,甲单位,路灯修复,已办结,全部更换完毕,5,2024年6月\n"
    "2,甲单位,新项目（续）,,正在施工,,6月底前\n"
    "3,甲单位,垃圾分类宣传,推进中,已入户宣传三次,,\n"
    "4,乙 镇,供暖改造,进行中,\"管道已铺设\n第二段施工\",0755,2024.06\n"
)


def draft_site(folder: Path, empty: bool = True) -> Path:
    """The minimal site with a draft round r3 started by new-round (--empty: no unit file)."""
    site = write_site(folder, MINIMAL_SITE)
    started = run_cli("new-round", "r3", "--title", "第三轮", "--date", "2021-10-25", "--site", str(site),
                      *(["--empty"] if empty else []))
    assert started.returncode == 0, started.stderr
    return site


def ledger_file(folder: Path, text: str, name: str = "台账.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def projects_of(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["projects"]


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def check_passes(site: Path) -> None:
    checked = run_cli("check", "--site", str(site))
    assert checked.returncode == 0, checked.stderr
    assert "OK:" in checked.stdout


def test_import_writes_unit_files_that_pass_check_and_keep_previous_ids(tmp_path):
    site = draft_site(tmp_path / "site")
    result = run_cli("import", str(ledger_file(tmp_path, LEDGER)), "--round", "r3", "--site", str(site),
                     lang="zh-CN")
    assert result.returncode == 0, result.stderr
    check_passes(site)

    u1 = site / "content/r3/u1.yaml"
    text = u1.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../../schemas/unit.schema.json"
    assert lines[1] == "# 甲单位 第三轮（2021-10-25）：导入自 台账.csv"
    projects = projects_of(u1)
    assert [p["id"] for p in projects] == ["p1", "p4", "ljflxc"]  # same title, similar title, new
    assert projects[0] == {"id": "p1", "title": "路灯修复", "status": "completed", "progress": "全部更换完毕\n",
                           "funding": {"amount": 5, "unit": "万元"}, "due": "2024-06"}
    # the similar title keeps p4's id, marked for staff beside the id
    assert any(line.startswith("  - id: p4  # 请核对：") and "新项目" in line for line in lines), text
    # no status: guessed from the progress, marked; a deadline that is no date is left out, marked
    assert any(line.startswith("    status: in_progress  # 请核对：") and "正在" in line for line in lines), text
    assert "due" not in projects[1]
    assert any(line.startswith("    # 请核对：") and "6月底前" in line for line in lines), text
    assert "progress: |" in text and "title: 路灯修复\n" in text  # hand-written style

    town = projects_of(site / "content/r3/town.yaml")
    assert town == [{"id": "t1", "title": "供暖改造", "status": "in_progress", "progress": "管道已铺设\n第二段施工\n",
                     "funding": {"amount": 755, "unit": "万元"}, "due": "2024-06"}]

    out = result.stdout
    assert "单位：2 个；项目：4 项" in out
    assert "与上一轮对应的项目：3 项（按编号 0 项，标题相同 2 项，标题相似 1 项，需核对）；新项目：1 项" in out
    assert "状态「已办结」按 已完成 导入（1 项）" in out
    assert "台账.csv!C3: 标题与轮次 r2 的「新项目」相似" in out
    assert "台账.csv!E3: 文件中没有写状态，根据进展中的「正在」推断为「推进中」" in out
    assert "台账.csv!G3: 完成时限「6月底前」不是某月或某日，未导入" in out


def test_new_ids_are_readable_unique_and_the_same_on_every_run(tmp_path):
    ledger = ledger_file(tmp_path, HEADER + "1,乙镇,下荒村路灯损坏修复项目,完成,已修复,,\n"
                                            "2,乙镇,下荒村路灯损坏修复工程,完成,已修复,,\n"
                                            "3,乙镇,NO,完成,已修复,,\n")
    written = []
    for name in ("a", "b"):
        site = draft_site(tmp_path / name)
        result = run_cli("import", str(ledger), "--round", "r3", "--site", str(site))
        assert result.returncode == 0, result.stderr
        check_passes(site)
        written.append((site / "content/r3/town.yaml").read_bytes())
    assert written[0] == written[1]
    projects = yaml.safe_load(written[0])["projects"]
    # pinyin initials, 项目/工程 left aside, then -2; the second never takes an earlier round's id either
    assert [p["id"] for p in projects] == ["xhcldshxf", "xhcldshxf-2", "no-2"]  # never YAML's false
    assert b"    title: NO\n" in written[0]  # as typed: the loader keeps a text field's characters


def test_new_id_never_takes_an_id_the_unit_used_before(tmp_path):
    site = draft_site(tmp_path / "site")
    # r1 had p2 车位划线 (dropped in r2): a new project whose initials are "p2" must not join its history
    units = (site / "content/r1/u1.yaml")
    units.write_text(units.read_text(encoding="utf-8").replace("id: p3", "id: pt"), encoding="utf-8")
    result = run_cli("import", str(ledger_file(tmp_path, HEADER + "1,甲单位,盘田,完成,完成,,\n")), "--round", "r3",
                     "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert [p["id"] for p in projects_of(site / "content/r3/u1.yaml")] == ["pt-2"]


def test_dry_run_writes_nothing_and_says_what_it_would_do(tmp_path):
    site = draft_site(tmp_path / "site")
    before = site_files(site)
    result = run_cli("import", str(ledger_file(tmp_path, LEDGER)), "--round", "r3", "--site", str(site), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert site_files(site) == before
    assert "content/r3/u1.yaml" in result.stdout and "content/r3/town.yaml" in result.stdout
    assert "Dry run: nothing was written" in result.stdout
    assert "similar to \"新项目\"" in result.stdout  # the fuzzy match is shown for staff to confirm


def test_an_edited_file_is_kept_a_new_round_copy_is_replaced_and_force_keeps_a_backup(tmp_path):
    site = draft_site(tmp_path / "site", empty=False)  # r3/u1.yaml is new-round's copy of r2/u1.yaml
    ledger = ledger_file(tmp_path, LEDGER)
    replaced = run_cli("import", str(ledger), "--round", "r3", "--site", str(site))
    assert replaced.returncode == 0, replaced.stderr
    assert "replaces the unedited copy new-round made" in replaced.stdout
    assert [p["id"] for p in projects_of(site / "content/r3/u1.yaml")] == ["p1", "p4", "ljflxc"]

    again = run_cli("import", str(ledger), "--round", "r3", "--site", str(site))  # the same file: nothing to lose
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout

    unit_file = site / "content/r3/u1.yaml"
    edited = unit_file.read_text(encoding="utf-8").replace("全部更换完毕", "全部更换完毕，已验收")
    unit_file.write_text(edited, encoding="utf-8")
    before = site_files(site)
    refused = run_cli("import", str(ledger), "--round", "r3", "--site", str(site))
    assert refused.returncode == 1
    assert "content/r3/u1.yaml: this unit file exists and is not the copy new-round made" in refused.stderr
    assert "--force" in refused.stderr and "nothing was written" in refused.stderr
    assert site_files(site) == before  # town.yaml, which could be written, is not written either

    forced = run_cli("import", str(ledger), "--round", "r3", "--site", str(site), "--force")
    assert forced.returncode == 0, forced.stderr
    backups = list((site / "content/.import-backup/r3").glob("*/u1.yaml"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == edited
    assert "已验收" not in unit_file.read_text(encoding="utf-8")
    check_passes(site)  # the backup is never read as a unit file


def test_every_problem_is_reported_at_its_cell_at_once_and_nothing_is_written(tmp_path):
    site = draft_site(tmp_path / "site")
    ledger = ledger_file(tmp_path, HEADER + "1,甲单,路灯修复,完成,已完成,,\n"
                                            "2,甲单位,车位划线,搞定,已划线,,\n"
                                            "3,乙镇,供暖改造,完成,已完成,五千,\n"
                                            "4,,垃圾清运,完成,已清运,,\n"
                                            "5,乙镇,,完成,已清运,,\n")
    before = site_files(site)
    result = run_cli("import", str(ledger), "--round", "r3", "--site", str(site), lang="zh-CN")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("台账.csv!B2: 单位「甲单」不在 content/units.yaml 中（是不是「甲单位」？）")
    assert lines[1].startswith("台账.csv!D3: 状态 status：「搞定」不是状态用语")
    assert "已完成、推进中、未启动、暂缓、已取消" in lines[1] and "已办结" in lines[1]
    assert lines[2].startswith("台账.csv!F4: 资金金额 funding.amount：") and "五千" in lines[2]
    assert lines[3].startswith("台账.csv!A5: 此项目没有写单位") and "--unit" in lines[3]
    assert lines[4].startswith("台账.csv!A6: 此项目没有标题 title")
    assert lines[5] == "发现 5 个问题；没有写入任何文件。"
    assert site_files(site) == before


def test_the_round_must_exist_and_unit_option_names_the_whole_file(tmp_path):
    site = draft_site(tmp_path / "site")
    ledger = ledger_file(tmp_path, "项目名称,工作进展\n供暖改造,二期管网施工中\n")
    missing = run_cli("import", str(ledger), "--round", "r4", "--site", str(site))
    assert missing.returncode == 1
    assert "round 'r4' is not in site.yaml" in missing.stderr and "new-round r4" in missing.stderr

    no_unit = run_cli("import", str(ledger), "--round", "r3", "--site", str(site))
    assert no_unit.returncode == 1 and "台账.csv!A2: this project names no unit" in no_unit.stderr

    wrong = run_cli("import", str(ledger), "--round", "r3", "--unit", "乙", "--site", str(site))
    assert wrong.returncode == 1 and "did you mean '乙镇'" in wrong.stderr

    result = run_cli("import", str(ledger), "--round", "r3", "--unit", "乙镇", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert projects_of(site / "content/r3/town.yaml") == [
        {"id": "t1", "title": "供暖改造", "status": "in_progress", "progress": "二期管网施工中\n"}]
    check_passes(site)


TITLES_YAML_WOULD_MISREAD = ("- 路灯: 修复 #2", "{临时} [加急]", "'引号' \"双引号\"", "%百分比", "@提醒", "!重要", "&锚",
                             "*别名", "> 折叠", "`反引号`", "null", "~", "2021-08-24", "010", "yes", "a\tb")


def test_values_yaml_would_misread_are_written_so_that_they_read_back_as_typed(tmp_path):
    site = draft_site(tmp_path / "site")
    rows = "".join('"' + title.replace('"', '""') + '",| 开头的进展: #1\n' for title in TITLES_YAML_WOULD_MISREAD)
    result = run_cli("import", str(ledger_file(tmp_path, "项目名称,工作进展\n" + rows)), "--round", "r3",
                     "--unit", "u1", "--site", str(site))
    assert result.returncode == 0, result.stderr
    check_passes(site)
    preview = tmp_path / "preview"
    built = run_cli("build", "--drafts", "--no-search", "--site", str(site), "--out", str(preview))
    assert built.returncode == 0, built.stderr
    page = html.unescape((preview / "rounds/r3/u1.html").read_text(encoding="utf-8"))
    for title in TITLES_YAML_WOULD_MISREAD:
        assert " ".join(title.split()) in page
    assert page.count("| 开头的进展: #1") == len(TITLES_YAML_WOULD_MISREAD)


def reference_site(folder: Path) -> Path:
    """The sample site before its second round: round 2021-2 started empty, to import into."""
    site = folder / "site"
    site.mkdir(parents=True)
    settings = (ROOT / "site.yaml").read_text(encoding="utf-8")
    cut = settings.index("  - id: 2021-2")
    (site / "site.yaml").write_text(settings[:cut], encoding="utf-8")
    (site / "content").mkdir()
    shutil.copy2(ROOT / "content/units.yaml", site / "content/units.yaml")
    shutil.copytree(ROOT / "content/2021-1", site / "content/2021-1")
    started = run_cli("new-round", "2021-2", "--title", "第二轮公布", "--date", "2021-08-24", "--empty",
                      "--site", str(site))
    assert started.returncode == 0, started.stderr
    return site


def test_the_reference_bulletin_imports_as_the_sample_second_round(tmp_path):
    site = reference_site(tmp_path)
    bulletin = ROOT / "tests/fixtures/bulletins/yuanbaoshan-2021-2.txt"
    result = run_cli("import", str(bulletin), "--round", "2021-2", "--site", str(site), lang="zh-CN")
    assert result.returncode == 0, result.stderr
    assert "单位：4 个；项目：27 项" in result.stdout
    check_passes(site)
    total = 0
    for unit in ("qwbgs", "qrdjg", "qzfbgs", "qzxjg"):
        imported = projects_of(site / f"content/2021-2/{unit}.yaml")
        sample = projects_of(ROOT / f"content/2021-2/{unit}.yaml")
        total += len(imported)
        assert [p["title"] for p in imported] == [p["title"] for p in sample]
        assert [p["progress"] for p in imported] == [p["progress"] for p in sample]
        # a project the first round had under the same title keeps its id
        first_round = {p["title"]: p["id"] for p in projects_of(ROOT / f"content/2021-1/{unit}.yaml")}
        for project in imported:
            if project["title"] in first_round:
                assert project["id"] == first_round[project["title"]]
    assert total == 27
    # 已完成。/ 解决中。 opening the progress is the bulletin's status, not progress
    assert "进展开头的状态「已完成」按 已完成 导入，并已从进展中去掉（4 项）" in result.stdout
    statuses = {p["id"]: p["status"] for p in projects_of(site / "content/2021-2/qzfbgs.yaml")}
    assert statuses["yinhe-wenti"] == "completed"
    # a first-round project missing from the bulletin is named, with what the site will show
    assert "yinhe-wuye-jiandu「银河社区物业服务监督项目」" in result.stdout and "本轮未报告" in result.stdout


def test_a_bulletin_in_traditional_characters_giving_only_statuses_imports_to_confirm(tmp_path):
    """區委辦公室 is the unit 区委办公室; an item that states only its status (（已完成）) has that
    as its progress, marked for staff to confirm, instead of being refused."""
    site = reference_site(tmp_path)
    bulletin = tmp_path / "公示.txt"
    bulletin.write_text("區委辦公室（2項）\n1、下荒村滑子菇销路项目（已完成）\n2、下荒村路灯损坏修复项目（推進中）\n",
                        encoding="utf-8")
    result = run_cli("import", str(bulletin), "--round", "2021-2", "--site", str(site), lang="zh-CN")
    assert result.returncode == 0, result.stderr
    assert "区委办公室（qwbgs）：2 项" in result.stdout
    assert "公示.txt:2: 文件中没有进展，只写了状态「已完成」" in result.stdout
    imported = projects_of(site / "content/2021-2/qwbgs.yaml")
    assert [(p["status"], p["progress"].strip()) for p in imported] == [("completed", "已完成"),
                                                                        ("in_progress", "推進中")]
    assert "# 请核对" in (site / "content/2021-2/qwbgs.yaml").read_text(encoding="utf-8")
    check_passes(site)


def test_site_yaml_names_the_columns_a_districts_ledgers_word_differently(tmp_path):
    site = draft_site(tmp_path / "site")
    settings = site / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "import:\n  columns:\n    领办事项: title\n"
                        "    干了啥: progress\n    说明: \"\"\n", encoding="utf-8")
    ledger = ledger_file(tmp_path, "领办事项,干了啥,说明\n供暖改造,二期管网施工中,内部备注\n")
    result = run_cli("import", str(ledger), "--round", "r3", "--unit", "town", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert projects_of(site / "content/r3/town.yaml") == [
        {"id": "t1", "title": "供暖改造", "status": "in_progress", "progress": "二期管网施工中\n"}]
    assert "内部备注" not in (site / "content/r3/town.yaml").read_text(encoding="utf-8")
    check_passes(site)

    settings.write_text(settings.read_text(encoding="utf-8").replace("干了啥: progress", "干了啥: progres"),
                        encoding="utf-8")
    refused = run_cli("import", str(ledger), "--round", "r3", "--unit", "town", "--site", str(site))
    assert refused.returncode == 1
    assert "site.yaml:" in refused.stderr and "'progres' is not a field an import fills" in refused.stderr


LEDGER_UNITS = (("qwbgs", "区委办公室"), ("qmzj", "区民政局"), ("qzwb", "区政务办"), ("qzjj", "区住建局"),
                ("qcl", "区残联"), ("qwjw", "区卫健委"), ("qylzx", "区园林中心"), ("qcgj", "区城管局"))


@pytest.fixture(scope="module")
def ledger_units_site(tmp_path_factory) -> Path:
    """A site whose units are those the ledger fixtures name, with an empty draft round to import into."""
    site = tmp_path_factory.mktemp("ledgers") / "site"
    units = "units:\n" + "".join(f"  - id: {unit}\n    name: {name}\n    group: 区直部门\n"
                                 for unit, name in LEDGER_UNITS)
    return write_site(site, {"site.yaml": "title: 测试区\npublisher: 测试区办公室\nsupervision:\n  phone: 0000-1234567\n"
                                          "rounds:\n  - id: r1\n    title: 第一轮\n    date: 2024-06-30\n"
                                          "    draft: true\n",
                             "content/units.yaml": units})


# Each shape of a real ledger (tests/fixtures/ledgers/make_fixtures.py); a sheet named after no
# unit (项目清单, 台账) is imported with --unit.
@pytest.mark.parametrize("name, unit", [
    ("title_rows.xlsx", None), ("two_row_header.xlsx", None), ("merged_unit.xlsx", None),
    ("sheet_per_unit.xlsx", None), ("subtotal_footer.xlsx", None), ("wps_dimension.xlsx", None),
    ("blank_rows.xlsx", "qwbgs"), ("continuation.xlsx", "区委办公室"), ("gbk.csv", None), ("utf8_bom.csv", None),
    ("sheet.ods", None)])
def test_each_ledger_shape_imports_into_files_that_pass_check(ledger_units_site, tmp_path, name, unit):
    site = tmp_path / "site"
    shutil.copytree(ledger_units_site, site)
    from bulletin.columns import read_spreadsheet
    read = read_spreadsheet(ROOT / "tests/fixtures/ledgers" / name, name, {})
    result = run_cli("import", str(ROOT / "tests/fixtures/ledgers" / name), "--round", "r1", "--site", str(site),
                     *(["--unit", unit] if unit else []))
    assert result.returncode == 0, result.stderr
    check_passes(site)
    written = [p for f in sorted((site / "content/r1").glob("*.yaml")) for p in projects_of(f)]
    assert [p["title"] for p in written] != [] and len(written) == len(read.projects)
    assert sorted(p["title"] for p in written) == sorted(p.values["title"].text.strip() for p in read.projects)
