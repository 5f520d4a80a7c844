"""The only module that writes the output folder.

A build is written into a staging folder beside the output and swapped into
place only when complete, so a failed build never costs the last good site.
Paths are joined safely (nothing lands outside the output folder) and no
path is written twice.
"""

from __future__ import annotations

import ctypes
import errno
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


class StagedOutput:
    """Collects a build in a staging folder; `commit()` swaps it into place.

    Beside the output live only hidden folders of this build: the staging
    folder, a scratch folder for tools (the search indexer), and for an instant
    during the swap the previous site. A build that was killed leaves them
    behind; the next one removes them before it starts. Two builds of the same
    output never run at once: the second stops with a message.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.staging = out_dir.parent / f".{out_dir.name}.staging"
        self.previous = out_dir.parent / f".{out_dir.name}.previous"
        self.scratch = out_dir.parent / f".{out_dir.name}.scratch"
        self.written: set[str] = set()
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

    def write(self, relative: str, data: bytes) -> None:
        if relative.casefold() in self.written:
            raise OutputProblem(f"two pages would be written to {relative}")
        self.written.add(relative.casefold())
        target = safe_join(self.staging, relative)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as error:  # a full disk, a read-only folder: the previous site is untouched
            raise OutputProblem(f"cannot write {relative} into {self.staging}: "
                                f"{error.strerror or error}") from None

    def copy_file(self, relative: str, source: Path) -> None:
        self.write(relative, source.read_bytes())

    def commit(self) -> None:
        """Put the new site in place: one atomic exchange where the system offers it, so
        the output folder exists at every moment; else two renames, and an interrupted
        swap is undone by the next build (recover_interrupted_swap)."""
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


def recover_interrupted_swap(out_dir: Path) -> None:
    """If a build died between the two renames of a swap, put the previous site back."""
    previous = out_dir.parent / f".{out_dir.name}.previous"
    if not out_dir.exists() and previous.is_dir():
        os.replace(previous, out_dir)


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
