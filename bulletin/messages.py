"""The language staff read: every message, summary and help text goes through here.

Messages are written in English in the code, marked with `_()`, and translated from
gettext catalogs (`bulletin/locale/<lang>/LC_MESSAGES/bulletin.po`, compiled to `.mo`
beside it). The pages citizens read are translated separately (templates/i18n), since a
district may reword those.

Placeholders are named and filled after translation, so a translator can move them:
`_("{count} units", count=3)`.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path
from typing import Mapping

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "bulletin"
DEFAULT_LANGUAGE = "zh-CN"
# Interface languages, with the gettext folder of each; English is the source text.
LANGUAGES = {"zh-CN": "zh_CN", "en": "en"}

_active: gettext.NullTranslations = gettext.NullTranslations()
_active_language = "en"  # the source text, until the CLI chooses (a library call speaks English)


def activate(language: str) -> None:
    """Speak `language` from now on, click's own messages included (click asks the
    process-wide gettext, so its domain is pointed at our catalog too)."""
    global _active, _active_language
    folder = LANGUAGES.get(language, "en")
    _active = gettext.translation(DOMAIN, LOCALE_DIR, languages=[folder], fallback=True)
    _active_language = language if language in LANGUAGES else "en"
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = folder  # read by gettext.gettext, which click calls


def active_language() -> str:
    return _active_language


def _(message: str, /, **values: object) -> str:
    """`message` in the active language, its {placeholders} filled from `values`."""
    text = _active.gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, count: int, /, **values: object) -> str:
    """The singular or plural form for `count` (Chinese has one form); {count} is filled."""
    return _active.ngettext(singular, plural, count).format(count=count, **values)


def pgettext(context: str, message: str, /, **values: object) -> str:
    """A short word whose meaning depends on `context` ("field", "status"...)."""
    text = _active.pgettext(context, message)
    return text.format(**values) if values else text


def N_(message: str) -> str:
    """Marks a message for the catalog where it is declared; it is translated where shown."""
    return message


def language_from_environment(environ: Mapping[str, str]) -> str | None:
    """The interface language the environment asks for, or None. `C` and `POSIX` say nothing
    about a language (they are what a server or a container runs with), so they are skipped."""
    for variable in ("LANGUAGE", "LC_ALL", "LANG"):
        for entry in environ.get(variable, "").split(":"):
            code = entry.split(".")[0].split("@")[0].replace("_", "-").strip()
            if not code or code.upper() in ("C", "POSIX"):
                continue
            if code.lower().startswith("zh"):
                return "zh-CN"
            if code.lower().startswith("en"):
                return "en"
    return None


def choose_language(option: str | None, site_language: str | None, environ: Mapping[str, str]) -> str:
    """--lang, then site.yaml's `language`, then the environment, then zh-CN."""
    for choice in (option, site_language, language_from_environment(environ)):
        if choice in LANGUAGES:
            return choice
    return DEFAULT_LANGUAGE
