"""site.yaml: the district's settings and its ordered list of rounds."""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass, replace
from pathlib import Path

from .imported import FIELDS as IMPORT_FIELDS
from .messages import N_, _, pgettext
from .problems import ContentError, Location, Problem
from .schema import (Checker, Date, Field, Identifier, ListOf, Number, OneOf, Record, Text, Type, as_written,
                     check_document)
from .i18n import _placeholder_problem
from .source import SourceDocument, read_yaml_file

LANGUAGES = ("zh-CN", "en")
LANGUAGE_SYNONYMS = (
    ("zh", "zh-CN"), ("cn", "zh-CN"), ("中文", "zh-CN"), ("简体中文", "zh-CN"), ("chinese", "zh-CN"),
    ("english", "en"), ("英文", "en"), ("英语", "en"),
)
LANGUAGE_DOCS = (("zh-CN", N_("Simplified Chinese")), ("en", N_("English")))

# What a round's pages show of the site (site.yaml) and of a unit (units.yaml): recorded in the
# ledger when the round is published, and changed afterwards only by a declared correction.
SITE_FIELDS = ("title", "publisher", "supervision.phone", "supervision.note")
UNIT_FIELDS = ("name", "group")


@dataclass(frozen=True)
class Flag(Type):
    """true or false. `draft: 否` or `draft: 1` is refused rather than guessed at."""

    def check(self, value, path, checker):
        if isinstance(value, bool):
            return value
        written = as_written(value, path, checker) if not isinstance(value, (list, dict)) else "..."
        checker.report(path, _("expected true or false, found '{value}'; write {key}: true, or remove the line",
                               value=written, key=path[-1]))
        return None

    def json_schema(self, title_of, within=""):
        # YAML 1.1 (the checker's reader) also reads yes/no/on/off as true/false; an editor reads them as text.
        return {"type": ["boolean", "string"],
                "pattern": "^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"}


@dataclass(frozen=True)
class WebAddress(Text):
    """An address the site is published at: feeds, the sitemap and canonical links are built
    from it, so it must be a whole http(s) address, not a host name or a script."""

    def check(self, value, path, checker):
        text = super().check(value, path, checker)
        if text is None:
            return None
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", text.strip()):
            checker.report(path, _("'{value}' is not a web address: write it whole, starting with https:// "
                                   "(e.g. https://example.gov.cn/bulletins/)", value=text.strip()))
            return None
        return text

    def json_schema(self, title_of, within=""):
        return {"type": "string", "pattern": r"^\s*https?://[^\s/?#]+(/[^\s?#]*)?\s*$"}


@dataclass(frozen=True)
class ImportColumns(Type):
    """`import: columns:` — a ledger's header text and the field its column gives (`""` or `-`:
    the column is not imported), for headers the built-in table of `python build.py import` lacks."""

    def check(self, value, path, checker):
        if not isinstance(value, dict):
            checker.report(path, _("expected lines of the form 表头文字: field, e.g. 领办事项: title"))
            return None
        columns = {}
        for header, key in value.items():
            written = "" if key is None else as_written(key, path + (header,), checker)
            if written.strip() not in ("", "-", *IMPORT_FIELDS):
                checker.report(path + (header,), _("'{field}' is not a field an import fills; write one of {fields}, "
                                                   "or \"\" to leave the column out", field=written,
                                                   fields=pgettext("list", ", ").join(IMPORT_FIELDS)))
                continue
            columns[str(header)] = written.strip()
        return columns

    def json_schema(self, title_of, within=""):
        # any header text: a pattern, so that every other key of the file stays refused
        return {"type": "object", "patternProperties": {r"\S": {"enum": [*IMPORT_FIELDS, "", "-", None]}},
                "additionalProperties": False}


ROUND_CORRECTION_SCHEMA = Record((
    Field("date", Date(), True, N_("when the correction was made")),
    Field("reason", Text(multiline=True), True, N_("why the published value was wrong")),
    Field("unit", Identifier(), False,
          N_("the unit whose name or group is corrected; none for the site's own fields")),
    Field("field", OneOf(SITE_FIELDS + UNIT_FIELDS), True,
          N_("what is corrected: title, publisher, supervision.phone, supervision.note, or a unit's name or group")),
    Field("value", Text(), True, N_("the corrected value, shown from now on in this round's pages")),
))

