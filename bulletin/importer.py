"""`python build.py import FILE --round ROUND`: what staff already have, as a round's unit files.

A reader (sheets.py for workbooks and CSV, textbulletin.py for a published text bulletin)
gives the projects with every value as staff see it and the cell or line it came from; this
module decides what they mean: which unit a name stands for, which status a word means,
which id a project keeps (the previous round's, so that its history continues), and writes
one `content/<round>/<unit>.yaml` per unit that looks written by hand and passes `check`.

Nothing is written while anything is wrong: every problem is reported at its cell, at once.
Whatever staff should confirm (a title matched by similarity, a status guessed from the
progress, a deadline that is not a date) is listed in the summary and marked `# 请核对` in
the file, beside the value.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .config import RoundConfig, load_site_config
from .content import (PROJECT_SCHEMA, STATUS_LABELS, STATUS_SYNONYMS, STATUSES, UNIT_ROUND_SCHEMA, SourceFile,
                      load_unit_file)
from .files import write_whole
from .imported import ImportedDocument, ImportedProject, ImportedValue, ImportProblem, SourceRef
from .search import to_simplified  # a Traditional name or status word (區委辦公室, 推進中) is the Simplified one
from .jsonschema_export import SchemaProblem, ensure_schemas, modeline, with_modeline
from .layout import CONTENT
from .loader import read_site
from .messages import _, ngettext, pgettext
from .model import CLOSED_STATUSES
from .newround import without_corrections, without_header_comments
from .problems import ContentError, Problem, closest, halfwidth, printable, shown_field
from .schema import WINDOWS_RESERVED, Checker, Record, Type, check_document, listed
from .source import MAX_FILE_BYTES, SourceDocument, decode_text, parse_yaml

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv")
TEXT_SUFFIXES = (".txt",)
# Backups of the files `--force` replaced: a hidden folder, which the content scan skips.
BACKUP_FOLDER = ".import-backup"
# The order of a project's keys in a file written by hand (README, "Content contract").
KEY_ORDER = ("id", "title", "status", "progress", "lead", "category", "location", "funding", "target", "due",
             "updated")
# A title similar enough to a title of the previous round to be taken for the same project
# (difflib's ratio over the titles' letters and digits): survives 项目 added or a word changed.
SIMILAR_AT_LEAST = 0.75
ID_LENGTH = 12  # a new id from the initials of the title: readable, and short in web addresses
LONG_TEXT = 100  # characters: a one-line value longer than this is written as a block


class ImportFailure(ContentError):
    """Problems at the cells of the imported file (and refusals to overwrite), in the file's order."""

    def __init__(self, problems):
        self.problems = sorted(problems, key=_problem_order)
        Exception.__init__(self, "\n".join(str(p) for p in self.problems))


class ImportStop(Exception):
    """The import cannot start (no such round, an unknown --unit, a file of an unknown kind)."""


# ---------------------------------------------------------------------------------------------
# Statuses as ledgers write them.

# Beyond the contract's keys, the site's labels and content.STATUS_SYNONYMS: the words and the
# classes against the expected pace (按序时, 超序时, 慢序时) real ledgers use.
STATUS_VARIANTS = (
    ("完成", "completed"), ("已完成", "completed"), ("已办结", "completed"), ("办结", "completed"),
    ("已完工", "completed"), ("已竣工", "completed"),
    ("进行中", "in_progress"), ("正在推进", "in_progress"), ("推进中", "in_progress"), ("解决中", "in_progress"),
    ("持续推进", "in_progress"), ("正在实施", "in_progress"), ("实施中", "in_progress"), ("在建", "in_progress"),
    ("按序时", "in_progress"), ("超序时", "in_progress"), ("慢序时", "in_progress"), ("滞后", "in_progress"),
    ("未启动", "not_started"), ("未开工", "not_started"), ("未开始", "not_started"),
    ("暂缓", "suspended"), ("暂停", "suspended"),
    ("取消", "cancelled"), ("已取消", "cancelled"),
)
_STATUS_WORDS = {word: status for word, status in (*STATUS_SYNONYMS, *STATUS_LABELS, *STATUS_VARIANTS)}
# A 是否完成 column answers yes or no, and a pace column may say only 未完成: "not completed"
# tells no status of its own, so the progress decides (staff confirm). Kept out of
# _STATUS_WORDS: a progress opening with 是，… states no status.
_YES_WORDS = ("是", "√", "✓", "✔", "已", "Y", "YES", "TRUE")
_NOT_COMPLETED_WORDS = ("否", "×", "✗", "✘", "未", "未完成", "尚未完成", "没有完成", "未办结", "未完工", "N", "NO", "FALSE")
_LABELS = {status: label for label, status in STATUS_LABELS}

# Words in a progress text that tell how a project stands, when the file has no status. The
# first one written decides (工作进展: 已完成。… or 解决中。…); staff confirm every guess.
_STATUS_CLUES = (
    ("completed", r"已完成|全部完成|已全部[^。；;，,]{0,12}完毕|全部[^。；;，,]{0,8}完毕|已建成|建成投用|已投入使用"
                  r"|已竣工|已办结"),
    ("in_progress", r"解决中|推进中|进行中|实施中|施工中|正在|正与|正抓紧|持续推进|下一步|将继续"),
    ("not_started", r"未启动|尚未开始|未开工"),
)
_CLUE = re.compile("|".join(f"(?P<{status}>{words})" for status, words in _STATUS_CLUES))


def status_name(status: str) -> str:
    """A status as the site shows it, in the active language."""
    names = {"not_started": pgettext("status", "not started"), "in_progress": pgettext("status", "in progress"),
             "completed": pgettext("status", "completed"), "suspended": pgettext("status", "suspended"),
             "cancelled": pgettext("status", "cancelled")}
    return names[status]


