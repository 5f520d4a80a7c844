"""Problems found in content, each pointing at a file, line and column."""

from __future__ import annotations

import difflib
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
        return prefix + self.message


class ContentError(Exception):
    """Raised once, with every problem found, when content cannot be built."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to `word`, or None when nothing is close.

    Compared ignoring case: 'Title' or a file named U1.yaml should still find
    'title' and 'u1'."""
    folded: dict[str, str] = {}
    for choice in sorted(choices):
        folded.setdefault(choice.casefold(), choice)
    matches = difflib.get_close_matches(str(word).casefold(), list(folded), n=1, cutoff=0.6)
    return folded[matches[0]] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' suffix, or '' when nothing is close."""
    match = closest(word, choices)
    return f" (did you mean '{match}'?)" if match else ""
