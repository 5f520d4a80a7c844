"""Printing (issue 14): a unit's list prints as a compact A4 bulletin with its own header
(site, round, unit, date, supervision phone) and, when site.yaml gives base_url, the page's
address and a QR code opening it at the foot; without base_url neither, and `check` says so.
A round's bulletin prints whole. Built through the real CLI; printed by Chromium."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
import segno
from bs4 import BeautifulSoup

from conftest import build_site, run_cli, serve_folder, ROOT

BASE = "https://www.example.gov.cn/banshishi/"
ROUND = "2021-2"
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", "http://www.w3.org/1999/xhtml"}


def sample_site(folder: Path, base_url: str | None) -> Path:
    """A copy of the shipped sample, with base_url set (or left out) as staff write it."""
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "content", folder / "content")
    settings = (ROOT / "site.yaml").read_text(encoding="utf-8")
    settings = re.sub(r"(?m)^#? ?base_url:.*\n", "", settings)
    if base_url:
        settings = f"base_url: {base_url}\n" + settings
    (folder / "site.yaml").write_text(settings, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def with_base(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("print-base")
    return build_site(sample_site(root / "site", BASE), root / "public", "--no-search")


@pytest.fixture(scope="module")
def without_base(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("print-nobase")
    return build_site(sample_site(root / "site", None), root / "public", "--no-search")


def unit_round_pages(out: Path) -> list[Path]:
    return sorted(path for path in (out / "rounds").glob("*/*.html") if path.name != "index.html")


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def dark_modules_of_path(d: str, border: int) -> set[tuple[int, int]]:
    """The dark modules (row, column) drawn by segno's one-path SVG: `M x y h len` then
    relative `m dx dy h len` runs along rows at half-module heights."""
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, first, second, length in re.findall(r"([Mm])(-?[\d.]+) (-?[\d.]+)h(\d+)", d):
        if command == "M":
            x, y = float(first), float(second)
        else:
            x, y = x + float(first), y + float(second)
        row = int(y - 0.5) - border
        for column in range(int(x) - border, int(x) - border + int(length)):
            dark.add((row, column))
        x += int(length)
    return dark


def test_unit_round_page_has_print_header_and_qr_of_its_own_address(with_base):
    pages = unit_round_pages(with_base)
    assert len(pages) >= 8
    for path in pages:
        page_path = path.relative_to(with_base).as_posix()
        html = soup(path)
        header = html.select_one("main .print-header")
        assert header is not None, page_path
        text = header.get_text(" ", strip=True)
        unit_name = html.h1.get_text().split("（")[0]
        round_title = html.select_one(".round-name a").get_text()
        for item in ("元宝山区“我为群众办实事”项目清单公示", round_title, unit_name, "0476-3555907"):
            assert item in text, (page_path, item, text)
        assert header.time["datetime"] == {"2021-1": "2021-06-30", "2021-2": "2021-08-24"}[path.parent.name]

        address = BASE + page_path
        foot = html.select_one("main .print-foot")
        assert foot.select_one(".print-url").get_text() == address
        svg = foot.svg
        assert svg["role"] == "img" and address in svg["aria-label"] and address in svg.title.get_text()
        assert "xmlns" not in svg.attrs and "width" not in svg.attrs  # HTML5 inline SVG, sized by CSS
        code = segno.make(address, error="m", boost_error=False)
        assert code.error == "M"
        border = 4
        width = len(code.matrix) + 2 * border
        assert svg["viewbox"] == f"0 0 {width} {width}"
        expected = {(r, c) for r, row in enumerate(code.matrix) for c, bit in enumerate(row) if bit}
        assert dark_modules_of_path(svg.path["d"], border) == expected, page_path


def page_codes_match_their_addresses(out: Path) -> int:
    """Every printed page's QR code encodes its own address; how many pages have one."""
    pages = unit_round_pages(out)
    for path in pages:
        address = BASE + path.relative_to(out).as_posix()
        code = segno.make(address, error="m", boost_error=False)
        expected = {(r, c) for r, row in enumerate(code.matrix) for c, bit in enumerate(row) if bit}
        assert dark_modules_of_path(soup(path).select_one(".print-foot svg path")["d"], 4) == expected, path
    return len(pages)


