"""Problems found in content, each pointing at a file, line and column."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True, order=True)
class Location:
    path: str  # as shown to staff: relative to the site folder, with forward slashes
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    location: Location
    field: str  # e.g. "projects[2].status"; empty when the whole file is at fault
    message: str

    def __str__(self) -> str:
        prefix = f"{self.location}: "
        if self.field:
            prefix += f"{self.field}: "
        return printable(prefix + self.message)


def printable(text: str) -> str:
    """Text with every character that cannot be seen (NUL, a pasted zero-width space, a
    line break inside a value, a terminal escape) written as its escape, as repr() does:
    one problem stays one readable line, and what staff must delete is visible."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii")
                   for c in text)


class ContentError(Exception):
    """Raised once, with every problem found, when content cannot be built."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def halfwidth(text: str) -> str:
    """Full-width letters, digits and punctuation (ｉｄ, １, ：) as their ordinary forms."""
    return unicodedata.normalize("NFKC", text)


def fullwidth_hint(written: str) -> str:
    """A note for text typed with a Chinese input method in full-width mode, or ''."""
    if halfwidth(written) != written and any("\uff01" <= c <= "\uff5e" or c == "\u3000" for c in written):
        return (f"; '{written}' is typed in full-width characters: switch the input method to half-width "
                f"(半角) and type '{halfwidth(written).strip()}'")
    return ""


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to `word`, or None when nothing is close.

    Compared ignoring case and full-width forms: 'Title', 'ｔｉｔｌｅ' or a file named
    U1.yaml should still find 'title' and 'u1'."""
    folded: dict[str, str] = {}
    for choice in sorted(choices):
        folded.setdefault(choice.casefold(), choice)
    matches = difflib.get_close_matches(halfwidth(str(word)).casefold(), list(folded), n=1, cutoff=0.6)
    return folded[matches[0]] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' suffix, or '' when nothing is close."""
    match = closest(word, choices)
    if not match:
        return ""
    if halfwidth(str(word)) != str(word):
        return f" (did you mean '{match}'? it is typed in full-width characters: switch the input method to half-width)"
    return f" (did you mean '{match}'?)"
