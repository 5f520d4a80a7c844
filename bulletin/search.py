"""Search indexing: one record per project, in an index the search page loads piece by piece.

Each project (its history page) is one record, never one per page that repeats its
text, so a citizen gets one result per project. Its text is indexed under pairs of
characters (index_tokens), so any Chinese word is found whatever a word segmenter would
make of it. Traditional characters are folded to Simplified in the indexed text, and the
search page folds the query the same way, so 開發區 finds 开发区 and the reverse.

The index is a set of small classic scripts (search/), which a page may load both when
served and when opened from disk (where browsers refuse fetch(), modules and
WebAssembly): a manifest (search/index.js), then for each shard of units one file per
bucket of words and one of facets (what the filters and their counts need), and for each
unit the lines its results show (search/units/<unit>.js). A query loads the manifest, the
buckets of its words, the facets of the shards that hold them, and the result lines of
the units it shows: a province's query reads well under a megabyte, and no file grows
with the number of units.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Iterable
from functools import lru_cache
from pathlib import Path

from .content import STATUSES
from .govsite import is_overdue
from .i18n import Translator
from .markup import plain_text
from .model import NOT_REPORTED, History, Site
from .pages import project_path

SEARCH_FOLDER = "search"
T2S_TABLE = Path(__file__).with_name("data") / "t2s.json"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_RUN = re.compile(r"[0-9a-z]+")


@lru_cache(maxsize=1)
def t2s_table() -> dict[str, str]:
    return json.loads(T2S_TABLE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _t2s_translation() -> dict[int, str]:
    # Full-width letters and digits (２０２１, ＡＢ) as their half-width selves too: staff type both.
    table = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
    return {**table, **str.maketrans(t2s_table())}


def to_simplified(text: str) -> str:
    """Traditional characters to Simplified, and full-width letters and digits to half-width, one
    character for one, so positions stay aligned."""
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
    excerpt: str = ""  # the latest progress, as plain text: results cut their excerpt from it only,
    # since the title, unit, status and round are shown above the excerpt already
    category: str = ""  # the latest entry's, as staff typed it ("" when it has none)
    location: str = ""
    overdue: bool = False  # past its 完成时限 on the date of the latest round, not completed (govsite.is_overdue)


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
        excerpt=progress[0] if progress else "",
        category=latest.category,
        location=latest.location,
        overdue=overdue,
    )


def index_tokens(text: str) -> list[str]:
    """The words a text is found by: its folded Chinese text cut into overlapping pairs of
    characters, plus the last character of each run, and its runs of Latin letters and digits.

    Pairs make every Chinese substring findable whatever a word segmenter would make of it
    (星海社区 is 星|海|社区 to one segmenter and 星海|社区 to another, and a village's name must
    always be found). A query of one character matches every token it begins, so the last
    character of a run is a token too; a Latin or digit run in a query matches the runs it
    begins (500 finds 5000). static/search.js cuts queries the same way; keep the two in step."""
    folded = to_simplified(text).lower()
    tokens: list[str] = []
    for run in _CJK_RUN.findall(folded):
        tokens += [run[i:i + 2] for i in range(len(run) - 1)]
        tokens.append(run[-1])
    tokens += _LATIN_RUN.findall(folded)
    return list(dict.fromkeys(tokens))


# The index is cut by the first character of its words into this many buckets, so a query
# loads only the buckets of its words' first characters; every token is one or two characters
# of the Basic Multilingual Plane (the CJK and Latin runs above), so Python's ord() and
# JavaScript's charCodeAt() agree on it.
BUCKETS = 256
INDEX_VERSION = 1
INDEX_SCRIPT = f"{SEARCH_FOLDER}/index.js"


def bucket_of(token: str) -> int:
    return ord(token[0]) % BUCKETS


# A large site's index is cut in shards of units, each with its own buckets, so that an edit to
# one unit re-joins one shard's files only, and no file grows with the site: the size is
# site.yaml's search: shard_size (projects). A unit stays in one shard, chosen by its id.
def shard_count(projects: int, shard_size: int) -> int:
    return max(1, -(-projects // shard_size))


def shard_of(unit_id: str, shards: int) -> int:
    if shards == 1:
        return 0
    return int.from_bytes(hashlib.sha256(unit_id.encode("utf-8")).digest()[:8], "big") % shards


def shard_folder(rank: int) -> str:
    """The folder of the shard (under search/), numbered among the shards that have projects."""
    return f"shard-{rank}"


def unit_records_path(unit_id: str) -> str:
    return f"{SEARCH_FOLDER}/units/{unit_id}.js"


@dataclass(frozen=True)
class UnitSearch:
    """One unit's share of the search index, made from its records alone (so an edit to one
    unit's file re-makes only its share):
    - postings: for each bucket its words fall in, a line "bucket<TAB>[unit,{word:[entry,…]}]",
      where an entry is the project's position in the unit times two, plus one when the word
      is in its title (title matches rank first); a shard's bucket file joins these lines;
    - facets: [unit, group, categories, locations, [[status, latest round, [rounds], category,
      location, overdue], …]] by position, every value but category and location an index
      into the vocabulary, those two into the unit's own lists (-1: none);
    - records: the script of what a result shows (search/units/<unit>.js).
    The buckets, categories, locations and whether any project is overdue go into the
    index's manifest."""

    postings: str
    facets: str
    records: bytes
    buckets: tuple[int, ...]
    categories: tuple[str, ...]
    locations: tuple[str, ...]
    overdue: bool


