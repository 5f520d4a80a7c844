"""Published rounds are frozen: the ledger, and the check that nothing changed silently.

`python build.py publish ROUND` records, in content/ledger.json (committed with
the content), the SHA-256 and the exact text of each of the round's unit files
and the SHA-256 of its site.yaml entry. Entries are chained: each includes the
digest of the one before, so an old entry cannot be rewritten without every
later digest changing too.

Since format 2, an entry also records what the round's pages showed of the
site (title, publisher, supervision phone and note) and of every unit (name,
group, order): published rounds keep showing those values when site.yaml or
units.yaml change, unless a correction under the round in site.yaml declares
a new value. Entries of format 1 have no such record: their rounds show the
current values.

Every later build compares the content with the ledger. A frozen file that
differs is an error naming the fields that changed, unless the file declares
each changed project under `corrections:` (date, reason, project, state); then
the change is published with a visible correction notice, and the bulletin as
first published (kept in the ledger) stays reachable. `state` pins the project
as the correction left it, so that a later edit needs a correction of its own.
A correction with `redact:` removes a text from every copy of the file.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from .files import sha256_hex, write_whole
from .layout import CONTENT, LEDGER_PATH
from .config import RoundConfig, RoundRecord, ShownSite, ShownUnit, SiteConfig, shown_round
from .content import PROJECT_SCHEMA, UNIT_ROUND_SCHEMA, Content, UnitFile
from .model import (CORRECTED_FIELDS, Correction, CorrectedFile, Entry, compare_entries, entry_from_project,
                    entry_texts, redact_entry, redaction_mark)
from .messages import N_, _
from .problems import ContentError, Location, Problem, closest
from .schema import Checker, check_document
from .source import SourceDocument, parse_yaml

FORMAT = "bulletin-ledger/2"  # 2: entries may record what the round showed ("shown")
READABLE_FORMATS = ("bulletin-ledger/1", FORMAT)
PROJECT_FIELDS = frozenset(field.name for field in PROJECT_SCHEMA.fields)


def _canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def site_entry(round_config: RoundConfig) -> dict:
    """What a round's bulletin shows of its site.yaml entry; its intro only when it has one, so
    that ledgers written before intros existed still match."""
    entry = {"id": round_config.id, "title": round_config.title, "date": round_config.date.isoformat()}
    if round_config.intro:
        entry["intro"] = round_config.intro
    if round_config.document_number:  # 文号: likewise only when given
        entry["document_number"] = round_config.document_number
    return entry


@dataclass(frozen=True)
class PublishedFile:
    path: str  # content/<round>/<unit>.yaml
    sha256: str
    text: str


@dataclass(frozen=True)
class PublishedRound:
    round_id: str
    site_entry: dict
    files: tuple[PublishedFile, ...]
    previous: str  # digest of the entry before, "" for the first
    digest: str  # of this entry, previous included
    shown: dict | None = None  # what the round showed of the site and units; None in format 1 entries


def _entry_body(round_id: str, entry: dict, files: tuple[PublishedFile, ...], previous: str,
                shown: dict | None = None) -> dict:
    body = {
        "round": round_id,
        "site_entry": entry,
        "site_entry_sha256": sha256_hex(_canonical(entry)),
        "files": [{"path": f.path, "sha256": f.sha256, "text": f.text} for f in files],
        "previous": previous,
    }
    if shown is not None:  # absent from format 1 entries, whose digests must still verify
        body["shown"] = shown
    return body


def shown_record(config: SiteConfig, units: tuple[dict, ...]) -> dict:
    """What a round's pages show of the site and of every registered unit, as recorded."""
    ordered = sorted(units, key=lambda unit: (unit.get("order", 0), unit["id"]))
    return {
        "site": {"title": config.title, "publisher": config.publisher,
                 "supervision_phone": config.supervision_phone, "supervision_note": config.supervision_note},
        "units": [{"id": u["id"], "name": u["name"], "group": u["group"], "order": u.get("order", 0)}
                  for u in ordered],
    }