ROUND_SCHEMA = Record((
    Field("id", Identifier(), True, N_("stable name of the round, used in URLs and as its content folder")),
    Field("title", Text(), True, N_("how the round is called, e.g. 第二轮公布")),
    Field("date", Date(), True, N_("publication date, e.g. 2021-08-24")),
    Field("intro", Text(multiline=True, markdown=True), False,
          N_("the opening paragraph of the round's bulletin (按照《…工作方案》要求…), in Markdown")),
    Field("document_number", Text(), False,
          N_("文号 of the round's bulletin, e.g. 元办发〔2021〕12号, shown in its 信息公开 block")),
    Field("corrections", ListOf(ROUND_CORRECTION_SCHEMA), False,
          N_("declared corrections of what a published round showed of the site or of a unit (更正)")),
    Field("draft", Flag(), False,
          N_("true while the round is prepared: left out of the public site until 'python build.py publish' "
             "removes this line")),
))

SITE_SCHEMA = Record((
    Field("title", Text(), True, N_("the site's name, shown on every page")),
    Field("publisher", Text(), True, N_("who publishes the bulletins")),
    Field("language", OneOf(LANGUAGES, LANGUAGE_SYNONYMS, docs=LANGUAGE_DOCS), False,
          N_("language of the interface (default zh-CN)")),
    Field("supervision", Record((
        Field("phone", Text(), True, N_("supervision phone citizens may call")),
        Field("note", Text(multiline=True), False, N_("what the phone is for, shown beside it")),
    )), True, N_("shown on every bulletin")),
    Field("base_url", WebAddress(), False, N_("where the site is published, e.g. https://example.gov.cn/bulletins/")),
    Field("id", Identifier(), False, N_("short name of the site, used to name its archives (default: its folder)")),
    Field("search", Record((
        Field("shard_size", Number(positive=True), False,
              N_("projects per search index shard (default 5000): smaller shards need less memory to build")),
    )), False, N_("settings of the search index")),
    Field("footer", Record((
        Field("host", Text(), False, N_("主办单位: the body that runs the site")),
        Field("organizer", Text(), False, N_("承办单位: the office that operates it")),
        Field("site_code", Text(), False, N_("网站标识码, e.g. 1504030001")),
        Field("icp", Text(), False, N_("ICP备案号, e.g. 蒙ICP备05001234号, linked to beian.miit.gov.cn")),
        Field("police", Text(), False,
              N_("公安备案号, e.g. 蒙公网安备 15040302000123号, linked to beian.gov.cn by its digits")),
        Field("contact", Text(), False, N_("contact shown at the foot of every page, e.g. 联系电话：0476-3555907")),
        Field("report_url", Text(), False, N_("address of the 纠错 (report an error) link, e.g. "
                                              "https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteName.action")),
        Field("badge_url", Text(), False, N_("address the 党政机关网站 badge links to")),
    )), False, N_("what a government site shows at the foot of every page (主办单位, 备案号, 纠错)")),
    Field("index_number", Text(), False,
          N_("pattern of a bulletin's 索引号, e.g. \"{site_code}/{year}-{seq:05d}\"; placeholders: site_code, "
             "year, month, day, seq (the round's number), round")),
    Field("subject", Text(), False, N_("主题分类 of the bulletins, e.g. 综合政务/其他")),
    Field("rounds", ListOf(ROUND_SCHEMA, allow_empty=False), True, N_("publication rounds, oldest first")),
    Field("import", Record((
        Field("columns", ImportColumns(), False,
              N_("spreadsheet headers and the field each column gives, e.g. 领办事项: title (\"\": not imported)")),
    )), False, N_("settings of python build.py import")),
))


@dataclass(frozen=True)
class ShownSite:
    """What a round's pages show of the site: its name, publisher and supervision phone."""

    title: str
    publisher: str
    supervision_phone: str
    supervision_note: str


@dataclass(frozen=True)
class ShownUnit:
    """What a round's pages show of a unit."""

    id: str
    name: str
    group: str
    order: float


@dataclass(frozen=True)
class RoundRecord:
    """What a round showed when it was published, as the ledger recorded it."""

    site: ShownSite
    units: tuple[ShownUnit, ...]  # every registered unit, in display order


@dataclass(frozen=True)
class RoundCorrection:
    """A declared correction of a value a published round showed (site.yaml, under the round)."""

    date: dt.date
    reason: str
    field: str  # one of SITE_FIELDS, or of UNIT_FIELDS when unit is set
    value: str
    unit: str = ""


@dataclass(frozen=True)
class RoundConfig:
    id: str
    title: str
    date: dt.date
    corrections: tuple[RoundCorrection, ...] = ()
    record: RoundRecord | None = None  # set from the ledger for a published round that recorded it
    intro: str = ""  # Markdown
    draft: bool = False  # not public yet: left out of the site `build` publishes
    document_number: str = ""  # 文号, frozen with the round like intro (ledger.site_entry)


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
    import_columns: tuple[tuple[str, str], ...] = ()  # (header text, field or "" for none)
    footer: "Footer" = None  # set by parse_site_config; None only for configs built by hand in tests
    index_number: str = ""  # pattern of a bulletin's 索引号 (see INDEX_NUMBER_FIELDS)
    subject: str = ""  # 主题分类


