"""Read a bulletin as it was published on a web page (`python3 build.py import FILE.txt`).

The published shape (see ../shared/reference/000_e2502bea5c584568.txt), read generally:

    按照《…》有关要求,…监督电话:0476-3555907。         <- the introduction (any text before the first unit)
    区委办公室(8项)                                       <- a unit heading with its count
    1.领办项目:下荒村滑子菇销路项目。工作进展:解决中。…   <- a numbered item
    8.星海社区工作人员保密知识培训项目。工作进展:…         <- the 领办项目 label may be missing

- A heading is a unit's name followed by its count in brackets, half- or full-width, with
  spaces or 共 allowed: `区委办公室(8项)`, `区委办公室 （共8项）：`, `一、区委办公室（八项）`
  (a leading Chinese ordinal is numbering, not part of the name; 项/个/条/件 all count).
  Also `（一）区委办公室（领办项目8项）`, `区委办公室（8项，已完成5项）` and, for a name ending as
  units' names do (办公室, 局, 镇, 街道 …), `区委办公室 8项`. A heading may have no count:
  `（一）区委办公室`, `区委办公室：` or such a name alone is a heading when item 1 follows it,
  possibly after a count line (`领办项目8项，已完成5项`). A short name alone above a heading
  (`镇乡街`, `区直部门`) names a group of units: left out, listed in `facts`.
- Web page furniture and footers (当前位置：, 【字体：大 中 小】, 来源：, 编辑：, 扫一扫…, 打印本页,
  关闭窗口, 版权所有, ICP备…, a date alone, the signing unit above that date) end the item
  above them, are left out (of the introduction too) and their lines are listed in `facts`.
- An item starts with its number: `1.` `1、` `１．` `1)` `(1)` `（1）` `①` `项目1：`. Its title is the text
  before the progress label (工作进展/进展情况/推进情况/完成情况/进展 and a colon), without a
  leading 领办项目:/项目名称:/实事项目:/项目: label and without the trailing 。; its progress is
  everything after the label, word for word. With no progress label, the title is the text
  up to the first 。 and the rest is the progress (listed for staff to confirm).
- Any other line continues the item above it: a web page wraps text where its column ends.
  Lines are joined the way a reader reads them. A break inside a sentence is the page's
  wrap: joined with nothing between (Chinese has no spaces), or with one space between two
  Latin letters or digits (a browser only wraps Latin text at a space). A break after the
  end of a sentence (。！？；… possibly followed by a closing quote or bracket) starts a new
  paragraph: joined with a blank line, which the progress's Markdown shows as a paragraph.
  Within an item blank lines are the page's spacing and decide nothing; in the introduction
  (where a page puts its title and date above the text) a blank line ends a paragraph.
- A numbered line continues the item above instead of starting one when its number is not
  the next one and it carries no label (`2、3号楼已完工` wrapped onto a line of its own); that
  is listed for staff to confirm.

- Other labelled fields of an item, where a field starts (a line's start, after 。；，、 a space or
  an opening bracket): 责任领导/责任人/领办领导 → `lead`, 完成时限/完成时间 → `due`, 完成状态/状态 →
  `status`, each up to the next label; a second progress label (完成情况：已完成 after 推进情况：…)
  holding only a status word is the `status`; so is a status word in brackets closing the item
  (`…项目（已完成）`, `…。【推进中】`), the importer's words deciding what a status word is.

Values (keys of imported.FIELDS) of each project: `unit` (the heading's name as written, at
the heading's line), `number` (the item's number in ASCII digits, `１．` and `①` giving "1"),
`title` and `progress` (each at the line it starts on). `ImportedDocument.intro` is the text
before the first heading, at its first line; `facts` say the encoding and the intro's lines.
A file over MAX_TEXT_BYTES (20 MB) is refused unread; the reading is linear in its size.

This reader does not interpret: the unit's name is as written, a status only as the text
labels it (else the importer guesses one from the progress words), ids are the importer's. Problems, each at
`file:line`: a heading whose count disagrees with the items under it, a line between a
heading and its first item that is not an item, an item before any heading, no heading at
all, a file too big, not text, or in an encoding other than UTF-8/UTF-16/GBK/GB18030.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from .imported import ImportedDocument, ImportedProject, ImportedValue, ImportProblem, SourceRef
from .messages import _, ngettext, pgettext

# A published bulletin is a few hundred kilobytes; anything this big is not one, and
# reading it whole would only make staff wait.
MAX_TEXT_BYTES = 20 * 1024 * 1024

# A heading is short; the pattern is only tried on lines this long or shorter, which also
# keeps its work per line bounded.
_MAX_HEADING_CHARS = 100

# Characters a web page or an editor leaves around a line that are not part of its text:
# spaces of every width, a stray byte-order mark, zero-width spaces.
_EDGE_CHARACTERS = " \t\u3000\u00a0\ufeff\u200b\u200c\u200d\u2060\f\v"

_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                   "八": 8, "九": 9}

_COUNT_WORDS = r"(?:(?:共|领办|領辦|认领|認領|承办|承辦|实事|實事|民生|重点|重點|项目|項目)\s*){0,4}"
_HEADING = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}\s*[、.．]\s*|[(（]\s*[一二三四五六七八九十]{1,3}\s*[)）]\s*)?"  # 一、 （一）
    # 区委办公室（8项） （共8项） （领办项目8项） （8项，已完成5项）
    r"(?P<name>[^\s(（].*?)\s*(?:[(（]\s*" + _COUNT_WORDS +
    r"(?P<count>\d{1,5}|[零〇一二两三四五六七八九十百]{1,6})\s*[项項个個条條件]\s*(?:[，,、；;][^()（）]{0,30})?[)）]"
    # 区委办公室 8项, 区委办公室：共8项 (only when the name ends as a unit's does: see _heading)
    r"|(?:\s+|\s*[:：]\s*)" + _COUNT_WORDS +
    r"(?P<plain_count>\d{1,5}|[零〇一二两三四五六七八九十百]{1,6})\s*[项項个個条條件])\s*[:：]?")
_ITEM_NUMBER = re.compile(
    r"(?:[(（]\s*(?P<bracketed>\d{1,4})\s*[)）]"  # (1) （1）
    # 1. １． 1) but not 1.5万 or 2021.8.24; 1、 even before a digit (1、5G基站建设), since
    # a wrapped 2、3号楼 is told apart by its number (see _starts_item)
    r"|(?P<plain>\d{1,4})\s*(?:[.．)）](?!\d)|、)"
    r"|(?P<circled>[\u2460-\u2473])"  # ① … ⑳
    r"|(?:项目|項目)\s*(?P<labelled>\d{1,4})\s*[:：])"  # 项目1：
    r"\s*")
# Simplified labels, and the Traditional ones a page published in Traditional characters shows.
_TITLE_LABEL = re.compile(r"(?:领办项目|領辦項目|项目名称|項目名稱|实事项目|實事項目|民生项目|民生項目|项目|項目)\s*[:：]\s*")
_PROGRESS_LABEL = re.compile(r"(?:工作进展|工作進展|进展情况|進展情況|推进情况|推進情況|完成情况|完成情況|进展|進展)\s*[:：]")
# The other labels an item may carry (责任领导：张三 / 完成时限：2021年12月 / 完成状态：已完成), each
# read as that field's value up to the next label. Only where a field starts (_FIELD_START):
# at a line's start or after a separator, so 状态： inside a sentence stays text.
_FIELD_START = frozenset("\n。；;，,、 \t\u3000.．（(")
_WEAK_LABELS = frozenset(("时限", "時限", "状态", "狀態"))
_FIELD_LABEL = re.compile(
    r"(?:(?P<lead>责任领导|責任領導|责任人|責任人|领办领导|領辦領導|领办人|領辦人|牵头领导|牽頭領導|包联领导|包聯領導)"
    r"|(?P<due>完成时限|完成時限|办结时限|辦結時限|完成时间|完成時間|时限|時限)"
    r"|(?P<status>完成状态|完成狀態|项目状态|項目狀態|状态|狀態))\s*[:：]")
# A status closing an item in brackets: 1、下荒村路灯修复项目（已完成） / …。【推进中】
_CLOSING_STATUS = re.compile(r"\s*(?:【\s*(?P<a>[^【】]{1,8}?)\s*】|\[\s*(?P<b>[^\[\]]{1,8}?)\s*\]"
                             r"|[(（]\s*(?P<c>[^()（）]{1,8}?)\s*[)）])[\s。.]*$")
# Lines a web page puts around an article (its navigation, tools and footer) that staff paste
# with the text: they end the item above, are left out and are listed in the summary.
_FURNITURE = re.compile(
    r"(?:[【\[]\s*)?(?:(?:来源|來源|信息来源|信息來源|稿源|文章来源|文章來源|编辑|編輯|责任编辑|責任編輯|责编|責編"
    r"|审核|審核|校对|校對|作者|发布时间|發佈時間|發布時間|发布日期|發佈日期|发布机构|發佈機構|浏览次数|瀏覽次數"
    r"|点击数|點擊數|阅读次数|閱讀次數|访问次数|字号|字號|字体|字體|当前位置|當前位置|您的位置|分享到|上一篇|下一篇"
    r"|主办单位|主辦單位|承办单位|承辦單位|网站标识码|網站標識碼)\s*[:：]"
    r"|扫一扫|掃一掃|打印本页|打印本頁|关闭窗口|關閉窗口|【\s*(?:打印|关闭|關閉|收藏|返回顶部|返回頂部)\s*】"
    r"|\[\s*(?:打印|关闭|關閉)\s*\]|字[体号體號]\s*[:：]?\s*大\s*中\s*小|版权所有|版權所有|Copyright|©"
    r"|.{0,40}(?:ICP备|ICP備|公网安备|公網安備))", re.IGNORECASE)
# The date closing a document (2021年8月24日), and the signing body's line above it: a footer.
_DATE_LINE = re.compile(r"\d{4}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?")
# A unit heading without a count (`（一）区委办公室`, `区委办公室：`) or a group of units
# (`镇乡街`, `区直部门`): a short line of a name alone, told apart by what follows it.
_BARE_HEADING = re.compile(
    r"(?P<ordinal>(?:[(（]\s*[一二三四五六七八九十]{1,3}\s*[)）]|[一二三四五六七八九十]{1,3}\s*[、.．])\s*)?"
    r"(?P<name>[^\s(（:：。，,；;！!？?、“”\"'《》]{2,30}?)\s*[:：]?")
# The count written on its own line under such a heading: 领办项目8项，已完成5项 / 共八项
_COUNT_LINE = re.compile(
    r"(?:共\s*)?(?:领办|領辦|认领|認領|承办|承辦|牵头|牽頭)?\s*(?:实事项目|實事項目|项目|項目|实事|實事)?\s*(?:共\s*)?"
    r"(?P<count>\d{1,5}|[零〇一二两三四五六七八九十百]{1,6})\s*[项項个個条條件](?:$|[，,。；;、\s].*)")
_MAX_GROUP_CHARS = 16
# How the names of units end (办公室, 局, 镇, 街道办事处 …): a name alone without a 一、 before it
# must end so to be a heading, else a note like 以下为本单位认领的项目清单 above item 1 would be one.
_UNIT_NAME_END = re.compile(
    r"(?:办公室|辦公室|局|镇|鎮|乡|鄉|街道|办事处|辦事處|委员会|委員會|机关|機關|中心|部|院|所|队|隊|处|處|委|办|辦|会|會"
    r"|站|厅|廳|公司|集团|集團|苏木|蘇木|社区|社區|村|署|馆|館|团|團)$")
_SENTENCE_END = frozenset("。！？；…!?;.")
_CLOSING = "”’\"'）)」』】》"
_TITLE_END = " \t\u3000。．.，,；;、"


@dataclass
class _Piece:
    line: int
    text: str
    after_blank: bool = False  # a blank line comes between it and the line before


@dataclass
class _Item:
    number: int
    line: int  # where its number is
    pieces: list[_Piece]
    unit: "_Unit | None"
    confirm: list[str] = field(default_factory=list)  # why staff should check its progress


@dataclass
class _Unit:
    name: str
    count: int | None  # None for a heading written without one
    line: int
    items: list[_Item] = field(default_factory=list)


def read_text_bulletin(path: Path, shown_name: str) -> ImportedDocument:
    """The units and projects of the bulletin text at `path`; `shown_name` is how staff
    named the file (used in every SourceRef and message). Never raises for bad input:
    every difficulty is an ImportProblem in the document."""
    whole_file = SourceRef(shown_name)
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            return _refused(shown_name, whole_file, _(
                "the file is {size} MB; a bulletin text is at most {limit} MB. Is this the right file?",
                size=_megabytes(size), limit=_megabytes(MAX_TEXT_BYTES)))
        with path.open("rb") as stream:
            data = stream.read(MAX_TEXT_BYTES + 1)
    except OSError as error:
        return _refused(shown_name, whole_file, _("cannot read the file: {reason}",
                                                  reason=error.strerror or str(error)))
    if len(data) > MAX_TEXT_BYTES:  # grew while being read
        return _refused(shown_name, whole_file, _(
            "the file is {size} MB; a bulletin text is at most {limit} MB. Is this the right file?",
            size=_megabytes(len(data)), limit=_megabytes(MAX_TEXT_BYTES)))
    decoded = _decode(data, shown_name)
    if isinstance(decoded, ImportProblem):
        return ImportedDocument(source=shown_name, projects=(), problems=(decoded,))
    text, encoding_fact = decoded
    return _read(text, shown_name, encoding_fact)


def _refused(shown_name: str, where: SourceRef, message: str) -> ImportedDocument:
    return ImportedDocument(source=shown_name, projects=(), problems=(ImportProblem(where, message),))


def _megabytes(size: int) -> str:
    """Megabytes to one decimal, rounded up: a file just over the limit does not read as equal to it."""
    tenths = -(-size * 10 // (1024 * 1024))
    return f"{tenths // 10}.{tenths % 10}".removesuffix(".0")


def _decode(data: bytes, shown_name: str) -> tuple[str, str] | ImportProblem:
    """The text and a sentence saying how it was read: UTF-8 (with or without the mark
    Notepad writes), UTF-16 with its mark (Notepad's "Unicode"), else GBK/GB18030 as Chinese
    Windows saves text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), _("Read as UTF-16 text (Notepad's \"Unicode\").")
        except UnicodeDecodeError:
            return ImportProblem(SourceRef(shown_name), _(
                "the file starts like UTF-16 text but is not; save it again as UTF-8"))
    if b"\x00" in data:
        return ImportProblem(SourceRef(shown_name), _(
            "this is not a text file (it holds binary data); copy the bulletin's text into a .txt file"))
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8"), _("Read as UTF-8 text (with a byte-order mark).")
        return data.decode("utf-8"), _("Read as UTF-8 text.")
    except UnicodeDecodeError as not_utf8:
        try:
            return data.decode("gb18030"), _("Read as GBK/GB18030 text (as Chinese Windows saves it).")
        except UnicodeDecodeError:
            line = data.count(b"\n", 0, not_utf8.start) + 1
            return ImportProblem(SourceRef(shown_name, line=line), _(
                "this line is neither UTF-8 nor GBK text; open the file and save it as UTF-8"))


