"""JSON Schemas of the files staff write, for completion and checking while they type.

VS Code's YAML extension (redhat.vscode-yaml) reads a schema named in a file's first line,
`# yaml-language-server: $schema=../../schemas/unit.schema.json`, and then completes field
names, lists the allowed statuses with what they mean, and underlines an unknown field.
The schemas are generated from the declarations `check` applies (config.py, content.py),
so the editor and the checker cannot disagree on a file's shape. They are draft-07, which
that extension supports fully. `check` stays the judge: it also checks what a schema cannot
say (an id used twice, rounds out of date order, a published round changed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .config import SITE_SCHEMA
from .content import UNITS_FILE_SCHEMA, UNIT_ROUND_SCHEMA
from .files import write_whole
from .layout import CONTENT, SITE_FILE, UNITS_FILE, UNITS_FILE_YML
from .messages import N_, _
from .problems import _field_names  # the names staff know the fields by, one list for messages and editors
from .schema import Record

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMAS = "schemas"  # in the site folder, beside content/


@dataclass(frozen=True)
class SchemaFile:
    name: str  # file name under schemas/
    record: Record
    title: str  # marked N_(), translated when written
    description: str


SITE_SCHEMA_FILE = SchemaFile("site.schema.json", SITE_SCHEMA, N_("site.yaml: the site's settings and its rounds"),
                              N_("The site's name, publisher and supervision phone, and its publication rounds, "
                                 "oldest first."))
UNITS_SCHEMA_FILE = SchemaFile("units.schema.json", UNITS_FILE_SCHEMA, N_("content/units.yaml: the units"),
                               N_("Every unit that publishes projects, with its name and group."))
UNIT_SCHEMA_FILE = SchemaFile("unit.schema.json", UNIT_ROUND_SCHEMA,
                              N_("content/<round>/<unit>.yaml: a unit's projects in one round"),
                              N_("The unit's projects in this round, in order, and the corrections declared "
                                 "for a published round."))
SCHEMA_FILES = (SITE_SCHEMA_FILE, UNITS_SCHEMA_FILE, UNIT_SCHEMA_FILE)


def field_title(key: str) -> str:
    """A field's name in the active language, by its key path inside its list item."""
    names = _field_names()
    return names.get(key) or names.get(key.rsplit(".", 1)[-1]) or key


def document(schema_file: SchemaFile) -> dict:
    """One schema as JSON data, in the active language."""
    return {"$schema": DRAFT, "title": _(schema_file.title), "description": _(schema_file.description),
            **schema_file.record.json_schema(field_title)}


def encoded(data: dict) -> bytes:
    """Sorted keys, UTF-8, a final newline: the same declarations give the same bytes."""
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


class SchemaProblem(Exception):
    """The schemas cannot be written where asked; the message says why."""


def write_schemas(site_dir: Path, out_dir: Path | None = None) -> list[Path]:
    """Write the three schemas into out_dir (default: schemas/ in the site folder); only those
    three files are written, each whole, and nothing is ever deleted."""
    out_dir = out_dir if out_dir is not None else site_dir / SCHEMAS
    if out_dir.exists() and not out_dir.is_dir():
        raise SchemaProblem(_("{folder} is a file, not a folder; choose another --out", folder=out_dir))
    content = (site_dir / CONTENT).resolve()
    target = out_dir.resolve()
    if target == content or content in target.parents:
        raise SchemaProblem(_("{folder} is inside content/, where every file is read as content; "
                              "write the schemas elsewhere (default: schemas/ in the site folder)", folder=out_dir))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for schema_file in SCHEMA_FILES:
            path = out_dir / schema_file.name
            data = encoded(document(schema_file))
            if not path.is_file() or path.read_bytes() != data:
                write_whole(path, [data])
            written.append(path)
    except OSError as error:
        raise SchemaProblem(_("cannot write the schemas into {folder}: {reason}", folder=out_dir,
                              reason=error.strerror or error)) from None
    return written


def ensure_schemas(site_dir: Path) -> None:
    """Write the schemas when the site has no schemas/ folder yet, so that the first line of a
    new unit file finds its schema without a network; an existing folder is left as it is."""
    if not (site_dir / SCHEMAS).exists():
        write_schemas(site_dir)


def schema_for(relative: str) -> str | None:
    """The schema file that describes a site file, by its path relative to the site folder."""
    path = PurePosixPath(relative.replace("\\", "/"))
    if str(path) == SITE_FILE:
        return SITE_SCHEMA_FILE.name
    if str(path) in (UNITS_FILE, UNITS_FILE_YML):
        return UNITS_SCHEMA_FILE.name
    if len(path.parts) == 3 and path.parts[0] == CONTENT and path.suffix in (".yaml", ".yml"):
        return UNIT_SCHEMA_FILE.name
    return None


MODELINE_PREFIX = "# yaml-language-server: $schema="


def modeline(relative: str) -> str:
    """The first line that points VS Code's YAML extension at a site file's schema, as a
    path relative to that file: content/r3/u1.yaml -> ../../schemas/unit.schema.json."""
    name = schema_for(relative)
    if name is None:
        raise ValueError(f"no schema describes {relative}")
    depth = len(PurePosixPath(relative.replace("\\", "/")).parts) - 1
    return f"{MODELINE_PREFIX}{'../' * depth}{SCHEMAS}/{name}"


def with_modeline(text: str, relative: str) -> str:
    """A site file's text with its schema line first; a file that already names a schema
    keeps its own line."""
    if text.lstrip("\ufeff").startswith(MODELINE_PREFIX):
        return text
    newline = "\r\n" if "\r\n" in text else "\n"
    return modeline(relative) + newline + text
