"""What an import reads from a file staff already have, before it becomes unit files.

A spreadsheet reader (sheets.py, columns.py) and the text bulletin reader (textbulletin.py)
each turn a file into an `ImportedDocument`: projects as rows of values exactly as staff
see them, each value with the cell or line it came from. They do not interpret: which unit
a name means, which status a word means, which id a project keeps, is decided by the
importer (importer.py), which can then point every message at the cell staff typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .problems import printable

# The fields a reader may fill, by their key in the content contract (nested ones dotted).
# `unit` is the unit as written (a name, an id or a sheet's name); `number` is 序号 as written.
FIELDS = ("unit", "number", "id", "title", "status", "progress", "lead", "category", "location",
          "funding.amount", "funding.unit", "target.name", "target.planned", "target.done", "target.unit",
          "due", "updated")


@dataclass(frozen=True, order=True)
class SourceRef:
    """Where a value is in the file staff have: a sheet's cell (`台账.xlsx:项目清单!D14`, the
    row counted as staff see it, blank rows above included) or a text's line (`公示.txt:12`)."""

    source: str  # the file's name as staff gave it
    sheet: str = ""  # a workbook's sheet name; "" for CSV and text
    cell: str = ""  # A1 reference: "D14"; "" for text
    line: int = 0  # a text's line, 1-based; 0 for sheets

    def __str__(self) -> str:
        if self.cell:
            return f"{self.source}:{self.sheet}!{self.cell}" if self.sheet else f"{self.source}!{self.cell}"
        if self.sheet:  # a sheet as a whole: its name gave a value (the unit of a sheet per unit)
            return f"{self.source}:{self.sheet}"
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass(frozen=True, order=True)
class ImportedValue:
    text: str  # as staff see it: a cell's shown text (0755 stays 0755, 85% stays 85%), a date as YYYY-MM-DD
    where: SourceRef


@dataclass(frozen=True)
class ImportedProject:
    where: SourceRef  # the row (its first cell) or the item's first line
    values: dict[str, ImportedValue]  # by a key of FIELDS; a field the file lacks is absent


@dataclass(frozen=True, order=True)
class ImportProblem:
    where: SourceRef
    message: str  # in the active language (messages._)

    def __str__(self) -> str:
        return printable(f"{self.where}: {self.message}")


@dataclass(frozen=True)
class ImportedDocument:
    source: str  # the file's name as staff gave it
    projects: tuple[ImportedProject, ...]
    # What staff should know about how the file was read, for the summary (in the active
    # language): the encoding detected, the columns recognised, unknown columns listed.
    facts: tuple[str, ...] = ()
    problems: tuple[ImportProblem, ...] = ()
    # Things to confirm, by project index: e.g. a guessed status. Shown in the summary and
    # written as a `# 请核对` comment beside the value.
    to_confirm: tuple[tuple[int, str, str], ...] = field(default=())  # (project index, field key, why)
    # The text a published bulletin opens with (按照《…》要求…), with its first line: the
    # importer may offer it for the round's `intro`. None when the file has none (spreadsheets).
    intro: ImportedValue | None = None
