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
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .cache import file_record, write_parts
from .config import SiteConfig
from .content import Content, SourceFile
from .i18n import Translator
from .ledger import PublishedRound
from .loader import load_unit
from .model import Unit, build_model
from .opendata import unit_open_data
from . import output
from .pages import plan_unit_pages
from .problems import Problem
from .render import Renderer
from .search import CJK, index_body, offline_rows, search_records


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
    pages: dict[str, list] = field(default_factory=dict)  # path -> file record (sha256, size, mtime, inode)
    parts: dict[str, str] = field(default_factory=dict)  # section -> sha256
    summary: dict = field(default_factory=dict)


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
    vocabulary: dict[str, list[str]]
    check_only: bool = False  # the site already has problems: check each unit's files, build nothing
    with_search: bool = True  # store the documents of the search index among the unit's parts


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
    if outcome.problems or context.check_only:
        outcome.summary = {"entries": sum(len(unit_file.projects) for unit_file in loaded.files)}
        return outcome

    site = build_model(context.config, Content((job.unit,), loaded.files), loaded.corrections)
    unit = site.units[0]
    previous = job.previous_pages
    for page in plan_unit_pages(site, unit):
        data = context.renderer.render(page, site).encode("utf-8")
        sha256 = hashlib.sha256(data).hexdigest()
        if previous is not None and page.path in previous and previous[page.path][0] == sha256:
            outcome.pages[page.path] = previous[page.path]
            continue
        outcome.pages[page.path] = write_page(context.staging, page.path, data, sha256)

    try:
        outcome.parts = write_parts(context.parts_dir, job.key, unit_sections(site, unit, context))
    except OSError as error:
        raise output.OutputProblem(f"cannot write the build's working files into {context.parts_dir}: "
                                   f"{error.strerror or error}") from None
    outcome.summary = unit_summary(site, unit)
    return outcome


def write_page(staging: Path, relative: str, data: bytes, sha256: str) -> list:
    return file_record(sha256, output.write_file(staging, relative, data))


def unit_sections(site, unit: Unit, context: BuildContext) -> dict[str, str]:
    """The unit's share of the site-wide files, by section name (see builder)."""
    data = unit_open_data(site, unit, context.translator)
    records = search_records(site, context.translator)
    sections = {f"json:{round_id}": text for round_id, text in data.round_json.items()}
    sections.update({f"csv:{round_id}": text for round_id, text in data.round_csv.items()})
    sections["histories"] = data.histories
    sections["offline"] = ",".join(offline_rows(records, context.vocabulary))
    if context.with_search:  # the index's documents are the costliest part: only when they are used
        sections["documents"] = json.dumps([[record.url, index_body(record)] for record in records],
                                           ensure_ascii=False, separators=(",", ":"))
    return sections


def unit_summary(site, unit: Unit) -> dict:
    """What the site-wide pages show of the unit: per round, whether it sent a file,
    how many projects and how many of each status."""
    rounds = {}
    for rnd in site.rounds:
        unit_round = site.unit_rounds.get((rnd.id, unit.id))
        if unit_round is not None:
            rounds[rnd.id] = [unit_round.submitted, unit_round.count, list(unit_round.counts.items())]
    return {
        "rounds": rounds,
        "projects": len(site.histories),
        "entries": sum(ur.count for ur in site.unit_rounds.values()),
        "cjk": bool(CJK.search(unit.name)) or any(
            CJK.search(entry.title + entry.progress + entry.location + entry.lead + entry.category)
            for ur in site.unit_rounds.values() for entry in ur.entries),
    }