def test_qr_codes_are_kept_between_builds_and_a_damaged_one_is_made_again(tmp_path):
    # A province has 12,000 printed pages, all rendered again when site.yaml or a template
    # changes: their codes are read back from the build cache instead of being made again.
    from bulletin.cache import cache_folder
    site = sample_site(tmp_path / "site", BASE)
    out = build_site(site, tmp_path / "public", "--no-search")
    folders = list((cache_folder(out) / "qr").iterdir())
    assert len(folders) == 1
    stored = sorted(folders[0].glob("*.svg"))
    assert len(stored) == page_codes_match_their_addresses(out)
    before = {path.name: path.stat().st_mtime_ns for path in stored}
    foreign, garbage = stored[0], stored[1]
    foreign.write_text(BASE + "other.html\n" + foreign.read_text(encoding="utf-8").partition("\n")[2],
                       encoding="utf-8")  # a valid code of another address
    garbage.write_text("<svg onload=alert(1)>", encoding="utf-8")
    damaged = {foreign.name, garbage.name}
    before = {name: stamp for name, stamp in before.items() if name not in damaged}

    settings = site / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "# 改了一行注释：每个页面重新生成\n", encoding="utf-8")
    build_site(site, out, "--no-search")
    assert page_codes_match_their_addresses(out) == len(stored)
    assert "onload" not in "".join(path.read_text(encoding="utf-8") for path in unit_round_pages(out))
    after = {path.name: path.stat().st_mtime_ns for path in folders[0].glob("*.svg")}
    assert {name: after[name] for name in before} == before, "a stored code was made again"
    for repaired in (foreign, garbage):
        assert repaired.read_text(encoding="utf-8").startswith(BASE + "rounds/"), repaired.name

    build_site(site, out, "--full", "--no-search")  # everything else made again; each code is checked when read
    assert {path.name: path.stat().st_mtime_ns for path in folders[0].glob("*.svg")} == {
        **after, foreign.name: foreign.stat().st_mtime_ns, garbage.name: garbage.stat().st_mtime_ns}
    assert page_codes_match_their_addresses(out) == len(stored)

    moved = settings.read_text(encoding="utf-8").replace(BASE, "https://banshi.example.gov.cn/")
    settings.write_text(moved, encoding="utf-8")
    build_site(site, out, "--no-search")
    now = list((cache_folder(out) / "qr").iterdir())
    assert len(now) == 1 and now[0] != folders[0], "the old address's codes are dropped"


def test_print_blocks_hidden_on_screen_and_only_on_unit_lists(with_base):
    css = (with_base / "static" / "style.css").read_text(encoding="utf-8")
    assert re.search(r"(?m)^\.print-header, \.print-foot \{ display: none; \}", css)  # outside @media print
    assert "@page { size: A4" in css
    for page in ("index.html", f"rounds/{ROUND}/index.html", "search.html"):
        assert "print-header" not in (with_base / page).read_text(encoding="utf-8"), page


def test_without_base_url_no_qr_no_address_and_check_says_so(without_base, tmp_path):
    for path in unit_round_pages(without_base):
        data = path.read_text(encoding="utf-8")
        assert "print-header" in data and "print-foot" not in data and "qr-code" not in data, path
        addresses = set(re.findall(r"https?://[^\s\"'<>)]*", data))
        assert not addresses - NAMESPACES, path

    site = sample_site(tmp_path / "site", None)
    english = run_cli("check", "--site", str(site))
    assert english.returncode == 0, english.stderr
    assert re.search(r"(?m)^Note: printed unit lists carry no web address and no QR code, because site\.yaml "
                     r"has no base_url\. .*base_url: https://", english.stdout), english.stdout
    strict = run_cli("check", "--strict", "--site", str(site))
    assert strict.returncode == 0 and "Note:" in strict.stdout, strict.stderr  # a note never fails --strict
    chinese = run_cli("check", "--site", str(site), lang="zh-CN")
    assert re.search(r"(?m)^提示：site\.yaml 没有设置 base_url，打印出的单位清单不带网址和二维码。", chinese.stdout), \
        chinese.stdout

    site_with = sample_site(tmp_path / "with", BASE)
    quiet = run_cli("check", "--site", str(site_with))
    assert quiet.returncode == 0 and "Note" not in quiet.stdout and "base_url" not in quiet.stdout


def test_two_builds_give_the_same_bytes(with_base, tmp_path):
    again = build_site(sample_site(tmp_path / "site", BASE), tmp_path / "public", "--no-search")
    for path in unit_round_pages(with_base):
        relative = path.relative_to(with_base)
        assert (again / relative).read_bytes() == path.read_bytes(), relative


# In the browser: what Chromium prints.

A4_CONTENT_PX = ((210 - 28) * 96 / 25.4, (297 - 26) * 96 / 25.4)  # inside the @page margins


