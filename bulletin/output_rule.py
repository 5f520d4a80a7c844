"""Which folder a build may replace, decided before anything is written, moved or created.

Only a folder that does not exist, an empty one, or one a build of this generator
made: every output carries a stamp (layout.STAMP) listing the files its build wrote,
and outputs of earlier versions are recognised by the file list in their cache. A
folder holding anything else is refused with the files named; the root, the home
folder, the generator's and the working folder, and any folder holding the site are
refused outright.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .cache import recorded_files
from .layout import (CONTENT, GENERATOR_FOLDER, INSIDE_SCRATCH, INSIDE_STAGING, JOURNAL, PREVIEW_FOLDER,
                     PUBLIC_FOLDER, SITE_FILE, SITE_FOLDERS, STAMP, staging_places)
from .messages import N_, _, ngettext


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
    outright = [(out in (Path("/"), system_root), N_("is the root of the file system")),
                (home is not None and (out == home or out in home.parents), N_("is your home folder or holds it")),
                (out == GENERATOR_FOLDER or out in GENERATOR_FOLDER.parents, N_("holds this generator's own files")),
                (out == site or out in site.parents, N_("contains the site itself")),
                (out == Path.cwd().resolve() or out in Path.cwd().resolve().parents,
                 N_("is the folder you are working in, or holds it"))]
    for refused, why in outright:
        if refused:
            raise OutputProblem(_("output folder {folder} {why}: a build replaces its output folder, so it never "
                                  "builds there; choose another --out (a new folder, e.g. public)",
                                  folder=out_dir, why=_(why)))
    for protected in SITE_FOLDERS:
        folder = (site / protected).resolve()
        if out == folder or folder in out.parents:
            raise OutputProblem(_("output folder {folder} is inside the site's {protected}/; choose another --out",
                                  folder=out_dir, protected=protected))
    if out.exists() and not out.is_dir():
        raise OutputProblem(_("output folder {folder} is a file, not a folder; choose another --out",
                              folder=out_dir))
    if not out.is_dir():
        return
    if (out / SITE_FILE).exists() or (out / CONTENT).is_dir():
        raise OutputProblem(_("output folder {folder} holds a site's content (site.yaml or content/); it would "
                              "be replaced by the build: choose another --out", folder=out_dir))
    try:
        present = _files_under(out, inside=stages_inside(out))
    except OSError as error:
        raise OutputProblem(_("output folder {folder} cannot be read ({reason}: {file}), so a build cannot tell "
                              "whose files it holds; choose another --out", folder=out_dir,
                              reason=error.strerror or error, file=error.filename)) from None
    if not present:
        return  # an empty folder: a new site, a new USB stick
    known = read_stamp(out)
    if known is None:
        known = recorded_files(out)
    if known is None:
        raise OutputProblem(_("output folder {folder} holds files that no build wrote ({files}); a build "
                              "replaces its output folder, so it never builds there. Choose another --out (a new "
                              "or empty folder), or remove this folder yourself if it is an old site",
                              folder=out_dir, files=_some(present)))
    known |= _pending_moves(out)
    foreign = sorted(present - known - {STAMP})
    if foreign:
        raise OutputProblem(ngettext("output folder {folder} holds {count} file that no build wrote: {files}. "
                                     "Move it out of the folder (or delete it), then build again",
                                     "output folder {folder} holds {count} files that no build wrote: {files}. "
                                     "Move them out of the folder (or delete them), then build again",
                                     len(foreign), folder=out_dir, files=_some(foreign)))


def preview_folder(site_dir: Path, out_dir: Path | None) -> Path:
    """Where a build with draft rounds goes (`build --drafts`, `serve`): the site's preview/
    unless --out names another folder, and never public/, where `build` publishes: a preview
    holds unpublished rounds and must not be uploaded by mistake."""
    chosen = out_dir if out_dir is not None else site_dir / PREVIEW_FOLDER
    public = site_dir / PUBLIC_FOLDER
    if chosen.resolve() == public.resolve():
        raise OutputProblem(_("output folder {folder} is where python build.py build publishes the site; a "
                              "preview with draft rounds never goes there: leave out --out (the preview goes "
                              "to {preview}) or name another folder", folder=chosen,
                              preview=site_dir / PREVIEW_FOLDER))
    return chosen


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError, OSError):  # no home folder known (a service account)
        return None


def _some(paths) -> str:
    paths = sorted(paths)
    shown = ", ".join(paths[:_NAMED_AT_MOST])
    if len(paths) <= _NAMED_AT_MOST:
        return shown
    return _("{files} and {count} more", files=shown, count=len(paths) - _NAMED_AT_MOST)


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
    for staging in staging_places(out_dir):
        try:
            return set(json.loads((staging / JOURNAL).read_text(encoding="utf-8"))["move"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return set()
