"""`python build.py export ROUND --out FILE.xlsx`: a round as a workbook for the units to fill in.

The workbook is sent to the units for the next round and comes back through
`python build.py import`, so it is written in the importer's terms: its header row uses the
canonical headers of the spreadsheet reader (columns.HEADERS), statuses are the labels the
site shows (已完成, 推进中, …), ids sit in a column staff are told not to change, and every
value is written as the round shows it: text as text cells (an id 0755 stays 0755, a date
stays 2021-08-20), numbers as numbers shown with exactly their digits.

The same round always gives the same bytes: the document's dates are the round's, nothing
comes from the machine or the clock, and XlsxWriter's zip entries carry a fixed timestamp.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from .columns import HEADERS
from .config import load_site_config
from .content import STATUS_LABELS
from .files import write_whole
from .layout import CONTENT
from .loader import load_site
from .messages import _
from .model import Entry, Site
from .problems import did_you_mean
from .render import format_number

# The columns of a unit's sheet, by field key (bulletin/imported.FIELDS), in the order staff read them.
EXPORTED_FIELDS = ("number", "id", "title", "status", "progress", "lead", "category", "location",
                   "funding.amount", "funding.unit", "target.name", "target.planned", "target.done",
                   "target.unit", "due", "updated")
UNIT_FIELD = "unit"  # the first column of the single sheet (--one-sheet)
NUMBER_FIELDS = frozenset({"number", "funding.amount", "target.planned", "target.done"})
# Long texts wrap inside their cell; short ones are sized to fit.
WRAPPED_FIELDS = frozenset({"unit", "title", "progress", "lead", "category", "location", "target.name"})
# In characters of the default font: a Chinese character takes two. They add up to what an A4
# page in landscape holds at about 75 % once fitted to one page wide.
COLUMN_WIDTHS = {"unit": 14, "number": 5, "id": 14, "title": 24, "status": 8, "progress": 50, "lead": 8,
                 "category": 10, "location": 10, "funding.amount": 10, "funding.unit": 6, "target.name": 12,
                 "target.planned": 7, "target.done": 7, "target.unit": 6, "due": 11, "updated": 11}
STATUS_LABEL = {status: label for label, status in STATUS_LABELS}
# Rows below the last project that still get the status drop-down and the text formats, for the
# projects a unit adds.
ROWS_TO_ADD = 200
A4_PAPER = 9  # Excel's paper size code

# The workbook is a document in the importer's language, the Chinese of real ledgers (its header
# row, statuses and sheet names are read back by it), not a message: it is the same whatever
# --lang the command ran with, so the same round always gives the same bytes.
TITLE = "{site} {round} 项目进展填报表 — {unit}"
TITLE_ONE_SHEET = "{site} {round} 项目进展填报表"
NOTE = ("填写说明：请在本表更新每个项目的状态和工作进展。灰色的「{id}」列是系统编号，用来接续项目的历史，"
        "请勿修改、删除或复制到新行；新增项目请在表末另起一行，编号留空。「{status}」请从下拉列表中选择：{labels}。"
        "日期写作 2021-08-20，完成时限也可写作 2021-08。")
NOTE_ONE_SHEET = NOTE + "「{unit}」填写单位的全称。"
ID_INPUT_TITLE = "请勿修改编号"
ID_INPUT_MESSAGE = "系统编号，用来接续项目的历史；新增项目编号留空。"
ID_ERROR_MESSAGE = "编号由系统生成，请勿修改。新增项目请把编号留空。"
STATUS_INPUT_MESSAGE = "请从下拉列表中选择。"
STATUS_ERROR_MESSAGE = "请从下拉列表中选择：{labels}。"
SUBJECT = "项目进展填报表"
FOOTER = "&C第 &P 页，共 &N 页"

SHEET_NAME_LIMIT = 31  # Excel's
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


class ExportProblem(Exception):
    """The workbook cannot be written; the message says why and what to do."""


@dataclass(frozen=True)
class UnitList:
    unit_id: str
    name: str  # as units.yaml names it now: the import matches names against it
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Exported:
    path: Path
    round_id: str
    units: int
    projects: int
    sheets: tuple[str, ...]


def export_round(site_dir: Path, round_id: str, out: Path, one_sheet: bool = False, force: bool = False) -> Exported:
    """Write round_id's projects, unit by unit, as a fill-in workbook at `out`. Raises
    ExportProblem for a refused destination or round, ContentError for a site with problems."""
    check_destination(site_dir, out, force)
    round_ids = [r.id for r in load_site_config(site_dir)[0].rounds]
    if round_id not in round_ids:
        raise ExportProblem(_("round '{round}' is not listed under rounds: in site.yaml{hint}", round=round_id,
                              hint=did_you_mean(round_id, round_ids)))
    # As of that round: a later draft still being written cannot stop it. Drafts included: a
    # draft round can be sent out too.
    site = load_site(site_dir, until_round=round_id)
    lists = unit_lists(site, round_id)
    if not lists:
        raise ExportProblem(_("round {round} has no unit file yet, so there is nothing to export: export the "
                              "round before it, or put the units' files in content/{round}/ first",
                              round=round_id))
    data, sheets = workbook_bytes(site, round_id, lists, one_sheet)
    write_new_file(out, data, force)
    return Exported(out, round_id, len(lists), sum(len(u.entries) for u in lists), tuple(sheets))


def check_destination(site_dir: Path, out: Path, force: bool) -> None:
    """Refused before the site is even read: a name that is not .xlsx, a folder, a file that
    exists (unless --force), a place inside content/, where a stray file breaks the next check."""
    if out.suffix.lower() != ".xlsx":
        raise ExportProblem(_("--out {path} must be a file name ending in .xlsx, e.g. --out 第三轮填报表.xlsx",
                              path=out))
    if out.is_dir():
        raise ExportProblem(_("--out {path} is a folder; give a file name ending in .xlsx", path=out))
    if not out.parent.is_dir():
        raise ExportProblem(_("the folder {folder} does not exist; create it first or choose another place for "
                              "--out", folder=out.parent))
    content = (site_dir / CONTENT).resolve()
    if out.resolve().is_relative_to(content):
        raise ExportProblem(_("--out {path} is inside {content}/, which holds only the site's content: write the "
                              "workbook somewhere else", path=out, content=CONTENT))
    if (out.exists() or out.is_symlink()) and not force:
        raise ExportProblem(_("{path} already exists; choose another name, or add --force to replace it",
                              path=out))


def unit_lists(site: Site, round_id: str) -> list[UnitList]:
    """The units that sent a list in the round, in the order the round shows them."""
    current = {unit.id: unit.name for unit in site.units}
    return [UnitList(unit_round.unit.id, current.get(unit_round.unit.id, unit_round.unit.name),
                     unit_round.entries)
            for unit_round in site.round_units(round_id) if unit_round.submitted]


def entry_values(entry: Entry) -> dict[str, str | int | float]:
    """The values of an entry by field key, as the round shows them; a field it lacks is absent."""
    values: dict[str, str | int | float] = {
        "number": entry.number, "id": entry.project_id, "title": entry.title,
        "status": STATUS_LABEL[entry.status], "progress": entry.progress.strip(),
        "lead": entry.lead, "category": entry.category, "location": entry.location, "due": entry.due,
        "updated": entry.updated.isoformat() if entry.updated else "",
    }
    if entry.funding:
        values.update({"funding.amount": entry.funding.amount, "funding.unit": entry.funding.unit})
    if entry.target:
        values.update({"target.name": entry.target.name, "target.planned": entry.target.planned,
                       "target.done": entry.target.done, "target.unit": entry.target.unit})
    return {key: value for key, value in values.items() if value != ""}


def header(key: str) -> str:
    return HEADERS[key][0]


def sheet_names(names: list[str]) -> list[str]:
    """Each name as Excel accepts a sheet's name: at most 31 characters, none of []:*?/\\, not
    starting or ending with an apostrophe, not 'History', and unique ignoring case."""
    taken: set[str] = set()
    found = []
    for index, name in enumerate(names, start=1):
        base = SHEET_NAME_FORBIDDEN.sub("_", name).strip().strip("'").strip() or f"单位{index}"
        if base.casefold() == "history":  # Excel keeps it for its change tracking
            base += "_"
        candidate, number = base[:SHEET_NAME_LIMIT], 1
        while candidate.casefold() in taken:
            number += 1
            suffix = f"({number})"
            candidate = base[:SHEET_NAME_LIMIT - len(suffix)] + suffix
        taken.add(candidate.casefold())
        found.append(candidate)
    return found


class _Formats:
    """The workbook's cell formats, made once each."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.workbook = workbook
        self.title = workbook.add_format({"bold": True, "font_size": 14, "valign": "vcenter"})
        self.note = workbook.add_format({"text_wrap": True, "valign": "top", "font_color": "#7F1D1D"})
        base = {"border": 1, "valign": "vcenter", "text_wrap": True, "bold": True, "align": "center"}
        self.header = workbook.add_format({**base, "bg_color": "#DDEBF7"})
        self.id_header = workbook.add_format({**base, "bg_color": "#BFBFBF"})
        self.text = workbook.add_format({"num_format": "@", "valign": "top"})
        self.wrapped = workbook.add_format({"num_format": "@", "valign": "top", "text_wrap": True})
        self.id = workbook.add_format({"num_format": "@", "valign": "top", "bg_color": "#D9D9D9",
                                       "font_color": "#404040"})
        self.status = workbook.add_format({"num_format": "@", "valign": "top", "align": "center"})
        self._numbers: dict[int, object] = {}

    def column(self, key: str):
        """The format of a column, also for the rows a unit adds: text cells stay text as typed."""
        if key == "id":
            return self.id
        if key == "status":
            return self.status
        if key in NUMBER_FIELDS:
            return self.number(0)
        return self.wrapped if key in WRAPPED_FIELDS else self.text

    def number(self, decimals: int):
        """A number shown with exactly its digits: 5000 as 5000, 2.5 as 2.5, 1200000000 not as 1.2E+09."""
        if decimals not in self._numbers:
            self._numbers[decimals] = self.workbook.add_format(
                {"num_format": "0" + ("." + "0" * decimals if decimals else ""), "valign": "top"})
        return self._numbers[decimals]


