"""Problems found in content, each pointing at a file, line and column."""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from .messages import _, active_language, pgettext


@dataclass(frozen=True, order=True)
class Location:
    path: str  # as shown to staff: relative to the site folder, with forward slashes
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    location: Location
    field: str  # e.g. "projects[2].status"; empty when the whole file is at fault
    message: str
    # What staff call the item the field belongs to (a project's title), shown beside it;
    # not part of what the problem is, so neither compared nor sorted on.
    subject: str = dataclasses.field(default="", compare=False)

    def __str__(self) -> str:
        """`path:line:column: ` as tools read it, then the field as staff name it:
        `item 3 "title" status: message` (第3项「标题」状态 status：...)."""
        if not self.field:
            return printable(f"{self.location}: {self.message}")
        return printable(f"{self.location}: " + _("{field}: {message}", field=shown_field(self.field, self.subject),
                                                   message=self.message))


# A list item as staff count it on the bulletin (1-based), by the list's key: without and with
# its subject (a project's title, a unit's name: see schema.item_subject; rounds and corrections
# have none).
_ITEMS = {
    "projects": (lambda number: _("item {number}", number=number),
                 lambda number, subject: _("item {number} \"{subject}\"", number=number, subject=subject)),
    "units": (lambda number: _("unit {number}", number=number),
              lambda number, subject: _("unit {number} \"{subject}\"", number=number, subject=subject)),
    "rounds": (lambda number: _("round {number}", number=number), None),
    "corrections": (lambda number: _("correction {number}", number=number), None),
}


def _field_names() -> dict[str, str]:
    """Every field the schemas declare (site.yaml, units.yaml, a unit's file), by its key path
    within its item, as staff call it. Written out so that the catalog extracts each one."""
    return {
        # a unit's file
        "projects": pgettext("field", "projects"),
        "id": pgettext("field", "id"),
        "title": pgettext("field", "title"),
        "status": pgettext("field", "status"),
        "progress": pgettext("field", "progress"),
        "due": pgettext("field", "due"),
        "lead": pgettext("field", "lead"),
        "category": pgettext("field", "category"),
        "location": pgettext("field", "location"),
        "funding": pgettext("field", "funding"),
        "funding.amount": pgettext("field", "funding.amount"),
        "funding.unit": pgettext("field", "funding.unit"),
        "target": pgettext("field", "target"),
        "target.name": pgettext("field", "target.name"),
        "target.planned": pgettext("field", "target.planned"),
        "target.done": pgettext("field", "target.done"),
        "target.unit": pgettext("field", "target.unit"),
        "updated": pgettext("field", "updated"),
        "corrections": pgettext("field", "corrections"),
        "date": pgettext("field", "date"),
        "reason": pgettext("field", "reason"),
        "project": pgettext("field", "project"),
        "state": pgettext("field", "state"),
        "redact": pgettext("field", "redact"),
        # units.yaml
        "units": pgettext("field", "units"),
        "name": pgettext("field", "name"),
        "group": pgettext("field", "group"),
        "order": pgettext("field", "order"),
        # site.yaml
        "publisher": pgettext("field", "publisher"),
        "language": pgettext("field", "language"),
        "supervision": pgettext("field", "supervision"),
        "supervision.phone": pgettext("field", "supervision.phone"),
        "supervision.note": pgettext("field", "supervision.note"),
        "base_url": pgettext("field", "base_url"),
        "search": pgettext("field", "search"),
        "search.shard_size": pgettext("field", "search.shard_size"),
        "rounds": pgettext("field", "rounds"),
        "import": pgettext("field", "import"),
        "import.columns": pgettext("field", "import.columns"),
        "intro": pgettext("field", "intro"),
        "document_number": pgettext("field", "document_number"),
        "footer": pgettext("field", "footer"),
        "footer.host": pgettext("field", "footer.host"),
        "footer.organizer": pgettext("field", "footer.organizer"),
        "footer.site_code": pgettext("field", "footer.site_code"),
        "footer.icp": pgettext("field", "footer.icp"),
        "footer.police": pgettext("field", "footer.police"),
        "footer.contact": pgettext("field", "footer.contact"),
        "footer.report_url": pgettext("field", "footer.report_url"),
        "footer.badge_url": pgettext("field", "footer.badge_url"),
        "index_number": pgettext("field", "index_number"),
        "subject": pgettext("field", "subject"),
        "draft": pgettext("field", "draft"),
        "unit": pgettext("field", "unit"),
        "field": pgettext("field", "field"),
        "value": pgettext("field", "value"),
    }


