"""Every fixed name in one place: what a site folder holds, what the generator ships,
and the hidden folders a build keeps beside its output (or inside it, at a drive's root).
"""

from __future__ import annotations

from pathlib import Path

# A site folder.
SITE_FILE = "site.yaml"
CONTENT = "content"
UNITS_FILE = f"{CONTENT}/units.yaml"
UNITS_FILE_YML = f"{CONTENT}/units.yml"  # .yml is accepted everywhere else, so here too
LEDGER_FILE = "ledger.json"
LEDGER_PATH = f"{CONTENT}/{LEDGER_FILE}"
TEMPLATES = "templates"
STATIC = "static"
SITE_FOLDERS = (CONTENT, TEMPLATES, STATIC)
# Where `build` publishes by default, and where builds with draft rounds go (`build --drafts`,
# `serve`): never the same folder, so a preview cannot be uploaded by mistake.
PUBLIC_FOLDER = "public"
PREVIEW_FOLDER = "preview"
# What every page depends on besides its unit's files and the templates.
SETTINGS_FILES = (SITE_FILE, UNITS_FILE, UNITS_FILE_YML, LEDGER_PATH)

# The generator's own defaults, behind a site's templates/ and static/.
GENERATOR_FOLDER = Path(__file__).resolve().parent.parent
BUNDLED_TEMPLATES = GENERATOR_FOLDER / TEMPLATES
BUNDLED_STATIC = GENERATOR_FOLDER / STATIC


def overridable(site_dir: Path, name: str) -> list[Path]:
    """A site's own templates/ or static/ first, then the bundled one behind it (once, when
    the site is the generator's own sample)."""
    own = (site_dir / name).resolve()
    bundled = GENERATOR_FOLDER / name
    return [own] if own == bundled.resolve() else [own, bundled]


# Beside an output folder `public`: `.public.staging`, `.public.previous`, `.public.scratch`,
# `.public.cache`. Inside it: the stamp and, at a drive's root, the staging and scratch folders.
def beside(out_dir: Path, kind: str) -> Path:
    return out_dir.parent / f".{out_dir.name}.{kind}"


STAMP = ".bulletin-output"
INSIDE_STAGING = ".bulletin-staging"


def staging_places(out_dir: Path) -> tuple[Path, Path]:
    """Where a build of out_dir stages the new site: beside it, or inside it at a drive's root."""
    return beside(out_dir, "staging"), out_dir / INSIDE_STAGING


INSIDE_SCRATCH = ".bulletin-scratch"
JOURNAL = ".bulletin-journal.json"
