"""The in-memory model: rounds, units, project entries and their histories.

Pure functions of validated content; no I/O. The rule that matters most to
citizens lives here: a project that was on a unit's list and is missing from a
later round is never silently dropped. It stays visible as "not reported" in
every later round until it reappears, unless it was last reported completed
or cancelled.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property

from .config import UNIT_FIELDS, ShownSite, ShownUnit, SiteConfig, shown_round
from .content import STATUSES, Content
from .govsite import is_overdue

CLOSED_STATUSES = frozenset({"completed", "cancelled"})
NOT_REPORTED = "not_reported"  # a pseudo-status for counts and badges

# Fields compared between rounds, in the order changes are listed.
COMPARED_FIELDS = ("status", "title", "lead", "category", "location", "funding", "target")
# Fields compared between a published entry and its corrected text: everything a page shows.
CORRECTED_FIELDS = ("number", "title", "status", "progress", "lead", "category", "location", "funding",
                    "target", "updated", "due")


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    group: str
    order: float


@dataclass(frozen=True)
class Round:
    id: str
    title: str
    date: dt.date
    position: int  # 0 for the oldest round
    # What its pages show of the site: as published (see ledger), declared corrections applied.
    site: ShownSite | None = None
    units: tuple[Unit, ...] = ()  # units its pages show otherwise than units.yaml does now
    notices: tuple["Correction", ...] = ()  # declared corrections of the site's or a unit's values
    intro: str = ""  # the bulletin's opening paragraph, Markdown

    @cached_property
    def _units_by_id(self) -> dict[str, Unit]:
        return {unit.id: unit for unit in self.units}

    def shown_unit(self, unit: Unit) -> Unit:
        """The unit as this round's pages show it."""
        return self._units_by_id.get(unit.id, unit)

    def notices_of_unit(self, unit_id: str) -> tuple["Correction", ...]:
        """The corrections a unit's page of this round shows: the site's own and the unit's."""
        return tuple(notice for notice in self.notices if notice.unit_id in ("", unit_id))


@dataclass(frozen=True)
class Funding:
    amount: float
    unit: str


@dataclass(frozen=True)
class Target:
    name: str
    planned: float
    done: float
    unit: str

    @property
    def rate(self) -> float:
        """Completion in percent; may exceed 100 when a target was surpassed."""
        return self.done / self.planned * 100


@dataclass(frozen=True)
class Entry:
    """A project as one unit reported it in one round."""

    unit_id: str
    project_id: str
    round_id: str
    number: int  # 1-based position in the unit's list for that round
    title: str
    status: str
    progress: str  # Markdown source
    lead: str = ""
    category: str = ""
    location: str = ""
    funding: Funding | None = None
    target: Target | None = None
    updated: dt.date | None = None
    due: str = ""  # 完成时限, ISO: a day '2024-06-30' or a month '2024-06'


@dataclass(frozen=True)
class Change:
    field: str
    before: object
    after: object


@dataclass(frozen=True)
class Correction:
    """A declared change to a published round (更正), with what changed."""

    date: dt.date
    reason: str
    project_id: str  # "" for a correction of the site's or a unit's values
    changes: tuple[Change, ...]  # published -> current; field "added"/"removed" for whole projects
    unit_id: str = ""  # a unit's name or group corrected (project_id is then "")
    redaction: bool = False  # text removed from every copy: the notice says when and why, never what
    redacted_in: tuple[str, ...] = ()  # the projects whose text held it


