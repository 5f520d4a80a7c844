"""The search index: one Pagefind index per shard of units, re-made only for shards whose units changed.

Each unit stores its search records among its parts; a shard's index is made from
its units' records by the indexer (a separate program, run in threads so that it
works while this process assembles the open data), and its files join the site.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .assemble import read_sections
from .cache import BuildState, PartsReader, UnitState
from .files import digest
from .freshness import Freshness
from .messages import pgettext
from .output import OutputFolder, merged_files
from .progress import Progress
from .search import build_pagefind_index, shard_folder, shard_of


def shard_plan(units: dict[str, UnitState], order: list[str], shard_total: int) -> list[tuple[str, list[str]]]:
    """The search index shards that have projects, each with its folder and units. Pagefind
    cannot index nothing, so an empty shard (fewer units than shards) has no folder."""
    members: dict[int, list[str]] = {}
    for unit_id in order:
        if units[unit_id].summary.projects:
            members.setdefault(shard_of(unit_id, shard_total), []).append(unit_id)
    return [(shard_folder(rank), members[shard]) for rank, shard in enumerate(sorted(members))]


class ShardIndexer:
    """Indexes, in threads, each shard whose units' records changed; keeps the others' files."""

    def __init__(self, output: OutputFolder, reader: PartsReader, units: dict[str, UnitState],
                 plan: list[tuple[str, list[str]]], language: str, settings: str, freshness: Freshness,
                 shards: dict[str, list[str]], workers: int):
        self.output, self.reader, self.units = output, reader, units
        self.language, self.shards, self.plan = language, shards, plan
        previous: BuildState | None = freshness.previous
        self.dirty = []
        for shard, (folder, unit_ids) in enumerate(plan):
            made_from = digest(settings, language, folder,
                               *[f"{u}:{units[u].parts.get('documents', '')}" for u in unit_ids])
            files = previous.shards.get(folder) if previous is not None else None
            if freshness.current(folder, made_from, files):
                shards[folder] = files
                for path in files:
                    output.keep(path)
            else:
                self.dirty.append((shard, folder, unit_ids))
        # The indexer's thousands of small working files, in memory where the system offers a
        # RAM disk: creating files costs more than indexing them on some disks.
        self.working = output.scratch
        if self.dirty and Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
            self.working = Path(tempfile.mkdtemp(prefix="bulletin-index-", dir="/dev/shm"))
        self.pool = ThreadPoolExecutor(max_workers=min(workers, 2))  # the indexer itself uses every core
        self.futures = [self.pool.submit(self._index, item) for item in self.dirty]

    def _index(self, item: tuple[int, str, list[str]]) -> tuple[str, Path]:
        shard, folder, unit_ids = item
        documents = []
        for text in read_sections(self.reader, [(self.units[u].key, ["documents"]) for u in unit_ids]):
            documents += json.loads(text) if text else []
        return folder, build_pagefind_index(documents, self.language, self.working / f"shard-{shard}")

    def __enter__(self) -> "ShardIndexer":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self.close()

    def finish(self, progress: Progress) -> None:
        """Put every re-indexed shard's files in the output."""
        if self.plan:
            progress.stage(pgettext("progress", "search index"))
        for done, future in enumerate(self.futures, start=1):
            folder, index = future.result()
            files = merged_files([index])
            self.shards[folder] = [f"{folder}/{name}" for name in files]
            for name, source in files.items():
                self.output.emit(f"{folder}/{name}", source.read_bytes())
            shutil.rmtree(index.parent, ignore_errors=True)  # a shard's files, once copied
            progress.count(done, len(self.futures), pgettext("progress", "shards"))

    def close(self) -> None:
        for future in self.futures:
            future.cancel()
        self.pool.shutdown(wait=True)
        if self.working != self.output.scratch:
            shutil.rmtree(self.working, ignore_errors=True)
