"""Which pages the site has, at which URL, and what each one shows.

URLs are a public contract: citizens bookmark them and archives cite them.
They are made of round, unit and project ids and nothing else, and every
link between pages is relative and names a file, so the site works under
any sub-path and opened straight from disk.
"""

from __future__ import annotations

import posixpath
from functools import lru_cache
from dataclasses import dataclass, field, replace
from typing import Any

from .model import CorrectionItem, Round, Site, Unit, UnitRound, UnitRoundSummary, status_counts

ASSET_FOLDER = "static"


def round_path(round_id: str) -> str:
    return f"rounds/{round_id}/index.html"


def unit_round_path(round_id: str, unit_id: str) -> str:
    return f"rounds/{round_id}/{unit_id}.html"


def published_unit_round_path(round_id: str, unit_id: str) -> str:
    """The unit's list as first published, kept reachable after a correction."""
    return f"rounds/{round_id}/published/{unit_id}.html"


def round_data_path(round_id: str, extension: str) -> str:
    """Open data of one round: json or csv."""
    return f"data/rounds/{round_id}.{extension}"


# Every project's whole history, gzip-compressed: hundreds of MB of JSON at province scale, for
# archives (one unit's or one round's history is a file of its own). Decompressed, it is the JSON
# data/projects.json used to be.
ALL_PROJECTS_DATA = "data/projects.json.gz"
DATA_INDEX = "data/index.json"  # which open data files there are: every round's, every unit's


def unit_data_path(unit_id: str) -> str:
    """Open data of one unit: its projects with their whole history (its share of ALL_PROJECTS_DATA)."""
    return f"data/units/{unit_id}.json"


def unit_path(unit_id: str) -> str:
    return f"units/{unit_id}.html"


# Every unit, grouped, each with its latest list. No unit can be called `index` (content.py
# reserves the name), so this never clashes with a unit's own page.
ALL_UNITS_PATH = "units/index.html"


def project_path(unit_id: str, project_id: str) -> str:
    return f"projects/{unit_id}/{project_id}.html"


@lru_cache(maxsize=65536)
def relative_link(folder: str, path: str) -> str:
    """posixpath.relpath(path, folder) for the site's own normalised paths, without its cost
    (it is called tens of times per page)."""
    if folder == ".":
        return path
    here, there = folder.split("/"), path.split("/")
    common = 0
    for mine, theirs in zip(here, there):
        if mine != theirs:
            break
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:]) or "."


class Links:
    """Relative links from one page to the others."""

    def __init__(self, page_path: str):
        self._folder = posixpath.dirname(page_path) or "."

    def to(self, path: str) -> str:
        return relative_link(self._folder, path)

    def home(self) -> str:
        return self.to("index.html")

    def search(self) -> str:
        return self.to("search.html")

    def asset(self, name: str) -> str:
        return self.to(f"{ASSET_FOLDER}/{name}")

    def round(self, round_id: str) -> str:
        return self.to(round_path(round_id))

    def unit_round(self, round_id: str, unit_id: str) -> str:
        return self.to(unit_round_path(round_id, unit_id))

    def published_unit_round(self, round_id: str, unit_id: str) -> str:
        return self.to(published_unit_round_path(round_id, unit_id))

    def round_data(self, round_id: str, extension: str) -> str:
        return self.to(round_data_path(round_id, extension))

    def all_data(self) -> str:
        return self.to(ALL_PROJECTS_DATA)

    def unit_data(self, unit_id: str) -> str:
        return self.to(unit_data_path(unit_id))

    def unit(self, unit_id: str) -> str:
        return self.to(unit_path(unit_id))

    def all_units(self) -> str:
        return self.to(ALL_UNITS_PATH)

    def project(self, unit_id: str, project_id: str) -> str:
        return self.to(project_path(unit_id, project_id))


@dataclass(frozen=True)
class Crumb:
    label: str
    path: str | None = None  # None for the current page
    translate: bool = False  # label is a translation key rather than content


@dataclass(frozen=True)
class Page:
    path: str  # where it is written in the output folder, and its URL
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    trail: tuple[Crumb, ...] = ()  # after "home", which every page has
    draft: bool = False  # shows a draft round's content: marked as a draft, kept out of search engines


