"""The cells of a spreadsheet staff keep (.xlsx, .xls, .ods, .csv), as staff see them.

python-calamine reads the values; it gives them raw (a 0755 formatted `0000` comes back as
755.0, 85% as 0.85, 12 as 12.0). For .xlsx the number format of each cell is read from the
file itself (xl/styles.xml and the `s` attribute of each cell) so that a cell shows here
what Excel or WPS shows: `0755`, `85%`, `12`, dates as YYYY-MM-DD. Grouping separators are
not kept (`#,##0` shows 1200, not 1,200), nor literal text in a format (`0"个"`).
For .xls and .ods calamine gives no formats: whole numbers show without `.0` and dates as
dates, but a percentage shows as its fraction (0.85) and leading zeros of a number are lost
(a cell typed as text keeps them). `Workbook.facts` says so when it applies.

Rows are counted as staff see them: row 1 is the sheet's first row even when it is blank
(calamine skips leading empty rows unless told not to), and a sheet's recorded size (WPS can
write A1:A1) is not trusted.

Limits, so that any input is read in bounded time and memory: a file of at most
MAX_FILE_BYTES, a sheet of at most MAX_ROWS rows, MAX_COLUMNS columns and MAX_CELLS cells
(its used area). A sheet past them is reported, not read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, Iterator
from xml.etree import ElementTree

from .imported import ImportProblem, SourceRef
from .messages import _

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELLS = 2_000_000
# What a zip (.xlsx, .ods) may unpack to: a 50 MB file of ordinary sheets unpacks to a few
# hundred MB at most; more is a zip bomb.
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
CSV_DELIMITERS = (",", "\t", ";")


@dataclass(frozen=True, order=True)
class Merge:
    """A merged range of cells, 0-based and inclusive; its value is in the first cell."""

    first_row: int
    first_column: int
    last_row: int
    last_column: int


@dataclass(frozen=True)
class Sheet:
    name: str  # "" for a CSV file
    # The text each cell shows, "" for an empty one; rows[0] is the sheet's row 1, every
    # row as long as the longest.
    rows: tuple[tuple[str, ...], ...]
    merges: tuple[Merge, ...] = ()
    hidden: bool = False
    hidden_rows: frozenset[int] = frozenset()  # 0-based rows hidden in Excel or WPS (.xlsx only)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0


@dataclass(frozen=True)
class Workbook:
    source: str  # the file's name as staff gave it
    kind: str  # "xlsx", "xls", "ods" or "csv"
    sheets: tuple[Sheet, ...]
    facts: tuple[str, ...] = ()  # how the file was read (the CSV encoding...), in the active language
    problems: tuple[ImportProblem, ...] = ()
    encoding: str = ""  # a CSV file's encoding as detected: "UTF-8", "UTF-8 (BOM)", "GB18030", "UTF-16"
    delimiter: str = ""  # a CSV file's separator


def column_name(column: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    name = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


def cell_name(row: int, column: int) -> str:
    """The A1 reference of a 0-based cell: (13, 3) → D14."""
    return f"{column_name(column)}{row + 1}"


def parse_cell_name(reference: str) -> tuple[int, int] | None:
    """D14 → (13, 3), 0-based; None for anything else."""
    match = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})", reference)
    if not match:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)) - 1, column - 1


def read_workbook(path: Path, shown_name: str) -> Workbook:
    """Every sheet of the file at `path`, its cells as staff see them. A file that cannot be
    read gives a Workbook with no sheets and the problem; never raises for bad input."""
    def failed(message: str, kind: str = "") -> Workbook:
        return Workbook(shown_name, kind, (), problems=(ImportProblem(SourceRef(shown_name), message),))

    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(8)
    except OSError as error:
        return failed(_("cannot open the file: {reason}", reason=error.strerror or error))
    if size > MAX_FILE_BYTES:
        return failed(_("the file is {size} MB; at most {limit} MB can be imported: split it into several files",
                        size=size // (1024 * 1024), limit=MAX_FILE_BYTES // (1024 * 1024)))
    if head.startswith(b"PK\x03\x04"):
        return _read_zip(path, shown_name)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # An .xlsx with a password is an OLE container holding an EncryptedPackage stream.
        if "EncryptedPackage".encode("utf-16-le") in path.read_bytes():
            return _unreadable(shown_name, "xlsx", protected=True)
        return _read_with_calamine(path, shown_name, "xls", {}, {})
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, shown_name)
    if head.lstrip().lower().startswith((b"<html", b"<!doc", b"<?xml", b"<table", b"\xef\xbb\xbf<")):
        return failed(_("this file is a web page or XML saved under a spreadsheet's name, not a workbook: open it "
                        "in Excel or WPS and save it as .xlsx (文件 → 另存为), then import that file"))
    if size == 0:
        return failed(_("the file is empty"))
    return failed(_("this is not a spreadsheet that can be read (.xlsx, .xls, .ods or .csv): open it in Excel "
                    "or WPS and save it as .xlsx"))


# --- .xlsx and .ods ------------------------------------------------------------------------

def _read_zip(path: Path, shown_name: str) -> Workbook:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
                return Workbook(shown_name, "", (), problems=(ImportProblem(SourceRef(shown_name), _(
                    "the file unpacks to more than {limit} MB; it cannot be a project spreadsheet: check it is the right file",
                    limit=MAX_UNPACKED_BYTES // (1024 * 1024))),))
            names = {entry.filename for entry in entries}
            if "xl/workbook.xml" in names:
                formats, extents, hidden_rows = _xlsx_formats(archive)
                return _read_with_calamine(path, shown_name, "xlsx", formats, extents, hidden_rows)
    except (zipfile.BadZipFile, OSError, ElementTree.ParseError, KeyError, ValueError, EOFError):
        return _unreadable(shown_name, "xlsx")
    if "content.xml" in names:
        return _read_with_calamine(path, shown_name, "ods", {}, {})
    return _unreadable(shown_name, "")


def _unreadable(shown_name: str, kind: str, protected: bool = False) -> Workbook:
    if protected:
        message = _("the workbook is protected by a password: open it in Excel or WPS, remove the password "
                    "(文件 → 信息 → 保护工作簿 / 文档加密), save it and import it again")
    else:
        message = _("the workbook cannot be read: it is damaged, protected by a password, or not a spreadsheet; "
                    "open it in Excel or WPS, save it as .xlsx without a password and import it again")
    return Workbook(shown_name, kind, (), problems=(ImportProblem(SourceRef(shown_name), message),))


# A cell's shown text from its raw number, by the cell's number format (None: general).
NumberFormat = Callable[[float], str]


def _read_with_calamine(path: Path, shown_name: str, kind: str, formats: dict[str, dict[tuple[int, int], NumberFormat]],
                        extents: dict[str, tuple[int, int]], hidden_rows: dict[str, frozenset[int]] | None = None
                        ) -> Workbook:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError:
        return _unreadable(shown_name, kind, protected=True)
    except (CalamineError, OSError, ValueError, RuntimeError, OverflowError):
        # calamine says "password" in the message of an encrypted .xlsx (an OLE container)
        return _unreadable(shown_name, kind)
    sheets: list[Sheet] = []
    problems: list[ImportProblem] = []
    with workbook:
        for metadata in workbook.sheets_metadata:
            if metadata.typ != SheetTypeEnum.WorkSheet:
                continue
            name = metadata.name
            where = SourceRef(shown_name, name, "A1")
            extent = extents.get(name)
            if extent is not None:
                too_large = _too_large(*extent)
                if too_large:
                    problems.append(ImportProblem(where, too_large))
                    continue
            try:
                sheet = workbook.get_sheet_by_name(name)
                end = sheet.end  # the last cell holding a value, whatever size the file records
                height, width = (end[0] + 1, end[1] + 1) if end else (0, 0)
                too_large = _too_large(height, width)
                if too_large:
                    problems.append(ImportProblem(where, too_large))
                    continue
                values = sheet.to_python(skip_empty_area=False)
                ranges = sheet.merged_cell_ranges or ()
            except PasswordError:
                return _unreadable(shown_name, kind, protected=True)
            except (CalamineError, ValueError, RuntimeError, OverflowError):
                problems.append(ImportProblem(where, _("this sheet cannot be read: it is damaged; open the file in "
                                                       "Excel or WPS, save it as .xlsx and import it again")))
                continue
            rows = _shown_rows(values, formats.get(name, {}))
            merges = tuple(sorted(Merge(first[0], first[1], last[0], last[1]) for first, last in ranges
                                  if last[0] < MAX_ROWS and last[1] < MAX_COLUMNS))
            hidden = metadata.visible != SheetVisibleEnum.Visible
            sheets.append(Sheet(name, rows, merges, hidden, (hidden_rows or {}).get(name, frozenset())))
    facts = []
    if kind in ("xls", "ods"):
        facts.append(_("number formats are not read from .{kind} files: a percentage shows as a fraction (0.85) and "
                       "a number loses its leading zeros; check those values, or save the file as .xlsx",
                       kind=kind))
    return Workbook(shown_name, kind, tuple(sheets), tuple(facts), tuple(problems))


def _too_large(height: int, width: int) -> str:
    if height > MAX_ROWS or width > MAX_COLUMNS or height * width > MAX_CELLS:
        return _("this sheet is too large to import ({rows} rows, {columns} columns; at most {max_rows} rows, "
                 "{max_columns} columns and {max_cells} cells): delete the empty rows and columns at its end or "
                 "split it", rows=height, columns=width, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS,
                 max_cells=MAX_CELLS)
    return ""


def _shown_rows(values: list[list[object]],
                formats: dict[tuple[int, int], NumberFormat]) -> tuple[tuple[str, ...], ...]:
    width = max((len(row) for row in values), default=0)
    rows = []
    for row_index, row in enumerate(values):
        shown = []
        for column_index, value in enumerate(row):
            if value == "" or value is None:
                shown.append("")
            elif isinstance(value, str):
                shown.append(_shown_text(value))
            elif isinstance(value, bool):
                shown.append("TRUE" if value else "FALSE")
            elif isinstance(value, (int, float)):
                number_format = formats.get((row_index, column_index))
                shown.append(number_format(value) if number_format else general_number(value))
            elif isinstance(value, (dt.datetime, dt.date)) and formats.get((row_index, column_index)) is month_only:
                shown.append(value.strftime("%Y-%m"))  # 2024年6月: staff see a month, not its first day
            elif isinstance(value, dt.datetime):
                shown.append(value.strftime("%Y-%m-%d") if value.time() == dt.time() else
                             value.strftime("%Y-%m-%d %H:%M"))
            elif isinstance(value, dt.date):
                shown.append(value.isoformat())
            elif isinstance(value, dt.time):
                shown.append(value.strftime("%H:%M") if not value.second else value.strftime("%H:%M:%S"))
            else:
                shown.append(str(value))
        shown.extend([""] * (width - len(shown)))
        rows.append(tuple(shown))
    # Trailing blank rows say nothing (a sheet's size may be recorded past its data).
    while rows and not any(rows[-1]):
        rows.pop()
    return tuple(rows)


def _shown_text(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def general_number(value: float) -> str:
    """A number as Excel's General format shows it: 12.0 → 12, 0.1+0.2 → 0.3 (15 significant digits)."""
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.15g}"
    if "e" in text:
        return text
    return text.rstrip("0").rstrip(".") if "." in text else text


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _fixed(value: Decimal, decimals: int, integer_digits: int) -> str:
    try:
        rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return str(value)
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):f}"
    whole, _dot, fraction = text.partition(".")
    whole = whole.zfill(integer_digits) if integer_digits else whole.lstrip("0") or ("" if fraction else "0")
    if not whole and fraction:
        whole = ""  # Excel's `.00` shows .50: no leading zero asked
    return sign + whole + ("." + fraction if fraction else "")