def _lines(text: str) -> list[str]:
    """The lines as a text editor numbers them: CRLF, LF or a lone CR ends one."""
    return re.split(r"\r\n|\r|\n", text)


def _number(match: re.Match[str]) -> int:
    if match.group("circled"):
        return ord(match.group("circled")) - 0x2460 + 1
    # int() reads full-width digits too
    return int(match.group("bracketed") or match.group("plain") or match.group("labelled"))


def _count(written: str) -> int:
    """A heading's count: digits of any width, or Chinese numerals up to 九百九十九 (八, 十二)."""
    if written[0].isdigit():
        return int(written)
    total, current = 0, 0
    for character in written:
        if character == "百":
            total += (current or 1) * 100
            current = 0
        elif character == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CHINESE_DIGITS[character]
    return total + current


def _heading(line: str) -> tuple[str, int] | None:
    if len(line) > _MAX_HEADING_CHARS:
        return None
    match = _HEADING.fullmatch(line)
    if not match:
        return None
    name = match.group("name").strip(_EDGE_CHARACTERS)
    # A sentence or a labelled item that happens to end in `(3项)` is not a heading.
    if "。" in name or _PROGRESS_LABEL.search(name) or _TITLE_LABEL.match(name) or _ITEM_NUMBER.match(name):
        return None
    if match.group("plain_count"):  # without brackets 已完成 3项 would read as a heading too
        if not _UNIT_NAME_END.search(name) or _FURNITURE.match(line):
            return None
        return name, _count(match.group("plain_count"))
    return name, _count(match.group("count"))


