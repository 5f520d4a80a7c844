"""Everything one unit contributes to the site, made from that unit's files alone.

A unit's files (one per round) are read and checked, checked against the ledger,
turned into its histories, and rendered: its list in each round, its overview
and its projects' histories. Its share of the site-wide files (open data rows,
search records) is stored as parts in the build cache, and the figures the
site-wide pages show are returned as a summary.

No unit's pages depend on another unit's files, so units are built in parallel,
each in a worker process holding only its own unit, which bounds memory at any
scale, and an unchanged unit is not built at all.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .cache import RoundFigures, UnitState, UnitSummary, write_parts
from .config import SiteConfig
from .content import Content, SourceFile
from .feeds import FEED_SECTION, feed_part, unit_feed, unit_feed_path
from .i18n import Translator
from .ledger import PublishedRound
from .lint import ContentWarning, document_text, unit_warnings
from .loader import load_unit
from .messages import _
from .model import Unit, build_model
from .opendata import UnitOpenData, histories_member, unit_history_file, unit_open_data
from .output import OutputProblem, write_unless_unchanged
from .pages import plan_unit_pages, unit_data_path
from .problems import Problem
from .progress import Progress
from .render import Renderer
from .search import UnitSearch, search_records, unit_records_path, unit_search


@dataclass
class UnitJob:
    """What a worker needs to know about one unit, besides the shared context."""

    unit: dict  # its entry in units.yaml
    files: tuple[SourceFile, ...]
    key: str
    previous_pages: dict[str, list] | None  # path -> file record, in an incremental build


@dataclass
class UnitOutcome:
    unit_id: str
    key: str
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0  # project entries in its files
    pages: dict[str, list] = field(default_factory=dict)  # path -> file record (sha256, size, mtime, inode)
    written: list[str] = field(default_factory=list)  # the pages whose bytes changed, written into staging
    parts: dict[str, str] = field(default_factory=dict)  # section -> sha256
    summary: UnitSummary | None = None
    warnings: tuple[ContentWarning, ...] = ()  # kept with its state: a unit reused later says them again

    def state(self) -> UnitState:
        return UnitState(self.key, tuple(sorted(self.pages)), self.parts, self.summary, self.warnings)


@dataclass
class BuildContext:
    """Shared by every unit job; set before the worker processes start, so they inherit it."""

    site_dir: Path
    staging: Path
    parts_dir: Path  # where new parts are stored until the build succeeds
    config: SiteConfig
    translator: Translator | None  # None when only checking
    renderer: Renderer | None
    ledger: tuple[PublishedRound, ...]
    positions: dict[str, dict[str, int]]  # search.vocabulary_positions of the filters' values
    check_only: bool = False  # the site already has problems: check each unit's files, build nothing


_context: BuildContext | None = None


def set_context(context: BuildContext | None) -> None:
    global _context
    _context = context


def worker_started() -> None:
    """In each worker process: die with the build (never write into a later build's
    staging folder), and spare the collector the inherited objects."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG; Linux only
    except (OSError, AttributeError):
        pass
    gc.freeze()


def build_unit(job: UnitJob) -> UnitOutcome:
    context = _context
    assert context is not None, "set_context() first"
    unit_id = job.unit["id"]
    outcome = UnitOutcome(unit_id, job.key)

    loaded = load_unit(context.site_dir, context.config, context.ledger, unit_id, job.files)
    outcome.problems += loaded.problems
    outcome.entries = sum(len(unit_file.projects) for unit_file in loaded.files)
    if not outcome.problems:
        # Read from the unit's files alone (and the ledger's rounds), which its key covers.
        paths = {source.round_id: source.path for source in job.files}
        texts = {f.document.display_path: document_text(paths[f.round_id], f.document) for f in loaded.files}
        outcome.warnings = unit_warnings(loaded.files, texts, frozenset(p.round_id for p in context.ledger))
    if outcome.problems or context.check_only:
        return outcome

    site = build_model(context.config, Content((job.unit,), loaded.files), loaded.corrections)
    unit = site.units[0]
    previous = job.previous_pages
    open_data = unit_open_data(site, unit, context.translator)
    search = unit_search(unit_id, search_records(site, context.translator), context.positions)
    for path, data in _unit_files(context, site, unit, open_data, search):
        before = previous.get(path) if previous is not None else None
        outcome.pages[path], written = write_unless_unchanged(context.staging, path, data, before)
        if written:
            outcome.written.append(path)

    try:
        outcome.parts = write_parts(context.parts_dir, job.key, unit_sections(site, unit, context, open_data, search))
    except OSError as error:
        raise OutputProblem(_("cannot write the build's working files into {folder}: {reason}",
                              folder=context.parts_dir, reason=error.strerror or error)) from None
    outcome.summary = unit_summary(site, unit, search)
    return outcome


