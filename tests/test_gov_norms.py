"""The norms of a Chinese government site (issue 14): footer settings, portal metadata,
the 信息公开 block of a bulletin, its intro, and 完成时限 judged 逾期 on the round's date.
Each site is built through the real CLI and its pages are read as a browser would."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import build_site, run_cli, write_site

FOOTER = """
footer:
  host: 测试区人民政府
  organizer: 测试区政务服务局
  site_code: "1504030001"
  icp: 蒙ICP备05001234号
  police: 蒙公网安备 15040302000123号
  contact: 联系电话：0476-3555907 <b>不是标签</b>
  report_url: https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteName.action?sitecode=1504030001&a=1
  badge_url: https://bszs.conac.cn/sitename?method=show&id=ABC
index_number: "{site_code}/{year}-{seq:05d}"
subject: 综合政务/其他
base_url: https://www.example.gov.cn/banshishi/
"""

SITE = """
title: 测试区民生实事公示
publisher: 测试区办公室
supervision:
  phone: 0000-1234567
{settings}
rounds:
  - id: r1
    title: 第一轮
    date: 2021-06-30
  - id: r2
    title: 第二轮
    date: 2021-08-24
    document_number: 测办发〔2021〕12号
    intro: |
      按照《工作方案》要求，现将**第二轮**进展公布如下。<script>alert("intro")</script>
  - id: r3
    title: 第三轮
    date: 2021-09-01
"""

UNITS = """
units:
  - id: u1
    name: 甲单位
    group: 区直部门
"""

# p-month: due a month; p-day: due a day; p-done: completed late; p-drop: dropped in r3 (not reported)
R2 = """
projects:
  - {id: p-month, title: 按月到期, status: in_progress, progress: 进行中, due: 2021-08}
  - {id: p-day, title: 按日到期, status: in_progress, progress: 进行中, due: 2021-08-23}
  - {id: p-today, title: 当日到期, status: suspended, progress: 暂缓, due: 2021-08-24}
  - {id: p-done, title: 已完成项目, status: completed, progress: 完成, due: 2021-07}
  - {id: p-drop, title: 未再报告, status: in_progress, progress: 进行中, due: 2021-08-31}
  - {id: p-none, title: 无时限, status: in_progress, progress: 进行中}
"""
R3 = """
projects:
  - {id: p-month, title: 按月到期, status: in_progress, progress: 进行中, due: 2021-08}
  - {id: p-day, title: 按日到期, status: completed, progress: 完成, due: 2021-08-23}
  - {id: p-today, title: 当日到期, status: suspended, progress: 暂缓, due: 2021-08-24}
  - {id: p-done, title: 已完成项目, status: completed, progress: 完成, due: 2021-07}
  - {id: p-none, title: 无时限, status: in_progress, progress: 进行中}
"""
R1 = """
projects:
  - {id: p-month, title: 按月到期, status: not_started, progress: 未开始, due: 2021-08}