def status_of_word(written: str) -> str | None:
    """The status a ledger's word means, or None."""
    word = to_simplified(halfwidth(written)).strip().strip("。.，,；;！!").strip()
    if word.casefold() in STATUSES:
        return word.casefold()
    return _STATUS_WORDS.get(word)


# A published bulletin has no status column: it opens the progress with the status when it
# states one (工作进展:已完成。根据… / 解决中。2021年…). That word is the status, not progress.
_OPENING_STATUS = re.compile(r"\s*(?P<word>" + "|".join(sorted(map(re.escape, _STATUS_WORDS), key=len, reverse=True))
                             + r")\s*[。.，,；;！!]\s*(?P<rest>\S.*)", re.DOTALL)


def opening_status(progress: str) -> tuple[str, str, str] | None:
    """(the status word a progress opens with, its status, the progress after it), or None."""
    found = _OPENING_STATUS.fullmatch(progress)
    if not found:
        return None
    return found.group("word"), _STATUS_WORDS[found.group("word")], found.group("rest")


def guessed_status(progress: str) -> tuple[str, str]:
    """(status, the words that suggest it) from a progress text; ("in_progress", "") when nothing does."""
    found = _CLUE.search(progress)
    if not found:
        return "in_progress", ""
    return found.lastgroup, found.group()


# ---------------------------------------------------------------------------------------------
# Units, titles and ids.

_BRACKETS = "()（）[]［］【】〔〕<>《》〈〉「」『』\"'“”‘’"


def unit_key(name: str) -> str:
    """A unit's name compared ignoring spaces, brackets and full-width forms: 区委办公室（机关）
    and 区委办公室(机关) are one unit."""
    return "".join(c for c in to_simplified(halfwidth(name)).casefold() if not c.isspace() and c not in _BRACKETS)


def title_key(title: str) -> str:
    """A title compared as the same title: full-width forms, case, spaces and the marks a ledger
    puts on a title (★ for a project the people's congress chose) aside."""
    return "".join(c for c in halfwidth(title).casefold() if not c.isspace() and c not in _TITLE_MARKS)


_TITLE_MARKS = "★☆※▲△●○◆◇■□"


def similarity_key(title: str) -> str:
    """A title's letters and digits only, for the similarity of two titles."""
    return "".join(c for c in halfwidth(title).casefold() if c.isalnum())


def new_id(title: str) -> str:
    """A readable id from the initials of a title's pinyin (下荒村路灯修复 -> xhcldxf), a-z and
    0-9, at most ID_LENGTH characters; '' when the title gives none."""
    from pypinyin import Style, lazy_pinyin  # only an import needs it

    words = title.strip()
    for ending in ("项目", "工程"):  # most titles end so: the initials would say nothing
        if words.endswith(ending) and len(words) > len(ending):
            words = words[:-len(ending)]
            break
    initials = "".join(lazy_pinyin(halfwidth(words), style=Style.FIRST_LETTER)).lower()
    return re.sub(r"[^a-z0-9]", "", initials)[:ID_LENGTH]


def unique_id(base: str, taken: set[str]) -> str:
    """base, or base-2, base-3 … the first not in `taken` (compared ignoring case), nor a device
    name, nor a word other YAML readers take for true, false or a number (no, on, 2021)."""
    base = base or "xm"  # 项目
    candidate, number = base, 1
    while (candidate.casefold() in taken or candidate.upper() in WINDOWS_RESERVED
           or _RESOLVER.resolve(yaml.ScalarNode, candidate, (True, False)) != "tag:yaml.org,2002:str"):
        number += 1
        candidate = f"{base}-{number}"
    taken.add(candidate.casefold())
    return candidate


# ---------------------------------------------------------------------------------------------
# Values checked as the checker checks them, each problem at its cell.

def _field_types(record: Record, prefix: str = "") -> dict[str, Type]:
    types: dict[str, Type] = {}
    for spec in record.fields:
        key = f"{prefix}{spec.name}"
        if isinstance(spec.type, Record):
            types.update(_field_types(spec.type, key + "."))
        else:
            types[key] = spec.type
    return types


FIELD_TYPES = _field_types(PROJECT_SCHEMA)


def checked(key: str, text: str) -> tuple[Any, list[str]]:
    """(the value as the checker reads it, or None; its problems) for text of field `key`."""
    document = SourceDocument(key, {key: text})
    checker = Checker(document)
    value = FIELD_TYPES[key].check(text, (key,), checker)
    return value, [problem.message for problem in checker.problems]


_DAY = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?\s*(?:前|之前|以前)?")
_MONTH = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月份?)?\s*(?:底|末|中旬|下旬)?\s*(?:前|之前|以前)?")
_YEAR_END = re.compile(r"(\d{4})\s*年\s*(?:底|末|年底|年末)\s*(?:前|之前|以前)?")


def due_text(written: str) -> str | None:
    """A deadline as the contract writes it (2024-06-30, 2024-06), or None when it names no
    month of a year (6月底前, 年底前, 长期坚持)."""
    text = halfwidth(written).strip()
    day = _DAY.fullmatch(text)
    if day:
        year, month, number = day.groups()
        return f"{year}-{int(month):02d}-{int(number):02d}"
    month = _MONTH.fullmatch(text)
    if month:
        return f"{month.group(1)}-{int(month.group(2)):02d}"
    year_end = _YEAR_END.fullmatch(text)
    if year_end:
        return f"{year_end.group(1)}-12"
    return None


