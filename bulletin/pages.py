"""Which pages the site has, at which URL, and what each one shows.

URLs are a public contract: citizens bookmark them and archives cite them.
They are made of round, unit and project ids and nothing else, and every
link between pages is relative and names a file, so the site works under
any sub-path and opened straight from disk.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from typing import Any

from .model import Site, UnitRound, status_counts

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


ALL_PROJECTS_DATA = "data/projects.json"


def unit_path(unit_id: str) -> str:
    return f"units/{unit_id}.html"


def project_path(unit_id: str, project_id: str) -> str:
    return f"projects/{unit_id}/{project_id}.html"


class Links:
    """Relative links from one page to the others."""

    def __init__(self, page_path: str):
        self._folder = posixpath.dirname(page_path) or "."

    def to(self, path: str) -> str:
        return posixpath.relpath(path, self._folder)

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

    def unit(self, unit_id: str) -> str:
        return self.to(unit_path(unit_id))

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


def plan_pages(site: Site) -> list[Page]:
    pages = [
        Page("index.html", "index.html", _home_context(site)),
        Page("search.html", "search.html", {}, trail=(Crumb("nav_search", translate=True),)),
    ]
    for rnd in site.rounds:
        unit_rounds = site.round_units(rnd.id)
        pages.append(Page(round_path(rnd.id), "round.html", {
            "round": rnd,
            "groups": _by_group(site, unit_rounds),
            "counts": status_counts(unit_rounds),
            "total": sum(len(ur.entries) for ur in unit_rounds),
        }, trail=(Crumb(rnd.title),)))
        for unit_round in unit_rounds:
            unit = unit_round.unit
            corrected = site.corrections.get((rnd.id, unit.id))
            pages.append(Page(unit_round_path(rnd.id, unit.id), "unit_round.html", {
                "round": rnd, "unit_round": unit_round, "unit": unit, "corrected": corrected,
                "as_published": False,
            }, trail=(Crumb(rnd.title, round_path(rnd.id)), Crumb(unit.name))))
            if corrected:
                first = replace(unit_round, entries=corrected.published)
                pages.append(Page(published_unit_round_path(rnd.id, unit.id), "unit_round.html", {
                    "round": rnd, "unit_round": first, "unit": unit, "corrected": corrected, "as_published": True,
                }, trail=(Crumb(rnd.title, round_path(rnd.id)), Crumb(unit.name, unit_round_path(rnd.id, unit.id)),
                          Crumb("as_published", translate=True))))

    for unit in site.units:
        histories = site.unit_histories(unit.id)
        rounds = [site.unit_rounds[(rnd.id, unit.id)] for rnd in site.rounds
                  if (rnd.id, unit.id) in site.unit_rounds]
        if not rounds:
            continue  # registered but never published: no page to link to
        pages.append(Page(unit_path(unit.id), "unit.html", {
            "unit": unit, "unit_rounds": rounds, "histories": histories,
        }, trail=(Crumb(unit.name),)))
        for history in histories:
            pages.append(Page(project_path(unit.id, history.project_id), "project.html", {
                "unit": unit, "history": history,
            }, trail=(Crumb(unit.name, unit_path(unit.id)), Crumb(history.latest.title))))
    return pages


def _home_context(site: Site) -> dict[str, Any]:
    latest = site.latest_round
    unit_rounds = site.round_units(latest.id)
    counts = status_counts(unit_rounds)
    total = sum(len(ur.entries) for ur in unit_rounds)
    return {
        "round": latest,
        "unit_rounds": unit_rounds,
        "counts": counts,
        "total": total,
        "completion_rate": (counts["completed"] / total * 100) if total else 0.0,
        "round_totals": [(rnd, sum(len(ur.entries) for ur in site.round_units(rnd.id)))
                         for rnd in reversed(site.rounds)],
    }


def _by_group(site: Site, unit_rounds: list[UnitRound]) -> list[tuple[str, list[UnitRound]]]:
    return [(group, [ur for ur in unit_rounds if ur.unit.group == group])
            for group in site.groups if any(ur.unit.group == group for ur in unit_rounds)]
