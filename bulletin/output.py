"""The only module that writes the output folder.

A build is written into a staging folder beside the output and swapped into
place only when complete, so a failed build never costs the last good site.
Paths are joined safely (nothing lands outside the output folder) and no
path is written twice.
"""

from __future__ import annotations

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
    """Collects a build in a staging folder; `commit()` swaps it into place."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.staging = out_dir.parent / f".{out_dir.name}.staging"
        self.previous = out_dir.parent / f".{out_dir.name}.previous"
        self.written: set[str] = set()

    def __enter__(self) -> "StagedOutput":
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        if not self.out_dir.exists() and self.previous.is_dir():
            os.replace(self.previous, self.out_dir)  # a build died between the two renames of commit()
        _remove(self.staging)  # left behind by a build that was killed
        self.staging.mkdir()
        return self

    def __exit__(self, kind, error, traceback) -> None:
        _remove(self.staging)  # after a commit it is already gone

    def write(self, relative: str, data: bytes) -> None:
        if relative.casefold() in self.written:
            raise OutputProblem(f"two pages would be written to {relative}")
        self.written.add(relative.casefold())
        target = safe_join(self.staging, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def copy_file(self, relative: str, source: Path) -> None:
        self.write(relative, source.read_bytes())

    def commit(self) -> None:
        _remove(self.previous)
        if self.out_dir.exists():
            os.replace(self.out_dir, self.previous)
        os.replace(self.staging, self.out_dir)
        _remove(self.previous)


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
