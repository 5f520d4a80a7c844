"""Declarative schemas for the files staff write, and the checker that applies them.

Each file's shape is declared once, one field per line with a one-line doc
(the same declarations can later be exported as JSON Schema for editors).
The checker never guesses: a wrong type is a located problem, not a default.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from .markup import markdown_problem
from .messages import N_, _, ngettext, pgettext
from .problems import Location, Problem, closest, did_you_mean, fullwidth_hint, halfwidth, shown_field
from .source import SourceDocument, format_path

PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]+")  # used with fullmatch: "$" would let a final line break in
# Ids name files (projects/<unit>/<id>.html, <unit>.yaml, archives/<site>-<round>.zip),
# and a file system refuses a name past 255 bytes: the build would fail, unlocated.
MAX_ID_LENGTH = 100
# Names Windows gives to devices: a file called CON.html (any case) cannot be
# written or opened there, and archives are unzipped on Windows PCs.
WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                              *(f"LPT{i}" for i in range(1, 10))})

_TYPE_NAMES = {
    bool: N_("true/false"), int: N_("a number"), float: N_("a number"), str: N_("text"),
    dict: N_("a group of fields"), list: N_("a list"), type(None): N_("nothing"),
    dt.date: N_("a date"), dt.datetime: N_("a date and time"),
}


def describe(value: Any) -> str:
    name = _TYPE_NAMES.get(type(value))
    return _(name) if name else type(value).__name__


def listed(words) -> str:
    """Words as a list in the active language: `a, b, c` (a、b、c)."""
    return pgettext("list", ", ").join(words)


def item_subject(data: Any, path: tuple) -> str:
    """What staff call the project (its title) or unit (its name) a path goes through, or ''.

    Shown beside the field only while it is readable text, and never when the problem is
    that very title or name (it would repeat the mistake)."""
    items = [index for index, part in enumerate(path) if isinstance(part, int)]
    if not items or not items[-1] or path[items[-1] - 1] not in _SUBJECT_FIELDS:
        return ""
    name_field = _SUBJECT_FIELDS[path[items[-1] - 1]]
    if path[items[-1] + 1:items[-1] + 2] == (name_field,):
        return ""
    item = data
    for part in path[:items[-1] + 1]:
        if isinstance(part, int) and isinstance(item, list) and part < len(item):
            item = item[part]
        elif isinstance(part, str) and isinstance(item, dict) and part in item:
            item = item[part]
        else:
            return ""
    name = item.get(name_field) if isinstance(item, dict) else None
    if not isinstance(name, str):
        return ""
    name = " ".join(name.split())
    if not name or not name.isprintable():  # bidi and zero-width characters are not printable
        return ""
    return name if len(name) <= _SUBJECT_LENGTH else name[:_SUBJECT_LENGTH] + "…"


# List key -> the field that names each of its items.
_SUBJECT_FIELDS = {"projects": "title", "units": "name"}
_SUBJECT_LENGTH = 30


def as_written(value: Any, path: tuple, checker: "Checker") -> str:
    """A scalar as staff typed it: `NO`, not False; `010`, not 8."""
    raw = checker.document.raw(path)
    if raw is not None:
        return raw
    return value if isinstance(value, str) else repr(value)


# A file with thousands of mistakes (a wrong export pasted in) gets its first
# hundred listed: more helps nobody, and finding did-you-means for them all
# would take minutes.
MAX_PROBLEMS_PER_FILE = 100


class Checker:
    """Collects problems while checking one document."""

    def __init__(self, document: SourceDocument):
        self.document = document
        self.problems: list[Problem] = []
        self.unlisted = 0  # problems past MAX_PROBLEMS_PER_FILE

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS_PER_FILE

    def report(self, path: tuple, message: str, *, key: bool = True) -> None:
        """Located at the field's name (`status:`), where staff look first; a list item,
        which has no name, at its value."""
        if self.full:
            self.unlisted += 1
            return
        self.problems.append(Problem(self.document.where(path, key=key), format_path(path), message,
                                     item_subject(self.document.data, path)))

    def summary(self) -> list[Problem]:
        """The problems, and a last line saying how many more there were."""
        if not self.unlisted:
            return self.problems
        return self.problems + [Problem(Location(self.document.display_path, 1, 1), "", ngettext(
            "and {count} more problem in this file; fix these first, then check again",
            "and {count} more problems in this file; fix these first, then check again", self.unlisted))]


class Type:
    def check(self, value: Any, path: tuple, checker: Checker) -> Any:
        raise NotImplementedError

    def json_schema(self, title_of: Callable[[str], str], within: str = "") -> dict:
        """What check() accepts, as a JSON Schema (draft-07) fragment for editors
        (bulletin/jsonschema_export.py). `within` is the value's key path inside its list item
        ("funding.amount"), which `title_of` turns into the name staff know the field by."""
        raise NotImplementedError


# JSON Schema patterns (ECMA-262) for values an editor's YAML reader gives as text. Dates are
# text there (YAML 1.2), so a date field is a string of the form the loader reads.
_JSON_DAY = r"[0-9]{4}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12][0-9]|3[01])"
# A date with a time (2021-08-24 10:00:00), which the loader reads as its day.
_JSON_TIME = (r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
              r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?")
_JSON_MONTH = r"[0-9]{4}-(?:0?[1-9]|1[0-2])"


def _any_case(word: str) -> str:
    """A pattern matching `word` in any case (ECMA-262 patterns have no inline (?i))."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