def _unit_files(context: BuildContext, site, unit: Unit, open_data: UnitOpenData,
                search: UnitSearch) -> Iterable[tuple[str, bytes]]:
    """The unit's pages, rendered one at a time, its history as open data, its projects' lines in
    search results, and its feed (see feeds)."""
    pages = plan_unit_pages(site, unit)
    for page in pages:
        yield page.path, context.renderer.render(page, site).encode("utf-8")
    if pages:  # a unit never published has no history to give
        yield unit_data_path(unit.id), unit_history_file(context.config, site.rounds, unit, open_data.histories)
        yield unit_records_path(unit.id), search.records
    if context.config.base_url and pages:  # a feed needs absolute addresses; a unit never published has none
        yield unit_feed_path(unit.id), unit_feed(site, unit, context.translator)


def unit_sections(site, unit: Unit, context: BuildContext, data: UnitOpenData,
                  search: UnitSearch) -> dict[str, str | bytes]:
    """The unit's share of the site-wide files, by section name (see builder)."""
    sections = {f"json:{round_id}": text for round_id, text in data.round_json.items()}
    sections.update({f"csv:{round_id}": text for round_id, text in data.round_csv.items()})
    # Compressed here, in the unit's worker: data/projects.json.gz is these members joined.
    sections["histories.gz"] = histories_member(data.histories)
    if context.config.base_url:
        sections[FEED_SECTION] = feed_part(site, unit, context.translator)
    sections["postings"] = search.postings
    sections["facets"] = search.facets
    return sections


def unit_summary(site, unit: Unit, search: UnitSearch) -> UnitSummary:
    """What the site-wide pages show of the unit: per round, whether it sent a file,
    how many projects and how many of each status."""
    rounds = {}
    for rnd in site.rounds:
        unit_round = site.unit_rounds.get((rnd.id, unit.id))
        if unit_round is not None:
            rounds[rnd.id] = RoundFigures(unit_round.submitted, unit_round.count, tuple(unit_round.counts.items()),
                                          unit_round.overdue,
                                          tuple(item.plain() for item in site.correction_items(rnd.id, unit.id)))
    return UnitSummary(
        rounds=rounds,
        projects=len(site.histories),
        entries=sum(ur.count for ur in site.unit_rounds.values()),
        categories=search.categories,
        locations=search.locations,
        overdue_projects=search.overdue,
    )


# Below this much content, worker processes cost more than they save.
PARALLEL_FROM_BYTES = 2_000_000


def worker_count(jobs: int | None, content_bytes: int) -> int:
    """--jobs, else BULLETIN_JOBS, else one per CPU for content large enough to gain from it."""
    if jobs is None and os.environ.get("BULLETIN_JOBS", "").isdigit():
        jobs = int(os.environ["BULLETIN_JOBS"])
    if jobs is None:
        jobs = (os.cpu_count() or 1) if content_bytes >= PARALLEL_FROM_BYTES else 1
    return max(1, min(jobs, 32))


def run_units(context: BuildContext, todo: list[UnitJob], jobs: int | None, progress: Progress) -> list[UnitOutcome]:
    """Every job's outcome, built in worker processes when the content is large enough."""
    progress.stage(_("building units"))
    if not todo:
        return []
    workers = worker_count(jobs, sum(_size(source.path) for job in todo for source in job.files))
    set_context(context)
    outcomes: list[UnitOutcome] = []
    pages = 0

    def collect(results: Iterable[UnitOutcome]) -> None:
        nonlocal pages
        for outcome in results:
            outcomes.append(outcome)
            pages += len(outcome.pages)
            progress.count(len(outcomes), len(todo), _("units, {pages} pages", pages=f"{pages:,}"))

    try:
        if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
            # Templates are compiled as pages first use them: a rebuild of one unit compiles only its own.
            collect(build_unit(job) for job in todo)
        else:
            if context.renderer is not None:  # compiled once, here, for every worker to inherit
                context.renderer.preload()
            chunk = max(1, min(16, len(todo) // (workers * 8)))
            with multiprocessing.get_context("fork").Pool(workers, initializer=worker_started) as pool:
                collect(pool.imap_unordered(build_unit, todo, chunksize=chunk))
    finally:
        set_context(None)
    return outcomes


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
