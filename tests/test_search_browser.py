"""The search page in a real browser (Debian's Chromium driven by Playwright), used as a citizen would.

Every scenario runs twice: with the site served over http, and with the site opened from disk (file://).
Both must use the one search index (search/index.js and the parts it names, classic scripts calling
BULLETIN_SEARCH), and answer alike. A query is typed key by key; the test waits for the status line, the
results and the filters' counts to settle, reads them, and follows a result to its project page.
Expected results are computed from the content files, never copied from the page under test.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import yaml

from conftest import ROOT, english_site, run_cli, serve_folder, write_site

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - only on a machine without requirements-dev.txt
    expect = None

MODES = ("http", "file")  # served, and opened from disk
SEARCH_MODE = "index"  # the one backend #search-form[data-search-mode] names in both
PAGE_SIZE = 20  # results shown before "more"
DEBOUNCE_MS = 200  # the search runs this long after the last key
TIMEOUT_MS = 30_000


# --- what the content says ------------------------------------------------------------------------------

@dataclass
class Project:
    url: str  # relative to the site root, as search.html links to it
    unit: str
    group: str
    rounds: list[str] = field(default_factory=list)  # titles of the rounds that reported it
    entries: list[dict] = field(default_factory=list)  # oldest first
    dropped: bool = False  # still open but left out of the site's latest round: search shows it not reported

    @property
    def latest(self) -> dict:
        return self.entries[-1]

    @property
    def title(self) -> str:
        return self.latest["title"]

    @staticmethod
    def _text(entry: dict) -> str:
        target = entry.get("target") or {}
        return "\n".join(str(entry.get(key) or "") for key in ("title", "progress", "lead", "location", "category")) \
            + "\n" + str(target.get("name") or "")

    def latest_text(self) -> str:
        """What a citizen reads about the project now: its latest entry, and its unit."""
        return self._text(self.latest) + "\n" + self.unit

    def every_text(self) -> str:
        return "\n".join(self._text(entry) for entry in self.entries) + "\n" + self.unit

    def searchable_text(self) -> str:
        """What search finds a project by: every round's title, place, people, category and progress, and
        its unit (the target's name is not searched)."""
        return "\n".join(str(entry.get(key) or "") for entry in self.entries
                         for key in ("title", "progress", "lead", "location", "category")) + "\n" + self.unit


def load_projects(site: Path) -> dict[str, Project]:
    """Every project of a site folder, by URL, read straight from site.yaml and content/."""
    config = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    units = {u["id"]: u for u in yaml.safe_load((site / "content/units.yaml").read_text(encoding="utf-8"))["units"]}
    projects: dict[str, Project] = {}
    for round_ in config["rounds"]:
        for path in sorted((site / "content" / str(round_["id"])).glob("*.yaml")):
            unit = units[path.stem]
            for entry in yaml.safe_load(path.read_text(encoding="utf-8")).get("projects") or []:
                url = f"projects/{path.stem}/{entry['id']}.html"
                project = projects.setdefault(url, Project(url, unit["name"], unit["group"]))
                project.rounds.append(round_["title"])
                project.entries.append(entry)
    for project in projects.values():
        project.dropped = (project.rounds[-1] != config["rounds"][-1]["title"]
                           and project.latest["status"] not in ("completed", "cancelled"))
    return projects


CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
LATIN_RUN = re.compile(r"[0-9a-z]+")


def finds(text: str, query: str) -> bool:
    """Whether search promises to find a text by this query: each of its words (split at spaces) must be
    found; Chinese by each pair of characters in it, anywhere (a lone character anywhere), so 宝山仕家 finds
    a text holding 宝山 and 山仕家 apart; a run of Latin letters or digits as the beginning of one in the
    text (500 finds 5000, never 15000). The sample's text and the queries are Simplified, so no folding."""
    text = text.lower()
    words = [word for word in query.lower().split() if CJK_RUN.search(word) or LATIN_RUN.search(word)]
    if not words:
        return False  # no query, or punctuation alone: nothing is found
    for word in words:  # a word of punctuation alone (路灯 - 改造) is skipped
        pieces = [run if len(run) == 1 else run[i:i + 2] for run in CJK_RUN.findall(word)
                  for i in range(max(1, len(run) - 1))]
        latin = LATIN_RUN.findall(word)
        if not all(piece in text for piece in pieces):
            return False
        if not all(re.search(rf"(?<![0-9a-z]){run}", text) for run in latin):
            return False
    return True


def matching(projects: dict[str, Project], query: str) -> set[str]:
    """URLs of the projects the query finds, over every round they were reported in (the index holds every
    round's text: a project is found by what an earlier round said of it too)."""
    return {url for url, p in projects.items() if finds(p.searchable_text(), query)}


SAMPLE = load_projects(ROOT)
STATUS_LABELS = {"not_started": "未启动", "in_progress": "推进中", "completed": "已完成",
                 "suspended": "暂缓", "cancelled": "已取消", "not_reported": "本轮未报告"}


def shown_status(project: Project) -> str:
    """The status search shows: not reported for a project its unit left out of the latest round, as the
    home page counts it."""
    return STATUS_LABELS["not_reported" if project.dropped else project.latest["status"]]


# --- the extra sites --------------------------------------------------------------------------------------

MIXED_SCRIPT_SITE = {
    "site.yaml": """
        title: 周口市民生实事公示
        publisher: 周口市办公室
        supervision:
          phone: 0394-1234567
        rounds:
          - id: r1
            title: 第一轮
            date: 2022-03-31
        """,
    "content/units.yaml": """
        units:
          - id: jsj
            name: 建设局
            group: 市直部门
            order: 1
          - id: jtj
            name: 交通局
            group: 市直部门
            order: 2
        """,
    # Traditional and Simplified titles and progress side by side; 社区绿化 shares only 区 with 开发区.
    "content/r1/jsj.yaml": """
        projects:
          - id: kfq-daolu
            title: 周口經濟開發區道路改造
            status: in_progress
            progress: 正在鋪設瀝青路面，預計年底完工。
          - id: kfq-ludeng
            title: 开发区路灯
            status: completed
            progress: 已安装路灯一百盏。
          - id: lvhua
            title: 社区绿化
            status: not_started
            progress: 小区种树，尚未开始。
        """,
    "content/r1/jtj.yaml": """
        projects:
          - id: xinjian-tcc
            title: 新建停車場
            status: in_progress
            progress: 停車場已動工，設車位二百個。
          - id: tcc-kuojian
            title: 停车场扩建
            status: completed
            progress: 扩建工程已完成。
        """,
}
DEVELOPMENT_ZONE = {"projects/jsj/kfq-daolu.html", "projects/jsj/kfq-ludeng.html"}
CAR_PARK = {"projects/jtj/xinjian-tcc.html", "projects/jtj/tcc-kuojian.html"}


def build(site: Path) -> Path:
    out = site.parent / "public"
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def mixed_script_site(tmp_path_factory) -> Path:
    return write_site(tmp_path_factory.mktemp("mixed-script") / "site", MIXED_SCRIPT_SITE)


@pytest.fixture(scope="module")
def mixed_script_build(mixed_script_site: Path) -> Path:
    return build(mixed_script_site)


@pytest.fixture(scope="module")
def english_minimal_site(tmp_path_factory) -> Path:
    """conftest's minimal site with an English interface."""
    return english_site(tmp_path_factory.mktemp("english") / "site")


@pytest.fixture(scope="module")
def english_build(english_minimal_site: Path) -> Path:
    out = build(english_minimal_site)
    assert 'lang="en"' in (out / "index.html").read_text(encoding="utf-8")
    return out


# --- serving, opening and the browser ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def servers():
    """A plain static server on 127.0.0.1 for each built site asked for, stopped at the end."""
    with contextlib.ExitStack() as stack:
        started: dict[Path, str] = {}

        def url_of(root: Path) -> str:
            if root not in started:
                started[root] = stack.enter_context(serve_folder(root)) + "/"
            return started[root]

        yield url_of


@pytest.fixture(params=list(MODES))
def mode(request) -> str:
    return request.param


@pytest.fixture
def site_url(mode: str, servers):
    """The URL of a built site's root in this mode: http://127.0.0.1:PORT/ or file:///.../"""
    def url_of(root: Path) -> str:
        return servers(root) if mode == "http" else root.resolve().as_uri() + "/"
    return url_of


# --- driving the search page --------------------------------------------------------------------------------

# True once the page shows the outcome of the search for exactly this query and these filters: the URL
# (rewritten when a search starts) names them, and the status line and the rendered results agree. A search
# clears the list when it starts and fills it when it ends, so a stale status line never passes.
SETTLED = """([query, filters]) => {
  const form = document.getElementById("search-form");
  if (!form || form.getAttribute("data-search-mode") !== "%s") return false;
  // the results may be shown before the filters' counts: "done" once both are in
  if (form.getAttribute("data-search-state") !== "done") return false;
  const params = new URLSearchParams(location.search);
  if ((params.get("q") || "") !== query) return false;
  for (const name of ["round", "unit", "group", "status", "category", "location", "overdue"]) {
    if ((params.get(name) || "") !== (filters[name] || "")) return false;
  }
  const strings = JSON.parse(document.getElementById("search-config").textContent).strings;
  const status = document.getElementById("search-status").textContent;
  const items = document.querySelectorAll("#search-results > li.search-result");
  const rendered = document.querySelectorAll("#search-results > li.search-result > h2.search-result-title a");
  if (!query && !Object.values(filters).some(Boolean)) return status === strings.hint && items.length === 0;
  if (status === (query ? strings.none.replace("{query}", query) : strings.noneFiltered)) return items.length === 0;
  const [before, after] = strings.count.split("{count}");
  if (!status.startsWith(before) || !status.endsWith(after)) return false;
  const count = Number(status.slice(before.length, status.length - after.length));
  return Number.isInteger(count) && items.length === rendered.length && rendered.length === Math.min(count, %d);
}""" % (SEARCH_MODE, PAGE_SIZE)

READ_RESULTS = """() => Array.from(document.querySelectorAll("#search-results > li.search-result")).map(li => ({
  title: li.querySelector("h2.search-result-title a").textContent,
  href: li.querySelector("h2.search-result-title a").getAttribute("href"),
  unit: li.querySelector(".search-result-meta .search-result-unit").textContent,
  status: li.querySelector(".search-result-meta .status").textContent,
  round: li.querySelector(".search-result-meta .search-result-round").textContent,
  excerpt: li.querySelector("p.search-result-excerpt").textContent,
  marks: Array.from(li.querySelectorAll("p.search-result-excerpt mark")).map(m => m.textContent),
}))"""


def open_search(page, url: str, mode: str) -> None:
    """Open search.html and wait until its search is ready: the index's manifest loaded, in either mode."""
    assert url.startswith("http://" if mode == "http" else "file://"), (mode, url)
    page.goto(url)
    expect(page.locator("#search-form")).to_have_attribute("data-search-mode", SEARCH_MODE)


def wait_settled(page, query: str, filters: dict[str, str] | None = None) -> None:
    page.wait_for_function(SETTLED, arg=[query, filters or {}], timeout=TIMEOUT_MS)


def type_query(page, query: str, filters: dict[str, str] | None = None) -> list[dict]:
    """Clear the search box and type the query key by key, as a citizen does; return the results shown."""
    box = page.locator("#search-query")
    box.click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("Backspace")
    page.keyboard.type(query, delay=20)
    wait_settled(page, query, filters)
    return results(page)


def choose(page, name: str, value: str, query: str, filters: dict[str, str]) -> list[dict]:
    """Choose a filter value (filters: every filter chosen afterwards); return the results shown."""
    page.locator(f"#filter-{name}").select_option(value=value)
    wait_settled(page, query, filters)
    return results(page)


def results(page) -> list[dict]:
    return page.evaluate(READ_RESULTS)


def status_line(page) -> str:
    return page.locator("#search-status").inner_text().strip()


def show_all(page) -> list[dict]:
    """Press "more" until every result is shown; return them all."""
    more = page.locator("#search-more")
    while more.is_visible():
        shown = page.locator("#search-results > li.search-result").count()
        more.click()
        page.wait_for_function(
            """(shown) => {
              const items = document.querySelectorAll("#search-results > li.search-result");
              const rendered = document.querySelectorAll("#search-results > li.search-result > h2 a");
              return items.length > shown && items.length === rendered.length;
            }""", arg=shown)
    return results(page)


def assert_one_per_project(found: list[dict], expected: set[str], projects: dict[str, Project]) -> None:
    urls = [r["href"] for r in found]
    assert len(urls) == len(set(urls)), f"a project is listed twice: {sorted(urls)}"
    assert set(urls) == expected, {"unexpected": set(urls) - expected, "missing": expected - set(urls)}
    assert len(found) == len(expected)
    for result in found:
        project = projects[result["href"]]
        assert result["title"] == project.title
        assert result["unit"] == project.unit


# --- the sample site ----------------------------------------------------------------------------------------

def test_street_lights_one_result_marked_and_it_leads_to_the_project(page, mode, site_url, sample_build):
    base = site_url(sample_build)
    open_search(page, base + "search.html", mode)
    expect(page.locator("#search-status")).to_have_text("输入关键词，或选择筛选条件，即可查看项目。")

    found = type_query(page, "路灯")

    assert status_line(page) == "找到 1 个项目"
    assert len(found) == 1
    lamp = found[0]
    assert lamp["title"] == "下荒村路灯损坏修复项目"
    assert lamp["href"] == "projects/qwbgs/xhc-ludeng.html"
    assert "路灯" in lamp["marks"], lamp
    assert lamp["unit"] == "区委办公室"
    assert lamp["status"] == "已完成"
    assert lamp["round"] == "最近报告：第二轮公布"
    assert set(lamp["marks"]) == {"路灯"}
    expect(page.locator("#search-more")).to_be_hidden()

    page.locator("#search-results h2.search-result-title a").first.click()
    page.wait_for_url(base + "projects/qwbgs/xhc-ludeng.html")
    expect(page.locator("h1")).to_have_text("下荒村路灯损坏修复项目")

    page.go_back()  # back to the same search, as it was left
    wait_settled(page, "路灯")
    expect(page.locator("#search-query")).to_have_value("路灯")
    assert [r["href"] for r in results(page)] == ["projects/qwbgs/xhc-ludeng.html"]


QUERIES = {
    "车位": {"锦绣社区外围车位规划项目", "宝山仕家外围车位规划项目", "宝山仕家居委会楼前车位规划项目"},
    "取暖": {"锦绣社区取暖期室温提升项目"},
    "5000": {"下荒村路灯损坏修复项目", "筹集资金为环卫工人提供免费早餐"},
    "路灯": {"下荒村路灯损坏修复项目"},
    "社区": set(),  # many projects: only the content decides
}


@pytest.mark.parametrize("query", list(QUERIES))
def test_query_finds_every_project_that_contains_it_once(page, mode, site_url, sample_build, query):
    expected = matching(SAMPLE, query)
    assert QUERIES[query] <= {SAMPLE[url].title for url in expected}  # the projects the brief names
    open_search(page, site_url(sample_build) + "search.html", mode)

    found = type_query(page, query)

    assert status_line(page) == f"找到 {len(expected)} 个项目"
    found = show_all(page)
    assert_one_per_project(found, expected, SAMPLE)
    for result in found:
        assert result["status"] == shown_status(SAMPLE[result["href"]])
        assert result["round"] == f"最近报告：{SAMPLE[result['href']].rounds[-1]}"


PLACES_AND_CATEGORIES = sorted({entry[key] for p in SAMPLE.values() for entry in p.entries
                                for key in ("location", "category") if entry.get(key)})


def test_every_place_and_category_name_finds_its_projects(page, mode, site_url, sample_build):
    """What the page tells citizens to type: the name of a village, community or street, or a category."""
    open_search(page, site_url(sample_build) + "search.html", mode)
    wrong = {}
    for name in PLACES_AND_CATEGORIES:
        expected = matching(SAMPLE, name)
        found = type_query(page, name)
        found += show_all(page)[len(found):]
        urls = {r["href"] for r in found}
        if urls != expected or len(found) != len(expected):
            wrong[name] = f"{len(found)} found, {len(expected)} expected; missing {sorted(expected - urls)}"
    assert not wrong, f"search ({mode}) misses projects by their place or category: {wrong}"


def test_typing_slowly_searches_at_each_pause_and_the_last_query_wins(page, mode, site_url, sample_build):
    query = "宝山仕家"
    expected = matching(SAMPLE, query)
    open_search(page, site_url(sample_build) + "search.html", mode)
    page.locator("#search-query").click()
    page.keyboard.type(query, delay=DEBOUNCE_MS + 150)  # every key is searched on its own first
    wait_settled(page, query)
    assert status_line(page) == f"找到 {len(expected)} 个项目"
    assert_one_per_project(results(page), expected, SAMPLE)


def test_unit_filter_narrows_and_options_show_counts(page, mode, site_url, sample_build):
    expected = matching(SAMPLE, "车位")
    units = yaml.safe_load((ROOT / "content/units.yaml").read_text(encoding="utf-8"))["units"]
    names = [u["name"] for u in sorted(units, key=lambda u: u.get("order", 0))]
    per_unit = {name: sum(1 for url in expected if SAMPLE[url].unit == name) for name in names}
    open_search(page, site_url(sample_build) + "search.html", mode)

    type_query(page, "车位")
    options = page.locator("#filter-unit option")
    expect(options).to_have_text(["全部"] + [f"{name}（{per_unit[name]}）" for name in names])

    found = choose(page, "unit", "区委办公室", "车位", {"unit": "区委办公室"})

    narrowed = {url for url in expected if SAMPLE[url].unit == "区委办公室"}
    assert status_line(page) == f"找到 {len(narrowed)} 个项目"
    assert_one_per_project(found, narrowed, SAMPLE)
    assert {r["unit"] for r in found} == {"区委办公室"}
    expect(page.locator("#filter-unit option:checked")).to_have_text(f"区委办公室（{len(narrowed)}）")
    # the other units still count what choosing them would give (faceted counts)
    expect(options).to_have_text(["全部"] + [f"{name}（{per_unit[name]}）" for name in names])
    for name in ("round", "group", "status", "category", "location", "overdue"):  # every other filter shows counts too
        texts = page.locator(f"#filter-{name} option").all_inner_texts()[1:]
        assert texts and all(re.fullmatch(r".+（\d+）", t) for t in texts), (name, texts)


def test_status_filter_alone_lists_the_completed_projects(page, mode, site_url, sample_build):
    expected = {url for url, p in SAMPLE.items() if p.latest["status"] == "completed"}
    open_search(page, site_url(sample_build) + "search.html", mode)

    choose(page, "status", "已完成", "", {"status": "已完成"})

    assert status_line(page) == f"找到 {len(expected)} 个项目"
    found = show_all(page)
    assert_one_per_project(found, expected, SAMPLE)
    assert {r["status"] for r in found} == {"已完成"}
    expect(page.locator("#filter-status option:checked")).to_have_text(f"已完成（{len(expected)}）")


def test_a_project_left_out_of_the_latest_round_is_found_as_not_reported(page, mode, site_url, sample_build):
    expected = {url for url, p in SAMPLE.items() if p.dropped}
    assert expected  # the sample has one: 银河社区物业服务监督项目
    in_progress = {url for url, p in SAMPLE.items() if p.latest["status"] == "in_progress" and not p.dropped}
    open_search(page, site_url(sample_build) + "search.html", mode)

    # 推进中 finds what the home page counts (4), without the project left out
    choose(page, "status", "推进中", "", {"status": "推进中"})
    assert status_line(page) == f"找到 {len(in_progress)} 个项目"
    assert_one_per_project(show_all(page), in_progress, SAMPLE)

    choose(page, "status", "本轮未报告", "", {"status": "本轮未报告"})

    assert status_line(page) == f"找到 {len(expected)} 个项目"
    found = show_all(page)
    assert_one_per_project(found, expected, SAMPLE)
    assert {r["status"] for r in found} == {"本轮未报告"}
    assert page.locator("#search-results .status-not_reported").count() == len(expected)  # its badge


def test_round_filter_alone_lists_the_projects_of_that_round(page, mode, site_url, sample_build):
    first_round = {f"projects/{path.stem}/{entry['id']}.html"
                   for path in sorted((ROOT / "content/2021-1").glob("*.yaml"))
                   for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["projects"]}
    assert first_round == {url for url, p in SAMPLE.items() if "第一轮公布" in p.rounds}
    open_search(page, site_url(sample_build) + "search.html", mode)

    choose(page, "round", "第一轮公布", "", {"round": "第一轮公布"})

    assert status_line(page) == f"找到 {len(first_round)} 个项目"
    assert page.locator("#search-results > li.search-result").count() == min(len(first_round), PAGE_SIZE)
    found = show_all(page)
    assert_one_per_project(found, first_round, SAMPLE)


def test_group_filter_lists_all_projects_twenty_at_a_time(page, mode, site_url, sample_build):
    expected = {url for url, p in SAMPLE.items() if p.group == "区直部门"}
    assert len(expected) == 28
    open_search(page, site_url(sample_build) + "search.html", mode)

    first = choose(page, "group", "区直部门", "", {"group": "区直部门"})

    assert status_line(page) == "找到 28 个项目"
    assert len(first) == PAGE_SIZE
    more = page.locator("#search-more")
    expect(more).to_be_visible()
    expect(more).to_have_text("显示更多结果")
    more.click()
    expect(page.locator("#search-results > li.search-result > h2 a")).to_have_count(28)
    expect(more).to_be_hidden()
    found = results(page)
    assert [r["href"] for r in found[:PAGE_SIZE]] == [r["href"] for r in first]  # more adds, never reorders
    assert_one_per_project(found, expected, SAMPLE)


def test_a_stray_dash_between_two_words_is_skipped(page, mode, site_url, sample_build):
    """路灯 - 损坏 is read as 路灯 损坏: a word of punctuation alone between two words finds nothing by itself
    and must not empty the results."""
    open_search(page, site_url(sample_build) + "search.html", mode)
    found = type_query(page, "路灯 - 损坏")
    expected = matching(SAMPLE, "路灯 损坏")
    assert expected, "the sample has a project with both words"
    assert_one_per_project(found, expected, SAMPLE)


def test_query_without_result_says_so(page, mode, site_url, sample_build):
    query = "不存在的项目xyz"
    assert not matching(SAMPLE, query)
    open_search(page, site_url(sample_build) + "search.html", mode)

    found = type_query(page, query)

    assert found == []
    assert status_line(page).startswith(f"没有找到与“{query}”相关的项目")
    expect(page.locator("#search-results > li")).to_have_count(0)
    expect(page.locator("#search-more")).to_be_hidden()


def test_clearing_the_query_brings_back_the_hint(page, mode, site_url, sample_build):
    open_search(page, site_url(sample_build) + "search.html", mode)
    type_query(page, "车位")
    found = type_query(page, "")
    assert found == []
    assert status_line(page) == "输入关键词，或选择筛选条件，即可查看项目。"
    expect(page.locator("#filter-unit option").nth(1)).to_have_text("区委办公室")  # counts are gone


def test_header_form_on_another_page_opens_search_with_results(page, mode, site_url, sample_build):
    base = site_url(sample_build)
    expected = matching(SAMPLE, "车位")
    page.goto(base + "index.html")

    page.locator("#site-search").click()
    page.keyboard.type("车位", delay=20)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/search\.html\?q="))
    expect(page.locator("#search-form")).to_have_attribute("data-search-mode", SEARCH_MODE)
    wait_settled(page, "车位")
    expect(page.locator("#search-query")).to_have_value("车位")
    assert status_line(page) == f"找到 {len(expected)} 个项目"
    assert_one_per_project(results(page), expected, SAMPLE)


def test_filters_in_the_address_are_applied(page, mode, site_url, sample_build):
    expected = {url for url in matching(SAMPLE, "车位") if SAMPLE[url].unit == "区委办公室"}
    open_search(page, site_url(sample_build) + "search.html?q=%E8%BD%A6%E4%BD%8D&unit=%E5%8C%BA%E5%A7%94%E5%8A%9E"
                "%E5%85%AC%E5%AE%A4", mode)
    wait_settled(page, "车位", {"unit": "区委办公室"})
    expect(page.locator("#filter-unit")).to_have_value("区委办公室")
    assert_one_per_project(results(page), expected, SAMPLE)


def test_a_link_cut_in_the_middle_of_a_character_still_searches(page, mode, site_url, sample_build):
    """A link copied from a chat app may end in the middle of a percent-escaped character (q=%E8%BD): the
    broken pair is ignored and the rest of the address still applies; the page never stays blank."""
    expected = {url for url, project in SAMPLE.items() if project.unit == "区委办公室"}
    open_search(page, site_url(sample_build) + "search.html?q=%E8%BD&unit=%E5%8C%BA%E5%A7%94%E5%8A%9E%E5%85%AC%E5%AE%A4",
                mode)
    wait_settled(page, "", {"unit": "区委办公室"})
    expect(page.locator("#filter-unit")).to_have_value("区委办公室")
    assert_one_per_project(show_all(page), expected, SAMPLE)


# --- served and opened from disk: one index, the same answers ---------------------------------------------------

READ_FILTERS = """() => Array.from(document.querySelectorAll("#search-form select")).map(select => ({
  id: select.id,
  shown: !select.closest("[hidden]"),
  value: select.value,
  options: Array.from(select.options).map(o => [o.value, o.textContent]),
}))"""

# queries and filters, as a link to search.html may carry them
COMPARED = [
    ("车位", {}), ("社区", {}), ("宝山仕家", {}), ("5000", {}), ("路灯", {}), ("项目", {"status": "推进中"}),
    ("社区", {"category": "人居环境", "round": "第一轮公布"}), ("", {"group": "区直部门"}),
    ("", {"status": "本轮未报告"}), ("不存在的项目xyz", {}),
]


def answers(page, base: str, mode: str) -> list[dict]:
    """What the page shows for each of COMPARED: the status line, every result (excerpt and marks included)
    and every filter with its options and counts."""
    seen = []
    for query, filters in COMPARED:
        params = {"q": query, **filters} if query else filters
        open_search(page, base + "search.html?" + urlencode(params, quote_via=quote), mode)
        wait_settled(page, query, filters)
        seen.append({"query": query, "filters": filters, "status": status_line(page), "results": show_all(page),
                     "filters shown": page.evaluate(READ_FILTERS)})
    return seen


def test_served_and_opened_from_disk_answer_alike(page, servers, sample_build):
    """One index for both: every query and filter gives the same results, in the same order, with the same
    excerpts and counts, over http and from file://."""
    served = answers(page, servers(sample_build), "http")
    from_disk = answers(page, sample_build.resolve().as_uri() + "/", "file")
    assert sum(len(answer["results"]) for answer in served) > 2 * PAGE_SIZE  # the comparison compares something
    assert any(answer["results"] and answer["results"][0]["marks"] for answer in served)
    for http_answer, file_answer in zip(served, from_disk, strict=True):
        assert http_answer == file_answer, (http_answer["query"], http_answer["filters"])


@pytest.fixture(scope="module")
def sub_path_url(sample_build):
    """The sample served under a sub-path (http://127.0.0.1:PORT/public/), as a district's bulletin under
    its government's site."""
    with serve_folder(sample_build.parent) as url:
        yield f"{url}/{sample_build.name}/"


def test_under_a_sub_path_results_lead_to_the_project_and_nothing_is_asked_outside_the_site(
        page, mode, sub_path_url, sample_build):
    """Every link a result gives is relative to the page, and every file the search loads (its index
    included) is one of the site's: nothing from another site, nothing above the site's folder."""
    base = sub_path_url if mode == "http" else sample_build.resolve().as_uri() + "/"
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_search(page, base + "search.html", mode)
    expected = matching(SAMPLE, "车位")

    found = type_query(page, "车位")
    found += show_all(page)[len(found):]

    assert_one_per_project(found, expected, SAMPLE)
    links = page.locator("#search-results h2.search-result-title a")
    assert links.evaluate_all("links => links.map(a => a.href)") == [base + r["href"] for r in found]
    target = base + found[0]["href"]
    links.first.click()
    page.wait_for_url(target)
    expect(page.locator("h1")).to_have_text(SAMPLE[found[0]["href"]].title)
    loaded = [url.removeprefix(base) for url in requested]
    assert "search/index.js" in loaded and any(url.startswith("search/units/") for url in loaded), loaded
    outside = [url for url in requested if not url.startswith(base)]
    assert not outside, f"the page asked for files outside the site: {outside}"


# --- Traditional and Simplified characters -------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("开发区", DEVELOPMENT_ZONE), ("開發區", DEVELOPMENT_ZONE), ("停车场", CAR_PARK), ("停車場", CAR_PARK),
])
def test_traditional_and_simplified_find_each_other(page, mode, site_url, mixed_script_site, mixed_script_build,
                                                    query, expected):
    projects = load_projects(mixed_script_site)
    titles = {projects[url].title for url in expected}
    assert any(t != t.translate(str.maketrans("開發區車場", "开发区车场")) for t in titles)  # one is Traditional
    assert any(t == t.translate(str.maketrans("開發區車場", "开发区车场")) for t in titles)  # one is Simplified
    open_search(page, site_url(mixed_script_build) + "search.html", mode)

    found = type_query(page, query)

    assert status_line(page) == f"找到 {len(expected)} 个项目"
    assert_one_per_project(found, expected, projects)


