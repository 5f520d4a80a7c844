"""Unit files as staff write them: text kept as typed, statuses by key or by the label the site shows."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from conftest import run_cli, write_site


def text_of(path) -> str:
    return " ".join(BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" ").split())


def test_text_fields_keep_what_staff_typed_whatever_yaml_would_guess(minimal_site, tmp_path):
    settings = minimal_site / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("phone: 0000-1234567", "phone: 12345"),
                        encoding="utf-8")
    write_site(minimal_site, {"content/r2/u1.yaml": """
        projects:
          - id: 0755
            title: 2023
            status: 已完成
            progress: 全部完成
            lead: NO
            location: 1.10
          - id: p4
            title: 新项目
            status: 推进中
            progress: 2021-08-24
        """})
    checked = run_cli("check", "--site", str(minimal_site))
    assert checked.returncode == 0, checked.stderr
    out = tmp_path / "public"
    built = run_cli("build", "--site", str(minimal_site), "--out", str(out), "--no-search")
    assert built.returncode == 0, built.stderr
    page = text_of(out / "rounds/r2/u1.html")
    assert "12345" in page  # the national hotline, not a number to reformat
    assert "2023" in page and "NO" in page and "1.10" in page and "2021-08-24" in page
    assert "已完成" in page and "推进中" in page
    assert (out / "projects/u1/0755.html").is_file()  # `id: 0755` is not the octal 493
    rows = (out / "data/rounds/r2.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[1].startswith("r2,第二轮,2021-08-24,u1,甲单位,区直部门,1,0755,true,2023,completed,已完成,全部完成,NO,,1.10,")


def test_a_status_that_is_neither_a_key_nor_a_label_still_gets_a_hint(minimal_site):
    write_site(minimal_site, {"content/r2/u1.yaml": """
        projects:
          - id: p1
            title: 路灯
            status: 进行中
            progress: x
        """})
    checked = run_cli("check", "--site", str(minimal_site))
    assert checked.returncode == 1
    assert "'进行中' is not a valid status (did you mean 'in_progress'?); write 已完成, 推进中, 未启动, 暂缓, 已取消 " \
           "(or completed, in_progress, not_started, suspended, cancelled)" in checked.stderr, checked.stderr


BAD_STATUS = """
    projects:
      - id: p1
        title: 路灯
        status: completed
        progress: x
      - id: p2
        title: 锦绣社区取暖期室温提升项目
        status: in_progress
        progress: x
      - id: p3
        title: 公厕
        status: 完成了
        progress: x
    """


def test_a_bad_status_is_named_as_staff_see_it_in_chinese(minimal_site):
    """The machine-readable start stays `path:line:column: `; then the item as numbered on the
    bulletin, its title, and the field's Chinese name beside its key; the labels come first."""
    write_site(minimal_site, {"content/r2/u1.yaml": BAD_STATUS})
    checked = run_cli("check", "--site", str(minimal_site), lang="zh-CN")
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert checked.stderr.splitlines()[0] == (
        "content/r2/u1.yaml:12:5: 第3项「公厕」状态 status：'完成了' 不是可用的状态；可写 已完成、推进中、未启动、暂缓、已取消"
        "（或 completed、in_progress、not_started、suspended、cancelled）"), checked.stderr


def test_a_bad_status_is_named_as_staff_see_it_in_english(minimal_site):
    write_site(minimal_site, {"content/r2/u1.yaml": BAD_STATUS.replace("公厕", "锦绣社区取暖期室温提升项目（二期）")})
    checked = run_cli("check", "--site", str(minimal_site))
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert checked.stderr.splitlines()[0] == (
        "content/r2/u1.yaml:12:5: item 3 \"锦绣社区取暖期室温提升项目（二期）\" status: '完成了' is not a valid status; "
        "write 已完成, 推进中, 未启动, 暂缓, 已取消 (or completed, in_progress, not_started, suspended, cancelled)"), \
        checked.stderr


def test_a_problem_with_the_title_itself_does_not_repeat_it(minimal_site):
    """A title is shown beside the item only when it is readable: a title that is the problem
    (here an invisible character in it) is not repeated in front of its own message."""
    write_site(minimal_site, {"content/r2/u1.yaml": BAD_STATUS.replace("title: 公厕", 'title: "公\\u200b厕"')
                              .replace("status: 完成了", "status: 未启动")})
    checked = run_cli("check", "--site", str(minimal_site), lang="zh-CN")
    assert checked.returncode == 1
    assert checked.stderr.splitlines()[0].startswith("content/r2/u1.yaml:11:5: 第3项 标题 title：含有看不见的字符 U+200B"), \
        checked.stderr


def test_a_due_date_is_a_day_or_a_month_and_reaches_the_open_data(minimal_site, tmp_path):
    import json
    write_site(minimal_site, {"content/r2/u1.yaml": """
        projects:
          - id: p1
            title: 路灯
            status: completed
            progress: 完成
            due: 2024-06
          - id: p4
            title: 新项目
            status: in_progress
            progress: 推进
            due: 2024-6-30
        """})
    out = tmp_path / "public"
    built = run_cli("build", "--site", str(minimal_site), "--out", str(out), "--no-search")
    assert built.returncode == 0, built.stderr
    rows = json.loads((out / "data/rounds/r2.json").read_text(encoding="utf-8"))["projects"]
    assert {row["project_id"]: row["due"] for row in rows if row["reported"]} == {"p1": "2024-06", "p4": "2024-06-30"}
    assert list(rows[0])[-1] == "due"  # the new column comes last
    header = (out / "data/rounds/r2.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.endswith(",历史页面地址,完成时限")  # the zh-CN site's CSV names its columns in Chinese


@pytest.mark.parametrize("written, message", [
    ("2024-13", "2024-13 is not a real month: months are 1 to 12"),
    ("2024-06-31", "expected a day written like 2024-06-30 or a month like 2024-06, found '2024-06-31'"),
    ("下月底", "expected a day written like 2024-06-30 or a month like 2024-06, found '下月底'"),
    ("2024", "expected a day written like 2024-06-30 or a month like 2024-06, found 2024"),
])
def test_a_due_date_that_is_not_a_day_or_a_month_is_located(minimal_site, written, message):
    write_site(minimal_site, {"content/r2/u1.yaml": f"projects:\n  - id: p1\n    title: 路灯\n"
                                                    f"    status: completed\n    progress: 完成\n    due: {written}\n"})
    checked = run_cli("check", "--site", str(minimal_site))
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert f"content/r2/u1.yaml:6:5: item 1 \"路灯\" due: {message}" in checked.stderr, checked.stderr
