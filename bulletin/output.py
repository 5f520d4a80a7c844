"""The only module that writes the output folder.

A build is written into a staging folder beside the output and put in place
only when complete, so a failed build never costs the last good site:

- a full build fills the staging folder and swaps it with the output folder in
  one atomic exchange;
- an incremental build stages only the files whose bytes changed, then writes a
  journal of the files to move in and the files to delete, and applies it. A
  build killed while applying is rolled forward by the next one, so the output
  is always, after recovery, one whole build's output.

Paths are joined safely (nothing lands outside the output folder) and no
path is written twice.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
from pathlib import Path


class OutputProblem(Exception):
    """The output folder cannot be used or written; the message says why."""


def check_output_folder(out_dir: Path, site_dir: Path) -> None:
    """Refuse an output folder whose replacement would delete staff's work."""
    out = out_dir.resolve()
    site = site_dir.resolve()
    if out == site or out in site.parents:
        raise OutputProblem(f"output folder {out_dir} contains the site itself; choose another --out")
    for protected in ("content", "templates", "static"):
        folder = (site / protected).resolve()
        if out == folder or folder in out.parents:
            raise OutputProblem(f"output folder {out_dir} is inside the site's {protected}/; choose another --out")
    if out.is_dir() and ((out / "site.yaml").exists() or (out / "content").is_dir()):
        raise OutputProblem(f"output folder {out_dir} holds a site's content (site.yaml or content/); "
                            "it would be replaced by the build: choose another --out")


def safe_join(root: Path, relative: str) -> Path:
    """root/relative, refusing anything that could escape root."""
    parts = relative.split("/")  # not PurePosixPath: it would quietly normalise "./x" and "a//b"
    if "\\" in relative or "\0" in relative or any(part in ("", ".", "..") for part in parts):
        raise OutputProblem(f"refusing to write outside the output folder: {relative!r}")
    return root.joinpath(*parts)


def write_file(root: Path, relative: str, data: bytes) -> os.stat_result:
    """Write root/relative (a staging folder's file); return its status as written."""
    target = safe_join(root, relative)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target.stat()
    except OSError as error:  # a full disk, a read-only folder: the previous site is untouched
        raise OutputProblem(f"cannot write {relative} into {root}: {error.strerror or error}") from None


