"""Loading and validating the content tree: content/units.yaml and content/<round>/<unit>.yaml.

Every file is read and checked before anything is built, and every problem
of every file is reported at once, each with its file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import SiteConfig
from .messages import N_, _
from .problems import ContentError, Location, Problem, did_you_mean
from .schema import Checker, Date, DayOrMonth, Field, Identifier, ListOf, Number, OneOf, Record, Text, check_document
from .source import SourceDocument, read_yaml_file
from .layout import CONTENT, LEDGER_FILE, UNITS_FILE, UNITS_FILE_YML

STATUSES = ("not_started", "in_progress", "completed", "suspended", "cancelled")
# How staff say it in Chinese; spelling similarity cannot suggest these.
STATUS_SYNONYMS = (
    ("未开始", "not_started"), ("尚未开始", "not_started"), ("未启动", "not_started"),
    ("进行中", "in_progress"), ("施工中", "in_progress"), ("推进中", "in_progress"),
    ("正在推进", "in_progress"), ("实施中", "in_progress"),
    ("已完成", "completed"), ("完成", "completed"), ("已办结", "completed"),
    ("暂停", "suspended"), ("已暂停", "suspended"),
    ("取消", "cancelled"), ("已取消", "cancelled"),
)
# What the site shows for each status (templates/i18n/zh-CN.yaml): accepted as written. In the
# order a bad status lists them, the most written first.
STATUS_LABELS = (("已完成", "completed"), ("推进中", "in_progress"), ("未启动", "not_started"),
                 ("暂缓", "suspended"), ("已取消", "cancelled"))
# What each status means, shown by editors beside the value (JSON Schema, `python build.py schema`).
STATUS_DOCS = (("not_started", N_("work has not started yet")),
               ("in_progress", N_("work is under way")),
               ("completed", N_("the pledge is fulfilled")),
               ("suspended", N_("work is paused for now")),
               ("cancelled", N_("the project was dropped")))
YAML_SUFFIXES = (".yaml", ".yml")

UNIT_SCHEMA = Record((
    Field("id", Identifier(reserved=(("index", N_("each round's bulletin page, rounds/<round>/index.html")),)), True,
          N_("stable name of the unit; its files are named <id>.yaml")),
    Field("name", Text(), True, N_("the unit's name, e.g. 区委办公室")),
    Field("group", Text(), True, N_("the group it is listed under, e.g. 镇乡街 or 区直部门")),
    Field("order", Number(minimum=None), False, N_("position in lists (smaller first)")),
))

UNITS_FILE_SCHEMA = Record((
    Field("units", ListOf(UNIT_SCHEMA, allow_empty=False), True, N_("every unit that publishes projects")),
))

PROJECT_SCHEMA = Record((
    Field("id", Identifier(), True, N_("stable name of the project within its unit, the same in every round")),
    Field("title", Text(), True, N_("领办项目: what was pledged")),
    Field("status", OneOf(STATUSES, STATUS_SYNONYMS, STATUS_LABELS, STATUS_DOCS,
                          invalid=N_("'{value}' is not a valid status{hint}; write {labels} (or {choices})")), True,
          N_("where the project stands: a key (completed) or the label the site shows (已完成)")),
    Field("progress", Text(multiline=True, markdown=True), True, N_("工作进展, in Markdown")),
    Field("due", DayOrMonth(), False, N_("完成时限: a day, 2024-06-30, or a month, 2024-06 (its last day)")),
    Field("lead", Text(), False, N_("领办人: who leads it")),
    Field("category", Text(), False, N_("category or batch, e.g. 人居环境")),
    Field("location", Text(), False, N_("village, community or street concerned")),
    Field("funding", Record((
        Field("amount", Number(), True, N_("amount of money")),
        Field("unit", Text(), True, N_("currency unit, e.g. 元 or 万元")),
    )), False, N_("money committed")),
    Field("target", Record((
        Field("name", Text(), True, N_("what is counted, e.g. 划定车位")),
        Field("planned", Number(positive=True), True, N_("how many were pledged")),
        Field("done", Number(), True, N_("how many are done so far")),
        Field("unit", Text(), False, N_("unit of the count, e.g. 个")),
    )), False, N_("a quantitative target; shown with its completion rate")),
    Field("updated", Date(), False, N_("date of the latest progress, e.g. 2021-08-20")),
))

CORRECTION_SCHEMA = Record((
    Field("date", Date(), True, N_("when the correction was made")),
    Field("reason", Text(multiline=True), True, N_("why the published text was changed")),
    Field("project", Identifier(), True, N_("id of the corrected project")),
    Field("state", Text(), False, N_("the project as corrected, as the build reports it (e.g. dkfpaimcobhe): "
                                     "a later edit then needs a correction of its own")),
    Field("redact", Text(), False, N_("text published by mistake (an ID or mobile number), removed from every "
                                      "copy of this file: the pages say that something was removed, never what")),
))

UNIT_ROUND_SCHEMA = Record((
    Field("projects", ListOf(PROJECT_SCHEMA), True, N_("the unit's projects in this round, in order")),
    Field("corrections", ListOf(CORRECTION_SCHEMA), False,
          N_("declared changes to a published round, shown as correction notices (更正)")),
))


@dataclass(frozen=True)
class UnitFile:
    round_id: str
    unit_id: str
    projects: tuple[dict, ...]
    document: SourceDocument
    corrections: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Content:
    units: tuple[dict, ...]
    unit_files: tuple[UnitFile, ...]


@dataclass(frozen=True)
class SourceFile:
    """A unit's file in one round, found but not read yet."""

    round_id: str
    unit_id: str
    path: Path


