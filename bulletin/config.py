"""site.yaml: the district's settings and its ordered list of rounds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .problems import ContentError, Location, Problem
from .schema import Checker, Date, Field, Identifier, ListOf, Number, OneOf, Record, Text, check_document
from .source import SourceDocument, read_yaml_file

LANGUAGES = ("zh-CN", "en")
LANGUAGE_SYNONYMS = (
    ("zh", "zh-CN"), ("cn", "zh-CN"), ("中文", "zh-CN"), ("简体中文", "zh-CN"), ("chinese", "zh-CN"),
    ("english", "en"), ("英文", "en"), ("英语", "en"),
)

ROUND_SCHEMA = Record((
    Field("id", Identifier(), True, "stable name of the round, used in URLs and as its content folder"),
    Field("title", Text(), True, "how the round is called, e.g. 第二轮公布"),
    Field("date", Date(), True, "publication date, e.g. 2021-08-24"),
))

SITE_SCHEMA = Record((
    Field("title", Text(), True, "the site's name, shown on every page"),
    Field("publisher", Text(), True, "who publishes the bulletins"),
    Field("language", OneOf(LANGUAGES, LANGUAGE_SYNONYMS), False, "language of the interface (default zh-CN)"),
    Field("supervision", Record((
        Field("phone", Text(), True, "supervision phone citizens may call"),
        Field("note", Text(multiline=True), False, "what the phone is for, shown beside it"),
    )), True, "shown on every bulletin"),
    Field("base_url", Text(), False, "where the site is published, e.g. https://example.gov.cn/bulletins/"),
    Field("id", Identifier(), False, "short name of the site, used to name its archives (default: its folder)"),
    Field("search", Record((
        Field("shard_size", Number(positive=True), False,
              "projects per search index shard (default 5000): smaller shards need less memory to build"),
    )), False, "settings of the search index"),
    Field("rounds", ListOf(ROUND_SCHEMA, allow_empty=False), True, "publication rounds, oldest first"),
))


@dataclass(frozen=True)
class RoundConfig:
    id: str
    title: str
    date: dt.date


@dataclass(frozen=True)
class SiteConfig:
    title: str
    publisher: str
    language: str
    supervision_phone: str
    supervision_note: str
    base_url: str
    rounds: tuple[RoundConfig, ...]
    id: str = ""
    search_shard_size: int = 5_000


def load_site_config(site_dir: Path) -> tuple[SiteConfig, SourceDocument]:
    path = site_dir / "site.yaml"
    if not path.is_file():
        raise ContentError([Problem(Location("site.yaml", 1, 1), "",
                                    f"no site.yaml in {site_dir}; run the command in the site's folder "
                                    "or pass --site DIR")])
    document = read_yaml_file(path, site_dir)
    data, problems = check_document(document, SITE_SCHEMA, "site.yaml")
    if data is not None:
        problems += _check_rounds(document, data["rounds"])
    if problems:
        raise ContentError(problems)
    return parse_site_config(data), document


def _check_rounds(document: SourceDocument, rounds: list[dict]):
    checker = Checker(document)
    seen: dict[str, int] = {}  # folded like project ids: r2/ and R2/ are one folder on Windows
    for index, entry in enumerate(rounds):
        folded = entry["id"].casefold()
        if folded in seen:
            first = rounds[seen[folded]]["id"]
            line = document.where(("rounds", seen[folded], "id")).line
            same = ("is listed twice (first at line" if first == entry["id"]
                    else f"differs only in case from '{first}' (at line")
            checker.report(("rounds", index, "id"),
                           f"round '{entry['id']}' {same} {line}); each round needs its own id")
        seen.setdefault(folded, index)
        if index and entry["date"] < rounds[index - 1]["date"]:
            checker.report(("rounds", index, "date"),
                           f"{entry['date']} is before the previous round's date "
                           f"{rounds[index - 1]['date']}; list rounds oldest first")
    return checker.problems


def parse_site_config(data: dict) -> SiteConfig:
    return SiteConfig(
        title=data["title"],
        publisher=data["publisher"],
        language=data.get("language", "zh-CN"),
        supervision_phone=data["supervision"]["phone"],
        supervision_note=data["supervision"].get("note", ""),
        base_url=data.get("base_url", ""),
        rounds=tuple(RoundConfig(r["id"], r["title"], r["date"]) for r in data["rounds"]),
        id=data.get("id", ""),
        search_shard_size=max(1, int((data.get("search") or {}).get("shard_size", 5_000))),
    )
