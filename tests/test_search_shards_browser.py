"""Search over an index cut in shards, in a real browser (Debian's Chromium driven by Playwright).

The same content (written here: 30 units, 150 projects over three rounds, Traditional and Simplified
text, Latin and digits, categories and places only for some, projects past their 完成时限, left out of
the latest round, renamed) is built twice: with `search: shard_size: 25` (several shards) and with the
default size (one shard). For every query and filter combination below, served over http AND opened
from disk (file://), the search page must show the same results (titles, order, count) and the same
count beside every filter option on both sites, and these must equal a reference computed here from
the content files with search's rule: a project matches when every word of every term is in its text
(every round's titles, places, leads, categories, progress, and its unit's name); ten points for a term
in its title, one otherwise; ties in the site's order.

The page must load only what the query needs (issue 15): the manifest, the buckets of its words' first
characters in the shards that have them all, the facets of the shards holding matches, and the result
lines of the units whose results are shown (at most PAGE_SIZE units' files for the first page): never
every bucket, never every unit's file. Nothing may break the page's Content-Security-Policy or log an
error.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
import yaml

from bulletin.search import to_simplified
from conftest import run_cli, serve_folder, write_site

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - only on a machine without requirements-dev.txt
    expect = None

SHARD_SIZE = 25
PAGE_SIZE = 20  # results shown before "more" (search.js PAGE_SIZE)
BUCKETS = 256  # search.py BUCKETS
TIMEOUT_MS = 30_000
FILTERS = ("round", "unit", "group", "status", "category", "location", "overdue")
STATUS_LABELS = {"not_started": "未启动", "in_progress": "推进中", "completed": "已完成", "suspended": "暂缓",
                 "cancelled": "已取消", "not_reported": "本轮未报告"}
CLOSED = ("completed", "cancelled")


# --- the content -------------------------------------------------------------------------------------------

ROUNDS = [("r1", "第一轮", "2024-03-31"), ("r2", "第二轮", "2024-06-30"), ("r3", "第三轮", "2024-09-30")]
PLACES = ["星海社区", "宝山社区", "东街", "西村", "開發區", "锦绣社区", "下荒村"]  # 開發區: Traditional
THINGS = ["路灯", "车位", "供暖管网", "垃圾清运点", "LED灯", "健身器材"]
ACTIONS = ["修复", "改造", "新建", "更换"]
CATEGORIES = ["基础设施", "民生保障", "交通停车", ""]  # "": none written
LEADS = ["张伟", "李娜", "王强", ""]
PROGRESS = ["已投入资金{amount}元，正在施工。", "已投入資金{amount}元，正在鋪設。", "完成{thing}采购，等待安装。",
            "方案已报批，{place}群众满意。"]
AMOUNTS = [5000, 50000, 500, 12000]
DUES = ["2024-05", "2024-08-15", "2024-12", ""]
UNIT_STEMS = ["住建", "交通", "民政", "教育", "水利", "商务"]
UNITS = 30
PROJECTS_PER_UNIT = 5


def content_files() -> dict[str, str]:
    """site.yaml and content/ of the test site, the same every time."""
    rng = random.Random(15)
    files = {"site.yaml": "title: 测试区民生实事公示\npublisher: 测试区办公室\nsupervision:\n  phone: 0000-1234567\n"
                          "rounds:\n" + "".join(f"  - id: {rid}\n    title: {title}\n    date: {date}\n"
                                                  for rid, title, date in ROUNDS)}
    units = ["units:"]
    for u in range(UNITS):
        units += [f"  - id: u{u:02d}", f"    name: {UNIT_STEMS[u % len(UNIT_STEMS)]}{'局' if u % 3 else '镇'}{u}",
                  f"    group: {'镇街' if u % 3 == 0 else '区直部门'}", f"    order: {u}"]
    files["content/units.yaml"] = "\n".join(units) + "\n"
    for u in range(UNITS):
        plans = []
        for p in range(PROJECTS_PER_UNIT):
            place, thing, action = rng.choice(PLACES), rng.choice(THINGS), rng.choice(ACTIONS)
            plans.append({
                "id": f"p{p}", "title": f"{place}{thing}{action}", "place": place, "thing": thing,
                "location": place if rng.random() < 0.7 else "", "category": rng.choice(CATEGORIES),
                "lead": rng.choice(LEADS), "due": rng.choice(DUES), "amount": rng.choice(AMOUNTS),
                "start": 1 if rng.random() < 0.2 else 0,  # new in the second round
                "fate": rng.choice(["open", "open", "done", "dropped", "renamed", "suspended", "cancelled"]),
            })
        for r, (rid, _, _) in enumerate(ROUNDS):
            body = ["projects:"]
            for plan in plans:
                if r < plan["start"]:
                    continue
                last = r == len(ROUNDS) - 1
                if last and plan["fate"] == "dropped":
                    continue  # left out of the latest round while open: shown as not reported
                if last and plan["fate"] == "done" and plan["start"] == 0 and plan["id"] == "p0":
                    continue  # completed in the second round, then no longer listed
                status = "in_progress" if r else "not_started"
                if plan["fate"] == "done" and r >= 1:
                    status = "completed"
                elif plan["fate"] in ("suspended", "cancelled") and last:
                    status = plan["fate"]
                title = plan["title"] + ("提升工程" if last and plan["fate"] == "renamed" else "")
                body += [f"  - id: {plan['id']}", f"    title: {title}", f"    status: {status}",
                         f"    progress: {PROGRESS[(r + len(plan['title'])) % len(PROGRESS)].format(**plan)}"]
                body += [f"    {key}: {plan[key]}" for key in ("location", "category", "lead", "due") if plan[key]]
            files[f"content/{rid}/u{u:02d}.yaml"] = "\n".join(body) + "\n"
    return files


# --- the reference: what search must find, from the content files alone ----------------------------------------

@dataclass
class Project:
    url: str
    unit: str
    unit_order: int
    position: int  # among the unit's projects, in order of first appearance
    group: str
    entries: list[dict] = field(default_factory=list)
    rounds: list[str] = field(default_factory=list)  # titles of the rounds that reported it
    dropped: bool = False
    date: str = ""  # of the round its status is shown for

    @property
    def latest(self) -> dict:
        return self.entries[-1]

    @property
    def status(self) -> str:
        return STATUS_LABELS["not_reported" if self.dropped else self.latest["status"]]

    @property
    def overdue(self) -> bool:
        due = str(self.latest.get("due") or "")
        return bool(due) and self.latest["status"] not in CLOSED and self.date[:len(due)] > due

    def values(self, name: str) -> list[str]:
        """The project's values for a filter, as the page's options name them."""
        if name == "round":
            return self.rounds
        value = {"unit": self.unit, "group": self.group, "status": self.status,
                 "category": self.latest.get("category") or "", "location": self.latest.get("location") or "",
                 "overdue": "yes" if self.overdue else "no"}[name]
        return [value] if value else []

    def text(self) -> str:
        return "\n".join([str(e.get(key) or "") for e in self.entries
                          for key in ("title", "location", "lead", "category", "progress")] + [self.unit])


def load_projects(site: Path) -> list[Project]:
    config = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    units = yaml.safe_load((site / "content/units.yaml").read_text(encoding="utf-8"))["units"]
    units.sort(key=lambda unit: (unit["order"], unit["id"]))
    projects: list[Project] = []
    for order, unit in enumerate(units):
        own: dict[str, Project] = {}
        for round_ in config["rounds"]:
            path = site / "content" / str(round_["id"]) / f"{unit['id']}.yaml"
            entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("projects") or [] \
                if path.exists() else []
            present = {entry["id"] for entry in entries}
            for entry in entries:
                project = own.setdefault(entry["id"], Project(f"projects/{unit['id']}/{entry['id']}.html",
                                                              unit["name"], order, len(own), unit["group"]))
                project.entries.append(entry)
                project.rounds.append(round_["title"])
                project.date, project.dropped = str(round_["date"]), False
            for project_id, project in own.items():
                if project_id not in present and project.latest["status"] not in CLOSED:
                    project.dropped, project.date = True, str(round_["date"])  # followed, as not reported
        projects += own.values()
    return projects


CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
LATIN_RUN = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    return to_simplified(text).lower()


def words_of(text: str) -> set[str]:
    """The words a text is indexed under: pairs of Chinese characters, each run's last one, Latin runs."""
    folded = fold(text)
    words = {run[i:i + 2] for run in CJK_RUN.findall(folded) for i in range(len(run) - 1)}
    return words | {run[-1] for run in CJK_RUN.findall(folded)} | set(LATIN_RUN.findall(folded))