def _record(shown: dict) -> RoundRecord:
    site = shown["site"]
    return RoundRecord(
        ShownSite(site["title"], site["publisher"], site["supervision_phone"], site["supervision_note"]),
        tuple(ShownUnit(u["id"], u["name"], u["group"], u["order"]) for u in shown["units"]))


def shown_as_published(config: SiteConfig, ledger: tuple["PublishedRound", ...]) -> SiteConfig:
    """The settings with, on each published round, what the ledger recorded it showed."""
    records = {p.round_id: p.shown for p in ledger if p.shown is not None}
    if not records:
        return config
    return replace(config, rounds=tuple(replace(r, record=_record(records[r.id])) if r.id in records else r
                                        for r in config.rounds))


def read_ledger(site_dir: Path) -> tuple[PublishedRound, ...]:
    path = site_dir / LEDGER_PATH
    if not path.is_file():
        return ()

    def broken(message: str) -> ContentError:
        return ContentError([Problem(Location(LEDGER_PATH, 1, 1), "", message)])

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["published"]
        if data.get("format") not in READABLE_FORMATS or not isinstance(entries, list):
            raise ValueError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise broken(_("the ledger is not a ledger written by 'python build.py publish'; restore it from "
                       "version control")) from None
    rounds = []
    previous = ""
    for index, item in enumerate(entries):
        try:
            files = tuple(PublishedFile(f["path"], f["sha256"], f["text"]) for f in item["files"])
            shown = item.get("shown")
            body = _entry_body(item["round"], item["site_entry"], files, item["previous"], shown)
            digest = item["sha256"]
            if shown is not None:
                _record(shown)  # complete, or the entry is unreadable
        except (KeyError, TypeError):
            raise broken(_("published[{index}] is incomplete; restore the ledger from version control",
                           index=index)) from None
        if item["previous"] != previous or sha256_hex(_canonical(body)) != digest:
            raise broken(_("published[{index}] (round {round}) was altered after publication: its digest "
                           "no longer matches; restore the ledger from version control",
                           index=index, round=item["round"]))
        if body["site_entry_sha256"] != item.get("site_entry_sha256"):
            raise broken(_("published[{index}] (round {round}): site entry digest does not match",
                           index=index, round=item["round"]))
        for file in files:
            if sha256_hex(file.text.encode("utf-8")) != file.sha256:
                raise broken(_("published[{index}]: the recorded text of {path} does not match its SHA-256",
                               index=index, path=file.path))
        rounds.append(PublishedRound(item["round"], item["site_entry"], files, previous, digest, shown))
        previous = digest
    return tuple(rounds)