def number_format_for(code: str) -> NumberFormat | None:
    """How a cell with number format `code` shows a number, or None when General does
    (General, text `@`, dates — calamine gives those as dates —, scientific, fractions)."""
    section = _first_section(code)
    # Drop what only decorates: colours and conditions [Red], quoted or escaped literals,
    # spacing (_x) and fills (*x).
    section = re.sub(r"\[[^\]]*\]", "", section)
    section = re.sub(r'"[^"]*"', "", section)
    section = re.sub(r"\\.|_.|\*.", "", section)
    lowered = section.lower()
    if not section.strip() or lowered.strip() == "general" or "@" in section:
        return None
    if re.search(r"[ymdhsen年月日时分秒]", lowered) or "/" in section or "?" in section:
        return None
    if not re.search(r"[0#]", section):
        return None
    percent = "%" in section
    number = re.search(r"[0#,]*(?:\.[0#]*)?", section[re.search(r"[0#.]", section).start():]).group(0)
    whole, _dot, fraction = number.partition(".")
    integer_digits = whole.count("0")
    decimals = fraction.count("0")
    optional = fraction.count("#")
    if not percent and integer_digits <= 1 and not decimals and not optional:
        return None  # `0`, `#,##0`: General shows the same for whole numbers

    def shown(value: float) -> str:
        amount = _decimal(value) * 100 if percent else _decimal(value)
        text = _fixed(amount, decimals + optional, integer_digits)
        if optional and "." in text:
            keep = len(text) - optional
            while len(text) > keep and text.endswith("0"):
                text = text[:-1]
            text = text.rstrip(".")
        return text + ("%" if percent else "")

    return shown


