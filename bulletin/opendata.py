"""Open data beside the pages: every project entry as JSON and CSV per round, every project's
history as one gzip-compressed JSON file and each unit's as a file of its own, and an index of
them all. Field names are documented in the README ("Open data").

Pure functions: each unit's rows as text parts (unit_open_data), and how a file joins every
unit's parts (Joined layouts); assemble.py streams the files, the output folder takes them.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .i18n import Translator
from .config import SiteConfig
from .model import Entry, History, Round, Site, Step, Unit, UnitRound
from .pages import ALL_PROJECTS_DATA, project_path, round_data_path, unit_data_path

ENTRY_FIELDS = (
    "round_id", "round_title", "round_date", "unit_id", "unit_name", "unit_group", "number", "project_id",
    "reported", "title", "status", "status_label", "progress", "lead", "category", "location",
    "funding_amount", "funding_unit", "target_name", "target_planned", "target_done", "target_unit",
    "target_rate", "updated", "last_reported_round_id", "history_url", "due",
)


def _number(value: float | None) -> float | int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _entry_fields(entry: Entry, translator: Translator) -> dict[str, Any]:
    return {
        "title": entry.title, "status": entry.status, "status_label": translator.status(entry.status),
        "progress": entry.progress, "lead": entry.lead, "category": entry.category, "location": entry.location,
        "funding_amount": _number(entry.funding.amount) if entry.funding else None,
        "funding_unit": entry.funding.unit if entry.funding else None,
        "target_name": entry.target.name if entry.target else None,
        "target_planned": _number(entry.target.planned) if entry.target else None,
        "target_done": _number(entry.target.done) if entry.target else None,
        "target_unit": entry.target.unit if entry.target else None,
        "target_rate": round(entry.target.rate, 1) if entry.target else None,
        "updated": entry.updated.isoformat() if entry.updated else None,
        "due": entry.due or None,
    }


def _unit_round_rows(unit_round: UnitRound, translator: Translator) -> list[dict[str, Any]]:
    rnd, unit = unit_round.round, unit_round.unit
    reported = [(entry, True) for entry in unit_round.entries]
    missing = [(step.last, False) for step in unit_round.missing]
    rows = [{
        "round_id": rnd.id, "round_title": rnd.title, "round_date": rnd.date.isoformat(),
        "unit_id": unit.id, "unit_name": unit.name, "unit_group": unit.group,
        "number": entry.number if was_reported else None, "project_id": entry.project_id,
        "reported": was_reported, **_entry_fields(entry, translator),
        "last_reported_round_id": entry.round_id,
        "history_url": project_path(unit.id, entry.project_id),
    } for entry, was_reported in reported + missing]
    return [{name: row[name] for name in ENTRY_FIELDS} for row in rows]  # columns added later come last


@dataclass(frozen=True)
class UnitOpenData:
    """One unit's share of the open data files, as text ready to be joined: the files
    are assembled from these parts, so a unit that did not change is not recomputed."""

    round_json: dict[str, str]  # round id -> its rows, one JSON object per line
    round_csv: dict[str, str]  # round id -> its CSV rows
    histories: str  # its projects for the whole-history file and its own, one per line


def unit_open_data(site: Site, unit: Unit, translator: Translator) -> UnitOpenData:
    round_json: dict[str, str] = {}
    round_csv: dict[str, str] = {}
    for rnd in site.rounds:
        unit_round = site.unit_rounds.get((rnd.id, unit.id))
        if unit_round is None:
            continue
        rows = _unit_round_rows(unit_round, translator)
        round_json[rnd.id] = ",\n".join(_dump(row) for row in rows)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=ENTRY_FIELDS, lineterminator="\r\n")
        for row in rows:
            writer.writerow({key: _csv_value(value) for key, value in row.items()})
        round_csv[rnd.id] = buffer.getvalue()
    histories = ",\n".join(_dump(_history(history, unit, translator)) for history in site.unit_histories(unit.id))
    return UnitOpenData(round_json, round_csv, histories)


@dataclass(frozen=True)
class Joined:
    """How a site-wide file is made of the units' parts: a head, each unit's non-empty part
    with a separator between them, and a tail. The build
    writes it unit by unit (see Joining), so a province's file is never whole in memory."""

    head: bytes
    separator: bytes = b""
    tail: bytes = b""

    def join(self, parts: Iterable[bytes]) -> bytes:
        """The whole file at once, joined as the build joins it piece by piece."""
        chunks: list[bytes] = []
        joining = Joining(self, chunks.append)
        for part in parts:
            joining.add(part)
        joining.finish()
        return b"".join(chunks)


class Joining:
    """One joined file being written: the head at once, then each part as it comes, then the tail."""

    def __init__(self, layout: Joined, write: Callable[[bytes], None]):
        self.layout = layout
        self.write = write
        self.started = False
        write(layout.head)

    def add(self, part: bytes) -> None:
        if not part:
            return
        if self.started:
            self.write(self.layout.separator)
        self.write(part)
        self.started = True

    def finish(self) -> None:
        self.write(self.layout.tail)


