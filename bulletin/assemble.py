"""The site-wide files joined from the units' parts: the open data.

Each unit, when it is built, stores its share of every such file (its rows of each
round's JSON and CSV, its histories already gzip-compressed) as parts in the cache.
A file is then the units' parts joined in display order (opendata.Joined), written in
one pass over the units that reads each unit's stored parts once.
"""

from __future__ import annotations

from typing import Iterator

from .cache import DamagedCache, PartsReader
from .config import SiteConfig
from .model import Site
from .i18n import Translator
from .opendata import Joined, Joining, all_projects_layout, column_labels, round_csv_layout, round_json_layout
from .output import OutputFolder
from .pages import ALL_PROJECTS_DATA, round_data_path
from .search import SEARCH_FOLDER, t2s_script


def assembled_files(config: SiteConfig, site: Site, translator: Translator) -> dict[str, tuple[str | None, Joined]]:
    """Each site-wide file made of the units' parts: the section it takes from every unit
    (None: none), and how the file joins them."""
    files: dict[str, tuple[str | None, Joined]] = {
        ALL_PROJECTS_DATA: ("histories.gz", all_projects_layout(config, site.rounds))}
    labels = column_labels(translator)
    for rnd in site.rounds:
        files[round_data_path(rnd.id, "json")] = (f"json:{rnd.id}", round_json_layout(config, rnd, labels))
        files[round_data_path(rnd.id, "csv")] = (f"csv:{rnd.id}", round_csv_layout(labels))
    files[f"{SEARCH_FOLDER}/t2s.js"] = (None, Joined(t2s_script()))
    return files


def assemble(output: OutputFolder, reader: PartsReader, files: list[tuple[str, str | None, Joined]],
             keys: list[str]) -> None:
    """Write the files in one pass over the units (their parts' keys, in display order)."""
    if not files:
        return
    sections = sorted({section for _, section, _ in files if section})
    streams = [output.open_stream(path) for path, _, _ in files]
    try:
        joinings = [Joining(layout, stream.write) for stream, (_, _, layout) in zip(streams, files)]
        for key in keys:
            found = reader.read(key, sections) if sections else {}
            if found is None:
                raise DamagedCache(key)
            for joining, (_, section, _) in zip(joinings, files):
                if section:
                    joining.add(found.get(section, b""))
        for joining in joinings:
            joining.finish()
    finally:
        for stream in streams:
            stream.close()
    for stream in streams:
        output.finish_stream(stream)


def read_sections(reader: PartsReader, wanted: list[tuple[str, list[str]]]) -> Iterator[bytes]:
    """The sections of each unit in turn, read as they are needed."""
    for key, sections in wanted:
        found = reader.read(key, sections)
        if found is None:
            raise DamagedCache(key)
        for section in sections:
            yield found[section]
