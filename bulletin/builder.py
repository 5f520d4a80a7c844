"""build_site(): the whole pipeline, one call per step, in order.

1. read site.yaml, the unit registry and the ledger; find every unit file;
2. build each unit on its own (unitwork), in parallel worker processes, skipping
   the units whose inputs the cache shows unchanged;
3. render the site-wide pages from the units' summaries, and assemble the open
   data and search files from the units' stored parts;
4. index the search shards whose units changed;
5. put the files whose bytes changed in place, and record the new state.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

from .cache import (BuildState, DamagedCache, PartsReader, cache_folder, clear_cache, digest, file_digest, file_record, folder_fingerprint, forget_state,
                    generator_fingerprint, keep_parts, output_matches, parts_folder, read_state, write_state)
from .config import SiteConfig
from .content import Content
from .i18n import load_translator
from .layout import SETTINGS_FILES, STATIC, TEMPLATES, overridable
from .loader import read_site
from .model import Site, UnitRoundSummary, build_model
from .opendata import Joined, all_projects_layout, round_csv_layout, round_json_layout
from .output import (STAMP, OutputProblem, StagedOutput, check_output_folder, merged_files, read_stamp,
                     recover_interrupted_swap, stages_inside)
from .pages import ALL_PROJECTS_DATA, ASSET_FOLDER, plan_site_pages, round_data_path, round_path
from .problems import ContentError
from .progress import Progress
from .render import Renderer, TemplateProblem
from .search import (SEARCH_FOLDER, SearchProblem, build_pagefind_index, filter_vocabulary, offline_data_layout,
                     pagefind_language, shard_count, shard_folder, shard_of, t2s_script)
from .unitwork import BuildContext, UnitJob, UnitOutcome, build_unit, set_context, worker_started



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


# Every way a build can fail that is reported as a message, never a traceback.
BUILD_PROBLEMS = (ContentError, TemplateProblem, OutputProblem, SearchProblem)


# Below this much content, worker processes cost more than they save.
PARALLEL_FROM_BYTES = 2_000_000


def build_site(site_dir: Path, out_dir: Path, with_search: bool = True, until_round: str | None = None,
               progress: Progress | None = None, jobs: int | None = None, full: bool = False) -> BuildReport:
    """Load, check, render, index and put in place; with_search=False skips only the
    Pagefind index (the search page then uses its offline data everywhere). A build
    into a folder built before reuses what did not change (see cache), unless `full`."""
    started = time.perf_counter()
    progress = progress or Progress.quiet()
    check_output_folder(out_dir, site_dir)  # before anything is written, moved or created
    if stages_inside(out_dir):
        full = True  # at a drive's root there is no room beside the output for a cache
    try:
        recover_interrupted_swap(out_dir)  # even when this build fails, the last good site is back in place
    except OSError:
        pass  # another build is finishing the same; this one stops at the lock
    if full or not cache_folder(out_dir).is_dir() or cache_folder(out_dir).is_symlink():
        clear_cache(out_dir)
    try:
        report = _build(site_dir, out_dir, with_search, until_round, progress, jobs, full)
    except DamagedCache:
        clear_cache(out_dir)  # a part stored by an earlier build no longer passes its check
        report = _build(site_dir, out_dir, with_search, until_round, progress, jobs, True)
    finally:
        progress.done()
    return replace(report, seconds=time.perf_counter() - started)


def _build(site_dir: Path, out_dir: Path, with_search: bool, until_round: str | None, progress: Progress,
           jobs: int | None, full: bool) -> BuildReport:

    progress.stage("reading")
    site_sources = read_site(site_dir, until_round)
    config, ledger, problems = site_sources.config, site_sources.ledger, list(site_sources.problems)
    registry = build_model(config, Content(site_sources.tree.units, ()))
    template_dirs = overridable(site_dir, TEMPLATES)
    translator = load_translator(config.language, template_dirs, site_dir)
    renderer = Renderer(registry, translator, template_dirs)
    renderer.preload()
    settings = _settings_key(site_dir, template_dirs, until_round)
    previous = read_state(out_dir, site_dir)
    known_sources = previous.sources if previous is not None and not full else {}
    incremental = (not full and previous is not None and previous.settings == settings
                   and output_matches(out_dir, previous.files, ignore=STAMP))
    if not incremental:
        previous = None

    unit_entries, files = site_sources.registry, site_sources.unit_files
    sources = _source_digests([source.path for unit_sources in files.values() for source in unit_sources],
                              known_sources)
    keys = {unit_id: digest(settings, unit_id, *[f"{s.round_id}/{s.path.name}:{sources[str(s.path)][0]}"
                                                 for s in unit_files])
            for unit_id, unit_files in files.items()}
    with StagedOutput(out_dir, incremental=incremental) as output:
        new_parts = output.scratch / "parts"
        reader = PartsReader([new_parts, parts_folder(out_dir)])
        context = BuildContext(site_dir, output.staging, new_parts, config, translator, renderer, ledger,
                               filter_vocabulary(registry, translator), check_only=bool(problems),
                               with_search=with_search)
        todo, kept = [], {}
        for unit_id, unit in unit_entries.items():
            before = previous.units.get(unit_id) if previous else None
            if (before and before["key"] == keys[unit_id] and reader.read(keys[unit_id], []) is not None
                    and (not with_search or "documents" in before["parts"])):
                kept[unit_id] = before
            else:
                pages = {path: previous.files[path] for path in before["pages"]} if before else None
                todo.append(UnitJob(unit, files[unit_id], keys[unit_id], pages if previous else None))

        content_bytes = sum(sources[str(source.path)][1] for job in todo for source in job.files)
        outcomes = _run_units(context, todo, _worker_count(jobs, content_bytes), progress)
        for outcome in outcomes:
            problems += outcome.problems
        if problems:
            raise ContentError(problems)

        records: dict[str, list] = {}
        units_state: dict[str, dict] = {}
        for unit_id, before in kept.items():
            units_state[unit_id] = before
            for path in before["pages"]:
                output.claim(path)
                records[path] = previous.files[path]
        for outcome in outcomes:
            units_state[outcome.unit_id] = {"key": outcome.key, "pages": sorted(outcome.pages),
                                            "parts": outcome.parts, "summary": outcome.summary}
            for path, record in outcome.pages.items():
                output.claim(path)
                records[path] = record
                if previous is None or previous.files.get(path) != record:
                    output.staged_elsewhere(path)

        writer = _Writer(output, previous, records)
        site = _site_from_summaries(registry, units_state)
        inputs: dict[str, str] = {}
        shards: dict[str, list[str]] = {}
        progress.stage("site pages")
        projects = sum(state["summary"]["projects"] for state in units_state.values())
        order = [unit.id for unit in registry.units]
        shard_plan = _shard_plan(units_state, order, shard_count(projects, config.search_shard_size))
        merged = tuple(folder for folder, _ in shard_plan[1:]) if with_search else ()
        site_page_inputs = _site_page_inputs(settings, site, units_state, order, merged)
        for page in plan_site_pages(site, merged_indexes=merged):
            made_from = site_page_inputs.get(page.path)
            if made_from is not None:
                inputs[page.path] = made_from
                if previous is not None and previous.inputs.get(page.path) == made_from and page.path in previous.files:
                    writer.keep(page.path)  # the figures it shows are unchanged: not even rendered
                    continue
            writer.emit(page.path, renderer.render(page, site).encode("utf-8"))
        for name, source in merged_files(overridable(site_dir, STATIC)).items():
            writer.emit(f"{ASSET_FOLDER}/{name}", source.read_bytes())

        indexer = None
        if with_search:
            language = pagefind_language(config, any(s["summary"]["cjk"] for s in units_state.values()))
            indexer = _ShardIndexer(writer, reader, units_state, shard_plan, language, settings, previous,
                                    inputs, shards, output.scratch, jobs or os.cpu_count() or 1)
        try:
            progress.stage("open data")
            dirty = []
            for path, (section, layout) in _assembled_files(config, site, context.vocabulary).items():
                inputs[path] = digest(settings, path, *[f"{unit_id}:{units_state[unit_id]['parts'].get(section, '')}"
                                                        for unit_id in order] if section else [])
                if previous is not None and previous.inputs.get(path) == inputs[path] and path in previous.files:
                    writer.keep(path)
                else:
                    dirty.append((path, section, layout))
            _assemble(writer, reader, dirty, [units_state[unit_id]["key"] for unit_id in order], output.scratch)
            if indexer is not None:
                indexer.finish(progress)
        finally:
            if indexer is not None:
                indexer.close()

        if previous is not None:
            for path in previous.files:
                if path not in records:
                    output.delete(path)
        progress.stage("writing")
        state = BuildState(str(site_dir.resolve()), str(out_dir.resolve()), settings, with_search,
                           records, units_state, inputs, shards, sources)
        if state != previous or read_stamp(out_dir) != set(records):
            forget_state(out_dir)  # until the output is what the new state describes
            output.commit(records)
            if output.inside:
                return _report(site, units_state, records, output, outcomes, incremental)
            try:
                keep_parts(new_parts, out_dir, {unit["key"] for unit in units_state.values()})
                write_state(out_dir, state)
            except OSError:
                forget_state(out_dir)  # the site is built; only the next build's head start is lost

    return _report(site, units_state, records, output, outcomes, incremental)


def _report(site: Site, units_state: dict[str, dict], records: dict[str, list], output: StagedOutput,
            outcomes: list[UnitOutcome], incremental: bool) -> BuildReport:
    html_pages = sum(1 for path in records if path.endswith(".html") and not path.startswith(("pagefind/",
                                                                                                ASSET_FOLDER + "/")))
    return BuildReport(
        rounds=len(site.rounds),
        units=len({unit_id for _, unit_id in site.unit_rounds}),
        projects=sum(state["summary"]["projects"] for state in units_state.values()),
        entries=sum(state["summary"]["entries"] for state in units_state.values()),
        pages=html_pages,
        files=len(records),
        seconds=0.0,
        written=len(set(output.staged)),
        deleted=len(output.deleted),
        units_built=len(outcomes),
        incremental=incremental,
    )


def check_site(site_dir: Path, progress: Progress | None = None, jobs: int | None = None) -> tuple[int, int, int]:
    """Validate everything a build would, writing nothing: (rounds, units, project entries),
    or ContentError. Units are checked in parallel, as a build does."""
    progress = progress or Progress.quiet()
    try:
        sources = read_site(site_dir)
        config, ledger, problems = sources.config, sources.ledger, list(sources.problems)
        unit_entries, files = sources.registry, sources.unit_files
        todo = [UnitJob(unit, files[unit_id], "", None) for unit_id, unit in unit_entries.items()]
        context = BuildContext(site_dir, Path(), Path(), config, None, None, ledger, {}, check_only=True,
                               with_search=False)
        content_bytes = sum(_size(source.path) for job in todo for source in job.files)
        outcomes = _run_units(context, todo, _worker_count(jobs, content_bytes), progress)
    finally:
        progress.done()
    problems += [problem for outcome in outcomes for problem in outcome.problems]
    if problems:
        raise ContentError(problems)
    return len(config.rounds), len(sources.tree.units), sum(outcome.summary["entries"] for outcome in outcomes)


def _settings_key(site_dir: Path, template_dirs: list[Path], until_round: str | None) -> str:
    """Everything every page depends on besides its unit's files: the generator, site.yaml,
    the registry, the ledger, templates and translations."""
    inputs: list[str | bytes] = [generator_fingerprint(), until_round or "", folder_fingerprint(template_dirs)]
    for name in SETTINGS_FILES:
        path = site_dir / name
        inputs += [name, path.read_bytes() if path.is_file() else b"-"]
    return digest(*inputs)


def _source_digests(paths: list[Path], known: dict[str, list]) -> dict[str, list]:
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
        return file_digest(path)
    except OSError:
        return "unreadable"  # reported with its location when the unit is built


def _worker_count(jobs: int | None, content_bytes: int) -> int:
    """--jobs, else BULLETIN_JOBS, else one per CPU for content large enough to gain from it."""
    if jobs is None and os.environ.get("BULLETIN_JOBS", "").isdigit():
        jobs = int(os.environ["BULLETIN_JOBS"])
    if jobs is None:
        jobs = (os.cpu_count() or 1) if content_bytes >= PARALLEL_FROM_BYTES else 1
    return max(1, min(jobs, 32))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _run_units(context: BuildContext, todo: list[UnitJob], workers: int, progress: Progress) -> list[UnitOutcome]:
    progress.stage("building units")
    if not todo:
        return []
    set_context(context)
    outcomes: list[UnitOutcome] = []
    pages = 0

    def collect(results: Iterable[UnitOutcome]) -> None:
        nonlocal pages
        for outcome in results:
            outcomes.append(outcome)
            pages += len(outcome.pages)
            progress.count(len(outcomes), len(todo), f"units, {pages:,} pages")

    try:
        if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
            collect(build_unit(job) for job in todo)
        else:
            chunk = max(1, min(16, len(todo) // (workers * 8)))
            with multiprocessing.get_context("fork").Pool(workers, initializer=worker_started) as pool:
                collect(pool.imap_unordered(build_unit, todo, chunksize=chunk))
    finally:
        set_context(None)
    return outcomes


class _Writer:
    """Writes a file only when its bytes differ from the previous build's."""

    def __init__(self, output: StagedOutput, previous: BuildState | None, records: dict[str, list]):
        self.output = output
        self.previous = previous
        self.records = records
        self.streams = 0

    def _unchanged(self, path: str, sha256: str) -> bool:
        """True, and the previous file kept, when its bytes are the ones the file would get."""
        before = self.previous.files.get(path) if self.previous else None
        if before is None or before[0] != sha256:
            return False
        self.output.claim(path)
        self.records[path] = before
        return True

    def emit(self, path: str, data: bytes) -> None:
        sha256 = hashlib.sha256(data).hexdigest()
        if not self._unchanged(path, sha256):
            self.records[path] = file_record(sha256, self.output.write(path, data))

    def open_stream(self, path: str, scratch: Path) -> "_Stream":
        """A file made piece by piece (a province's open data is hundreds of MB): written
        as it comes while hashed; see finish_stream."""
        self.streams += 1
        return _Stream(path, scratch / f"assembled-{self.streams}.tmp")

    def finish_stream(self, stream: "_Stream") -> None:
        """Put the file in place, or drop it if its bytes are the previous build's."""
        sha256 = stream.hasher.hexdigest()
        if self._unchanged(stream.path, sha256):
            stream.temporary.unlink()
        else:
            self.records[stream.path] = file_record(sha256, self.output.move_in(stream.path, stream.temporary))

    def keep(self, path: str) -> None:
        """The previous build's file, whose inputs are unchanged: not even made again."""
        self.output.claim(path)
        self.records[path] = self.previous.files[path]


