"""Quality gate: the built pages in a real browser (Debian's Chromium driven by Playwright).

axe-core (pinned in tests/tools/package.json) must find nothing serious or critical on a page of every
template kind, of the Chinese sample site and of the English minimal site, on a phone and a desktop; each page
has one h1, a main landmark, status badges with visible text and no sideways scrolling. A page opened from disk
keeps its stylesheet and links, and a printed unit list shows the entries without the navigation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, english_site, require_tool, run_cli, serve_folder

AXE_JS = ROOT / "tests" / "tools" / "node_modules" / "axe-core" / "axe.min.js"
STYLESHEET = ROOT / "static" / "style.css"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900},
             "phone-care": {"width": 390, "height": 844}}  # with the 关怀版 switch on (large text, high contrast)
BLOCKING_IMPACTS = ("serious", "critical")

# A page of every template kind; the minimal site also has a unit that sent no file in a round.
KINDS = ("index", "search", "round", "unit_round", "unit_round_not_reported", "unit", "project", "all_units")
PAGES = ([(site, kind) for site in ("sample", "minimal-en") for kind in KINDS] + [("minimal-en", "unit_round_no_file")]
         + [("corrected", kind) for kind in ("round_corrected", "unit_round_corrected", "unit_round_as_published",
                                              "project_corrected")]
         + [("draft", kind) for kind in ("index", "round", "unit_round_draft")])


# --- the two built sites -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def minimal_build_en(tmp_path_factory) -> Path:
    """conftest's minimal site (dropped project, a unit with no file in r2, a target over 100 %), in English."""
    site = english_site(tmp_path_factory.mktemp("minimal-en") / "site")
    out = site.parent / "public"
    result = run_cli("build", "--site", str(site), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert 'lang="en"' in (out / "index.html").read_text(encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def sites(sample_build: Path, minimal_build_en: Path, corrected_build: Path,
          draft_preview_build: Path) -> dict[str, Path]:
    return {"sample": sample_build, "minimal-en": minimal_build_en, "corrected": corrected_build,
            "draft": draft_preview_build}


def unit_round_pages(root: Path) -> list[tuple[str, str]]:
    """(relative path, html) of every page listing one unit's projects in one round."""
    return [(path.relative_to(root).as_posix(), path.read_text(encoding="utf-8"))
            for path in sorted(root.glob("rounds/*/*.html")) if path.name != "index.html"]


def representative_page(root: Path, kind: str) -> str:
    """The path, relative to the site root, of a page of this kind."""
    def first(candidates: list[str]) -> str:
        assert candidates, f"the site {root} has no page of kind {kind}"
        return candidates[0]

    unit_rounds = unit_round_pages(root)
    if kind in ("index", "search"):
        return first([f"{kind}.html"] if (root / f"{kind}.html").is_file() else [])
    if kind == "round":
        return first([p.relative_to(root).as_posix() for p in sorted(root.glob("rounds/*/index.html"))][-1:])
    if kind == "unit_round":
        return first([path for path, html in unit_rounds if 'class="not-reported"' not in html])
    if kind == "unit_round_not_reported":
        # Prefer a list that has both reported entries and the "not reported" section.
        with_section = [(path, html) for path, html in unit_rounds if 'class="not-reported"' in html]
        return first([path for path, html in with_section if 'class="notice"' not in html]
                     + [path for path, _ in with_section])
    if kind == "unit_round_no_file":
        return first([path for path, html in unit_rounds if 'class="notice"' in html])
    if kind == "unit_round_draft":  # a draft round's list, marked as a draft
        return first([path for path, html in unit_rounds if "draft-notice" in html])
    if kind == "unit":
        return first([p.relative_to(root).as_posix() for p in sorted(root.glob("units/*.html")) if p.name != "index.html"])
    if kind == "all_units":
        return first(["units/index.html"] if (root / "units/index.html").is_file() else [])
    if kind == "project":
        # Prefer a project whose history has a round without a report.
        projects = sorted(root.glob("projects/*/*.html"))
        missing = [p for p in projects if "history-step missing" in p.read_text(encoding="utf-8")]
        return first([p.relative_to(root).as_posix() for p in missing + projects])
    corrected = {"round_corrected": "rounds/r1/index.html", "unit_round_corrected": "rounds/r1/u1.html",
                 "unit_round_as_published": "rounds/r1/published/u1.html", "project_corrected": "projects/u1/p2.html"}
    if kind in corrected:  # pages of conftest.corrected_site showing correction and redaction notices
        html = (root / corrected[kind]).read_text(encoding="utf-8")
        return first([corrected[kind]] if 'class="correction' in html or "［已删除］" in html else [])
    raise AssertionError(f"unknown page kind {kind}")


# --- serving and the browser ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(sites: dict[str, Path], tmp_path_factory):
    """Both sites over http on 127.0.0.1 at a free port: /sample/... and /minimal-en/..."""
    www = tmp_path_factory.mktemp("www")
    for name, root in sites.items():
        (www / name).symlink_to(root, target_is_directory=True)
    with serve_folder(www) as url:
        yield url


@pytest.fixture(scope="module")
def axe_source() -> str:
    require_tool(AXE_JS.is_file(), f"axe-core {AXE_JS.relative_to(ROOT)} (npm ci --prefix tests/tools)")
    return AXE_JS.read_text(encoding="utf-8")


def open_page(browser, viewport: str):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    context.set_default_timeout(30_000)
    if viewport.endswith("-care"):  # as if the reader had pressed 关怀版 on an earlier page
        context.add_init_script("try { localStorage.setItem('bulletin-care', '1'); } catch (e) {}")
    return context, context.new_page()


# --- axe and the page structure ------------------------------------------------------------------------

AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
  }));
}"""

STRUCTURE = r"""() => {
  // Visible text: the element is rendered, and its text takes up room in a colour that is not transparent.
  const visible = el => {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    const range = document.createRange();
    range.selectNodeContents(el);
    const box = range.getBoundingClientRect();
    const style = getComputedStyle(el);
    const transparent = style.color === "transparent" || /^rgba\(.*,\s*0\)$/.test(style.color);
    return box.width >= 4 && box.height >= 8 && parseFloat(style.fontSize) >= 8 && !transparent;
  };
  return {
    h1: [...document.querySelectorAll("h1")].map(h => h.innerText.trim()),
    main: document.querySelectorAll("main, [role=main]").length,
    badges: [...document.querySelectorAll(".status")].map(el => ({
      html: el.outerHTML, text: el.innerText.trim(), visible: visible(el)})),
    tablesOutsideScroll: [...document.querySelectorAll("table")].filter(t => !t.closest(".table-scroll")).length,
    scrollWidth: document.documentElement.scrollWidth,
    // For the message: the outermost elements that stick out past the right edge of the window.
    widest: (() => {
      const limit = document.documentElement.clientWidth + 1;
      const sticksOut = el => el.getBoundingClientRect().right > limit;
      return [...document.body.querySelectorAll("*")]
        .filter(el => sticksOut(el) && !sticksOut(el.parentElement))
        .slice(0, 5).map(el => `${Math.round(el.getBoundingClientRect().right)}px: ${el.outerHTML.slice(0, 160)}`);
    })(),
  };
}"""


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("site, kind", PAGES, ids=[f"{site}-{kind}" for site, kind in PAGES])
def test_page_is_accessible(site, kind, viewport, sites, server, browser, axe_source):
    relative = representative_page(sites[site], kind)
    context, page = open_page(browser, viewport)
    try:
        response = page.goto(f"{server}/{site}/{relative}")
        assert response is not None and response.ok, f"{site}/{relative}: HTTP {response and response.status}"
        if kind == "search":
            page.wait_for_load_state("networkidle")  # its script loads the search index; let the page settle
        # Through the DevTools protocol: the pages' Content-Security-Policy rightly refuses an inline script.
        page.evaluate(axe_source)
        violations = page.evaluate(AXE_RUN)
        structure = page.evaluate(STRUCTURE)
        care = page.evaluate("document.documentElement.classList.contains('care')")
    finally:
        context.close()
    assert care == viewport.endswith("-care"), f"{site}/{relative}: care mode is {care} at {viewport}"

    where = f"{site}/{relative} at {VIEWPORTS[viewport]['width']}px"
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe found {len(blocking)} serious/critical violation(s) on {where}:\n" + "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']}\n"
        + "\n".join(f"      {n['target']}: {' '.join(n['summary'].split())}" for n in v["nodes"])
        for v in blocking)

    assert len(structure["h1"]) == 1, f"{where} has {len(structure['h1'])} h1 elements: {structure['h1']}"
    assert structure["main"] == 1, f"{where} has {structure['main']} main landmarks, not one"
    bad_badges = [b["html"] for b in structure["badges"] if not (b["text"] and b["visible"])]
    assert not bad_badges, f"{where}: status badges without visible text:\n" + "\n".join(bad_badges)
    assert structure["tablesOutsideScroll"] == 0, f"{where}: a table is not inside .table-scroll"
    width = VIEWPORTS[viewport]["width"]
    assert structure["scrollWidth"] <= width + 1, (
        f"{where} scrolls sideways: the document is {structure['scrollWidth']}px wide; too wide:\n"
        + "\n".join(structure["widest"]))


# --- opened from disk --------------------------------------------------------------------------------

def css_declaration(selector: str, prop: str) -> str:
    """The value static/style.css gives `prop` in the first rule for exactly `selector`."""
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(encoding="utf-8"), flags=re.S)
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if selector in (s.strip() for s in selectors.split(",")):
            found = re.search(rf"(?:^|;)\s*{re.escape(prop)}\s*:\s*([^;]+)", body)
            if found:
                return found.group(1).strip()
    raise AssertionError(f"static/style.css sets no {prop} for {selector}")


def normalise_font_family(value: str) -> list[str]:
    return [name.strip().strip("\"'") for name in value.split(",")]


def test_page_opened_from_disk_has_its_style_and_links(sample_build, browser):
    page_path = sample_build / "rounds" / "2021-2" / "qwbgs.html"
    assert page_path.is_file(), f"the sample build has no {page_path.relative_to(sample_build)}"
    context, page = open_page(browser, "desktop")
    try:
        page.goto(page_path.as_uri())
        font_family = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert normalise_font_family(font_family) == normalise_font_family(css_declaration("body", "font-family")), (
            f"the stylesheet did not load from file://: body font-family is {font_family!r}")
        header_background = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
        accent = css_declaration(":root", "--accent").lstrip("#")
        expected = "rgb({}, {}, {})".format(*(int(accent[i:i + 2], 16) for i in (0, 2, 4)))
        assert header_background == expected, f"header background is {header_background}, style.css says {expected}"

        home = page.locator(".breadcrumbs").get_by_role("link", name="首页", exact=True)
        with page.expect_navigation():
            home.click()
        assert page.url == (sample_build / "index.html").as_uri(), f"首页 led to {page.url}, not index.html"
        assert page.locator("h1").count() == 1, f"{page.url} is not the home page"
    finally:
        context.close()


# --- printed ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("site", ["sample", "minimal-en"])
def test_unit_round_prints_entries_without_navigation(site, sites, server, browser):
    relative = representative_page(sites[site], "unit_round_not_reported")
    context, page = open_page(browser, "desktop")
    try:
        page.emulate_media(media="print")
        page.goto(f"{server}/{site}/{relative}")
        for hidden in (".search-form", ".site-nav"):
            assert page.locator(hidden).count() >= 1, f"{relative} has no {hidden}"
            display = page.eval_on_selector(hidden, "el => getComputedStyle(el).display")
            assert display == "none", f"{hidden} is printed (display: {display}) on {site}/{relative}"
        entries = page.locator(".entry")
        assert entries.count() >= 2, f"{site}/{relative} has {entries.count()} entries"
        invisible = [i for i in range(entries.count()) if not entries.nth(i).is_visible()]
        assert not invisible, f"entries {invisible} of {site}/{relative} are not printed"
        assert page.locator(".not-reported").is_visible(), f"the not-reported section of {relative} is not printed"
        # In black and white the status is still written out.
        badges = page.locator(".status")
        texts = [badges.nth(i).inner_text().strip() for i in range(badges.count())]
        assert texts and all(texts), f"printed status badges without text on {site}/{relative}: {texts}"
    finally:
        context.close()
