"""Phones and elderly readers: the pages on a 390px-wide phone, at twice the browser's text size and in
关怀版 (care mode); the all-units page and the links between rounds.

The HTML-level tests read the built pages; the browser tests drive Debian's Chromium through Playwright
(skipped on a laptop without it, a failure in CI, as every browser test here).

200% text size is what a reader gets by setting the browser's font size to 32px (Chrome: Settings >
Appearance > Font size > Customise, 16px being the default): the tests set it through the DevTools
protocol, `Page.setFontSizes`, so rem-sized text and rem/em media queries respond as they do for that
reader. (Setting html's font-size with an injected style would miss the media queries.)
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import build_site, run_cli, serve_folder, write_site, MINIMAL_SITE

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
ALL_UNITS = "units/index.html"

# A third round; `early` publishes in r1 only (its project completed, so it has nothing to report
# later: no page after r1), `late` in r1 and r3 (no page in r2: its only project was completed).
GAP_SITE = {
    **MINIMAL_SITE,
    "site.yaml": MINIMAL_SITE["site.yaml"] + """
          - id: r3
            title: 第三轮
            date: 2021-10-25
        """,
    "content/units.yaml": MINIMAL_SITE["content/units.yaml"] + """
          - id: early
            name: 丙街道
            group: 镇乡街
            order: 3
          - id: late
            name: 丁单位
            group: 区直部门
            order: 4
        """,
    "content/r1/early.yaml": """
        projects:
          - id: e1
            title: 小区绿化
            status: completed
            progress: 已完成
        """,
    "content/r1/late.yaml": """
        projects:
          - id: l1
            title: 道路硬化
            status: completed
            progress: 已完成
        """,
    "content/r3/late.yaml": """
        projects:
          - id: l2
            title: 公厕改造
            status: in_progress
            progress: 施工中
        """,
}
ROUND_TITLES = {"r1": "第一轮", "r2": "第二轮", "r3": "第三轮"}


@pytest.fixture(scope="module")
def gap_build(tmp_path_factory) -> Path:
    site = write_site(tmp_path_factory.mktemp("gap") / "site", GAP_SITE)
    return build_site(site, site.parent / "public")


def read(root: Path, relative: str) -> BeautifulSoup:
    return BeautifulSoup((root / relative).read_text(encoding="utf-8"), "html.parser")


def target(relative: str, href: str) -> str:
    """The site path a relative link on page `relative` leads to."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(relative), href))


def words(element) -> str:
    return " ".join(element.get_text().split())


def site_pages(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*.html")
                  if not path.relative_to(root).as_posix().startswith("static/"))


# --- the all-units page and the links between pages -------------------------------------------------

def test_all_units_page_lists_every_unit_by_group_with_its_page_and_latest_list(gap_build):
    page = read(gap_build, ALL_UNITS)
    assert words(page.h1) == "各单位"
    groups = {words(section.h2): [words(card.select_one(".unit-card-name")) for card in section.select(".unit-card")]
              for section in page.select("main section.unit-group")}
    assert groups == {"区直部门": ["甲单位", "丁单位"], "镇乡街": ["乙镇", "丙街道"]}, groups
    latest = {"u1": "r3", "town": "r3", "early": "r1", "late": "r3"}  # early has no list after r1
    for card in page.select(".unit-card"):
        unit_page = target(ALL_UNITS, card.select_one(".unit-card-name a")["href"])
        unit_id = posixpath.splitext(posixpath.basename(unit_page))[0]
        assert unit_page == f"units/{unit_id}.html" and (gap_build / unit_page).is_file(), unit_page
        assert words(read(gap_build, unit_page).h1).startswith(words(card.select_one(".unit-card-name")))
        latest_link = card.select_one(".unit-card-latest a")
        assert target(ALL_UNITS, latest_link["href"]) == f"rounds/{latest[unit_id]}/{unit_id}.html"
        assert (gap_build / target(ALL_UNITS, latest_link["href"])).is_file()
        assert words(latest_link).startswith(ROUND_TITLES[latest[unit_id]]), words(latest_link)
    assert sorted(latest) == sorted(p.stem for p in (gap_build / "units").glob("*.html") if p.stem != "index")
    crumbs = [words(li) for li in page.select(".breadcrumbs li")]
    assert crumbs == ["首页", "各单位"], crumbs


