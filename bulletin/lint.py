"""Warnings: content that builds, but is probably not what staff meant to publish.

A warning never stops a build (`check --strict` makes them fail, for CI). Each is located
like a problem (`path:line:column: `) and found by a pure function of what was read: the
parsed documents, the text of their files, the ledger's rounds and, for a round's date
only, today's date, which the caller passes in (the one check that reads the clock, and
it never changes what is built).

Warnings are stored untranslated (a kind and its values) so that a unit reused from the
build cache prints its warnings again, in whatever language the next build speaks.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable, Iterator

from .content import CORRECTION_SCHEMA, PROJECT_SCHEMA, UnitFile
from .layout import SITE_FILE
from .messages import N_, _
from .model import CLOSED_STATUSES
from .problems import Location, printable, shown_field
from .source import SourceDocument

# What each kind of warning says; {placeholders} are filled from the warning's values.
MESSAGES = {
    "field-in-text": N_(
        "'{key}:' is inside the text above it (after '|' or '>'), so it would be published as text, not read as "
        "the field {key}; if it is a field, start it in the same column as the other fields"),
    "renamed-id": N_(
        "project '{new}' is new this round and has the same title as '{old}', which this round leaves out: if it "
        "is the same project, write its id '{old}' again; otherwise '{old}' is published as not reported and "
        "'{new}' as a new project"),
    "renamed-id-similar": N_(
        "project '{new}' is new this round and its title is very close to that of '{old}' (\"{title}\"), which "
        "this round leaves out: if it is the same project, write its id '{old}' again; otherwise '{old}' is "
        "published as not reported and '{new}' as a new project"),
    "unchanged-progress": N_(
        "the progress is word for word the same as in round '{round}', and the project is not completed: "
        "write what was done since (or why nothing was)"),
    "unchanged-file": N_(
        "this file has the same projects, word for word, as {previous} of the previous round: update each "
        "project's status and progress for this round"),
    "future-date": N_(
        "the round is dated {date}, later than today ({today}): check the date, it is published as written"),
    "resident-id": N_(
        "this looks like a resident ID number; personal data must not be published, and a leak cannot be taken "
        "back: mask it (e.g. {masked}) or remove it (in a published round, declare a correction with redact:)"),
    "mobile-number": N_(
        "this looks like a mobile phone number; personal data must not be published, and a leak cannot be taken "
        "back: mask it (e.g. {masked}) or remove it (in a published round, declare a correction with redact:)"),
}


@dataclass(frozen=True, order=True)
class ContentWarning:
    location: Location
    field: str  # e.g. "projects[2].progress"; empty when the whole file is meant
    kind: str  # a key of MESSAGES
    values: tuple[tuple[str, str], ...] = ()  # the message's placeholders, by name
    subject: str = dataclasses.field(default="", compare=False)  # the project's title, shown beside the field

    @property
    def message(self) -> str:
        return _(MESSAGES[self.kind], **dict(self.values))

    def __str__(self) -> str:
        if not self.field:
            return printable(f"{self.location}: " + _("warning: {message}", message=self.message))
        return printable(f"{self.location}: " + _("warning: {field}: {message}",
                                                   field=shown_field(self.field, self.subject),
                                                   message=self.message))

    def plain(self) -> tuple:
        """For the build cache (marshal stores only plain values)."""
        where = self.location
        return where.path, where.line, where.column, self.field, self.kind, self.values, self.subject


def warning_from_plain(plain: tuple) -> ContentWarning:
    path, line, column, field, kind, values, subject = plain
    if kind not in MESSAGES:
        raise ValueError(kind)
    return ContentWarning(Location(path, line, column), field, kind, tuple(tuple(pair) for pair in values), subject)


def _warning(location: Location, field: str, kind: str, subject: str = "", **values: str) -> ContentWarning:
    # A title may hold the very number warned about: a warning never repeats one (CI logs are kept).
    masked_values = tuple(sorted((name, mask_all(value)) for name, value in values.items()))
    return ContentWarning(location, field, kind, masked_values, mask_all(subject))


# ---------------------------------------------------------------------------------------------
# Reading what the checks look at besides the parsed data: the text, for positions inside values.

def document_text(path: Path, document: SourceDocument) -> str | None:
    """The text of the file the document was parsed from, or None when it cannot be read
    or changed since (its checks then locate at the start of values only)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if document.sha256 and hashlib.sha256(raw).hexdigest() != document.sha256:
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


