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
from typing import Iterable

from .cache import LOCK_FILE, cache_folder, recorded_files
from .layout import (CONTENT, GENERATOR_FOLDER, INSIDE_SCRATCH, INSIDE_STAGING, JOURNAL, SITE_FILE, SITE_FOLDERS,
                     STAMP, beside)


class OutputProblem(Exception):
    """The output folder cannot be used or written; the message says why."""


# Inside every output a build writes, the list of the files it wrote (layout.STAMP): what
# lets the next build recognise the folder as its own, and notice any file someone else put there.
_STAMP_HEADER = "bulletin-output/1: the files of a site written by 'python3 build.py build'\n"

# Where there is no room beside the output (a USB stick's root), a build stages inside it
# under hidden names that are never the site's own.
_INSIDE_NAMES = frozenset({INSIDE_STAGING, INSIDE_SCRATCH})
# What an operating system keeps at the root of a drive: not the site's, never touched.
_SYSTEM_NAMES = frozenset({"System Volume Information", "$RECYCLE.BIN", "lost+found", ".Trashes",
                           ".Spotlight-V100", ".fseventsd", ".TemporaryItems"})
_NAMED_AT_MOST = 10


def check_output_folder(out_dir: Path, site_dir: Path) -> None:
    """Refuse, before anything is written, moved or created, an output folder whose
    replacement could cost anyone a file. Allowed: a folder that does not exist, an
    empty one, or one holding only files a build of this generator wrote (its stamp,
    or for outputs of earlier versions the file list their cache records)."""
    out = out_dir.resolve()
    site = site_dir.resolve()
    home = _home()
    system_root = Path(home.anchor) if home is not None else Path("/")  # C:\\ on Windows; E:\\ may be a USB stick
    outright = [(out in (Path("/"), system_root), "is the root of the file system"),
                (home is not None and (out == home or out in home.parents), "is your home folder or holds it"),
                (out == GENERATOR_FOLDER or out in GENERATOR_FOLDER.parents, "holds this generator's own files"),
                (out == site or out in site.parents, "contains the site itself"),
                (out == Path.cwd().resolve() or out in Path.cwd().resolve().parents,
                 "is the folder you are working in, or holds it")]
    for refused, why in outright:
        if refused:
            raise OutputProblem(f"output folder {out_dir} {why}: a build replaces its output folder, so it "
                                "never builds there; choose another --out (a new folder, e.g. public)")
    for protected in SITE_FOLDERS:
        folder = (site / protected).resolve()
        if out == folder or folder in out.parents:
            raise OutputProblem(f"output folder {out_dir} is inside the site's {protected}/; choose another --out")
    if out.exists() and not out.is_dir():
        raise OutputProblem(f"output folder {out_dir} is a file, not a folder; choose another --out")
    if not out.is_dir():
        return
    if (out / SITE_FILE).exists() or (out / CONTENT).is_dir():
        raise OutputProblem(f"output folder {out_dir} holds a site's content (site.yaml or content/); "
                            "it would be replaced by the build: choose another --out")
    try:
        present = _files_under(out, inside=stages_inside(out))
    except OSError as error:
        raise OutputProblem(f"output folder {out_dir} cannot be read ({error.strerror or error}: "
                            f"{error.filename}), so a build cannot tell whose files it holds; choose "
                            "another --out") from None
    if not present:
        return  # an empty folder: a new site, a new USB stick
    known = read_stamp(out)
    if known is None:
        known = recorded_files(out)
    if known is None:
        raise OutputProblem(f"output folder {out_dir} holds files that no build wrote ({_some(present)}); "
                            "a build replaces its output folder, so it never builds there. Choose another --out "
                            "(a new or empty folder), or remove this folder yourself if it is an old site")
    known |= _pending_moves(out)
    foreign = sorted(present - known - {STAMP})
    if foreign:
        raise OutputProblem(f"output folder {out_dir} holds {len(foreign)} file(s) that no build wrote: "
                            f"{_some(foreign)}. Move them out of the folder (or delete "
                            "them), then build again")


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError, OSError):  # no home folder known (a service account)
        return None


def _some(paths) -> str:
    paths = sorted(paths)
    shown = ", ".join(paths[:_NAMED_AT_MOST])
    return shown + (f" and {len(paths) - _NAMED_AT_MOST} more" if len(paths) > _NAMED_AT_MOST else "")


def _files_under(folder: Path, inside: bool = False) -> set[str]:
    """Every file, link or other non-folder under folder, hidden ones included, by relative
    path; empty folders hold nothing to lose. At a drive's root the system's own folders and
    a build's staging are left out."""
    found: set[str] = set()
    stack = [(folder, "")]
    while stack:
        current, prefix = stack.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                if not prefix and inside and (entry.name in _INSIDE_NAMES or entry.name in _SYSTEM_NAMES):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append((Path(entry.path), f"{prefix}{entry.name}/"))
                else:
                    found.add(prefix + entry.name)
    return found


def stamp_bytes(files) -> bytes:
    return (_STAMP_HEADER + "".join(f"{path}\n" for path in sorted(files))).encode("utf-8")