@dataclass(frozen=True)
class CorrectionItem:
    """A correction of a project in a published list, as every page that lists it names it: its
    place among the list's notices (their anchors), its date, and the item it corrects."""

    index: int  # 1-based place among the notices of the unit's list that round
    date: dt.date
    project_id: str
    number: int  # the item's number in the list; a project a correction removed: its published number
    title: str  # as the list shows it (redactions applied)
    redaction: bool = False

    @property
    def anchor(self) -> str:
        """The notice's id on the unit's page of the round. Project ids, which are the entries'
        ids, hold no dot, so the two never clash."""
        return f"correction.{self.index}"

    def plain(self) -> tuple:
        """As the build cache stores it (see cache)."""
        return (self.index, self.date.isoformat(), self.project_id, self.number, self.title, self.redaction)

    @classmethod
    def from_plain(cls, plain) -> "CorrectionItem":
        index, date, project_id, number, title, redaction = plain
        return cls(index, dt.date.fromisoformat(date), project_id, number, title, redaction)


def concerns(notice: Correction, project_id: str) -> bool:
    """Whether a notice is about the project: it corrects it, or redacts text the project held."""
    return notice.project_id == project_id and not notice.redaction or project_id in notice.redacted_in


def correction_items(corrected: "CorrectedFile", entries: tuple[Entry, ...]) -> tuple[CorrectionItem, ...]:
    """Each notice of a corrected list with the item it names, in the notices' order: the project
    as the list shows it now, or as it was published when a correction removed it."""
    shown = {entry.project_id: entry for entry in corrected.published}
    shown.update({entry.project_id: entry for entry in entries})
    items = []
    for index, notice in enumerate(corrected.notices, start=1):
        entry = shown.get(notice.project_id)
        items.append(CorrectionItem(index, notice.date, notice.project_id, entry.number if entry else 0,
                                    entry.title if entry else notice.project_id, notice.redaction))
    return tuple(items)


@dataclass(frozen=True)
class CorrectedFile:
    """A unit's list in a published round that was corrected afterwards."""

    round_id: str
    unit_id: str
    published: tuple[Entry, ...]  # the list as first published (redactions applied)
    notices: tuple[Correction, ...]
    redactions: tuple[str, ...] = ()  # texts replaced by the redaction mark in every copy of the list


@dataclass(frozen=True)
class Step:
    """One round of a project's history: reported, or missing from the list."""

    round: Round
    entry: Entry | None  # None: the unit did not report the project this round
    last: Entry  # the latest entry at or before this round
    changes: tuple[Change, ...] = ()  # against the previous reported entry
    progress_rewritten: bool | None = None  # None for the first report and missing rounds

    @property
    def reported(self) -> bool:
        return self.entry is not None


@dataclass(frozen=True)
class History:
    unit_id: str
    project_id: str
    steps: tuple[Step, ...]

    @property
    def latest(self) -> Entry:
        return self.steps[-1].last

    @property
    def first_round(self) -> Round:
        return self.steps[0].round

    @property
    def latest_step(self) -> Step:
        return self.steps[-1]

    @property
    def latest_reported_round(self) -> Round:
        return next(step.round for step in reversed(self.steps) if step.reported)


@dataclass(frozen=True)
class UnitRound:
    """A unit's list in one round, with the projects it failed to report."""

    unit: Unit
    round: Round
    entries: tuple[Entry, ...]
    missing: tuple[Step, ...]  # steps whose entry is None
    submitted: bool  # False when the unit sent no file this round

    @property
    def count(self) -> int:
        """Projects on the list this round (those not reported are not counted)."""
        return len(self.entries)

    @property
    def counts(self) -> Counter:
        """Projects by status, always in the order of STATUSES, then not reported."""
        counts = Counter({status: 0 for status in STATUSES})
        counts.update(entry.status for entry in self.entries)
        counts[NOT_REPORTED] = len(self.missing)
        return counts

    @property
    def overdue(self) -> int:
        """Projects this list shows past their 完成时限 on the round's date and not completed
        (see govsite.is_overdue), those not reported this round included."""
        return sum(is_overdue(entry.due, entry.status, self.round.date)
                   for entry in (*self.entries, *(step.last for step in self.missing)))