def _starts_item(rest: str, number: int, current: _Item | None) -> bool:
    """Whether a numbered line starts an item rather than continuing the one above: the
    first after a heading, the next number, or a line carrying an item's label."""
    if current is None or number == current.number + 1:
        return True
    return bool(_TITLE_LABEL.match(rest) or _PROGRESS_LABEL.search(rest))


def _joint(before: str, after: str, paragraph: bool = False) -> str:
    """What a reader reads between two lines of one item (see the module's docstring);
    `paragraph` when the two are paragraphs whatever their punctuation."""
    last = before.rstrip(_CLOSING)[-1:] or before[-1]
    if paragraph or last in _SENTENCE_END:
        return "\n\n"
    if before[-1].isascii() and before[-1].isalnum() and after[0].isascii() and after[0].isalnum():
        return " "
    return ""


def _joined(pieces: list[_Piece], blank_line_is_paragraph: bool = False) -> tuple[str, list[int]]:
    """The pieces' text as one, and where each piece starts in it."""
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    for index, piece in enumerate(pieces):
        if index:
            joint = _joint(pieces[index - 1].text, piece.text, blank_line_is_paragraph and piece.after_blank)
            parts.append(joint)
            length += len(joint)
        starts.append(length)
        parts.append(piece.text)
        length += len(piece.text)
    return "".join(parts), starts