def month_only(value: float) -> str:
    """The format of a date shown as its month (`yyyy"年"m"月"`, `mmm-yy`): a date shows as
    YYYY-MM (see _shown_rows); a number calamine did not take for a date, as General."""
    return general_number(value)


def _shows_month(code: str) -> bool:
    """Whether number format `code` shows a date's year and month but not its day nor a time."""
    section = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", _first_section(code)).lower()
    return "y" in section and "m" in section and not re.search(r"[dhs]", section)


def _first_section(code: str) -> str:
    in_quotes = False
    for index, char in enumerate(code):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ";" and not in_quotes:
            return code[:index]
    return code


# Excel's built-in number formats that are not General for a number (ids of ECMA-376 18.8.30).
_BUILTIN_FORMATS = {1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
                    37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)",
                    40: "#,##0.00;[Red](#,##0.00)", 48: "##0.0E+0", 49: "@",
                    17: "mmm-yy", 57: 'yyyy"年"m"月"'}  # dates shown as a month (57: Chinese Excel's)

_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xlsx_formats(archive: zipfile.ZipFile) -> tuple[dict[str, dict[tuple[int, int], NumberFormat]],
                                                      dict[str, tuple[int, int]], dict[str, frozenset[int]]]:
    """For each sheet by name: the number format of each cell whose format changes what it
    shows, the sheet's real extent (rows, columns) from the cells that hold a value, and its
    hidden rows."""
    style_formats = _style_formats(archive)
    sheet_paths = _sheet_paths(archive)
    formats: dict[str, dict[tuple[int, int], NumberFormat]] = {}
    extents: dict[str, tuple[int, int]] = {}
    hidden_rows: dict[str, frozenset[int]] = {}
    for name, sheet_path in sheet_paths.items():
        if sheet_path in archive.NameToInfo:
            hidden: set[int] = set()
            formats[name], extents[name] = _scan_sheet(archive, sheet_path, style_formats, hidden)
            hidden_rows[name] = frozenset(hidden)
    return formats, extents, hidden_rows