@dataclass(frozen=True)
class UnitRoundSummary:
    """What the site-wide pages show of a unit's list in one round: its figures, not its entries."""

    unit: Unit
    round: Round
    count: int
    counts: Counter
    submitted: bool
    overdue: int = 0  # projects past their 完成时限 (UnitRound.overdue)
    corrections: tuple[CorrectionItem, ...] = ()  # of its list that round (Site.correction_items)


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    rounds: tuple[Round, ...]
    units: tuple[Unit, ...]  # in display order
    # (round id, unit id); the site-wide pages of a build made unit by unit get summaries
    unit_rounds: dict[tuple[str, str], UnitRound | UnitRoundSummary]
    histories: dict[tuple[str, str], History]  # (unit id, project id)
    groups: tuple[str, ...] = field(default=())
    corrections: dict[tuple[str, str], CorrectedFile] = field(default_factory=dict)  # (round id, unit id)

    def corrections_of(self, round_id: str, unit_id: str, project_id: str) -> tuple[Correction, ...]:
        corrected = self.corrections.get((round_id, unit_id))
        return tuple(n for n in corrected.notices if concerns(n, project_id)) if corrected else ()

    def correction_items(self, round_id: str, unit_id: str) -> tuple[CorrectionItem, ...]:
        """The corrections of a unit's list in a round, each naming its item; a summary has them
        ready (a site-wide page of a build made unit by unit)."""
        unit_round = self.unit_rounds.get((round_id, unit_id))
        if isinstance(unit_round, UnitRoundSummary):
            return unit_round.corrections
        corrected = self.corrections.get((round_id, unit_id))
        return correction_items(corrected, unit_round.entries) if corrected and unit_round else ()

    def correction_notices(self, round_id: str, unit_id: str, project_id: str | None = None
                           ) -> tuple[tuple[CorrectionItem, Correction], ...]:
        """The notices of a unit's corrected list in a round, each with the item it names; only
        those about one project when it is given."""
        corrected = self.corrections.get((round_id, unit_id))
        if corrected is None:
            return ()
        return tuple((item, notice) for item, notice in zip(self.correction_items(round_id, unit_id),
                                                             corrected.notices)
                     if project_id is None or concerns(notice, project_id))

    def corrected_marks(self, round_id: str, unit_id: str) -> dict[str, CorrectionItem]:
        """Project id -> the latest notice about it: where its 已更正 mark links to."""
        return {project_id: item for item, notice in self.correction_notices(round_id, unit_id)
                for project_id in dict.fromkeys((*((notice.project_id,) if not notice.redaction else ()),
                                                 *notice.redacted_in))}

    @property
    def listed_units(self) -> tuple[Unit, ...]:
        """The units with a list in some round, in display order: those with pages of their own
        (units/<unit>.html) and a history file."""
        listed = {unit_id for _, unit_id in self.unit_rounds}
        return tuple(unit for unit in self.units if unit.id in listed)

    @property
    def latest_round(self) -> Round:
        return self.rounds[-1]

    def round_units(self, round_id: str) -> list[UnitRound]:
        """The units' lists in a round, each unit named, grouped and ordered as that round shows it."""
        rnd = self._rounds_by_id[round_id]
        found = []
        for unit in self.units:
            unit_round = self.unit_rounds.get((round_id, unit.id))
            if unit_round is not None:
                shown = rnd.shown_unit(unit)
                found.append(unit_round if unit_round.unit == shown else replace(unit_round, unit=shown))
        if rnd.units:
            found.sort(key=lambda unit_round: (unit_round.unit.order, unit_round.unit.id))
        return found

    @cached_property
    def _rounds_by_id(self) -> dict[str, Round]:
        return {rnd.id: rnd for rnd in self.rounds}

    def unit_histories(self, unit_id: str) -> list[History]:
        return self._histories_by_unit.get(unit_id, [])

    @cached_property
    def _histories_by_unit(self) -> dict[str, list[History]]:
        # Once for all units: scanning every history per unit is quadratic at a province's scale.
        grouped: dict[str, list[History]] = {}
        for (unit_id, _), history in self.histories.items():
            grouped.setdefault(unit_id, []).append(history)
        return grouped


