"""Progress of a long build, on a terminal only.

One line, rewritten in place: the stage, and pages or units done out of all.
Quiet when standard error is not a terminal (a log, a pipe) and in CI, where a
carriage-return line would only be noise.
"""

from __future__ import annotations

import os
import sys
import time
import unicodedata
from typing import TextIO

from .messages import _


class Progress:
    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None, interval: float = 0.2):
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = _is_terminal(self.stream) and not os.environ.get("CI")
        self.enabled = enabled
        self.interval = interval
        self._stage = ""
        self._last = 0.0
        self._width = 0
        self._started = time.monotonic()

    @classmethod
    def quiet(cls) -> "Progress":
        return cls(enabled=False)

    def stage(self, name: str) -> None:
        """`name` as staff read it: the caller translates it."""
        self._stage = name
        self._show(name, force=True)

    def count(self, done: int, total: int, what: str) -> None:
        """`what` (translated by the caller) is counted: "units", "shards"."""
        self._show(_("{stage}: {done}/{total} {what}", stage=self._stage, done=f"{done:,}", total=f"{total:,}",
                     what=what), force=done == total)

    def done(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def _show(self, text: str, force: bool) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        line = f"[{now - self._started:6.1f}s] {text}"
        width = columns(line)
        self.stream.write("\r" + line + " " * (self._width - width))  # blank what a longer line left
        self.stream.flush()
        self._width = max(self._width, width)


def columns(text: str) -> int:
    """The width of text on a terminal: a Chinese character takes two columns, so padding
    by characters would leave part of a longer Chinese line behind."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