# Characters that cannot be seen but change what is read: bidi controls reorder
# the text around them (a title with U+202E reads backwards, in the page's
# <title> too), and zero-width characters split a word so that searching for
# it finds nothing.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REVERSING = frozenset("\u202b\u202e\u2067")  # right-to-left embedding, override, isolate
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")
_ZWJ = "\u200d"


def _invisible_problem(text: str, multiline: bool) -> str | None:
    """The first invisible character that misleads, where it is and what it does, or None.

    In text over several lines a zero width joiner (U+200D) between two symbols is
    allowed: it is how emoji such as 👨‍👩‍👧 are written, and shows as one picture."""
    if not _SUSPECT.search(text):  # nearly every value: one scan in C, not a loop per character
        return None
    for index, character in enumerate(text):
        if _CONTROL.match(character):
            # written as a YAML escape ("\0", "\e"): the reader refuses them typed raw
            where = _where_in(text, index, multiline)
            return _("contains the control character U+{code} at {where} (written as an escape such as \\0 or "
                     "\\e); delete it: it cannot be shown and breaks pages and data",
                     code=f"{ord(character):04X}", where=where)
        if character not in _BIDI_CONTROLS and character not in _ZERO_WIDTH:
            continue
        if (multiline and character == _ZWJ and 0 < index < len(text) - 1
                and _joins_symbols(text[index - 1], text[index + 1])):
            continue
        values = dict(code=f"{ord(character):04X}", name=unicodedata.name(character, ""),
                      where=_where_in(text, index, multiline))
        if character in _REVERSING:
            return _("contains an invisible character U+{code} {name} at {where}; delete it (it reverses the "
                     "text after it)", **values)
        if character in _BIDI_CONTROLS:
            return _("contains an invisible character U+{code} {name} at {where}; delete it (it changes the "
                     "direction in which the text around it is shown)", **values)
        return _("contains an invisible character U+{code} {name} at {where}; delete it (it splits the word it "
                 "stands in, so searching for that word finds nothing)", **values)
    return None


def _where_in(text: str, index: int, multiline: bool) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    if multiline:
        return _("line {line}, column {column} of the text", line=line, column=column)
    return _("column {column}", column=column)


# C0 and C1 controls and DEL, but for tabs and line breaks: one-line text turns them into
# spaces, and text over several lines keeps its lines.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(sorted(_BIDI_CONTROLS | _ZERO_WIDTH)) + "]")


def _joins_symbols(before: str, after: str) -> bool:
    # Before the joiner may also stand a variation selector (U+FE0F) or a skin tone (Sk).
    return (unicodedata.category(before) in ("So", "Sk") or before == "\ufe0f") and \
        unicodedata.category(after) == "So"


