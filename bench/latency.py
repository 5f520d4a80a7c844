#!/usr/bin/env python3
"""Search latency: how long a citizen waits for the first result on the search page.

    python3 bench/latency.py SITE [--queries FILE] [--count 20] [--json FILE] [--modes served file]
                                  [--timeout 30]

SITE is a built output folder (`python3 build.py build --out SITE`). Chromium (the system's
`chromium`, driven by Playwright's Python package) opens SITE's search page once to fill its cache,
then opens `search.html?q=<query>` for each query in the same page, and measures inside the page
the time from the navigation's start (`performance.now()`, whose origin is the navigation) to the
moment the first result's title link (`#search-results .search-result-title a`) is in the document
(a MutationObserver installed before the page's own scripts run). Two modes:

- served: SITE served by a local static HTTP server (http.server, in a thread, on 127.0.0.1);
- file: SITE opened from disk (file://), where the page searches its offline data.

The queries, unless --queries gives them (one a line), are derived from SITE itself, the same for
the same site: the titles (<h1>) of up to 2,000 project history pages (SITE/projects/*/*.html,
sorted, evenly spaced), mixed from the titles' most frequent 2-character Chinese words, 2–4
character pieces of single titles, whole titles and a run of Latin letters or digits.

A harness that measures; it asserts nothing and is not part of the tests. It relies only on the
page's public surface: search.html and its `?q=`, `#search-form[data-search-mode]` (set once the
page's search is ready), `#search-results .search-result-title a` (a rendered result) and
`#search-status` (the status line).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import functools
import hashlib
import html.parser
import http.server
import json
import math
import re
import shutil
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

MAX_SAMPLED_PAGES = 2000  # titles read from at most this many project pages: a province stays cheap
RESULT_LINK = "#search-results .search-result-title a"
READY_FORM = "#search-form[data-search-mode]"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
LATIN_OR_DIGITS = re.compile(r"[A-Za-z0-9]+")

# Runs before every document's own scripts: notes when the first result link is in the document,
# when the search became ready, and the status line at that moment. performance.now() counts from
# the navigation's start, so no clock outside the page is involved.
OBSERVER_SCRIPT = """
(() => {
  const mark = { installed: performance.now(), firstResult: null, ready: null, statusAtFirst: null };
  window.__searchLatency = mark;
  const check = () => {
    if (mark.ready === null && document.querySelector(%(ready)s)) { mark.ready = performance.now(); }
    if (mark.firstResult === null && document.querySelector(%(link)s)) {
      mark.firstResult = performance.now();
      const status = document.getElementById("search-status");
      mark.statusAtFirst = status ? status.textContent : null;
    }
    if (mark.firstResult !== null && mark.ready !== null) { observer.disconnect(); }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, attributes: true,
                               attributeFilter: ["data-search-mode"] });
})();
""" % {"ready": json.dumps(READY_FORM), "link": json.dumps(RESULT_LINK)}


# ---------------------------------------------------------------- queries from the site

class _FirstHeading(html.parser.HTMLParser):
    """The text of a page's first <h1>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.done = False
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "h1" and not self.done:
            self.depth += 1

    def handle_endtag(self, tag) -> None:
        if tag == "h1" and self.depth:
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data) -> None:
        if self.depth and not self.done:
            self.parts.append(data)