def test_every_page_links_the_all_units_page_from_its_header(gap_build, sample_build):
    for root in (gap_build, sample_build):
        pages = site_pages(root)
        assert ALL_UNITS in pages and len(pages) > 10
        for relative in pages:
            links = [target(relative, a["href"]) for a in read(root, relative).select("header .site-nav a")]
            assert ALL_UNITS in links, f"{relative}: the header does not link {ALL_UNITS}: {links}"


def test_a_unit_called_index_is_refused_so_the_all_units_page_keeps_its_address(tmp_path):
    site = write_site(tmp_path / "site", {**MINIMAL_SITE, "content/units.yaml": MINIMAL_SITE["content/units.yaml"]
                                          .replace("id: town", "id: Index")})
    result = run_cli("check", "--site", str(site))
    assert result.returncode != 0
    assert "content/units.yaml:" in result.stderr and "'Index'" in result.stderr, result.stderr


def neighbour_links(page: BeautifulSoup) -> dict[str, tuple[str, str]]:
    """{"prev"/"next": (link text, href)} of the page's round navigation."""
    nav = page.select_one("nav.round-nav")
    return {a["rel"][0]: (words(a), a["href"]) for a in nav.select("a[rel]")} if nav else {}


def assert_neighbours(out: Path, relative: str, neighbours: dict[str, str], page_of, title_of) -> None:
    """The page links exactly these rounds (rel -> round id), each titled, to page_of(round id),
    whose round title (title_of(soup)) is that round's."""
    found = neighbour_links(read(out, relative))
    assert set(found) == set(neighbours), f"{relative}: {found}"
    for rel, other in neighbours.items():
        text, href = found[rel]
        assert ROUND_TITLES[other] in text, f"{relative}: the {rel} link says {text!r}"
        assert target(relative, href) == page_of(other)
        assert words(title_of(read(out, target(relative, href)))) == ROUND_TITLES[other]


def test_round_bulletins_link_the_previous_and_next_round_by_title(gap_build):
    expected = {"r1": {"next": "r2"}, "r2": {"prev": "r1", "next": "r3"}, "r3": {"prev": "r2"}}
    for round_id, neighbours in expected.items():
        assert_neighbours(gap_build, f"rounds/{round_id}/index.html", neighbours,
                          lambda other: f"rounds/{other}/index.html", lambda page: page.h1)


def test_unit_round_pages_link_the_units_own_previous_and_next_list(gap_build):
    assert not (gap_build / "rounds/r2/late.html").exists()  # late has nothing to show in r2
    expected = {("u1", "r1"): {"next": "r2"}, ("u1", "r2"): {"prev": "r1", "next": "r3"}, ("u1", "r3"): {"prev": "r2"},
                ("late", "r1"): {"next": "r3"}, ("late", "r3"): {"prev": "r1"},  # over the round without a page
                ("early", "r1"): {}}
    for (unit_id, round_id), neighbours in expected.items():
        assert_neighbours(gap_build, f"rounds/{round_id}/{unit_id}.html", neighbours,
                          lambda other: f"rounds/{other}/{unit_id}.html", lambda page: page.select_one(".round-name"))


def test_a_published_round_never_links_a_draft_but_the_draft_links_back(draft_preview_build):
    """A preview (build --drafts) with the draft round 2021-3 after the sample's 2021-2: a published
    round's page naming the draft would show draft content without its mark."""
    assert "next" not in neighbour_links(read(draft_preview_build, "rounds/2021-2/index.html"))
    assert (draft_preview_build / "rounds/2021-3/qwbgs.html").is_file()  # the unit's next list, a draft
    assert "next" not in neighbour_links(read(draft_preview_build, "rounds/2021-2/qwbgs.html"))
    text, href = neighbour_links(read(draft_preview_build, "rounds/2021-3/index.html"))["prev"]
    assert "第二轮公布" in text and target("rounds/2021-3/index.html", href) == "rounds/2021-2/index.html"
    all_units = read(draft_preview_build, ALL_UNITS)  # its latest lists are the draft's: marked as a draft
    assert all_units.select(".draft-notice") and "第三轮公布" in words(all_units.main)


def test_unit_round_pages_and_round_bulletins_link_each_units_page(gap_build):
    for path in sorted(gap_build.glob("rounds/*/*.html")):
        relative = path.relative_to(gap_build).as_posix()
        page = read(gap_build, relative)
        if path.name == "index.html":  # a bulletin: each unit of its list
            items = page.select("ul.unit-list > li")
            assert items, relative
            for item in items:
                unit_id = posixpath.splitext(posixpath.basename(item.a["href"]))[0]
                link = item.select_one(".unit-link a")
                assert link is not None, f"{relative}: {unit_id} has no link to its page"
                assert target(relative, link["href"]) == f"units/{unit_id}.html"
                assert (gap_build / target(relative, link["href"])).is_file()
        else:
            link = page.select_one("main .unit-link a")
            assert link is not None and target(relative, link["href"]) == f"units/{path.stem}.html", relative
            assert (gap_build / target(relative, link["href"])).is_file()


