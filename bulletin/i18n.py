"""Translation tables: every string of the interface comes from here, none from templates."""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass
from pathlib import Path

from .messages import _
from .problems import ContentError, Location, Problem
from .source import read_yaml_file


@dataclass(frozen=True)
class Translator:
    language: str
    table: dict[str, str]

    def __call__(self, key: str, **values: object) -> str:
        try:
            text = self.table[key]
        except KeyError:
            raise KeyError(_("no translation for '{key}' in language {language}", key=key,
                             language=self.language)) from None
        return text.format(**values) if values else text

    def date(self, value: dt.date) -> str:
        return self.table["date_format"].format(year=value.year, month=value.month, day=value.day)

    def status(self, status: str) -> str:
        return self(f"status.{status}")

    def column(self, kind: str) -> str:
        """A page kind (its template's name, "round") as portals read it in <meta name="ColumnName">;
        a kind without a name of its own (a district's own page) is called by the generic one."""
        return self.table.get(f"column.{kind}") or self("column.page")


def load_translator(language: str, template_dirs: list[Path], site_dir: Path) -> Translator:
    """Bundled table first, then the site's own, key by key, so a district can
    change one phrase without copying the whole table."""
    table: dict[str, str] = {}
    for folder in reversed(template_dirs):
        path = folder / "i18n" / f"{language}.yaml"
        if not path.is_file():
            continue
        document = read_yaml_file(path, site_dir)
        data = document.data or {}
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ContentError([Problem(Location(document.display_path, 1, 1), "",
                                        _("a translation table maps each key to a text"))])
        problems = [Problem(document.where((key,), key=True), str(key), why)
                    for key, text in data.items() if (why := _placeholder_problem(text))]
        if problems:
            raise ContentError(problems)
        table.update(data)
    if not table:
        raise ContentError([Problem(Location("site.yaml", 1, 1), "language",
                                    _("no translation table for language '{language}'", language=language))])
    return Translator(language, table)


_SMALL_WIDTH = re.compile(r"(0?[1-9]d)?")


def _placeholder_problem(text: str) -> str:
    """Why a translation's {placeholders} cannot be used, or "". Only names are allowed, with
    at most a small zero-padded width ({month:02d}): a width such as {year:>999999999} would
    fill memory, and {x.attr} or {x[0]} would reach into the values."""
    try:
        fields = [(name, spec, conversion) for _literal, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None]
    except ValueError as error:
        return _("braces do not pair up ({error}); write a literal brace as {{{{ or }}}}", error=error)
    for name, spec, conversion in fields:
        if not name.isidentifier() or conversion or not _SMALL_WIDTH.fullmatch(spec):
            written = f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            return _("'{written}' is not a placeholder a translation may use: write the value's name alone in "
                     "braces, e.g. {{year}}", written=written)
    return ""