@dataclass(frozen=True)
class Text(Type):
    multiline: bool = False
    max_length: int = 0  # 0: 500 characters on one line, 20,000 over several
    markdown: bool = False  # rendered as Markdown: also checked for what would make that slow

    @property
    def limit(self) -> int:
        return self.max_length or (20_000 if self.multiline else 500)

    def check(self, value, path, checker):
        if isinstance(value, (bool, int, float, dt.date)):
            # `phone: 12345`, `lead: NO`, `title: 2023`, `location: 1.10`: YAML guesses a number,
            # a yes/no or a date; a text field keeps the characters as staff typed them.
            written = checker.document.raw(path)
            if written is not None:
                value = written
        if not isinstance(value, str):
            checker.report(path, _("expected text, found {found}", found=_not_text(value, path, checker)))
            return None
        text = value.strip()
        if not text:
            checker.report(path, _("must not be empty"))
            return None
        if len(text) > self.limit:
            if self.multiline:
                checker.report(path, _("is {length} characters long; at most {limit} are allowed",
                                       length=len(text), limit=self.limit))
            else:
                checker.report(path, _("is {length} characters long; at most {limit} are allowed; a title or name "
                                       "fits on one line: longer text belongs under progress:",
                                       length=len(text), limit=self.limit))
            return None
        invisible = _invisible_problem(text, self.multiline)
        if invisible:
            checker.report(path, invisible)
            return None
        if self.markdown:
            slow = markdown_problem(text)
            if slow:
                checker.report(path, slow)
                return None
        if not self.multiline:
            text = " ".join(text.split())
        return text

    def json_schema(self, title_of, within=""):
        # `phone: 12345`, `lead: NO` are text as typed (see check); blank text is not.
        return {"type": ["string", "number", "boolean"], "pattern": r"\S", "maxLength": self.limit}


def _not_text(value: Any, path: tuple, checker: Checker) -> str:
    """What a Text field holds instead of text, and how to write it as text."""
    written = as_written(value, path, checker)
    if isinstance(value, bool):
        return _("{written}, which YAML reads as {value}; put it in quotes to keep it as written: '{written}'",
                 written=written, value="true" if value else "false")
    if isinstance(value, (int, float)):
        return _("the number {written}; put it in quotes to keep it as written: '{written}'", written=written)
    if isinstance(value, (dt.date, dt.datetime)):
        return _("the date {written}; put it in quotes to keep it as written: '{written}'", written=written)
    if isinstance(value, list):
        return _("a list; for text over several lines write '|' after the field name "
                 "and indent every line of the text below it")
    if isinstance(value, dict):
        return _("a group of fields; a ':' followed by a space inside text starts a field: put the "
                 "text in quotes, or write the colon as full-width '：'")
    return describe(value)


@dataclass(frozen=True)
class Identifier(Type):
    # Names the site's own pages take where this id names a page (a unit called `index`
    # would be written over each round's bulletin, rounds/<round>/index.html): name -> why.
    reserved: tuple[tuple[str, str], ...] = ()

    def check(self, value, path, checker):
        if isinstance(value, (bool, int, float, dt.date)):
            # `id: 3` or `id: 2021-2` is a fine name, as written: `010` must
            # stay "010", not become the octal 8.
            value = as_written(value, path, checker)
        if not isinstance(value, str):
            checker.report(path, _("expected a plain name, found {found}", found=describe(value)))
            return None
        invisible = _invisible_problem(value, multiline=False)
        if invisible:
            checker.report(path, invisible)
            return None
        if len(value) > MAX_ID_LENGTH:
            checker.report(path, _("is {length} characters long; an id is at most {limit} (it names a file, and "
                                   "file names are limited): choose a shorter one",
                                   length=len(value), limit=MAX_ID_LENGTH))
            return None
        if not PLAIN_NAME.fullmatch(value):
            checker.report(path, _("'{value}' is not a plain name: use only letters a-z, A-Z, digits 0-9, '-' "
                                   "and '_' (it becomes part of a web address){hint}",
                                   value=value, hint=fullwidth_hint(value)))
            return None
        if value.split(".")[0].upper() in WINDOWS_RESERVED:
            checker.report(path, _("'{value}' is a device name on Windows, where a file {value}.html cannot be "
                                   "opened or copied: choose another id", value=value))
            return None
        taken = dict(self.reserved).get(value.casefold())
        if taken:
            checker.report(path, _("'{value}' is the name of {taken}: choose another id", value=value,
                                   taken=_(taken)))
            return None
        return value

    def json_schema(self, title_of, within=""):
        refused = sorted(WINDOWS_RESERVED) + sorted(name for name, _why in self.reserved)
        return {"type": ["string", "integer", "boolean"], "pattern": "^[A-Za-z0-9_-]+$",
                "maxLength": MAX_ID_LENGTH,
                "not": {"type": "string", "pattern": "^(?:" + "|".join(map(_any_case, refused)) + ")$"}}