def date_text(written: str) -> str:
    """2021年8月24日, 2021/8/24, 2021.8.24 as 2021-08-24; anything else as written."""
    day = _DAY.fullmatch(halfwidth(written).strip())
    if day:
        year, month, number = day.groups()
        return f"{year}-{int(month):02d}-{int(number):02d}"
    return written


# ---------------------------------------------------------------------------------------------
# The plan: what each unit's file will hold, and what staff should know.

@dataclass(frozen=True)
class Unit:
    id: str
    name: str


@dataclass(frozen=True)
class Earlier:
    """A unit's projects in the previous round, and every id it used before."""

    round_id: str
    path: Path
    projects: tuple[dict, ...]
    ids: frozenset[str]  # casefolded, of every earlier round


@dataclass(frozen=True)
class Note:
    """Something staff should confirm: shown in the summary at its cell, written beside the field."""

    where: SourceRef
    key: str  # the field it is about; "" for the project as a whole
    text: str


@dataclass
class _Draft:
    """A project while its values are read (a working record, not kept)."""

    index: int
    source: ImportedProject
    unit_id: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    id: str = ""
    # "id": the file's id column names a previous project; "own": an id column's new id;
    # "same": the previous project of the same title; "similar": of a similar title; "new"
    match: str = "new"
    ratio: float = 0.0
    previous_title: str = ""


@dataclass(frozen=True)
class PlannedProject:
    where: SourceRef
    values: dict[str, Any]  # by key, in KEY_ORDER, funding and target as dicts
    notes: tuple[Note, ...]
    match: str
    ratio: float
    previous_title: str


@dataclass(frozen=True)
class PlannedFile:
    unit: Unit
    relative: str  # content/<round>/<unit>.yaml, as staff see it
    text: str
    projects: tuple[PlannedProject, ...]
    previous: Earlier | None
    missing: tuple[dict, ...]  # previous round's projects not in the file
    action: str = "new"  # "new", "copy" (an unedited new-round copy), "same" (already so), "replace"


@dataclass(frozen=True)
class ImportPlan:
    source: str
    round: RoundConfig
    files: tuple[PlannedFile, ...]
    facts: tuple[str, ...]
    mappings: tuple[tuple[str, str, int], ...]  # (word as written, status, projects)
    openings: tuple[tuple[str, str, int], ...]  # the same, for status words opening the progress


def _problem_order(problem) -> tuple:
    if isinstance(problem, ImportProblem):
        where = problem.where
        cell = re.fullmatch(r"([A-Z]+)(\d+)", where.cell)
        column = 0
        for letter in cell.group(1) if cell else "":
            column = column * 26 + ord(letter) - 64
        return (0, where.source, where.sheet, int(cell.group(2)) if cell else 0, column, where.line,
                problem.message)
    return (1, str(problem))


def _present(project: ImportedProject, key: str) -> ImportedValue | None:
    value = project.values.get(key)
    return value if value is not None and value.text.strip() else None


def resolve_unit(written: str, units: tuple[Unit, ...]) -> Unit | None:
    """The unit a written id or name stands for: by id, by name, by name ignoring spaces,
    brackets and full-width forms."""
    text = written.strip()
    for unit in units:
        if text == unit.id or text == unit.name:
            return unit
    folded = unit_key(text)
    for unit in units:
        if folded in (unit.id.casefold(), unit_key(unit.name)):
            return unit
    return None


def _abbreviated(written: str, names: list[str]) -> str | None:
    """The one name `written` shortens, keeping its characters in order (区人大 for
    区人大常委会机关, 区住建局 for 区住房和城乡建设局), or None. Only for a hint: staff confirm."""
    short = unit_key(written)
    if len(short) < 2:
        return None

    def shortens(name: str) -> bool:
        rest = iter(unit_key(name))
        return all(char in rest for char in short)
    found = [name for name in names if shortens(name)]
    return found[0] if len(found) == 1 else None


def _unknown_unit(written: str, units: tuple[Unit, ...]) -> str:
    names = [unit.name for unit in units]
    match = closest(written.strip(), names) or closest(unit_key(written), [unit_key(n) for n in names]) \
        or _abbreviated(written, names)
    if match:
        unit = next((u for u in units if unit_key(u.name) == unit_key(match)), None)
        return _("unit '{value}' is not in content/units.yaml (did you mean '{match}'?); write the name as "
                 "content/units.yaml lists it, or add the unit there", value=written.strip(),
                 match=unit.name if unit else match)
    shown = names[:12] + (["…"] if len(names) > 12 else [])
    return _("unit '{value}' is not in content/units.yaml, whose units are {names}; write one of these names, "
             "add the unit there, or import the file with --unit <unit id> when all of it is one unit's",
             value=written.strip(), names=listed(shown))


