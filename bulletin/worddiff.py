"""Which words changed between two texts: a correction's before → after, marked word by word.

A citizen comparing two long paragraphs that differ in one figure cannot see the
figure; the notice shows the text once, with what was deleted and what was inserted
marked. Chinese has no spaces between words, so each Chinese character is a token;
a run of Latin letters or digits is one word ("2021", "50"), so a changed figure is
shown whole; every other character (punctuation, a space run) is a token of its own.

Pure and deterministic: the same two texts give the same segments on every machine.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

EQUAL, DELETED, INSERTED = "equal", "deleted", "inserted"

# Past this many tokens in the part of the texts that differs (common beginning and end
# set aside), the texts are shown whole, before and after: SequenceMatcher's work grows
# with the product of the two lengths, and a correction that rewrote that much is better
# read as two texts anyway. 2,000 x 2,000 tokens take a fraction of a second.
MAX_DIFF_TOKENS = 2000

_TOKEN = re.compile(
    r"[A-Za-z0-9\u00C0-\u024F\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]+"  # a word or a number (half- or full-width)
    r"|\s+"  # a run of spaces or line breaks
    r"|.",  # anything else alone: a Chinese character, a punctuation mark
    re.DOTALL)


@dataclass(frozen=True)
class Segment:
    kind: str  # EQUAL, DELETED or INSERTED
    text: str


def tokens(text: str) -> list[str]:
    """The text cut into the units a difference is measured in; joined, they give the text back."""
    return _TOKEN.findall(text)


def word_diff(before: str, after: str, limit: int = MAX_DIFF_TOKENS) -> tuple[Segment, ...] | None:
    """The segments that read `before` with the deleted ones and `after` with the inserted ones,
    or None when the differing part is longer than `limit` tokens (show both texts whole)."""
    old, new = tokens(before), tokens(after)
    start = 0
    while start < len(old) and start < len(new) and old[start] == new[start]:
        start += 1
    end = 0
    while end < len(old) - start and end < len(new) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    old_middle, new_middle = old[start:len(old) - end], new[start:len(new) - end]
    if len(old_middle) > limit or len(new_middle) > limit:
        return None
    # Runs of the texts: a str is a run both share, a pair (deleted, inserted) a change.
    # autojunk off: it would take frequent characters (的, ，) for noise and mark whole sentences changed.
    runs: list[str | tuple[str, str]] = ["".join(old[:start])]
    matcher = difflib.SequenceMatcher(None, old_middle, new_middle, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append("".join(old_middle[i1:i2]))
        else:  # replace, delete, insert: what went, and what came in its place
            _add_change(runs, "".join(old_middle[i1:i2]), "".join(new_middle[j1:j2]))
    runs.append("".join(old[len(old) - end:]) if end else "")
    segments: list[Segment] = []
    for run in runs:
        if isinstance(run, str):
            segments += [Segment(EQUAL, run)] if run else []
        else:
            segments += [Segment(kind, text) for kind, text in zip((DELETED, INSERTED), run) if text]
    return tuple(segments)


def _add_change(runs: list, deleted: str, inserted: str) -> None:
    """Append a change; one token left alone between two changes (a 的, a comma) joins them:
    "A的B" -> "C的D" reads as one change, not two changes around a 的 that stayed."""
    if len(runs) >= 2 and isinstance(runs[-2], tuple) and isinstance(runs[-1], str) and len(tokens(runs[-1])) <= 1:
        kept = runs.pop()
        before, after = runs.pop()
        deleted, inserted = before + kept + deleted, after + kept + inserted
    runs.append((deleted, inserted))
