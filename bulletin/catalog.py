"""Keeps the message catalogs complete: extract every marked message, merge it into each
language's .po, compile the .mo that runs. For maintainers (needs Babel, a test
dependency); staff never run it, since the compiled catalogs are committed.

    python3 -m bulletin.catalog            # update the .po files and compile them
    python3 -m bulletin.catalog --check    # exit 1 when a message lacks a translation

Click's own messages (usage errors, "Show this message and exit.") are extracted from
the installed click too, so they speak the staff's language as well.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .files import write_whole
from .messages import DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
# A fixed date in the headers: the same messages compile to the same bytes.
EPOCH = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)


def template() -> Catalog:
    """Every message the code and click can print, from their source."""
    import click
    catalog = Catalog(domain=DOMAIN, project="bulletin", creation_date=EPOCH, revision_date=EPOCH)
    sources = [(ROOT, {"_": None, **KEYWORDS}, [("bulletin/**.py", "python"), ("build.py", "python")]),
               (Path(click.__file__).parent, {"_": None, "ngettext": (1, 2)}, [("**.py", "python")])]
    for folder, keywords, method_map in sources:
        for filename, lineno, message, comments, context in extract_from_dir(
                folder, method_map=method_map, keywords=keywords, strip_comment_tags=True):
            if "catalog.py" in filename:
                continue
            catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return LOCALE_DIR / LANGUAGES[language] / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=LANGUAGES[language], domain=DOMAIN, creation_date=EPOCH, revision_date=EPOCH)
    with open(path, "rb") as handle:
        return read_po(handle, locale=LANGUAGES[language], domain=DOMAIN)


def merge_parts(catalog: Catalog, parts: list[Path]) -> None:
    """Translations handed in as JSON ({"msgid": "译文"}, a plural as a list, a context as
    "context\\u0004msgid"), for work done in parallel before it reaches the .po."""
    for part in parts:
        for key, text in json.loads(part.read_text("utf-8")).items():
            context, _, msgid = key.rpartition("\x04")
            message = catalog.get(msgid, context=context or None)
            if message is not None and text:
                message.string = tuple(text) if isinstance(text, list) else text


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def written_po(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, sort_output=True, include_lineno=False, width=0)
    return buffer.getvalue()


def updated(language: str, parts: list[Path] = ()) -> Catalog:
    catalog = read_catalog(language)
    catalog.update(template(), no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    catalog.creation_date = catalog.revision_date = EPOCH
    catalog.project, catalog.version, catalog.fuzzy = "bulletin", "", False
    catalog.copyright_holder = catalog.last_translator = "bulletin contributors"
    catalog.msgid_bugs_address, catalog.language_team = "", language
    catalog.header_comment = (f"# {language} messages of bulletin, the transparency bulletin generator.\n"
                              "# Written with the code; update with: python3 -m bulletin.catalog")
    merge_parts(catalog, list(parts))
    return catalog


def untranslated(catalog: Catalog) -> list[str]:
    return sorted(str(m.id) for m in catalog if m.id and (m.fuzzy or not all(
        m.string if isinstance(m.string, tuple) else [m.string])))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    parts = [Path(a) for a in argv if a.endswith(".json")]
    for language in LANGUAGES:
        if language == "en":
            continue  # the source language
        catalog = updated(language, parts)
        missing = untranslated(catalog)
        if check:
            for msgid in missing:
                print(f"{language}: no translation: {msgid!r}")
            if missing:
                return 1
            continue
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, [written_po(catalog)])
        write_whole(path.with_suffix(".mo"), [compiled(catalog)])
        print(f"{path}: {len(catalog)} messages, {len(missing)} without a translation")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