def plan_import(site_dir: Path, document: ImportedDocument, round_id: str, unit: str | None = None,
                force: bool = False) -> ImportPlan:
    """Everything an import would write, checked; ImportFailure with every problem at its cell
    (and each edited unit file it would replace, unless `force`), ImportStop when it cannot
    start, ContentError when the site itself has problems."""
    config, _site_document = load_site_config(site_dir)
    round_ids = [r.id for r in config.rounds]
    if round_id not in round_ids:
        near = closest(round_id, round_ids)
        hint = _(" (did you mean '{match}'?)", match=near) if near else ""
        raise ImportStop(_("round '{round}' is not in site.yaml{hint}; start it first with python build.py new-round "
                           "{round} --title 第N轮公布 --date YYYY-MM-DD --empty, then import into it",
                           round=round_id, hint=hint))
    target_round = config.rounds[round_ids.index(round_id)]
    sources = read_site(site_dir)
    if any(p.round_id == round_id for p in sources.ledger):
        raise ImportStop(_("round '{round}' is published: its files can no longer change. Start the next round "
                           "with python build.py new-round ... --empty and import into that one", round=round_id))
    if not sources.tree.units:
        raise ContentError([p for p in sources.problems if p.location.path.startswith("content/units.")]
                           or sources.problems)
    units = tuple(Unit(u["id"], u["name"]) for u in sources.tree.units)

    forced = None
    if unit is not None:
        forced = resolve_unit(unit, units)
        if forced is None:
            raise ImportStop(_("--unit: {reason}", reason=_unknown_unit(unit, units)))

    problems: list[ImportProblem] = list(document.problems)
    mappings: dict[tuple[str, str], int] = {}
    openings: dict[tuple[str, str], int] = {}
    confirm_by_index: dict[int, list[tuple[str, str]]] = {}
    for index, key, why in document.to_confirm:
        confirm_by_index.setdefault(index, []).append((key, why))

    drafts: list[_Draft] = []
    for index, project in enumerate(document.projects):
        draft = _Draft(index, project)
        problems += _read_values(draft, units, forced, mappings, openings)
        for key, why in confirm_by_index.get(index, ()):
            where = project.values[key].where if key in project.values else project.where
            draft.notes.append(Note(where, key, why))
        drafts.append(draft)

    by_unit: dict[str, list[_Draft]] = {}
    for draft in drafts:
        if draft.unit_id:
            by_unit.setdefault(draft.unit_id, []).append(draft)
    problems += _repeated_titles(by_unit)

    earlier_rounds = round_ids[:round_ids.index(round_id)]
    files = []
    for unit_entry in units:  # in the registry's order
        if unit_entry.id not in by_unit:
            continue
        unit_files = sources.unit_files.get(unit_entry.id, ())
        # a broken earlier file is reported with the rest: its ids could not be kept
        previous = _earlier(site_dir, [f for f in unit_files if f.round_id in earlier_rounds], problems)
        unit_drafts = by_unit[unit_entry.id]
        problems += _assign_ids(unit_drafts, previous)
        existing = next((f.path for f in unit_files if f.round_id == round_id), None)
        name = existing.name if existing else f"{unit_entry.id}.yaml"
        relative = f"{CONTENT}/{round_id}/{name}"
        planned = tuple(_planned(d) for d in unit_drafts)
        text = render_unit_file(relative, unit_entry, target_round, document.source, planned)
        matched = {d.id.casefold() for d in unit_drafts}
        missing = tuple(p for p in (previous.projects if previous else ()) if str(p["id"]).casefold() not in matched)
        action, refusal = _action(site_dir, existing, relative, text, previous, round_id)
        if refusal and not force:
            problems.append(ImportProblem(SourceRef(relative), refusal))
        files.append(PlannedFile(unit_entry, relative, text, planned, previous, missing, action))
    if not document.projects and not problems:
        problems.append(ImportProblem(SourceRef(document.source), _("no project was found in this file")))
    if not problems:  # a file with a missing title would only repeat its problems here
        for planned_file in files:
            problems += _self_check(planned_file.text, planned_file.relative, planned_file.projects)
    if problems:
        raise ImportFailure(problems)
    return ImportPlan(document.source, target_round, tuple(files), document.facts,
                      tuple((word, status, count) for (word, status), count in mappings.items()),
                      tuple((word, status, count) for (word, status), count in openings.items()))


def _repeated_titles(by_unit: dict[str, list[_Draft]]) -> list[ImportProblem]:
    """A title twice in one unit: the same rows imported twice (a sheet per month, a table
    pasted twice), which would show as two projects. Reported at the second title's cell."""
    problems = []
    for unit_drafts in by_unit.values():
        first_of: dict[str, _Draft] = {}
        for draft in unit_drafts:
            if "title" not in draft.values or draft.match == "id":
                continue  # an id column tells the projects apart
            key = title_key(draft.values["title"])
            first = first_of.setdefault(key, draft)
            if first is not draft:
                problems.append(ImportProblem(draft.source.values["title"].where, _(
                    "{field}: '{value}' is also the title of another project of this unit ({where}); if the file "
                    "holds the same projects twice (a sheet per month), import only the latest sheet (copy it into "
                    "a file of its own); if they are two projects, tell them apart in their titles (a place, a "
                    "batch)", field=shown_field("title"), value=draft.values["title"],
                    where=first.source.values["title"].where)))
    return problems