def build_model(config: SiteConfig, content: Content,
                corrections: dict[tuple[str, str], CorrectedFile] | None = None) -> Site:
    units = tuple(sorted((Unit(u["id"], u["name"], u["group"], u.get("order", 0)) for u in content.units),
                         key=lambda unit: (unit.order, unit.id)))
    rounds = tuple(_round(config, index, units) for index in range(len(config.rounds)))
    groups = tuple(dict.fromkeys(unit.group for unit in units))

    reports: dict[tuple[str, str], tuple[Entry, ...]] = {}
    mark = redaction_mark(config.language)
    for unit_file in content.unit_files:
        corrected = (corrections or {}).get((unit_file.round_id, unit_file.unit_id))
        reports[(unit_file.round_id, unit_file.unit_id)] = tuple(
            redact_entry(entry_from_project(unit_file.unit_id, unit_file.round_id, number, project),
                         corrected.redactions if corrected else (), mark)
            for number, project in enumerate(unit_file.projects, start=1))

    histories: dict[tuple[str, str], History] = {}
    unit_rounds: dict[tuple[str, str], UnitRound] = {}
    for unit in units:
        own = _unit_histories(unit.id, rounds, reports)
        histories.update(own)
        missing: dict[str, list[Step]] = {}
        for history in own.values():
            for step in history.steps:
                if not step.reported:
                    missing.setdefault(step.round.id, []).append(step)
        for rnd in rounds:
            submitted = (rnd.id, unit.id) in reports
            if submitted or rnd.id in missing:
                unit_rounds[(rnd.id, unit.id)] = UnitRound(rnd.shown_unit(unit), rnd, reports.get((rnd.id, unit.id), ()),
                                                           tuple(missing.get(rnd.id, ())), submitted)
    return Site(config, rounds, units, unit_rounds, histories, groups, dict(corrections or {}))


# Field names of the notices of site and unit corrections (translated as change.<name>).
SITE_CHANGE_FIELDS = {"title": "site_title", "publisher": "publisher", "supervision.phone": "supervision_phone",
                      "supervision.note": "supervision_note"}
UNIT_CHANGE_FIELDS = {"name": "unit_name", "group": "unit_group"}


def _round(config: SiteConfig, index: int, units: tuple[Unit, ...]) -> Round:
    """A round with what its pages show of the site and of the units (see config.shown_round)."""
    round_config = config.rounds[index]
    current = tuple(ShownUnit(unit.id, unit.name, unit.group, unit.order) for unit in units)
    site, shown_units, applied = shown_round(config, round_config, current)
    by_id = {unit.id: unit for unit in units}
    differing = tuple(Unit(u.id, u.name, u.group, u.order) for u in shown_units.values()
                      if by_id.get(u.id) != Unit(u.id, u.name, u.group, u.order))
    notices = tuple(Correction(a.correction.date, a.correction.reason, "", (Change(
        (UNIT_CHANGE_FIELDS if a.correction.field in UNIT_FIELDS and a.correction.unit else SITE_CHANGE_FIELDS)
        [a.correction.field], a.before, a.correction.value),), unit_id=a.correction.unit) for a in applied)
    return Round(round_config.id, round_config.title, round_config.date, index, site, differing, notices,
                 round_config.intro)


REDACTION_MARKS = {"zh-CN": "［已删除］", "en": "[redacted]"}


def redaction_mark(language: str) -> str:
    """What replaces redacted text on every page and in the open data."""
    return REDACTION_MARKS.get(language, REDACTION_MARKS["zh-CN"])


def entry_texts(entry: Entry) -> tuple[str, ...]:
    """Every text of an entry a page shows."""
    return (entry.title, entry.progress, entry.lead, entry.category, entry.location,
            entry.funding.unit if entry.funding else "",
            entry.target.name if entry.target else "", entry.target.unit if entry.target else "")


