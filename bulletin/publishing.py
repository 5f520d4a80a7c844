"""`publish`: freeze a round by recording it in the ledger (see ledger.py), and make a draft
round public by removing its `draft: true` line from site.yaml, in one step."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .files import write_whole
from .layout import LEDGER_PATH, SITE_FILE
from .ledger import PublishedRound, ledger_lock, publish
from .loader import load_content, read_site
from .messages import _
from .source import decode_text


class PublishProblem(Exception):
    """The round cannot be published; the message says why."""


@dataclass(frozen=True)
class Publication:
    entry: PublishedRound  # what the ledger recorded
    was_draft: bool  # its draft: true line was removed from site.yaml

    @property
    def files(self):
        return self.entry.files

    @property
    def digest(self) -> str:
        return self.entry.digest


def publish_round(site_dir: Path, round_id: str) -> Publication:
    """Freeze a valid round: record its files and site entry in the ledger; a draft becomes
    public too, its `draft: true` line removed from site.yaml, every other byte kept. Both or
    neither: site.yaml is written only once the ledger is. Two publishes at once take turns:
    each reads the ledger as the other left it."""
    with ledger_lock(site_dir):
        sources = read_site(site_dir)
        content, _corrections = load_content(sources)  # only a valid site, unchanged since its last publication
        rounds = sources.config.rounds
        if round_id not in [r.id for r in rounds]:
            raise PublishProblem(_("round '{round}' is not listed under rounds: in site.yaml", round=round_id))
        if any(p.round_id == round_id for p in sources.ledger):
            raise PublishProblem(_("round '{round}' is already published; a correction is made in its unit "
                                   "files under corrections:, never by publishing again", round=round_id))
        index = [r.id for r in rounds].index(round_id)
        site_yaml = site_dir / SITE_FILE
        written = site_yaml.read_bytes()
        public_text = None
        if rounds[index].draft:
            earlier = [r.id for r in rounds[:index] if r.draft]
            if earlier:
                raise PublishProblem(_("round {round} comes after draft round {earlier}: rounds are published in "
                                       "the order site.yaml lists them; publish {earlier} first",
                                       round=round_id, earlier=earlier[0]))
            public_text = without_draft_line(written, index)
        ledger_path = site_dir / LEDGER_PATH
        ledger_before = ledger_path.read_bytes() if ledger_path.is_file() else None
        try:
            entry = publish(site_dir, sources.config, content, sources.ledger, round_id)
        except OSError as error:
            raise PublishProblem(_("cannot write {ledger}: {reason}; nothing was recorded", ledger=LEDGER_PATH,
                                   reason=error.strerror or error)) from None
        if public_text is not None:
            try:
                if site_yaml.read_bytes() != written:
                    raise OSError(_("it was changed while the round was being published"))
                write_whole(site_yaml, [public_text])
            except OSError as error:
                _restore(ledger_path, ledger_before)
                raise PublishProblem(_("cannot write {site_file}: {reason}; nothing was recorded, publish again",
                                       site_file=SITE_FILE, reason=error.strerror or error)) from None
        return Publication(entry, public_text is not None)


def _restore(path: Path, before: bytes | None) -> None:
    """The ledger as it was before this publication (none when there was none)."""
    if before is None:
        path.unlink(missing_ok=True)
    else:
        write_whole(path, [before])


# `draft: true` alone on its line, with an optional comment: the only form removed by itself.
_DRAFT_LINE = re.compile(rb"[ \t]*draft[ \t]*:[ \t]*[^#\s]+[ \t]*(#.*)?(\r\n|\r|\n)?")


def without_draft_line(written: bytes, index: int) -> bytes:
    """site.yaml as written, without the `draft:` line of rounds[index]: a text edit of that one
    line, so that every comment and every other byte stays as staff wrote it."""
    root = yaml.compose(decode_text(written, SITE_FILE), Loader=yaml.SafeLoader)
    rounds = next(value for key, value in root.value if key.value == "rounds")
    item = rounds.value[index]
    key = next(key for key, _value in item.value if key.value == "draft")
    lines = written.splitlines(keepends=True)
    line = key.start_mark.line
    if (key.start_mark.line >= len(lines) or not _DRAFT_LINE.fullmatch(lines[line])
            or item.value[0][0] is key or item.flow_style):
        raise PublishProblem(_("{site_file}:{line}: write draft: true on a line of its own under the round's "
                               "title and date, then publish again", site_file=SITE_FILE, line=line + 1))
    return b"".join(lines[:line] + lines[line + 1:])