def read_stamp(out_dir: Path) -> set[str] | None:
    """The files a build wrote into out_dir, or None when it has no stamp of ours."""
    try:
        text = (out_dir / STAMP).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith(_STAMP_HEADER):
        return None
    return set(text[len(_STAMP_HEADER):].splitlines())


def stages_inside(out_dir: Path) -> bool:
    """True where there is no room beside the output: it is the root of a mounted drive
    (a USB stick), or its parent cannot be written."""
    if not out_dir.is_dir() or out_dir.is_symlink():
        return False
    return os.path.ismount(out_dir) or not os.access(out_dir.parent, os.W_OK)


def _pending_moves(out_dir: Path) -> set[str]:
    """Files an interrupted build was moving in: its own, about to be rolled forward."""
    for staging in (beside(out_dir, "staging"), out_dir / INSIDE_STAGING):
        try:
            return set(json.loads((staging / JOURNAL).read_text(encoding="utf-8"))["move"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return set()


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
    during the swap the previous site. Where there is no room beside the output
    (the root of a USB stick), they are made inside it instead, and the new site
    is moved in file by file through a journal. A build that was killed leaves
    them behind; the next one removes them, or completes its journal, before it
    starts. Two builds of the same output never run at once: the second stops
    with a message.
    """

    def __init__(self, out_dir: Path, incremental: bool = False):
        self.out_dir = out_dir
        self.inside = stages_inside(out_dir)
        self.incremental = incremental or self.inside  # stage changed files only, and apply them in place
        if self.inside:
            self.staging = out_dir / INSIDE_STAGING
            self.scratch = out_dir / INSIDE_SCRATCH
        else:
            self.staging = beside(out_dir, "staging")
            self.scratch = beside(out_dir, "scratch")
        self.previous = beside(out_dir, "previous")
        self.written: set[str] = set()
        self.staged: list[str] = []  # in an incremental build, the files to move into the output
        self.deleted: list[str] = []
        self._lock: int | None = None

    def __enter__(self) -> "StagedOutput":
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputProblem(f"cannot create {self.out_dir.parent}: {error.strerror or error}") from None
        self._lock = lock_output(self.out_dir)
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
            if not (self.staging / JOURNAL).is_file():  # a journal stopped midway is completed by the next build
                _remove(self.staging)  # after a commit it is already gone
            _remove(self.scratch)
        finally:
            self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            _drop_lone_lock(self.out_dir)  # while still holding it: no other build can be using that file
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = None

    def claim(self, relative: str) -> None:
        """Reserve an output path; two files at one path (or at two that differ only in
        case, the same file on Windows and macOS disks) are refused."""
        if relative.casefold() in self.written or relative.casefold() == STAMP:
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

    def commit(self, files: Iterable[str] | None = None) -> None:
        """Put the new site, whose files are `files`, in place with its stamp: one atomic
        exchange where the system offers it, so the output folder exists at every moment;
        else two renames, and an interrupted swap is undone by the next build
        (recover_interrupted_swap). An incremental build, and one staged inside the
        output, applies a journal instead. Without `files`: what the output held, with
        this build's files added and its deletions removed."""
        if files is None:
            before = set() if not self.incremental or self.inside else read_stamp(self.out_dir) or set()
            files = (before | set(self.staged)) - set(self.deleted)
        files = set(files)
        stamp = stamp_bytes(files)
        try:
            if self.inside:
                self.deleted = sorted((read_stamp(self.out_dir) or set()) - files)
            if not self.incremental or _read_bytes(self.out_dir / STAMP) != stamp:
                write_file(self.staging, STAMP, stamp)
                self.staged.append(STAMP)
            if self.incremental:
                self._commit_changes()
                return
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


def _drop_lone_lock(out_dir: Path) -> None:
    """A build that kept nothing in the cache (it failed, or its output is staged inside)
    leaves nothing beside the output: not even its lock."""
    folder = cache_folder(out_dir)
    try:
        if [path.name for path in folder.iterdir()] == [LOCK_FILE]:
            (folder / LOCK_FILE).unlink()
            folder.rmdir()
    except OSError:
        pass


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None




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
    previous = beside(out_dir, "previous")
    if not out_dir.exists() and previous.is_dir():
        os.replace(previous, out_dir)
    for staging in (beside(out_dir, "staging"), out_dir / INSIDE_STAGING):
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


def lock_output(out_dir: Path) -> int | None:
    """An exclusive lock on this output folder, or OutputProblem if another build holds it.
    The lock is a file in the output's cache folder (kept when the cache is cleared), so
    that builds of two outputs in one folder never wait for each other; inside the output
    where it is staged inside (it is never swapped then), so nothing is made beside it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks
        return None
    try:
        if stages_inside(out_dir):
            descriptor = os.open(out_dir, os.O_RDONLY)
        else:
            folder = cache_folder(out_dir)
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                folder.unlink()  # whatever took the cache's name
            folder.mkdir(exist_ok=True)
            descriptor = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise OutputProblem(f"cannot prepare a build beside {out_dir}: {error.strerror or error}") from None
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