def term_words(term: str) -> list[tuple[str, bool]]:
    """The words a typed term is looked up by, and whether each matches as the beginning of a word."""
    found = []
    for run in CJK_RUN.findall(term):
        found += [(run, True)] if len(run) == 1 else []
        found += [(run[i:i + 2], False) for i in range(len(run) - 1)]
    return found + [(run, True) for run in LATIN_RUN.findall(term)]


def has(words: set[str], word: str, prefix: bool) -> bool:
    return any(w.startswith(word) for w in words) if prefix else word in words


def reference(projects: list[Project], query: str) -> list[Project]:
    """The projects a query finds, in search's order."""
    terms = [found for found in (term_words(term) for term in fold(query).split()) if found]
    if not terms:
        return []  # no query, or punctuation alone, finds nothing; a term of punctuation between words is skipped
    scored = []
    for project in projects:
        words, title = words_of(project.text()), words_of(project.latest["title"])
        if all(has(words, w, p) for term in terms for w, p in term):
            score = sum(10 if all(has(title, w, p) for w, p in term) else 1 for term in terms)
            scored.append((-score, project.unit_order, project.position, project))
    return [found[-1] for found in sorted(scored, key=lambda found: found[:3])]


def query_buckets(query: str) -> set[int]:
    return {ord(w[0]) % BUCKETS for term in fold(query).split() for w, _ in term_words(term)}


