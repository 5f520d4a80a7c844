"""build_site(): the whole pipeline, one call per step, in order."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .config import load_site_config
from .content import load_content
from .i18n import load_translator
from .model import Site, build_model
from .output import StagedOutput, check_output_folder, merged_files
from .pages import ASSET_FOLDER, plan_pages
from .render import Renderer
from .search import (PAGEFIND_FOLDER, build_pagefind_index, filter_vocabulary, pagefind_language,
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


def load_site(site_dir: Path) -> Site:
    """Read and validate everything; raise ContentError listing every problem."""
    config, site_document = load_site_config(site_dir)
    content = load_content(site_dir, config, site_document)
    return build_model(config, content)


def build_site(site_dir: Path, out_dir: Path, with_search: bool = True) -> BuildReport:
    """Load, check, render, index and swap into place; with_search=False skips only the
    Pagefind index (the search page then uses its offline data everywhere)."""
    started = time.perf_counter()
    check_output_folder(out_dir, site_dir)
    site = load_site(site_dir)
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
        if with_search:
            with tempfile.TemporaryDirectory(prefix="bulletin-search-") as scratch:
                index = build_pagefind_index(records, pagefind_language(site, records), Path(scratch))
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