def column_labels(translator: Translator) -> dict[str, str]:
    """The CSV's column headers in the site's language: staff and journalists open it in Excel
    (中文 for a zh-CN site); the JSON keeps the English keys and names these labels."""
    return {name: translator(f"data_field.{name}") for name in ENTRY_FIELDS}


def round_json_layout(config: SiteConfig, rnd: Round, labels: dict[str, str]) -> Joined:
    # What the round's bulletin showed of the site (rnd.site: as published, corrections
    # applied), not what site.yaml says today.
    shown = rnd.site or config
    phone = rnd.site.supervision_phone if rnd.site else config.supervision_phone
    return _json({
        "site": {"title": shown.title, "publisher": shown.publisher, "supervision_phone": phone},
        "round": {"id": rnd.id, "title": rnd.title, "date": rnd.date.isoformat(),
                  **({"intro": rnd.intro} if rnd.intro else {})},
        "fields": list(ENTRY_FIELDS),
        "labels": labels,  # the CSV's header of each field
    })


def round_csv_layout(labels: dict[str, str]) -> Joined:
    """UTF-8 with a BOM, CRLF line ends: what Excel needs to open Chinese text correctly.
    The header row names the columns in the site's language (column_labels)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([labels[name] for name in ENTRY_FIELDS])
    return Joined(("\ufeff" + buffer.getvalue()).encode("utf-8"))


def all_projects_layout(config: SiteConfig, rounds: tuple[Round, ...]) -> Joined:
    """data/projects.json.gz: every project's whole history, the JSON compressed as a series of
    gzip members (RFC 1952: gunzip, 7-Zip, Python's gzip read them as one stream). Each unit's
    part is already its member (histories_member), so the file is only its members joined: the
    whole is never compressed, and a one-unit edit costs copying bytes."""
    plain = _json({
        "site": {"title": config.title, "publisher": config.publisher},
        "rounds": [{"id": r.id, "title": r.title, "date": r.date.isoformat()} for r in rounds],
    })
    return Joined(gzip_member(plain.head), gzip_member(plain.separator), gzip_member(plain.tail))


def histories_member(histories: str) -> bytes:
    """A unit's share of data/projects.json.gz; nothing for a unit without projects, so the
    file's separators fall as they do between the parts of a plain JSON file."""
    return gzip_member(histories.encode("utf-8")) if histories else b""


def gzip_member(data: bytes) -> bytes:
    # mtime=0 and a fixed level: the same bytes give the same member on every build.
    return gzip.compress(data, compresslevel=6, mtime=0)


def unit_history_file(config: SiteConfig, rounds: tuple[Round, ...], unit: Unit, histories: str) -> bytes:
    """data/units/<unit>.json: one unit's projects with their whole history, as data/projects.json.gz
    has them, for a citizen or a newsroom that follows one unit (a province's whole file is
    hundreds of MB). Made from the unit's own part, so it is rebuilt only with the unit."""
    head = _json({
        "site": {"title": config.title, "publisher": config.publisher},
        "unit": {"id": unit.id, "name": unit.name, "group": unit.group},
        "rounds": [{"id": r.id, "title": r.title, "date": r.date.isoformat()} for r in rounds],
    })
    return head.join([histories.encode("utf-8")])


def data_index(config: SiteConfig, rounds: tuple[Round, ...], units: tuple[Unit, ...]) -> bytes:
    """data/index.json: every open data file there is, so a program finds a round's or a unit's
    without reading the others. Paths are relative to the site's root, as history_url is."""
    return (json.dumps({
        "site": {"title": config.title, "publisher": config.publisher},
        "all_projects": ALL_PROJECTS_DATA,
        "rounds": [{"id": r.id, "title": r.title, "date": r.date.isoformat(),
                    "json": round_data_path(r.id, "json"), "csv": round_data_path(r.id, "csv")} for r in rounds],
        "units": [{"id": u.id, "name": u.name, "group": u.group, "history": unit_data_path(u.id)} for u in units],
    }, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # A cell starting with = + - @ is run as a formula by spreadsheets: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _history(history: History, unit, translator: Translator) -> dict[str, Any]:
    return {
        "unit_id": unit.id, "unit_name": unit.name, "unit_group": unit.group,
        "project_id": history.project_id, "title": history.latest.title,
        "latest_status": history.latest.status, "first_round_id": history.first_round.id,
        "latest_reported_round_id": history.latest_reported_round.id,
        "history_url": project_path(unit.id, history.project_id),
        "rounds": [_step(step, translator) for step in history.steps],
    }


def _step(step: Step, translator: Translator) -> dict[str, Any]:
    if not step.reported:
        return {"round_id": step.round.id, "reported": False}
    return {"round_id": step.round.id, "reported": True, "number": step.entry.number,
            **_entry_fields(step.entry, translator),
            "changes": [change.field for change in step.changes],
            "progress_rewritten": step.progress_rewritten}


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json(head: dict) -> Joined:
    """Compact JSON, one project per line: readable in a text editor, diffable between
    rounds, and written by the C encoder (indent= would fall back to pure Python)."""
    return Joined((_dump(head)[:-1] + ',"projects":[\n').encode("utf-8"), b",\n", b"\n]}\n")
