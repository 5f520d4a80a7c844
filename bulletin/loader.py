"""Reading a site, the one way every command does: build, check, publish, archive, new-round.

`read_site` reads what comes before any unit file: the site folder's safety, site.yaml,
the unit registry, where each unit's files are, and the ledger of published rounds (as
of a round, for an archive). `load_unit` reads and checks one unit's files, against the
ledger too; a build calls it in its worker processes, unit by unit. `load_site` does both
for the whole site, for the commands that need it whole.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from .config import RoundConfig, SiteConfig, load_site_config
from .content import Content, ContentTree, SourceFile, UnitFile, load_unit_file, scan_content
from .ledger import (PublishedRound, check_published_rounds, check_unit_files, published_unit_id, read_ledger,
                     shown_as_published)
from .layout import LEDGER_PATH, SITE_FILE
from .messages import _
from .model import CorrectedFile, Site, build_model
from .problems import ContentError, Location, Problem, did_you_mean
from .sitefiles import unsafe_site_entries
from .source import SourceDocument


@dataclass(frozen=True)
class SiteSources:
    """A site as read before any unit file, with the problems found there that belong to no unit."""

    site_dir: Path
    config: SiteConfig  # as of the round read until; published rounds show what the ledger recorded
    document: SourceDocument  # site.yaml, for locations
    tree: ContentTree
    ledger: tuple[PublishedRound, ...]
    problems: tuple[Problem, ...]
    left_out: tuple[RoundConfig, ...] = ()  # the draft rounds a build without drafts leaves out

    @cached_property  # asked once per unit by a build: made once, not 2,000 times at a province
    def unit_files(self) -> dict[str, tuple[SourceFile, ...]]:
        """Every registered unit, and every unit with files (a broken registry's files are
        still checked), with its files, oldest round first."""
        units = [unit["id"] for unit in self.tree.units] + list(self.tree.files)
        return {unit_id: self.tree.files.get(unit_id, ()) for unit_id in dict.fromkeys(units)}

    @cached_property
    def registry(self) -> dict[str, dict]:
        """Each unit's entry in units.yaml; a unit with files but no entry stands for itself."""
        entries = {unit["id"]: unit for unit in self.tree.units}
        return {unit_id: entries.get(unit_id) or {"id": unit_id, "name": unit_id, "group": ""}
                for unit_id in self.unit_files}


def read_site(site_dir: Path, until_round: str | None = None, drafts: bool = True) -> SiteSources:
    """Raises ContentError when the site cannot be read at all (an unsafe entry, a broken
    site.yaml or ledger); other problems are collected in `problems`. With until_round,
    the site as of that round: later rounds are left out, as they were when it was published.
    With drafts=False, the public site: draft rounds (always the last ones) are left out, their
    folders not even read."""
    unsafe = unsafe_site_entries(site_dir)
    if unsafe:  # nothing is read through them, not even to check it
        raise ContentError(unsafe)
    config, document = load_site_config(site_dir)
    whole_ledger = read_ledger(site_dir)
    frozen_drafts = _frozen_drafts(config, document, whole_ledger)
    later = rounds_after(config, until_round)
    left_out = () if drafts else tuple(r for r in config.rounds if r.draft and r.id not in later)
    if left_out and len(left_out) + len(later) == len(config.rounds):
        raise ContentError([Problem(document.where(("rounds",), key=True), "rounds",
                                    _("every round is a draft, so the public site would be empty: publish the "
                                      "first one with python build.py publish {round}, or preview the drafts "
                                      "with python build.py build --drafts", round=left_out[0].id))])
    later |= {r.id for r in left_out}
    config = replace(config, rounds=tuple(r for r in config.rounds if r.id not in later))
    ledger = tuple(p for p in whole_ledger if p.round_id not in later)
    config = shown_as_published(config, ledger)  # published rounds show what they showed then
    tree = scan_content(site_dir, config, document, ignored_rounds=later)
    problems = frozen_drafts + list(tree.problems) + check_published_rounds(ledger, config, document)
    registered = {unit["id"] for unit in tree.units}
    unregistered = {published_unit_id(f.path) for p in ledger for f in p.files} - registered
    if unregistered:  # published files of a unit since removed from the registry: reported missing
        problems += check_unit_files(ledger, config, (), unit_ids=frozenset(unregistered))[0]
    return SiteSources(site_dir, config, document, tree, ledger, tuple(problems), left_out)


def _frozen_drafts(config: SiteConfig, document: SourceDocument, ledger: tuple[PublishedRound, ...]
                   ) -> list[Problem]:
    """A round recorded in the ledger is public for good: marking it a draft again would take a
    published bulletin off the site."""
    frozen = {p.round_id for p in ledger}
    return [Problem(document.where(("rounds", index, "draft"), key=True), f"rounds[{index}].draft",
                    _("round {round} is published (recorded in {ledger}), so it cannot be a draft: remove "
                      "draft: true", round=r.id, ledger=LEDGER_PATH))
            for index, r in enumerate(config.rounds) if r.draft and r.id in frozen]


def rounds_after(config: SiteConfig, round_id: str | None) -> frozenset[str]:
    if round_id is None:
        return frozenset()
    ids = [r.id for r in config.rounds]
    if round_id not in ids:
        raise ContentError([Problem(Location(SITE_FILE, 1, 1), "rounds",
                                    _("round '{round}' is not listed under rounds:{hint}", round=round_id,
                                      hint=did_you_mean(round_id, ids)))])
    return frozenset(ids[ids.index(round_id) + 1:])


@dataclass(frozen=True)
class LoadedUnit:
    files: tuple[UnitFile, ...]  # those that passed their checks
    corrections: dict[tuple[str, str], CorrectedFile]
    problems: tuple[Problem, ...]


def load_unit(site_dir: Path, config: SiteConfig, ledger: tuple[PublishedRound, ...], unit_id: str,
              sources: tuple[SourceFile, ...]) -> LoadedUnit:
    """One unit's files read and checked, and checked against the ledger."""
    problems: list[Problem] = []
    unit_files = []
    for source in sources:
        unit_file = load_unit_file(site_dir, source, problems)
        if unit_file is not None:
            unit_files.append(unit_file)
    invalid = frozenset(f"content/{s.round_id}/{s.path.name}" for s in sources) - {
        f.document.display_path for f in unit_files}  # their problems are reported: not "missing" too
    found, corrections = check_unit_files(ledger, config, tuple(unit_files), unit_ids=frozenset({unit_id}),
                                          unreadable=invalid)
    return LoadedUnit(tuple(unit_files), corrections, tuple(problems + found))


def load_content(sources: SiteSources) -> tuple[Content, dict[tuple[str, str], CorrectedFile]]:
    """Every unit's files, checked; ContentError listing every problem of the site."""
    problems = list(sources.problems)
    unit_files: list[UnitFile] = []
    corrections: dict[tuple[str, str], CorrectedFile] = {}
    for unit_id, files in sources.unit_files.items():
        loaded = load_unit(sources.site_dir, sources.config, sources.ledger, unit_id, files)
        problems += loaded.problems
        unit_files += loaded.files
        corrections.update(loaded.corrections)
    if problems:
        raise ContentError(problems)
    content = Content(sources.tree.units, tuple(sorted(unit_files, key=lambda f: (f.round_id, f.unit_id))))
    return content, corrections


def load_site(site_dir: Path, until_round: str | None = None) -> Site:
    """The whole site, read and validated, published rounds against the ledger included;
    ContentError listing every problem."""
    sources = read_site(site_dir, until_round)
    content, corrections = load_content(sources)
    return build_model(sources.config, content, corrections)
