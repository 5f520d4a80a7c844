"""Search indexing: one record per project, in two forms.

- A Pagefind index (Pagefind's extended binary from PyPI), used when the site
  is served over http(s). Each record is indexed under prefix-free tokens of
  its text (see search_tokens), so any Chinese word is found whatever a word
  segmenter would make of it; the readable text travels as meta for excerpts.
- A compact data script loaded with a classic <script> tag, used when the
  site is opened from disk, where browsers block Pagefind's modules, fetches
  and WebAssembly; the page matches substrings of it directly.

Both hold one record per project (its history page), never one per page that
repeats its text, so a citizen gets one result per project. Traditional
characters are folded to Simplified in the indexed text, and the search page
folds the query the same way, so 開發區 finds 开发区 and the reverse.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import subprocess
from dataclasses import dataclass
from typing import Iterable
from functools import lru_cache
from pathlib import Path

from .config import SiteConfig
from .content import STATUSES
from .govsite import is_overdue
from .i18n import Translator
from .markup import plain_text
from .messages import _
from .opendata import Joined
from .model import NOT_REPORTED, History, Site
from .pagefind_files import PagefindFormatProblem, make_reproducible
from .pages import project_path

SEARCH_FOLDER = "search"
PAGEFIND_FOLDER = "pagefind"
T2S_TABLE = Path(__file__).with_name("data") / "t2s.json"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_RUN = re.compile(r"[0-9a-z]+")


class SearchProblem(Exception):
    """The search index could not be built; the message says why."""


@lru_cache(maxsize=1)
def t2s_table() -> dict[str, str]:
    return json.loads(T2S_TABLE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _t2s_translation() -> dict[int, str]:
    return str.maketrans(t2s_table())


def to_simplified(text: str) -> str:
    """Traditional characters to Simplified, one character for one, so positions stay aligned."""
    return text.translate(_t2s_translation())


@dataclass(frozen=True)
class SearchRecord:
    url: str  # the project's history page, relative to the site root
    title: str
    unit: str
    group: str
    status: str  # latest status, as a label in the site's language; not reported when the latest round left it out
    latest_round: str  # title of the latest round that reported it
    rounds: tuple[str, ...]  # titles of every round that reported it
    text: str  # everything a citizen may search for, every round included
    latest_text: str  # titles, places, people and the latest progress only
    excerpt: str = ""  # the latest progress, as plain text: results cut their excerpt from it only,
    # since the title, unit, status and round are shown above the excerpt already
    category: str = ""  # the latest entry's, as staff typed it ("" when it has none)
    location: str = ""
    overdue: bool = False  # past its 完成时限 on the date of the latest round, not completed (govsite.is_overdue)

    @property
    def head(self) -> str:
        """The searchable text that is not the excerpt: titles, places, people and the unit."""
        return self.latest_text[:len(self.latest_text) - len(self.excerpt)].rstrip("\n")


def search_records(site: Site, translator: Translator) -> list[SearchRecord]:
    units = {unit.id: unit for unit in site.units}
    return [_record(history, units[history.unit_id], translator) for history in site.histories.values()]


def _record(history: History, unit, translator: Translator) -> SearchRecord:
    entries = [step.entry for step in history.steps if step.reported]
    latest = history.latest
    names = list(dict.fromkeys(e.title for e in reversed(entries)))
    places = list(dict.fromkeys(v for e in reversed(entries) for v in (e.location, e.lead, e.category) if v))
    progress = list(dict.fromkeys(plain_text(e.progress) for e in reversed(entries)))
    head = names + places + [unit.name]
    # Judged on the date of the round the status is shown for (the site's latest, which a
    # project not closed is followed to), never today's: as the round's bulletin counts it.
    overdue = is_overdue(latest.due, latest.status, history.latest_step.round.date)
    return SearchRecord(
        url=project_path(history.unit_id, history.project_id),
        title=latest.title,
        unit=unit.name,
        group=unit.group,
        # A project its unit left out of the latest round is shown and counted as not reported,
        # as the home page counts it, never as the status it last had.
        status=translator.status(latest.status if history.latest_step.reported else NOT_REPORTED),
        latest_round=history.latest_reported_round.title,
        rounds=tuple(step.round.title for step in history.steps if step.reported),
        text="\n".join(head + progress),
        latest_text="\n".join(head + progress[:1]),
        excerpt=progress[0] if progress else "",
        category=latest.category,
        location=latest.location,
        overdue=overdue,
    )


def search_tokens(text: str) -> list[str]:
    """The words a text is indexed under: its folded Chinese text cut into overlapping
    pairs of characters, and its runs of Latin letters and digits.

    Pairs make every Chinese substring findable whatever a word segmenter would
    make of it: the indexer's and the browser's segmenters disagree (星海社区 is
    星|海|社区 to one and 星海|社区 to the other), and a village's name must always be
    found. Pagefind matches a query word against indexed words that begin with it
    and, failing that, against the longest indexed word it begins with, so the
    tokens are made prefix-free:
    - a pair is "a" and two five-digit code points (开发 -> a2432021457), and the
      last character of a run pairs with 00000; every pair has the same length, and
      a one-character query (a24320) matches every pair it begins;
    - a Latin or digit run is "c", the run and "zz", with each "z" of the run written
      "zy" (5000 -> c5000zz, lazy -> clazyyzz): "zz" occurs only at a token's end, so
      no token begins another, and a query c500 (no ending) still finds c5000zz. (An
      ending of punctuation would not do: Pagefind drops it, and c50_ would be c50.)
    static/search.js cuts queries the same way; keep the two in step."""
    folded = to_simplified(text).lower()
    tokens: list[str] = []
    for run in _CJK_RUN.findall(folded):
        codes = [f"{ord(character):05d}" for character in run] + ["00000"]
        tokens += [f"a{codes[i]}{codes[i + 1]}" for i in range(len(codes) - 1)]
    tokens += [f"c{run.replace('z', 'zy')}zz" for run in _LATIN_RUN.findall(folded)]
    return list(dict.fromkeys(tokens))


def pagefind_language(config: SiteConfig, any_chinese: bool) -> str:
    """One index language for the whole site, whatever the interface language: Pagefind
    keeps an index per language, and every page must reach the same one. Chinese as soon
    as any record holds Chinese characters."""
    if config.language.startswith("zh") or any_chinese:
        return "zh"
    return config.language.split("-")[0]


def index_document(body: str, language: str) -> str:
    """The small page Pagefind indexes for one project (see index_body)."""
    return (f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"><title></title></head>'
            f'<body data-pagefind-body>{body}</body></html>\n')


def index_body(record: SearchRecord) -> str:
    """A project's text, and its meta and filters as attributes, so each project is one
    record however many pages mention it."""
    def attribute(kind: str, key: str, value: str) -> str:
        return f'<span data-pagefind-{kind}="{html.escape(f"{key}:{value}")}"></span>'
    # The excerpt is cut from the latest progress only (meta "excerpt"), never from the title and
    # details the result shows above it; the whole text is indexed as tokens below.
    tags = [attribute("meta", "title", record.title), attribute("meta", "unit", record.unit),
            attribute("meta", "excerpt", record.excerpt),
            attribute("meta", "status", record.status), attribute("meta", "round", record.latest_round),
            attribute("meta", "overdue", OVERDUE_VALUES[record.overdue]),
            attribute("filter", "unit", record.unit), attribute("filter", "group", record.group),
            attribute("filter", "status", record.status),
            attribute("filter", "overdue", OVERDUE_VALUES[record.overdue])]
    tags += [attribute("filter", "round", title) for title in record.rounds]
    tags += [attribute("filter", kind, value) for kind, value in
             (("category", record.category), ("location", record.location)) if value]
    words = html.escape(" ".join(search_tokens(record.text)))
    return f'{"".join(tags)}<p>{words}</p>'


# Pagefind's memory grows with the records of one index (about 120 KB each), so a large
# site is indexed in shards the search page merges (Pagefind's mergeIndex); the size is
# site.yaml's search: shard_size. A unit's projects stay in one shard, chosen by its id,
# so an edit re-indexes one shard only.
def shard_count(projects: int, shard_size: int) -> int:
    return max(1, -(-projects // shard_size))


def shard_of(unit_id: str, shards: int) -> int:
    if shards == 1:
        return 0
    return int.from_bytes(hashlib.sha256(unit_id.encode("utf-8")).digest()[:8], "big") % shards


def shard_folder(shard: int) -> str:
    """Shard 0 is the index the search page loads; the others are merged into it."""
    return PAGEFIND_FOLDER if shard == 0 else f"{PAGEFIND_FOLDER}/shard-{shard}"


def pagefind_executable() -> Path:
    from pagefind_bin_extended import get_executable

    return Path(get_executable())


def build_pagefind_index(documents: list[tuple[str, str]], language: str, scratch: Path) -> Path:
    """Index the documents (url, index_body) with Pagefind's extended binary; return the
    folder of its files. The binary's own command line is used rather than the pagefind
    Python API, whose service answers one request per 0.1 s (minutes for a city)."""
    source = scratch / "documents"
    index = scratch / "index"
    try:
        folders: set[Path] = set()
        for url, body in documents:
            path = source / url
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            path.write_text(index_document(body, language), encoding="utf-8")
    except OSError as error:
        raise SearchProblem(_("search index: cannot write its working files: {reason}",
                              reason=error.strerror or error)) from None
    command = [str(pagefind_executable()), "--site", str(source), "--output-path", str(index),
               "--force-language", language, "--silent"]
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SearchProblem(_("search index: cannot run Pagefind: {reason}", reason=error)) from None
    if finished.returncode != 0 or not (index / "pagefind.js").is_file():
        detail = (finished.stderr or finished.stdout).strip().splitlines()[-5:]
        detail = detail or [_("exit code {code}", code=finished.returncode)]
        raise SearchProblem(_("search index: Pagefind failed: {detail}", detail=" / ".join(detail)))
    try:
        make_reproducible(index)
    except PagefindFormatProblem as error:
        raise SearchProblem(_("search index: {detail}", detail=error)) from None
    except OSError as error:  # a full disk while rewriting the index: the previous site is untouched
        raise SearchProblem(_("search index: cannot write its working files: {reason}",
                              reason=error.strerror or error)) from None
    return index


# The values of the overdue filter, in the index and in the page's address (?overdue=yes): words
# of no language, since the page's labels are the site's language.
OVERDUE_VALUES = {True: "yes", False: "no"}


def filter_vocabulary(site: Site, translator: Translator) -> dict[str, list[str]]:
    """The values of each search filter, in the order the site lists them."""
    return {
        "rounds": [rnd.title for rnd in site.rounds],
        "units": [unit.name for unit in site.units],
        "groups": list(site.groups),
        "statuses": [translator.status(status) for status in (*STATUSES, NOT_REPORTED)],
    }


def offline_rows(records: list[SearchRecord], vocabulary: dict[str, list[str]]) -> list[str]:
    """Each project of the file:// search as compact JSON. Filter values are stored once
    and referenced by position, and only the latest progress is carried, so a city's
    data stays small enough for a phone. The searchable text is split in two (the part that
    is not shown as an excerpt, then the latest progress the excerpt is cut from); category
    and location are stored as written, since the site's list of them is only known once
    every unit is built (search.js gathers them)."""
    index = {kind: {value: i for i, value in enumerate(values)} for kind, values in vocabulary.items()}
    return [json.dumps([record.url, record.title, index["units"][record.unit], index["groups"][record.group],
                        index["statuses"][record.status], index["rounds"][record.latest_round],
                        [index["rounds"][r] for r in record.rounds], record.head, record.excerpt,
                        record.category, record.location, OVERDUE_VALUES[record.overdue]],
                       ensure_ascii=False, separators=(",", ":"))
            for record in records]


def offline_data_layout(vocabulary: dict[str, list[str]]) -> Joined:
    """The data of the file:// search, as a classic script, made of the units' rows (each
    unit's rows joined with commas, UTF-8)."""
    head = json.dumps(vocabulary, ensure_ascii=False, separators=(",", ":"))
    return Joined(_script_safe(f"window.BULLETIN_SEARCH_DATA = {head[:-1]}{',' if vocabulary else ''}\"projects\":["),
                  b",", b"]};\n", _script_safe_bytes)


def offline_data_script(rows: Iterable[bytes], vocabulary: dict[str, list[str]]) -> bytes:
    """The offline data as a build writes it (assemble.py joins the same layout unit by unit)."""
    return offline_data_layout(vocabulary).join(rows)


def t2s_script() -> bytes:
    return _script("BULLETIN_T2S", json.dumps(t2s_table(), ensure_ascii=False, separators=(",", ":")))


def _script(name: str, payload: str) -> bytes:
    return _script_safe(f"window.{name} = {payload};\n")


def _script_safe(text: str) -> bytes:
    # JSON is valid JavaScript; escaping '<' keeps "</script>" and "<!--" in content inert
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode("utf-8")


def _script_safe_bytes(data: bytes) -> bytes:
    """_script_safe on UTF-8 text already encoded (whole characters: a unit's rows)."""
    return (data.replace(b"<", b"\\u003c").replace("\u2028".encode("utf-8"), b"\\u2028")
            .replace("\u2029".encode("utf-8"), b"\\u2029"))