class _Stream:
    def __init__(self, path: str, temporary: Path):
        self.path = path
        self.temporary = temporary
        self.hasher = hashlib.sha256()
        try:
            self.handle = open(temporary, "wb")
        except OSError as error:
            raise OutputProblem(f"cannot write {path}: {error.strerror or error}") from None

    def write(self, data: bytes) -> None:
        self.hasher.update(data)
        try:
            self.handle.write(data)
        except OSError as error:
            raise OutputProblem(f"cannot write {self.path}: {error.strerror or error}") from None

    def close(self) -> None:
        try:
            self.handle.close()
        except OSError as error:
            raise OutputProblem(f"cannot write {self.path}: {error.strerror or error}") from None


def _site_page_inputs(settings: str, site: Site, units_state: dict[str, dict], order: list[str],
                      merged: tuple[str, ...]) -> dict[str, str]:
    """What each site-wide page is made from besides the settings: a round's bulletin, the
    units' figures that round; the home page, every round's; the search page, the shards."""
    figures = {rnd.id: json.dumps([[unit_id, units_state[unit_id]["summary"]["rounds"].get(rnd.id)]
                                   for unit_id in order], ensure_ascii=False) for rnd in site.rounds}
    inputs = {round_path(rnd.id): digest(settings, round_path(rnd.id), figures[rnd.id]) for rnd in site.rounds}
    inputs["index.html"] = digest(settings, "index.html", *figures.values())
    inputs["search.html"] = digest(settings, "search.html", *merged)
    return inputs


