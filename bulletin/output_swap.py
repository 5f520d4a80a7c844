"""Putting a staged site in place, and the lock that keeps two builds of one output apart.

A full build's staging folder is swapped with the output in one atomic exchange
where the system offers it (else two renames, undone by the next build if
interrupted); an incremental build, or one staged inside the output, applies a
journal of the files to move in and to delete, which the next build completes if
this one is killed midway.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
from pathlib import Path

from .cache import LOCK_FILE, TEMPLATES_FOLDER, cache_folder
from .files import write_whole
from .layout import JOURNAL, beside, staging_places
from .messages import _
from .output_rule import OutputProblem, stages_inside


def safe_join(root: Path, relative: str) -> Path:
    """root/relative, refusing anything that could escape root."""
    parts = relative.split("/")  # not PurePosixPath: it would quietly normalise "./x" and "a//b"
    if "\\" in relative or "\0" in relative or any(part in ("", ".", "..") for part in parts):
        raise OutputProblem(_("refusing to write outside the output folder: {path}", path=repr(relative)))
    return root.joinpath(*parts)



def write_journal(staging: Path, moves: list[str], deletions: list[str]) -> None:
    """Record, durably, what applying the build means: from here on, the build is done."""
    write_whole(staging / JOURNAL, [json.dumps({"move": moves, "delete": deletions}).encode("utf-8")], durable=True)


def apply_journal(staging: Path, out_dir: Path) -> None:
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
    for staging in staging_places(out_dir):
        if (staging / JOURNAL).is_file() and out_dir.is_dir():
            apply_journal(staging, out_dir)


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
        raise OutputProblem(_("cannot prepare a build beside {folder}: {reason}", folder=out_dir,
                              reason=error.strerror or error)) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise OutputProblem(_("another build is writing {folder} right now; wait for it to finish, then build "
                              "again", folder=out_dir)) from None
    return descriptor


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def drop_lone_lock(out_dir: Path) -> None:
    """A build that kept nothing in the cache (it failed, or its output is staged inside)
    leaves nothing beside the output: not even its lock, nor the templates it compiled."""
    folder = cache_folder(out_dir)
    try:
        names = {path.name for path in folder.iterdir()}
        if LOCK_FILE in names and names <= {LOCK_FILE, TEMPLATES_FOLDER}:
            shutil.rmtree(folder / TEMPLATES_FOLDER, ignore_errors=True)
            (folder / LOCK_FILE).unlink()
            folder.rmdir()
    except OSError:
        pass


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