def page_title(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    start = text.find("<h1")
    end = text.find("</h1>", start)
    if start < 0 or end < 0:
        return ""
    parser = _FirstHeading()
    parser.feed(text[start:end + len("</h1>")])
    return " ".join("".join(parser.parts).split())


def evenly_spaced(items: list, count: int) -> list:
    if len(items) <= count:
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


def sampled_titles(site: Path, limit: int = MAX_SAMPLED_PAGES) -> list[str]:
    pages = sorted(site.glob("projects/*/*.html"), key=lambda p: p.relative_to(site).as_posix())
    titles = [page_title(path) for path in evenly_spaced(pages, limit)]
    return [title for title in titles if title]


def _stable(text: str) -> int:
    # A hash that is the same in every process (Python's str hash is salted per process).
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def _cjk_pieces(title: str, sizes=(2, 3, 4)) -> list[str]:
    pieces = []
    for run in CJK.findall(title):
        for size in sizes:
            pieces += [run[i:i + size] for i in range(len(run) - size + 1)]
    return pieces


def _cohesive(piece: str, frequency: collections.Counter) -> bool:
    """Its characters seldom occur apart: 治项 from 整治项目 is not (项 is in every title)."""
    return frequency[piece] >= 0.75 * max(frequency[piece[:-1]], frequency[piece[1:]])


def _overlaps(piece: str, other: str, title: str) -> bool:
    """Whether piece and other share a character somewhere in title (理整 and 整治 in 清理整治)."""
    taken = {i for start in range(len(title)) if title.startswith(other, start)
             for i in range(start, start + len(other))}
    return any(i in taken for start in range(len(title)) if title.startswith(piece, start)
               for i in range(start, start + len(piece)))


def _word_like(piece: str, title: str, frequency: collections.Counter) -> bool:
    """Whether a piece of a title reads as a word rather than a cut across two (say 器材清 from
    健身器材清理): its characters seldom occur apart (cohesive), and the title's next character on
    either side does not nearly always come with it (it is not part of a longer word). A
    word-segmenting index may not find a cut across words, and no citizen types one."""
    count = frequency[piece]
    if not _cohesive(piece, frequency):
        return False
    for start in (i for i in range(len(title)) if title.startswith(piece, i)):
        longer = [title[start - 1:start + len(piece)] if start else "",
                  title[start:start + len(piece) + 1] if start + len(piece) < len(title) else ""]
        if any(len(word) > len(piece) and CJK.fullmatch(word) and frequency[word] >= 0.75 * count
               for word in longer):
            return False
    return True


def derive_queries(titles: list[str], count: int) -> list[str]:
    """`count` queries from project titles, deterministic for the same titles.

    Common words first (the cohesive 2-character pieces most titles share: they match many projects, the
    case the issue says must not cost more), then words of single titles (2-4 characters, the
    rarest: specific), whole titles, and one run of Latin letters or digits if any title has one.
    Without a dictionary, "word" means a piece of a title that passes _word_like."""
    if not titles or count <= 0:
        return []
    queries: list[str] = []

    def add(query: str) -> bool:
        if query and query not in queries and len(queries) < count:
            queries.append(query)
            return True
        return False

    # Document frequency: in how many sampled titles a piece of 1-5 characters occurs.
    frequency = collections.Counter(piece for title in titles
                                     for piece in set(_cjk_pieces(title, sizes=(1, 2, 3, 4, 5))))
    latin_runs = sorted({run for title in titles for run in LATIN_OR_DIGITS.findall(title)},
                        key=lambda run: (-sum(run in title for title in titles), -len(run), run))
    whole_count = 2 if count >= 10 else 1
    latin_count = 1 if latin_runs else 0
    common_count = max(5, round(count * 0.35))
    specific_count = max(0, count - common_count - whole_count - latin_count)

    # A 2-character piece and a title it occurs in, for the word test.
    first_title = {}
    for title in titles:
        for piece in _cjk_pieces(title, sizes=(2,)):
            first_title.setdefault(piece, title)
    # A fixed phrase (清理整治 in every title that has one of its pieces) leaves no way to tell its
    # words from cuts across them by counting alone; taking no piece that overlaps one taken
    # already keeps 整治 and 清理 and drops 理整.
    common = sorted(first_title, key=lambda piece: (-frequency[piece], piece))
    for piece in common:
        if len(queries) >= min(common_count, count):
            break
        title = first_title[piece]
        if _cohesive(piece, frequency) and not any(_overlaps(piece, taken, title) for taken in queries):
            add(piece)

    # Titles picked evenly over the sample, in an order set by a stable hash so that neighbouring
    # pages (often the same unit) are not all picked.
    distinct_titles = sorted(set(titles), key=lambda title: (_stable(title), title))
    picks = evenly_spaced(distinct_titles, max(1, specific_count + whole_count))
    for title in picks:
        if len(queries) >= count - whole_count - latin_count:
            break
        pieces = sorted(set(_cjk_pieces(title)), key=lambda piece: (title.find(piece), piece))
        words = [piece for piece in pieces if _word_like(piece, title, frequency)] or pieces
        # The rarest word another title shares too (specific, yet a word), then the longer.
        for piece in sorted(words, key=lambda piece: (frequency[piece] < 2, frequency[piece], -len(piece))):
            if add(piece):
                break
    for title in reversed(picks):
        if len(queries) >= count - latin_count:
            break
        add(title)
    for run in latin_runs[:latin_count]:
        add(run)
    # A small or uniform site may not yield enough distinct words: fill with the commonest pieces.
    for piece in common:
        if len(queries) >= count:
            break
        add(piece)
    return queries


def read_queries(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]


# ---------------------------------------------------------------- the local server

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 (the base class's name)
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # The browser drops connections it no longer needs when it navigates away: not news.
        pass


@dataclasses.dataclass
class StaticServer:
    folder: Path
    server: _QuietServer | None = None
    thread: threading.Thread | None = None

    def __enter__(self) -> "StaticServer":
        handler = functools.partial(_QuietHandler, directory=str(self.folder))
        self.server = _QuietServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="latency-server", daemon=True)
        self.thread.start()
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# ---------------------------------------------------------------- measuring

@dataclasses.dataclass(frozen=True)
class QueryTime:
    query: str
    ms: float | None  # None: no result within the timeout, or none found
    outcome: str  # "result", "no results" (the status line quotes the query, no result shown), "timeout", "error"
    status: str  # the status line's text once the first result is shown (or at the end)
    ready_ms: float | None  # when the page's search was ready (data-search-mode set)
    timing: str  # "in page" (the observer) or "wall" (around goto + wait: the observer did not run)
    wall_ms: float | None = None  # from before page.goto to the wait's end, for comparison (includes Playwright's polling)


def _search_url(base: str, query: str) -> str:
    return base + "search.html?q=" + urllib.parse.quote(query, safe="")


def _status_text(page) -> str:
    try:
        return " ".join((page.text_content("#search-status", timeout=1000) or "").split())
    except Exception:  # the page may be gone or the element missing: the figure is still worth having
        return ""


def _settled_status(page, timeout_ms: float) -> str:
    # The count may follow the first results (show the first results first): wait briefly for a
    # status line with a number in it, and take whatever it says then.
    try:
        page.wait_for_function(
            "() => /\\d/.test((document.getElementById('search-status') || {}).textContent || '')",
            timeout=timeout_ms)
    except Exception:
        pass
    return _status_text(page)


def measure_query(page, base: str, query: str, timeout_s: float) -> QueryTime:
    url = _search_url(base, query)
    deadline_ms = timeout_s * 1000
    started = time.perf_counter()
    try:
        page.goto(url, wait_until="commit", timeout=deadline_ms)
        # The first result, or the page saying it found nothing, which ends the wait early: the
        # search is ready, no result (not even an empty slot) is in the list, and the status line
        # quotes the query and, the query aside, has no number in it ("no project matches “…”"
        # rather than "12 projects found"), all of this for 0.5 s on end.
        handle = page.wait_for_function(
            """(args) => {
                 if (document.querySelector(args.link)) { return "result"; }
                 const status = document.getElementById("search-status");
                 const list = document.getElementById("search-results");
                 const text = status ? status.textContent : "";
                 const none = !!document.querySelector(args.ready) && !!list && !list.children.length
                   && text.indexOf(args.query) >= 0 && !/\\d/.test(text.split(args.query).join(""));
                 if (!none) { window.__noResultsSince = null; return false; }
                 if (window.__noResultsSince == null) { window.__noResultsSince = performance.now(); }
                 return performance.now() - window.__noResultsSince >= 500 ? "no results" : false;
               }""",
            arg={"link": RESULT_LINK, "ready": READY_FORM, "query": query},
            timeout=max(1.0, deadline_ms - (time.perf_counter() - started) * 1000), polling="raf")
        outcome = handle.json_value()
    except Exception as error:
        name = type(error).__name__
        outcome = "timeout" if "Timeout" in name else "error"
        status = _status_text(page)
        if outcome == "error":
            status += f" [{name}: {str(error).splitlines()[0][:160]}]"
        return QueryTime(query, None, outcome, status, None, "-")
    wall_ms = (time.perf_counter() - started) * 1000
    mark = page.evaluate("() => window.__searchLatency || null")
    if outcome != "result":
        return QueryTime(query, None, outcome, _status_text(page),
                         mark.get("ready") if mark else None, "in page" if mark else "wall")
    status = _settled_status(page, 5000)
    if mark and mark.get("firstResult") is not None:
        return QueryTime(query, round(mark["firstResult"], 1), "result", status,
                         round(mark["ready"], 1) if mark.get("ready") is not None else None, "in page",
                         round(wall_ms, 1))
    return QueryTime(query, round(wall_ms, 1), "result", status, None, "wall", round(wall_ms, 1))


@dataclasses.dataclass(frozen=True)
class ModeResult:
    mode: str
    base: str
    warm_ms: float | None  # the first, cold-cache opening of search.html until its search was ready
    search_mode: str | None  # the value of data-search-mode: which backend the page chose
    queries: list[QueryTime]

    def summary(self) -> dict:
        times = [q.ms for q in self.queries if q.ms is not None]
        ordered = sorted(times)
        return {
            "median_ms": round(statistics.median(times), 1) if times else None,
            "p90_ms": round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1) if times else None,  # nearest rank
            "max_ms": round(max(times), 1) if times else None,
            "results": len(times),
            "no_results": sum(q.outcome == "no results" for q in self.queries),
            "timeouts": sum(q.outcome == "timeout" for q in self.queries),
            "errors": sum(q.outcome == "error" for q in self.queries),
            "timing": sorted({q.timing for q in self.queries if q.timing != "-"}),
        }


