"""Declarative schemas for the files staff write, and the checker that applies them.

Each file's shape is declared once, one field per line with a one-line doc
(the same declarations can later be exported as JSON Schema for editors).
The checker never guesses: a wrong type is a located problem, not a default.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .problems import Problem, did_you_mean
from .source import SourceDocument, format_path

PLAIN_NAME = re.compile(r"^[A-Za-z0-9_-]+$")

_TYPE_NAMES = {
    bool: "true/false", int: "a number", float: "a number", str: "text",
    dict: "a group of fields", list: "a list", type(None): "nothing",
    dt.date: "a date", dt.datetime: "a date and time",
}


def describe(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class Checker:
    """Collects problems while checking one document."""

    def __init__(self, document: SourceDocument):
        self.document = document
        self.problems: list[Problem] = []

    def report(self, path: tuple, message: str, *, key: bool = False) -> None:
        self.problems.append(Problem(self.document.where(path, key=key), format_path(path), message))


class Type:
    def check(self, value: Any, path: tuple, checker: Checker) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Type):
    multiline: bool = False
    max_length: int = 20_000

    def check(self, value, path, checker):
        if not isinstance(value, str):
            hint = ""
            if isinstance(value, (bool, int, float, dt.date)):
                hint = "; put it in quotes so it stays exactly as written"
            checker.report(path, f"expected text, found {describe(value)} {value!r}{hint}")
            return None
        text = value.strip()
        if not text:
            checker.report(path, "must not be empty")
            return None
        if len(text) > self.max_length:
            checker.report(path, f"is {len(text)} characters long; at most {self.max_length} are allowed")
            return None
        if not self.multiline:
            text = " ".join(text.split())
        return text


@dataclass(frozen=True)
class Identifier(Type):
    def check(self, value, path, checker):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # `id: 3` is a fine name; it becomes part of a URL as "3"
        if not isinstance(value, str):
            checker.report(path, f"expected a plain name, found {describe(value)}")
            return None
        if not PLAIN_NAME.match(value):
            checker.report(path, f"'{value}' is not a plain name: use only letters a-z, A-Z, "
                                 "digits 0-9, '-' and '_' (it becomes part of a web address)")
            return None
        return value


@dataclass(frozen=True)
class Number(Type):
    minimum: float | None = 0
    positive: bool = False

    def check(self, value, path, checker):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = ""
            if isinstance(value, str) and re.fullmatch(r"[\d,，.]+", value.strip()):
                hint = "; write the digits alone, without quotes or thousands separators"
            checker.report(path, f"expected a number, found {describe(value)} {value!r}{hint}")
            return None
        if value != value or value in (float("inf"), float("-inf")):
            checker.report(path, "expected a finite number")
            return None
        if self.positive and value <= 0:
            checker.report(path, f"must be greater than 0, found {value}")
            return None
        if self.minimum is not None and value < self.minimum:
            checker.report(path, f"must be at least {self.minimum}, found {value}")
            return None
        return value


@dataclass(frozen=True)
class Date(Type):
    def check(self, value, path, checker):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        checker.report(path, f"expected a date written like 2021-08-24, found {value!r}")
        return None


@dataclass(frozen=True)
class OneOf(Type):
    choices: tuple[str, ...]

    def check(self, value, path, checker):
        if value not in self.choices:
            shown = value if isinstance(value, str) else describe(value)
            checker.report(path, f"'{shown}' is not one of {', '.join(self.choices)}"
                                 f"{did_you_mean(shown, self.choices)}")
            return None
        return value


@dataclass(frozen=True)
class Field:
    name: str
    type: Type
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Record(Type):
    fields: tuple[Field, ...]

    def check(self, value, path, checker):
        if not isinstance(value, dict):
            names = ", ".join(f.name for f in self.fields if f.required) or self.fields[0].name
            checker.report(path, f"expected a group of fields ({names}, ...), found {describe(value)}")
            return None
        known = {f.name: f for f in self.fields}
        result: dict[str, Any] = {}
        valid = True
        for key in value:
            if key not in known:
                checker.report(path + (key,), f"unknown field '{key}'{did_you_mean(key, known)}", key=True)
                valid = False
        for spec in self.fields:
            if spec.name not in value or value[spec.name] is None:
                if spec.required:
                    where = path + (spec.name,) if spec.name in value else path
                    checker.report(where, f"missing required field '{spec.name}'")
                    valid = False
                continue
            checked = spec.type.check(value[spec.name], path + (spec.name,), checker)
            if checked is None:
                valid = False
            result[spec.name] = checked
        return result if valid else None


@dataclass(frozen=True)
class ListOf(Type):
    item: Type
    allow_empty: bool = True

    def check(self, value, path, checker):
        if not isinstance(value, list):
            checker.report(path, f"expected a list (lines starting with '- '), found {describe(value)}")
            return None
        if not value and not self.allow_empty:
            checker.report(path, "must list at least one entry")
            return None
        items = [self.item.check(item, path + (index,), checker) for index, item in enumerate(value)]
        return None if any(item is None for item in items) else items


def check_document(document: SourceDocument, schema: Record, what: str) -> tuple[dict | None, list[Problem]]:
    """Check a whole file against its schema; (clean data or None, problems)."""
    checker = Checker(document)
    if document.data is None:
        required = ", ".join(f"'{f.name}:'" for f in schema.fields if f.required)
        checker.report((), f"file is empty; a {what} needs {required}")
        return None, checker.problems
    return schema.check(document.data, (), checker), checker.problems