def workbook_bytes(site: Site, round_id: str, lists: list[UnitList], one_sheet: bool) -> tuple[bytes, list[str]]:
    """The workbook's bytes and its sheets' names; the same for the same round, always."""
    rnd = next(r for r in site.rounds if r.id == round_id)
    site_title = rnd.site.title if rnd.site else site.config.title
    publisher = rnd.site.publisher if rnd.site else site.config.publisher
    buffer = io.BytesIO()
    # in_memory: no temporary files; strings_to_*: write_string already keeps text as text, this
    # keeps it so for any write() added later ('=1+1', '0755', 'http://…' stay what they are).
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": False,
                                            "strings_to_numbers": False, "strings_to_formulas": False,
                                            "strings_to_urls": False})
    workbook.set_properties({
        "title": TITLE_ONE_SHEET.format(site=site_title, round=rnd.title),
        "subject": SUBJECT, "author": publisher, "company": publisher, "manager": "", "category": "",
        "keywords": round_id, "comments": "",
        # the round's date, never the clock: the same round gives the same bytes
        "created": dt.datetime.combine(rnd.date, dt.time()),
    })
    formats = _Formats(workbook)
    if one_sheet:
        names = sheet_names([TITLE_ONE_SHEET.format(site="", round=rnd.title).strip()])
        rows = [(unit.name, entry) for unit in lists for entry in unit.entries]
        _write_sheet(workbook, formats, names[0], TITLE_ONE_SHEET.format(site=site_title, round=rnd.title),
                     (UNIT_FIELD, *EXPORTED_FIELDS), rows)
    else:
        names = sheet_names([unit.name for unit in lists])
        for name, unit in zip(names, lists):
            _write_sheet(workbook, formats, name, TITLE.format(site=site_title, round=rnd.title, unit=unit.name),
                         EXPORTED_FIELDS, [(unit.name, entry) for entry in unit.entries])
    workbook.close()
    return buffer.getvalue(), names