def passes(project: Project, filters: dict[str, str], but: str = "") -> bool:
    return all(value in project.values(name) for name, value in filters.items() if value and name != but)


def expected_state(projects: list[Project], query: str, filters: dict[str, str],
                   options: dict[str, list[list[str]]]) -> dict:
    """What the page must show: the results, and each option's faceted count (with the query and the
    other filters chosen)."""
    found = reference(projects, query) if query else projects
    counts = {name: [f"{label}（{sum(1 for p in found if passes(p, filters, name) and value in p.values(name))}）"
                     for value, label, _ in options[name]] for name in FILTERS}
    return {"results": [(p.latest["title"], p.url, p.unit, p.status) for p in found if passes(p, filters)],
            "counts": counts}


# --- the two builds -------------------------------------------------------------------------------------------

def build(folder: Path, extra: str = "") -> Path:
    files = content_files()
    files["site.yaml"] += extra
    site = write_site(folder / "site", files)
    out = folder / "public"
    result = run_cli("build", "--site", str(site), "--out", str(out))
    if result.returncode != 0:
        pytest.fail(f"build of {site} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return out


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    return {"single": build(tmp_path_factory.mktemp("single")),
            "sharded": build(tmp_path_factory.mktemp("sharded"), f"search:\n  shard_size: {SHARD_SIZE}\n")}


@pytest.fixture(scope="module")
def projects(builds) -> list[Project]:
    return load_projects(builds["single"].parent / "site")


def index_part(path: Path):
    text = path.read_text(encoding="utf-8")
    found = re.fullmatch(r'BULLETIN_SEARCH\("[^"]*",(.*)\);\n', text, re.S)
    assert found, path
    return json.loads(found.group(1))


@dataclass
class Layout:
    """Where a built site's index keeps what: its shards' bucket files, and which shard holds each unit."""
    buckets: dict[str, set[int]]
    shard_of_unit: dict[str, str]  # unit id -> shard folder
    unit_ids: list[str]


def layout(out: Path) -> Layout:
    manifest = index_part(out / "search" / "index.js")
    buckets, shard_of_unit = {}, {}
    for folder, _ in manifest["shards"]:
        buckets[folder] = {int(p.stem[1:]) for p in (out / "search" / folder).glob("b*.js")}
        for row in index_part(out / "search" / folder / "facets.js"):
            shard_of_unit[manifest["unitIds"][row[0]]] = folder
    return Layout(buckets, shard_of_unit, manifest["unitIds"])


def expected_loads(site: Layout, projects: list[Project], query: str,
                   filters: dict[str, str]) -> tuple[set[str], set[str]]:
    """The index files (under search/) a search must load, and those it may load besides. It must load
    the manifest and the folding table; the buckets of the query's words in every shard that has them
    all (and no other bucket); the facets of the shards holding matches (of every shard without a
    query); the result lines of the units of the first page (and no other unit's). It may fetch the
    facets of a shard whose buckets it reads before it knows whether the shard holds a match (search.js
    fetches them meanwhile, to have the counts sooner)."""
    must, may = {"index.js", "t2s.js"}, set()
    if query:
        wanted = query_buckets(query)
        for folder, present in site.buckets.items():
            if wanted and wanted <= present:
                must |= {f"{folder}/b{bucket}.js" for bucket in wanted}
                may.add(f"{folder}/facets.js")
        found = reference(projects, query)
        must |= {f"{site.shard_of_unit[p.url.split('/')[1]]}/facets.js" for p in found}
    else:
        found = projects
        must |= {f"{folder}/facets.js" for folder in site.buckets}
    shown = [p for p in found if passes(p, filters)][:PAGE_SIZE]
    return must | {f"units/{p.url.split('/')[1]}.js" for p in shown}, may - must


def test_the_two_builds_differ_only_in_their_shards(builds, projects):
    single, sharded = layout(builds["single"]), layout(builds["sharded"])
    assert list(single.buckets) == ["shard-0"]
    assert len(sharded.buckets) >= 4, f"{SHARD_SIZE} projects a shard should make several: {list(sharded.buckets)}"
    assert list(sharded.buckets) == [f"shard-{i}" for i in range(len(sharded.buckets))]
    assert sorted(sharded.shard_of_unit) == sorted(single.shard_of_unit) == sorted(f"u{u:02d}" for u in range(UNITS))
    # each shard's buckets are a part of the single shard's, and together they are all of them
    assert set().union(*sharded.buckets.values()) == single.buckets["shard-0"]
    assert all(b < single.buckets["shard-0"] for b in sharded.buckets.values())
    assert len(projects) > 140 and sum(p.dropped for p in projects) >= 3 and sum(p.overdue for p in projects) >= 3


# --- driving the search page ------------------------------------------------------------------------------

# True once the page shows the outcome of the search for exactly this query and these filters: the form
# says the search is done (results and counts in), the URL names them, and the status line and the
# rendered results agree.
SETTLED = """([query, filters, pageSize]) => {
  const form = document.getElementById("search-form");
  if (!form || form.getAttribute("data-search-mode") !== "index") return false;
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
    options[name] = Array.from(document.querySelectorAll("#filter-" + name + " option")).slice(1).map(
      o => [o.value, o.getAttribute("data-label") || o.value, o.textContent]);
  }
  return {
    status: document.getElementById("search-status").textContent.trim(),
    results: Array.from(document.querySelectorAll("#search-results > li.search-result")).map(li => [
      li.querySelector("h2.search-result-title a").textContent,
      li.querySelector("h2.search-result-title a").getAttribute("href"),
      li.querySelector(".search-result-unit").textContent,
      li.querySelector(".search-result-meta .status").textContent,
      li.querySelector(".search-result-round").textContent,
    ]),
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
    """What a page did: the index files it requested (under search/), and its problems: Content-Security-
    Policy violations and console errors."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.problems: list[str] = []
        page.add_init_script(script=WATCH_CSP)
        page.on("console", lambda message: message.type == "error"
                and self.problems.append(f"console error: {message.text}"))
        page.on("request", lambda request: self.requests.append(request.url))

    def index_files(self) -> list[str]:
        """The files of search/ requested since the last call (over http or from disk)."""
        found = [unquote(url.split("/search/", 1)[1]) for url in self.requests if "/search/" in url]
        self.requests = []
        return found

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
def addresses(builds):
    """Each build's address served over http (a plain static server on 127.0.0.1) and on disk."""
    with contextlib.ExitStack() as stack:
        found = {}
        for name, out in builds.items():
            found[(name, "http")] = stack.enter_context(serve_folder(out)) + "/"
            found[(name, "file")] = out.resolve().as_uri() + "/"
        yield found


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


def search_state(watch: Watch, base: str, query: str, filters: dict[str, str]) -> tuple[dict, set[str]]:
    """Open search.html with this query and these filters in its address, as the header's search box and
    a bookmark do; wait for the outcome; note the index files loaded for it; show every result; return
    what the page shows and those files."""
    page = watch.page
    watch.index_files()
    page.goto(base + "search.html" + query_string(query, filters))
    wait_settled(page, query, filters)
    loaded = watch.index_files()
    assert len(loaded) == len(set(loaded)), f"a file was loaded twice: {sorted(loaded)}"
    show_all(page)
    watch.check_csp()
    return page.evaluate(READ_STATE), set(loaded)


# --- the same answers from one shard and from several, served and from disk ------------------------------------

CONTENT = content_files()
_UNIT_NAMES = [line.split(": ", 1)[1] for line in CONTENT["content/units.yaml"].splitlines() if "name:" in line]

SCENARIOS = (
    # many results over many units (more than a page), a few, two terms, Traditional in the content or the
    # query, one character (the beginning of words), Latin and digits (the beginning of runs), a renamed
    # title (the old one is still searchable), a lead, nothing, punctuation alone
    [(q, {}) for q in ("社区", "路灯", "路灯 改造", "开发区", "開發區", "區", "灯", "led", "LED灯", "5000", "500",
                       "铺设", "提升工程", "星海社区 修复", "张伟", "不存在xyz", "！！", "路灯 - 改造")]
    # filters alone, from the page and from the index
    + [("", {"round": "第一轮"}), ("", {"status": "本轮未报告"}), ("", {"category": "民生保障"}),
       ("", {"location": "东街"}), ("", {"overdue": "yes"}), ("", {"group": "镇街", "status": "推进中"})]
    # a query with filters
    + [("社区", {"status": "已完成"}), ("路灯", {"round": "第三轮", "overdue": "no"}),
       ("社区", {"unit": _UNIT_NAMES[3]}), ("灯", {"category": "基础设施", "location": "星海社区"}),
       ("改造", {"group": "区直部门", "status": "推进中", "category": "交通停车"}), ("社区", {"status": "暂缓"})]
)


def scenario_id(scenario) -> str:
    query, filters = scenario
    return "+".join([query or "-"] + [f"{k}={v}" for k, v in filters.items()])


@pytest.mark.parametrize("query, filters", SCENARIOS, ids=[scenario_id(s) for s in SCENARIOS])
def test_sharded_and_single_index_answer_as_the_content_says(page, watch, builds, addresses, projects,
                                                            query, filters):
    states = {}
    for name in ("single", "sharded"):
        site = layout(builds[name])
        for mode in ("http", "file"):
            state, loaded = search_state(watch, addresses[(name, mode)], query, filters)
            states[(name, mode)] = state
            must, may = expected_loads(site, projects, query, filters)
            assert must <= loaded <= must | may, (f"{name} {mode}: loaded {sorted(loaded - must - may)} "
                                                  f"needlessly, missing {sorted(must - loaded)}")
    first = states[("single", "http")]
    for key, state in states.items():
        assert state == first, f"{key} differs from the single index served"

    expected = expected_state(projects, query, filters, first["options"])
    assert [tuple(r[:4]) for r in first["results"]] == expected["results"]
    for result, project in zip(first["results"], (p for p in (reference(projects, query) if query else projects)
                                                  if passes(p, filters))):
        assert project.rounds[-1] in result[4]  # the latest round that reported it
    count = len(expected["results"])
    if count:
        assert first["status"] == f"找到 {count} 个项目"
    else:
        assert first["status"] == (f"没有找到与“{query}”相关的项目。请换一个关键词，或减少筛选条件。" if query
                                   else "没有符合所选筛选条件的项目。请减少筛选条件，或输入关键词。")
    assert {name: [text for _, _, text in options] for name, options in first["options"].items()} \
        == expected["counts"], "the counts beside the filter options"


def test_the_options_are_the_contents_values(page, watch, addresses, projects):
    state, _ = search_state(watch, addresses[("sharded", "file")], "", {"round": "第二轮"})
    values = {name: [value for value, _, _ in options] for name, options in state["options"].items()}
    assert values["round"] == ["第三轮", "第二轮", "第一轮"]  # latest first
    assert values["unit"] == _UNIT_NAMES and values["group"] == ["镇街", "区直部门"]
    assert values["status"] == list(STATUS_LABELS.values())
    assert values["category"] == sorted({p.latest.get("category") for p in projects} - {None})
    assert values["location"] == sorted({p.latest.get("location") for p in projects} - {None})
    assert values["overdue"] == ["yes", "no"]


def test_a_common_word_loads_one_page_of_unit_files_not_every_one(page, watch, builds, addresses, projects):
    """社区 is in most units: the first page's results come from at most PAGE_SIZE units, and only their
    result lines are loaded; the buckets read are those of 社 alone; "more" loads the next units' files."""
    found = reference(projects, "社区")
    holding = {p.url.split("/")[1] for p in found}
    assert len(found) > 2 * PAGE_SIZE and len(holding) > PAGE_SIZE
    site = layout(builds["sharded"])
    for mode in ("http", "file"):
        _, loaded = search_state(watch, addresses[("sharded", mode)], "社区", {})
        units = {name for name in loaded if name.startswith("units/")}
        assert 0 < len(units) <= PAGE_SIZE and len(units) < len(holding)
        buckets = {name for name in loaded if "/b" in name}
        assert buckets == {f"{folder}/b{ord('社') % BUCKETS}.js" for folder, present in site.buckets.items()
                           if ord("社") % BUCKETS in present}
        assert len(buckets) < sum(len(present) for present in site.buckets.values())
    more = watch.index_files()  # what show_all's "more" loaded, after the last page was read
    assert more and all(name.startswith("units/") for name in more)


def test_a_typed_query_then_a_filter_in_the_sharded_site(page, watch, addresses, projects):
    """Typing, then choosing a filter, as a citizen does: each search ends done, with the results the
    reference gives, and a result of a unit in a later shard opens its page."""
    base = addresses[("sharded", "http")]
    page.goto(base + "search.html")
    expect(page.locator("#search-form")).to_have_attribute("data-search-mode", "index")
    page.locator("#search-query").click()
    page.keyboard.type("路灯 改造", delay=20)
    wait_settled(page, "路灯 改造", {})
    unit = _UNIT_NAMES[-1]
    page.locator("#filter-unit").select_option(value=unit)
    wait_settled(page, "路灯 改造", {"unit": unit})
    show_all(page)
    state = page.evaluate(READ_STATE)
    expected = [p for p in reference(projects, "路灯 改造") if p.unit == unit]
    assert [r[1] for r in state["results"]] == [p.url for p in expected]
    if expected:
        watch.check_csp()
        page.locator("#search-results h2.search-result-title a").first.click()
        page.wait_for_url(base + expected[0].url)
        expect(page.locator("h1")).to_have_text(expected[0].latest["title"])
