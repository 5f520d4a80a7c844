"""build_site(): the story of a build, one step a line.

Open the output folder (output.OutputFolder: the rule of which folders a build may
replace, the lock, the staging folder); read the site (loader); build each unit on its
own (unitwork), in worker processes, skipping the units whose inputs are unchanged
(freshness); render the site-wide pages from the units' figures; join the open data
and search files from the units' stored parts (assemble); index the search shards
whose units changed (indexing); put the new site in place with the state the next
build starts from.

To add an output: make it in a step below (or a new one), declare what it is made from
to `freshness.current` under its name, and give its files to the output folder
(`emit`, `open_stream`, or `keep` when it is current).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from .assemble import assemble, assembled_files
from .cache import BuildState, DamagedCache, UnitState
from .content import Content
from .feeds import FEED_SECTION, SITE_FEED, sitemap_file_names, sitemap_files, site_feed
from .freshness import (Freshness, part_inputs, settings_key, site_page_inputs, sitemap_inputs, source_digests,
                        unit_key)
from .i18n import Translator, load_translator
from .indexing import shard_plan, write_search_index
from .layout import STATIC, TEMPLATES, overridable
from .lint import ContentWarning, all_warnings, site_file_warnings
from .loader import SiteSources, read_site
from .messages import pgettext
from .model import CorrectionItem, Site, UnitRoundSummary, build_model
from .opendata import data_index
from .output import OutputFolder, OutputProblem, merged_files
from .pages import ASSET_FOLDER, DATA_INDEX, plan_site_pages
from .problems import ContentError
from .progress import Progress
from .qrcode import QrCodes
from .render import Renderer, TemplateProblem
from .search import filter_vocabulary, shard_count, vocabulary_positions
from .unitwork import BuildContext, UnitJob, UnitOutcome, run_units

# Every way a build can fail that is reported as a message, never a traceback.
BUILD_PROBLEMS = (ContentError, TemplateProblem, OutputProblem)


@dataclass(frozen=True)
class BuildReport:
    rounds: int
    units: int
    projects: int
    entries: int
    pages: int
    files: int
    seconds: float
    written: int = 0  # files whose bytes changed (all of them in a full build)
    deleted: int = 0
    units_built: int = 0  # units whose inputs changed (all of them in a full build)
    incremental: bool = False
    warnings: tuple[ContentWarning, ...] = ()  # the build went on; those of units reused from the cache too
    left_out: tuple[tuple[str, str], ...] = ()  # (id, title) of each draft round left out of the site
    drafts: tuple[tuple[str, str], ...] = ()  # (id, title) of each draft round built, marked as a draft


def build_site(site_dir: Path, out_dir: Path, until_round: str | None = None,
               progress: Progress | None = None, jobs: int | None = None, full: bool = False,
               drafts: bool = False) -> BuildReport:
    """Load, check, render, index and put in place. A build
    into a folder built before reuses what did not change (see freshness), unless `full`.
    Draft rounds are left out entirely, unless `drafts` (a preview: their pages are marked)."""
    started = time.perf_counter()
    progress = progress or Progress.quiet()
    try:
        try:
            report = _build(site_dir, out_dir, until_round, progress, jobs, full, drafts)
        except DamagedCache:  # a part stored by an earlier build no longer passes its check
            report = _build(site_dir, out_dir, until_round, progress, jobs, True, drafts)
    finally:
        progress.done()
    return replace(report, seconds=time.perf_counter() - started)


def _build(site_dir: Path, out_dir: Path, until_round: str | None, progress: Progress,
           jobs: int | None, full: bool, drafts: bool) -> BuildReport:
    with OutputFolder(out_dir, site_dir, full) as output:
        progress.stage(pgettext("progress", "reading"))
        sources = read_site(site_dir, until_round, drafts=drafts)
        build = _Build(sources, output, until_round, jobs, progress, drafts)
        outcomes = build.units()
        build.site_pages()
        build.feeds_and_sitemap()
        build.static_files()
        build.open_data()
        build.search_index()
        progress.stage(pgettext("progress", "writing"))
        output.commit(build.state())
        return build.report(outcomes)


class _Build:
    """One build's steps and what they share: the site read, the tools to render it, what
    the last build left (freshness) and the units' states as they are made."""

    def __init__(self, sources: SiteSources, output: OutputFolder, until_round: str | None,
                 jobs: int | None, progress: Progress, drafts: bool = False):
        self.sources, self.output, self.jobs, self.progress = sources, output, jobs, progress
        self.drafts = drafts
        self.config = sources.config
        self.registry = build_model(self.config, Content(sources.tree.units, ()))
        template_dirs = overridable(sources.site_dir, TEMPLATES)
        self.translator: Translator = load_translator(self.config.language, template_dirs, sources.site_dir)
        qr_codes = QrCodes(output.qr_codes(self.config.base_url)) if self.config.base_url else None
        self.renderer = Renderer(self.registry, self.translator, template_dirs, qr_codes, output.compiled_templates())
        self.renderer.check_sources()  # compiled only as pages need them (see unitwork.run_units)
        self.settings = settings_key(sources.site_dir, template_dirs, until_round, drafts)
        self.freshness = Freshness(output.start_from(self.settings))
        known = output.last.sources if output.last is not None and not output.full else {}
        self.digests = source_digests([s.path for files in sources.unit_files.values() for s in files], known)
        self.reader = output.parts()
        self.order = [unit.id for unit in self.registry.units]
        self.vocabulary = filter_vocabulary(self.registry, self.translator)
        self.units_state: dict[str, UnitState] = {}
        self.shards: dict[str, list[str]] = {}
        self.site: Site = self.registry
        self.plan: list[tuple[str, list[str]]] = []

    def units(self) -> list[UnitOutcome]:
        """Each unit's pages and parts, made again only for the units whose files or settings
        changed; every problem of the site at once, or none."""
        sources, output = self.sources, self.output
        problems = list(sources.problems)
        context = BuildContext(sources.site_dir, output.staging, output.new_parts, self.config, self.translator,
                               self.renderer, sources.ledger, vocabulary_positions(self.vocabulary),
                               check_only=bool(problems))
        todo = []
        for unit_id, unit in sources.registry.items():
            key = unit_key(self.settings, unit_id, sources.unit_files[unit_id], self.digests)
            before = self.freshness.unit(unit_id)
            if (self.freshness.current(f"unit:{unit_id}", key, before.pages if before else None)
                    and self.reader.has(key)):
                self.units_state[unit_id] = before
                for path in before.pages:
                    output.keep(path)
            else:
                pages = {path: output.before(path) for path in before.pages} if before else None
                todo.append(UnitJob(unit, sources.unit_files[unit_id], key, pages if output.previous else None))
        outcomes = run_units(context, todo, self.jobs, self.progress)
        problems += [problem for outcome in outcomes for problem in outcome.problems]
        if problems:
            raise ContentError(problems)
        for outcome in outcomes:
            self.units_state[outcome.unit_id] = outcome.state()
            written = set(outcome.written)
            for path, record in outcome.pages.items():
                output.claim(path)
                output.adopt(path, record, path in written)
        self.site = _site_from_summaries(self.registry, self.units_state)
        projects = sum(state.summary.projects for state in self.units_state.values())
        self.plan = shard_plan(self.units_state, self.order, shard_count(projects, self.config.search_shard_size))
        return outcomes

    def site_pages(self) -> None:
        """The home, search and round pages; a page whose figures are unchanged is not even rendered."""
        self.progress.stage(pgettext("progress", "site pages"))
        inputs = site_page_inputs(self.settings, [rnd.id for rnd in self.site.rounds], self.units_state, self.order)
        for page in plan_site_pages(self.site):
            made_from = inputs.get(page.path)
            if made_from is not None and self.freshness.current(page.path, made_from, [page.path]):
                self.output.keep(page.path)
            else:
                self.output.emit(page.path, self.renderer.render(page, self.site).encode("utf-8"))

    def feeds_and_sitemap(self) -> None:
        """feed.xml and sitemap.xml (see feeds), only with base_url: their addresses are absolute.
        A preview of draft rounds has no sitemap: it is kept out of search engines."""
        if not self.config.base_url:
            return
        keys = [self.units_state[unit_id].key for unit_id in self.order]
        made_from = part_inputs(self.settings, SITE_FEED, FEED_SECTION, self.units_state, self.order)
        if self.freshness.current(SITE_FEED, made_from, [SITE_FEED]):
            self.output.keep(SITE_FEED)
        else:
            parts = []
            for key in keys:
                found = self.reader.read(key, [FEED_SECTION])
                if found is None:
                    raise DamagedCache(key)
                parts.append(found[FEED_SECTION])
            self.output.emit(SITE_FEED, site_feed(self.site, parts, self.translator))
        if self.drafts:
            return
        pages = [page.path for page in plan_site_pages(self.site)]
        pages += [path for state in self.units_state.values() for path in state.pages if path.endswith(".html")]
        names = sitemap_file_names(len(pages))
        if self.freshness.current("sitemap", sitemap_inputs(self.settings, pages), names):
            for name in names:
                self.output.keep(name)
        else:
            for name, data in sitemap_files(self.config.base_url, pages).items():
                self.output.emit(name, data)

    def static_files(self) -> None:
        for name, source in merged_files(overridable(self.sources.site_dir, STATIC)).items():
            self.output.emit(f"{ASSET_FOLDER}/{name}", source.read_bytes())

    def search_index(self) -> None:
        """The search index's shards joined from the units' shares, and its manifest (see indexing)."""
        self.progress.stage(pgettext("progress", "search index"))
        write_search_index(self.output, self.reader, self.units_state, self.order, self.plan, self.vocabulary,
                           self.settings, self.freshness, self.shards)

    def open_data(self) -> None:
        """The open data files, joined from the units' parts."""
        self.progress.stage(pgettext("progress", "open data"))
        dirty = []
        for path, (section, layout) in assembled_files(self.config, self.site, self.translator).items():
            made_from = part_inputs(self.settings, path, section, self.units_state, self.order)
            if self.freshness.current(path, made_from, [path]):
                self.output.keep(path)
            else:
                dirty.append((path, section, layout))
        assemble(self.output, self.reader, dirty, [self.units_state[unit_id].key for unit_id in self.order])
        self.output.emit(DATA_INDEX, data_index(self.config, self.site.rounds, self.site.listed_units))

    def state(self) -> BuildState:
        """What this build made and from what, for the next one."""
        output = self.output
        return BuildState(str(self.sources.site_dir.resolve()), str(output.out_dir.resolve()), self.settings,
                          output.records, self.units_state, self.freshness.inputs, self.shards,
                          self.digests)

    def report(self, outcomes: list[UnitOutcome]) -> BuildReport:
        records = self.output.records
        pages = sum(1 for path in records if path.endswith(".html") and not path.startswith(ASSET_FOLDER + "/"))
        return BuildReport(
            rounds=len(self.site.rounds),
            units=len(self.site.listed_units),
            projects=sum(state.summary.projects for state in self.units_state.values()),
            entries=sum(state.summary.entries for state in self.units_state.values()),
            pages=pages, files=len(records), seconds=0.0,
            written=len(set(self.output.staged)), deleted=len(self.output.deleted),
            units_built=len(outcomes), incremental=self.output.incremental and not self.output.inside,
            warnings=_warnings(self.sources, self.units_state.values()),
            left_out=tuple((rnd.id, rnd.title) for rnd in self.sources.left_out),
            drafts=tuple((rnd.id, rnd.title) for rnd in self.config.rounds if rnd.draft))