# A row's or a cell's start tag in a sheet's XML: its attributes, and "/" when it holds nothing.
_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)(/?)>")
_REFERENCE = re.compile(rb'\br="\$?([A-Z]{1,3})\$?(\d{1,7})"')
_STYLE = re.compile(rb'\bs="(\d+)"')
_TYPE = re.compile(rb'\bt="(\w+)"')
_ROW_NUMBER = re.compile(rb'\br="(\d{1,7})"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')


def _scan_sheet(archive: zipfile.ZipFile, sheet_path: str, style_formats: dict[int, NumberFormat],
                hidden_rows: set[int] | None = None) -> tuple[dict[tuple[int, int], NumberFormat], tuple[int, int]]:
    """The cells of a sheet whose number format changes what they show, and the sheet's real
    extent (rows, columns) from the cells holding a value. Read as bytes with patterns rather
    than as a tree: a sheet of 10,000 rows is scanned in a fraction of a second."""
    cells: dict[tuple[int, int], NumberFormat] = {}
    column_numbers: dict[bytes, int] = {}
    last_row = last_column = -1
    row_index, column_index = -1, -1
    pending = b""
    with archive.open(sheet_path) as stream:
        while True:
            chunk = stream.read(1 << 20)
            data = pending + chunk
            cut = data.rfind(b">") + 1 if chunk else len(data)
            data, pending = data[:cut], data[cut:]
            for match in _TAG.finditer(data):
                attributes = match.group(2)
                if match.group(1) == b"row":
                    number = _ROW_NUMBER.search(attributes)
                    row_index = int(number.group(1)) - 1 if number else row_index + 1
                    column_index = -1
                    if hidden_rows is not None and _HIDDEN.search(attributes) and len(hidden_rows) < MAX_ROWS:
                        hidden_rows.add(row_index)
                    continue
                reference = _REFERENCE.search(attributes)
                if reference:
                    letters = reference.group(1)
                    column_index = column_numbers.get(letters)
                    if column_index is None:
                        column_index = column_numbers[letters] = _column_number(letters)
                    row_index = int(reference.group(2)) - 1
                else:
                    column_index += 1
                if match.group(3):
                    continue  # <c r="B2" s="3"/>: formatted, but empty
                if row_index > last_row:
                    last_row = row_index
                if column_index > last_column:
                    last_column = column_index
                style = _STYLE.search(attributes)
                if style and style_formats:
                    number_format = style_formats.get(int(style.group(1)))
                    if number_format is not None and len(cells) < MAX_CELLS:
                        kind = _TYPE.search(attributes)
                        if kind is None or kind.group(1) == b"n":
                            cells[(row_index, column_index)] = number_format
            if not chunk or last_row >= MAX_ROWS or last_column >= MAX_COLUMNS:
                break  # past the limits: reported by its extent, no need to read on
    return cells, (last_row + 1, last_column + 1)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number - 1