@dataclass(frozen=True)
class ContentTree:
    """What content/ holds, checked for its shape only: the registry and, per unit, its files."""

    units: tuple[dict, ...]
    files: dict[str, tuple[SourceFile, ...]]  # unit id -> its files, oldest round first
    problems: tuple[Problem, ...]
    # units.yaml as read (None: missing or unreadable), for the warnings that locate in it:
    # a province's registry is not parsed twice
    registry: tuple[Path, SourceDocument] | None = None


def scan_content(site_dir: Path, config: SiteConfig, site_document: SourceDocument,
                 ignored_rounds: frozenset[str] = frozenset()) -> ContentTree:
    """The registry read and checked, and every unit file found, without reading them:
    each unit's files can then be read on their own (in parallel, or only when changed)."""
    problems: list[Problem] = []
    content_dir = site_dir / CONTENT
    units, registry = _load_units(site_dir, problems)
    unit_ids = {unit["id"] for unit in units}
    round_ids = [r.id for r in config.rounds]

    for index, round_config in enumerate(config.rounds):
        folder = content_dir / round_config.id
        if round_config.draft:
            continue  # a draft may wait for its files (new-round --empty, files imported later)
        if not folder.is_dir():
            problems.append(Problem(site_document.where(("rounds", index, "id")), f"rounds[{index}].id",
                                    _("content/{round}/ does not exist; create it with one <unit id>.yaml per unit, "
                                      "or remove the round from site.yaml", round=round_config.id)))
        elif not any(not entry.name.startswith(".") for entry in folder.iterdir()):
            problems.append(Problem(site_document.where(("rounds", index, "id")), f"rounds[{index}].id",
                                    _("content/{round}/ holds no unit file, so the round would be published empty; "
                                      "add one <unit id>.yaml per unit, or mark the round draft: true while it is "
                                      "prepared", round=round_config.id)))

    found: dict[str, list[SourceFile]] = {}
    if content_dir.is_dir():
        for entry in sorted(content_dir.iterdir()):
            if (entry.name.startswith(".") or entry.name in (Path(UNITS_FILE).name, Path(UNITS_FILE_YML).name, LEDGER_FILE)
                    or entry.name in ignored_rounds):
                continue
            shown = f"content/{entry.name}"
            if not entry.is_dir():
                problems.append(Problem(Location(shown, 1, 1), "",
                                        _("unexpected file: content/ holds units.yaml and one folder per round")))
            elif entry.name not in round_ids:
                problems.append(Problem(Location(shown + "/", 1, 1), "",
                                        _("round folder '{folder}' is not listed under rounds: in site.yaml{hint}; "
                                          "add it there (python build.py new-round does both), or rename the folder",
                                          folder=entry.name, hint=did_you_mean(entry.name, round_ids))))
            else:
                for source in _scan_round(entry, unit_ids, problems):
                    found.setdefault(source.unit_id, []).append(source)
    order = {round_id: index for index, round_id in enumerate(round_ids)}
    files = {unit_id: tuple(sorted(sources, key=lambda s: order[s.round_id])) for unit_id, sources in found.items()}
    return ContentTree(tuple(units), files, tuple(problems), registry)