def _site_from_summaries(registry: Site, units: dict[str, UnitState]) -> Site:
    rounds = {rnd.id: rnd for rnd in registry.rounds}
    unit_rounds = {}
    for unit in registry.units:
        for round_id, figures in units[unit.id].summary.rounds.items():
            unit_rounds[(round_id, unit.id)] = UnitRoundSummary(unit, rounds[round_id], figures.count,
                                                                Counter(dict(figures.counts)), figures.submitted,
                                                                figures.overdue,
                                                                tuple(map(CorrectionItem.from_plain, figures.corrections)))
    return replace(registry, unit_rounds=unit_rounds)


def _warnings(sources: SiteSources, units, publishing: str | None = None) -> tuple[ContentWarning, ...]:
    """The site's warnings and the units' (each unit's, computed when it was built, maybe by an
    earlier build). Today's date is read here only, for a round dated in the future: it never
    reaches what is built."""
    site = site_file_warnings(sources.site_dir, sources.document, sources.tree.registry,
                              [r.id for r in sources.config.rounds], dt.date.today(), publishing)
    return all_warnings(site, [unit.warnings for unit in units])


@dataclass(frozen=True)
class CheckReport:
    rounds: int
    units: int
    entries: int  # project entries in the units' files
    warnings: tuple[ContentWarning, ...] = ()
    base_url: str = ""  # site.yaml's: without it printed pages carry no address and no QR code


def check_site(site_dir: Path, progress: Progress | None = None, jobs: int | None = None,
               publishing: str | None = None) -> CheckReport:
    """Validate everything a build would, writing nothing: the figures and warnings,
    or ContentError. Units are checked in parallel, as a build does. `publishing`: the draft
    about to be published, warned like a public round."""
    progress = progress or Progress.quiet()
    try:
        sources = read_site(site_dir)
        todo = [UnitJob(unit, sources.unit_files[unit_id], "", None) for unit_id, unit in sources.registry.items()]
        context = BuildContext(site_dir, Path(), Path(), sources.config, None, None, sources.ledger, {},
                               check_only=True)
        outcomes = run_units(context, todo, jobs, progress)
    finally:
        progress.done()
    problems = list(sources.problems) + [problem for outcome in outcomes for problem in outcome.problems]
    if problems:
        raise ContentError(problems)
    return CheckReport(len(sources.config.rounds), len(sources.tree.units),
                       sum(outcome.entries for outcome in outcomes), _warnings(sources, outcomes, publishing),
                       sources.config.base_url)