def draft_rounds(site: Site) -> frozenset[str]:
    """The rounds not published yet; a build has them only when it previews drafts."""
    return frozenset(rnd.id for rnd in site.config.rounds if rnd.draft)


def plan_pages(site: Site) -> list[Page]:
    pages = plan_site_pages(site)
    for unit in site.units:
        pages += plan_unit_pages(site, unit)
    return pages


def plan_site_pages(site: Site) -> list[Page]:
    """The pages that show every unit: home, search, and each round's bulletin. They need
    each unit's figures per round only (UnitRound or UnitRoundSummary)."""
    drafts = draft_rounds(site)
    listed = bool(drafts & {rnd.id for rnd in site.rounds})  # the home page lists every round, search filters by them
    pages = [
        Page("index.html", "index.html", _home_context(site), draft=listed),
        Page("search.html", "search.html", {}, trail=(Crumb("nav_search", translate=True),), draft=listed),
    ]
    for position, rnd in enumerate(site.rounds):
        unit_rounds = site.round_units(rnd.id)
        counts = status_counts(unit_rounds)
        pages.append(Page(round_path(rnd.id), "round.html", {
            "round": rnd,
            "groups": _by_group(site, unit_rounds),
            "counts": counts,
            "total": shown_total(counts),
            "overdue": sum(ur.overdue for ur in unit_rounds),
            "corrections": round_corrections(site, unit_rounds),
            **_neighbours(site.rounds, position, drafts),
        }, trail=(Crumb(rnd.title),), draft=rnd.id in drafts))
    unit_groups = _units_by_group(site)
    pages.append(Page(ALL_UNITS_PATH, "units.html", {"unit_groups": unit_groups},
                      trail=(Crumb("all_units", translate=True),),
                      draft=any(latest.round.id in drafts for _, members in unit_groups for _, latest in members)))
    return pages


def plan_unit_pages(site: Site, unit: Unit) -> list[Page]:
    """The pages of one unit: its list in each round, its overview, its projects' histories.
    They depend on this unit's files only (and the site's settings and templates)."""
    pages = []
    drafts = draft_rounds(site)
    with_pages = [rnd for rnd in site.rounds if (rnd.id, unit.id) in site.unit_rounds]  # the rounds it has a page in
    for position, rnd in enumerate(with_pages):
        unit_round = site.unit_rounds[(rnd.id, unit.id)]
        corrected = site.corrections.get((rnd.id, unit.id))
        name = unit_round.unit.name  # as the round shows it (see Round.shown_unit)
        neighbours = _neighbours(with_pages, position, drafts)  # this unit's lists before and after this one
        pages.append(Page(unit_round_path(rnd.id, unit.id), "unit_round.html", {
            "round": rnd, "unit_round": unit_round, "unit": unit, "corrected": corrected,
            "as_published": False, **neighbours,
        }, trail=(Crumb(rnd.title, round_path(rnd.id)), Crumb(name)), draft=rnd.id in drafts))
        if corrected:
            first = replace(unit_round, entries=corrected.published)
            pages.append(Page(published_unit_round_path(rnd.id, unit.id), "unit_round.html", {
                "round": rnd, "unit_round": first, "unit": unit, "corrected": corrected, "as_published": True,
                **neighbours,
            }, trail=(Crumb(rnd.title, round_path(rnd.id)), Crumb(name, unit_round_path(rnd.id, unit.id)),
                      Crumb("as_published", translate=True))))

    histories = site.unit_histories(unit.id)
    rounds = [site.unit_rounds[(rnd.id, unit.id)] for rnd in site.rounds if (rnd.id, unit.id) in site.unit_rounds]
    if not rounds:
        return pages  # registered but never published: no page to link to
    pages.append(Page(unit_path(unit.id), "unit.html", {
        "unit": unit, "unit_rounds": rounds, "histories": histories,
    }, trail=(Crumb(unit.name),), draft=any(unit_round.round.id in drafts for unit_round in rounds)))
    for history in histories:
        pages.append(Page(project_path(unit.id, history.project_id), "project.html", {
            "unit": unit, "history": history,
        }, trail=(Crumb(unit.name, unit_path(unit.id)), Crumb(history.latest.title)),
            draft=any(step.round.id in drafts for step in history.steps)))
    return pages


