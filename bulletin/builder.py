"""build_site(): the whole pipeline, one call per step, in order."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from .config import SiteConfig, load_site_config
from .content import load_content
from .i18n import load_translator
from .ledger import PublishedRound, check_against_ledger, publish, read_ledger
from .model import Site, build_model
from .problems import ContentError, Location, Problem, did_you_mean
from .opendata import open_data_files
from .output import OutputProblem, StagedOutput, check_output_folder, merged_files, recover_interrupted_swap
from .pages import ASSET_FOLDER, plan_pages
from .render import Renderer, TemplateProblem
from .search import (PAGEFIND_FOLDER, SearchProblem, build_pagefind_index, filter_vocabulary, pagefind_language,
                     search_records, search_scripts)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_TEMPLATES = PROJECT_ROOT / "templates"
BUNDLED_STATIC = PROJECT_ROOT / "static"


@dataclass(frozen=True)
class BuildReport:
    rounds: int
    units: int
    projects: int
    entries: int
    pages: int
    files: int
    seconds: float


def search_folders(site_dir: Path, bundled: Path, name: str) -> list[Path]:
    """The site's own folder first, then the bundled defaults (once, if they are the same)."""
    own = (site_dir / name).resolve()
    return [own] if own == bundled.resolve() else [own, bundled]


def load_site(site_dir: Path, until_round: str | None = None) -> Site:
    """Read and validate everything, published rounds against the ledger included;
    raise ContentError listing every problem. With until_round, the site as of that
    round: later rounds are left out, as they were when it was published."""
    config, site_document = load_site_config(site_dir)
    later = rounds_after(config, until_round)
    config = replace(config, rounds=tuple(r for r in config.rounds if r.id not in later))
    content = load_content(site_dir, config, site_document, ignored_rounds=later)
    ledger = tuple(p for p in read_ledger(site_dir) if p.round_id not in later)
    corrections = check_against_ledger(ledger, config, content, site_document)
    return build_model(config, content, corrections)


def rounds_after(config: SiteConfig, round_id: str | None) -> frozenset[str]:
    if round_id is None:
        return frozenset()
    ids = [r.id for r in config.rounds]
    if round_id not in ids:
        raise ContentError([Problem(Location("site.yaml", 1, 1), "rounds",
                                    f"round '{round_id}' is not listed under rounds:{did_you_mean(round_id, ids)}")])
    return frozenset(ids[ids.index(round_id) + 1:])


# Every way a build can fail that is reported as a message, never a traceback.
BUILD_PROBLEMS = (ContentError, TemplateProblem, OutputProblem, SearchProblem)


class PublishProblem(Exception):
    """The round cannot be published; the message says why."""


def publish_round(site_dir: Path, round_id: str) -> PublishedRound:
    """Freeze a valid round: record its files and site entry in the ledger."""
    config, site_document = load_site_config(site_dir)
    content = load_content(site_dir, config, site_document)
    ledger = read_ledger(site_dir)
    check_against_ledger(ledger, config, content, site_document)
    if round_id not in [r.id for r in config.rounds]:
        raise PublishProblem(f"round '{round_id}' is not listed under rounds: in site.yaml")
    if any(p.round_id == round_id for p in ledger):
        raise PublishProblem(f"round '{round_id}' is already published; a correction is made in its unit files "
                             "under corrections:, never by publishing again")
    try:
        return publish(site_dir, config, content, ledger, round_id)
    except OSError as error:
        raise PublishProblem(f"cannot write the ledger: {error.strerror or error}; nothing was recorded") from None


def build_site(site_dir: Path, out_dir: Path, with_search: bool = True,
               until_round: str | None = None) -> BuildReport:
    """Load, check, render, index and swap into place; with_search=False skips only the
    Pagefind index (the search page then uses its offline data everywhere)."""
    started = time.perf_counter()
    check_output_folder(out_dir, site_dir)
    recover_interrupted_swap(out_dir)  # even when this build fails, the last good site is back in place
    site = load_site(site_dir, until_round)
    template_dirs = search_folders(site_dir, BUNDLED_TEMPLATES, "templates")
    translator = load_translator(site.config.language, template_dirs, site_dir)
    pages = plan_pages(site)
    renderer = Renderer(site, translator, template_dirs)
    assets = merged_files(search_folders(site_dir, BUNDLED_STATIC, "static"))
    records = search_records(site, translator)

    with StagedOutput(out_dir) as output:
        for page in pages:
            output.write(page.path, renderer.render(page).encode("utf-8"))
        for name, source in assets.items():
            output.copy_file(f"{ASSET_FOLDER}/{name}", source)
        for path, data in search_scripts(records, filter_vocabulary(site, translator)).items():
            output.write(path, data)
        for path, data in open_data_files(site, translator).items():
            output.write(path, data)
        if with_search:
            index = build_pagefind_index(records, pagefind_language(site, records), output.scratch)
            for name, source in merged_files([index]).items():
                output.copy_file(f"{PAGEFIND_FOLDER}/{name}", source)
        output.commit()

    return BuildReport(
        rounds=len(site.rounds),
        units=len({unit_id for _, unit_id in site.unit_rounds}),
        projects=len(site.histories),
        entries=sum(len(ur.entries) for ur in site.unit_rounds.values()),
        pages=len(pages),
        files=len(output.written),
        seconds=time.perf_counter() - started,
    )