def largest_unit_round(out: Path) -> str:
    return max(unit_round_pages(out), key=lambda p: len(soup(p).select("ol.entries > li"))).relative_to(out).as_posix()


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def test_unit_round_prints_compact_with_header_and_qr(with_base, page):
    target = largest_unit_round(with_base)
    with serve_folder(with_base) as server:
        page.goto(f"{server}/{target}")
        assert not page.locator(".print-header").is_visible()  # the screen is unchanged
        assert not page.locator(".print-foot").is_visible()
        page.set_viewport_size({"width": round(A4_CONTENT_PX[0]), "height": round(A4_CONTENT_PX[1])})
        page.emulate_media(media="print")
        for hidden in (".site-nav", ".search-form", ".skip-link", ".breadcrumbs", ".print-hint", ".site-header"):
            assert not page.locator(hidden).first.is_visible(), hidden
        assert page.locator(".print-header").is_visible()
        assert page.locator(".print-foot .qr-code").is_visible()
        qr = page.locator(".print-foot .qr-code").bounding_box()
        assert 80 <= qr["width"] <= 120 and qr["width"] == qr["height"]  # 26 mm: scans from a metre away
        assert page.locator(".site-footer .supervision").is_visible()
        body_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.progress p')).fontSize)")
        assert body_size >= 10.5 * 96 / 72 - 0.01
        # Every list prints on as many sheets as its length needs: no sheet left half empty by
        # a block that would not break (one more only when the last sheet would be nearly full).
        for listed in unit_round_pages(with_base):
            relative = listed.relative_to(with_base).as_posix()
            page.goto(f"{server}/{relative}")
            height = page.evaluate("document.documentElement.scrollHeight")
            printed = pdf_pages(page.pdf(format="A4", print_background=False))
            sheets = height / A4_CONTENT_PX[1]
            ideal = math.ceil(sheets)
            assert 1 <= printed <= ideal + (1 if sheets % 1 > 0.85 else 0), (relative, printed, round(sheets, 2))
            entries = len(soup(listed).select("ol.entries > li"))
            assert printed <= max(2, math.ceil(entries / 4)), (relative, entries, printed)


def test_round_bulletin_prints_whole(with_base, page):
    target = f"rounds/{ROUND}/index.html"
    names = [a.get_text() for a in soup(with_base / target).select(".unit-list a")]
    assert len(names) >= 4
    with serve_folder(with_base) as server:
        page.goto(f"{server}/{target}")
        page.set_viewport_size({"width": round(A4_CONTENT_PX[0]), "height": round(A4_CONTENT_PX[1])})
        page.emulate_media(media="print")
        for name in names:
            assert page.get_by_text(name, exact=True).is_visible(), name
        clipped = page.evaluate("""[...document.querySelectorAll('.table-scroll')].filter(box =>
            getComputedStyle(box).overflowX !== 'visible' || box.scrollWidth > box.clientWidth + 1).length""")
        assert clipped == 0
        printed = pdf_pages(page.pdf(format="A4"))
        height = page.evaluate("document.documentElement.scrollHeight")
    assert 1 <= printed <= math.ceil(height / A4_CONTENT_PX[1]) + 1, (printed, height)


# The shared validity and accessibility suites build without base_url: the QR foot is checked here.

def test_pages_with_qr_are_valid_html(with_base):
    from test_html_validity import describe, require_vnu, run_vnu
    require_vnu()
    files = unit_round_pages(with_base)
    assert all("qr-code" in path.read_text(encoding="utf-8") for path in files)
    result, messages = run_vnu(*map(str, files))
    assert not messages, describe(messages, {"with-base": with_base})
    assert result.returncode == 0


def test_printed_unit_list_passes_axe(with_base, page):
    from test_accessibility import AXE_JS, AXE_RUN, BLOCKING_IMPACTS
    from conftest import require_tool
    require_tool(AXE_JS.is_file(), "axe-core (npm ci --prefix tests/tools)")
    with serve_folder(with_base) as server:
        page.goto(f"{server}/{largest_unit_round(with_base)}")
        for media in ("screen", "print"):
            page.emulate_media(media=media)
            page.evaluate(AXE_JS.read_text(encoding="utf-8"))
            blocking = [v for v in page.evaluate(AXE_RUN) if v["impact"] in BLOCKING_IMPACTS]
            assert not blocking, (media, blocking)
        address = BASE + largest_unit_round(with_base)
        assert page.get_by_role("img", name=f"打开本页的二维码：{address}", exact=True).is_visible()