def run_mode(browser, mode: str, base: str, queries: list[str], timeout_s: float) -> ModeResult:
    context = browser.new_context()
    try:
        context.add_init_script(script=OBSERVER_SCRIPT)
        page = context.new_page()
        started = time.perf_counter()
        warm_ms = search_mode = None
        try:
            page.goto(base + "search.html", wait_until="load", timeout=timeout_s * 1000)
            page.wait_for_selector(READY_FORM, state="attached", timeout=timeout_s * 1000)
            warm_ms = round((time.perf_counter() - started) * 1000, 1)
            search_mode = page.get_attribute("#search-form", "data-search-mode")
        except Exception as error:
            print(f"  {mode}: the search page did not get ready within {timeout_s:g} s "
                  f"({type(error).__name__}); measuring the queries anyway", file=sys.stderr)
        results = []
        for query in queries:
            result = measure_query(page, base, query, timeout_s)
            results.append(result)
            shown = f"{result.ms:.0f} ms" if result.ms is not None else result.outcome
            print(f"  {mode}: {query}: {shown}  [{result.status}]", file=sys.stderr, flush=True)
        return ModeResult(mode, base, warm_ms, search_mode, results)
    finally:
        context.close()


def measure_site(site: Path, queries: list[str], modes: list[str], timeout_s: float) -> dict:
    from playwright.sync_api import sync_playwright  # imported here: --help works without it

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        raise SystemExit("latency.py: no `chromium` on PATH (apt-get install chromium)")
    outcome: dict = {"site": str(site), "queries": queries, "timeout_s": timeout_s, "modes": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                             timeout=60_000)
        try:
            outcome["chromium"] = browser.version
            for mode in modes:
                if mode == "served":
                    with StaticServer(site) as server:
                        result = run_mode(browser, mode, server.base, queries, timeout_s)
                else:
                    result = run_mode(browser, mode, site.resolve().as_uri() + "/", queries, timeout_s)
                outcome["modes"][mode] = {
                    "summary": result.summary(), "warm_ms": result.warm_ms, "search_mode": result.search_mode,
                    "per_query": [dataclasses.asdict(q) for q in result.queries],
                }
        finally:
            browser.close()
    return outcome


