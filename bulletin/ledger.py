"""Published rounds are frozen: the ledger, and the check that nothing changed silently.

`python build.py publish ROUND` records, in content/ledger.json (committed with
the content), the SHA-256 and the exact text of each of the round's unit files
and the SHA-256 of its site.yaml entry. Entries are chained: each includes the
digest of the one before, so an old entry cannot be rewritten without every
later digest changing too.

Every later build compares the content with the ledger. A frozen file that
differs is an error naming the fields that changed, unless the file declares
each changed project under `corrections:` (date, reason, project); then the
change is published with a visible correction notice, and the bulletin as first
published (kept in the ledger) stays reachable.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .config import RoundConfig, SiteConfig
from .content import PROJECT_SCHEMA, UNIT_ROUND_SCHEMA, Content, UnitFile
from .model import Correction, CorrectedFile, Entry, compare_entries, entry_from_project
from .problems import ContentError, Location, Problem
from .schema import Checker, check_document
from .source import SourceDocument, parse_yaml

LEDGER_FILE = "ledger.json"
LEDGER_PATH = f"content/{LEDGER_FILE}"
FORMAT = "bulletin-ledger/1"
PROJECT_FIELDS = frozenset(field.name for field in PROJECT_SCHEMA.fields)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def site_entry(round_config: RoundConfig) -> dict:
    return {"id": round_config.id, "title": round_config.title, "date": round_config.date.isoformat()}


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


def _entry_body(round_id: str, entry: dict, files: tuple[PublishedFile, ...], previous: str) -> dict:
    return {
        "round": round_id,
        "site_entry": entry,
        "site_entry_sha256": sha256_hex(_canonical(entry)),
        "files": [{"path": f.path, "sha256": f.sha256, "text": f.text} for f in files],
        "previous": previous,
    }


def read_ledger(site_dir: Path) -> tuple[PublishedRound, ...]:
    path = site_dir / LEDGER_PATH
    if not path.is_file():
        return ()

    def broken(message: str) -> ContentError:
        return ContentError([Problem(Location(LEDGER_PATH, 1, 1), "", message)])

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["published"]
        if data.get("format") != FORMAT or not isinstance(entries, list):
            raise ValueError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise broken("the ledger is not a ledger written by 'python build.py publish'; restore it from "
                     "version control") from None
    rounds = []
    previous = ""
    for index, item in enumerate(entries):
        try:
            files = tuple(PublishedFile(f["path"], f["sha256"], f["text"]) for f in item["files"])
            body = _entry_body(item["round"], item["site_entry"], files, item["previous"])
            digest = item["sha256"]
        except (KeyError, TypeError):
            raise broken(f"published[{index}] is incomplete; restore the ledger from version control") from None
        if item["previous"] != previous or sha256_hex(_canonical(body)) != digest:
            raise broken(f"published[{index}] (round {item['round']}) was altered after publication: its digest "
                         "no longer matches; restore the ledger from version control")
        if body["site_entry_sha256"] != item.get("site_entry_sha256"):
            raise broken(f"published[{index}] (round {item['round']}): site entry digest does not match")
        for file in files:
            if sha256_hex(file.text.encode("utf-8")) != file.sha256:
                raise broken(f"published[{index}]: the recorded text of {file.path} does not match its SHA-256")
        rounds.append(PublishedRound(item["round"], item["site_entry"], files, previous, digest))
        previous = digest
    return tuple(rounds)


def write_ledger(site_dir: Path, rounds: tuple[PublishedRound, ...]) -> None:
    entries = []
    for published in rounds:
        body = _entry_body(published.round_id, published.site_entry, published.files, published.previous)
        entries.append({**body, "sha256": published.digest})
    text = json.dumps({"format": FORMAT, "published": entries}, ensure_ascii=False, indent=1) + "\n"
    path = site_dir / LEDGER_PATH
    temporary = path.with_name(f".{LEDGER_FILE}.tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temporary, path)  # never a half-written ledger


def publish(site_dir: Path, config: SiteConfig, content: Content, ledger: tuple[PublishedRound, ...],
            round_id: str) -> PublishedRound:
    """Freeze one round: record its files and site entry at the end of the ledger."""
    round_config = next(r for r in config.rounds if r.id == round_id)
    files = []
    for unit_file in sorted((f for f in content.unit_files if f.round_id == round_id), key=lambda f: f.unit_id):
        raw = (site_dir / unit_file.document.display_path).read_bytes()
        if sha256_hex(raw) != unit_file.document.sha256:
            raise ContentError([Problem(Location(unit_file.document.display_path, 1, 1), "",
                                        "the file changed while it was being published; publish again")])
        # The text as saved, a BOM included, so that its digest is the file's digest.
        files.append(PublishedFile(unit_file.document.display_path, sha256_hex(raw), raw.decode("utf-8")))
    previous = ledger[-1].digest if ledger else ""
    entry = site_entry(round_config)
    body = _entry_body(round_id, entry, tuple(files), previous)
    published = PublishedRound(round_id, entry, tuple(files), previous, sha256_hex(_canonical(body)))
    write_ledger(site_dir, ledger + (published,))
    return published


def check_against_ledger(ledger: tuple[PublishedRound, ...], config: SiteConfig, content: Content,
                         site_document: SourceDocument) -> dict[tuple[str, str], CorrectedFile]:
    """Problems for every silent change to a published round; the declared corrections otherwise."""
    problems = check_published_rounds(ledger, config, site_document)
    found, corrected = check_unit_files(ledger, config, content.unit_files)
    if problems or found:
        raise ContentError(problems + found)
    return corrected


def check_published_rounds(ledger: tuple[PublishedRound, ...], config: SiteConfig,
                           site_document: SourceDocument) -> list[Problem]:
    """The site-wide half of the check: each published round still listed, title and date unchanged."""
    problems: list[Problem] = []
    rounds = {r.id: (index, r) for index, r in enumerate(config.rounds)}
    for published in ledger:
        if published.round_id not in rounds:
            problems.append(Problem(Location("site.yaml", 1, 1), "rounds",
                                    f"round {published.round_id} was published (see {LEDGER_PATH}) and must stay "
                                    "listed under rounds:"))
            continue
        index, round_config = rounds[published.round_id]
        if site_entry(round_config) != published.site_entry:
            was = published.site_entry
            problems.append(Problem(site_document.where(("rounds", index)), f"rounds[{index}]",
                                    f"round {published.round_id} was published as '{was['title']}' of "
                                    f"{was['date']}; a published round's title and date cannot change"))
    return problems


def published_unit_id(path: str) -> str:
    """The unit a recorded path content/<round>/<unit>.yaml belongs to."""
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def check_unit_files(ledger: tuple[PublishedRound, ...], config: SiteConfig, unit_files: tuple[UnitFile, ...],
                     unit_ids: frozenset[str] | None = None
                     ) -> tuple[list[Problem], dict[tuple[str, str], CorrectedFile]]:
    """The per-file half: published files present and unchanged, or changed with declared
    corrections. With unit_ids, only the recorded files of those units are expected."""
    problems: list[Problem] = []
    corrected: dict[tuple[str, str], CorrectedFile] = {}
    published_ids = {p.round_id for p in ledger}
    rounds = {r.id: r for r in config.rounds}
    for unit_file in unit_files:
        if unit_file.round_id not in published_ids and unit_file.corrections:
            problems.append(_at(unit_file.document, ("corrections",),
                                f"round {unit_file.round_id} is not published yet: edit its text freely and "
                                "remove corrections:"))
    for published in ledger:
        if published.round_id not in rounds:
            continue  # reported once, by check_published_rounds
        round_config = rounds[published.round_id]
        recorded = {f.path: f for f in published.files
                    if unit_ids is None or published_unit_id(f.path) in unit_ids}
        present = {f.document.display_path: f for f in unit_files if f.round_id == published.round_id}
        for path in sorted(set(recorded) - set(present)):
            problems.append(Problem(Location(path, 1, 1), "",
                                    f"this file was published in round {published.round_id} and is missing; "
                                    "restore it (its published text is in the ledger)"))
        for path in sorted(set(present) - set(recorded)):
            problems.append(Problem(Location(path, 1, 1), "",
                                    f"round {published.round_id} is published; a unit file cannot be added to it "
                                    "afterwards: add the unit's projects to the next round"))
        for path in sorted(set(recorded) & set(present)):
            unit_file = present[path]
            found, correction = _compare_file(recorded[path], unit_file, round_config)
            problems += found
            if correction is not None:
                corrected[(unit_file.round_id, unit_file.unit_id)] = correction
    return problems, corrected


def _at(document: SourceDocument, path: tuple, message: str) -> Problem:
    checker = Checker(document)
    checker.report(path, message)
    return checker.problems[0]


def _published_entries(published: PublishedFile, unit_file: UnitFile) -> tuple[Entry, ...]:
    document = parse_yaml(published.text.encode("utf-8"), published.path)
    data, problems = check_document(document, UNIT_ROUND_SCHEMA, "unit's project list")
    if problems or data is None:
        raise ContentError([Problem(Location(LEDGER_PATH, 1, 1), "",
                                    f"the published text of {published.path} no longer passes validation")])
    return tuple(entry_from_project(unit_file.unit_id, unit_file.round_id, number, project)
                 for number, project in enumerate(data["projects"], start=1))


def _compare_file(published: PublishedFile, unit_file: UnitFile,
                  round_config: RoundConfig) -> tuple[list[Problem], CorrectedFile | None]:
    if unit_file.document.sha256 == published.sha256:
        return [], None
    before = _published_entries(published, unit_file)
    after = tuple(entry_from_project(unit_file.unit_id, unit_file.round_id, number, project)
                  for number, project in enumerate(unit_file.projects, start=1))
    changes = compare_entries(before, after)
    declared = {c["project"]: (index, c) for index, c in enumerate(unit_file.corrections)}
    document = unit_file.document
    positions = {entry.project_id: entry.number - 1 for entry in after}
    problems = []
    for project_id, project_changes in changes.items():
        if project_id in declared:
            continue
        fields = ", ".join(change.field for change in project_changes)
        where = ("projects", positions[project_id]) if project_id in positions else ()
        first_field = project_changes[0].field
        if where and first_field in PROJECT_FIELDS:  # not "number", "added" or "removed": no key to point at
            where = where + (first_field,)
        problems.append(_at(document, where,
                            f"round {round_config.id} was published on {round_config.date.isoformat()}; project "
                            f"'{project_id}' changed since ({fields}): declare it under corrections: with date, "
                            f"reason and project: {project_id}, or restore the published text"))
    for project_id, (index, correction) in declared.items():
        if project_id not in changes:
            problems.append(_at(document, ("corrections", index, "project"),
                                f"project '{project_id}' is unchanged since publication; remove this correction"))
    if not changes and not problems:
        return [], None  # only comments or layout changed: nothing a citizen would see
    notices = tuple(Correction(c["date"], c["reason"], c["project"], changes.get(c["project"], ()))
                    for c in unit_file.corrections if c["project"] in changes)
    return problems, CorrectedFile(unit_file.round_id, unit_file.unit_id, before, notices)