# --- an English interface ----------------------------------------------------------------------------------

def test_english_status_line_and_no_result_message(page, mode, site_url, english_minimal_site, english_build):
    projects = load_projects(english_minimal_site)
    expected = matching(projects, "甲单位")  # the unit's name: every project of that unit
    assert len(expected) > 1
    open_search(page, site_url(english_build) + "search.html", mode)
    expect(page.locator("#search-status")).to_have_text("Type a keyword or choose a filter to see projects.")

    found = type_query(page, "甲单位")
    assert status_line(page) == f"{len(expected)} projects found"
    assert_one_per_project(found, expected, projects)
    assert {r["round"] for r in found} <= {f"Last reported: {p.rounds[-1]}" for p in projects.values()}

    found = type_query(page, "不存在xyz")
    assert found == []
    assert status_line(page).startswith("No project matches “不存在xyz”")


# --- figures: sizes and timings, printed, never asserted --------------------------------------------------------

def test_search_figures(browser, servers, sample_build, tmp_path, capsys):
    """Print how much search adds to the sample (the search/ folder: its size, its files, the largest) and
    how long the page takes to be ready and answer."""
    files = sorted((p for p in (sample_build / "search").rglob("*") if p.is_file()),
                   key=lambda p: (-p.stat().st_size, p.as_posix()))
    figures = {
        "projects": len(SAMPLE),
        "search_bytes": sum(p.stat().st_size for p in files),
        "search_files": len(files),
        "search_largest_file": files[0].relative_to(sample_build).as_posix() if files else None,
        "search_largest_bytes": files[0].stat().st_size if files else 0,
        "t2s_bytes": (sample_build / "search/t2s.js").stat().st_size,
    }
    for mode in MODES:
        base = servers(sample_build) if mode == "http" else sample_build.resolve().as_uri() + "/"
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        try:
            start = time.perf_counter()
            open_search(page, base + "search.html", mode)
            ready = time.perf_counter()
            type_query(page, "车位")
            answered = time.perf_counter()
            transferred = page.evaluate(
                "() => performance.getEntriesByType('resource').reduce((n, e) => n + (e.transferSize || 0), 0)")
        finally:
            context.close()
        figures[f"{mode}_ready_ms"] = round((ready - start) * 1000)
        figures[f"{mode}_first_query_ms"] = round((answered - ready) * 1000)  # includes typing and the debounce
        if mode == "http":
            figures["http_bytes_transferred"] = transferred
    report = tmp_path / "search-figures.json"
    report.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    with capsys.disabled():
        print(f"\nsearch figures ({report}):\n{json.dumps(figures, indent=2)}")
    assert figures["search_files"] > 0 and (sample_build / "search/index.js").is_file()