def vocabulary_positions(vocabulary: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Each filter value's position in the vocabulary: how the index refers to it. Made once a build,
    not once a unit: a province's vocabulary names 2,000 units."""
    return {kind: {value: i for i, value in enumerate(values)} for kind, values in vocabulary.items()}


def unit_search(unit_id: str, records: list[SearchRecord], index: dict[str, dict[str, int]]) -> UnitSearch:
    """The unit's share of the index; `index`: vocabulary_positions of the site's vocabulary."""
    unit_index = index["unitIds"][unit_id]
    group_index = index["groups"][records[0].group] if records else -1
    categories = sorted({record.category for record in records if record.category})
    locations = sorted({record.location for record in records if record.location})
    category_index = {value: i for i, value in enumerate(categories)}
    location_index = {value: i for i, value in enumerate(locations)}
    buckets: dict[int, dict[str, list[int]]] = {}
    facets, shown = [], []
    for position, record in enumerate(records):
        in_title = set(index_tokens(record.title))
        for token in index_tokens(record.text):
            buckets.setdefault(bucket_of(token), {}).setdefault(token, []).append(
                position * 2 + (token in in_title))
        status, latest = index["statuses"][record.status], index["rounds"][record.latest_round]
        facets.append([status, latest, [index["rounds"][r] for r in record.rounds],
                       category_index.get(record.category, -1), location_index.get(record.location, -1),
                       int(record.overdue)])
        shown.append([record.url, record.title, record.excerpt, status, latest, int(record.overdue)])
    postings = "".join(f"{bucket}\t[{unit_index},{_compact(words)}]\n" for bucket, words in sorted(buckets.items()))
    return UnitSearch(
        postings=postings,
        facets=_script_safe(_compact([unit_index, group_index, categories, locations, facets])).decode("utf-8"),
        records=part_script(f"units/{unit_id}", _compact(shown)),
        buckets=tuple(sorted(buckets)),
        categories=tuple(categories), locations=tuple(locations),
        overdue=any(record.overdue for record in records))


def shard_files(folder: str, postings: list[bytes], facets: list[bytes]) -> dict[str, bytes]:
    """A shard's files (its units' shares joined, in the site's order of units): one per
    bucket any of its words fall in, and its facets. `folder` is under search/."""
    lines: dict[int, list[bytes]] = {}
    for unit_postings in postings:
        for line in unit_postings.splitlines():
            bucket, _, words = line.partition(b"\t")
            lines.setdefault(int(bucket), []).append(words)
    files = {f"{SEARCH_FOLDER}/{folder}/b{bucket}.js": _part_bytes(f"{folder}/b{bucket}", b",".join(found))
             for bucket, found in sorted(lines.items())}
    files[f"{SEARCH_FOLDER}/{folder}/facets.js"] = _part_bytes(f"{folder}/facets", b",".join(f for f in facets if f))
    return files


def shard_buckets(files: Iterable[str]) -> str:
    """The buckets a shard has a file for, as a string of hexadecimal digits (bucket b is bit
    b % 4 of digit b // 4), so the search page asks only for files that exist."""
    present = {int(name.rsplit("/b", 1)[1][:-3]) for name in files if name.rsplit("/", 1)[1].startswith("b")}
    return "".join(format(sum(1 << bit for bit in range(4) if digit * 4 + bit in present), "x")
                   for digit in range(BUCKETS // 4))


def manifest_script(vocabulary: dict[str, list[str]], shards: list[tuple[str, str]],
                    categories: Iterable[str], locations: Iterable[str], overdue: bool) -> bytes:
    """search/index.js, what the search page loads first: the filters' values, the units,
    and each shard's folder with the buckets it has."""
    manifest = {"version": INDEX_VERSION, "buckets": BUCKETS, **vocabulary,
                "shards": [list(shard) for shard in shards], "categories": sorted(set(categories)),
                "locations": sorted(set(locations)), "overdue": overdue}
    return part_script("index", _compact(manifest))


def part_script(name: str, payload: str) -> bytes:
    """A part of the index as a classic script, which both a served page and one opened from
    disk may load (browsers refuse fetch() from file:// pages)."""
    return _script_safe(f"BULLETIN_SEARCH({json.dumps(name)},{payload});\n")


def _part_bytes(name: str, items: bytes) -> bytes:
    # The items are parts stored already script-safe (made by _compact and _script_safe).
    return _script_safe(f"BULLETIN_SEARCH({json.dumps(name)},[") + items + b"]);\n"


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# The values of the overdue filter, in the index and in the page's address (?overdue=yes): words
# of no language, since the page's labels are the site's language.
OVERDUE_VALUES = {True: "yes", False: "no"}


def filter_vocabulary(site: Site, translator: Translator) -> dict[str, list[str]]:
    """The values of each search filter, in the order the site lists them."""
    return {
        "rounds": [rnd.title for rnd in site.rounds],
        "units": [unit.name for unit in site.units],
        "unitIds": [unit.id for unit in site.units],  # a unit is known by its position: names may repeat
        "groups": list(site.groups),
        "statuses": [translator.status(status) for status in (*STATUSES, NOT_REPORTED)],
    }


def t2s_script() -> bytes:
    return _script("BULLETIN_T2S", json.dumps(t2s_table(), ensure_ascii=False, separators=(",", ":")))


def _script(name: str, payload: str) -> bytes:
    return _script_safe(f"window.{name} = {payload};\n")


def _script_safe(text: str) -> bytes:
    # JSON is valid JavaScript; escaping '<' keeps "</script>" and "<!--" in content inert
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode("utf-8")
