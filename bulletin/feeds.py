"""Following the site: Atom feeds, the sitemap and canonical addresses, all from `base_url`.

A feed's and a sitemap's addresses must be absolute (RFC 4287, sitemaps.org), and the
site's pages link to each other relatively so that it works from any folder or disk.
So these files exist only when site.yaml gives `base_url`: without it nothing here is
made and no address is invented.

Files (none of them can meet a page, whose names all end in .html):
- feed.xml: the whole site, one entry per public round and per correction;
- units/<unit>.xml: one unit, one entry per list it published and per correction of it;
- sitemap.xml: every page; beyond SITEMAP_LIMIT addresses, an index of sitemap-<n>.xml.

Every date is a day the content gives (a round's date, a correction's date), written as
that day's midnight in China Standard Time: never the clock, so two builds of the same
content give the same bytes. A feed's `updated` is its latest entry's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .i18n import Translator
from .model import Site, Unit
from .pages import draft_rounds, round_path, unit_path, unit_round_path

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITE_FEED = "feed.xml"
SITEMAP = "sitemap.xml"
SITEMAP_LIMIT = 50_000  # addresses per sitemap file (sitemaps.org protocol)
FEED_SECTION = "feed"  # a unit's share of the site feed, stored with its parts (see unitwork)
DAY_ZONE = "+08:00"  # the days in content are Chinese calendar days

# Characters XML 1.0 cannot carry at all (a YAML escape can put them in a text).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def unit_feed_path(unit_id: str) -> str:
    return f"units/{unit_id}.xml"


def sitemap_part_path(number: int) -> str:
    # Beside sitemap.xml: a sitemap may only list addresses at or below its own folder.
    return f"sitemap-{number}.xml"


def absolute_url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path


@dataclass(frozen=True)
class FeedEntry:
    key: str  # unique in the site, stable across builds: the entry's id once made absolute
    title: str
    day: dt.date
    path: str  # the page it links to
    summary: str = ""

    def plain(self) -> list:
        return [self.key, self.title, self.day.isoformat(), self.path, self.summary]

    @staticmethod
    def from_plain(plain: list) -> "FeedEntry":
        key, title, day, path, summary = plain
        return FeedEntry(key, title, dt.date.fromisoformat(day), path, summary)


# --- what the feeds say ------------------------------------------------------------------------------------

def _public_rounds(site: Site):
    drafts = draft_rounds(site)
    return [rnd for rnd in site.rounds if rnd.id not in drafts]


def round_entries(site: Site) -> list[FeedEntry]:
    """One entry per public round: its bulletin."""
    return [FeedEntry(round_path(rnd.id), rnd.title, rnd.date, round_path(rnd.id)) for rnd in _public_rounds(site)]


def notice_entries(site: Site, t: Translator, unit_id: str | None = None) -> list[FeedEntry]:
    """The corrections declared under a round in site.yaml (the site's own values, a unit's name
    or group): all of them, or those of one unit. A site's correction links to the bulletin."""
    entries = []
    for rnd in _public_rounds(site):
        seen: dict[tuple, int] = {}
        for notice in rnd.notices:
            if unit_id is not None and notice.unit_id != unit_id:
                continue
            subject = notice.unit_id or "site"
            number = seen[(notice.date, subject)] = seen.get((notice.date, subject), 0) + 1
            page = unit_round_path(rnd.id, notice.unit_id) if notice.unit_id else round_path(rnd.id)
            if notice.unit_id and (rnd.id, notice.unit_id) not in site.unit_rounds:
                page = round_path(rnd.id)  # the unit has no list that round to show it on
            about = [rnd.title] + ([_unit_name(site, rnd, notice.unit_id)] if notice.unit_id else [])
            entries.append(FeedEntry(f"{round_path(rnd.id)}#correction-{notice.date.isoformat()}-{subject}-{number}",
                                     _titled(t, "correction_heading", about), notice.date, page, notice.reason))
    return entries


def unit_correction_entries(site: Site, unit: Unit, t: Translator) -> list[FeedEntry]:
    """The corrections of a unit's published lists (declared in its files): one entry each.
    A redaction's entry says when and why, never what, as its notice does."""
    entries = []
    for rnd in _public_rounds(site):
        page = unit_round_path(rnd.id, unit.id)
        seen: dict[tuple, int] = {}
        for item, notice in site.correction_notices(rnd.id, unit.id):
            kind = "redaction" if notice.redaction else "correction"
            number = seen[(kind, notice.date, notice.project_id)] = seen.get(
                (kind, notice.date, notice.project_id), 0) + 1
            about = [rnd.title, _unit_name(site, rnd, unit.id)]
            if not notice.redaction and item.number:  # the item as the list shows it, or as first published
                about.append(item.title)
            # The id keeps its form (a feed reader knows an entry by it); the link opens the notice itself.
            entries.append(FeedEntry(f"{page}#{kind}-{notice.date.isoformat()}-{notice.project_id}-{number}",
                                     _titled(t, f"{kind}_heading", about), notice.date, f"{page}#{item.anchor}",
                                     notice.reason))
    return entries


