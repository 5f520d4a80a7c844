"""The search page's category, location and overdue filters and their counts, in Chromium: served over
http and opened from disk (file://), both with the one search index (search/), and the same expectations.

Expected results are computed from the content files (test_search_browser.load_projects) and, for
overdue, from tests/fixtures/search-filters, whose latest round is dated 2024-06-30: 东街路灯更换 (due
2024-05, in progress) and 供暖管网改造 (due 2024-06-15, left out of the latest round) are overdue;
小区绿化提升 is past its due date but completed, 停车场扩建 is due at the end of the year.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import build_site
from test_search_browser import (  # noqa: F401 - fixtures are found by name
    SAMPLE, choose, expect, load_projects, matching, mixed_script_build, mixed_script_site, mode, open_search,
    results, servers, show_all, site_url, status_line, type_query, wait_settled)

FILTERS_SITE = Path(__file__).parent / "fixtures" / "search-filters"
FILTERS_PROJECTS = load_projects(FILTERS_SITE)
OVERDUE = {"projects/jsj/ludeng.html", "projects/xz/gongnuan.html"}
COUNT = re.compile(r"(.+)（(\d+)）")


@pytest.fixture(scope="module")
def filters_build(tmp_path_factory) -> Path:
    return build_site(FILTERS_SITE, tmp_path_factory.mktemp("search-filters") / "public")


def option_counts(page, name: str) -> dict[str, int]:
    """{label: count} of a filter's options, "全部" left out; every option must show a count."""
    counts = {}
    for text in page.locator(f"#filter-{name} option").all_inner_texts()[1:]:
        found = COUNT.fullmatch(text)
        assert found, (name, text)
        counts[found.group(1)] = int(found.group(2))
    return counts


def latest_values(projects, key: str) -> dict[str, set[str]]:
    values: dict[str, set[str]] = {}
    for url, project in projects.items():
        if project.latest.get(key):
            values.setdefault(project.latest[key], set()).add(url)
    return values


@pytest.mark.parametrize("name", ["category", "location"])
def test_category_and_location_options_count_what_choosing_them_lists(page, mode, site_url, sample_build, name):
    expected = latest_values(SAMPLE, name)
    assert len(expected) > 2  # the sample names several categories and places
    open_search(page, site_url(sample_build) + "search.html", mode)
    expect(page.locator(f"#search-filter-{name}")).to_be_visible()
    values = page.locator(f"#filter-{name} option").evaluate_all("options => options.map(o => o.value)")
    assert values == [""] + sorted(expected)  # the values staff wrote, in Unicode order, in both modes

    first = values[1]
    choose(page, name, first, "", {name: first})
    counts = option_counts(page, name)  # what each option would give: the filter's own choice left out
    assert counts == {value: len(urls) for value, urls in expected.items()}
    for value in sorted(expected):
        found = choose(page, name, value, "", {name: value})
        assert status_line(page) == (f"找到 {counts[value]} 个项目" if counts[value] > 1 else "找到 1 个项目")
        found += show_all(page)[len(found):]
        assert {r["href"] for r in found} == expected[value] and len(found) == counts[value]
        expect(page.locator(f"#filter-{name} option:checked")).to_have_text(f"{value}（{counts[value]}）")


def test_counts_of_the_other_filters_follow_the_query_and_the_choice(page, mode, site_url, sample_build):
    query = "社区"
    matched = matching(SAMPLE, query)
    category = sorted(latest_values({url: SAMPLE[url] for url in matched}, "category"))[0]
    chosen = {url for url in matched if SAMPLE[url].latest.get("category") == category}
    open_search(page, site_url(sample_build) + "search.html", mode)
    type_query(page, query)
    choose(page, "category", category, query, {"category": category})

    units = option_counts(page, "unit")
    assert {unit: n for unit, n in units.items() if n} == {
        unit: sum(1 for url in chosen if SAMPLE[url].unit == unit) for unit in {SAMPLE[url].unit for url in chosen}}
    assert sum(option_counts(page, "location").values()) == sum(1 for url in chosen if SAMPLE[url].latest.get("location"))
    assert option_counts(page, "category")[category] == len(chosen) == len(show_all(page))


