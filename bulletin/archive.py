"""Archiving: each published round as a verifiable bundle (verify.py checks one).

A bundle is a BagIt bag (RFC 8493, written by the `bagit` library) holding the
site built as of the round (later rounds left out), with a SHA-256 manifest and
bag-info naming the round, its publication date, the generator's version, a
digest of the content it was built from and, when the content is in git, the
source revision. The bag is zipped with fixed timestamps and order, so the same
content gives the same bytes. Unzipped, it opens from disk: navigation and the
search work from file://.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

import bagit

from . import __version__
from .builder import build_site
from .config import shown_round
from .files import file_sha256
from .layout import CONTENT, LEDGER_PATH, SITE_FILE, UNITS_FILE, UNITS_FILE_YML
from .loader import SiteSources, load_content, read_site
from .messages import _
from .verify import CHECKSUM, ArchiveProblem

_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


def site_name(site_dir: Path, configured: str, base_url: str) -> str:
    """What names the site's archives: its id, else a slug of its address or folder, cut so
    that `<name>-<round>.zip` stays a file name every system accepts."""
    if configured:
        return configured
    if base_url:
        slug = _SLUG.sub("-", re.sub(r"^[a-z]+://", "", base_url)).strip("-")
        if slug:
            return _short(slug)
    return _short(_SLUG.sub("-", site_dir.resolve().name).strip("-")) or "site"


_NAME_AT_MOST = 80


def _short(slug: str) -> str:
    if len(slug) <= _NAME_AT_MOST:
        return slug
    return f"{slug[:_NAME_AT_MOST - 9]}-{hashlib.sha256(slug.encode()).hexdigest()[:8]}"


def content_digest(site_dir: Path, round_ids: list[str]) -> str:
    """SHA-256 over every file the bundle was built from: site.yaml, the unit registry,
    the ledger and the unit files of its rounds, by path."""
    paths = [site_dir / SITE_FILE, site_dir / LEDGER_PATH, site_dir / UNITS_FILE, site_dir / UNITS_FILE_YML]
    for round_id in round_ids:
        paths += sorted(p for p in (site_dir / CONTENT / round_id).glob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(path.relative_to(site_dir).as_posix().encode("utf-8") + b"\0")
            digest.update(file_sha256(path).encode("ascii") + b"\n")
    return digest.hexdigest()


def source_revision(site_dir: Path) -> str:
    """The git commit of the content, marked when the working tree differs from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(site_dir), *args], capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()
    try:
        revision = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--", SITE_FILE, CONTENT)
    except (OSError, subprocess.SubprocessError):
        return ""
    return revision + (" (with uncommitted changes)" if dirty else "")


def latest_correction(sources: SiteSources) -> dt.date | None:
    """The date of the latest correction declared in the rounds read: under a round in
    site.yaml, or in its unit files."""
    content, _problems = load_content(sources)
    dates = [c.date for r in sources.config.rounds for c in r.corrections]
    dates += [c["date"] for unit_file in content.unit_files for c in unit_file.corrections]
    return max(dates, default=None)


def make_archive(site_dir: Path, round_id: str | None, out_dir: Path) -> Path:
    sources = read_site(site_dir)
    config = sources.config  # each published round with what it showed (ledger.shown_as_published)
    published = {p.round_id: p for p in sources.ledger}
    if round_id is None:
        candidates = [r.id for r in config.rounds if r.id in published]
        if not candidates:
            raise ArchiveProblem(_("no round is published yet: run 'python build.py publish ROUND' first"))
        round_id = candidates[-1]
    if round_id not in published:
        raise ArchiveProblem(_("round '{round}' is not published: an archive proves what was published, so "
                               "run 'python build.py publish {round}' first", round=round_id))
    rnd = next(r for r in config.rounds if r.id == round_id)
    included = [r.id for r in config.rounds[: config.rounds.index(rnd) + 1]]
    name = f"{site_name(site_dir, config.id, config.base_url)}-{round_id}"
    # The bag's dates are the publication's, not the clock's, so it can be rebuilt byte for byte.
    stamp = rnd.date
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        try:
            stamp = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
        except (ValueError, OverflowError, OSError):
            raise ArchiveProblem(_("SOURCE_DATE_EPOCH={epoch} is not a time in seconds since 1970 (a date "
                                   "before the year 10000); unset it or give seconds, not milliseconds",
                                   epoch=epoch)) from None

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ArchiveProblem(_("cannot create {folder}: {reason}", folder=out_dir,
                               reason=error.strerror or error)) from None
    target = out_dir / f"{name}.zip"
    with tempfile.TemporaryDirectory(prefix="bulletin-archive-") as scratch:
        bag_dir = Path(scratch) / name
        build_site(site_dir, bag_dir, until_round=round_id)
        revision = source_revision(site_dir)
        # What the round showed when published (its declared corrections applied), not today's site.yaml.
        shown = shown_round(config, rnd, ())[0]
        info = {
            "Source-Organization": shown.publisher,
            "External-Description": f"{shown.title}: {rnd.title} ({rnd.date.isoformat()})",
            "External-Identifier": name,
            "Bulletin-Round": round_id,
            "Bulletin-Round-Title": rnd.title,
            "Publication-Date": rnd.date.isoformat(),
            "Ledger-Entry-SHA256": published[round_id].digest,
            "Content-SHA256": content_digest(site_dir, included),
            "Generator-Version": f"bulletin {__version__}",
            "Bagging-Date": stamp.isoformat(),
            "Bag-Software-Agent": f"bulletin {__version__} with bagit.py {bagit.VERSION}",
        }
        corrected = latest_correction(read_site(site_dir, until_round=round_id))
        if corrected is not None:  # the bag holds a corrected text: when the latest correction was made
            info["Corrected-Date"] = corrected.isoformat()
        if revision:
            info["Source-Revision"] = revision
        bagit.make_bag(str(bag_dir), info, checksums=[CHECKSUM])
        temporary = target.with_name(f".{target.name}.tmp")
        try:
            _zip_folder(bag_dir, temporary, stamp)
            os.replace(temporary, target)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise ArchiveProblem(_("cannot write {file}: {reason}", file=target,
                                   reason=error.strerror or error)) from None
    return target


def _zip_folder(folder: Path, target: Path, stamp: dt.date) -> None:
    timestamp = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            member = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", timestamp)
            member.external_attr = 0o644 << 16
            member.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(member, path.read_bytes(), compresslevel=9)