def unit_round_entries(site: Site, unit: Unit) -> list[FeedEntry]:
    """One entry per public round the unit has a list in: that list."""
    return [FeedEntry(unit_round_path(rnd.id, unit.id), f"{rnd.title} · {_unit_name(site, rnd, unit.id)}", rnd.date,
                      unit_round_path(rnd.id, unit.id))
            for rnd in _public_rounds(site) if (rnd.id, unit.id) in site.unit_rounds]


def feed_part(site: Site, unit: Unit, t: Translator) -> str:
    """A unit's share of the site feed, stored with its parts: its lists' corrections."""
    return json.dumps([entry.plain() for entry in unit_correction_entries(site, unit, t)], ensure_ascii=False)


def entries_from_part(blob: bytes) -> list[FeedEntry]:
    return [FeedEntry.from_plain(plain) for plain in json.loads(blob)] if blob else []


def _unit_name(site: Site, rnd, unit_id: str) -> str:
    unit = next((unit for unit in site.units if unit.id == unit_id), None)
    return rnd.shown_unit(unit).name if unit is not None else unit_id


def _titled(t: Translator, heading: str, about: list[str]) -> str:
    return t(heading) + t("colon") + " · ".join(about)


# --- the files ---------------------------------------------------------------------------------------------

def site_feed(site: Site, unit_parts: list[bytes], t: Translator) -> bytes:
    """feed.xml: every public round and every correction, the units' from their stored parts."""
    entries = round_entries(site) + notice_entries(site, t)
    for blob in unit_parts:
        entries += entries_from_part(blob)
    config = site.config
    return atom_feed(config.base_url, SITE_FEED, "index.html", config.title, config.publisher, config.language,
                     entries, _fallback_day(site))


def unit_feed(site: Site, unit: Unit, t: Translator) -> bytes:
    """units/<unit>.xml: the unit's lists and their corrections."""
    entries = (unit_round_entries(site, unit) + notice_entries(site, t, unit.id)
               + unit_correction_entries(site, unit, t))
    config = site.config
    return atom_feed(config.base_url, unit_feed_path(unit.id), unit_path(unit.id), f"{unit.name} · {config.title}",
                     config.publisher, config.language, entries, _fallback_day(site))


def _fallback_day(site: Site) -> dt.date:
    # A feed with no entry yet (a preview whose every round is a draft) still needs `updated`.
    return site.rounds[-1].date if site.rounds else dt.date(1970, 1, 1)


def atom_feed(base_url: str, feed_path: str, page_path: str, title: str, author: str, language: str,
              entries: list[FeedEntry], fallback_day: dt.date) -> bytes:
    """An Atom 1.0 document (RFC 4287); entries newest first, ties in the order of their ids."""
    entries = sorted(entries, key=lambda entry: entry.key)
    entries.sort(key=lambda entry: entry.day, reverse=True)
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": language})
    _text(feed, "id", absolute_url(base_url, feed_path))
    _text(feed, "title", title)
    _text(feed, "updated", _rfc3339(entries[0].day if entries else fallback_day))
    ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml",
                                 "href": absolute_url(base_url, feed_path)})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": absolute_url(base_url, page_path)})
    _text(ET.SubElement(feed, "author"), "name", author)
    for entry in entries:
        element = ET.SubElement(feed, "entry")
        _text(element, "id", absolute_url(base_url, entry.key))
        _text(element, "title", entry.title)
        _text(element, "updated", _rfc3339(entry.day))
        ET.SubElement(element, "link", {"rel": "alternate", "type": "text/html",
                                        "href": absolute_url(base_url, entry.path)})
        if entry.summary:
            _text(element, "summary", entry.summary)
    return _document(feed)


def sitemap_file_names(count: int, limit: int = SITEMAP_LIMIT) -> list[str]:
    """The files a sitemap of `count` addresses takes: sitemap.xml, and its parts beyond the limit."""
    if count <= limit:
        return [SITEMAP]
    return [SITEMAP] + [sitemap_part_path(number) for number in range(1, -(-count // limit) + 1)]


def sitemap_files(base_url: str, page_paths: list[str], limit: int = SITEMAP_LIMIT) -> dict[str, bytes]:
    """sitemap.xml listing every page; beyond `limit` pages, a sitemap index of sitemap-<n>.xml."""
    urls = [absolute_url(base_url, path) for path in sorted(page_paths)]
    if len(urls) <= limit:
        return {SITEMAP: _url_list("urlset", "url", urls)}
    files = {sitemap_part_path(number): _url_list("urlset", "url", urls[start:start + limit])
             for number, start in enumerate(range(0, len(urls), limit), start=1)}
    index = _url_list("sitemapindex", "sitemap", [absolute_url(base_url, name) for name in files])
    return {SITEMAP: index, **files}


def _url_list(root_name: str, item_name: str, urls: list[str]) -> bytes:
    root = ET.Element(root_name, {"xmlns": SITEMAP_NS})
    for url in urls:
        _text(ET.SubElement(root, item_name), "loc", url)
    return _document(root)


def _text(parent: ET.Element, name: str, text: str) -> None:
    ET.SubElement(parent, name).text = _NOT_XML.sub("", text)


def _rfc3339(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00{DAY_ZONE}"


def _document(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