# --- in the browser ------------------------------------------------------------------------------------

def phone_pages(root: Path) -> dict[str, str]:
    """A page of each kind of the sample site."""
    latest = sorted(root.glob("rounds/*/index.html"))[-1].parent
    return {
        "home": "index.html",
        "round": latest.relative_to(root).as_posix() + "/index.html",
        "unit_round": sorted(p for p in latest.glob("*.html") if p.name != "index.html")[0].relative_to(root).as_posix(),
        "unit": sorted(p for p in (root / "units").glob("*.html") if p.name != "index.html")[0].relative_to(root)
        .as_posix(),
        "project": sorted(root.glob("projects/*/*.html"))[0].relative_to(root).as_posix(),
        "search": "search.html",
        "all_units": ALL_UNITS,
    }


@pytest.fixture(scope="module")
def server(sample_build):
    with serve_folder(sample_build) as url:
        yield url


def new_page(browser, viewport=PHONE, text_size: int | None = None, **options):
    context = browser.new_context(viewport=viewport, **options)
    context.set_default_timeout(30_000)
    page = context.new_page()
    if text_size:  # the browser's own font size setting (see the module's docstring)
        session = context.new_cdp_session(page)
        session.send("Page.setFontSizes", {"fontSizes": {"standard": text_size, "fixed": text_size}})
    return context, page


def visit(page, url: str, kind: str = "") -> None:
    response = page.goto(url)
    assert response is None or response.ok, f"{url}: HTTP {response.status}"
    if kind == "search":
        page.wait_for_load_state("networkidle")


def measure(browser, url: str, script: str, *arguments, kind: str = "", **page_options):
    """What `script` finds on the page at `url`, opened in a fresh phone-sized context (new_page)."""
    context, page = new_page(browser, **page_options)
    try:
        visit(page, url, kind)
        return page.evaluate(script, *arguments)
    finally:
        context.close()