@contextmanager
def ledger_lock(site_dir: Path) -> Iterator[None]:
    """Hold the ledger for one read-check-write: a lock on the content folder, which is
    never replaced, so it leaves no file behind. A second publish waits for the first."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    try:
        descriptor = os.open(site_dir / CONTENT, os.O_RDONLY)
    except OSError:
        yield  # no content folder: loading it reports that
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def write_ledger(site_dir: Path, rounds: tuple[PublishedRound, ...]) -> None:
    entries = []
    for published in rounds:
        body = _entry_body(published.round_id, published.site_entry, published.files, published.previous,
                           published.shown)
        entries.append({**body, "sha256": published.digest})
    text = json.dumps({"format": FORMAT, "published": entries}, ensure_ascii=False, indent=1) + "\n"
    path = site_dir / LEDGER_PATH
    write_whole(path, [text.encode("utf-8")])  # never a half-written ledger


def publish(site_dir: Path, config: SiteConfig, content: Content, ledger: tuple[PublishedRound, ...],
            round_id: str) -> PublishedRound:
    """Freeze one round: record its files and site entry at the end of the ledger."""
    round_config = next(r for r in config.rounds if r.id == round_id)
    files = []
    for unit_file in sorted((f for f in content.unit_files if f.round_id == round_id), key=lambda f: f.unit_id):
        raw = (site_dir / unit_file.document.display_path).read_bytes()
        if sha256_hex(raw) != unit_file.document.sha256:
            raise ContentError([Problem(Location(unit_file.document.display_path, 1, 1), "",
                                        _("the file changed while it was being published; publish again"))])
        # The text as saved, a BOM included, so that its digest is the file's digest.
        files.append(PublishedFile(unit_file.document.display_path, sha256_hex(raw), raw.decode("utf-8")))
    previous = ledger[-1].digest if ledger else ""
    entry = site_entry(round_config)
    shown = shown_record(config, content.units)
    body = _entry_body(round_id, entry, tuple(files), previous, shown)
    published = PublishedRound(round_id, entry, tuple(files), previous, sha256_hex(_canonical(body)), shown)
    write_ledger(site_dir, ledger + (published,))
    return published


def check_published_rounds(ledger: tuple[PublishedRound, ...], config: SiteConfig,
                           site_document: SourceDocument) -> list[Problem]:
    """The site-wide half of the check: each published round still listed, title and date unchanged."""
    problems: list[Problem] = []
    rounds = {r.id: (index, r) for index, r in enumerate(config.rounds)}
    for published in ledger:
        if published.round_id not in rounds:
            problems.append(Problem(Location("site.yaml", 1, 1), "rounds",
                                    _("round {round} was published (see {ledger}) and must stay listed under "
                                      "rounds:", round=published.round_id, ledger=LEDGER_PATH)))
            continue
        index, round_config = rounds[published.round_id]
        if site_entry(round_config) != published.site_entry:
            was = published.site_entry
            now = site_entry(round_config)
            if (now["title"], now["date"]) == (was["title"], was["date"]) and \
                    now.get("intro") == was.get("intro"):  # only its 文号
                field = "document_number"
                if field in was:
                    message = _("round {round} was published with 文号 {number}; the 文号 of a published "
                                "bulletin cannot change: restore it", round=published.round_id,
                                number=was[field])
                else:
                    message = _("round {round} was published with no 文号; the 文号 of a published bulletin "
                                "cannot change: remove document_number", round=published.round_id)
                problems.append(Problem(site_document.where(("rounds", index, field), key=True) if field in now
                                        else site_document.where(("rounds", index)), f"rounds[{index}].{field}",
                                        message))
            elif (now["title"], now["date"]) == (was["title"], was["date"]):  # only its opening paragraph
                if "intro" in was:
                    message = _("round {round} was published with this intro; the opening paragraph of a "
                                "published bulletin cannot change: restore it", round=published.round_id)
                else:
                    message = _("round {round} was published with no intro; the opening paragraph of a "
                                "published bulletin cannot change: restore it", round=published.round_id)
                problems.append(Problem(site_document.where(("rounds", index, "intro"), key=True) if "intro" in now
                                        else site_document.where(("rounds", index)), f"rounds[{index}].intro",
                                        message))
            else:
                problems.append(Problem(site_document.where(("rounds", index)), f"rounds[{index}]",
                                        _("round {round} was published as '{title}' of {date}; a published "
                                          "round's title and date cannot change", round=published.round_id,
                                          title=was["title"], date=was["date"])))
    return problems + _check_round_corrections(ledger, config, site_document)


def _check_round_corrections(ledger: tuple[PublishedRound, ...], config: SiteConfig,
                             site_document: SourceDocument) -> list[Problem]:
    """Corrections under a round in site.yaml: of a published round, dated on or after its
    publication, naming a unit it showed, each changing what the round showed."""
    checker = Checker(site_document)
    published = {p.round_id for p in ledger}
    for index, round_config in enumerate(config.rounds):
        if not round_config.corrections:
            continue
        if round_config.id not in published:
            checker.report(("rounds", index, "corrections"),
                           _("round {round} is not published yet: change site.yaml and units.yaml freely and "
                             "remove corrections:", round=round_config.id))
            continue
        record = round_config.record
        recorded_units = {unit.id for unit in record.units} if record is not None else None
        _site, _units, applied = shown_round(config, round_config, ())
        applied_to = {id(a.correction): a for a in applied}
        for number, correction in enumerate(round_config.corrections):
            where = ("rounds", index, "corrections", number)
            if correction.date < round_config.date:
                checker.report(where + ("date",), _dated_before(round_config, correction.date))
            elif correction.unit and recorded_units is not None and correction.unit not in recorded_units:
                checker.report(where + ("unit",), _no_unit(correction.unit, round_config.id, recorded_units))
            elif id(correction) in applied_to and applied_to[id(correction)].before == correction.value:
                checker.report(where + ("value",), _("round {round} already shows '{value}' there; remove this "
                                                     "correction", round=round_config.id, value=correction.value))
    return checker.problems


def _dated_before(round_config: RoundConfig, date) -> str:
    return _("round {round} was published on {published}; a correction of it cannot be dated {date}, before its "
             "publication", round=round_config.id, published=round_config.date.isoformat(), date=date.isoformat())


# A suggestion is part of its sentence (one message each), so that a translation can place it. The
# ids are plain names by now (the schema refuses a full-width one first): no full-width hint is needed.
def _no_unit(unit: str, round_id: str, recorded_units) -> str:
    match = closest(unit, recorded_units)
    if match is None:
        return _("no unit '{unit}' in round {round} as published", unit=unit, round=round_id)
    return _("no unit '{unit}' in round {round} as published (did you mean '{match}'?)", unit=unit, round=round_id,
             match=match)


def _no_project(project: str, known) -> str:
    match = closest(project, known)
    if match is None:
        return _("no project '{project}' in this file, as published or now", project=project)
    return _("no project '{project}' in this file, as published or now (did you mean '{match}'?)",
             project=project, match=match)


def published_unit_id(path: str) -> str:
    """The unit a recorded path content/<round>/<unit>.yaml belongs to."""
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def check_unit_files(ledger: tuple[PublishedRound, ...], config: SiteConfig, unit_files: tuple[UnitFile, ...],
                     unit_ids: frozenset[str] | None = None, unreadable: frozenset[str] = frozenset()
                     ) -> tuple[list[Problem], dict[tuple[str, str], CorrectedFile]]:
    """The per-file half: published files present and unchanged, or changed with declared
    corrections. With unit_ids, only the recorded files of those units are expected.
    `unreadable`: paths of files found but not valid, whose problems are reported already."""
    problems: list[Problem] = []
    corrected: dict[tuple[str, str], CorrectedFile] = {}
    published_ids = {p.round_id for p in ledger}
    rounds = {r.id: r for r in config.rounds}
    for unit_file in unit_files:
        if unit_file.round_id not in published_ids and unit_file.corrections:
            problems.append(_at(unit_file.document, ("corrections",),
                                _("round {round} is not published yet: edit its text freely and remove "
                                  "corrections:", round=unit_file.round_id)))
    for published in ledger:
        if published.round_id not in rounds:
            continue  # reported once, by check_published_rounds
        round_config = rounds[published.round_id]
        recorded = {f.path: f for f in published.files
                    if unit_ids is None or published_unit_id(f.path) in unit_ids}
        present = {f.document.display_path: f for f in unit_files if f.round_id == published.round_id}
        for path in sorted(set(recorded) - set(present) - unreadable):
            problems.append(Problem(Location(path, 1, 1), "",
                                    _("this file was published in round {round} and is missing; restore it "
                                      "(its published text is in the ledger)", round=published.round_id)))
        for path in sorted(set(present) - set(recorded)):
            problems.append(Problem(Location(path, 1, 1), "",
                                    _("round {round} is published; a unit file cannot be added to it "
                                      "afterwards: add the unit's projects to the next round",
                                      round=published.round_id)))
        for path in sorted(set(recorded) & set(present)):
            unit_file = present[path]
            found, correction = _compare_file(recorded[path], unit_file, round_config,
                                              redaction_mark(config.language))
            problems += found
            if correction is not None:
                corrected[(unit_file.round_id, unit_file.unit_id)] = correction
    problems += _redacted_elsewhere(ledger, unit_files)
    return problems, corrected


def _redacted_elsewhere(ledger: tuple[PublishedRound, ...], unit_files: tuple[UnitFile, ...]) -> list[Problem]:
    """A text redacted in one file of a unit must go from every copy: a later round's file
    copied from it by new-round holds it too."""
    texts = {f.path: f.text for p in ledger for f in p.files}
    published_ids = {p.round_id for p in ledger}
    redacted: list[tuple[str, str, UnitFile, int]] = []  # (unit id, text, declared in, index)
    for unit_file in unit_files:
        for index, correction in enumerate(unit_file.corrections):
            if correction.get("redact") and unit_file.round_id in published_ids:
                redacted.append((unit_file.unit_id, correction["redact"], unit_file, index))
    problems = []
    for unit_file in unit_files:
        own = {c.get("redact") for c in unit_file.corrections}
        current = "\n".join(_strings(unit_file.projects))
        published_text = texts.get(unit_file.document.display_path, "")
        for unit_id, text, declared_in, index in redacted:
            if (unit_id != unit_file.unit_id or declared_in is unit_file or text in own
                    or (text not in current and text not in published_text)):
                continue
            where = {"path": declared_in.document.display_path, "number": index + 1,
                     "date": declared_in.corrections[index]["date"]}
            if unit_file.round_id in published_ids:
                message = _("this file holds text that {path} (correction {number}, dated {date}) redacts: "
                            "declare the same redaction here (date, reason, project and the same redact: text)",
                            **where)
            else:
                message = _("this file holds text that {path} (correction {number}, dated {date}) redacts: "
                            "delete it from this file", **where)
            problems.append(Problem(Location(unit_file.document.display_path, 1, 1), "", message))
            own.add(text)
    return problems


def _at(document: SourceDocument, path: tuple, message: str) -> Problem:
    checker = Checker(document)
    checker.report(path, message)
    return checker.problems[0]


def _published_entries(published: PublishedFile, unit_file: UnitFile) -> tuple[Entry, ...]:
    document = parse_yaml(published.text.encode("utf-8"), published.path)
    data, problems = check_document(document, UNIT_ROUND_SCHEMA, N_("unit's project list"))
    if problems or data is None:
        raise ContentError([Problem(Location(LEDGER_PATH, 1, 1), "",
                                    _("the published text of {path} no longer passes validation",
                                      path=published.path))])
    return tuple(entry_from_project(unit_file.unit_id, unit_file.round_id, number, project)
                 for number, project in enumerate(data["projects"], start=1))


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def project_state(entry: Entry | None) -> str:
    """A short digest of what a page shows of a project (None: removed): a correction's `state`,
    which pins the project as that correction left it."""
    def plain(value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)  # 5000 and 5000.0 are the same amount
        if hasattr(value, "__dataclass_fields__"):
            return [plain(getattr(value, name)) for name in value.__dataclass_fields__]
        return value if value is None else str(value)
    shown = "removed" if entry is None else [plain(getattr(entry, name)) for name in CORRECTED_FIELDS]
    # Letters a-p for the hex digits: YAML would read a state of digits only as a number.
    return sha256_hex(_canonical(shown))[:12].translate(_LETTERS)


_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def _compare_file(published: PublishedFile, unit_file: UnitFile, round_config: RoundConfig,
                  mark: str) -> tuple[list[Problem], CorrectedFile | None]:
    if unit_file.document.sha256 == published.sha256:
        return [], None
    document = unit_file.document
    corrections = unit_file.corrections
    problems = []
    first = _published_entries(published, unit_file)
    now = tuple(entry_from_project(unit_file.unit_id, unit_file.round_id, number, project)
                for number, project in enumerate(unit_file.projects, start=1))
    redactions = tuple(dict.fromkeys(c["redact"] for c in corrections if c.get("redact")))
    before = tuple(redact_entry(entry, redactions, mark) for entry in first)
    after = tuple(redact_entry(entry, redactions, mark) for entry in now)
    changes = compare_entries(before, after)
    known = {entry.project_id for entry in first + now}
    positions = {entry.project_id: entry.number - 1 for entry in after}
    states = {entry.project_id: project_state(entry) for entry in now}
    published_on = round_config.date.isoformat()

    latest: dict[str, tuple[int, dict]] = {}  # project -> its last correction that is not a redaction
    for index, correction in enumerate(corrections):
        if correction["date"] < round_config.date:
            problems.append(_at(document, ("corrections", index, "date"),
                                _dated_before(round_config, correction["date"])))
        if correction["project"] not in known:
            problems.append(_at(document, ("corrections", index, "project"),
                                _no_project(correction["project"], sorted(known))))
        elif correction.get("redact"):
            if not any(correction["redact"] in text for entry in first for text in entry_texts(entry)):
                problems.append(_at(document, ("corrections", index, "redact"),
                                    _("this text does not occur in the published text of this file; copy it "
                                      "exactly as it was published")))
        else:
            latest[correction["project"]] = (index, correction)

    for project_id, project_changes in changes.items():
        if project_id in latest:
            continue
        fields = ", ".join(change.field for change in project_changes)
        where = ("projects", positions[project_id]) if project_id in positions else ()
        first_field = project_changes[0].field
        if where and first_field in PROJECT_FIELDS:  # not "number", "added" or "removed": no key to point at
            where = where + (first_field,)
        problems.append(_at(document, where,
                            _("round {round} was published on {published}; project '{project}' changed since "
                              "({fields}): declare it under corrections: with date, reason, project: {project} "
                              "and state: {state}, or restore the published text", round=round_config.id,
                              published=published_on, project=project_id, fields=fields,
                              state=states.get(project_id, project_state(None)))))
    for project_id, (index, correction) in latest.items():
        state = states.get(project_id, project_state(None))
        if project_id not in changes:
            problems.append(_at(document, ("corrections", index, "project"),
                                _("project '{project}' is unchanged since publication; remove this correction",
                                  project=project_id)))
        elif correction.get("state") is None:
            problems.append(_at(document, ("corrections", index),
                                _("state is missing: add state: {state} (it pins project '{project}' as this "
                                  "correction leaves it, so that a later edit needs a correction of its own)",
                                  state=state, project=project_id)))
        elif correction["state"] != state:
            where = ("projects", positions[project_id]) if project_id in positions else ("corrections", index)
            problems.append(_at(document, where,
                                _("project '{project}' changed after its correction of {date} (state: "
                                  "{pinned}): declare the new change as one more correction with date, reason, "
                                  "project: {project} and state: {state}, or restore the text that correction "
                                  "declared", project=project_id, date=correction["date"].isoformat(),
                                  pinned=correction["state"], state=state)))
    if not changes and not redactions and not problems:
        return [], None  # only comments or layout changed: nothing a citizen would see
    last_of = {index for index, _correction in latest.values()}
    notices = []
    for index, c in enumerate(corrections):
        if c.get("redact"):
            holders = tuple(dict.fromkeys(entry.project_id for entry in first + now
                                          if any(c["redact"] in text for text in entry_texts(entry))))
            notices.append(Correction(c["date"], c["reason"], c["project"], (), redaction=True, redacted_in=holders))
        elif c["project"] in changes:
            # What changed is known from the first and the current text only: the project's
            # changes are listed under its latest correction, its earlier ones give date and reason.
            notices.append(Correction(c["date"], c["reason"], c["project"],
                                      changes[c["project"]] if index in last_of else ()))
    return problems, CorrectedFile(unit_file.round_id, unit_file.unit_id, before, tuple(notices), redactions)