def _read_values(draft: _Draft, units: tuple[Unit, ...], forced: Unit | None,
                 mappings: dict[tuple[str, str], int], openings: dict[tuple[str, str], int]) -> list[ImportProblem]:
    """The project's unit and values read and checked; the problems, each at its cell."""
    project = draft.source
    problems: list[ImportProblem] = []

    def problem(where: SourceRef, message: str) -> None:
        problems.append(ImportProblem(where, message))

    def at_cell(key: str, messages: list[str]) -> None:
        for message in messages:
            problem(project.values[key].where, _("{field}: {message}", field=shown_field(key), message=message))

    if forced is not None:
        draft.unit_id = forced.id
    else:
        written = _present(project, "unit")
        if written is None:
            problem(project.where, _("this project names no unit: fill in its unit (责任单位), or import the file "
                                     "with --unit <unit id> when all of it is one unit's"))
        else:
            found = resolve_unit(written.text, units)
            if found is None:
                problem(written.where, _unknown_unit(written.text, units))
            else:
                draft.unit_id = found.id

    values = draft.values
    for key in ("title", "progress"):
        present = _present(project, key)
        stated = _present(project, "status")
        if present is None and key == "progress" and stated is not None:
            # A bulletin that gives only the state (1、…项目（已完成）): what it published is the progress.
            present = ImportedValue(stated.text.strip(), stated.where)
            draft.notes.append(Note(stated.where, "progress", _(
                "the file gives no progress, only the status '{word}': it is imported as the progress; add what "
                "was done", word=stated.text.strip())))
        if present is None:
            problem(project.where, _("this project has no {field}; fill it in", field=shown_field(key)))
            continue
        value, messages = checked(key, present.text)
        at_cell(key, messages)
        if value is not None:
            values[key] = present.text.strip()  # as read: the checker's reading only confirms it is valid

    written_id = _present(project, "id")
    if written_id is not None:
        value, messages = checked("id", written_id.text.strip())
        at_cell("id", messages)
        if value is not None:
            draft.id, draft.match = value, "id"

    status = _present(project, "status")
    answer = halfwidth(status.text).strip().strip("。.").upper() if status is not None else ""
    if status is not None and status_of_word(status.text) is None and answer in _YES_WORDS:
        values["status"] = "completed"
        mappings[(status.text.strip(), "completed")] = mappings.get((status.text.strip(), "completed"), 0) + 1
    elif status is not None and status_of_word(status.text) is None and answer in _NOT_COMPLETED_WORDS:
        guess, _clue = guessed_status(values.get("progress", ""))
        values["status"] = "in_progress" if guess == "completed" else guess
        draft.notes.append(Note(status.where, "status", _(
            "'{value}' says it is not completed; set to {status} from the progress", value=status.text.strip(),
            status=status_name(values["status"]))))
    elif status is not None:
        meant = status_of_word(status.text)
        if meant is None:
            near = closest(status.text.strip(), list(_STATUS_WORDS))
            hint = _(" (did you mean '{match}'?)", match=near) if near else ""
            problem(status.where, _("{field}: '{value}' is not a status word{hint}; write one of {labels}, or leave "
                                    "it empty to have it guessed from the progress. Also accepted: {variants}",
                                    field=shown_field("status"), value=status.text.strip(), hint=hint,
                                    labels=listed(label for label, _status in STATUS_LABELS),
                                    variants=listed(word for word in _STATUS_WORDS if word not in _LABELS.values())))
        else:
            values["status"] = meant
            word = halfwidth(status.text).strip()
            if word.casefold() != meant and word != _LABELS[meant]:
                mappings[(status.text.strip(), meant)] = mappings.get((status.text.strip(), meant), 0) + 1
    elif "progress" in values and opening_status(values["progress"]):
        word, meant, rest = opening_status(values["progress"])
        values["status"], values["progress"] = meant, rest
        openings[(word, meant)] = openings.get((word, meant), 0) + 1
    elif "progress" in values:
        guess, clue = guessed_status(values["progress"])
        values["status"] = guess
        where = project.values["progress"].where
        if clue:
            draft.notes.append(Note(where, "status", _("the file gives no status; guessed {status} from '{words}' "
                                                      "in the progress", status=status_name(guess), words=clue)))
        else:
            draft.notes.append(Note(where, "status", _("the file gives no status and the progress does not say; "
                                                      "set to {status} for now", status=status_name(guess))))

    for key in ("lead", "category", "location"):
        present = _present(project, key)
        if present is not None:
            value, messages = checked(key, present.text)
            at_cell(key, messages)
            if value is not None:
                values[key] = present.text.strip()

    for group, required, numbers in (("funding", ("amount", "unit"), ("amount",)),
                                     ("target", ("name", "planned", "done"), ("planned", "done"))):
        found: dict[str, Any] = {}
        bad = False
        for part in ("name", "amount", "planned", "done", "unit"):
            key = f"{group}.{part}"
            present = _present(project, key) if key in FIELD_TYPES else None
            if present is None:
                continue
            value, messages = checked(key, present.text.strip())
            at_cell(key, messages)
            if value is None:
                bad = True
            else:
                found[part] = value if part in numbers else present.text.strip()
        if bad or not found:
            continue
        lacking = [part for part in required if part not in found]
        if not lacking:
            values[group] = {part: found[part] for part in ("name", "amount", "planned", "done", "unit")
                             if part in found}
        elif group == "funding" and "amount" in found:  # an amount without its unit says nothing
            problem(project.values["funding.amount"].where, _(
                "{field}: {value} has no unit (元 or 万元): put it in the column's header, e.g. 总投资（万元）",
                field=shown_field("funding.amount"), value=project.values["funding.amount"].text.strip()))
        elif any(part in found for part in numbers):
            first = next(project.values[f"{group}.{part}"].where for part in found)
            draft.notes.append(Note(first, "", _("{field} left out: it needs {lacking} too",
                                                 field=shown_field(group),
                                                 lacking=listed(shown_field(f"{group}.{p}") for p in lacking))))

    due = _present(project, "due")
    if due is not None:
        normalised = due_text(due.text)
        if normalised is None:
            draft.notes.append(Note(due.where, "due", _("due '{value}' is not a month or a day, so it was left out; "
                                                        "write it like 2024-06 or 2024-06-30 in the file if it "
                                                        "should be shown", value=due.text.strip())))
        else:
            value, messages = checked("due", normalised)
            at_cell("due", messages)
            if value is not None:
                values["due"] = value

    updated = _present(project, "updated")
    if updated is not None:
        value, messages = checked("updated", date_text(updated.text))
        at_cell("updated", messages)
        if value is not None:
            values["updated"] = value.isoformat()
    return problems