def _load_units(site_dir: Path, problems: list[Problem]) -> tuple[list[dict], tuple[Path, SourceDocument] | None]:
    """The registry's units (none when it cannot be used), and the file as read."""
    path = site_dir / UNITS_FILE
    if not path.is_file() and (site_dir / UNITS_FILE_YML).is_file():
        path = site_dir / UNITS_FILE_YML
    if not path.is_file():
        problems.append(Problem(Location("content/units.yaml", 1, 1), "",
                                _("missing: list the units here as 'units:' with id, name and group")))
        return [], None
    try:
        document = read_yaml_file(path, site_dir)
    except ContentError as error:
        problems += error.problems
        return [], None
    data, found = check_document(document, UNITS_FILE_SCHEMA, N_("unit registry"))
    problems += found + _duplicate_ids(document, "units", "unit")
    if data is None:
        return [], (path, document)
    return data["units"], (path, document)


def _scan_round(folder: Path, unit_ids: set[str], problems: list[Problem]) -> list[SourceFile]:
    files = []
    first_file: dict[str, str] = {}  # unit id -> the file found for it
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        shown = f"content/{folder.name}/{path.name}"
        if path.is_dir() or path.suffix not in YAML_SUFFIXES:
            problems.append(Problem(Location(shown, 1, 1), "",
                                    _("unexpected entry: a round folder holds one <unit id>.yaml file per unit")))
            continue
        if unit_ids and path.stem not in unit_ids:
            problems.append(Problem(Location(shown, 1, 1), "",
                                    _("unit '{unit}' is not in content/units.yaml{hint}; add it there or rename the "
                                      "file", unit=path.stem, hint=did_you_mean(path.stem, unit_ids))))
            continue
        if path.stem in first_file:  # u1.yaml and u1.yml: one would silently replace the other
            problems.append(Problem(Location(shown, 1, 1), "",
                                    _("a second file for unit '{unit}' (also {other}); keep only one",
                                      unit=path.stem, other=first_file[path.stem])))
            continue
        first_file[path.stem] = shown
        files.append(SourceFile(folder.name, path.stem, path))
    return files


def load_unit_file(site_dir: Path, source: SourceFile, problems: list[Problem]) -> UnitFile | None:
    """Read and check one unit file; its problems are added to `problems`."""
    try:
        document = read_yaml_file(source.path, site_dir)
    except ContentError as error:
        problems += error.problems
        return None
    data, found = check_document(document, UNIT_ROUND_SCHEMA, N_("unit's project list"))
    duplicates = _duplicate_ids(document, "projects", "project")
    problems += found + duplicates
    if data is None or duplicates:
        return None
    return UnitFile(source.round_id, source.unit_id, tuple(data["projects"]), document,
                    tuple(data.get("corrections") or ()))


# By what an id names: (the same id written twice, one that differs only in case).
_DUPLICATE_MESSAGES = {
    "project": (N_("project id '{id}' repeats the same id at line {line}; each project needs its own id"),
                N_("project id '{id}' repeats an id that differs only in case ('{other}') at line {line}; each "
                   "project needs its own id")),
    "unit": (N_("unit id '{id}' repeats the same id at line {line}; each unit needs its own id"),
             N_("unit id '{id}' repeats an id that differs only in case ('{other}') at line {line}; each unit "
                "needs its own id")),
}


def _duplicate_ids(document: SourceDocument, key: str, what: str) -> list[Problem]:
    """Ids must be unique, and unique ignoring case: on Windows and macOS disks
    `A.html` and `a.html` are the same file.

    Checked on the data as written, not only once the whole file is valid, so a
    repeated id is reported in the same run as a misspelt status beside it."""
    items = document.data.get(key) if isinstance(document.data, dict) else None
    if not isinstance(items, list):
        return []
    checker = Checker(document)
    first: dict[str, int] = {}
    ids: dict[int, str] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or isinstance(item.get("id"), (dict, list, type(None))):
            continue
        ids[index] = document.raw((key, index, "id")) or str(item["id"])  # `id: 010` is "010"
        folded = ids[index].casefold()
        if folded in first:
            other = ids[first[folded]]
            line = document.where((key, first[folded], "id")).line
            message = _DUPLICATE_MESSAGES[what][other != ids[index]]
            checker.report((key, index, "id"), _(message, id=ids[index], other=other, line=line))
        else:
            first[folded] = index
    return checker.problems
