"""The one owner of a build's output folder, and of what a build keeps beside it.

`OutputFolder` opens the output under the rule of which folders a build may replace
(output_rule), locks it, completes whatever a killed build left (output_swap), and
stages the new site in a folder beside it. Every file of the new site passes through
one decision, the main process's and the worker processes' alike
(`write_unless_unchanged`): a file whose bytes are those the previous build wrote is
kept, untouched; any other is written into the staging folder. `commit` puts the new
site in place with its stamp, then the cache the next build starts from.

Paths are joined safely (nothing lands outside the output folder) and no path is
written twice.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable

from .cache import (BuildState, PartsReader, clear_cache, compiled_templates_folder, file_record, forget_state,
                    keep_parts, output_matches, parts_folder, qr_folder, read_state, write_state)
from .layout import INSIDE_SCRATCH, INSIDE_STAGING, JOURNAL, STAMP, beside
from .messages import _
from .output_rule import OutputProblem, check_output_folder, read_stamp, stages_inside, stamp_bytes
from .output_swap import (_exchange, _read_bytes, _remove, apply_journal, drop_lone_lock, lock_output,
                          recover_interrupted_swap, safe_join, write_journal)

__all__ = ["OutputFolder", "OutputProblem", "merged_files", "safe_join", "write_file", "write_unless_unchanged"]


def write_file(root: Path, relative: str, data: bytes) -> os.stat_result:
    """Write root/relative (a staging folder's file); return its status as written."""
    target = safe_join(root, relative)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target.stat()
    except OSError as error:  # a full disk, a read-only folder: the previous site is untouched
        raise OutputProblem(_("cannot write {path} into {folder}: {reason}", path=relative, folder=root,
                              reason=error.strerror or error)) from None


def unchanged(before: list | None, sha256: str) -> bool:
    """The one keep-or-write decision: a file whose bytes are those of the previous build's
    file (`before`, its record) is kept as it is."""
    return before is not None and before[0] == sha256


def write_unless_unchanged(staging: Path, relative: str, data: bytes, before: list | None) -> tuple[list, bool]:
    """(the file's record, whether it was written into staging), as `unchanged` decides."""
    sha256 = hashlib.sha256(data).hexdigest()
    if unchanged(before, sha256):
        return before, False
    return file_record(sha256, write_file(staging, relative, data)), True


class OutputFolder:
    """A build's output folder, from the moment it is opened until the new site is in place.

    Beside the output live only hidden folders of this build: the staging folder, a
    scratch folder for tools (the search indexer), the cache, and for an instant during
    the swap the previous site. Where there is no room beside the output (the root of a
    USB stick), the staging and scratch folders are made inside it instead, no cache is
    kept, and the new site is moved in file by file through a journal. Two builds of the
    same output never run at once: the second stops with a message.
    """

    def __init__(self, out_dir: Path, site_dir: Path, full: bool = False):
        self.out_dir = out_dir
        self.site_dir = site_dir
        self.full = full
        self.inside = False
        self.incremental = False  # set by start_from(): stage changed files only, and apply them in place
        self.staging = beside(out_dir, "staging")
        self.scratch = beside(out_dir, "scratch")
        self.last: BuildState | None = None  # the last build's state, whatever it was built from
        self.previous: BuildState | None = None  # the same, when this build may keep what it made
        self.records: dict[str, list] = {}  # every file of the new site -> [sha256, size, mtime, inode]
        self.staged: list[str] = []  # the files this build wrote
        self.deleted: list[str] = []
        self._claimed: set[str] = set()
        self._streams = 0
        self._lock: int | None = None

    # --- opening ------------------------------------------------------------------------------------------

    def __enter__(self) -> "OutputFolder":
        check_output_folder(self.out_dir, self.site_dir)  # before anything is written, moved or created
        self.inside = stages_inside(self.out_dir)
        if self.inside:  # at a drive's root there is no room beside the output, for a cache either
            self.full, self.incremental = True, True
            self.staging, self.scratch = self.out_dir / INSIDE_STAGING, self.out_dir / INSIDE_SCRATCH
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputProblem(_("cannot create {folder}: {reason}", folder=self.out_dir.parent,
                                  reason=error.strerror or error)) from None
        self._lock = lock_output(self.out_dir)
        try:
            recover_interrupted_swap(self.out_dir)  # the last good site back in place, whatever this build does
            if self.full:
                clear_cache(self.out_dir)
            for leftover in (self.staging, self.scratch):  # left behind by a build that was killed
                _remove(leftover)
            self.staging.mkdir()
            self.scratch.mkdir()
        except OSError as error:
            self._unlock()
            raise OutputProblem(_("cannot prepare a build beside {folder}: {reason}", folder=self.out_dir,
                                  reason=error.strerror or error)) from None
        except BaseException:
            self._unlock()
            raise
        if not self.inside:
            self.last = read_state(self.out_dir, self.site_dir)
        return self

    def start_from(self, settings: str) -> BuildState | None:
        """The last build's state, when this build may keep what it made: it was built with
        the same settings, and the output still holds exactly the files it wrote."""
        last = self.last
        if (not self.full and last is not None and last.settings == settings
                and output_matches(self.out_dir, last.files, ignore=STAMP)):
            self.previous, self.incremental = last, True
        return self.previous

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if not (self.staging / JOURNAL).is_file():  # a journal stopped midway is completed by the next build
                _remove(self.staging)  # after a commit it is already gone
            _remove(self.scratch)
        finally:
            self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            drop_lone_lock(self.out_dir)  # while still holding it: no other build can be using that file
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = None

    def qr_codes(self, base_url: str) -> Path | None:
        """Where this build reads and keeps the printed pages' QR codes; None at a drive's root,
        where a build keeps no cache."""
        return None if self.inside else qr_folder(self.out_dir, base_url)

    def compiled_templates(self) -> Path | None:
        """Where this build keeps the templates Jinja compiled; None at a drive's root."""
        return None if self.inside else compiled_templates_folder(self.out_dir)

    @property
    def new_parts(self) -> Path:
        """Where this build's units store their parts until the commit keeps them."""
        return self.scratch / "parts"

    def parts(self) -> PartsReader:
        """The units' stored parts: this build's, then those the last build kept."""
        return PartsReader([self.new_parts, parts_folder(self.out_dir)])

    # --- the files of the new site ------------------------------------------------------------------------

    def claim(self, relative: str) -> None:
        """Reserve an output path; two files at one path (or at two that differ only in
        case, the same file on Windows and macOS disks) are refused."""
        folded = relative.casefold()
        if folded in self._claimed or folded == STAMP:
            raise OutputProblem(_("two pages would be written to {path}", path=relative))
        self._claimed.add(folded)

    def before(self, relative: str) -> list | None:
        """The previous build's record of the file, in an incremental build."""
        return self.previous.files.get(relative) if self.previous is not None else None

    def emit(self, relative: str, data: bytes) -> None:
        """A file of the new site, kept as it is when its bytes have not changed."""
        self.claim(relative)
        record, written = write_unless_unchanged(self.staging, relative, data, self.before(relative))
        self.adopt(relative, record, written)

    def adopt(self, relative: str, record: list, written: bool) -> None:
        """A file already decided on: kept (`written` False) or written into the staging folder,
        by this process or a worker."""
        self.records[relative] = record
        if written:
            self.staged.append(relative)

    def keep(self, relative: str) -> None:
        """The previous build's file, made from unchanged inputs: not even made again."""
        self.claim(relative)
        self.adopt(relative, self.previous.files[relative], False)

    def open_stream(self, relative: str) -> "Stream":
        """A file made piece by piece (a province's open data is hundreds of MB): written
        as it comes while hashed; see finish_stream."""
        self._streams += 1
        return Stream(relative, self.scratch / f"assembled-{self._streams}.tmp")

    def finish_stream(self, stream: "Stream") -> None:
        """Put a streamed file in place, or drop it if its bytes are the previous build's."""
        self.claim(stream.path)
        before = self.before(stream.path)
        sha256 = stream.hasher.hexdigest()
        if unchanged(before, sha256):
            stream.temporary.unlink()
            self.adopt(stream.path, before, False)
            return
        target = safe_join(self.staging, stream.path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stream.temporary, target)
            status = target.stat()
        except OSError as error:
            raise OutputProblem(_("cannot write {path} into {folder}: {reason}", path=stream.path,
                                  folder=self.staging, reason=error.strerror or error)) from None
        self.adopt(stream.path, file_record(sha256, status), True)

    # --- putting it in place ------------------------------------------------------------------------------

    def commit(self, state: BuildState | None = None) -> None:
        """Put the new site in place with its stamp, then keep its state (when given) and
        its units' parts for the next build. Nothing is touched when the state and the
        files are the last build's."""
        if state is not None and state == self.previous and read_stamp(self.out_dir) == set(self.records):
            return
        forget_state(self.out_dir)  # until the output is what the new state describes
        if self.previous is not None:
            self.deleted = sorted(set(self.previous.files) - set(self.records))
        self._put_in_place(set(self.records))
        if self.inside or state is None:
            return
        try:
            keep_parts(self.new_parts, self.out_dir, {unit.key for unit in state.units.values()})
            write_state(self.out_dir, state)
        except OSError:
            forget_state(self.out_dir)  # the site is built; only the next build's head start is lost

    def _put_in_place(self, files: set[str]) -> None:
        """One atomic exchange where the system offers it, so the output folder exists at
        every moment; else two renames, and an interrupted swap is undone by the next build.
        An incremental build, and one staged inside the output, applies a journal instead."""
        stamp = stamp_bytes(files)
        try:
            if self.inside:
                self.deleted = sorted((read_stamp(self.out_dir) or set()) - files)
            if not self.incremental or _read_bytes(self.out_dir / STAMP) != stamp:
                write_file(self.staging, STAMP, stamp)
                self.staged.append(STAMP)
            if self.incremental:
                if self.staged or self.deleted:
                    write_journal(self.staging, sorted(set(self.staged)), sorted(set(self.deleted)))
                    apply_journal(self.staging, self.out_dir)
                return
            previous = beside(self.out_dir, "previous")
            _remove(previous)
            if self.out_dir.exists() and _exchange(self.staging, self.out_dir):
                _remove(self.staging)  # it now holds the previous site
                return
            if self.out_dir.exists():
                os.replace(self.out_dir, previous)
            os.replace(self.staging, self.out_dir)
            _remove(previous)
        except OSError as error:
            if self.incremental:
                raise OutputProblem(_("cannot put the new site in place at {folder}: {reason}; the next build "
                                      "completes it", folder=self.out_dir, reason=error.strerror or error)) from None
            raise OutputProblem(_("cannot put the new site in place at {folder}: {reason}", folder=self.out_dir,
                                  reason=error.strerror or error)) from None


class Stream:
    """A file of the new site written in pieces into the scratch folder, hashed as it goes."""

    def __init__(self, path: str, temporary: Path):
        self.path = path
        self.temporary = temporary
        self.hasher = hashlib.sha256()
        try:
            self.handle = open(temporary, "wb")
        except OSError as error:
            raise OutputProblem(_("cannot write {path}: {reason}", path=path, reason=error.strerror or error)) from None

    def write(self, data: bytes) -> None:
        self.hasher.update(data)
        try:
            self.handle.write(data)
        except OSError as error:
            raise OutputProblem(_("cannot write {path}: {reason}", path=self.path,
                                  reason=error.strerror or error)) from None

    def close(self) -> None:
        try:
            self.handle.close()
        except OSError as error:
            raise OutputProblem(_("cannot write {path}: {reason}", path=self.path,
                                  reason=error.strerror or error)) from None


def merged_files(folders: Iterable[Path]) -> dict[str, Path]:
    """Files under several folders by relative path; earlier folders win, file by file."""
    found: dict[str, Path] = {}
    for folder in reversed(list(folders)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts):
                found[path.relative_to(folder).as_posix()] = path
    return dict(sorted(found.items()))
