"""What each output of a build is made from, and the one rule that says whether it is current.

Every output made as a whole declares its inputs as one digest: a unit's pages (the
settings and the unit's files), a round's bulletin (the settings and every unit's
figures that round), the home and search pages, each open data file (the units' parts
it joins), each search shard (its units' search records). `Freshness.current` answers
for all of them alike: an output is current when the last build made it from the same
inputs and every file it made is still in place. A current output is kept as it is,
not even made again.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

from .cache import BuildState, UnitState, folder_fingerprint, generator_fingerprint
from .files import digest, file_sha256
from .content import SourceFile
from .layout import SETTINGS_FILES
from .pages import ALL_UNITS_PATH, round_path


class Freshness:
    def __init__(self, previous: BuildState | None):
        self.previous = previous
        self.inputs: dict[str, str] = {}  # what each output of this build is made from, for the next one

    def current(self, name: str, made_from: str, files: Iterable[str] | None) -> bool:
        """Whether the output `name`, made from `made_from`, can be kept: the last build made it
        from the same inputs, and each of its `files` (None: unknown) is still in place."""
        self.inputs[name] = made_from
        previous = self.previous
        return (previous is not None and files is not None and previous.inputs.get(name) == made_from
                and all(path in previous.files for path in files))

    def unit(self, unit_id: str) -> UnitState | None:
        return self.previous.units.get(unit_id) if self.previous is not None else None


def settings_key(site_dir: Path, template_dirs: list[Path], until_round: str | None, drafts: bool = False) -> str:
    """Everything every page depends on besides its unit's files: the generator, site.yaml (a
    round's draft: flag included), the registry, the ledger, templates and translations, and
    whether draft rounds are built: a preview and the public site never share what they made."""
    inputs: list[str | bytes] = [generator_fingerprint(), until_round or "", folder_fingerprint(template_dirs),
                                 "drafts" if drafts else "public"]
    for name in SETTINGS_FILES:
        path = site_dir / name
        inputs += [name, path.read_bytes() if path.is_file() else b"-"]
    return digest(*inputs)


def source_digests(paths: list[Path], known: dict[str, list]) -> dict[str, list]:
    """[sha256, size, mtime, ctime, inode] of each content file. A file whose status is
    the one recorded when it was last hashed is not read again: any write changes its
    ctime, which no one can set back (git decides the same way)."""
    found: dict[str, list] = {}
    to_hash = []
    for path in paths:
        try:
            status = path.stat()
        except OSError:
            found[str(path)] = ["unreadable", 0, 0, 0, 0]  # reported with its location when the unit is built
            continue
        signature = [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino]
        before = known.get(str(path))
        if before is not None and before[1:] == signature:
            found[str(path)] = before
        else:
            to_hash.append((path, signature))
    with ThreadPoolExecutor(max_workers=4) as pool:  # hashlib releases the GIL on large files
        for (path, signature), sha256 in zip(to_hash, pool.map(_digest_or_missing, [p for p, _ in to_hash])):
            found[str(path)] = [sha256, *signature]
    return found


def _digest_or_missing(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError:
        return "unreadable"  # reported with its location when the unit is built


def unit_key(settings: str, unit_id: str, files: tuple[SourceFile, ...], sources: dict[str, list]) -> str:
    """What a unit's pages and parts are made from: the settings and its own files."""
    return digest(settings, unit_id, *[f"{s.round_id}/{s.path.name}:{sources[str(s.path)][0]}" for s in files])


def site_page_inputs(settings: str, round_ids: list[str], units: dict[str, UnitState], order: list[str]
                     ) -> dict[str, str]:
    """What each site-wide page is made from besides the settings: a round's bulletin, the
    units' figures that round (the corrections of their lists included); the home page, every
    round's; the search page, only the settings (its filters' values are the registry's and
    the index's manifest)."""
    figures = {}
    for round_id in round_ids:
        shown = []
        for unit_id in order:
            found = units[unit_id].summary.rounds.get(round_id)
            shown.append([unit_id, None if found is None else [found.submitted, found.count, found.counts, found.overdue,
                                                               found.corrections]])
        figures[round_id] = json.dumps(shown, ensure_ascii=False)
    inputs = {round_path(round_id): digest(settings, round_path(round_id), figures[round_id])
              for round_id in round_ids}
    inputs["index.html"] = digest(settings, "index.html", *figures.values())
    # The all-units page lists each unit that has a page, with its latest list's figures.
    inputs[ALL_UNITS_PATH] = digest(settings, ALL_UNITS_PATH, *figures.values())
    inputs["search.html"] = digest(settings, "search.html")
    return inputs


def part_inputs(settings: str, name: str, section: str | None, units: dict[str, UnitState],
                order: list[str]) -> str:
    """What a file joined from the units' parts is made from: each unit's part of it."""
    return digest(settings, name, *([f"{unit_id}:{units[unit_id].parts.get(section, '')}" for unit_id in order]
                                    if section else []))


def sitemap_inputs(settings: str, page_paths: list[str]) -> str:
    """What the sitemap is made from: base_url (in the settings) and the pages there are."""
    return digest(settings, "sitemap", *sorted(page_paths))