def _write_sheet(workbook: xlsxwriter.Workbook, formats: _Formats, name: str, title: str,
                 fields: tuple[str, ...], rows: list[tuple[str, Entry]]) -> None:
    sheet = workbook.add_worksheet(name)
    labels = "、".join(label for label, _status in STATUS_LABELS)
    note = NOTE_ONE_SHEET if UNIT_FIELD in fields else NOTE
    last_column = len(fields) - 1
    header_row, first_row = 2, 3
    last_row = first_row + len(rows) - 1
    sheet.merge_range(0, 0, 0, last_column, title, formats.title)
    sheet.set_row(0, 24)
    sheet.merge_range(1, 0, 1, last_column, note.format(id=header("id"), status=header("status"), labels=labels,
                                                        unit=header(UNIT_FIELD)), formats.note)
    sheet.set_row(1, 48)
    for column, key in enumerate(fields):
        sheet.set_column(column, column, COLUMN_WIDTHS[key], formats.column(key))
        sheet.write_string(header_row, column, header(key), formats.id_header if key == "id" else formats.header)

    for row, (unit_name, entry) in enumerate(rows, start=first_row):
        values = entry_values(entry)
        values[UNIT_FIELD] = unit_name
        for column, key in enumerate(fields):
            value = values.get(key)
            if value is None:
                continue
            if key in NUMBER_FIELDS:
                shown = format_number(value)
                decimals = len(shown.partition(".")[2])
                sheet.write_number(row, column, value, formats.number(decimals))
            else:
                sheet.write_string(row, column, value, formats.column(key))

    editable_to = max(last_row, header_row) + ROWS_TO_ADD
    status_column = fields.index("status")
    sheet.data_validation(first_row, status_column, editable_to, status_column, {
        "validate": "list", "source": [label for label, _status in STATUS_LABELS],
        "input_title": header("status"), "input_message": STATUS_INPUT_MESSAGE,
        "error_title": header("status"), "error_message": STATUS_ERROR_MESSAGE.format(labels=labels),
        "error_type": "stop"})
    id_column = fields.index("id")
    # Excel and WPS refuse any value typed into the id column (pasting still goes through: the
    # import reports an id it does not know); the grey fill and the note say why.
    sheet.data_validation(first_row, id_column, editable_to, id_column, {
        "validate": "custom", "value": "=FALSE()", "ignore_blank": False,
        "input_title": ID_INPUT_TITLE, "input_message": ID_INPUT_MESSAGE,
        "error_title": ID_INPUT_TITLE, "error_message": ID_ERROR_MESSAGE, "error_type": "stop"})
    sheet.autofilter(header_row, 0, max(last_row, header_row), last_column)
    sheet.freeze_panes(first_row, 0)

    # Printing: A4 landscape, one page wide, the header row on every page, the grid drawn.
    sheet.set_paper(A4_PAPER)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.hide_gridlines(0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.center_horizontally()
    sheet.set_footer(FOOTER)


def write_new_file(out: Path, data: bytes, force: bool) -> None:
    """Without --force the file is created only if no file of that name exists, at the moment of
    creating it, so nothing is ever overwritten; with --force it is written under a temporary
    name and renamed over the old file, which a failure leaves as it was."""
    try:
        if force:
            write_whole(out, [data])
            return
        with open(out, "xb") as handle:
            try:
                handle.write(data)
            except OSError:
                out.unlink()  # our own half-written file, never one that was there
                raise
    except FileExistsError:
        raise ExportProblem(_("{path} already exists; choose another name, or add --force to replace it",
                              path=out)) from None
    except OSError as error:
        raise ExportProblem(_("cannot write {path}: {reason}", path=out, reason=error.strerror or error)) from None