SIDEWAYS = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const sticksOut = el => el.getBoundingClientRect().right > limit;
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
          fontSize: parseFloat(getComputedStyle(document.body).fontSize),
          widest: [...document.body.querySelectorAll("*")].filter(el => sticksOut(el) && !sticksOut(el.parentElement))
            .slice(0, 5).map(el => `${Math.round(el.getBoundingClientRect().right)}px: ${el.outerHTML.slice(0, 160)}`)};
}"""
TEXT_SIZES = {"text-100": (None, False), "text-200": (32, False), "care-text-200": (32, True)}
KINDS = ("home", "round", "unit_round", "unit", "project", "search", "all_units")


@pytest.mark.parametrize("size", list(TEXT_SIZES))
@pytest.mark.parametrize("kind", KINDS)
def test_no_sideways_scrolling_on_a_phone(kind, size, sample_build, server, browser):
    text_size, care = TEXT_SIZES[size]
    relative = phone_pages(sample_build)[kind]
    context, page = new_page(browser, text_size=text_size)
    try:
        visit(page, f"{server}/{relative}", kind)
        if care:
            page.locator(".care-switch").click()
            assert page.evaluate("document.documentElement.classList.contains('care')")
        found = page.evaluate(SIDEWAYS)
    finally:
        context.close()
    if text_size:
        assert found["fontSize"] >= text_size, f"the text size was not applied: body is {found['fontSize']}px"
    assert found["scrollWidth"] <= found["clientWidth"], (
        f"{relative} ({size}) scrolls sideways at 390px: {found['scrollWidth']}px wide:\n" + "\n".join(found["widest"]))


UNIT_TABLE = """() => {
  const table = document.querySelector("table.unit-table");
  const lineHeight = el => parseFloat(getComputedStyle(el).lineHeight);
  const box = el => el.getBoundingClientRect();
  return {
    display: getComputedStyle(table).display,
    headVisible: box(table.tHead).width > 2 && box(table.tHead).height > 2,
    names: [...table.querySelectorAll("tbody th a")].map(a => ({
      name: a.textContent.trim(), height: box(a).height, lineHeight: lineHeight(a)})),
    cells: [...table.querySelectorAll("tbody td")].map(td => ({
      label: td.dataset.label, shown: getComputedStyle(td, "::before").content, top: Math.round(box(td).top),
      height: box(td).height, lineHeight: lineHeight(td), row: td.parentElement.rowIndex})),
  };
}"""


def test_home_unit_table_becomes_cards_on_a_phone_with_labels_beside_values(sample_build, server, browser):
    table = measure(browser, f"{server}/index.html", UNIT_TABLE)
    assert table["display"] != "table" and not table["headVisible"], table["display"]
    assert len(table["names"]) >= 4
    for name in table["names"]:  # once broken one character per line
        assert name["height"] < 3 * name["lineHeight"], f"{name['name']} takes {name['height']}px: {name}"
    for cell in table["cells"]:
        assert cell["label"] and cell["shown"] == f'"{cell["label"]}"', cell  # each value with its column's name
        assert cell["height"] < 2 * cell["lineHeight"], f"label and value not on one line: {cell}"
    tops = [(cell["row"], cell["top"]) for cell in table["cells"]]
    assert len(set(tops)) < len(tops), "no two figures side by side in a card"


def test_home_unit_table_is_still_a_table_on_a_desktop(sample_build, server, browser):
    table = measure(browser, f"{server}/index.html", UNIT_TABLE, viewport=DESKTOP)
    assert table["display"] == "table" and table["headVisible"]
    assert all(cell["shown"] in ("none", "normal") for cell in table["cells"]), table["cells"][:3]
    rows = {cell["row"] for cell in table["cells"]}
    for row in rows:  # one line of cells per unit
        assert len({cell["top"] for cell in table["cells"] if cell["row"] == row}) == 1


# The targets a finger must hit: the links of navigation and of lists, buttons, fields and menus.
# Links inside a sentence of prose are exempt (WCAG 2.5.5's inline exception) and not listed here.
TAP_TARGETS = (".site-nav a", ".breadcrumbs a", ".care-switch", ".search-form input", ".search-form button",
               ".round-nav a", ".unit-link a", ".unit-list > li > a", ".round-list a", ".history-link a",
               ".unit-card-name a", ".unit-card-latest a", ".unit-table a", ".project-table a", ".rate-table a",
               ".project-meta a", ".history-step h3 a", "main button", "main select", "main input[type=search]")
TAP_SIZES = """selectors => selectors.flatMap(selector => [...document.querySelectorAll(selector)]
  .filter(el => el.checkVisibility({checkVisibilityCSS: true}))
  .map(el => { const box = el.getBoundingClientRect();
               return {selector, text: (el.textContent || el.value || "").trim().slice(0, 30),
                       width: box.width, height: box.height}; }))"""


@pytest.mark.parametrize("kind", KINDS)
def test_tap_targets_are_at_least_44px_square_on_a_phone(kind, sample_build, server, browser):
    relative = phone_pages(sample_build)[kind]
    targets = measure(browser, f"{server}/{relative}", TAP_SIZES, list(TAP_TARGETS), kind=kind)
    measured = {target["selector"] for target in targets}
    assert {".site-nav a", ".care-switch"} <= measured, measured  # the header's, on every page
    small = [t for t in targets if t["width"] < 43.5 or t["height"] < 43.5]
    assert not small, f"{relative}: targets under 44x44px:\n" + "\n".join(map(str, small))


TEXT_STYLE = """() => {
  const body = getComputedStyle(document.body);
  const small = [], tight = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg, h1, h2, h3, h4, h5, h6") || !el.checkVisibility({checkVisibilityCSS: true})) continue;
    if (![...el.childNodes].some(node => node.nodeType === 3 && node.textContent.trim())) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    const what = `${el.tagName.toLowerCase()}.${el.className} ${size}px "${el.textContent.trim().slice(0, 20)}"`;
    if (size < 16) small.push(what);
    if (style.lineHeight !== "normal" && parseFloat(style.lineHeight) < 1.5 * size - 0.01) tight.push(what + " " + style.lineHeight);
  }
  return {size: parseFloat(body.fontSize), ratio: parseFloat(body.lineHeight) / parseFloat(body.fontSize), small, tight};
}"""


@pytest.mark.parametrize("kind", KINDS)
def test_text_is_at_least_16px_with_line_height_1_5(kind, sample_build, server, browser):
    relative = phone_pages(sample_build)[kind]
    found = measure(browser, f"{server}/{relative}", TEXT_STYLE, kind=kind)
    assert found["size"] >= 16 and found["ratio"] >= 1.5, found
    assert not found["small"], f"{relative}: text under 16px:\n" + "\n".join(found["small"])
    assert not found["tight"], f"{relative}: line height under 1.5:\n" + "\n".join(found["tight"])


# --- 关怀版 -------------------------------------------------------------------------------------------

CARE_STATE = """() => ({care: document.documentElement.classList.contains("care"),
  pressed: document.querySelector(".care-switch").getAttribute("aria-pressed"),
  size: parseFloat(getComputedStyle(document.body).fontSize)})"""
# Storage refused, as Firefox does for a page opened from disk with strict settings, or a locked-down PC.
NO_STORAGE = """Object.defineProperty(window, "localStorage", {configurable: true,
  get() { throw new DOMException("refused", "SecurityError"); }});"""


def click_to(page, name: str, scope: str = ".site-nav") -> None:
    with page.expect_navigation():
        page.locator(scope).get_by_role("link", name=name, exact=True).click()


@pytest.mark.parametrize("how", ["http", "file", "file-without-storage"])
def test_care_switch_is_remembered_from_page_to_page(how, sample_build, server, browser):
    context, page = new_page(browser)
    try:
        if how == "file-without-storage":
            context.add_init_script(NO_STORAGE)
        start = f"{server}/index.html" if how == "http" else (sample_build / "index.html").as_uri()
        visit(page, start)
        switch = page.locator(".care-switch")
        assert switch.is_visible() and switch.inner_text().strip() == "关怀版"
        normal = page.evaluate(CARE_STATE)
        assert normal == {"care": False, "pressed": "false", "size": 16}, normal
        switch.click()
        on = page.evaluate(CARE_STATE)
        assert on == {"care": True, "pressed": "true", "size": 20}, on  # 125%
        click_to(page, "各单位")
        assert page.url.endswith("/units/index.html"), page.url
        assert page.evaluate(CARE_STATE) == on, f"care mode forgotten on {page.url}"
        click_to(page, "最新一轮")
        assert page.evaluate(CARE_STATE) == on, f"care mode forgotten on {page.url}"
        if how == "http":  # remembered by the browser, not just the tab: a new tab has it too
            other = context.new_page()
            visit(other, f"{server}/search.html", "search")
            assert other.evaluate(CARE_STATE) == on
            other.close()
        page.locator(".care-switch").click()
        assert page.evaluate(CARE_STATE) == normal
        click_to(page, "首页")
        assert page.evaluate(CARE_STATE) == normal, f"care mode came back on {page.url}"
    finally:
        context.close()


def test_without_script_there_is_no_care_switch(server, browser):
    context, page = new_page(browser, java_script_enabled=False)
    try:
        visit(page, f"{server}/index.html")
        assert page.locator(".care-switch").count() == 1
        assert not page.locator(".care-switch").is_visible()  # a button that would do nothing
    finally:
        context.close()


COLOURS = """() => ({header: getComputedStyle(document.querySelector(".site-header")).backgroundColor,
  muted: getComputedStyle(document.querySelector(".explain")).color,
  link: getComputedStyle(document.querySelector("main a")).textDecorationLine,
  size: parseFloat(getComputedStyle(document.body).fontSize)})"""


def test_a_high_contrast_setting_gets_the_care_colours(server, browser):
    seen = {}
    for contrast in ("no-preference", "more"):
        context, page = new_page(browser, contrast=contrast)
        try:
            visit(page, f"{server}/index.html")
            seen[contrast] = page.evaluate(COLOURS)
            if contrast == "no-preference":
                page.locator(".care-switch").click()
                seen["care"] = page.evaluate(COLOURS)
        finally:
            context.close()
    normal, more, care = seen["no-preference"], seen["more"], seen["care"]
    assert more["header"] == care["header"] == "rgb(0, 0, 0)" != normal["header"], seen
    assert more["muted"] == care["muted"] == "rgb(0, 0, 0)" != normal["muted"], seen
    assert more["link"] == care["link"] == "underline", seen
    assert more["size"] == 16 and care["size"] == 20, seen  # the setting asks for contrast, not larger text


def test_reduced_motion_stops_transitions(server, browser):
    durations = {}
    for motion in ("no-preference", "reduce"):
        context, page = new_page(browser, reduced_motion=motion, bypass_csp=True)
        try:
            visit(page, f"{server}/index.html")
            page.add_style_tag(content="main a { transition: color 3s; }")  # as a district's own style might
            durations[motion] = page.evaluate("getComputedStyle(document.querySelector('main a')).transitionDuration")
        finally:
            context.close()
    assert durations == {"no-preference": "3s", "reduce": "0s"}, durations