def _home_context(site: Site) -> dict[str, Any]:
    latest = site.latest_round
    unit_rounds = site.round_units(latest.id)
    counts = status_counts(unit_rounds)
    total = shown_total(counts)
    round_counts = [(rnd, status_counts(site.round_units(rnd.id))) for rnd in site.rounds]
    return {
        "round": latest,
        "unit_rounds": unit_rounds,
        "counts": counts,
        "total": total,
        "completion_rate": (counts["completed"] / total * 100) if total else 0.0,
        "round_totals": [(rnd, shown_total(each)) for rnd, each in reversed(round_counts)],
        "round_counts": round_counts,  # oldest first, for the completion-rate chart
        "corrections": latest_corrections(site),
    }


@dataclass(frozen=True)
class ListedCorrection:
    """A correction as a round's bulletin and the home page list it."""

    round: Round
    unit: Unit  # as the round shows it
    item: CorrectionItem


def round_corrections(site: Site, unit_rounds: list[UnitRound] | list[UnitRoundSummary]) -> list[ListedCorrection]:
    """The corrections of a round's published lists, oldest first, then in the order of its units."""
    found = [ListedCorrection(ur.round, ur.unit, item)
             for ur in unit_rounds for item in site.correction_items(ur.round.id, ur.unit.id)]
    return sorted(found, key=lambda listed: listed.item.date)  # stable: units' and notices' order kept


HOME_CORRECTIONS = 10  # the home page lists the latest ones; each round's bulletin lists all of its own


def latest_corrections(site: Site) -> list[ListedCorrection]:
    """The latest corrections of every round, newest first (the latest round's first on the same
    day): a correction of an old round is news too, however many rounds were published since."""
    found = [listed for rnd in reversed(site.rounds) for listed in round_corrections(site, site.round_units(rnd.id))]
    return sorted(found, key=lambda listed: listed.item.date, reverse=True)[:HOME_CORRECTIONS]


def shown_total(counts) -> int:
    """The total a page shows beside its status counts: every project the counts show, the
    ones not reported this round included, so the figures add up for a citizen."""
    return sum(counts.values())


def _by_group(site: Site, unit_rounds: list[UnitRound] | list[UnitRoundSummary]
              ) -> list[tuple[str, list[UnitRound] | list[UnitRoundSummary]]]:
    # The groups in the order of the round's units, which is site.groups' order unless the
    # round shows the units grouped or ordered as they were when it was published.
    groups = dict.fromkeys(ur.unit.group for ur in unit_rounds)
    return [(group, [ur for ur in unit_rounds if ur.unit.group == group]) for group in groups]


def _neighbours(rounds, position: int, drafts: frozenset[str]) -> dict[str, Any]:
    """The rounds before and after rounds[position], for a page's previous/next links (None at either
    end). A published round's page never names a draft round: it would show draft content unmarked."""
    current = rounds[position]
    shown = [rnd for rnd in rounds if rnd.id not in drafts or current.id in drafts]
    here = shown.index(current)
    return {"previous_round": shown[here - 1] if here > 0 else None,
            "next_round": shown[here + 1] if here + 1 < len(shown) else None}


def _units_by_group(site: Site) -> list[tuple[str, list[tuple[Unit, UnitRound | UnitRoundSummary]]]]:
    """The all-units page: every unit that has a page (units/<unit>.html), as units.yaml names and
    groups it now, in site.groups' order, each with its latest list. Figures only, so summaries do."""
    latest: dict[str, UnitRound | UnitRoundSummary] = {}
    for rnd in site.rounds:  # oldest first: the last one found is the latest
        for unit in site.units:
            unit_round = site.unit_rounds.get((rnd.id, unit.id))
            if unit_round is not None:
                latest[unit.id] = unit_round
    groups: dict[str, list[tuple[Unit, UnitRound | UnitRoundSummary]]] = {
        group: [] for group in site.groups or dict.fromkeys(unit.group for unit in site.units)}
    for unit in site.units:
        if unit.id in latest:
            groups.setdefault(unit.group, []).append((unit, latest[unit.id]))
    return [(group, members) for group, members in groups.items() if members]
