"""Finding the header of a ledger sheet and what each column means, then its projects.

`read_spreadsheet(path, shown_name, column_overrides)` is the spreadsheet reader of
`python build.py import`: it turns an .xlsx, .xls, .ods or .csv file into an
`ImportedDocument` (bulletin/imported.py), values exactly as staff see them (sheets.py),
each with the cell it came from. It does not interpret values (which unit a name means,
which status a word means): the importer does.

How a sheet is read:
- the header is the row, among the first HEADER_SEARCH_ROWS, whose cells name the most
  fields (it must name the title); rows above it are title rows (`XX区…台账`,
  `填报单位：区委办公室`: the latter gives the unit when there is no unit column);
- a header over two rows: a group cell merged across (`完成情况`) over sub-headers
  (`投资`, `形象进度`): each sub-column's header is the sub-header, or group + sub-header;
- a column is found by its whole header text, normalised (spaces, line breaks, full-width
  brackets, ★ ignored; a bracket's content is a note: `总投资（万元）` is 总投资, in 万元);
  failing that, by the longest known header inside it (`截至6月底工作进展` is progress; 配合单位
  is known as no field, so it is not the unit). Overrides from site.yaml win;
- a value merged down a column applies to every row it spans (its cell is the merged one);
- a row with neither its own 序号 nor its own title continues the project above: its
  progress is appended, its other values fill what the project lacks;
- blank rows, subtotal rows (合计, 小计), section rows (`一、民生保障类`, which give the
  category of the rows under them), repeated header rows and footers (`填表人：…`) are
  skipped, and listed in the facts;
- one sheet per unit: without a unit column or a 填报单位 title row, the sheet's name is the
  unit. Hidden sheets are skipped (listed).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .imported import FIELDS, ImportedDocument, ImportedProject, ImportedValue, ImportProblem, SourceRef
from .messages import _, pgettext
from .sheets import Sheet, Workbook, cell_name, column_name, read_workbook

# The headers real ledgers use for each field, canonical first: `export` writes the canonical
# header, so an exported workbook imports back. Matched after normalise_header().
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "项目序号", "序"),
    "id": ("编号（请勿修改）", "编号", "项目编号", "项目代码"),
    "unit": ("责任单位", "牵头单位", "单位", "责任部门", "牵头部门", "单位名称", "领办单位", "填报单位", "主责单位",
             "牵头责任单位"),
    "title": ("项目名称", "领办项目", "实事项目", "项目", "实事项目名称", "民生实事项目", "领办项目名称", "事项名称",
              "办实事项目", "民生实事"),
    "status": ("状态", "完成状态", "项目状态", "办理状态", "进展状态", "推进状态", "是否完成", "完成与否"),
    "progress": ("工作进展", "进展情况", "推进情况", "完成情况", "主要形象进度", "形象进度", "工作进度", "进展",
                 "办理情况", "落实情况", "推进落实情况", "工作推进情况", "目前进展", "当前进展", "项目进展", "进度情况"),
    "lead": ("责任人", "领办人", "责任领导", "负责人", "牵头领导", "领办领导", "分管领导", "包保领导"),
    "category": ("类别", "领域", "批次", "项目类别", "类型", "分类", "项目类型", "所属领域"),
    "location": ("地点", "实施地点", "所在村（社区）", "项目地点", "建设地点", "所在地", "所在村", "所在社区", "地址",
                 "位置"),
    "funding.amount": ("资金", "总投资", "计划投资", "投资额", "总投资额", "项目总投资", "项目资金", "资金额", "金额",
                       "投资金额"),
    "funding.unit": ("资金单位", "金额单位", "投资单位"),
    "target.name": ("目标", "量化年度目标", "年度目标", "量化目标", "目标任务", "目标名称"),
    "target.planned": ("计划", "计划数", "目标数", "计划数量", "目标值"),
    "target.done": ("完成", "完成数", "已完成", "完成数量", "实际完成", "累计完成", "完成值"),
    "target.unit": ("计量单位", "目标单位", "数量单位"),
    "due": ("完成时限", "起止年限", "完成时间", "计划完成时间", "时限", "完成期限", "办结时限", "时间节点",
            "截止时间", "预计完成时间"),
    "updated": ("更新日期", "更新时间", "填报日期", "进展更新日期"),
}

# Headers real ledgers use for what is no field of a project: known, so that the longest
# match does not take them for a field (配合单位 is not the unit, 下步计划 not a target), and
# listed among the columns not imported.
NOT_FIELDS: tuple[str, ...] = (
    "配合单位", "协办单位", "业主单位", "实施单位", "建设单位", "监管单位", "责任科室", "备注", "建设规模及内容",
    "建设内容", "具体举措", "工作目标", "主要内容", "工作内容", "项目内容", "资金来源", "本期完成投资", "完成投资",
    "累计完成投资", "完成比例", "完成率", "完成进度", "联系电话", "联系人", "存在问题", "问题及措施", "下步计划",
    "下一步计划", "下步工作计划", "工作计划", "工作措施", "序时进度",
)

HEADER_SEARCH_ROWS = 30  # the header is looked for in a sheet's first rows
MAX_HEADER_LENGTH = 30  # a longer cell is a title or a value, not a header

# Fields whose text a continuation row appends (one item's progress over several rows).
_APPENDED = ("progress",)
_FUNDING_UNITS = ("万元", "元", "亿元", "千元")

_DECORATION = re.compile(r"[\s★☆※▲△●○◆◇■□*＊]+")
_NOTE = re.compile(r"^(?P<base>.+?)\((?P<note>[^()]*)\)$")
_SUBTOTAL = re.compile(r"^(合计|小计|总计|共计)($|[:：(（\d])")
_FOOTER = re.compile(r"^(填表人|填报人|制表人|审核人|审核|审批人|联系人|联系电话|电话|单位负责人|负责人|分管领导|主要领导|"
                     r"填报日期|填表日期|填报时间|日期|注|备注|说明|附注|附件|填表说明|填报说明|特别说明|有关说明|"
                     r"注意事项)\d?\s*[:：]|盖章")
_UNIT_TITLE = re.compile(r"(填报单位|单位名称|责任单位|牵头单位|报送单位|单位)\s*[:：]\s*(?P<unit>[^\s:：]+)")
_UNIT_TITLE_END = re.compile(r"(填报日期|填报时间|填表人|联系电话|日期|时间).*$")
# The names Excel and WPS give a new sheet: no unit's name.
_DEFAULT_SHEET_NAME = re.compile(r"^(sheet|工作表|表)\s*\d*$", re.IGNORECASE)
# A sheet per month or quarter (1月, 2024年6月, 6月份, 2024.06, 第二季度, 上半年): a period, no unit's name.
_PERIOD_SHEET_NAME = re.compile(r"^((\d{2,4}\s*(年|[-./_])\s*)?(\d{1,2}|[一二三四五六七八九十]{1,3})\s*月份?|\d{4}\s*[-./_]?\s*"
                                r"\d{1,2}|(\d{2,4}\s*年\s*)?(第?[一二三四1-4]\s*季度|[上下]半年|全年|年度))"
                                r"\s*(进展|进度|情况|台账|报表|更新)?$")
_SECTION_NUMBER = re.compile(r"^[（(]?[一二三四五六七八九十百]+[)）、.．]?$")
_SECTION_PREFIX = re.compile(r"^[（(]?[一二三四五六七八九十百]+[)）、.．]\s*")


def normalise_header(text: str) -> str:
    """A header as compared: full-width forms folded (（ → (), spaces, line breaks and marks
    like ★ removed, 【】 as brackets."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("【", "(").replace("】", ")").replace("〔", "(").replace("〕", ")")
    text = text.replace("[", "(").replace("]", ")")
    return _DECORATION.sub("", text).rstrip(":：")


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _split_note(header: str) -> tuple[str, str]:
    """`总投资(万元)` → (总投资, 万元); a header without a bracket at its end → (header, "")."""
    match = _NOTE.match(header)
    return (match.group("base"), match.group("note")) if match else (header, "")


@dataclass(frozen=True)
class _Known:
    """Every header that means something, normalised: → its field, or None for a known
    header that is no field."""

    exact: dict[str, str | None]
    by_length: tuple[tuple[str, str | None], ...]  # for the longest match inside a header, longest first


def _known_headers(overrides: dict[str, str | None]) -> _Known:
    exact: dict[str, str | None] = {}
    for field_key, headers in HEADERS.items():
        for header in headers:
            exact.setdefault(normalise_header(header), field_key)
    for header in NOT_FIELDS:
        exact.setdefault(normalise_header(header), None)
    exact.update(overrides)
    by_length = tuple(sorted(exact.items(), key=lambda item: -len(item[0])))
    return _Known(exact, by_length)


def field_for_header(header: str, known: _Known | None = None) -> tuple[str | None, bool]:
    """(the field a header names or None, whether the header is known at all), by the whole
    header, then without its bracket note, then by the longest known header inside it."""
    known = known or _known_headers({})
    text = normalise_header(header)
    if not text or len(text) > MAX_HEADER_LENGTH or re.search(r"[:：]", header.strip().rstrip(":：")):
        return None, False
    base, _note = _split_note(text)
    for candidate in (text, base):
        if candidate in known.exact:
            return known.exact[candidate], True
    best: tuple[int, int, str | None] | None = None
    for known_header, field_key in known.by_length:
        if len(known_header) < 2:
            continue
        if best and len(known_header) < best[0]:
            break
        position = base.rfind(known_header)
        if position >= 0:
            # Of two as long, the later one names the column: 项目类别 is a category.
            candidate_best = (len(known_header), position + len(known_header), field_key)
            if best is None or candidate_best[:2] > best[:2]:
                best = candidate_best
    if best:
        return best[2], True
    return None, False


@dataclass(frozen=True)
class Column:
    index: int  # 0-based
    header: str  # as shown: the header cell's text, `group/sub` for a header over two rows
    field: str | None  # None: not imported
    known: bool  # a known header that is no field (配合单位), as opposed to an unknown one
    where: SourceRef  # the header cell
    note: str = ""  # the bracket at the header's end: `万元` of 总投资（万元）


@dataclass(frozen=True)
class Header:
    row: int  # 0-based row of the header (its first row when over two)
    data_row: int  # 0-based row of the first data row
    columns: tuple[Column, ...]


def read_spreadsheet(path: Path, shown_name: str, column_overrides: dict[str, str] | None = None) -> ImportedDocument:
    """The projects of a ledger file, values as staff see them, each with its cell.

    `column_overrides` (site.yaml `import: {columns: {"表头文字": field}}`) names the field of
    a header, overriding the built-in table; a field of "" (or "-") means: do not import that
    column. Problems (a file that cannot be read, no header, two columns for one field) are
    in the document's `problems`; nothing is raised for bad input."""
    workbook = read_workbook(path, shown_name)
    overrides, override_problems = _overrides(column_overrides or {}, shown_name)
    known = _known_headers(overrides)
    facts = list(workbook.facts)
    problems = list(workbook.problems) + override_problems
    projects: list[ImportedProject] = []
    to_confirm: list[tuple[int, str, str]] = []
    headers = {index: find_header(sheet, known, shown_name) for index, sheet in enumerate(workbook.sheets)
               if not sheet.hidden}
    found_any = any(header is not None for header in headers.values())
    for index, sheet in enumerate(workbook.sheets):
        label = sheet.name or shown_name
        if sheet.hidden:
            facts.append(_("sheet \"{sheet}\" is hidden: not imported", sheet=label))
            continue
        if not any(any(row) for row in sheet.rows):
            facts.append(_("sheet \"{sheet}\" is empty", sheet=label))
            continue
        header = headers[index]
        if header is None:
            if found_any:
                facts.append(_("sheet \"{sheet}\": no header row found, not imported", sheet=label))
            else:
                problems.append(ImportProblem(SourceRef(shown_name, sheet.name, "A1"), _no_header_message()))
            continue
        sheet_projects, sheet_facts, sheet_problems, sheet_confirm = _read_sheet(
            sheet, header, workbook, len(projects))
        projects.extend(sheet_projects)
        facts.extend(sheet_facts)
        problems.extend(sheet_problems)
        to_confirm.extend(sheet_confirm)
    return ImportedDocument(shown_name, tuple(projects), tuple(facts), tuple(problems), tuple(to_confirm))


def _no_header_message() -> str:
    titles = pgettext("list", " or ").join(HEADERS["title"][:4])
    others = pgettext("list", ", ").join(HEADERS[key][0] for key in ("number", "unit", "progress", "status", "lead"))
    return _("no header row found in the first {count} rows: expected a row naming the title ({titles}) and "
             "other columns such as {others}; if the headers are worded differently, name their fields in "
             "site.yaml under import: columns:", count=HEADER_SEARCH_ROWS, titles=titles, others=others)


def _overrides(column_overrides: dict[str, str], shown_name: str) -> tuple[dict[str, str | None], list[ImportProblem]]:
    overrides: dict[str, str | None] = {}
    problems = []
    for header, field_key in column_overrides.items():
        key = (field_key or "").strip()
        if key in ("", "-"):
            overrides[normalise_header(header)] = None
        elif key in FIELDS:
            overrides[normalise_header(header)] = key
        else:
            problems.append(ImportProblem(SourceRef("site.yaml"), _(
                "import: columns: \"{header}\": '{field}' is not a field; use one of {fields}, or \"\" to leave the "
                "column out", header=header, field=field_key, fields=pgettext("list", ", ").join(FIELDS))))
    return overrides, problems


def _cell(sheet: Sheet, row: int, column: int) -> str:
    if row < len(sheet.rows) and column < sheet.width:
        return sheet.rows[row][column]
    return ""


def find_header(sheet: Sheet, known: _Known | None, shown_name: str) -> Header | None:
    """The header of `sheet`: the row naming the most fields (the title among them, and at
    least two), with a second header row below it when its group cells have sub-headers."""
    known = known or _known_headers({})
    best: tuple[int, int] | None = None  # (fields named, row)
    for row in range(min(HEADER_SEARCH_ROWS, len(sheet.rows))):
        fields: set[str] = set()
        whole = 0  # headers known as they are, not by a known header inside them
        for text in sheet.rows[row]:
            field_key = field_for_header(text, known)[0] if text else None
            if field_key:
                fields.add(field_key)
                base = _split_note(normalise_header(text))[0]
                whole += normalise_header(text) in known.exact or base in known.exact
        # Two fields with one named exactly, or three: a data row rarely looks like either.
        enough = len(fields) >= 3 or (len(fields) >= 2 and whole >= 1)
        if "title" in fields and enough and (best is None or len(fields) > best[0]):
            best = (len(fields), row)
    if best is None:
        return None
    row = best[1]
    groups = _groups(sheet, row)
    two_rows = bool(groups) and row + 1 < len(sheet.rows)
    columns = []
    for index in range(sheet.width):
        top = _cell(sheet, row, index)
        sub = _cell(sheet, row + 1, index) if two_rows else ""
        group_column = groups.get(index)
        where = SourceRef(shown_name, sheet.name, cell_name(row, index))
        if group_column is not None and sub:
            group = _cell(sheet, row, group_column)
            where = SourceRef(shown_name, sheet.name, cell_name(row + 1, index))
            shown = f"{group}/{sub}"
            combined = normalise_header(group + sub)
            if combined in known.exact:
                field_key, is_known = known.exact[combined], True
            else:
                field_key, is_known = field_for_header(sub, known)
        elif top:
            shown = top
            field_key, is_known = field_for_header(top, known)
        else:
            continue
        note = _split_note(normalise_header(shown.rpartition("/")[2]))[1]
        columns.append(Column(index, shown.replace("\n", ""), field_key, is_known, where, note))
    return Header(row, row + 2 if two_rows else row + 1, tuple(columns))


def _groups(sheet: Sheet, row: int) -> dict[int, int]:
    """Columns under a group cell of header row `row` → the group cell's column: a cell merged
    across one row with sub-headers under it, or, without merges (CSV, .ods), a header cell
    followed by blank header cells with sub-headers under them all."""
    groups: dict[int, int] = {}
    below = row + 1
    if below >= len(sheet.rows):
        return groups
    merged_here = [merge for merge in sheet.merges if merge.first_row == row]
    for merge in merged_here:
        if merge.last_row == row and merge.last_column > merge.first_column:
            if any(_cell(sheet, below, column) for column in range(merge.first_column, merge.last_column + 1)):
                for column in range(merge.first_column, merge.last_column + 1):
                    groups[column] = merge.first_column
    if sheet.merges:
        return groups
    # No merge recorded: a group is a header cell with blank cells to its right, sub-headers
    # under all of them, and its other header cells without any under them.
    column = 0
    while column < sheet.width:
        if _cell(sheet, row, column):
            end = column + 1
            while end < sheet.width and not _cell(sheet, row, end) and _cell(sheet, below, end):
                end += 1
            if end > column + 1 and _cell(sheet, below, column):
                for covered in range(column, end):
                    groups[covered] = column
            column = end
        else:
            column += 1
    if groups and any(_cell(sheet, below, column) for column in range(sheet.width) if column not in groups):
        return {}  # the row below has values outside the groups: a data row, not sub-headers
    return groups


@dataclass
class _Draft:
    where: SourceRef
    values: dict[str, ImportedValue]


def _read_sheet(sheet: Sheet, header: Header, workbook: Workbook, first_index: int):
    shown_name = workbook.source
    label = sheet.name or shown_name
    facts: list[str] = []
    problems: list[ImportProblem] = []
    to_confirm: list[tuple[int, str, str]] = []

    mapped: dict[str, Column] = {}
    for column in header.columns:
        if column.field is None:
            continue
        if column.field in mapped:
            first = mapped[column.field]
            problems.append(ImportProblem(column.where, _(
                "columns {first} ({first_header}) and {second} ({second_header}) both give {field}; rename one "
                "header, or name the right field of each in site.yaml under import: columns:",
                first=column_name(first.index), first_header=first.header, second=column_name(column.index),
                second_header=column.header, field=column.field)))
            continue
        mapped[column.field] = column
    facts.append(_("sheet \"{sheet}\": header in row {row}; columns read: {columns}", sheet=label,
                   row=header.row + 1, columns=pgettext("list", ", ").join(
                       _("{header} ({column}) → {field}", header=column.header, column=column_name(column.index),
                         field=field_key) for field_key, column in sorted(mapped.items(),
                                                                         key=lambda item: item[1].index))))
    unknown = [column for column in header.columns if column.field is None]
    if unknown:
        facts.append(_("sheet \"{sheet}\": columns not imported: {columns}; to import one, name its field in "
                       "site.yaml under import: columns:", sheet=label, columns=pgettext("list", ", ").join(
                           _("{header} (column {column})", header=column.header, column=column_name(column.index))
                           for column in unknown)))

    origin = _merge_origins(sheet, header.data_row, {column.index for column in mapped.values()})
    header_texts = {column.index: normalise_header(column.header.rpartition("/")[2]) for column in mapped.values()}
    title_column = mapped["title"].index
    number_column = mapped["number"].index if "number" in mapped else None
    first_column = min(column.index for column in mapped.values())

    def ref(row: int, column: int) -> SourceRef:
        return SourceRef(shown_name, sheet.name, cell_name(row, column))

    def value_at(row: int, column: int) -> tuple[str, int, int]:
        """A cell's text and the cell it is written in (the first of a vertical merge)."""
        source_row = origin.get((row, column), row)
        return _cell(sheet, source_row, column), source_row, column

    merged_across = {(merge.first_row, merge.first_column) for merge in sheet.merges
                     if merge.last_column - merge.first_column >= 2}
    unit_from_title = _unit_in_rows(sheet, range(header.row), shown_name)
    progress_columns = {mapped["progress"].index} if "progress" in mapped else set()
    title_units: list[ImportedValue] = []  # the units title rows gave, in order
    drafts: list[_Draft] = []
    skipped: dict[str, list[str]] = {"subtotal": [], "footer": [], "section": [], "header": []}
    continued: list[str] = []
    section: ImportedValue | None = None
    in_footer = False
    for row in range(header.data_row, len(sheet.rows)):
        cells = sheet.rows[row]
        if not any(cells):
            continue
        filled = [index for index, text in enumerate(cells) if text]
        first_text = _plain(cells[filled[0]])
        title_text, title_row, _title_column = value_at(row, title_column)
        own_title = bool(title_text) and title_row == row
        number_text = value_at(row, number_column)[0] if number_column is not None else ""
        own_number = number_column is not None and bool(number_text) and origin.get((row, number_column), row) == row
        key_text = normalise_header(number_text if own_number else title_text if own_title else cells[filled[0]])
        if _SUBTOTAL.match(key_text) or (own_title and _SUBTOTAL.match(normalise_header(title_text))):
            skipped["subtotal"].append(str(ref(row, filled[0])))
            continue
        # `填报单位：区民政局` alone at the start of a row (not a continuation's progress text)
        unit_row = (_unit_in_rows(sheet, [row], shown_name, at_start=True)
                    if len(filled) <= 2 and not own_title and filled[0] not in progress_columns else None)
        if unit_row is not None:
            unit_from_title = unit_row  # a table of the next unit, stacked under the one before
            skipped["section"].append(str(ref(row, filled[0])))
            continue
        if _FOOTER.search(first_text) and not (own_title and filled[0] == title_column and len(filled) > 1):
            in_footer = True
            skipped["footer"].append(str(ref(row, filled[0])))
            continue
        if in_footer and not own_title:
            skipped["footer"].append(str(ref(row, filled[0])))
            continue
        in_footer = False
        if sum(1 for index, text in header_texts.items() if text and normalise_header(cells[index]) == text) >= 2:
            skipped["header"].append(str(ref(row, filled[0])))
            continue
        section_text = _section_text(sheet, row, filled, number_column, title_column, merged_across)
        if section_text:
            section = ImportedValue(section_text, ref(row, filled[-1] if len(filled) > 1 else filled[0]))
            skipped["section"].append(str(ref(row, filled[0])))
            continue
        values: dict[str, ImportedValue] = {}
        own: set[str] = set()
        for field_key, column in mapped.items():
            text, source_row, source_column = value_at(row, column.index)
            if text:
                values[field_key] = ImportedValue(text, ref(source_row, source_column))
                if source_row == row:
                    own.add(field_key)
        if not values:
            continue
        if drafts and not own_title and not own_number:
            draft = drafts[-1]
            for field_key in sorted(own, key=FIELDS.index):
                value = values[field_key]
                present = draft.values.get(field_key)
                if present is None:
                    draft.values[field_key] = value
                elif field_key in _APPENDED:
                    draft.values[field_key] = ImportedValue(present.text + "\n" + value.text, present.where)
                elif present.text != value.text:
                    to_confirm.append((first_index + len(drafts) - 1, field_key, _(
                        "{cell} below it, continuing this project, gives another {field}: {value}",
                        cell=str(value.where), field=field_key, value=value.text)))
            continued.append(str(ref(row, filled[0])))
            if row in sheet.hidden_rows:
                to_confirm.append((first_index + len(drafts) - 1, "", _hidden_row(ref(row, filled[0]))))
            continue
        if "unit" not in values and unit_from_title is not None:
            values["unit"] = unit_from_title
            if unit_from_title not in title_units:
                title_units.append(unit_from_title)
        drafts.append(_Draft(ref(row, first_column), values))
        if row in sheet.hidden_rows:  # staff do not see it in Excel, yet it would be published
            to_confirm.append((first_index + len(drafts) - 1, "", _hidden_row()))
        if section is not None and "category" not in values:
            values["category"] = section

    for title_unit in title_units:
        facts.append(_("sheet \"{sheet}\": the unit is \"{unit}\", from {cell}", sheet=label,
                       unit=title_unit.text, cell=str(title_unit.where)))
    by_sheet_name = False
    # A sheet named after a month (1月, 2024年6月) holds that month's returns: its name is no unit.
    period_name = bool(_PERIOD_SHEET_NAME.match(_plain(sheet.name)))
    for draft in drafts:
        if "unit" not in draft.values and sheet.name and not _DEFAULT_SHEET_NAME.match(sheet.name) \
                and not period_name:
            draft.values["unit"] = ImportedValue(sheet.name, SourceRef(shown_name, sheet.name))
            by_sheet_name = True
    if by_sheet_name:
        facts.append(_("sheet \"{sheet}\": no unit column: the sheet's name is the unit", sheet=label))
    amount = mapped.get("funding.amount")
    if amount is not None and amount.note in _FUNDING_UNITS:
        for draft in drafts:
            if "funding.amount" in draft.values and "funding.unit" not in draft.values:
                draft.values["funding.unit"] = ImportedValue(amount.note, amount.where)

    for kind, cells_skipped in skipped.items():
        if not cells_skipped:
            continue
        cells = _list_cells(cells_skipped)
        if kind == "subtotal":
            facts.append(_("sheet \"{sheet}\": subtotal rows skipped: {cells}", sheet=label, cells=cells))
        elif kind == "footer":
            facts.append(_("sheet \"{sheet}\": footer rows skipped: {cells}", sheet=label, cells=cells))
        elif kind == "section":
            facts.append(_("sheet \"{sheet}\": section rows read as the category or unit of the rows under them: "
                           "{cells}", sheet=label, cells=cells))
        else:
            facts.append(_("sheet \"{sheet}\": repeated header rows skipped: {cells}", sheet=label, cells=cells))
    if continued:
        facts.append(_("sheet \"{sheet}\": rows without their own 序号 or title, read as continuing the project "
                       "above them: {cells}", sheet=label, cells=_list_cells(continued)))
    projects = [ImportedProject(draft.where, {key: draft.values[key] for key in FIELDS if key in draft.values})
                for draft in drafts]
    return projects, facts, problems, to_confirm


def _hidden_row(where: SourceRef | None = None) -> str:
    """What to confirm about a project's hidden row, or (`where`) a hidden row continuing it."""
    if where is not None:
        return _("{cell} below it, continuing this project, is hidden in the workbook and was imported: if it "
                 "should not be published, delete that text from the file", cell=str(where))
    return _("this row is hidden in the workbook, and was imported: if it should not be published, delete this "
             "project from the file")


def _list_cells(cells: list[str], shown: int = 10) -> str:
    text = pgettext("list", ", ").join(cells[:shown])
    if len(cells) > shown:
        text += " " + _("and {count} more", count=len(cells) - shown)
    return text


def _merge_origins(sheet: Sheet, data_row: int, columns: set[int]) -> dict[tuple[int, int], int]:
    """(row, column) of a cell covered by a vertical merge in the data rows → the merge's first
    row; only for the columns read, and only in the merge's own first column."""
    origins: dict[tuple[int, int], int] = {}
    for merge in sheet.merges:
        if merge.last_row <= merge.first_row or merge.first_column not in columns or merge.last_row < data_row:
            continue
        for row in range(max(merge.first_row + 1, data_row), min(merge.last_row, len(sheet.rows) - 1) + 1):
            origins[(row, merge.first_column)] = merge.first_row
    return origins


def _unit_in_rows(sheet: Sheet, rows, shown_name: str, at_start: bool = False) -> ImportedValue | None:
    """The unit a title row names: `填报单位：区委办公室` (the last such row wins); with
    `at_start`, only a cell that begins with it."""
    found = None
    for row in rows:
        for column, text in enumerate(sheet.rows[row]):
            plain = unicodedata.normalize("NFKC", text).strip() if text else ""
            match = (_UNIT_TITLE.match(plain) if at_start else _UNIT_TITLE.search(plain)) if plain else None
            if match:
                unit = _UNIT_TITLE_END.sub("", match.group("unit")).strip()
                if unit:
                    found = ImportedValue(unit, SourceRef(shown_name, sheet.name, cell_name(row, column)))
    return found


def _section_text(sheet: Sheet, row: int, filled: list[int], number_column: int | None, title_column: int,
                  merged_across: set[tuple[int, int]]) -> str:
    """The name of a section row (`一、民生保障类` or 序号 `（一）` with 民生保障类 beside it and
    nothing else), or "". `merged_across`: the first cells of merges three columns wide or more."""
    cells = sheet.rows[row]
    if len(filled) == 1:
        text = cells[filled[0]]
        if _SECTION_PREFIX.match(text) and ((row, filled[0]) in merged_across
                                            or filled[0] in (number_column, title_column)):
            return _SECTION_PREFIX.sub("", text).strip()
        return ""
    if len(filled) == 2 and number_column is not None and set(filled) == {number_column, title_column}:
        if _SECTION_NUMBER.match(normalise_header(cells[number_column])):
            return _SECTION_PREFIX.sub("", cells[title_column]).strip()
    return ""
