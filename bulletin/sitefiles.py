"""The site folder's own files: what a build may read from it.

A build reads site.yaml and the folders below, and publishes what static/ holds.
A link in them that leads outside the site folder would let a site's files read
the machine that builds it (a link to /etc/passwd copied into the published
site, or put on a page by a template's include): such links are refused, each
with its place, before anything is read through them.
"""

from __future__ import annotations

import os
from pathlib import Path

from .messages import _
from .problems import Location, Problem

SITE_FILES = ("site.yaml",)
SITE_FOLDERS = ("content", "templates", "static")


def unsafe_site_entries(site_dir: Path) -> list[Problem]:
    """A problem for every link under the site's folders (or standing for one of them)
    that resolves outside the site folder, or nowhere; and for every entry that is neither
    a file nor a folder (a named pipe would stall the build that opens it)."""
    site = site_dir.resolve()
    problems = []
    for name in SITE_FILES + SITE_FOLDERS:
        top = site_dir / name
        if not top.exists() and not top.is_symlink():
            continue
        links, special = _links_under(top)
        for path in special:
            problems.append(Problem(Location(path.relative_to(site_dir).as_posix(), 1, 1), "",
                                    _("is not an ordinary file (a named pipe, a device or a socket); "
                                      "replace it with a file saved by an editor")))
        for link in links:
            shown = link.relative_to(site_dir).as_posix()
            try:
                target = link.resolve(strict=True)
            except (OSError, RuntimeError):  # a dangling link, or a loop of links
                problems.append(Problem(Location(shown, 1, 1), "",
                                        _("is a link to {target}, which does not exist; replace the link with "
                                          "the file itself", target=os.readlink(link))))
                continue
            if target != site and site not in target.parents:
                problems.append(Problem(Location(shown, 1, 1), "",
                                        _("is a link to {target}, outside the site folder; a site may only use "
                                          "its own files: copy the file into the site folder instead of linking "
                                          "to it", target=target)))
    return problems


def _links_under(top: Path) -> tuple[list[Path], list[Path]]:
    """Every symbolic link at or under top, without following any of them, and every
    entry that is neither a file, a folder nor a link. The kind of each entry comes with
    the folder's listing, so a province's twelve thousand unit files cost no extra reads."""
    if top.is_symlink():
        return [top], []
    if not top.is_dir():
        return [], ([] if top.is_file() else [top])
    links, special = [], []
    folders = [top]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_symlink():
                    links.append(Path(entry.path))
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(Path(entry.path))
                elif not entry.is_file(follow_symlinks=False):
                    special.append(Path(entry.path))
    return sorted(links), sorted(special)