def _earlier(site_dir: Path, files: list[SourceFile], problems: list[Problem]) -> Earlier | None:
    """The unit's projects in its latest file before the round, and every id it used before."""
    if not files:
        return None
    ids: set[str] = set()
    projects: tuple[dict, ...] = ()
    for source in files:
        found: list[Problem] = []
        unit_file = load_unit_file(site_dir, source, found)
        problems += found
        if unit_file is not None:
            ids |= {str(p["id"]).casefold() for p in unit_file.projects}
            projects = unit_file.projects
    return Earlier(files[-1].round_id, files[-1].path, projects, frozenset(ids))


def _assign_ids(drafts: list[_Draft], previous: Earlier | None) -> list[ImportProblem]:
    """Each project's id: the file's own, else the previous round's project of the same title,
    else of a similar title (one to one, the most similar pairs first), else a new one."""
    problems = []
    before = list(previous.projects) if previous else []
    before_ids = {str(p["id"]).casefold(): number for number, p in enumerate(before)}
    claimed: set[int] = set()
    taken: dict[str, _Draft] = {}
    for draft in drafts:
        if draft.match != "id":
            continue
        folded = draft.id.casefold()
        if folded in taken:
            problems.append(ImportProblem(draft.source.values["id"].where, _(
                "{field}: '{value}' is also the id of another project of this unit ({where}); each project needs "
                "its own id", field=shown_field("id"), value=draft.id, where=taken[folded].source.values["id"].where)))
            continue
        taken[folded] = draft
        if folded in before_ids:
            claimed.add(before_ids[folded])
            draft.previous_title = before[before_ids[folded]]["title"]
        else:
            draft.match = "own"  # an id of the file's own, new to the previous round
    open_drafts = [d for d in drafts if d.match not in ("id", "own") and "title" in d.values]
    by_title: dict[str, list[int]] = {}
    for number, project in enumerate(before):
        by_title.setdefault(title_key(project["title"]), []).append(number)
    for draft in open_drafts:
        for number in by_title.get(title_key(draft.values["title"]), ()):
            if number not in claimed and str(before[number]["id"]).casefold() not in taken:
                claimed.add(number)
                draft.id, draft.match, draft.ratio = str(before[number]["id"]), "same", 1.0
                draft.previous_title = before[number]["title"]
                taken[draft.id.casefold()] = draft
                break
    unmatched = [d for d in open_drafts if d.match == "new"]
    free = [n for n in range(len(before)) if n not in claimed and str(before[n]["id"]).casefold() not in taken]
    free_keys = {number: similarity_key(before[number]["title"]) for number in free}
    pairs = []
    for draft in unmatched:
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(similarity_key(draft.values["title"]))  # seq2 is the one difflib indexes
        for number in free:
            matcher.set_seq1(free_keys[number])
            if matcher.real_quick_ratio() >= SIMILAR_AT_LEAST and matcher.quick_ratio() >= SIMILAR_AT_LEAST:
                ratio = matcher.ratio()
                if ratio >= SIMILAR_AT_LEAST:
                    pairs.append((-ratio, draft.index, number, draft))
    pairs.sort(key=lambda pair: pair[:3])
    for negative, _index, number, draft in pairs:
        if draft.match != "new" or number in claimed:
            continue
        claimed.add(number)
        draft.id, draft.match, draft.ratio = str(before[number]["id"]), "similar", -negative
        draft.previous_title = before[number]["title"]
        taken[draft.id.casefold()] = draft
        draft.notes.append(Note(draft.source.values["title"].where, "id", _(
            "title similar to \"{previous}\" of round {round} ({percent}%): id {id} kept from it; if it is another "
            "project, give it an id of its own", previous=draft.previous_title, round=previous.round_id,
            percent=round(draft.ratio * 100), id=draft.id)))
    used = set(taken) | set(previous.ids if previous else ())
    for draft in drafts:
        if draft.match == "new" and "title" in draft.values:
            draft.id = unique_id(new_id(draft.values["title"]), used)
    return problems


def _planned(draft: _Draft) -> PlannedProject:
    values = {"id": draft.id, **draft.values}
    ordered = {key: values[key] for key in KEY_ORDER if key in values}
    return PlannedProject(draft.source.where, ordered, tuple(draft.notes), draft.match, draft.ratio,
                          draft.previous_title)


# ---------------------------------------------------------------------------------------------
# Writing YAML as staff would.

_EMITTER = yaml.emitter.Emitter(io.StringIO(), allow_unicode=True)
_RESOLVER = yaml.resolver.Resolver()
# Scalars the loader keeps as typed in a text field or an id (NO, 010, 2021-08-24): see
# schema.Text. Anything else (null, ~, '=', '<<') would not read back as the text.
_KEPT_AS_TYPED = {f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "timestamp")}
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def scalar(text: str, flow: bool = False) -> str:
    """A one-line value, plain when YAML reads it back as typed, else in double quotes."""
    if text and text == text.strip() and not _LINE_BREAKS.search(text):
        analysis = _EMITTER.analyze_scalar(text)
        plain = analysis.allow_flow_plain if flow else analysis.allow_block_plain
        if plain and not analysis.multiline and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) \
                in _KEPT_AS_TYPED:
            return text
    quoted = json.dumps(text, ensure_ascii=False)  # JSON's escapes are YAML's too
    return "".join(f"\\u{ord(c):04x}" if c in "\x85\u2028\u2029" or unicodedata.category(c) in ("Cc", "Cs")
                   else c for c in quoted)


def _number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def _comment(notes: list[str]) -> str:
    text = "；".join(" ".join(note.split()) for note in notes)
    return "  # " + printable(_("To confirm: {notes}", notes=text))


def _block(text: str, indent: str) -> list[str]:
    lines = _LINE_BREAKS.split(text.strip())
    return [f"{indent}{line}" if line.strip() else "" for line in lines]  # as read, spaces at line ends too