# Amounts and counts: what a person means by a number, read from the text as
# written, not as YAML 1.1 resolves it (`010` is 8 there, `12:30` is 750, `1e400`
# is infinity, and `1` followed by 400 zeros no float can hold).
MAX_NUMBER = 10 ** 12
MAX_DECIMAL_PLACES = 4
_PLAIN_NUMBER = re.compile(r"-?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?")
_UNIT_AFTER_NUMBER = re.compile(r"-?[\d,.]*\d[\d,.]*\s*[^\d\s,.]")


@dataclass(frozen=True)
class Number(Type):
    minimum: float | None = 0  # None: negative numbers allowed too (down to -MAX_NUMBER)
    positive: bool = False

    def check(self, value, path, checker):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            shown = as_written(value, path, checker) if isinstance(value, (bool, dt.date)) else ""
            checker.report(path, _("expected a number, found {found}", found=f"{describe(value)} {shown}".rstrip()))
            return None
        written = value if isinstance(value, str) else as_written(value, path, checker)
        number = self._read(written.strip(), isinstance(value, str), path, checker)
        if number is None:
            return None
        if self.positive and number <= 0:
            checker.report(path, _("must be greater than 0, found {written}", written=written.strip()))
            return None
        minimum = -MAX_NUMBER if self.minimum is None else self.minimum
        if number < minimum:
            checker.report(path, _("must be at least {minimum}, found {written}", minimum=minimum,
                                   written=written.strip()))
            return None
        # An integral number stays an int, so 5000 is shown and written as 5000, not 5000.0.
        return int(number) if number == number.to_integral_value() else float(number)

    def json_schema(self, title_of, within=""):
        digit = "[0-9\uff10-\uff19]"  # full-width digits too, as check reads them
        sign = "[-\uff0d]?" if self.minimum is None or self.minimum < 0 else ""
        written = (r"^\s*" + sign + "(?:" + digit + "+|" + digit + "{1,3}(?:[,\uff0c]" + digit + "{3})+)"
                   "(?:[.\uff0e]" + digit + r"+)?\s*$")
        fragment = {"type": ["number", "string"], "pattern": written, "maximum": MAX_NUMBER,
                    "minimum": -MAX_NUMBER if self.minimum is None else self.minimum}
        if self.positive:
            fragment["exclusiveMinimum"] = 0
        return fragment

    def _read(self, written: str, is_text: bool, path, checker) -> Decimal | None:
        """The number the text shows, or None once the reason it is none was reported."""
        shown = f"'{written}'" if len(written) <= 40 else _("'{start}…' ({length} characters)", start=written[:20],
                                                               length=len(written))
        # Full-width digits and separators (５０００, 1，000) as a Chinese input method types them.
        text = halfwidth(written)
        if not _PLAIN_NUMBER.fullmatch(text):
            if _UNIT_AFTER_NUMBER.match(text) and not re.search(r"[eE][-+]?\d|[_:xXoObB]", text):
                hint = _("write the number alone and its unit under 'unit:' (for 1.2万元: amount: 1.2, unit: 万元)")
            elif re.fullmatch(r"[-+]?[\d.]+[eE][-+]?\d+", text):
                hint = _("write the digits out, without an exponent (e.g. 1500000, not 1.5e6)")
            elif "_" in text and re.fullmatch(r"[\d_.]+", text):
                hint = _("write the digits without '_' (thousands may be separated with ',')")
            elif re.fullmatch(r"\d+(:\d+)+", text):
                hint = _("a ':' between digits is not part of a number (YAML would read 12:30 as 750)")
            elif re.fullmatch(r"[\d,.]+", text) and "," in text:
                hint = _("separate thousands with ',' in groups of three (1,000,000), or write the digits alone")
            elif text.startswith("+"):
                hint = _("write the number without '+'")
            elif re.search(r"\d", text):
                hint = _("write decimal digits with an optional decimal part, e.g. 5000 or 2.5")
            else:  # a word: saying what a number looks like would not help
                if is_text:
                    checker.report(path, _("expected a number, found text {found}", found=shown))
                else:
                    checker.report(path, _("expected a number, found {found}", found=shown))
                return None
            checker.report(path, _("expected a number, found {found}; {hint}", found=shown, hint=hint))
            return None
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            checker.report(path, _("expected a number, found {found}", found=shown))
            return None
        places = -number.as_tuple().exponent if "." in text else 0
        if places > MAX_DECIMAL_PLACES:
            checker.report(path, _("{shown} has {places} decimal places; at most {limit} are allowed (for a small "
                                   "amount of 万元, write it in 元 instead)", shown=shown, places=places,
                                   limit=MAX_DECIMAL_PLACES))
            return None
        if abs(number) > MAX_NUMBER:
            checker.report(path, _("{shown} is larger than {limit}, the largest number allowed; is a digit too "
                                   "many?", shown=shown, limit=f"{MAX_NUMBER:,}"))
            return None
        return number