def _site_from_summaries(registry: Site, units_state: dict[str, dict]) -> Site:
    rounds = {rnd.id: rnd for rnd in registry.rounds}
    unit_rounds = {}
    for unit in registry.units:
        for round_id, (submitted, count, counts) in units_state[unit.id]["summary"]["rounds"].items():
            unit_rounds[(round_id, unit.id)] = UnitRoundSummary(unit, rounds[round_id], count,
                                                                Counter(dict(counts)), submitted)
    return replace(registry, unit_rounds=unit_rounds)


def _assembled_files(config: SiteConfig, site: Site, vocabulary: dict[str, list[str]]
                     ) -> dict[str, tuple[str | None, Joined]]:
    """Each site-wide file made of the units' parts: the section it takes from every unit
    (None: none), and how the file joins them."""
    files: dict[str, tuple[str | None, Joined]] = {ALL_PROJECTS_DATA: ("histories", all_projects_layout(config, site.rounds))}
    for rnd in site.rounds:
        files[round_data_path(rnd.id, "json")] = (f"json:{rnd.id}", round_json_layout(config, rnd))
        files[round_data_path(rnd.id, "csv")] = (f"csv:{rnd.id}", round_csv_layout())
    files[f"{SEARCH_FOLDER}/offline-data.js"] = ("offline", offline_data_layout(vocabulary))
    files[f"{SEARCH_FOLDER}/t2s.js"] = (None, Joined(t2s_script()))
    return files