@dataclass(frozen=True)
class Footer:
    """site.yaml `footer:`, what a government site shows at the foot of every page; "" when not set."""

    host: str = ""  # 主办单位
    organizer: str = ""  # 承办单位
    site_code: str = ""  # 网站标识码
    icp: str = ""  # ICP备案号
    police: str = ""  # 公安备案号
    contact: str = ""
    report_url: str = ""  # 纠错
    badge_url: str = ""  # 党政机关网站标识

    @property
    def police_code(self) -> str:
        """The record's digits, which beian.gov.cn looks it up by (蒙公网安备 15040302000123号 -> 15040302000123)."""
        return "".join(c for c in self.police if c.isdigit() and c.isascii())

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


# What a bulletin's 索引号 pattern may name (site.yaml `index_number:`).
INDEX_NUMBER_FIELDS = ("site_code", "year", "month", "day", "seq", "round")


def index_number(config: SiteConfig, round_id: str) -> str:
    """The 索引号 of a round's bulletin from the site's pattern; "" without a pattern. seq is
    the round's number among the site's rounds (1 for the oldest), so it never changes once published."""
    if not config.index_number:
        return ""
    position = next((i for i, r in enumerate(config.rounds) if r.id == round_id), 0)
    date = config.rounds[position].date
    footer = config.footer or Footer()
    return config.index_number.format(site_code=footer.site_code, year=date.year, month=date.month, day=date.day,
                                      seq=position + 1, round=round_id)


def load_site_config(site_dir: Path) -> tuple[SiteConfig, SourceDocument]:
    path = site_dir / "site.yaml"
    if not path.is_file():
        raise ContentError([Problem(Location("site.yaml", 1, 1), "",
                                    _("no site.yaml in {folder}; run the command in the site's folder or pass "
                                      "--site DIR", folder=site_dir))])
    document = read_yaml_file(path, site_dir)
    data, problems = check_document(document, SITE_SCHEMA, N_("site.yaml"))
    if data is not None:
        problems += _check_rounds(document, data["rounds"])
        problems += _check_index_number(document, data)
        problems += _check_footer_links(document, data)
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
            if first == entry["id"]:
                message = _("round '{round}' is listed twice (first at line {line}); each round needs its own id",
                            round=entry["id"], line=line)
            else:
                message = _("round '{round}' differs only in case from '{first}' (at line {line}); each round "
                            "needs its own id", round=entry["id"], first=first, line=line)
            checker.report(("rounds", index, "id"), message)
        seen.setdefault(folded, index)
        for number, correction in enumerate(entry.get("corrections") or ()):
            unit_field = correction["field"] in UNIT_FIELDS
            if unit_field and not correction.get("unit"):
                checker.report(("rounds", index, "corrections", number, "field"),
                               _("'{field}' is a unit's field: add unit: <unit id>, or use one of {fields} to "
                                 "correct the site's own value", field=correction["field"],
                                 fields=pgettext("list", ", ").join(SITE_FIELDS)))
            elif correction.get("unit") and not unit_field:
                checker.report(("rounds", index, "corrections", number, "field"),
                               _("a unit's correction names field: {fields}; '{field}' is the site's own: "
                                 "remove unit:", fields=pgettext("list", " or ").join(UNIT_FIELDS),
                                 field=correction["field"]))
        if index and entry["date"] < rounds[index - 1]["date"]:
            checker.report(("rounds", index, "date"),
                           _("{date} is before the previous round's date {previous}; list rounds oldest first",
                             date=entry["date"], previous=rounds[index - 1]["date"]))
    # A draft before a public round would, once published, change the history pages of the
    # rounds after it: drafts come last, and are published in order.
    public = [index for index, entry in enumerate(rounds) if not entry.get("draft")]
    for index, entry in enumerate(rounds):
        later = next((rounds[after]["id"] for after in public if after > index), None)
        if entry.get("draft") and later is not None:
            checker.report(("rounds", index, "draft"),
                           _("round {round} is a draft but round {later} after it is public: drafts come after "
                             "every public round. Remove draft: true here, or mark {later} draft: true too (if it "
                             "is not published yet)",
                             round=entry["id"], later=later))
    return checker.problems


