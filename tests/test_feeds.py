"""Following the site (issue 14): Atom feeds, the sitemap and canonical links, all from base_url,
built through the real CLI; and without base_url, no absolute address at all."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from bulletin.feeds import SITEMAP_LIMIT, sitemap_file_names, sitemap_files
from conftest import build_site, corrected_site, run_cli, write_site, MINIMAL_SITE

BASE = "https://example.gov.cn/banshishi/"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")
# Namespace names are identifiers, never fetched: the only http strings a page may hold without base_url.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", "http://www.w3.org/1999/xhtml"}


def with_base_url(site: Path) -> Path:
    settings = site / "site.yaml"
    settings.write_text(f"base_url: {BASE}\n" + settings.read_text(encoding="utf-8"), encoding="utf-8")
    return site


def output_files(out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()}


def html_pages(out: Path) -> list[str]:
    return [path for path in output_files(out) if path.endswith(".html") and not path.startswith("static/")]


def check_atom(data: bytes, feed_url: str) -> ET.Element:
    """The rules of RFC 4287 a reader relies on; feedparser must read it without complaint too."""
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    feed = ET.fromstring(data)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1 and feed.find(f"{ATOM}{name}").text.strip(), name
    assert feed.find(f"{ATOM}id").text == feed_url
    assert [link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"] == [feed_url]
    assert feed.find(f"{ATOM}author/{ATOM}name").text.strip()  # entries have no author of their own
    entries = feed.findall(f"{ATOM}entry")
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(ids) == len(set(ids)), ids
    dates = [feed.find(f"{ATOM}updated").text]
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1 and entry.find(f"{ATOM}{name}").text.strip(), name
        links = [link.get("href") for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        assert len(links) == 1 and links[0].startswith(BASE)
        assert entry.find(f"{ATOM}id").text.startswith(BASE)
        dates.append(entry.find(f"{ATOM}updated").text)
    assert all(RFC3339.match(date) for date in dates), dates
    if entries:
        assert dates[0] == max(dates[1:]), "the feed's updated is its latest entry's"
    return feed


def entries(feed: ET.Element) -> dict[str, tuple[str, str, str]]:
    """id -> (title, updated day, link) of each entry."""
    return {entry.find(f"{ATOM}id").text: (entry.find(f"{ATOM}title").text, entry.find(f"{ATOM}updated").text[:10],
                                           entry.find(f"{ATOM}link").get("href"))
            for entry in feed.findall(f"{ATOM}entry")}


@pytest.fixture(scope="module")
def minimal_build(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("feeds")
    return build_site(with_base_url(write_site(root / "site", MINIMAL_SITE)), root / "public")


@pytest.fixture(scope="module")
def corrected(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("feeds-corrected")
    return build_site(with_base_url(corrected_site(root / "site")), root / "public")


def test_site_feed_has_one_entry_per_round_newest_first(minimal_build):
    feed = check_atom((minimal_build / "feed.xml").read_bytes(), BASE + "feed.xml")
    assert feed.find(f"{ATOM}title").text == "测试区民生实事公示"
    assert feed.find(f"{ATOM}updated").text == "2021-08-24T00:00:00+08:00"
    assert list(entries(feed).values()) == [
        ("第二轮", "2021-08-24", BASE + "rounds/r2/index.html"),
        ("第一轮", "2021-06-30", BASE + "rounds/r1/index.html")]


def test_each_unit_has_a_feed_of_its_lists(minimal_build):
    u1 = check_atom((minimal_build / "units/u1.xml").read_bytes(), BASE + "units/u1.xml")
    assert [link for _, _, link in entries(u1).values()] == [BASE + "rounds/r2/u1.html", BASE + "rounds/r1/u1.html"]
    town = check_atom((minimal_build / "units/town.xml").read_bytes(), BASE + "units/town.xml")
    # town sent nothing in r2, but its page of r2 lists the project it did not report
    assert [link for _, _, link in entries(town).values()] == [BASE + "rounds/r2/town.html",
                                                                BASE + "rounds/r1/town.html"]
    for link in [link for feed in (u1, town) for _, _, link in entries(feed).values()]:
        assert (minimal_build / link.removeprefix(BASE)).is_file(), link


def test_every_correction_is_an_entry_and_a_redaction_says_not_what(corrected):
    data = (corrected / "feed.xml").read_bytes()
    assert b"13900001111" not in data
    found = entries(check_atom(data, BASE + "feed.xml"))
    corrections = {title: (day, link) for title, day, link in found.values() if title.startswith(("更正", "删除"))}
    assert corrections == {
        "更正：第一轮 · 甲单位（更正） · 路灯修复": ("2021-07-05", BASE + "rounds/r1/u1.html#correction.1"),
        "删除：第一轮 · 甲单位（更正）": ("2021-07-08", BASE + "rounds/r1/u1.html#correction.2"),
        "更正：第一轮": ("2021-07-06", BASE + "rounds/r1/index.html"),  # the hotline, the site's own value
        "更正：第一轮 · 甲单位（更正）": ("2021-07-06", BASE + "rounds/r1/u1.html"),  # the unit's name
    }, found
    for title, (_, link) in corrections.items():  # each links to its notice on the unit's list
        page, _, anchor = link.removeprefix(BASE).partition("#")
        if anchor:
            html = (corrected / page).read_text(encoding="utf-8")
            assert f'id="{anchor}"' in html, (title, link)
    summaries = {entry.title: entry.get("summary") for entry in feedparser.parse(data).entries}
    assert summaries["更正：第一轮 · 甲单位（更正） · 路灯修复"] == "经核实，状态公布有误"
    u1 = entries(check_atom((corrected / "units/u1.xml").read_bytes(), BASE + "units/u1.xml"))
    assert sum(title.startswith(("更正", "删除")) for title, _, _ in u1.values()) == 3  # not the site's hotline
    town = entries(check_atom((corrected / "units/town.xml").read_bytes(), BASE + "units/town.xml"))
    assert not [title for title, _, _ in town.values() if title.startswith(("更正", "删除"))]


def test_feed_text_is_escaped(tmp_path):
    site = with_base_url(write_site(tmp_path / "site", MINIMAL_SITE))
    settings = site / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("title: 第一轮", "title: 第一轮 <b>&amp;</b>"),
                        encoding="utf-8")
    out = build_site(site, tmp_path / "public")
    feed = check_atom((out / "feed.xml").read_bytes(), BASE + "feed.xml")
    assert "第一轮 <b>&amp;</b>" in [title for title, _, _ in entries(feed).values()]


def test_sitemap_lists_every_page_under_base_url(minimal_build):
    root = ET.fromstring((minimal_build / "sitemap.xml").read_bytes())
    assert root.tag == f"{SITEMAP}urlset"
    locations = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    assert len(locations) == len(root.findall(f"{SITEMAP}url")) <= SITEMAP_LIMIT
    assert sorted(locations) == sorted(BASE + path for path in html_pages(minimal_build))
    assert not (minimal_build / "sitemap-1.xml").exists()


def test_sitemap_beyond_the_limit_is_an_index_of_parts():
    pages = [f"projects/u/p{number}.html" for number in range(5)]
    files = sitemap_files(BASE, pages, limit=2)
    assert list(files) == sitemap_file_names(len(pages), limit=2) == [
        "sitemap.xml", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"]
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == f"{SITEMAP}sitemapindex"
    assert [loc.text for loc in index.iter(f"{SITEMAP}loc")] == [BASE + f"sitemap-{n}.xml" for n in (1, 2, 3)]
    listed = []
    for name in ("sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"):
        part = ET.fromstring(files[name])
        assert part.tag == f"{SITEMAP}urlset" and len(part) <= 2
        listed += [loc.text for loc in part.iter(f"{SITEMAP}loc")]
    assert listed == sorted(BASE + page for page in pages)
    assert list(sitemap_files(BASE, pages, limit=5)) == ["sitemap.xml"]


def test_canonical_link_on_every_page_with_base_url(minimal_build, tmp_path):
    for path in html_pages(minimal_build):
        html = (minimal_build / path).read_text(encoding="utf-8")
        assert re.findall(r'<link rel="canonical" href="([^"]*)">', html) == [BASE + path], path
        assert '<link rel="alternate" type="application/atom+xml"' in html, path
    unit_page = (minimal_build / "units/u1.html").read_text(encoding="utf-8")
    assert 'href="u1.xml"' in unit_page


def test_without_base_url_no_absolute_address_anywhere(tmp_path):
    out = build_site(write_site(tmp_path / "site", MINIMAL_SITE), tmp_path / "public")
    files = output_files(out)
    assert not [path for path in files if path.endswith(".xml")]
    for path, data in files.items():
        addresses = set(re.findall(rb"https?://[^\s\"'<>)]*", data))
        assert not {address.decode() for address in addresses} - NAMESPACES, path
        if path.endswith(".html"):
            assert b'rel="canonical"' not in data and b"application/atom+xml" not in data, path


def test_draft_rounds_never_appear(tmp_path):
    site = with_base_url(write_site(tmp_path / "site", MINIMAL_SITE))
    started = run_cli("new-round", "r3", "--title", "第三轮", "--date", "2021-10-25", "--site", str(site))
    assert started.returncode == 0, started.stderr
    out = build_site(site, tmp_path / "public")
    for path, data in output_files(out).items():
        if path.endswith(".xml"):
            assert b"r3" not in data and "第三轮".encode() not in data, path
    preview = build_site(site, tmp_path / "preview", "--drafts")
    assert (preview / "rounds/r3/index.html").is_file()
    assert not (preview / "sitemap.xml").exists()  # a preview is kept out of search engines
    assert b"r3" not in (preview / "feed.xml").read_bytes()
    assert b"r3" not in (preview / "units/u1.xml").read_bytes()


def test_same_content_same_bytes(tmp_path):
    site = with_base_url(write_site(tmp_path / "site", MINIMAL_SITE))
    first = output_files(build_site(site, tmp_path / "one"))
    second = output_files(build_site(site, tmp_path / "two"))
    followed = [path for path in first if path.endswith(".xml")]
    assert followed == ["feed.xml", "sitemap.xml", "units/town.xml", "units/u1.xml"]
    assert {path: first[path] for path in followed} == {path: second[path] for path in followed}


def test_incremental_build_after_a_correction_equals_a_full_build(tmp_path):
    site = with_base_url(corrected_site(tmp_path / "site"))
    unit_file = site / "content/r1/u1.yaml"
    corrected_unit = unit_file.read_text(encoding="utf-8")
    # u1's list as published, before its corrections; only that file changes before the next build, so
    # the site feed must notice the change through u1's stored share of it (not through site.yaml)
    unit_file.write_text(corrected_unit.split("corrections:")[0].replace(
        "status: completed\n    progress: 已全部更换", "status: in_progress\n    progress: 正在采购灯泡"), encoding="utf-8")
    out = build_site(site, tmp_path / "public")
    assert "路灯修复".encode() not in (out / "feed.xml").read_bytes()
    unit_file.write_text(corrected_unit, encoding="utf-8")
    build_site(site, out)
    full = build_site(site, tmp_path / "full", "--full")
    incremental, whole = output_files(out), output_files(full)
    assert sorted(incremental) == sorted(whole)
    assert [path for path in whole if incremental[path] != whole[path]] == []
    assert "更正：第一轮 · 甲单位（更正） · 路灯修复".encode() in incremental["feed.xml"]
    shutil.rmtree(full)