def _line_at(position: int, pieces: list[_Piece], starts: list[int]) -> int:
    return pieces[max(bisect.bisect_right(starts, position) - 1, 0)].line


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and (text[position].isspace() or text[position] in _EDGE_CHARACTERS):
        position += 1
    return position


def _quoted(line: str) -> str:
    """The start of a line, enough for staff to recognise it in a message."""
    return line if len(line) <= 30 else line[:30] + "…"


def _read(text: str, shown_name: str, encoding_fact: str) -> ImportedDocument:
    problems: list[ImportProblem] = []
    units: list[_Unit] = []
    intro: list[_Piece] = []
    unit: _Unit | None = None
    item: _Item | None = None  # the item being read, an item before any heading included

    def at(line: int) -> SourceRef:
        return SourceRef(shown_name, line=line)

    entries: list[tuple[int, str, bool]] = []  # (line number, text, a blank line comes before it)
    blank_before = False
    for line_number, raw in enumerate(_lines(text), start=1):
        line = raw.strip(_EDGE_CHARACTERS + "\r\n")
        if not line:
            blank_before = True
            continue
        entries.append((line_number, line, blank_before))
        blank_before = False

    def bare_heading(index: int, closed_before: bool) -> tuple[str, int | None, int] | None:
        """(name, count or None, the entries it takes) when the line at `index` is a unit's
        name alone: the item 1 (or a count line, then item 1) follows it."""
        line = entries[index][1]
        if _FURNITURE.match(line) or _ITEM_NUMBER.match(line) or _PROGRESS_LABEL.search(line):
            return None
        match = _BARE_HEADING.fullmatch(line)
        if not match:
            return None
        if not match.group("ordinal"):  # 区委办公室： or 区委办公室 alone
            if not _UNIT_NAME_END.search(match.group("name")) or (unit is not None and not unit.items):
                return None
            # Without a colon it may be the end of a sentence the page wrapped.
            if match.group("name") == line and not closed_before:
                return None
        taken, count = 1, None
        if index + 1 < len(entries):
            counted = _COUNT_LINE.fullmatch(entries[index + 1][1])
            if counted:
                taken, count = 2, _count(counted.group("count"))
        if index + taken >= len(entries):
            return None
        first = _ITEM_NUMBER.match(entries[index + taken][1])
        if not first or _number(first) != 1:
            return None
        return match.group("name"), count, taken

    def group_heading(index: int, closed_before: bool) -> bool:
        """Whether the line at `index` names a group of units (镇乡街, 区直部门): a short name
        alone with a unit's heading below it."""
        line = entries[index][1]
        if len(line) > _MAX_GROUP_CHARS or index + 1 >= len(entries) or _FURNITURE.match(line):
            return False
        if not _BARE_HEADING.fullmatch(line) or _ITEM_NUMBER.match(line) or _heading(line):
            return False
        if not closed_before and _BARE_HEADING.fullmatch(line).group("name") == line:
            return False
        return bool(_heading(entries[index + 1][1]) or bare_heading(index + 1, True))

    def signature(index: int, closed_before: bool) -> bool:
        """Whether the line at `index` names who signs the document: a unit's name alone
        with the date below it."""
        line = entries[index][1]
        return (closed_before and index + 1 < len(entries) and len(line) <= 30
                and bool(_BARE_HEADING.fullmatch(line)) and bool(_UNIT_NAME_END.search(line))
                and bool(_DATE_LINE.fullmatch(halfwidth_digits(entries[index + 1][1]))))

    furniture: list[int] = []
    groups: list[tuple[int, str]] = []
    closed_before = True  # the line before ends a sentence or a part (or there is none)
    index = 0
    while index < len(entries):
        line_number, line, after_blank = entries[index]
        closed = closed_before or after_blank
        index += 1
        closed_before = True
        heading = _heading(line)
        bare = None if heading else bare_heading(index - 1, closed)
        if heading or bare:
            name, count = heading if heading else bare[:2]
            unit = _Unit(name=name, count=count, line=line_number)
            units.append(unit)
            item = None
            if bare:
                index += bare[2] - 1
            continue
        if _FURNITURE.match(line) or _DATE_LINE.fullmatch(halfwidth_digits(line)):
            furniture.append(line_number)
            item = None
            continue
        if signature(index - 1, closed):
            furniture.append(line_number)
            item = None
            continue
        if group_heading(index - 1, closed):
            groups.append((line_number, line))
            item = None
            continue
        last = line.rstrip(_CLOSING)[-1:]
        closed_before = last in _SENTENCE_END or last in "：:" or line[-1] in _CLOSING
        numbered = _ITEM_NUMBER.match(line)
        if numbered:
            number, rest = _number(numbered), line[numbered.end():]
            if _starts_item(rest, number, item):
                if unit is None:
                    problems.append(ImportProblem(at(line_number), _(
                        "item {number} comes before any unit heading; add its unit's heading above it, "
                        "like 区委办公室(8项)", number=number)))
                # `rest` is empty when the number stands alone and the text follows on the next lines.
                item = _Item(number=number, line=line_number, pieces=[_Piece(line_number, rest)], unit=unit)
                if unit is not None:
                    unit.items.append(item)
                continue
            item.confirm.append(_(
                "line {line} starts with the number {number} but is read as part of this item's text, "
                "since it is not the next number and has no 领办项目 or 工作进展 label",
                line=line_number, number=number))
        if item is not None:
            if not item.pieces[-1].text:  # the number stood alone: its text starts here
                item.pieces[-1] = _Piece(line_number, line)
            else:
                item.pieces.append(_Piece(line_number, line))
        elif unit is not None:
            problems.append(ImportProblem(at(line_number), _(
                "cannot read \"{text}\": under a unit heading each item starts with its number, "
                "like 1.领办项目:…。工作进展:…; correct this line or delete it", text=_quoted(line))))
        else:
            intro.append(_Piece(line_number, line, after_blank))

    projects: list[ImportedProject] = []
    to_confirm: list[tuple[int, str, str]] = []
    for unit in units:
        _check_count(unit, at, problems)
        for unit_item in unit.items:
            project, confirm = _project(unit, unit_item, at)
            for why in confirm:
                to_confirm.append((len(projects), "progress", why))
            projects.append(project)

    facts = [encoding_fact]
    for line_number, line in groups:
        facts.append(_("Line {line} \"{text}\" names a group of units, not a unit: it was left out.",
                       line=line_number, text=_quoted(line)))
    if furniture:
        facts.append(ngettext(
            "Line {lines} is a web page's furniture or footer (来源, 编辑, 打印本页 …): it was left out.",
            "Lines {lines} are a web page's furniture or footer (来源, 编辑, 打印本页 …): they were left out.",
            len(furniture), lines=_line_list(furniture)))
    intro_value = None
    if intro:
        # A page's title and date stand above its introduction with a blank line between:
        # there a blank line ends a paragraph even after a line that stops mid-sentence.
        intro_text, _starts = _joined(intro, blank_line_is_paragraph=True)
        intro_value = ImportedValue(intro_text, at(intro[0].line))
        facts.append(_("The text before the first unit (lines {first}-{last}) was read as the introduction.",
                       first=intro[0].line, last=intro[-1].line))
    if not units:
        problems.append(ImportProblem(SourceRef(shown_name), _(
            "no unit heading was found: a bulletin lists each unit as its name and its number of items, "
            "like 区委办公室(8项), with the numbered items below it. Is this the published bulletin?")))
    return ImportedDocument(source=shown_name, projects=tuple(projects), facts=tuple(facts),
                            problems=tuple(sorted(problems)), to_confirm=tuple(to_confirm), intro=intro_value)