@dataclass(frozen=True)
class Date(Type):
    def check(self, value, path, checker):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            text = value.strip()
            # YAML reads only 2021-08-24 as a date; 2021-8-24 (or a quoted date)
            # arrives as text, and means the same.
            written = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
            if written:
                try:
                    return dt.date(*(int(part) for part in written.groups()))
                except ValueError as error:  # well written, but no such day
                    checker.report(path, _("{text} is not a real date: {reason}", text=text,
                                           reason=_date_error(error)))
                    return None
        shown = repr(value) if isinstance(value, str) else as_written(value, path, checker)
        meant = _date_meant(value)
        if meant:
            checker.report(path, _("{found} is not written the way a date must be: write {meant}", found=shown,
                                   meant=meant))
        else:
            checker.report(path, _("expected a date written like 2021-08-24, found {found}", found=shown))
        return None

    def json_schema(self, title_of, within=""):
        return {"type": "string", "pattern": r"^\s*" + _JSON_DAY + _JSON_TIME + r"\s*$"}


# Dates as staff write them in documents: 2021年8月24日, 2021/8/24, 2021.8.24.
_OTHER_DATE = re.compile(r"(\d{4})\s*(?:年|/|\.|／|．)\s*(\d{1,2})\s*(?:月|/|\.|／|．)\s*(\d{1,2})\s*日?")


def _date_meant(value) -> str:
    """The ISO form of a real date written another common way, or '': the message can then
    give the exact text to type instead of an example to adapt."""
    written = _OTHER_DATE.fullmatch(halfwidth(value).strip()) if isinstance(value, str) else None
    if not written:
        return ""
    try:
        return dt.date(*(int(part) for part in written.groups())).isoformat()
    except ValueError:
        return ""


def _last_index(path: tuple) -> int:
    """Where the innermost list item starts in a path (-1 when none): field names are kept
    by their path within an item (funding.amount)."""
    return max((i for i, part in enumerate(path) if isinstance(part, int)), default=-1)


def _date_error(error: ValueError) -> str:
    """Python's reason a date does not exist, in the active language."""
    reasons = {"day is out of range for month": _("day is out of range for month"),
               "month must be in 1..12": _("month must be in 1..12")}
    return reasons.get(str(error), str(error))