def redact_entry(entry: Entry, texts: tuple[str, ...], mark: str) -> Entry:
    """The entry with every occurrence of each text replaced by the mark."""
    if not texts or not any(text in field for text in texts for field in entry_texts(entry)):
        return entry

    def clean(value: str) -> str:
        for text in texts:
            value = value.replace(text, mark)
        return value

    return replace(
        entry, title=clean(entry.title), progress=clean(entry.progress), lead=clean(entry.lead),
        category=clean(entry.category), location=clean(entry.location),
        funding=replace(entry.funding, unit=clean(entry.funding.unit)) if entry.funding else None,
        target=replace(entry.target, name=clean(entry.target.name), unit=clean(entry.target.unit))
        if entry.target else None)


def entry_from_project(unit_id: str, round_id: str, number: int, project: dict) -> Entry:
    funding = project.get("funding")
    target = project.get("target")
    return Entry(
        unit_id=unit_id, project_id=project["id"], round_id=round_id, number=number,
        title=project["title"], status=project["status"], progress=project["progress"],
        lead=project.get("lead", ""), category=project.get("category", ""),
        location=project.get("location", ""),
        funding=Funding(funding["amount"], funding["unit"]) if funding else None,
        target=Target(target["name"], target["planned"], target["done"], target.get("unit", "")) if target else None,
        updated=project.get("updated"),
        due=project.get("due", ""),
    )


def _unit_histories(unit_id: str, rounds: tuple[Round, ...],
                    reports: dict[tuple[str, str], tuple[Entry, ...]]) -> dict[tuple[str, str], History]:
    """Follow each of a unit's projects through the rounds, in order of first appearance."""
    steps: dict[str, list[Step]] = {}
    last_seen: dict[str, Entry] = {}
    for rnd in rounds:
        present = {entry.project_id: entry for entry in reports.get((rnd.id, unit_id), ())}
        for project_id, entry in present.items():
            previous = last_seen.get(project_id)
            steps.setdefault(project_id, []).append(Step(
                rnd, entry, entry,
                changes=_changes(previous, entry) if previous else (),
                progress_rewritten=(previous.progress != entry.progress) if previous else None))
            last_seen[project_id] = entry
        for project_id, previous in last_seen.items():
            if project_id not in present and previous.status not in CLOSED_STATUSES:
                steps[project_id].append(Step(rnd, None, previous))
    return {(unit_id, project_id): History(unit_id, project_id, tuple(project_steps))
            for project_id, project_steps in steps.items()}


def _changes(before: Entry, after: Entry) -> tuple[Change, ...]:
    return tuple(Change(name, getattr(before, name), getattr(after, name))
                 for name in COMPARED_FIELDS if getattr(before, name) != getattr(after, name))


def compare_entries(before: tuple[Entry, ...], after: tuple[Entry, ...]) -> dict[str, tuple[Change, ...]]:
    """What changed in a unit's list, by project id, in the order of the newer list."""
    old = {entry.project_id: entry for entry in before}
    new = {entry.project_id: entry for entry in after}
    changes: dict[str, tuple[Change, ...]] = {}
    for project_id in list(new) + [p for p in old if p not in new]:
        if project_id not in old:
            changes[project_id] = (Change("added", None, new[project_id].title),)
        elif project_id not in new:
            changes[project_id] = (Change("removed", old[project_id].title, None),)
        else:
            found = tuple(Change(name, getattr(old[project_id], name), getattr(new[project_id], name))
                          for name in CORRECTED_FIELDS
                          if getattr(old[project_id], name) != getattr(new[project_id], name))
            if found:
                changes[project_id] = found
    return changes


def status_counts(unit_rounds: list[UnitRound] | list[UnitRoundSummary]) -> Counter:
    total: Counter = Counter({status: 0 for status in (*STATUSES, NOT_REPORTED)})
    for unit_round in unit_rounds:
        total.update(unit_round.counts)
    return total