def _assemble(writer: "_Writer", reader: PartsReader, files: list[tuple[str, str | None, Joined]],
              keys: list[str], scratch: Path) -> None:
    """Write the files in one pass over the units, reading each unit's stored parts once."""
    if not files:
        return
    sections = sorted({section for _, section, _ in files if section})
    streams = [writer.open_stream(path, scratch) for path, _, _ in files]
    try:
        for stream, (_, _, layout) in zip(streams, files):
            stream.write(layout.head)
        started = [False] * len(files)
        for key in keys:
            found = reader.read(key, sections) if sections else {}
            if found is None:
                raise DamagedCache(key)
            for index, (stream, (_, section, layout)) in enumerate(zip(streams, files)):
                part = found.get(section, b"") if section else b""
                if part:
                    if started[index]:
                        stream.write(layout.separator)
                    stream.write(layout.escape(part) if layout.escape else part)
                    started[index] = True
        for stream, (_, _, layout) in zip(streams, files):
            stream.write(layout.tail)
    finally:
        for stream in streams:
            stream.close()
    for stream in streams:
        writer.finish_stream(stream)


def _read_sections(reader: PartsReader, wanted: list[tuple[str, list[str]]]) -> Iterator[bytes]:
    """The sections of each unit in turn, read as they are needed."""
    for key, sections in wanted:
        found = reader.read(key, sections)
        if found is None:
            raise DamagedCache(key)
        for section in sections:
            yield found[section]