def _style_formats(archive: zipfile.ZipFile) -> dict[int, NumberFormat]:
    """The number format of each cell style (cellXfs index) that changes what a number shows."""
    if "xl/styles.xml" not in archive.NameToInfo:
        return {}
    codes: dict[int, str] = dict(_BUILTIN_FORMATS)
    style_format_ids: list[int] = []
    parents: list[str] = []
    with archive.open("xl/styles.xml") as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                parents.append(tag)
                continue
            parents.pop()
            if tag == "numFmt":
                identifier = element.get("numFmtId", "")
                if identifier.isdigit():
                    codes[int(identifier)] = element.get("formatCode", "")
            elif tag == "xf" and parents and parents[-1] == "cellXfs":
                identifier = element.get("numFmtId", "0")
                style_format_ids.append(int(identifier) if identifier.isdigit() else 0)
            elif tag == "cellXfs":
                break
    by_code: dict[str, NumberFormat | None] = {}
    result: dict[int, NumberFormat] = {}
    for index, identifier in enumerate(style_format_ids):
        code = codes.get(identifier)
        if code is None:
            continue
        if code not in by_code:
            by_code[code] = number_format_for(code) or (month_only if _shows_month(code) else None)
        if by_code[code]:
            result[index] = by_code[code]
    return result


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name → its XML part in the archive."""
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in archive.NameToInfo:
        with archive.open("xl/_rels/workbook.xml.rels") as stream:
            for _event, element in ElementTree.iterparse(stream):
                if _local(element.tag) == "Relationship":
                    target = element.get("Target", "")
                    target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                    targets[element.get("Id", "")] = target
    paths: dict[str, str] = {}
    with archive.open("xl/workbook.xml") as stream:
        for _event, element in ElementTree.iterparse(stream):
            if _local(element.tag) == "sheet":
                target = targets.get(element.get(_RELATIONSHIP, ""))
                if target:
                    paths[element.get("name", "")] = target
            elif _local(element.tag) == "sheets":
                break
    return paths


# --- .csv --------------------------------------------------------------------------------

def _read_csv(path: Path, shown_name: str) -> Workbook:
    data = path.read_bytes()
    where = SourceRef(shown_name)
    text, encoding = _decode(data)
    if text is None:
        return Workbook(shown_name, "csv", (), problems=(ImportProblem(where, _(
            "this CSV file is neither UTF-8 nor GBK text: open it in Excel or WPS and save it as .xlsx, or as "
            "CSV UTF-8")),))
    delimiter = _sniff_delimiter(text)
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS or len(row) > MAX_COLUMNS:
                # Stop reading: the numbers say "at least", which is enough to act on.
                height = len(rows) + 1
                width = max([len(row)] + [len(earlier) for earlier in rows])
                return Workbook(shown_name, "csv", (), problems=(ImportProblem(where, _too_large(height, width)),))
            rows.append([_shown_text(value) for value in row])
    except csv.Error as error:
        return Workbook(shown_name, "csv", (), problems=(ImportProblem(SourceRef(shown_name, "", cell_name(
            max(reader.line_num - 1, 0), 0)), _("this line of the CSV file cannot be read ({reason}): open the file "
                                               "in Excel or WPS and save it again", reason=error)),))
    width = max((len(row) for row in rows), default=0)
    if len(rows) * width > MAX_CELLS:
        return Workbook(shown_name, "csv", (), problems=(ImportProblem(where, _too_large(len(rows), width)),))
    shown_rows = [tuple(row + [""] * (width - len(row))) for row in rows]
    while shown_rows and not any(shown_rows[-1]):
        shown_rows.pop()
    names = {",": _("commas"), "\t": _("tabs"), ";": _("semicolons")}
    facts = (_("read as CSV text in {encoding}, columns separated by {separator}", encoding=encoding,
               separator=names[delimiter]),)
    return Workbook(shown_name, "csv", (Sheet("", tuple(shown_rows)),), facts, (), encoding, delimiter)


def _decode(data: bytes) -> tuple[str | None, str]:
    """The text and the encoding it was in: UTF-8 (with or without BOM), UTF-16 with a BOM
    (Excel's "Unicode text"), else GB18030, the superset of GBK that Excel and WPS in China
    save CSV in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            return None, ""
    try:
        text = data.decode("utf-8-sig")
        return text, "UTF-8 (BOM)" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GBK (GB18030)"
    except UnicodeDecodeError:
        return None, ""


def _sniff_delimiter(text: str) -> str:
    """The separator that splits the first lines into the most rows of the same width > 1."""
    sample = list(_first_lines(text, 50))
    best, best_score = ",", (0, 0)
    for delimiter in CSV_DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(sample, delimiter=delimiter) if any(row)]
        except csv.Error:
            continue
        wide = [width for width in widths if width > 1]
        if not wide:
            continue
        common = max(set(wide), key=lambda width: (wide.count(width), width))
        score = (wide.count(common), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _first_lines(text: str, count: int) -> Iterator[str]:
    start = 0
    for _index in range(count):
        end = text.find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1