class StagedOutput:
    """Collects a build in a staging folder; `commit()` swaps it into place.

    Beside the output live only hidden folders of this build: the staging
    folder, a scratch folder for tools (the search indexer), and for an instant
    during the swap the previous site. A build that was killed leaves them
    behind; the next one removes them before it starts. Two builds of the same
    output never run at once: the second stops with a message.
    """

    def __init__(self, out_dir: Path, incremental: bool = False):
        self.out_dir = out_dir
        self.incremental = incremental  # stage changed files only, and apply them in place
        self.staging = out_dir.parent / f".{out_dir.name}.staging"
        self.previous = out_dir.parent / f".{out_dir.name}.previous"
        self.scratch = out_dir.parent / f".{out_dir.name}.scratch"
        self.written: set[str] = set()
        self.staged: list[str] = []  # in an incremental build, the files to move into the output
        self.deleted: list[str] = []
        self._lock: int | None = None

    def __enter__(self) -> "StagedOutput":
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _lock_folder(self.out_dir.parent, self.out_dir)
        try:
            recover_interrupted_swap(self.out_dir)
            for leftover in (self.staging, self.scratch):  # left behind by a build that was killed
                _remove(leftover)
            self.staging.mkdir()
            self.scratch.mkdir()
        except OSError as error:
            self._unlock()
            raise OutputProblem(f"cannot prepare a build beside {self.out_dir}: {error.strerror or error}") from None
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, kind, error, traceback) -> None:
        try:
            _remove(self.staging)  # after a commit it is already gone
            _remove(self.scratch)
        finally:
            self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = None

    def claim(self, relative: str) -> None:
        """Reserve an output path; two files at one path (or at two that differ only in
        case, the same file on Windows and macOS disks) are refused."""
        if relative.casefold() in self.written:
            raise OutputProblem(f"two pages would be written to {relative}")
        self.written.add(relative.casefold())

    def write(self, relative: str, data: bytes) -> os.stat_result:
        self.claim(relative)
        status = write_file(self.staging, relative, data)
        self.staged.append(relative)
        return status

    def move_in(self, relative: str, source: Path) -> os.stat_result:
        """Stage a file written elsewhere (in the scratch folder) by moving it."""
        self.claim(relative)
        target = safe_join(self.staging, relative)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            status = target.stat()
        except OSError as error:
            raise OutputProblem(f"cannot write {relative} into {self.staging}: {error.strerror or error}") from None
        self.staged.append(relative)
        return status

    def staged_elsewhere(self, relative: str) -> None:
        """A file another process wrote into the staging folder."""
        self.staged.append(relative)

    def delete(self, relative: str) -> None:
        """In an incremental build: a file of the previous build that this one does not have."""
        safe_join(self.out_dir, relative)
        self.deleted.append(relative)

    def commit(self) -> None:
        """Put the new site in place: one atomic exchange where the system offers it, so
        the output folder exists at every moment; else two renames, and an interrupted
        swap is undone by the next build (recover_interrupted_swap). An incremental
        build applies its journal instead."""
        if self.incremental:
            self._commit_changes()
            return
        try:
            _remove(self.previous)
            if self.out_dir.exists() and _exchange(self.staging, self.out_dir):
                _remove(self.staging)  # it now holds the previous site
                return
            if self.out_dir.exists():
                os.replace(self.out_dir, self.previous)
            os.replace(self.staging, self.out_dir)
            _remove(self.previous)
        except OSError as error:
            raise OutputProblem(f"cannot put the new site in place at {self.out_dir}: "
                                f"{error.strerror or error}") from None


    def _commit_changes(self) -> None:
        if not self.staged and not self.deleted:
            return  # nothing changed: nothing is written
        journal = {"move": sorted(set(self.staged)), "delete": sorted(set(self.deleted))}
        try:
            temporary = self.staging / f".{JOURNAL}.tmp"
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(journal, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.staging / JOURNAL)  # from here on, the build is done
            _apply_journal(self.staging, self.out_dir)
        except OSError as error:
            raise OutputProblem(f"cannot put the changed files in place in {self.out_dir}: "
                                f"{error.strerror or error}; the next build completes it") from None


JOURNAL = ".bulletin-journal.json"


def _apply_journal(staging: Path, out_dir: Path) -> None:
    """Move the staged files into the output and delete the removed ones. Idempotent:
    a journal interrupted midway is applied again from the start."""
    journal = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
    for relative in journal["move"]:
        source = safe_join(staging, relative)
        target = safe_join(out_dir, relative)
        if not source.exists():
            continue  # moved before the interruption
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    folders = set()
    for relative in journal["delete"]:
        target = safe_join(out_dir, relative)
        if target.is_file() or target.is_symlink():
            target.unlink()
        folders.update(target.parents)
    for folder in sorted(folders, key=lambda path: len(path.parts), reverse=True):
        if out_dir in folder.parents:
            try:
                folder.rmdir()  # only when empty
            except OSError:
                pass
    _remove(staging)


def recover_interrupted_swap(out_dir: Path) -> None:
    """If a build died between the two renames of a swap, put the previous site back; if
    it died while applying its journal, finish applying it."""
    previous = out_dir.parent / f".{out_dir.name}.previous"
    if not out_dir.exists() and previous.is_dir():
        os.replace(previous, out_dir)
    staging = out_dir.parent / f".{out_dir.name}.staging"
    if (staging / JOURNAL).is_file() and out_dir.is_dir():
        _apply_journal(staging, out_dir)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # an old kernel or a file system without it: fall back to two renames
    raise OSError(code, os.strerror(code))


def _lock_folder(folder: Path, out_dir: Path) -> int | None:
    """An exclusive lock on the folder holding the output, or OutputProblem if another
    build holds it. A lock on the folder itself leaves no lock file behind."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks on folders
        return None
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise OutputProblem(f"another build is writing {out_dir} right now; wait for it to finish, "
                            "then build again") from None
    return descriptor


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def merged_files(folders: list[Path]) -> dict[str, Path]:
    """Files under several folders by relative path; earlier folders win, file by file."""
    found: dict[str, Path] = {}
    for folder in reversed(folders):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts):
                found[path.relative_to(folder).as_posix()] = path
    return dict(sorted(found.items()))