def _shard_plan(units_state: dict[str, dict], order: list[str], shard_total: int) -> list[tuple[str, list[str]]]:
    """The search index shards that have projects, each with its folder and units. Pagefind
    cannot index nothing, so an empty shard (fewer units than shards) has no folder."""
    members: dict[int, list[str]] = {}
    for unit_id in order:
        if units_state[unit_id]["summary"]["projects"]:
            members.setdefault(shard_of(unit_id, shard_total), []).append(unit_id)
    return [(shard_folder(rank), members[shard]) for rank, shard in enumerate(sorted(members))]


class _ShardIndexer:
    """Indexes each search shard whose units changed, in threads (the indexer is a separate
    program, so it runs while this process assembles the open data); keeps the others'
    files as they are."""

    def __init__(self, writer: _Writer, reader: PartsReader, units_state: dict[str, dict],
                 shard_plan: list[tuple[str, list[str]]], language: str, settings: str,
                 previous: BuildState | None, inputs: dict[str, str], shards: dict[str, list[str]],
                 scratch: Path, workers: int):
        self.writer, self.reader, self.units_state = writer, reader, units_state
        self.language, self.shards = language, shards
        self.dirty = []
        for shard, (folder, unit_ids) in enumerate(shard_plan):
            inputs[folder] = digest(settings, language, folder,
                                    *[f"{u}:{units_state[u]['parts'].get('documents', '')}" for u in unit_ids])
            if (previous is not None and previous.inputs.get(folder) == inputs[folder]
                    and folder in previous.shards and all(path in previous.files for path in previous.shards[folder])):
                shards[folder] = previous.shards[folder]
                for path in shards[folder]:
                    writer.keep(path)
            else:
                self.dirty.append((shard, folder, unit_ids))
        # The indexer's thousands of small working files, in memory where the system offers a
        # RAM disk: creating files costs more than indexing them on some disks.
        self.working = scratch
        if self.dirty and Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
            self.working = Path(tempfile.mkdtemp(prefix="bulletin-index-", dir="/dev/shm"))
        self.scratch = scratch
        self.pool = ThreadPoolExecutor(max_workers=min(workers, 2))  # the indexer itself uses every core
        self.futures = [self.pool.submit(self._index, item) for item in self.dirty]

    def _index(self, item: tuple[int, str, list[str]]) -> tuple[str, Path]:
        shard, folder, unit_ids = item
        documents = []
        for text in _read_sections(self.reader, [(self.units_state[u]["key"], ["documents"]) for u in unit_ids]):
            documents += json.loads(text) if text else []
        return folder, build_pagefind_index(documents, self.language, self.working / f"shard-{shard}")

    def finish(self, progress: Progress) -> None:
        """Put every re-indexed shard's files in the output."""
        progress.stage("search index")
        for done, future in enumerate(self.futures, start=1):
            folder, index = future.result()
            files = merged_files([index])
            self.shards[folder] = [f"{folder}/{name}" for name in files]
            for name, source in files.items():
                self.writer.emit(f"{folder}/{name}", source.read_bytes())
            shutil.rmtree(index.parent, ignore_errors=True)  # a shard's files, once copied
            progress.count(done, len(self.futures), "shards")

    def close(self) -> None:
        for future in self.futures:
            future.cancel()
        self.pool.shutdown(wait=True)
        if self.working != self.scratch:
            shutil.rmtree(self.working, ignore_errors=True)