def halfwidth_digits(text: str) -> str:
    """２０２１ as 2021, so a pattern of ASCII digits reads full-width ones too."""
    return text.translate(_FULLWIDTH_DIGITS)


_FULLWIDTH_DIGITS = {0xFF10 + digit: ord("0") + digit for digit in range(10)}


def _line_list(lines: list[int]) -> str:
    """1, 2, 3, 7, 9, 10 as 1-3, 7, 9-10."""
    spans: list[list[int]] = []
    for line in lines:
        if spans and line == spans[-1][1] + 1:
            spans[-1][1] = line
        else:
            spans.append([line, line])
    return pgettext("list", ", ").join(str(first) if first == last else f"{first}-{last}" for first, last in spans)


def _check_count(unit: _Unit, at, problems: list[ImportProblem]) -> None:
    found = len(unit.items)
    if unit.count is None or found == unit.count:  # a heading without a count has nothing to check
        return
    if not found:
        problems.append(ImportProblem(at(unit.line), _(
            "the heading of \"{unit}\" counts {expected} items, but no numbered item follows it",
            unit=unit.name, expected=unit.count)))
        return
    first = unit.items[0].line
    last = unit.items[-1].pieces[-1].line
    problems.append(ImportProblem(at(unit.line), ngettext(
        "the heading of \"{unit}\" counts {expected} items, but lines {first}-{last} hold {count} item",
        "the heading of \"{unit}\" counts {expected} items, but lines {first}-{last} hold {count} items",
        found, unit=unit.name, expected=unit.count, first=first, last=last)))


