"""Figures that add up, and the pictures beside them (issue 14).

Every total a page shows is marked data-total="<group>" and each of its parts data-part="<group>"; the
number is the element's visible text. On every page of the sample site and of conftest's minimal site (a
project dropped in r2, a unit that sent no file in r2, a target done 280 %), each total must equal the sum
of its parts, projects not reported this round included. The pictures are inline SVG with a title that says
their numbers, the same numbers the page writes out; search marks and counts a dropped project as not
reported, as the home page does.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import build_site, english_site, index_part, write_site, MINIMAL_SITE


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text(element) -> str:
    return " ".join(element.get_text(" ", strip=True).split())


def words(element) -> str:
    """The text as read, without the spaces text() puts between elements."""
    return " ".join(element.get_text().split())


@pytest.fixture(scope="module")
def minimal_build(tmp_path_factory) -> Path:
    site = write_site(tmp_path_factory.mktemp("figures-minimal") / "site", MINIMAL_SITE)
    return build_site(site, site.parent / "public")


@pytest.fixture(scope="module")
def minimal_build_en(tmp_path_factory) -> Path:
    site = english_site(tmp_path_factory.mktemp("figures-minimal-en") / "site")
    return build_site(site, site.parent / "public")


@pytest.fixture(params=["sample", "minimal", "minimal_en"])
def built(request, sample_build, minimal_build, minimal_build_en) -> Path:
    return {"sample": sample_build, "minimal": minimal_build, "minimal_en": minimal_build_en}[request.param]


def figure_groups(page: BeautifulSoup) -> dict[str, tuple[list[int], list[int]]]:
    """{group: (totals, parts)} of a page, each number as a reader sees it: the element's text, or, in a
    sentence ("本轮共28项"), its data-count, which must then be the number the sentence shows."""
    groups: dict[str, tuple[list[int], list[int]]] = {}
    for role, index in (("data-total", 0), ("data-part", 1)):
        for element in page.find_all(attrs={role: True}):
            shown = words(element)
            if element.has_attr("data-count"):
                number = element["data-count"]
                assert re.search(rf"(?<!\d){number}(?!\d)", shown), f"{role}={element[role]!r}: {shown!r} lacks {number}"
            else:
                number = shown
            assert re.fullmatch(r"\d+", number), f"{role}={element[role]!r} shows {shown!r}, not a number"
            groups.setdefault(element[role], ([], []))[index].append(int(number))
    return groups


def page_kind(relative: str) -> str:
    if relative == "index.html":
        return "index"
    if relative.startswith("rounds/"):
        return "round" if relative.endswith("/index.html") else "unit_round"
    return relative.split("/")[0]  # units, projects, search


def test_every_total_equals_the_sum_of_its_parts_on_every_page(built):
    kinds_with_figures = Counter()
    for path in sorted(built.rglob("*.html")):
        relative = path.relative_to(built).as_posix()
        groups = figure_groups(soup(path))
        for group, (totals, parts) in groups.items():
            assert totals, f"{relative}: the parts of {group!r} have no total beside them"
            assert parts, f"{relative}: the total of {group!r} has no parts"
            for total in totals:
                assert total == sum(parts), f"{relative}: {group!r} says {total} but its parts add up to {parts}"
        if groups:
            kinds_with_figures[page_kind(relative)] += 1
    # the check covered every kind of page that shows figures
    assert {"index", "round", "unit_round", "units"} <= set(kinds_with_figures), kinds_with_figures


def status_parts(figures) -> dict[str, int]:
    """{status key: number} of one .status-figures block."""
    found = {}
    for item in figures.select(".status-counts li"):
        badge = item.select_one(".status")
        key = next(c for c in badge["class"] if c.startswith("status-"))[len("status-"):]
        found[key] = int(text(item.select_one("[data-part]")))
    return found


def test_sample_home_page_counts_the_not_reported_project_in_its_total(sample_build):
    index = soup(sample_build / "index.html")
    overview = index.select_one("section.overview")
    assert text(overview.select_one(".key-figures [data-total]")) == "28"
    figures = overview.select_one(".status-figures")
    assert status_parts(figures) == {"in_progress": 4, "completed": 23, "not_reported": 1}
    line = text(figures)
    assert "共 28 项： 推进中 4 已完成 23 本轮未报告 1" in line, line
    assert "其中本轮未报告 1 项" in line  # why the total is one more than the lists hold
    assert "82.1%" in text(overview.select_one(".key-figures"))  # 23 of the 28 shown
    bulletin = soup(sample_build / "rounds/2021-2/index.html")
    assert words(bulletin.select_one(".lead-figures")) == "本轮共28项"
    # the list of rounds gives the same total as the round's own bulletin
    listed = {text(li.select_one("a")): text(li.select_one(".count")) for li in index.select(".round-list li")}
    assert listed["第二轮公布"] == "28项"


def test_minimal_unit_that_dropped_a_project_counts_it_everywhere(minimal_build_en):
    """u1 in r2: p1 completed, p4 in progress, p2 left out; town sent nothing, so t1 is not reported."""
    unit_round = soup(minimal_build_en / "rounds/r2/u1.html")
    assert words(unit_round.select_one("main h1")) == "甲单位 (3 projects)"
    assert status_parts(unit_round.select_one(".status-figures")) == {
        "in_progress": 1, "completed": 1, "not_reported": 1}
    bulletin = soup(minimal_build_en / "rounds/r2/index.html")
    entries = {words(li.select_one("a")): status_parts(li) for li in bulletin.select("ul.unit-list > li")}
    assert entries == {"甲单位 (3 projects)": {"in_progress": 1, "completed": 1, "not_reported": 1},
                       "乙镇 (1 projects)": {"not_reported": 1}}
    table = soup(minimal_build_en / "index.html").select_one("table.unit-table")
    rows = {text(row.th): [text(cell) for cell in row.find_all("td")] for row in table.tbody.find_all("tr")}
    assert rows["乙镇"][1] == "1"  # its count column includes the project it did not report


def svg_numbers(svg) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text(svg.find("title")))]


def test_status_bars_are_titled_with_the_numbers_the_page_writes_out(built):
    pages = [built / "index.html", *sorted(built.glob("rounds/*/index.html")),
             *[p for p in sorted(built.glob("rounds/*/*.html")) if p.name != "index.html"],
             *sorted(built.glob("units/*.html"))]
    bars = 0
    for path in pages:
        page = soup(path)
        for figures in page.select(".status-figures"):
            svg = figures.find("svg")
            if svg is None:
                continue
            bars += 1
            assert svg["role"] == "img" and svg.find("title") is not None
            assert "style" not in str(svg)  # the CSP forbids style attributes
            parts = [int(text(p)) for p in figures.select(".status-counts [data-part]")]
            total = int(figures.select_one(".status-total[data-total]")["data-count"])
            # the title lists the parts then the total (round titles of these sites hold no digits)
            assert svg_numbers(svg)[-len(parts) - 1:] == parts + [total], path
            # every segment wide enough is labelled with its number, not by its colour alone
            labels = [int(text(t)) for t in svg.find_all("text")]
            assert labels and set(labels) <= set(parts)
    assert bars >= len(pages)
    # the bulletin stays light: one bar for the round, none per unit
    for bulletin in built.glob("rounds/*/index.html"):
        assert len(soup(bulletin).select("main svg.status-bar")) == 1


def test_home_page_charts_the_completion_rate_of_every_round(minimal_build_en):
    section = soup(minimal_build_en / "index.html").select_one("section.round-rates")
    rows = section.select("table.rate-table tbody tr")
    # r1: 1 completed of 4; r2: 1 completed of 4 (two of them not reported)
    assert [[text(cell) for cell in row.find_all(["th", "td"])][:3] for row in rows] == [
        ["第一轮", "1", "4"], ["第二轮", "1", "4"]]
    for row in rows:
        svg = row.find("svg")
        assert svg["role"] == "img" and "25% completed" in text(svg.find("title"))
        assert "25%" in text(row.select_one(".rate-number"))
        assert [rect["width"] for rect in svg.select("rect.chart-completed")] == ["25%"]


def test_target_bar_shows_completion_beyond_100_percent(minimal_build_en):
    entry = soup(minimal_build_en / "rounds/r2/u1.html").find(id="p4")
    svg = entry.select_one("svg.target-bar")
    assert svg["role"] == "img"
    assert "280% complete" in text(svg.find("title")) and "28个 done of 10个 planned" in text(svg.find("title"))
    assert "280% complete" in text(entry)  # the numbers as text too
    planned_at = f"{round(10 / 28 * 100, 2):g}%"
    assert svg.select_one("line.chart-mark")["x1"] == planned_at  # 100 % sits at 10/28 of the bar
    assert svg.select_one("rect.chart-completed")["width"] == planned_at
    over = svg.select_one("rect.chart-over")
    assert over["x"] == planned_at and over["width"] == f"{round(100 - 10 / 28 * 100, 2):g}%"
    assert "100%" in text(svg.select_one("text.chart-note"))


def test_project_history_has_a_timeline_strip_with_the_not_reported_round(minimal_build_en):
    page = soup(minimal_build_en / "projects/u1/p2.html")
    strip = page.select_one("section.timeline svg.timeline-strip")
    assert strip["role"] == "img"
    assert text(strip.find("title")) == "Status by round: 第一轮: Not started, 第二轮: Not reported this round"
    marks = strip.find_all("rect")
    assert [m["class"][-1] for m in marks] == ["chart-not_started", "chart-not_reported"]
    assert [text(t) for t in strip.find_all("text")] == ["○", "?"]  # a glyph besides the colour
    legend = [text(li) for li in page.select("section.timeline .timeline-legend li")]
    assert legend == ["第一轮: Not started", "第二轮: Not reported this round"]
    # the strip sits above the detailed steps
    assert page.select_one("section.timeline").find_next("ol", class_="history") is not None


def search_payload(path: Path):
    """The data of one file of the search index (conftest.index_part)."""
    return index_part(path.read_bytes())[1]


def searched_statuses(out: Path) -> dict[str, str]:
    """Each project the search index holds (its page) -> the status search filters and counts it by: the
    manifest's labels, indexed by each shard's facets, whose projects are in the order of the unit's result
    lines (search/units/<unit>.js), which show the same status."""
    manifest = search_payload(out / "search/index.js")
    found = {}
    for folder, _buckets in manifest["shards"]:
        for unit, _group, _categories, _locations, facets in search_payload(out / "search" / folder / "facets.js"):
            lines = search_payload(out / "search/units" / f"{manifest['unitIds'][unit]}.js")
            assert len(lines) == len(facets)
            for line, facet in zip(lines, facets):
                assert line[3] == facet[0]  # the status a result shows is the one it is filtered by
                found[line[0]] = manifest["statuses"][facet[0]]
    return found


def test_search_marks_and_counts_a_dropped_project_as_not_reported(minimal_build, sample_build):
    status_of = searched_statuses(minimal_build)
    assert status_of["projects/u1/p2.html"] == "本轮未报告"  # dropped by u1 in r2, was 未启动
    assert status_of["projects/town/t1.html"] == "本轮未报告"  # its unit sent no file in r2
    assert status_of["projects/u1/p1.html"] == "已完成"
    page = soup(minimal_build / "search.html")
    options = [text(o) for o in page.select("#filter-status option")]
    assert "本轮未报告" in options  # a filter for them
    config = json.loads(page.select_one("#search-config").string)
    assert config["statusLabels"]["not_reported"] == "本轮未报告"  # results get the not-reported badge
    # the sample: search counts what the home page counts (推进中 4, not 5)
    found = Counter(searched_statuses(sample_build).values())
    home = status_parts(soup(sample_build / "index.html").select_one("section.overview .status-figures"))
    assert found["推进中"] == home["in_progress"] == 4
    assert found["本轮未报告"] == home["not_reported"] == 1


def test_labels_reaching_a_picture_are_escaped():
    from markupsafe import Markup
    from bulletin.charts import status_bar, timeline_strip, target_bar

    hostile = '<script>alert(1)</script>"'
    for markup in (status_bar({"completed": 1}, hostile), timeline_strip([(hostile, "completed")], hostile),
                   target_bar(28, 10, hostile, hostile)):
        assert isinstance(markup, Markup)
        assert "<script>" not in markup and "&lt;script&gt;" in markup