@dataclass(frozen=True)
class DayOrMonth(Type):
    """A deadline as ledgers write it: a day (2024-06-30) or a month (2024-06, the end of
    that month). Kept as written, normalised to ISO: '2024-06-30' or '2024-06'."""

    def check(self, value, path, checker):
        if isinstance(value, (dt.date, dt.datetime)):
            return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
        text = (checker.document.raw(path) if isinstance(value, int) else value)
        if isinstance(text, str):
            month = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
            if month:
                year, number = (int(part) for part in month.groups())
                if 1 <= number <= 12:
                    return f"{year:04d}-{number:02d}"
                checker.report(path, _("{text} is not a real month: months are 1 to 12", text=text.strip()))
                return None
        day = Date().check(value, path, Checker(checker.document))  # its messages are replaced by ours
        if day is not None:
            return day.isoformat()
        shown = repr(value) if isinstance(value, str) else as_written(value, path, checker)
        checker.report(path, _("expected a day written like 2024-06-30 or a month like 2024-06, found {found}",
                               found=shown))
        return None

    def json_schema(self, title_of, within=""):
        return {"type": "string", "pattern": r"^\s*(?:" + _JSON_DAY + _JSON_TIME + "|" + _JSON_MONTH + r")\s*$"}


@dataclass(frozen=True)
class OneOf(Type):
    choices: tuple[str, ...]
    # (what staff may write instead, the choice they mean): spelling alone
    # cannot lead from 已完成 to completed.
    synonyms: tuple[tuple[str, str], ...] = ()
    # (a label the site shows for a choice, the choice): accepted as that choice, since
    # staff copy what the bulletin says (已完成) as often as the key (completed).
    labels: tuple[tuple[str, str], ...] = ()
    # (choice, one-line doc marked N_()): what each choice means, shown by editors.
    docs: tuple[tuple[str, str], ...] = ()
    # The message for a value that is none of them, naming {value}, {labels}, {choices} and {hint}
    # (marked N_, translated when shown); by default "'x' is not one of a, b, c".
    invalid: str = ""

    def check(self, value, path, checker):
        if isinstance(value, str) and value.strip() in dict(self.labels):
            return dict(self.labels)[value.strip()]
        if value not in self.choices:
            if isinstance(value, (list, dict)):
                shown = describe(value)
            else:
                shown = as_written(value, path, checker)
            meant = dict(self.synonyms).get(shown.strip().casefold()) or closest(shown, self.choices)
            hint = _(" (did you mean '{match}'?)", match=meant) if meant else ""
            if meant and halfwidth(shown) != shown:
                hint = _(" (did you mean '{match}'? it is typed in full-width characters: switch the input method "
                         "to half-width)", match=meant)
            labelled = [choice for _label, choice in self.labels]
            choices = labelled + [choice for choice in self.choices if choice not in labelled]
            if self.invalid:
                checker.report(path, _(self.invalid, value=shown, hint=hint, choices=listed(choices),
                                       labels=listed(label for label, _choice in self.labels)))
            else:
                checker.report(path, _("'{value}' is not one of {choices}{hint}", value=shown,
                                       choices=listed(choices), hint=hint))
            return None
        return value

    def json_schema(self, title_of, within=""):
        docs = dict(self.docs)
        shown = {choice: label for label, choice in self.labels}
        values, descriptions = [], []
        for choice in self.choices:
            meaning = _(docs[choice]) if choice in docs else choice
            values.append(choice)
            descriptions.append(_("{meaning}; the bulletin shows it as {label}", meaning=meaning, label=shown[choice])
                                if choice in shown else meaning)
        for label, choice in self.labels:
            values.append(label)
            meaning = _(docs[choice]) if choice in docs else choice
            descriptions.append(_("{meaning}, as the bulletin shows it; the same as writing {choice}",
                                  meaning=meaning, choice=choice))
        # enumDescriptions: shown beside each value by VS Code's YAML extension (ignored by validators)
        return {"enum": values, "enumDescriptions": descriptions}