def _project(unit: _Unit, item: _Item, at) -> tuple[ImportedProject, list[str]]:
    """An item's values (unit, number, title, progress), each at the line it starts on."""
    first_line = item.line
    values = {"unit": ImportedValue(unit.name, at(unit.line)),
              "number": ImportedValue(str(item.number), at(first_line))}
    confirm = list(item.confirm)
    text, starts = _joined(item.pieces)
    title_start = 0
    label = _TITLE_LABEL.match(text)
    if label:
        title_start = label.end()
    line_starts = set(starts)

    def starts_field(position: int) -> bool:
        return position <= title_start or position in line_starts or text[position - 1] in _FIELD_START

    # Where each labelled field starts: (label's start, value's start, key); the first of each key.
    marks: dict[str, tuple[int, int]] = {}
    for found in _FIELD_LABEL.finditer(text, title_start):
        # A bare 时限：/状态： after a comma is more likely a sentence going on than a field.
        weak = found.group()[:2] in _WEAK_LABELS and found.start() > 0 and text[found.start() - 1] in "，,、"
        if starts_field(found.start()) and not weak:
            marks.setdefault(found.lastgroup, (found.start(), found.end()))
    progress_label = _PROGRESS_LABEL.search(text, title_start)
    if progress_label:
        marks["progress"] = (progress_label.start(), progress_label.end())
        if "status" not in marks:
            # 推进情况：…。完成情况：已完成 — a second progress label saying only a status word is the status.
            for found in _PROGRESS_LABEL.finditer(text, progress_label.end()):
                if starts_field(found.start()) and _is_status_word(_field_text(text, found.end(), _next_mark(marks, found.end()))):
                    marks["status"] = (found.start(), found.end())
                    break
    first_mark = min((label_start for label_start, _value in marks.values()), default=len(text))
    title_end = first_mark
    if not progress_label:
        sentence_end = text.find("。", title_start, first_mark)
        if sentence_end >= 0:
            title_end = sentence_end
            marks["progress"] = (sentence_end + 1, sentence_end + 1)
    title_start = _skip_space(text, title_start)
    # A title is one line: a paragraph break inside it is only where the page broke it.
    title = _unbracketed(text[title_start:title_end].replace("\n\n", "").rstrip(_TITLE_END + "\n"))
    if title:
        values["title"] = ImportedValue(title, at(_line_at(title_start, item.pieces, starts)))
    for key, (label_start, value_start) in marks.items():
        value_start = _skip_space(text, value_start)
        value_end = _next_mark(marks, max(value_start, label_start + 1))  # an unlabelled progress starts at its mark
        written = _field_text(text, value_start, value_end)
        if key != "progress":
            written = _unbracketed(written.replace("\n\n", "").rstrip(_TITLE_END))
        if written:
            values[key] = ImportedValue(written, at(_line_at(value_start, item.pieces, starts)))
    for closing_in in ("progress", "title"):
        if "status" not in values and closing_in in values:
            _take_closing_status(values, closing_in)
    if "progress" in values and not progress_label:
        confirm.append(_("the item has no 工作进展 label: the text after its title's 。 was read as the progress"))
    return ImportedProject(where=at(first_line), values=values), confirm


