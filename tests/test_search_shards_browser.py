"""Search over an index built in shards, in a real browser (Debian's Chromium driven by Playwright).

The sample site is built twice: as it is (one Pagefind index) and with `search: shard_size: 5` (28 projects,
so six shards, of which those its four units fall into get an index: pagefind/, pagefind/shard-1/ …, which
the search page merges into the first with Pagefind's mergeIndex). Served over http, both must answer every query and every filter with the
same projects, the same count and the same counts beside every filter value (not necessarily in the same
order: Pagefind ranks each shard's results with that shard's statistics, then sorts them together by score);
a project indexed in a shard other than the first must be found and open. Nothing may break the page's Content-Security-Policy or log an
error, and opened from disk the sharded site still searches its offline data.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from bulletin.search import shard_of
from conftest import ROOT, run_cli, serve_folder

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - only on a machine without requirements-dev.txt
    expect = None

SHARD_SIZE = 5
PAGE_SIZE = 20  # results shown before "more"
TIMEOUT_MS = 30_000
FILTERS = ("round", "unit", "group", "status", "category", "location", "overdue")
STATUS_LABELS = ("未启动", "推进中", "已完成", "暂缓", "已取消", "本轮未报告")  # the last: left out of the latest round


# --- the two builds ---------------------------------------------------------------------------------------

def copy_sample(folder: Path, extra_settings: str = "") -> Path:
    """The repository's sample site (site.yaml and content/), copied; extra_settings appended to site.yaml."""
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "content", folder / "content")
    text = (ROOT / "site.yaml").read_text(encoding="utf-8")
    if extra_settings:
        text = text.rstrip("\n") + "\n\n" + extra_settings
    (folder / "site.yaml").write_text(text, encoding="utf-8")
    return folder