"""


def make_site(folder: Path, settings: str) -> Path:
    return write_site(folder, {
        "site.yaml": SITE.format(settings=settings),
        "content/units.yaml": UNITS,
        "content/r1/u1.yaml": R1,
        "content/r2/u1.yaml": R2,
        "content/r3/u1.yaml": R3,
    })


def page(out: Path, relative: str) -> BeautifulSoup:
    return BeautifulSoup((out / relative).read_text(encoding="utf-8"), "html.parser")


def meta(soup: BeautifulSoup, name: str) -> str | None:
    tag = soup.find("meta", attrs={"name": name})
    return tag["content"] if tag else None


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gov-full")
    return build_site(make_site(folder / "site", FOOTER), folder / "out", lang="zh-CN")


@pytest.fixture(scope="module")
def bare(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gov-bare")
    return build_site(make_site(folder / "site", ""), folder / "out", lang="zh-CN")


EVERY_PAGE = ("index.html", "search.html", "rounds/r2/index.html", "rounds/r2/u1.html", "units/u1.html",
              "projects/u1/p-month.html")


@pytest.mark.parametrize("relative", EVERY_PAGE)
def test_every_page_carries_the_footer_with_its_links(full, relative):
    footer = page(full, relative).find("footer").find(class_="gov-footer")
    text = footer.get_text(" ", strip=True)
    for shown in ("主办单位：测试区人民政府", "承办单位：测试区政务服务局", "网站标识码：1504030001",
                  "联系方式：联系电话：0476-3555907 <b>不是标签</b>"):
        assert shown in text
    assert footer.find("b") is None  # the contact's markup is shown as text
    icp = footer.find("a", string="蒙ICP备05001234号")
    assert icp["href"] == "https://beian.miit.gov.cn/"
    police = footer.find("a", string="蒙公网安备 15040302000123号")
    assert police["href"] == "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=15040302000123"
    report = footer.find("a", class_="report-error")
    assert report["href"] == ("https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteName.action"
                              "?sitecode=1504030001&a=1")
    assert report.find("img")["alt"] == "纠错"  # the link's text, for a screen reader too
    badge = footer.find("a", class_="gov-site-badge")
    assert badge["href"] == "https://bszs.conac.cn/sitename?method=show&id=ABC"
    image = badge.find("img")
    assert image["alt"] == "党政机关网站标识"
    # the badges are the site's own files, never an external script or image
    for img in footer.find_all("img"):
        assert not re.match(r"(?i)[a-z]+:|//", img["src"])
        assert (full / relative).parent.joinpath(img["src"]).resolve().is_file()
    assert page(full, relative).find("script", src=re.compile(r"^(https?:)?//")) is None


@pytest.mark.parametrize("relative", EVERY_PAGE)
def test_every_page_carries_the_portal_metadata(full, bare, relative):
    soup = page(full, relative)
    assert meta(soup, "SiteName") == "测试区民生实事公示"
    assert meta(soup, "SiteDomain") == "www.example.gov.cn"
    assert meta(soup, "SiteIDCode") == "1504030001"
    assert meta(soup, "ColumnName")
    without = page(bare, relative)
    assert meta(without, "SiteName") == "测试区民生实事公示"
    assert meta(without, "SiteDomain") is None and meta(without, "SiteIDCode") is None
    assert without.find(class_="gov-footer") is None


def test_column_names_and_article_metadata(full):
    columns = {relative: meta(page(full, relative), "ColumnName") for relative in EVERY_PAGE}
    assert columns == {"index.html": "首页", "search.html": "搜索", "rounds/r2/index.html": "公布",
                       "rounds/r2/u1.html": "单位项目清单", "units/u1.html": "单位",
                       "projects/u1/p-month.html": "项目进展"}
    bulletin = page(full, "rounds/r2/index.html")
    assert meta(bulletin, "ArticleTitle") == "第二轮"
    assert meta(bulletin, "PubDate") == "2021-08-24"
    assert meta(bulletin, "ContentSource") == "测试区办公室"
    assert meta(page(full, "index.html"), "ArticleTitle") is None


def open_info(soup: BeautifulSoup) -> dict[str, str]:
    block = soup.find(class_="open-info")
    return {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True) for dt in block.find_all("dt")}


def test_bulletin_carries_the_open_information_block(full, bare):
    assert open_info(page(full, "rounds/r2/index.html")) == {
        "索引号": "1504030001/2021-00002", "主题分类": "综合政务/其他", "发布机构": "测试区办公室",
        "发布日期": "2021年8月24日", "名称": "第二轮", "文号": "测办发〔2021〕12号"}
    # no 文号 given for r3; its serial is its place among the rounds
    third = open_info(page(full, "rounds/r3/index.html"))
    assert third["索引号"] == "1504030001/2021-00003" and "文号" not in third
    # without the settings: only what the round itself gives
    assert open_info(page(bare, "rounds/r3/index.html")) == {"发布机构": "测试区办公室", "发布日期": "2021年9月1日",
                                                            "名称": "第三轮"}


def test_intro_is_shown_at_the_top_of_its_bulletin_sanitized(full):
    soup = page(full, "rounds/r2/index.html")
    intro = soup.find(class_="round-intro")
    assert intro is not None
    assert intro.find("strong").get_text() == "第二轮"
    assert soup.find("script", string=re.compile("intro")) is None
    assert 'alert("intro")' not in str(soup.find_all("script"))
    # above the figures and the units
    assert intro.find_next(class_="lead-figures") is not None
    assert page(full, "rounds/r3/index.html").find(class_="round-intro") is None


def entry_due(soup: BeautifulSoup, project_id: str) -> tuple[str, bool]:
    """The 完成时限 a page shows for a project, and whether it is marked 逾期."""
    item = soup.find(id=project_id)
    due = item.find(class_="due")
    return due.get_text(strip=True), item.find(class_="status-overdue") is not None


def test_due_and_overdue_are_judged_on_the_date_of_the_round_shown(full):
    second = page(full, "rounds/r2/u1.html")  # 2021-08-24
    assert entry_due(second, "p-month") == ("2021年8月", False)  # a month is due on its last day
    assert entry_due(second, "p-day") == ("2021年8月23日", True)
    assert entry_due(second, "p-today") == ("2021年8月24日", False)  # due today is not yet late
    assert entry_due(second, "p-done") == ("2021年7月", False)  # completed: never overdue
    assert entry_due(second, "p-drop") == ("2021年8月31日", False)
    assert second.find(id="p-none").find(class_="due") is None
    third = page(full, "rounds/r3/u1.html")  # 2021-09-01
    assert entry_due(third, "p-month") == ("2021年8月", True)
    assert entry_due(third, "p-day") == ("2021年8月23日", False)  # completed by now
    assert entry_due(third, "p-today") == ("2021年8月24日", True)  # suspended counts as not completed
    assert entry_due(third, "p-drop") == ("2021年8月31日", True)  # not reported and past its due: still listed late


def test_project_history_judges_each_round_on_its_own_date(full):
    steps = page(full, "projects/u1/p-month.html").find_all(class_="history-step")
    marks = {step.find("h3").a.get_text(strip=True): step.find(class_="status-overdue") is not None
             for step in steps}
    assert marks == {"第一轮": False, "第二轮": False, "第三轮": True}
    assert page(full, "projects/u1/p-month.html").find(class_="due").get_text(strip=True) == "2021年8月"


def test_unit_page_marks_overdue_projects(full):
    rows = {row.th.get_text(strip=True): row.find(class_="status-overdue") is not None
            for row in page(full, "units/u1.html").select("table.project-table tbody tr")}
    assert rows["按月到期"] and rows["当日到期"] and rows["未再报告"]
    assert not rows["按日到期"] and not rows["已完成项目"] and not rows["无时限"]


def test_bulletin_counts_overdue_projects(full):
    def count(relative):
        line = page(full, relative).find(class_="overdue-count")
        return line.get_text(" ", strip=True) if line else None
    assert count("rounds/r1/index.html") is None
    assert count("rounds/r2/index.html").startswith("逾期1项")  # p-day
    assert count("rounds/r3/index.html").startswith("逾期3项")  # p-month, p-today, p-drop (not reported)


@pytest.mark.parametrize("pattern, said", [
    ("{sitecode}/{year}", "'{sitecode}'"),
    ("{site_code:05d}/{year}", "{site_code:05d}"),
    ("{year:>99999}", "{year:>99999}"),
    ("{seq", "expected '}'"),
])
def test_a_bad_index_number_is_a_located_problem_in_chinese(tmp_path, pattern, said):
    site = make_site(tmp_path / "site", FOOTER.replace('"{site_code}/{year}-{seq:05d}"', f'"{pattern}"'))
    line = next(number for number, text in enumerate((site / "site.yaml").read_text(encoding="utf-8").splitlines(),
                                                      start=1) if text.startswith("index_number:"))
    result = run_cli("check", "--site", str(site), lang="zh-CN")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    output = result.stdout + result.stderr
    problem = next(text for text in output.splitlines() if text.startswith(f"site.yaml:{line}:1: "))
    assert said in problem
    assert "索引号 index_number" in problem  # the field as staff call it
    assert re.search(r"[\u4e00-\u9fff]{2}", problem.split(said, 1)[1])  # and why, in Chinese


def test_index_number_with_site_code_needs_a_site_code(tmp_path):
    site = make_site(tmp_path / "site", 'index_number: "{site_code}-{seq}"')
    result = run_cli("check", "--site", str(site), lang="zh-CN")
    assert result.returncode != 0
    assert re.search(r"^site\.yaml:\d+:1: .*site_code", result.stdout + result.stderr, re.MULTILINE)


def test_a_footer_link_must_be_a_web_address(tmp_path):
    site = make_site(tmp_path / "site", FOOTER.replace("report_url: https://", "report_url: javascript://"))
    result = run_cli("check", "--site", str(site))
    assert result.returncode != 0
    assert "report_url" in result.stdout + result.stderr and "https://" in result.stdout + result.stderr


def test_the_document_number_of_a_published_round_is_frozen(tmp_path):
    site = make_site(tmp_path / "site", "")
    result = run_cli("publish", "r2", "--site", str(site))
    assert result.returncode == 0, result.stdout + result.stderr
    path = site / "site.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("测办发〔2021〕12号", "测办发〔2021〕13号"),
                    encoding="utf-8")
    result = run_cli("check", "--site", str(site))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert re.search(r"^site\.yaml:\d+:\d+: .*document_number.*测办发〔2021〕12号", output, re.MULTILINE), output


def test_a_cancelled_or_completed_project_is_never_overdue_a_suspended_one_is():
    from bulletin.govsite import is_overdue
    after = dt.date(2021, 9, 1)
    assert is_overdue("2021-08", "in_progress", after) and is_overdue("2021-08", "suspended", after)
    assert not is_overdue("2021-08", "completed", after) and not is_overdue("2021-08", "cancelled", after)
    assert not is_overdue("2021-08", "in_progress", dt.date(2021, 8, 31))