def test_excerpt_never_repeats_the_title_or_the_details_above_it(page, mode, site_url, sample_build):
    for project in SAMPLE.values():  # the content itself does not repeat its title in its progress
        assert project.title not in str(project.latest["progress"])
    open_search(page, site_url(sample_build) + "search.html", mode)
    type_query(page, "项目")  # in nearly every title
    found = show_all(page)
    assert len(found) > 5
    for result in found:
        project = SAMPLE[result["href"]]
        assert result["title"] not in result["excerpt"], result
        assert not result["excerpt"].startswith(result["unit"]), result
        # a piece of the latest progress (the status may well be a word of it: 目前已完成66个)
        assert result["excerpt"].strip("…")[:10] in " ".join(str(project.latest["progress"]).split()), result


def test_overdue_alone_lists_the_overdue_projects_marked(page, mode, site_url, filters_build):
    open_search(page, site_url(filters_build) + "search.html", mode)
    expect(page.locator("#search-filter-overdue")).to_be_visible()
    expect(page.locator("#search-filter-overdue label")).to_have_text("是否逾期")

    found = choose(page, "overdue", "yes", "", {"overdue": "yes"})

    assert status_line(page) == f"找到 {len(OVERDUE)} 个项目"
    assert {r["href"] for r in found} == OVERDUE and len(found) == len(OVERDUE)
    assert page.locator("#search-results .status-overdue").all_inner_texts() == ["逾期"] * len(OVERDUE)
    assert option_counts(page, "overdue") == {"逾期": len(OVERDUE), "未逾期": len(FILTERS_PROJECTS) - len(OVERDUE)}
    # left out of the latest round: still overdue, and still marked and counted as not reported
    statuses = {r["href"]: r["status"] for r in found}
    assert statuses["projects/xz/gongnuan.html"] == "本轮未报告"
    assert option_counts(page, "status")["本轮未报告"] == 1

    found = choose(page, "overdue", "no", "", {"overdue": "no"})
    assert {r["href"] for r in found} == set(FILTERS_PROJECTS) - OVERDUE
    assert page.locator("#search-results .status-overdue").count() == 0


def test_filters_without_result_and_no_query_never_quote_an_empty_query(page, mode, site_url, filters_build):
    open_search(page, site_url(filters_build) + "search.html", mode)
    choose(page, "overdue", "yes", "", {"overdue": "yes"})

    found = choose(page, "status", "已完成", "", {"overdue": "yes", "status": "已完成"})

    assert found == []
    line = status_line(page)
    assert line == "没有符合所选筛选条件的项目。请减少筛选条件，或输入关键词。"
    assert "“”" not in line and "没有找到与" not in line
    # each count is what choosing that option instead would list: no completed project is overdue
    statuses = option_counts(page, "status")
    assert (statuses["已完成"], statuses["推进中"], statuses["本轮未报告"]) == (0, 1, 1)
    assert option_counts(page, "overdue") == {"逾期": 0, "未逾期": 1}


def test_new_filters_in_the_address_are_applied(page, mode, site_url, filters_build):
    query = "%E4%B8%9C%E8%A1%97"  # 东街
    open_search(page, site_url(filters_build) + f"search.html?q={query}&location=%E4%B8%9C%E8%A1%97"
                "&category=%E5%9F%BA%E7%A1%80%E8%AE%BE%E6%96%BD&overdue=yes", mode)
    wait_settled(page, "东街", {"location": "东街", "category": "基础设施", "overdue": "yes"})
    expect(page.locator("#filter-location")).to_have_value("东街")
    expect(page.locator("#filter-category")).to_have_value("基础设施")
    expect(page.locator("#filter-overdue")).to_have_value("yes")
    assert [r["href"] for r in results(page)] == ["projects/jsj/ludeng.html"]
    assert option_counts(page, "location") == {"东街": 1, "新镇中心": 0, "西村": 0}


def test_a_site_without_categories_places_or_overdue_projects_shows_no_such_filter(
        page, mode, site_url, mixed_script_build):
    open_search(page, site_url(mixed_script_build) + "search.html", mode)
    for name in ("category", "location", "overdue"):
        expect(page.locator(f"#search-filter-{name}")).to_be_hidden()
    expect(page.locator("#search-filter-status")).to_be_visible()