_FIELD_NAMES_CACHE: dict[str, dict[str, str]] = {}
_PATH_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def field_names() -> dict[str, str]:
    """Key path within its item ("funding.amount") -> the field's name in the active language;
    a key missing here has no name of its own and is shown as written."""
    language = active_language()
    if language not in _FIELD_NAMES_CACHE:
        _FIELD_NAMES_CACHE[language] = _field_names()
    return _FIELD_NAMES_CACHE[language]


def shown_field(field: str, subject: str = "") -> str:
    """A field's machine path as staff say it in the active language: "projects[2].status"
    -> `item 3 "subject" status` (第3项「subject」状态 status), "rounds[1].date" -> `round 2 date`
    (第2轮 日期 date). A key keeps its name as written beside the translated one, since that is
    what staff look for in the file; a key or list the schemas do not declare stays as written."""
    names = field_names()
    parts = [int(index) if index else name for index, name in _PATH_PART.findall(field)]
    if any(isinstance(part, int) and (not position or parts[position - 1] not in _ITEMS)
           for position, part in enumerate(parts)):
        return field  # a list the schemas do not declare: as written
    last_item = max((i for i, part in enumerate(parts) if isinstance(part, int)), default=-1)
    pieces: list[str] = []
    keys: list[str] = []

    def flush_keys() -> None:
        if keys:
            key = ".".join(keys)
            name = names.get(key, key)
            pieces.append(key if name == key else _("{name} {key}", name=name, key=key))
            keys.clear()

    for position, part in enumerate(parts):
        if isinstance(part, int):
            list_name = keys.pop() if keys else ""
            flush_keys()
            item = _ITEMS[list_name]
            if subject and position == last_item and item[1]:
                pieces.append(item[1](part + 1, subject))
            else:
                pieces.append(item[0](part + 1))
        else:
            keys.append(part)
    flush_keys()
    shown = ""
    for piece in pieces:
        # Chinese closing quotes need no space after them: 第3项「标题」状态
        shown += piece if not shown or shown.endswith(("\u300d", "\uff09")) else " " + piece
    return shown or field


def printable(text: str) -> str:
    """Text with every character that cannot be seen (NUL, a pasted zero-width space, a
    line break inside a value, a terminal escape) written as its escape, as repr() does:
    one problem stays one readable line, and what staff must delete is visible."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
                   for c in text)


class ContentError(Exception):
    """Raised once, with every problem found, when content cannot be built."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def halfwidth(text: str) -> str:
    """Full-width letters, digits and punctuation (ｉｄ, １, ：) as their ordinary forms."""
    return unicodedata.normalize("NFKC", text)


def fullwidth_hint(written: str) -> str:
    """A note for text typed with a Chinese input method in full-width mode, or ''."""
    if halfwidth(written) != written and any("\uff01" <= c <= "\uff5e" or c == "\u3000" for c in written):
        return _("; '{written}' is typed in full-width characters: switch the input method to half-width "
                 "(半角) and type '{halfwidth}'", written=written, halfwidth=halfwidth(written).strip())
    return ""


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to `word`, or None when nothing is close.

    Compared ignoring case and full-width forms: 'Title', 'ｔｉｔｌｅ' or a file named
    U1.yaml should still find 'title' and 'u1'."""
    folded: dict[str, str] = {}
    for choice in sorted(choices):
        folded.setdefault(choice.casefold(), choice)
    matches = difflib.get_close_matches(halfwidth(str(word)).casefold(), list(folded), n=1, cutoff=0.6)
    return folded[matches[0]] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' suffix, or '' when nothing is close."""
    match = closest(word, choices)
    if not match:
        return ""
    if halfwidth(str(word)) != str(word):
        return _(" (did you mean '{match}'? it is typed in full-width characters: switch the input method to "
                 "half-width)", match=match)
    return _(" (did you mean '{match}'?)", match=match)
