"""Read a bulletin as it was published on a web page (`python3 build.py import FILE.txt`).

The published shape (see ../shared/reference/000_e2502bea5c584568.txt), read generally:

    按照《…》有关要求,…监督电话:0476-3555907。         <- the introduction (any text before the first unit)
    区委办公室(8项)                                       <- a unit heading with its count
    1.领办项目:下荒村滑子菇销路项目。工作进展:解决中。…   <- a numbered item
    8.星海社区工作人员保密知识培训项目。工作进展:…         <- the 领办项目 label may be missing

- A heading is a unit's name followed by its count in brackets, half- or full-width, with
  spaces or 共 allowed: `区委办公室(8项)`, `区委办公室 （共8项）：`, `一、区委办公室（八项）`
  (a leading Chinese ordinal is numbering, not part of the name; 项/个/条/件 all count).
- An item starts with its number: `1.` `1、` `１．` `1)` `(1)` `（1）` `①`. Its title is the text
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

Values (keys of imported.FIELDS) of each project: `unit` (the heading's name as written, at
the heading's line), `number` (the item's number in ASCII digits, `１．` and `①` giving "1"),
`title` and `progress` (each at the line it starts on). `ImportedDocument.intro` is the text
before the first heading, at its first line; `facts` say the encoding and the intro's lines.
A file over MAX_TEXT_BYTES (20 MB) is refused unread; the reading is linear in its size.

This reader does not interpret: the unit's name is as written, no status is set (the
importer guesses one from the progress words), ids are the importer's. Problems, each at
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
from .messages import _, ngettext

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

_HEADING = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}\s*[、.．]\s*)?"  # 一、 numbering the units
    r"(?P<name>[^\s(（].*?)\s*[(（]\s*(?:共\s*)?"
    r"(?P<count>\d{1,5}|[零〇一二两三四五六七八九十百]{1,6})\s*[项項个個条條件]\s*[)）]\s*[:：]?")
_ITEM_NUMBER = re.compile(
    r"(?:[(（]\s*(?P<bracketed>\d{1,4})\s*[)）]"  # (1) （1）
    # 1. １． 1) but not 1.5万 or 2021.8.24; 1、 even before a digit (1、5G基站建设), since
    # a wrapped 2、3号楼 is told apart by its number (see _starts_item)
    r"|(?P<plain>\d{1,4})\s*(?:[.．)）](?!\d)|、)"
    r"|(?P<circled>[\u2460-\u2473]))"  # ① … ⑳
    r"\s*")
# Simplified labels, and the Traditional ones a page published in Traditional characters shows.
_TITLE_LABEL = re.compile(r"(?:领办项目|領辦項目|项目名称|項目名稱|实事项目|實事項目|民生项目|民生項目|项目|項目)\s*[:：]\s*")
_PROGRESS_LABEL = re.compile(r"(?:工作进展|工作進展|进展情况|進展情況|推进情况|推進情況|完成情况|完成情況|进展|進展)\s*[:：]")
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
    count: int
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
    return int(match.group("bracketed") or match.group("plain"))  # int() reads full-width digits too


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

    blank_before = False
    for line_number, raw in enumerate(_lines(text), start=1):
        line = raw.strip(_EDGE_CHARACTERS + "\r\n")
        if not line:
            blank_before = True
            continue
        after_blank, blank_before = blank_before, False
        heading = _heading(line)
        if heading:
            unit = _Unit(name=heading[0], count=heading[1], line=line_number)
            units.append(unit)
            item = None
            continue
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


def _check_count(unit: _Unit, at, problems: list[ImportProblem]) -> None:
    found = len(unit.items)
    if found == unit.count:
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
    progress_label = _PROGRESS_LABEL.search(text, title_start)
    if progress_label:
        title_end, progress_start = progress_label.start(), progress_label.end()
    else:
        sentence_end = text.find("。", title_start)
        title_end = len(text) if sentence_end < 0 else sentence_end
        progress_start = len(text) if sentence_end < 0 else sentence_end + 1
    title_start = _skip_space(text, title_start)
    # A title is one line: a paragraph break inside it is only where the page broke it.
    title = text[title_start:title_end].replace("\n\n", "").rstrip(_TITLE_END + "\n")
    if title:
        values["title"] = ImportedValue(title, at(_line_at(title_start, item.pieces, starts)))
    progress_start = _skip_space(text, progress_start)
    progress = text[progress_start:].rstrip(_EDGE_CHARACTERS + "\n")
    if progress:
        values["progress"] = ImportedValue(progress, at(_line_at(progress_start, item.pieces, starts)))
        if not progress_label:
            confirm.append(_("the item has no 工作进展 label: the text after its title's 。 was read as the progress"))
    return ImportedProject(where=at(first_line), values=values), confirm