# ---------------------------------------------------------------- report

def table(outcome: dict) -> str:
    lines = [f"Chromium {outcome.get('chromium', '?')}, {len(outcome['queries'])} queries, "
             f"timeout {outcome['timeout_s']:g} s per query, site {outcome['site']}", "",
             "| mode | search | median ms | p90 ms | max ms | results | no results | timeouts | errors | first opening ms | timing |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]

    def number(value) -> str:
        return "–" if value is None else f"{value:.0f}"

    for mode, data in outcome["modes"].items():
        s = data["summary"]
        lines.append(f"| {mode} | {data['search_mode'] or '–'} | {number(s['median_ms'])} | {number(s['p90_ms'])} | "
                     f"{number(s['max_ms'])} | {s['results']} | {s['no_results']} | {s['timeouts']} | {s['errors']} | "
                     f"{number(data['warm_ms'])} | {', '.join(s['timing']) or '–'} |")
    modes = list(outcome["modes"])
    lines += ["", "| query | " + " | ".join(f"{mode} ms | {mode} status" for mode in modes) + " |",
              "|---|" + "---|---|" * len(modes)]
    for i, query in enumerate(outcome["queries"]):
        cells = []
        for mode in modes:
            q = outcome["modes"][mode]["per_query"][i]
            cells += [number(q["ms"]) if q["ms"] is not None else q["outcome"], q["status"].replace("|", "/")]
        lines.append(f"| {query} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built output folder (python3 build.py build --out SITE)")
    parser.add_argument("--queries", type=Path, help="a file with one query a line (instead of queries from the site)")
    parser.add_argument("--count", type=int, default=20, help="queries derived from the site (default 20)")
    parser.add_argument("--json", type=Path, help="also write everything measured to this file")
    parser.add_argument("--modes", nargs="+", choices=("served", "file"), default=["served", "file"])
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per query (default 30)")
    args = parser.parse_args(argv)
    site = args.site.resolve()
    if not (site / "search.html").is_file():
        print(f"latency.py: {site / 'search.html'} not found: give a built output folder", file=sys.stderr)
        return 2
    if args.queries:
        queries = read_queries(args.queries)
        source = str(args.queries)
    else:
        queries = derive_queries(sampled_titles(site), args.count)
        source = "derived from the site's project titles"
    if not queries:
        print("latency.py: no queries (no project pages under SITE/projects/, or an empty --queries file)",
              file=sys.stderr)
        return 2
    outcome = measure_site(site, queries, args.modes, args.timeout)
    outcome["query_source"] = source
    print(table(outcome))
    if args.json:
        args.json.write_text(json.dumps(outcome, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
