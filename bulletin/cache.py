"""What the last build of an output folder computed, and what each part depended on.

It is kept beside the output, in the hidden folder `.<output name>.cache`, and lets
the next build skip every unit whose inputs are unchanged and write only the files
whose bytes differ. Nothing in it is trusted unchecked:

- the state file carries a checksum and names the site and output folders it
  belongs to, and is read only by the same format version;
- a unit's parts are stored under a key computed from everything they were made
  from (the unit's files, the site's settings, templates, registry and ledger, and
  the generator's own code), and each section is checked against its digest;
- the output folder must still hold exactly the files the state lists, each with
  the size, modification time and inode recorded when it was written.

Whatever fails a check is ignored and that part is computed again; a state that
fails means a full build. Deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import shutil
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .files import digest, write_whole
from .layout import beside
from .lint import ContentWarning, warning_from_plain

FORMAT = "bulletin-build-cache/7"  # 4: a unit's warnings; 5: its overdue projects per round; 6: its corrections;
# 7: its search filters' values, and its share of the search index instead of Pagefind's documents
STATE_FILE = "state.bin"
LOCK_FILE = "lock"  # held by the build writing the output (see output.lock_output); never removed
PARTS_FOLDER = "parts"
QR_FOLDER = "qr"
TEMPLATES_FOLDER = "templates"  # Jinja's compiled templates (render.make_environment), per generator
_PARTS_MAGIC = b"bulletin-parts/1\n"

GENERATOR_PACKAGES = ("Jinja2", "MarkupSafe", "Markdown", "PyYAML", "nh3", "segno")


def cache_folder(out_dir: Path) -> Path:
    return beside(out_dir, "cache")


@lru_cache(maxsize=1)
def generator_fingerprint() -> str:
    """The generator's own code and data, its dependencies' versions and Python's:
    a new version of any of them may render the same content differently. Read once a
    process (the settings and the compiled templates' folder both ask): the code it
    describes is the code this process loaded."""
    package = Path(__file__).resolve().parent
    parts: list[str | bytes] = [sys.version]
    for name in GENERATOR_PACKAGES:
        try:
            parts.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} missing")
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            parts += [path.relative_to(package).as_posix(), path.read_bytes()]
    return digest(*parts)


def folder_fingerprint(folders: list[Path]) -> str:
    """Every file under the folders, by path and content (templates, translations)."""
    parts: list[str | bytes] = []
    for folder in folders:
        parts.append(str(folder))
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return digest(*parts)


@dataclass(frozen=True)
class RoundFigures:
    """What a round's bulletin shows of one unit: whether it sent a file, and its counts."""

    submitted: bool
    count: int
    counts: tuple[tuple[str, int], ...]  # (status, projects), in the order first seen
    overdue: int = 0  # projects past their 完成时限 on the round's date
    corrections: tuple[tuple, ...] = ()  # its list's corrections that round, model.CorrectionItem.plain()


@dataclass(frozen=True)
class UnitSummary:
    """What the site-wide pages show of a unit, computed when it is built."""

    rounds: dict[str, RoundFigures]  # round id -> figures, for the rounds the unit has a list in
    projects: int
    entries: int
    categories: tuple[str, ...] = ()  # its projects' latest categories and locations: the search filters' values
    locations: tuple[str, ...] = ()
    overdue_projects: bool = False  # whether a project is overdue in the search (the site's latest round)


@dataclass(frozen=True)
class UnitState:
    """What the last build made of one unit, and from what (`key`: everything it was made from)."""

    key: str
    pages: tuple[str, ...]
    parts: dict[str, str]  # section -> sha256 of the unit's share of a site-wide file
    summary: UnitSummary
    warnings: tuple[ContentWarning, ...] = ()  # printed by every build that reuses the unit


@dataclass
class BuildState:
    """What a successful build wrote and from what. `files` maps every output path to
    [sha256, size, mtime_ns, inode]; `inputs` maps each output that is made as a whole
    (a unit's pages, a site-wide page, an open data file, a search shard) to the digest
    of what it was made from (see freshness)."""

    site: str
    out: str
    settings: str  # digest of everything every page depends on
    files: dict[str, list] = field(default_factory=dict)
    units: dict[str, UnitState] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    shards: dict[str, list[str]] = field(default_factory=dict)  # shard folder -> its files
    sources: dict[str, list] = field(default_factory=dict)  # content file -> [sha256, size, mtime, ctime, inode]


def _stored_state(out_dir: Path) -> tuple[str | None, dict] | None:
    """The state file's format and its values, when its checksum holds; else None."""
    try:
        raw = (cache_folder(out_dir) / STATE_FILE).read_bytes()
        header, _, body = raw.partition(b"\n")
        envelope = json.loads(header)
        if envelope.get("sha256") != hashlib.sha256(body).hexdigest():
            return None
        # marshal, not pickle: it builds plain values and runs no code, and is several times
        # faster than JSON on a province's state (hundreds of thousands of files).
        data = marshal.loads(body)
        return (envelope.get("format"), data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError, EOFError, UnicodeDecodeError, AttributeError):
        return None


def read_state(out_dir: Path, site_dir: Path) -> BuildState | None:
    """The state of the last build of out_dir from site_dir, or None if there is none
    that can be trusted."""
    stored = _stored_state(out_dir)
    if stored is None or stored[0] != FORMAT:
        return None
    data = stored[1]
    try:
        data["units"] = {unit_id: _unit_state(*plain) for unit_id, plain in data["units"].items()}
        state = BuildState(**data)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if state.site != str(site_dir.resolve()) or state.out != str(out_dir.resolve()):
        return None  # another site's cache, or one copied from elsewhere
    return state


def write_state(out_dir: Path, state: BuildState) -> None:
    folder = cache_folder(out_dir)
    folder.mkdir(exist_ok=True)
    plain = dict(state.__dict__, units={unit_id: _plain_unit(unit) for unit_id, unit in state.units.items()})
    body = marshal.dumps(plain)
    header = json.dumps({"format": FORMAT, "sha256": hashlib.sha256(body).hexdigest()}).encode("utf-8")
    write_whole(folder / STATE_FILE, [header, b"\n", body])


def _plain_unit(unit: UnitState) -> tuple:
    summary = unit.summary
    rounds = {round_id: (f.submitted, f.count, f.counts, f.overdue, f.corrections)
              for round_id, f in summary.rounds.items()}
    return (unit.key, unit.pages, unit.parts, (rounds, summary.projects, summary.entries, summary.categories,
                                               summary.locations, summary.overdue_projects),
            tuple(warning.plain() for warning in unit.warnings))


def _unit_state(key: str, pages: tuple, parts: dict, summary: tuple, warnings: tuple) -> UnitState:
    rounds, projects, entries, categories, locations, overdue_projects = summary
    figures = {round_id: RoundFigures(submitted, count, tuple(map(tuple, counts)), overdue,
                                      tuple(map(tuple, corrections)))
               for round_id, (submitted, count, counts, overdue, corrections) in rounds.items()}
    return UnitState(key, tuple(pages), parts, UnitSummary(figures, projects, entries, tuple(categories),
                                                                 tuple(locations), overdue_projects),
                     tuple(map(warning_from_plain, warnings)))


def forget_state(out_dir: Path) -> None:
    """Before the output changes: a build that dies midway must not leave a state that
    describes the output as it was."""
    try:
        (cache_folder(out_dir) / STATE_FILE).unlink()
    except OSError:
        pass


def clear_cache(out_dir: Path) -> None:
    """Empty the cache, or remove whatever took its name (a file, a link): the next build
    is full. Its lock stays: a build may be holding it. So do the QR codes: each is checked
    against its address when read (qrcode.QrCodes), so none can be stale, and the compiled
    templates: Jinja compiles a template again when its source differs."""
    folder = cache_folder(out_dir)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        folder.unlink()
    elif folder.is_dir():
        _empty(folder, keep={LOCK_FILE, QR_FOLDER, TEMPLATES_FOLDER})


def _empty(folder: Path, keep: set[str]) -> None:
    """Remove what a folder holds but the entries named in `keep`; what cannot be removed stays."""
    for path in folder.iterdir():
        if path.name in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                path.unlink()
            except OSError:
                pass


def recorded_files(out_dir: Path) -> set[str] | None:
    """The files the last build of out_dir wrote, as its cache records them whatever site
    it was built from and in whichever format; None without a readable record. Outputs of
    versions before the stamp (layout.STAMP) are recognised by it."""
    stored = _stored_state(out_dir)
    if stored is None or stored[1].get("out") != str(out_dir.resolve()):
        return None
    try:
        return set(stored[1]["files"])
    except (KeyError, TypeError):
        return None


class DamagedCache(Exception):
    """A stored part failed its check while it was being read."""


def output_matches(out_dir: Path, files: dict[str, list], ignore: str = "") -> bool:
    """True when the output folder holds exactly the recorded files (and `ignore`, the
    output's stamp, at its top), each unchanged since it was written (same size,
    modification time and inode)."""
    seen = 0
    stack = [(out_dir, "")]
    try:
        while stack:
            folder, prefix = stack.pop()
            with os.scandir(folder) as entries:
                for entry in entries:
                    relative = prefix + entry.name
                    if relative == ignore:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((Path(entry.path), relative + "/"))
                        continue
                    recorded = files.get(relative)
                    if recorded is None or not entry.is_file(follow_symlinks=False):
                        return False
                    status = entry.stat(follow_symlinks=False)
                    if [status.st_size, status.st_mtime_ns, status.st_ino] != recorded[1:]:
                        return False
                    seen += 1
    except OSError:
        return False
    return seen == len(files)


def file_record(sha256: str, status: os.stat_result) -> list:
    return [sha256, status.st_size, status.st_mtime_ns, status.st_ino]


# A unit's parts: named text sections (its rows of each open data file, its search
# records), stored in one file per unit key so that assembling a site-wide file reads
# only the sections it needs.

def parts_folder(out_dir: Path) -> Path:
    return cache_folder(out_dir) / PARTS_FOLDER


def qr_folder(out_dir: Path, base_url: str) -> Path:
    """Where the printed pages' QR codes are kept (qrcode.QrCodes): a folder per base_url, the
    codes of any other base_url dropped, so the folder holds only codes pages can still use."""
    codes = cache_folder(out_dir) / QR_FOLDER
    current = hashlib.sha256(base_url.encode("utf-8")).hexdigest()[:32]
    if codes.is_dir() and not codes.is_symlink():
        _empty(codes, keep={current})
    return codes / current


def compiled_templates_folder(out_dir: Path) -> Path:
    """Where Jinja keeps the templates it compiled, so a rebuild of one unit does not compile them
    all again: a folder per generator (its code and its dependencies' versions, Jinja's among
    them), those of any other dropped. Within it Jinja checks each template's source (SHA-1) and
    compiles a changed one again."""
    templates = cache_folder(out_dir) / TEMPLATES_FOLDER
    current = generator_fingerprint()[:32]
    if templates.is_dir() and not templates.is_symlink():
        _empty(templates, keep={current})
    return templates / current


def write_parts(folder: Path, key: str, sections: dict[str, str | bytes]) -> dict[str, str]:
    """Store the sections in folder (text as UTF-8, bytes as they are); return the digest of each."""
    blobs = {name: text if isinstance(text, bytes) else text.encode("utf-8") for name, text in sections.items()}
    index, offset = {}, 0
    for name, blob in blobs.items():
        index[name] = [offset, len(blob), hashlib.sha256(blob).hexdigest()]
        offset += len(blob)
    header = json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    write_whole(folder / f"{key}.parts", [_PARTS_MAGIC, len(header).to_bytes(8, "big"), header, *blobs.values()])
    return {name: entry[2] for name, entry in index.items()}


class PartsReader:
    """Sections of stored parts, each checked against its digest; None when missing or
    damaged. The folders are searched in order (this build's new parts, then the cache's)."""

    def __init__(self, folders: list[Path]):
        self.folders = folders

    def has(self, key: str) -> bool:
        """Whether the unit's parts are stored; whether they pass their checks is known when they
        are read (DamagedCache: the build starts again in full)."""
        return any((folder / f"{key}.parts").is_file() for folder in self.folders)

    def read(self, key: str, names: list[str]) -> dict[str, bytes] | None:
        """The sections as stored (UTF-8 text, or the bytes given); a section the unit has none of is empty."""
        for folder in self.folders:
            if (folder / f"{key}.parts").is_file():
                return self._read(folder / f"{key}.parts", names)
        return None

    def _read(self, path: Path, names: list[str]) -> dict[str, bytes] | None:
        try:
            with open(path, "rb") as handle:
                if handle.read(len(_PARTS_MAGIC)) != _PARTS_MAGIC:
                    return None
                size = int.from_bytes(handle.read(8), "big")
                if size > 64 * 1024 * 1024:
                    return None
                index = json.loads(handle.read(size))
                start = handle.tell()
                found = {}
                for name in names:
                    if name not in index:
                        found[name] = b""  # e.g. a round the unit has no list in
                        continue
                    offset, length, sha256 = index[name]
                    handle.seek(start + offset)
                    blob = handle.read(length)
                    if hashlib.sha256(blob).hexdigest() != sha256:
                        return None
                    found[name] = blob
                return found
        except (OSError, ValueError, TypeError, KeyError):
            return None


def keep_parts(new: Path, out_dir: Path, keys: set[str]) -> None:
    """After a successful build: its new parts into the cache, parts no longer used out."""
    folder = parts_folder(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if new.is_dir():
        for path in new.iterdir():
            os.replace(path, folder / path.name)
    for path in folder.iterdir():
        if path.name.removesuffix(".parts") not in keys:
            try:
                path.unlink()
            except OSError:
                pass
