"""Starting the next round from the latest one.

Each unit file of the latest round is copied as written (the comments inside
its projects included; those above its first key, about the round copied, and
its corrections left out) for staff to rewrite, and the round is appended to
site.yaml as a draft (`draft: true`) by inserting lines after the last round,
so every other byte of site.yaml, its comments included, stays as staff wrote it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import unicodedata
from pathlib import Path

import yaml

from .files import write_whole
from .jsonschema_export import MODELINE_PREFIX, SchemaProblem, ensure_schemas, with_modeline
from .layout import CONTENT, SITE_FILE
from .loader import load_site
from .messages import _
from .schema import PLAIN_NAME, WINDOWS_RESERVED
from .source import decode_text


TITLE_AT_MOST = 500  # as any one-line field (schema.Text)


class NewRoundProblem(Exception):
    """The round cannot be started; the message says why and how to fix it."""


def new_round(site_dir: Path, round_id: str, title: str, date_text: str, empty: bool = False) -> list[Path]:
    """Append round_id to site.yaml as a draft, with a copy of each unit file of the latest
    round (none when `empty`: its files are written or imported afterwards)."""
    if not PLAIN_NAME.fullmatch(round_id):
        raise NewRoundProblem(_("round id {round} is not a plain name: use letters, digits, '-' and '_'",
                                round=repr(round_id)))
    if round_id.upper() in WINDOWS_RESERVED:
        raise NewRoundProblem(_("round id '{round}' is a device name on Windows, where a folder of that name "
                                "cannot be opened or copied: choose another id", round=round_id))
    try:
        date = dt.date.fromisoformat(date_text)
    except ValueError:
        raise NewRoundProblem(_("--date '{date}' is not a date written like 2021-10-25", date=date_text)) from None
    if not title.strip():
        raise NewRoundProblem(_("--title must not be empty"))
    if len(title.strip()) > TITLE_AT_MOST or any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in title):
        raise NewRoundProblem(_("--title must be one line of at most {limit} characters, without "
                                "control or invisible characters", limit=TITLE_AT_MOST))

    site = load_site(site_dir)  # only a valid site is extended
    same = next((r.id for r in site.rounds if r.id.casefold() == round_id.casefold()), None)
    if same is not None:  # r2 and R2 would be one folder on Windows and macOS
        raise NewRoundProblem(_("round '{round}' is already listed in site.yaml", round=same))
    latest = site.latest_round
    if date < latest.date:
        raise NewRoundProblem(_("{date} is before the latest round '{round}' ({round_date})", date=date,
                                round=latest.id, round_date=latest.date))
    target = site_dir / CONTENT / round_id
    if target.exists():
        raise NewRoundProblem(_("content/{round}/ already exists; remove it or choose another id", round=round_id))

    site_yaml = site_dir / SITE_FILE
    updated = append_round(decode_text(site_yaml.read_bytes(), SITE_FILE), round_id, title.strip(), date)

    source = site_dir / CONTENT / latest.id
    created = []
    try:
        target.mkdir(parents=True)
        for path in [] if empty or not source.is_dir() else sorted(source.iterdir()):  # a draft may have no folder
            if path.is_file() and not path.name.startswith("."):
                copy = target / path.name
                raw = path.read_bytes()
                text = decode_text(raw, f"content/{latest.id}/{path.name}")
                # first line: the schema that gives completion in the editor (VS Code's YAML extension)
                kept = with_modeline(without_header_comments(without_corrections(text)),
                                     f"{CONTENT}/{round_id}/{path.name}")
                if kept == text:
                    copy.write_bytes(raw)  # as written, byte for byte
                else:
                    copy.write_text(kept, encoding="utf-8", newline="")
                created.append(copy)
        write_whole(site_yaml, [updated.encode("utf-8")])  # site.yaml is never left half-written
    except OSError as error:
        shutil.rmtree(target, ignore_errors=True)
        raise NewRoundProblem(_("cannot write the new round: {reason}; nothing was changed",
                                reason=error.strerror or error)) from None
    try:
        ensure_schemas(site_dir)  # what the new files' first line points at, found without a network
    except SchemaProblem:
        pass  # only the editor's completion misses them; `python build.py schema` says why
    return created


def without_header_comments(text: str) -> str:
    """A unit file's text without the comments above its first key: they speak of the round
    copied (# 2021年第二轮 ...), not of the new one. Comments further down, inside the
    projects, stay; so does the editor's schema line."""
    lines = text.splitlines(keepends=True)
    first = next((number for number, line in enumerate(lines)
                  if line.strip() and not line.lstrip().startswith("#")), len(lines))
    header = lines[:first]
    if not any(line.lstrip().startswith("#") and not line.startswith(MODELINE_PREFIX) for line in header):
        return text
    return "".join([line for line in header if line.startswith(MODELINE_PREFIX)] + lines[first:])


def without_corrections(text: str) -> str:
    """A unit file's text without its top-level `corrections:` block: they correct the
    round they were declared in, not the next one. Every other line stays as written."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return text
    if not isinstance(root, yaml.MappingNode):
        return text
    keys = [key for key, _ in root.value]
    for index, (key, value) in enumerate(root.value):
        if key.value != "corrections":
            continue
        lines = text.splitlines(keepends=True)
        start = key.start_mark.line
        end = keys[index + 1].start_mark.line if index + 1 < len(keys) else len(lines)
        while end > start + 1 and lines[end - 1].lstrip().startswith("#"):
            end -= 1  # a comment just before the next key belongs to it
        return "".join(lines[:start] + lines[end:])
    return text


def append_round(text: str, round_id: str, title: str, date: dt.date) -> str:
    """site.yaml text with one more item at the end of `rounds:`, nothing else touched."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    rounds = next(value for key, value in root.value if key.value == "rounds")
    if rounds.flow_style or not rounds.value:
        raise NewRoundProblem(_("rounds: in site.yaml is not a block list ('- id: ...' lines); "
                                "add the round there by hand"))
    last = rounds.value[-1]
    key_column = last.start_mark.column
    line_start = text.rfind("\n", 0, last.start_mark.index) + 1
    dash_column = text.index("-", line_start) - line_start
    # Insert after the line where the last item's last value ends, so comments
    # and blank lines that follow the list stay where they are.
    deepest = last
    while isinstance(deepest, (yaml.MappingNode, yaml.SequenceNode)) and deepest.value:
        deepest = deepest.value[-1][1] if isinstance(deepest, yaml.MappingNode) else deepest.value[-1]
    lines = text.splitlines(keepends=True)
    end = deepest.end_mark
    end_line = end.line if end.column == 0 else end.line + 1
    while end_line > 0 and not lines[end_line - 1].strip():
        end_line -= 1
    before = "".join(lines[:end_line])
    if before and not before.endswith(("\n", "\r")):
        before += "\n"
    newline = "\r\n" if "\r\n" in text else "\n"
    item = (f"{' ' * dash_column}-{' ' * (key_column - dash_column - 1)}id: {round_id}{newline}"
            f"{' ' * key_column}title: {json.dumps(title, ensure_ascii=False)}{newline}"
            f"{' ' * key_column}date: {date.isoformat()}{newline}"
            f"{' ' * key_column}draft: true{newline}")  # public once 'python build.py publish' removes this line
    return before + item + "".join(lines[end_line:])