def build(site: Path) -> Path:
    out = site.parent / "public"
    result = run_cli("build", "--site", str(site), "--out", str(out))
    if result.returncode != 0:  # not an AssertionError: the expected failures below must not hide it
        pytest.fail(f"build of {site} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return out


@pytest.fixture(scope="module")
def single_build(tmp_path_factory) -> Path:
    return build(copy_sample(tmp_path_factory.mktemp("single") / "site"))


@pytest.fixture(scope="module")
def sharded_build(tmp_path_factory) -> Path:
    return build(copy_sample(tmp_path_factory.mktemp("sharded") / "site", f"search:\n  shard_size: {SHARD_SIZE}\n"))


def sample_projects() -> dict[str, str]:
    """Every project of the sample, URL (relative to the site root) -> latest title, from the content files."""
    config = yaml.safe_load((ROOT / "site.yaml").read_text(encoding="utf-8"))
    titles: dict[str, str] = {}
    for round_ in config["rounds"]:
        for path in sorted((ROOT / "content" / str(round_["id"])).glob("*.yaml")):
            for entry in yaml.safe_load(path.read_text(encoding="utf-8")).get("projects") or []:
                titles[f"projects/{path.stem}/{entry['id']}.html"] = entry["title"]
    return titles


PROJECTS = sample_projects()
SHARDS = math.ceil(len(PROJECTS) / SHARD_SIZE)


def search_config(out: Path) -> dict:
    page = (out / "search.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="search-config">(.*?)</script>', page, re.S)
    assert found, "search.html has no search-config"
    return json.loads(found.group(1))


def indexed_urls(folder: Path) -> set[str]:
    """The URLs of the records of one Pagefind index, read from its fragment files
    (gzip-compressed "pagefind_dcd" followed by JSON), relative to the site root."""
    urls = set()
    for path in sorted((folder / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd"), path
        urls.add(json.loads(data[len(b"pagefind_dcd"):])["url"].lstrip("/"))
    return urls


def shard_contents(out: Path) -> dict[str, set[str]]:
    """Each shard's folder (relative to search.html, as pagefindMerge names them; shard 0 is
    "pagefind/") -> the project URLs indexed in it."""
    folders = [out / "pagefind"] + sorted((out / "pagefind").glob("shard-*"), key=lambda p: int(p.name[6:]))
    return {folder.relative_to(out).as_posix() + "/": indexed_urls(folder) for folder in folders}


class _Selects(HTMLParser):
    """The option values of each filter of search.html."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" and (attrs.get("id") or "").startswith("filter-"):
            self.current = attrs["id"][len("filter-"):]
            self.values[self.current] = []
        elif tag == "option" and self.current and attrs.get("value"):
            self.values[self.current].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.current = None


def filter_values(out: Path) -> dict[str, list[str]]:
    parser = _Selects()
    parser.feed((out / "search.html").read_text(encoding="utf-8"))
    return parser.values


# --- the build --------------------------------------------------------------------------------------------

def test_sharded_build_writes_every_shard_and_the_search_page_merges_them(single_build, sharded_build):
    assert SHARDS == 6 and len(PROJECTS) == 28

    assert search_config(single_build)["pagefindMerge"] == []
    assert not list((single_build / "pagefind").glob("shard-*"))

    # Units are spread over SHARDS shards by their id; a shard no unit fell into has no index (Pagefind
    # cannot index nothing), and the shards that have projects are numbered from 0 in order.
    merge = search_config(sharded_build)["pagefindMerge"]
    filled = len({shard_of(unit["id"], SHARDS) for unit in UNITS})
    assert 1 < filled <= SHARDS
    assert merge == [f"pagefind/shard-{i}/" for i in range(1, filled)]
    for folder in ["pagefind/"] + merge:
        entry = json.loads((sharded_build / folder / "pagefind-entry.json").read_text(encoding="utf-8"))
        assert entry["languages"], f"{folder} has no index"
    assert sorted(p.name for p in (sharded_build / "pagefind").glob("shard-*")) == \
        sorted(f"shard-{i}" for i in range(1, filled))

    # one record per project, each in exactly one shard, and not all of them in the first
    contents = shard_contents(sharded_build)
    assert list(contents) == ["pagefind/"] + merge
    every = [url for urls in contents.values() for url in urls]
    assert sorted(every) == sorted(PROJECTS), "shards must hold every project once"
    assert indexed_urls(single_build / "pagefind") == set(PROJECTS)
    assert any(contents[folder] for folder in merge), "every project is in the first shard: nothing is merged"

    # both sites offer the same filters
    assert filter_values(sharded_build) == filter_values(single_build)
    assert filter_values(single_build)["status"] == list(STATUS_LABELS)


# --- driving the search page --------------------------------------------------------------------------------

# True once the page shows the outcome of the search for exactly this query and these filters (see
# test_search_browser.py): the URL names them, and the status line and the rendered results agree.
SETTLED = """([query, filters, pageSize]) => {
  const form = document.getElementById("search-form");
  if (!form || !form.hasAttribute("data-search-mode")) return false;
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
  if (status === strings.countOne) return items.length === 1 && rendered.length === 1;
  const [before, after] = strings.count.split("{count}");
  if (!status.startsWith(before) || !status.endsWith(after)) return false;
  const count = Number(status.slice(before.length, status.length - after.length));
  return Number.isInteger(count) && items.length === rendered.length && rendered.length === Math.min(count, pageSize);
}"""

MORE_RENDERED = """(shown) => {
  const items = document.querySelectorAll("#search-results > li.search-result");
  const rendered = document.querySelectorAll("#search-results > li.search-result > h2 a");
  return items.length > shown && items.length === rendered.length;
}"""

READ_STATE = """() => {
  const options = {};
  for (const name of ["round", "unit", "group", "status", "category", "location", "overdue"]) {
    options[name] = Array.from(document.querySelectorAll("#filter-" + name + " option")).map(o => o.textContent);
  }
  return {
    mode: document.getElementById("search-form").getAttribute("data-search-mode"),
    status: document.getElementById("search-status").textContent.trim(),
    results: Array.from(document.querySelectorAll("#search-results > li.search-result")).map(li => ({
      title: li.querySelector("h2.search-result-title a").textContent,
      href: li.querySelector("h2.search-result-title a").getAttribute("href"),
      unit: li.querySelector(".search-result-unit").textContent,
      status: li.querySelector(".search-result-meta .status").textContent,
      round: li.querySelector(".search-result-round").textContent,
    })),
    options: options,
  };
}"""

# Installed before any script of the page runs (through the browser's debugging protocol, not by eval), so
# it hears every violation of the page's Content-Security-Policy.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
                              " in " + event.sourceFile + ":" + event.lineNumber);
});
"""


class Watch:
    """What a page did: every URL it requested, and its problems: Content-Security-Policy violations, console
    errors, and warnings from Pagefind (a merge it skipped, its worker failing), in the page or in Pagefind's
    worker."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.problems: list[str] = []
        page.add_init_script(script=WATCH_CSP)
        page.on("console", self._console)
        page.on("request", lambda request: self.requests.append(request.url))

    def _console(self, message) -> None:
        if message.type == "error" or (message.type == "warning" and "pagefind" in message.text.lower()):
            self.problems.append(f"console {message.type}: {message.text}")

    def check_csp(self) -> None:
        """Collect the violations the page has heard of (call before leaving a page)."""
        self.problems.extend(f"CSP: {v}" for v in self.page.evaluate("() => window.__cspViolations || []"))


@pytest.fixture
def watch(page):
    """Watches conftest's page (which itself fails on uncaught errors, failed requests and HTTP errors);
    the test fails if the page logged an error or broke its Content-Security-Policy."""
    watch = Watch(page)
    yield watch
    with contextlib.suppress(Exception):
        watch.check_csp()
    assert not watch.problems, watch.problems


@pytest.fixture(scope="module")
def servers():
    """A plain static server on 127.0.0.1 for each built site asked for (served at its root), stopped at
    the end; gives the site's URL."""
    with contextlib.ExitStack() as stack:
        started: dict[Path, str] = {}

        def url_of(root: Path) -> str:
            if root not in started:
                started[root] = stack.enter_context(serve_folder(root)) + "/"
            return started[root]

        yield url_of


@pytest.fixture(scope="module")
def served(servers, single_build, sharded_build) -> dict[str, str]:
    """The URLs of both builds."""
    return {"single": servers(single_build), "sharded": servers(sharded_build)}


def query_string(query: str, filters: dict[str, str]) -> str:
    params = ([f"q={quote(query)}"] if query else []) + [f"{name}={quote(filters[name])}" for name in FILTERS
                                                          if filters.get(name)]
    return "?" + "&".join(params) if params else ""


def wait_settled(page, query: str, filters: dict[str, str]) -> None:
    page.wait_for_function(SETTLED, arg=[query, filters, PAGE_SIZE], timeout=TIMEOUT_MS)


def show_all(page) -> None:
    """Press "more" until every result is shown."""
    more = page.locator("#search-more")
    while more.is_visible():
        shown = page.locator("#search-results > li.search-result").count()
        more.click()
        page.wait_for_function(MORE_RENDERED, arg=shown, timeout=TIMEOUT_MS)


def search_state(watch: Watch, url: str, query: str, filters: dict[str, str]) -> dict:
    """Open search.html with this query and these filters in its address, as the header's search box and
    a bookmark do; wait for the outcome, show every result; return what the page shows."""
    page = watch.page
    page.goto(url + "search.html" + query_string(query, filters))
    wait_settled(page, query, filters)
    show_all(page)
    watch.check_csp()
    return page.evaluate(READ_STATE)


def result_link(page, title: str):
    return page.locator("#search-results h2.search-result-title a", has_text=re.compile(f"^{re.escape(title)}$"))


def shown_count(state: dict) -> int:
    found = re.fullmatch(r"找到 (\d+) 个项目", state["status"])
    return int(found.group(1)) if found else 0


def assert_merged(watch: Watch, out: Path) -> None:
    """The page searches with Pagefind (not its offline data) and fetched every shard's index."""
    expect(watch.page.locator("#search-form")).to_have_attribute("data-search-mode", "pagefind")
    for folder in search_config(out)["pagefindMerge"]:
        assert any(f"/{folder}pagefind-entry.json" in url for url in watch.requests), f"{folder} was never loaded"


# --- the same answers from one index and from several ----------------------------------------------------------------

CONFIG = yaml.safe_load((ROOT / "site.yaml").read_text(encoding="utf-8"))
UNITS = yaml.safe_load((ROOT / "content/units.yaml").read_text(encoding="utf-8"))["units"]
FILTER_VALUES = {
    "round": [r["title"] for r in reversed(CONFIG["rounds"])],
    "unit": [u["name"] for u in UNITS],
    "group": sorted({u["group"] for u in UNITS}),
    "status": list(STATUS_LABELS),
}
# Values the search page takes from the index (category, location): a few, each alone; overdue both ways.
LATEST = {}
for _round in CONFIG["rounds"]:
    for _path in sorted((ROOT / "content" / str(_round["id"])).glob("*.yaml")):
        for _entry in yaml.safe_load(_path.read_text(encoding="utf-8")).get("projects") or []:
            LATEST[f"{_path.stem}/{_entry['id']}"] = _entry
INDEX_VALUES = {
    "category": sorted({e["category"] for e in LATEST.values() if e.get("category")})[:3],
    "location": sorted({e["location"] for e in LATEST.values() if e.get("location")})[:3],
    "overdue": ["yes", "no"],
}

SCENARIOS = (
    # queries: one result, a few, many, Latin digits, one character, Traditional, words found nowhere
    [(q, {}) for q in ("路灯", "车位", "社区", "取暖", "宝山仕家", "区", "車位", "开发区", "不存在的项目xyz")]
    + [("5000", {})]
    # every value of every filter alone (statuses no project has included)
    + [("", {name: value}) for name, values in FILTER_VALUES.items() for value in values]
    + [("", {name: value}) for name, values in INDEX_VALUES.items() for value in values]
    # a query with a filter, and two filters
    + [("社区", {"unit": "区人大常委会机关"}), ("社区", {"round": "第一轮公布"}),
       ("车位", {"status": "已完成"}), ("社区", {"unit": "区政协机关"}), ("", {"group": "区直部门", "status": "推进中"}),
       ("社区", {"round": "第二轮公布", "status": "已完成"}),
       ("社区", {"category": INDEX_VALUES["category"][0], "status": "推进中"}),
       ("", {"location": INDEX_VALUES["location"][0], "overdue": "no"})]
)


def scenario_id(scenario) -> str:
    query, filters = scenario.values if hasattr(scenario, "values") else scenario
    return "+".join([query or "-"] + [f"{k}={v}" for k, v in filters.items()])


@pytest.mark.parametrize("query, filters", SCENARIOS, ids=[scenario_id(s) for s in SCENARIOS])
def test_sharded_index_gives_the_same_results_and_counts(page, watch, served, single_build, sharded_build,
                                                        query, filters):
    one = search_state(watch, served["single"], query, filters)
    assert one["mode"] == "pagefind"
    merged = search_state(watch, served["sharded"], query, filters)
    assert_merged(watch, sharded_build)

    hrefs = [r["href"] for r in merged["results"]]
    assert len(hrefs) == len(set(hrefs)), f"a project is listed twice: {sorted(hrefs)}"
    assert len(hrefs) == shown_count(merged)
    assert merged["status"] == one["status"]
    assert sorted(hrefs) == sorted(r["href"] for r in one["results"])
    assert sorted(merged["results"], key=lambda r: r["href"]) == sorted(one["results"], key=lambda r: r["href"])
    assert merged["options"] == one["options"], "filter counts differ"
    if query or filters:
        assert all(re.fullmatch(r".+（\d+）", text) for texts in merged["options"].values() for text in texts[1:])


def test_every_shard_answers(page, watch, served, sharded_build):
    """Listing every project (the group filter) brings records from every shard that holds any."""
    contents = shard_contents(sharded_build)
    state = search_state(watch, served["sharded"], "", {"group": FILTER_VALUES["group"][0]})
    assert_merged(watch, sharded_build)
    found = {r["href"] for r in state["results"]}
    assert found == set(PROJECTS)
    for folder, urls in contents.items():
        assert urls <= found, f"projects of {folder} are missing: {sorted(urls - found)}"
    assert sum(1 for urls in contents.values() if urls) > 1


def test_a_project_of_another_shard_is_found_by_typing_and_opens(page, watch, served, sharded_build):
    contents = shard_contents(sharded_build)
    others = [(folder, sorted(urls)[0]) for folder, urls in contents.items() if folder != "pagefind/" and urls]
    assert others, "no project outside the first shard"
    base = served["sharded"]
    page.goto(base + "search.html")
    assert_merged(watch, sharded_build)
    for folder, url in others:
        title = PROJECTS[url]
        box = page.locator("#search-query")
        box.click()
        page.keyboard.press("ControlOrMeta+A")
        page.keyboard.press("Backspace")
        page.keyboard.type(title, delay=10)  # as a citizen types it
        wait_settled(page, title, {})
        link = result_link(page, title)
        expect(link).to_have_count(1)
        assert link.get_attribute("href") == url, folder

    folder, url = others[-1]
    watch.check_csp()
    result_link(page, PROJECTS[url]).click()
    page.wait_for_url(base + url)
    expect(page.locator("h1")).to_have_text(PROJECTS[url])
    watch.check_csp()


def test_filter_after_query_narrows_across_shards(page, watch, served, sharded_build, single_build):
    """Typing, then choosing a filter, as a citizen does: the counts beside the options follow."""
    states = {}
    for name in ("single", "sharded"):
        page.goto(served[name] + "search.html")
        expect(page.locator("#search-form")).to_have_attribute("data-search-mode", "pagefind")
        page.locator("#search-query").click()
        page.keyboard.type("社区", delay=20)
        wait_settled(page, "社区", {})
        page.locator("#filter-unit").select_option(value="区人大常委会机关")
        wait_settled(page, "社区", {"unit": "区人大常委会机关"})
        show_all(page)
        states[name] = page.evaluate(READ_STATE)
    assert_merged(watch, sharded_build)
    assert states["sharded"]["status"] == states["single"]["status"]
    assert {r["href"] for r in states["sharded"]["results"]} == {r["href"] for r in states["single"]["results"]}
    assert {r["unit"] for r in states["sharded"]["results"]} == {"区人大常委会机关"}
    assert states["sharded"]["options"] == states["single"]["options"]


def test_sharded_site_under_a_sub_path(page, watch, sharded_build, tmp_path):
    """Served from a sub-folder (https://example.gov.cn/bulletins/2021/): the shards are found beside the
    first index, and result links lead to the projects."""
    (tmp_path / "bulletins").mkdir()
    (tmp_path / "bulletins" / "2021").symlink_to(sharded_build.resolve(), target_is_directory=True)
    contents = shard_contents(sharded_build)
    url = sorted(url for folder, urls in contents.items() if folder != "pagefind/" for url in urls)[0]
    with serve_folder(tmp_path) as server:
        base = server + "/bulletins/2021/"
        state = search_state(watch, base, "", {"group": FILTER_VALUES["group"][0]})
        assert_merged(watch, sharded_build)
        assert {r["href"] for r in state["results"]} == set(PROJECTS)
        watch.check_csp()
        result_link(page, PROJECTS[url]).click()
        page.wait_for_url(base + url)
        expect(page.locator("h1")).to_have_text(PROJECTS[url])


def test_sharded_site_opened_from_disk_searches_its_offline_data(page, watch, served, sharded_build):
    served_state = search_state(watch, served["sharded"], "社区", {"unit": "区政府办公室"})
    address = sharded_build.resolve().as_uri() + "/search.html" + query_string("社区", {"unit": "区政府办公室"})
    page.goto(address)
    wait_settled(page, "社区", {"unit": "区政府办公室"})
    show_all(page)
    watch.check_csp()
    offline = page.evaluate(READ_STATE)
    assert offline["mode"] == "offline"
    assert not any(url.startswith("file:") and "/pagefind/" in url for url in watch.requests)
    assert offline["status"] == served_state["status"]
    assert {r["href"] for r in offline["results"]} == {r["href"] for r in served_state["results"]}


@pytest.mark.parametrize("build_name", ["single", "sharded"])
def test_a_number_finds_only_the_projects_that_contain_it(page, watch, servers, request, build_name):
    """The root of the difference for 5000 above, in a single index too: a number that occurs nowhere
    finds nothing, not the projects holding a shorter number it begins with."""
    content = "\n".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "content").rglob("*.yaml")))
    for query, shorter in (("5001", "50"), ("50000", "5000")):
        assert query not in content and shorter in content
        state = search_state(watch, servers(request.getfixturevalue(f"{build_name}_build")), query, {})
        assert state["results"] == [], f"{query} found {[r['href'] for r in state['results']]}"