def _check_index_number(document: SourceDocument, data: dict):
    """The 索引号 pattern: placeholders as a translation's are (i18n), named among INDEX_NUMBER_FIELDS,
    a number format only on a number, and site_code only when footer: site_code is set."""
    pattern = data.get("index_number")
    if not pattern:
        return []
    checker = Checker(document)
    why = _placeholder_problem(pattern)
    if not why:
        for _literal, name, spec, _conversion in string.Formatter().parse(pattern):
            if name is None:
                continue
            if name not in INDEX_NUMBER_FIELDS:
                why = _("'{{{name}}}' is not a value a 索引号 may use; use {fields}", name=name,
                        fields=pgettext("list", ", ").join("{" + field + "}" for field in INDEX_NUMBER_FIELDS))
            elif spec and name in ("site_code", "round"):
                why = _("'{{{name}:{spec}}}' formats a number, but {name} is text: write {{{name}}}",
                        name=name, spec=spec)
            elif name == "site_code" and not (data.get("footer") or {}).get("site_code"):
                why = _("the pattern uses {placeholder} but footer: site_code is not set; add the 网站标识码 under "
                        "footer:, or remove {placeholder}", placeholder="{site_code}")
            if why:
                break
    if why:
        checker.report(("index_number",), why)
    return checker.problems


def _check_footer_links(document: SourceDocument, data: dict):
    """The footer's links open another site: a web address, never javascript: or a file."""
    checker = Checker(document)
    for key in ("report_url", "badge_url"):
        written = str((data.get("footer") or {}).get(key) or "").strip()
        if written and not re.match(r"https?://[^\s/]+", written, re.IGNORECASE):
            checker.report(("footer", key), _("'{value}' is not a web address; write it as it appears in the "
                                              "browser, starting with https:// or http://", value=written))
    return checker.problems


def parse_site_config(data: dict) -> SiteConfig:
    return SiteConfig(
        title=data["title"],
        publisher=data["publisher"],
        language=data.get("language", "zh-CN"),
        supervision_phone=data["supervision"]["phone"],
        supervision_note=data["supervision"].get("note", ""),
        base_url=data.get("base_url", ""),
        rounds=tuple(RoundConfig(r["id"], r["title"], r["date"], tuple(
            RoundCorrection(c["date"], c["reason"], c["field"], c["value"], c.get("unit", ""))
            for c in r.get("corrections") or ()), intro=r.get("intro", ""), draft=r.get("draft", False),
            document_number=r.get("document_number", ""))
            for r in data["rounds"]),
        id=data.get("id", ""),
        search_shard_size=max(1, int((data.get("search") or {}).get("shard_size", 5_000))),
        import_columns=tuple(((data.get("import") or {}).get("columns") or {}).items()),
        footer=Footer(**{key: str(value).strip() for key, value in (data.get("footer") or {}).items()}),
        index_number=data.get("index_number", ""),
        subject=data.get("subject", ""),
    )


def current_site(config: SiteConfig) -> ShownSite:
    """What site.yaml says now: what a round not recorded in the ledger shows."""
    return ShownSite(config.title, config.publisher, config.supervision_phone, config.supervision_note)


SITE_ATTRIBUTES = {"title": "title", "publisher": "publisher", "supervision.phone": "supervision_phone",
                   "supervision.note": "supervision_note"}


@dataclass(frozen=True)
class AppliedCorrection:
    correction: RoundCorrection
    before: str  # what the round showed until this correction


def shown_round(config: SiteConfig, round_config: RoundConfig, current_units: tuple[ShownUnit, ...]
                ) -> tuple[ShownSite, dict[str, ShownUnit], tuple[AppliedCorrection, ...]]:
    """What a round's pages show of the site and of each unit: the values the ledger recorded
    when it was published (the current ones when it recorded none), with the round's declared
    corrections applied in date order. A correction of an unknown unit is left out (the ledger
    check reports it)."""
    record = round_config.record
    site = record.site if record is not None else current_site(config)
    units = {unit.id: unit for unit in (record.units if record is not None else current_units)}
    applied = []
    for correction in sorted(round_config.corrections, key=lambda c: c.date):
        if correction.unit:
            unit = units.get(correction.unit)
            if unit is None:
                continue
            before = getattr(unit, correction.field)
            units[unit.id] = replace(unit, **{correction.field: correction.value})
        else:
            attribute = SITE_ATTRIBUTES[correction.field]
            before = getattr(site, attribute)
            site = replace(site, **{attribute: correction.value})
        applied.append(AppliedCorrection(correction, before))
    return site, units, tuple(applied)


def declared_language(site_dir: Path) -> str | None:
    """The `language:` site.yaml names, read leniently before anything is checked: it picks
    the language of the messages about everything else, site.yaml's own mistakes included.
    None when there is no site.yaml, it cannot be read, or it names no language."""
    try:
        with open(site_dir / "site.yaml", "rb") as handle:
            head = handle.read(1 << 20).decode("utf-8-sig", errors="replace")
    except OSError:
        return None
    match = re.search(r"^language\s*:\s*['\"]?([^'\"#\s]+)", head, re.MULTILINE)
    if not match:
        return None
    written = match.group(1).strip()
    synonyms = {name.casefold(): language for name, language in LANGUAGE_SYNONYMS}
    return written if written in LANGUAGES else synonyms.get(written.casefold())