def _next_mark(marks: dict[str, tuple[int, int]], position: int) -> int:
    """Where the next label at or after `position` starts; past any text when none does."""
    return min((label_start for label_start, _value in marks.values() if label_start >= position), default=_END)


_END = 1 << 62  # past any text


def _field_text(text: str, start: int, end: int) -> str:
    """A field's text up to the next label, without the separator before that label."""
    written = text[start:end].rstrip(_EDGE_CHARACTERS + "\n")
    if end < len(text):
        written = written.rstrip("；;，,、" + _EDGE_CHARACTERS + "\n")
    return written


def _unbracketed(written: str) -> str:
    """Without the bracket left open or closed by fields written in brackets:
    下荒村路灯修复项目（责任领导：张三；完成时限：2021年12月） gives 下荒村路灯修复项目, 张三, 2021年12月."""
    if written[-1:] in "（(":
        return written[:-1].rstrip(_TITLE_END)
    if written[-1:] in "）)" and written.count(written[-1]) > written.count("（" if written[-1] == "）" else "("):
        return written[:-1].rstrip(_TITLE_END)
    return written


def _is_status_word(written: str) -> bool:
    # The importer's vocabulary decides what a status word is; imported here, since the
    # importer reads this module.
    from .importer import status_of_word
    return bool(written) and len(written) <= 8 and status_of_word(written) is not None


def _take_closing_status(values: dict[str, ImportedValue], key: str) -> None:
    """A status word in brackets closing the item's text (…项目（已完成） / …。【推进中】) is its status."""
    value = values[key]
    # Only the end can hold it: searching the whole text would cost time for each space in it.
    tail_start = max(len(value.text) - 24, 0)
    closing = _CLOSING_STATUS.search(value.text, tail_start)
    if not closing:
        return
    word = closing.group("a") or closing.group("b") or closing.group("c")
    if not _is_status_word(word):
        return
    values["status"] = ImportedValue(word, value.where)
    rest = value.text[:closing.start()].rstrip(_EDGE_CHARACTERS + "\n" + ("" if key == "progress" else _TITLE_END))
    if rest:
        values[key] = ImportedValue(rest, value.where)
    else:
        del values[key]