@dataclass(frozen=True)
class Field:
    name: str
    type: Type
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Record(Type):
    fields: tuple[Field, ...]

    def check(self, value, path, checker):
        if not isinstance(value, dict):
            names = listed(f.name for f in self.fields if f.required) or self.fields[0].name
            found = describe(value)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                found += f" '{as_written(value, path, checker)}'"
            checker.report(path, _("expected a group of fields ({names}, ...), found {found}", names=names,
                                   found=found))
            return None
        known = {f.name: f for f in self.fields}
        result: dict[str, Any] = {}
        valid = True
        meant = set()  # fields an unknown key was already said to stand for
        for key in value:
            if key not in known:
                if checker.full:  # counted, without the cost of a did-you-mean
                    checker.report(path + (key,), _("unknown field"))
                    valid = False
                    continue
                match = closest(key, known)
                if match:
                    hint = did_you_mean(key, known)
                else:
                    hint = _("; the fields here are {fields}", fields=listed(known))
                if key.isdigit():  # {amount: 5,000}: inside braces a ',' separates fields
                    hint = _("; a ',' inside a number starts a new field here: write the number without ','")
                checker.report(path + (key,), _("unknown field '{key}'{hint}", key=key, hint=hint), key=True)
                meant.add(match)
                valid = False
        for spec in self.fields:
            if spec.name not in value or value[spec.name] is None:
                if spec.required:
                    valid = False
                    if spec.name in value:  # `progress:` with nothing after it
                        checker.report(path + (spec.name,), _("'{name}' is empty; it is required", name=spec.name),
                                       key=True)
                    elif spec.name not in meant:  # `titel:` was reported with its did-you-mean
                        within = [part for part in path[_last_index(path) + 1:] if isinstance(part, str)]
                        checker.report(path, _("missing required field '{name}'",
                                               name=shown_field(".".join([*within, spec.name]))))
                continue
            checked = spec.type.check(value[spec.name], path + (spec.name,), checker)
            if checked is None:
                valid = False
            result[spec.name] = checked
        return result if valid else None

    def json_schema(self, title_of, within=""):
        properties = {}
        for spec in self.fields:
            key = f"{within}.{spec.name}" if within else spec.name
            fragment = spec.type.json_schema(title_of, key)
            if not spec.required:  # `note:` with nothing after it is as good as no note (see check)
                fragment = _or_nothing(fragment)
            properties[spec.name] = {"title": title_of(key), "description": _(spec.doc) if spec.doc else "",
                                     **fragment}
        fragment = {"type": "object", "properties": properties, "additionalProperties": False}
        required = [spec.name for spec in self.fields if spec.required]
        if required:
            fragment["required"] = required
        return fragment


def _or_nothing(fragment: dict) -> dict:
    """A fragment that also accepts null, the value of a field written with nothing after it."""
    if isinstance(fragment.get("type"), str):
        return {**fragment, "type": [fragment["type"], "null"]}
    if isinstance(fragment.get("type"), list):
        return {**fragment, "type": fragment["type"] + ["null"]}
    return {**fragment, "enum": fragment["enum"] + [None],
            "enumDescriptions": fragment["enumDescriptions"] + [""]}


@dataclass(frozen=True)
class ListOf(Type):
    item: Type
    allow_empty: bool = True

    def check(self, value, path, checker):
        if not isinstance(value, list):
            found = describe(value)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                found += f" '{as_written(value, path, checker)}'"
            checker.report(path, _("expected a list (lines starting with '- '), found {found}", found=found))
            return None
        if not value and not self.allow_empty:
            checker.report(path, _("must list at least one entry"))
            return None
        items = [self.item.check(item, path + (index,), checker) for index, item in enumerate(value)]
        return None if any(item is None for item in items) else items

    def json_schema(self, title_of, within=""):
        fragment = {"type": "array", "items": self.item.json_schema(title_of)}  # an item starts a new key path
        if not self.allow_empty:
            fragment["minItems"] = 1
        return fragment


def check_document(document: SourceDocument, schema: Record, what: str) -> tuple[dict | None, list[Problem]]:
    """Check a whole file against its schema; (clean data or None, problems). `what` names the
    file in a message (marked N_ where declared)."""
    checker = Checker(document)
    checker.problems.extend(document.problems)  # found while reading, e.g. a '<<' merge key
    if document.data is None:
        required = listed(f"'{f.name}:'" for f in schema.fields if f.required)
        checker.report((), _("file is empty (comments do not count); a {what} needs {required}", what=_(what),
                             required=required))
        return None, checker.problems
    if not isinstance(document.data, dict):
        required = listed(f"'{f.name}:'" for f in schema.fields if f.required)
        checker.report((), _("a {what} starts with {required}, found {found}; write {required} on the first line "
                             "and indent the rest below it", what=_(what), required=required,
                             found=describe(document.data)))
        return None, checker.problems
    return schema.check(document.data, (), checker), checker.summary()