def render_unit_file(relative: str, unit: Unit, target_round: RoundConfig, source: str,
                     projects: tuple[PlannedProject, ...]) -> str:
    """The file staff would have written: the editor's schema line, a header, then the projects
    with the usual key order, progress as a block, and `# 请核对` beside what to confirm."""
    header = printable(_("{unit}, {round} ({date}): imported from {file}", unit=unit.name,
                         round=target_round.title, date=target_round.date.isoformat(), file=source))
    lines = [modeline(relative), f"# {header}", "projects:"]
    for project in projects:
        notes: dict[str, list[str]] = {}
        for note in project.notes:
            notes.setdefault(note.key if note.key in project.values else "", []).append(note.text)
        first = True
        for key, value in project.values.items():
            lead = "  - " if first else "    "
            first = False
            comment = _comment(notes[key]) if key in notes else ""
            if isinstance(value, dict):
                parts = ", ".join(f"{part}: {_number(v) if not isinstance(v, str) else scalar(v, flow=True)}"
                                  for part, v in value.items())
                lines.append(f"{lead}{key}: {{{parts}}}{comment}")
            elif key == "progress" or (isinstance(value, str) and (len(value) > LONG_TEXT
                                                                   or _LINE_BREAKS.search(value))):
                lines.append(f"{lead}{key}: |{comment}")
                lines += _block(value, "      ")
            else:
                lines.append(f"{lead}{key}: {scalar(str(value))}{comment}")
        for text in notes.get("", ()):
            lines.append("    # " + printable(_("To confirm: {notes}", notes=" ".join(text.split()))))
    return "\n".join(lines) + "\n"


