"""Open data beside the pages: every project entry as JSON and CSV per round, and every project's
history as one JSON file. Field names are documented in the README ("Open data").

Pure functions from the model to bytes; the output module writes them.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .i18n import Translator
from .model import Entry, History, Site, Step
from .pages import ALL_PROJECTS_DATA, project_path, round_data_path

ENTRY_FIELDS = (
    "round_id", "round_title", "round_date", "unit_id", "unit_name", "unit_group", "number", "project_id",
    "reported", "title", "status", "status_label", "progress", "lead", "category", "location",
    "funding_amount", "funding_unit", "target_name", "target_planned", "target_done", "target_unit",
    "target_rate", "updated", "last_reported_round_id", "history_url",
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
    }


def round_rows(site: Site, round_id: str, translator: Translator) -> list[dict[str, Any]]:
    """One row per project on each unit's list that round: reported entries first, in
    bulletin order, then the projects the unit did not report (with their last report)."""
    rnd = next(r for r in site.rounds if r.id == round_id)
    rows = []
    for unit_round in site.round_units(round_id):
        unit = unit_round.unit
        reported = [(entry, True) for entry in unit_round.entries]
        missing = [(step.last, False) for step in unit_round.missing]
        for entry, was_reported in reported + missing:
            rows.append({
                "round_id": rnd.id, "round_title": rnd.title, "round_date": rnd.date.isoformat(),
                "unit_id": unit.id, "unit_name": unit.name, "unit_group": unit.group,
                "number": entry.number if was_reported else None, "project_id": entry.project_id,
                "reported": was_reported, **_entry_fields(entry, translator),
                "last_reported_round_id": entry.round_id,
                "history_url": project_path(unit.id, entry.project_id),
            })
    return rows


def round_json(site: Site, round_id: str, translator: Translator) -> bytes:
    rnd = next(r for r in site.rounds if r.id == round_id)
    document = {
        "site": {"title": site.config.title, "publisher": site.config.publisher,
                 "supervision_phone": site.config.supervision_phone},
        "round": {"id": rnd.id, "title": rnd.title, "date": rnd.date.isoformat()},
        "fields": list(ENTRY_FIELDS),
        "projects": round_rows(site, round_id, translator),
    }
    return _json(document)


def round_csv(site: Site, round_id: str, translator: Translator) -> bytes:
    """UTF-8 with a BOM, CRLF line ends: what Excel needs to open Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ENTRY_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in round_rows(site, round_id, translator):
        writer.writerow({key: _csv_value(value) for key, value in row.items()})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # A cell starting with = + - @ is run as a formula by spreadsheets: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def all_projects_json(site: Site, translator: Translator) -> bytes:
    units = {unit.id: unit for unit in site.units}
    projects = [_history(history, units[history.unit_id], translator) for history in site.histories.values()]
    return _json({
        "site": {"title": site.config.title, "publisher": site.config.publisher},
        "rounds": [{"id": r.id, "title": r.title, "date": r.date.isoformat()} for r in site.rounds],
        "projects": projects,
    })


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


def _json(document: dict) -> bytes:
    """Compact JSON, one project per line: readable in a text editor, diffable between
    rounds, and written by the C encoder (indent= would fall back to pure Python)."""
    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    head = {key: value for key, value in document.items() if key != "projects"}
    lines = ",\n".join(dump(project) for project in document["projects"])
    return (dump(head)[:-1] + ',"projects":[\n' + lines + "\n]}\n").encode("utf-8")


def open_data_files(site: Site, translator: Translator) -> dict[str, bytes]:
    files = {ALL_PROJECTS_DATA: all_projects_json(site, translator)}
    for rnd in site.rounds:
        files[round_data_path(rnd.id, "json")] = round_json(site, rnd.id, translator)
        files[round_data_path(rnd.id, "csv")] = round_csv(site, rnd.id, translator)
    return files
