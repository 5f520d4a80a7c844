"""The search index: each shard's files joined from its units' shares, joined again only for
the shards whose units changed, and the manifest that names them (see search).

Each unit stores its share of the index (its words' postings by bucket, its facets) among
its parts and writes its own result lines with its pages; a shard's files are its units'
shares joined, which takes milliseconds, so an edit to one unit costs one shard's joining.
"""

from __future__ import annotations

from .cache import BuildState, DamagedCache, PartsReader, UnitState
from .files import digest
from .freshness import Freshness
from .output import OutputFolder
from .search import INDEX_SCRIPT, SEARCH_FOLDER, manifest_script, shard_buckets, shard_files, shard_folder, shard_of

SHARE = ("postings", "facets")  # the sections of a unit's parts that are its share of its shard


def shard_plan(units: dict[str, UnitState], order: list[str], shard_total: int) -> list[tuple[str, list[str]]]:
    """The shards that have projects, each with its folder and units (in the site's order)."""
    members: dict[int, list[str]] = {}
    for unit_id in order:
        if units[unit_id].summary.projects:
            members.setdefault(shard_of(unit_id, shard_total), []).append(unit_id)
    return [(shard_folder(rank), members[shard]) for rank, shard in enumerate(sorted(members))]


def write_search_index(output: OutputFolder, reader: PartsReader, units: dict[str, UnitState], order: list[str],
                       plan: list[tuple[str, list[str]]], vocabulary: dict[str, list[str]], settings: str,
                       freshness: Freshness, shards: dict[str, list[str]]) -> None:
    """Each shard's files (kept when its units' shares are unchanged), then the manifest."""
    previous: BuildState | None = freshness.previous
    listed = []
    for folder, unit_ids in plan:
        name = f"{SEARCH_FOLDER}/{folder}"
        made_from = digest(settings, name, *[f"{u}:{units[u].parts.get('postings', '')}:"
                                             f"{units[u].parts.get('facets', '')}" for u in unit_ids])
        files = previous.shards.get(folder) if previous is not None else None
        if freshness.current(name, made_from, files):
            for path in files:
                output.keep(path)
        else:
            postings, facets = [], []
            for unit_id in unit_ids:
                found = reader.read(units[unit_id].key, list(SHARE))
                if found is None:
                    raise DamagedCache(units[unit_id].key)
                postings.append(found["postings"])
                facets.append(found["facets"])
            made = shard_files(folder, postings, facets)
            for path, data in made.items():
                output.emit(path, data)
            files = list(made)
        shards[folder] = files
        listed.append((folder, shard_buckets(files)))
    summaries = [units[unit_id].summary for unit_id in order]
    output.emit(INDEX_SCRIPT, manifest_script(
        vocabulary, listed,
        categories=[value for summary in summaries for value in summary.categories],
        locations=[value for summary in summaries for value in summary.locations],
        overdue=any(summary.overdue_projects for summary in summaries)))