def _self_check(text: str, relative: str, projects: tuple[PlannedProject, ...]) -> list[ImportProblem]:
    """The written text read back as `check` reads it: any problem (none is expected, since every
    value was checked at its cell) is reported at the project's row rather than written."""
    data = text.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:  # `check` would refuse to read it
        return [ImportProblem(SourceRef(relative), _(
            "this unit's file would be {size} MB; a content file is at most {limit} MB: shorten the progress texts, "
            "or split the unit into several units in content/units.yaml", size=f"{len(data) / 1e6:.1f}",
            limit=MAX_FILE_BYTES // 1_000_000))]
    try:
        document = parse_yaml(data, relative)
    except ContentError as error:
        return [ImportProblem(SourceRef(relative), str(p)) for p in error.problems]
    _data, found = check_document(document, UNIT_ROUND_SCHEMA, "unit's project list")
    problems = []
    for problem in found:
        index = re.match(r"projects\[(\d+)\]", problem.field)
        where = projects[int(index.group(1))].where if index and int(index.group(1)) < len(projects) \
            else SourceRef(relative)
        problems.append(ImportProblem(where, f"{problem.field}: {problem.message}"))
    return problems


# ---------------------------------------------------------------------------------------------
# Overwriting only what may be overwritten.

def new_round_copy(previous: Path, round_id: str) -> bytes:
    """The bytes `new-round` writes for the next round from a unit's file (newround.new_round)."""
    raw = previous.read_bytes()
    text = decode_text(raw, previous.name)
    kept = with_modeline(without_header_comments(without_corrections(text)), f"{CONTENT}/{round_id}/{previous.name}")
    return raw if kept == text else kept.encode("utf-8")


def _action(site_dir: Path, existing: Path | None, relative: str, text: str, previous: Earlier | None,
            round_id: str) -> tuple[str, str]:
    """(what writing the file does, or why it must not without --force; '' when it may)."""
    if existing is None:
        return "new", ""
    try:
        current = existing.read_bytes()
    except OSError as error:
        return "replace", _("cannot read {file}: {reason}", file=relative, reason=error.strerror or error)
    if current == text.encode("utf-8"):
        return "same", ""
    try:
        if previous is not None and current == new_round_copy(previous.path, round_id):
            return "copy", ""
    except (OSError, ContentError):
        pass
    return "replace", _("this unit file exists and is not the copy new-round made: it was written or edited "
                        "since. To replace it, run the import again with --force (the file is then kept in "
                        "{backup}/)", backup=f"{CONTENT}/{BACKUP_FOLDER}/{round_id}")


@dataclass(frozen=True)
class ImportResult:
    plan: ImportPlan
    written: tuple[str, ...]  # relative paths
    backups: tuple[str, ...]


def write_plan(site_dir: Path, plan: ImportPlan, force: bool, now: dt.datetime | None = None) -> ImportResult:
    """Write the planned files, after a backup of each one replaced; the rest untouched."""
    changed = [planned for planned in plan.files if planned.action != "same"]
    replaced = [planned for planned in changed if planned.action == "replace"]
    if replaced and not force:  # pragma: no cover - plan_import refused them already
        raise ImportStop(", ".join(planned.relative for planned in replaced))
    backups = []
    if replaced:
        stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
        folder = site_dir / CONTENT / BACKUP_FOLDER / plan.round.id / stamp
        number = 1
        while folder.exists():  # two imports within a second: the first backup stays
            number += 1
            folder = folder.with_name(f"{stamp}-{number}")
        folder.mkdir(parents=True)
        for planned in replaced:  # every backup before any file is replaced
            path = site_dir / planned.relative
            write_whole(folder / path.name, [path.read_bytes()])
            backups.append((folder / path.name).relative_to(site_dir).as_posix())
    for planned in changed:
        path = site_dir / planned.relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, [planned.text.encode("utf-8")])
    written = [planned.relative for planned in changed]
    try:
        ensure_schemas(site_dir)  # what the files' first line points at
    except SchemaProblem:
        pass  # only the editor's completion misses them; `python build.py schema` says why
    return ImportResult(plan, tuple(written), tuple(backups))


# ---------------------------------------------------------------------------------------------
# Reading the file, and the whole command.

def column_overrides(site_dir: Path) -> dict[str, str]:
    """site.yaml `import: {columns: {表头: field}}`: headers this district's ledgers use."""
    config, _document = load_site_config(site_dir)
    return dict(config.import_columns)


def read_document(path: Path, overrides: dict[str, str]) -> ImportedDocument:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportStop(_("{file}: no such file", file=path))
    if suffix in TEXT_SUFFIXES:
        from .textbulletin import read_text_bulletin
        return read_text_bulletin(path, path.name)
    if suffix in SPREADSHEET_SUFFIXES:
        from .columns import read_spreadsheet
        return read_spreadsheet(path, path.name, overrides)
    raise ImportStop(_("{file}: cannot import a {kind} file; import a workbook (.xlsx, .xls, .ods), a .csv file "
                       "or a text bulletin (.txt)", file=path.name, kind=suffix or _("nameless")))


def run_import(site_dir: Path, path: Path, round_id: str, unit: str | None = None, dry_run: bool = False,
               force: bool = False) -> tuple[ImportResult | None, list[str]]:
    """(what was written, or None for a dry run; the summary lines to print)."""
    if not (site_dir / "site.yaml").is_file():
        load_site_config(site_dir)  # its message says how to find the site
    try:
        document = read_document(path, column_overrides(site_dir))
    except OSError as error:
        raise ImportStop(_("cannot read {file}: {reason}", file=path, reason=error.strerror or error)) from None
    plan = plan_import(site_dir, document, round_id, unit, force)
    if dry_run:
        return None, summary(plan, None)
    result = write_plan(site_dir, plan, force)
    return result, summary(plan, result)


def summary(plan: ImportPlan, result: ImportResult | None) -> list[str]:
    """What staff read after an import: what was read, matched, written, and what to confirm."""
    lines = [_("Read {file}:", file=plan.source)] + [f"  {fact}" for fact in plan.facts]
    projects = [p for f in plan.files for p in f.projects]
    kinds = {kind: sum(p.match == kind for p in projects) for kind in ("id", "own", "same", "similar", "new")}
    lines.append(_("Units: {units}; projects: {projects}", units=len(plan.files), projects=len(projects)))
    lines.append(_("Matched to the previous round: {count} ({by_id} by their id, {same} by the same title, {similar} "
                   "by a similar title, to confirm); new: {new}", count=kinds["id"] + kinds["same"] + kinds["similar"],
                   by_id=kinds["id"], same=kinds["same"], similar=kinds["similar"], new=kinds["new"] + kinds["own"]))
    for planned in plan.files:
        action = {"new": _("new file"), "copy": _("replaces the unedited copy new-round made"),
                  "same": _("unchanged: it already holds this"), "replace": _("replaces the file; a copy is kept")
                  }[planned.action]
        count = len(planned.projects)
        lines.append("  " + ngettext("{unit} ({id}): {count} project -> {file} ({action})",
                                     "{unit} ({id}): {count} projects -> {file} ({action})", count,
                                     unit=planned.unit.name, id=planned.unit.id, file=planned.relative,
                                     action=action))
    for word, status, count in plan.mappings:
        lines.append(ngettext("Status '{word}' imported as {status} ({count} project)",
                              "Status '{word}' imported as {status} ({count} projects)", count,
                              word=word, status=status_name(status)))
    for word, status, count in plan.openings:
        lines.append(ngettext("Status '{word}' at the start of the progress imported as {status}, and taken out of "
                              "the progress ({count} project)",
                              "Status '{word}' at the start of the progress imported as {status}, and taken out of "
                              "the progress ({count} projects)", count, word=word, status=status_name(status)))
    missing = [(f, p) for f in plan.files for p in f.missing]
    if missing:
        lines.append(_("In the previous round but not in this file: {count}", count=len(missing)))
        for planned, project in missing:
            if project["status"] in CLOSED_STATUSES:
                line = _("{unit}: {id} \"{title}\" ({status} in round {round}): no longer listed",
                         unit=planned.unit.name, id=project["id"], title=project["title"],
                         status=status_name(project["status"]), round=planned.previous.round_id)
            else:
                line = _("{unit}: {id} \"{title}\" ({status} in round {round}): will show as not reported in this "
                         "round; add it to the file if it was left out by mistake", unit=planned.unit.name,
                         id=project["id"], title=project["title"], status=status_name(project["status"]),
                         round=planned.previous.round_id)
            lines.append("  " + printable(line))
    notes = sorted((note for p in projects for note in p.notes),
                   key=lambda note: _problem_order(ImportProblem(note.where, note.text)))
    if notes:
        lines.append(ngettext("To confirm ({count}), marked '# {mark}' in the files:",
                              "To confirm ({count}), marked '# {mark}' in the files:", len(notes),
                              mark=_("To confirm").strip()))
        for note in notes:
            lines.append("  " + printable(f"{note.where}: {note.text}"))
    if result is None:
        changed = [f for f in plan.files if f.action != "same"]
        lines.append(ngettext("Dry run: nothing was written; without --dry-run {count} file would be written.",
                              "Dry run: nothing was written; without --dry-run {count} files would be written.",
                              len(changed)))
    else:
        for backup in result.backups:
            lines.append(_("Kept the replaced file as {backup}", backup=backup))
        lines.append(ngettext("Wrote {count} file. Check them with python build.py check, and preview the round "
                              "with python build.py serve.",
                              "Wrote {count} files. Check them with python build.py check, and preview the round "
                              "with python build.py serve.", len(result.written)))
    return lines
