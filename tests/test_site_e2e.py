"""End to end: build through the real CLI into a temporary folder and read the HTML back."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import run_cli, write_site

SAMPLE_UNITS = {"qwbgs": ("区委办公室", 8), "qrdjg": ("区人大常委会机关", 10),
                "qzfbgs": ("区政府办公室", 6), "qzxjg": ("区政协机关", 4)}  # 区政府办公室: 5 listed, 1 not reported


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def html_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_sample_page_counts(sample_build):
    pages = {p.relative_to(sample_build).as_posix() for p in html_files(sample_build)}
    assert len([p for p in pages if p.startswith("projects/")]) == 28  # 27 + the dropped one
    assert len([p for p in pages if re.fullmatch(r"rounds/[^/]+/index\.html", p)]) == 2
    assert len([p for p in pages if re.fullmatch(r"rounds/[^/]+/(?!index)[^/]+\.html", p)]) == 8
    assert len([p for p in pages if p.startswith("units/")]) == 5  # each unit's, and units/index.html
    assert {"index.html", "search.html", "units/index.html"} <= pages
    assert len(pages) == 45


def test_round_bulletin_lists_units_with_counts_publisher_date_and_phone(sample_build):
    page = soup(sample_build / "rounds/2021-2/index.html")
    body = text(page)
    for name, count in SAMPLE_UNITS.values():
        assert f"{name}（{count}项）" in body
    assert "元宝山区党史学习教育领导小组办公室" in body
    assert "2021年8月24日" in body
    assert "0476-3555907" in body
    assert "区直部门" in [text(h) for h in page.select("h3")]


def test_unit_round_page_has_numbered_items_in_order(sample_build):
    page = soup(sample_build / "rounds/2021-2/qwbgs.html")
    titles = [text(h) for h in page.select("ol.entries > li .entry-title")]
    assert len(titles) == 8
    assert titles[0] == "1. 下荒村滑子菇销路项目"
    assert titles[1] == "2. 下荒村路灯损坏修复项目"
    assert titles[7] == "8. 星海社区工作人员保密知识培训项目"
    first = page.select("ol.entries > li")[1]
    assert "已完成" in text(first.select_one(".status"))
    assert "5000元" in text(first)  # funding
    assert "购买路灯专用灯泡" in text(first.select_one(".progress"))
    assert "0476-3555907" in text(page)


def test_status_counts_per_round_match_content(sample_build):
    index = soup(sample_build / "index.html")
    figures = [text(dd) for dd in index.select(".key-figures dd")]
    assert figures[0] == "28"  # 27 on the lists and 1 not reported: the total counts what the badges count
    badges = {text(li.select_one(".status")): int(text(li.select_one(".count")))
              for li in index.select(".overview .status-counts li")}
    assert sum(v for k, v in badges.items() if k != "本轮未报告") == 27
    assert badges["本轮未报告"] == 1 and sum(badges.values()) == 28


def test_dropped_project_is_listed_on_the_unit_page_and_its_history(sample_build):
    unit_page = soup(sample_build / "rounds/2021-2/qzfbgs.html")
    section = unit_page.select_one("section.not-reported")
    assert section is not None
    assert "银河社区物业服务监督项目" in text(section)
    assert "本轮未报告" in text(section)
    history = soup(sample_build / "projects/qzfbgs/yinhe-wuye-jiandu.html")
    steps = history.select("ol.history > li")
    assert len(steps) == 2
    assert "missing" in steps[0]["class"] and "第二轮公布" in text(steps[0])
    assert "本轮未报告" in text(steps[0])
    assert "推进中" in text(steps[1])


def test_history_shows_every_round_and_what_changed(sample_build):
    page = soup(sample_build / "projects/qrdjg/hnd-dangke-falv.html")
    steps = page.select("ol.history > li")
    assert [text(s.select_one("h3 a")) for s in steps] == ["第二轮公布", "第一轮公布"]
    changes = text(steps[0].select_one(".changes"))
    assert "项目名称：惠宁东社区党课及法律知识宣讲项目 → 送法律、党课进社区(惠宁东社区)" in changes
    assert "工作进展已更新" in changes
    assert "首次公布" in text(steps[1].select_one(".changes"))
    meta = text(page.select_one(".project-meta"))
    assert "第一轮公布" in meta and "第二轮公布" in meta


def test_status_change_is_shown_with_labels(sample_build):
    pages = [soup(p) for p in sorted((sample_build / "projects").rglob("*.html"))]
    changes = [text(li) for page in pages for li in page.select("li.change-status")]
    assert any(re.fullmatch(r"状态：(未启动|推进中|暂缓) → 已完成", c) for c in changes)


def _local_targets(page: Path, out: Path):
    html = soup(page)
    for tag, attribute in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"), ("form", "action")):
        for node in html.find_all(tag):
            value = node.get(attribute)
            if value is None:
                continue
            yield tag, value


@pytest.mark.parametrize("site", ["sample", "minimal"])
def test_every_link_is_relative_and_resolves_to_a_file(site, sample_build, minimal_site, tmp_path):
    out = sample_build
    if site == "minimal":
        out = tmp_path / "out"
        assert run_cli("build", "--site", str(minimal_site), "--out", str(out)).returncode == 0
    checked = 0
    for page in html_files(out):
        for tag, value in _local_targets(page, out):
            if value.startswith(("tel:", "mailto:")):
                continue
            parts = urlsplit(value)
            assert not parts.scheme and not parts.netloc, f"{page}: {tag} points outside the site: {value}"
            if not parts.path:
                assert parts.fragment, f"{page}: empty link"
                continue
            assert not value.startswith("/"), f"{page}: absolute path {value}"
            assert not parts.path.endswith("/"), f"{page}: link to a folder {value}"
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file(), f"{page}: {value} does not resolve to a file"
            assert out.resolve() in target.parents
            checked += 1
    assert checked > 100


def test_minimal_site_pages_for_missing_unit_and_over_target(minimal_site, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(minimal_site), "--out", str(out)).returncode == 0
    town = soup(out / "rounds/r2/town.html")
    assert "本单位本轮未报送项目清单" in text(town)
    assert "供暖改造" in text(town.select_one("section.not-reported"))
    unit = soup(out / "rounds/r2/u1.html")
    assert "完成率 280%" in text(unit)
    assert "车位划线" in text(unit.select_one("section.not-reported"))
    assert "垃圾清运" not in text(unit)  # completed in r1, then left the list: fine
    assert not (out / "rounds/r2/missing.html").exists()


def test_content_is_escaped_everywhere(minimal_site, tmp_path):
    payload = "<script>alert('x')</script>\" onmouseover=\"alert(1)\" {{ 7*7 }} {% if 1 %}"
    site_yaml = (minimal_site / "site.yaml").read_text(encoding="utf-8")
    site_yaml = site_yaml.replace("title: 测试区民生实事公示", f"title: '{payload.replace(chr(39), chr(39) * 2)}'")
    (minimal_site / "site.yaml").write_text(site_yaml, encoding="utf-8")
    write_site(minimal_site, {"content/r2/u1.yaml": f"""
        projects:
          - id: p1
            title: '{payload.replace("'", "''")}'
            status: completed
            lead: '{payload.replace("'", "''")}'
            location: '<img src=x onerror=alert(1)>'
            progress: |
              [点我](javascript:alert(1)) <svg onload=alert(1)> ![图](data:image/png;base64,AAAA)
              {{{{ 7*7 }}}}
        """})
    out = tmp_path / "out"
    result = run_cli("build", "--site", str(minimal_site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    for page in html_files(out):
        html = soup(page)
        for script in html.find_all("script"):
            if script.get("src"):
                assert script["src"].rsplit("/", 1)[-1] in ("search.js", "t2s.js", "care.js"), (page, script)
            else:  # the search page's configuration: data, never code, and no way out of the element
                assert script.get("type") == "application/json", (page, script)
                assert "<" not in script.string and json.loads(script.string)
        # the only pictures are the charts drawn at build time (bulletin/charts.py), never content's markup
        assert not [svg for svg in html.find_all("svg") if "chart" not in svg.get("class", [])], page
        assert not html.find_all("img"), page
        for node in html.find_all(True):
            assert not [a for a in node.attrs if a.startswith("on")], (page, node)
            href = node.get("href", "")
            assert not href.lower().startswith(("javascript:", "data:")), (page, href)
    unit = soup(out / "rounds/r2/u1.html")
    assert payload.split(" {{")[0] in text(unit.select_one(".entry-title"))
    assert "{{ 7*7 }}" in text(unit) and "49" not in text(unit)
    assert "<img src=x onerror=alert(1)>" in text(unit)


def test_english_interface(minimal_site, tmp_path):
    site_yaml = minimal_site / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "language: en\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("build", "--site", str(minimal_site), "--out", str(out)).returncode == 0
    page = soup(out / "rounds/r2/u1.html")
    assert page.html["lang"] == "en"
    assert "Completed" in [text(s) for s in page.select(".status")]
    assert "Not reported this round" in text(page)
    assert "甲单位 (3 projects)" in text(page.select_one("h1"))  # 2 listed and p2 not reported
    assert "2021-08-24" in text(page)
    for label in ("状态", "工作进展", "监督电话", "首页"):
        assert label not in text(page), label


def test_status_is_never_by_colour_alone(sample_build):
    for page in html_files(sample_build):
        for badge in soup(page).select(".status"):
            assert text(badge), page


def test_build_is_deterministic(minimal_site, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert run_cli("build", "--site", str(minimal_site), "--out", str(first)).returncode == 0
    assert run_cli("build", "--site", str(minimal_site), "--out", str(second),
                   env={"PYTHONHASHSEED": "123"}).returncode == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for relative in files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