class _Text:
    """A file's lines, and where each value starts and the next one begins."""

    def __init__(self, document: SourceDocument, text: str | None):
        # YAML's line breaks; str.splitlines splits on a few more, all of which YAML refuses.
        self.lines = text.splitlines() if text is not None else []
        self.document = document

    @cached_property
    def marks(self) -> list[tuple[int, int]]:
        return sorted(set(self.document.value_marks.values()) | set(self.document.key_marks.values()))

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def find(self, start: tuple[int, int], written: str) -> tuple[int, int] | None:
        """Where `written` first appears from `start`, before the next value or key begins."""
        after = bisect.bisect_right(self.marks, start)
        end = self.marks[after] if after < len(self.marks) else (len(self.lines) + 1, 1)
        line, column = start
        while line <= end[0] and line <= len(self.lines):
            text = self.line(line)
            stop = end[1] - 1 if line == end[0] else len(text)
            found = text.find(written, column - 1, stop)
            if found >= 0:
                return line, found + 1
            line, column = line + 1, 1
        return None


def _leaves(data: object, path: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """Every scalar value with its path, in document order."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, path + (index,))
    elif data is not None:
        yield path, data


def _subject(document: SourceDocument, path: tuple) -> str:
    """The title of the project (or round, or name of the unit) a path lies in."""
    if len(path) >= 2 and isinstance(path[1], int) and isinstance(document.data, dict):
        items = document.data.get(path[0])
        if isinstance(items, list) and path[1] < len(items) and isinstance(items[path[1]], dict):
            item = items[path[1]]
            subject = item.get("title") if path[0] in ("projects", "rounds") else item.get("name")
            return subject if isinstance(subject, str) else ""
    return ""


def _field(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text


# ---------------------------------------------------------------------------------------------
# 1. A field written inside a block of text.

# A line that starts like a field of the item (a project, a correction), ':' full-width or not.
_FIELD_LINES = {items: re.compile(r"\s*(?:-\s+)?(" + "|".join(f.name for f in schema.fields) + r")\s*[:：]")
                for items, schema in (("projects", PROJECT_SCHEMA), ("corrections", CORRECTION_SCHEMA))}
_BLOCK_HEADER = re.compile(r"[|>](?:([1-9])[+-]?|[+-]?([1-9])?)\s*(?:#.*)?$")


def _item_texts(document: SourceDocument) -> Iterator[tuple[tuple, str]]:
    """(path, text) of each text field of a project or correction."""
    data = document.data if isinstance(document.data, dict) else {}
    for items in _FIELD_LINES:
        for index, item in enumerate(data.get(items) or ()):
            if isinstance(item, dict):
                for key, value in item.items():
                    if isinstance(value, str):
                        yield (items, index, key), value


def fields_in_text(document: SourceDocument, text: str | None) -> list[ContentWarning]:
    """A line inside a `|` or `>` block of a project's (or correction's) text that reads as
    one of its fields: indented one step too deep, it is published as text."""
    source = _Text(document, text)
    found = []
    for path, _text in _item_texts(document):
        line, column = document.value_marks.get(path, (0, 0))
        header = _BLOCK_HEADER.match(source.line(line), column - 1)
        if not header:
            continue
        field_line = _FIELD_LINES[path[0]]
        parent_indent = document.where(path, key=True).column - 1
        explicit = header.group(1) or header.group(2)
        indent = parent_indent + int(explicit) if explicit else None
        number = line + 1
        while number <= len(source.lines):
            written = source.line(number)
            if written.strip(" "):
                own = len(written) - len(written.lstrip(" "))
                if indent is None:
                    indent = own
                if own < indent or indent <= parent_indent:
                    break
                match = field_line.match(written)
                if match:
                    found.append(_warning(Location(document.display_path, number, match.start(1) + 1),
                                          _field(path), "field-in-text", _subject(document, path),
                                          key=match.group(1)))
            number += 1
    return found


# ---------------------------------------------------------------------------------------------
# 5. Personal data: resident ID numbers and mobile numbers.

# \d matches full-width digits too (１３８…), which an input method in full-width mode types.
_RESIDENT_ID = re.compile(r"(?<!\d)(\d{6})(\d{4})(\d{2})(\d{2})(\d{3})([\dXxＸｘ])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_NUMBER_FIELDS = frozenset({"amount", "planned", "done", "order", "shard_size"})
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _digits(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper()


def is_resident_id(number: str) -> bool:
    """18 characters with a real birth date and the ISO 7064 MOD 11-2 check character:
    a budget figure or a serial number of 18 digits almost never passes."""
    number = _digits(number)
    if len(number) != 18 or not number[:17].isdigit() or number[0] == "0":
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2100:
        return False
    check = "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS)) % 11]
    return number[17] == check


def personal_data_in(text: str) -> list[tuple[int, str, str]]:
    """(offset, what was written, kind) of each resident ID or mobile number in a text."""
    found = []
    for match in _RESIDENT_ID.finditer(text):
        if is_resident_id(match.group()):
            found.append((match.start(), match.group(), "resident-id"))
    for match in _MOBILE.finditer(text):
        found.append((match.start(), match.group(), "mobile-number"))
    return sorted(found)


def masked(written: str, kind: str) -> str:
    """How the number may be published: 138****1234, 110101********123X."""
    digits = re.sub(r"\D", "", _digits(written)) if kind == "mobile-number" else _digits(written)
    if kind == "mobile-number":
        digits = digits[-11:]
        return digits[:3] + "****" + digits[-4:]
    return digits[:6] + "*" * 8 + digits[-4:]


def mask_all(text: str) -> str:
    """The text with each resident ID and mobile number in it masked."""
    for _offset, written, kind in personal_data_in(text):
        text = text.replace(written, masked(written, kind))
    return text


def personal_data(document: SourceDocument, text: str | None, redacted: Iterable[str] = ()) -> list[ContentWarning]:
    """Every resident ID or mobile number in the document's values (numbers typed without
    quotes included, as written), except inside a text a correction redacts."""
    if text is not None and not personal_data_in(text):
        return []  # the usual case: nothing in the whole file, so in none of its values
    source = _Text(document, text)
    removed = tuple(r for r in redacted if r)
    found = []
    for path, value in _leaves(document.data):
        if len(path) >= 3 and path[0] == "corrections" and path[2] == "redact":
            continue  # the text to remove, never published
        if not isinstance(value, str) and path and path[-1] in _NUMBER_FIELDS:
            continue  # an amount of 13,500,000,000 yuan is no phone number
        written = value if isinstance(value, str) else document.raw(path)
        if not written:
            continue
        for offset, number, kind in personal_data_in(written):
            if any(number in redaction for redaction in removed):
                continue
            start = document.value_marks.get(path)
            place = source.find(start, number) if start else None
            line, column = place or start or (1, 1)
            found.append(_warning(Location(document.display_path, line, column), _field(path), kind,
                                  _subject(document, path), masked=masked(number, kind)))
    return found


# ---------------------------------------------------------------------------------------------
# 2 and 3. A unit's round against its previous one.

# Titles equal or at least this close (difflib's ratio, ignoring spaces and punctuation) are
# taken for the same project.
SIMILAR_TITLES = 0.8
# Fuzzy comparison of every missing project with every new one is quadratic: beyond this many
# pairs (a unit renumbered its whole list) only equal titles are matched.
MAX_COMPARED_PAIRS = 20_000


def title_key(title: str) -> str:
    """A title without spaces, punctuation or symbols, full-width forms and case folded."""
    folded = unicodedata.normalize("NFKC", str(title)).casefold()
    return "".join(c for c in folded if unicodedata.category(c)[0] in "LN")


def _renamed(missing: list[dict], new: list[tuple[int, dict]]) -> list[tuple[int, dict, bool]]:
    """(index of the new project, the missing one it probably is, whether the titles are equal):
    each pairing at most once, the closest titles first."""
    keys_missing = [title_key(p["title"]) for p in missing]
    keys_new = [title_key(p["title"]) for _, p in new]
    candidates: list[tuple[float, int, int]] = []
    by_key: dict[str, list[int]] = {}
    for position, key in enumerate(keys_missing):
        if key:
            by_key.setdefault(key, []).append(position)
    for position, key in enumerate(keys_new):
        for other in by_key.get(key, ()):
            candidates.append((-1.0, position, other))
    if len(missing) * len(new) <= MAX_COMPARED_PAIRS:
        for position, key in enumerate(keys_new):
            if not key:
                continue
            matcher = difflib.SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(key)
            for other, other_key in enumerate(keys_missing):
                if not other_key or other_key == key:
                    continue
                matcher.set_seq1(other_key)
                if (matcher.real_quick_ratio() >= SIMILAR_TITLES and matcher.quick_ratio() >= SIMILAR_TITLES
                        and matcher.ratio() >= SIMILAR_TITLES):
                    candidates.append((-matcher.ratio(), position, other))
    paired = []
    used_new: set[int] = set()
    used_missing: set[int] = set()
    for score, position, other in sorted(candidates):
        if position in used_new or other in used_missing:
            continue
        used_new.add(position)
        used_missing.add(other)
        paired.append((new[position][0], missing[other], score == -1.0))
    return sorted(paired, key=lambda pair: pair[0])


def _file_warnings(current: UnitFile, previous: UnitFile, seen_before: set[str]) -> list[ContentWarning]:
    document = current.document
    open_projects = [p for p in current.projects if p["status"] not in CLOSED_STATUSES]
    if open_projects and (document.sha256 and document.sha256 == previous.document.sha256
                          or document.data == previous.document.data):
        return [_warning(Location(document.display_path, 1, 1), "", "unchanged-file",
                         previous=previous.document.display_path)]
    found = []
    before = {p["id"]: p for p in previous.projects}
    now = {p["id"] for p in current.projects}
    for index, project in enumerate(current.projects):
        earlier = before.get(project["id"])
        if (earlier is not None and project["status"] not in CLOSED_STATUSES
                and str(project["progress"]).strip() == str(earlier["progress"]).strip()):
            found.append(_warning(document.where(("projects", index, "progress")), f"projects[{index}].progress",
                                  "unchanged-progress", project["title"], round=previous.round_id))
    missing = [p for p in previous.projects if p["id"] not in now and p["status"] not in CLOSED_STATUSES]
    new = [(index, p) for index, p in enumerate(current.projects) if p["id"] not in seen_before]
    if missing and new:
        for index, old, same in _renamed(missing, new):
            project = current.projects[index]
            values = {"new": project["id"], "old": old["id"]}
            if not same:
                values["title"] = old["title"]
            found.append(_warning(document.where(("projects", index, "id")), f"projects[{index}].id",
                                  "renamed-id" if same else "renamed-id-similar", project["title"], **values))
    return found


def unit_warnings(files: tuple[UnitFile, ...], texts: dict[str, str | None],
                  published: frozenset[str] = frozenset()) -> tuple[ContentWarning, ...]:
    """A unit's warnings, from its files (oldest round first) and their texts (by display path).
    A round already published is not compared with the one before: what it left out or
    repeated is history now (a leak or a misplaced field in it is still said)."""
    found: list[ContentWarning] = []
    seen: set[str] = set()  # project ids of the earlier rounds
    previous: UnitFile | None = None
    for unit_file in files:
        document = unit_file.document
        text = texts.get(document.display_path)
        found += fields_in_text(document, text)
        redacted = [c.get("redact") or "" for c in unit_file.corrections]
        found += personal_data(document, text, redacted)
        if previous is not None and unit_file.round_id not in published:
            found += _file_warnings(unit_file, previous, seen)
        seen.update(p["id"] for p in unit_file.projects)
        previous = unit_file
    return tuple(sorted(set(found)))


# ---------------------------------------------------------------------------------------------
# 4 and 5 for the site's own files.

def future_rounds(document: SourceDocument, round_ids: Iterable[str], today: dt.date,
                  publishing: str | None = None) -> list[ContentWarning]:
    """A round dated after today, located at its date in site.yaml. A draft is skipped (it is
    often dated for its planned publication) unless it is the one being published."""
    rounds = document.data.get("rounds") if isinstance(document.data, dict) else None
    listed = set(round_ids)
    found = []
    for index, entry in enumerate(rounds if isinstance(rounds, list) else ()):
        if not isinstance(entry, dict) or entry.get("id") not in listed or (entry.get("draft") is True and entry.get("id") != publishing):
            continue
        date = entry.get("date")
        if isinstance(date, dt.date) and not isinstance(date, dt.datetime) and date > today:
            title = entry.get("title")
            found.append(_warning(document.where(("rounds", index, "date")), f"rounds[{index}].date", "future-date",
                                  title if isinstance(title, str) else "", date=date.isoformat(),
                                  today=today.isoformat()))
    return found


def site_warnings(site: tuple[SourceDocument, str | None], registry: tuple[SourceDocument, str | None] | None,
                  round_ids: Iterable[str], today: dt.date, publishing: str | None = None) -> tuple[ContentWarning, ...]:
    """The warnings of site.yaml and units.yaml (each document with its text)."""
    site_document, site_text = site
    found = future_rounds(site_document, round_ids, today, publishing) + personal_data(site_document, site_text)
    if registry is not None:
        found += personal_data(*registry)
    return tuple(sorted(set(found)))


def site_file_warnings(site_dir: Path, site_document: SourceDocument, registry: tuple[Path, SourceDocument] | None,
                       round_ids: Iterable[str], today: dt.date,
                       publishing: str | None = None) -> tuple[ContentWarning, ...]:
    """site_warnings of site.yaml and of units.yaml (`registry`: its path and document, as
    content.scan_content read it; None when it could not be read)."""
    registry_texts = (registry[1], document_text(*registry)) if registry is not None else None
    return site_warnings((site_document, document_text(site_dir / SITE_FILE, site_document)), registry_texts,
                         round_ids, today, publishing)


def all_warnings(site: Iterable[ContentWarning],
                 units: Iterable[Iterable[ContentWarning]]) -> tuple[ContentWarning, ...]:
    """The site's and every unit's warnings, in the order of their files and lines."""
    return tuple(sorted(set(site).union(*units)))
