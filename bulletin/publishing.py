"""`publish`: freeze a round by recording it in the ledger (see ledger.py)."""

from __future__ import annotations

from pathlib import Path

from .layout import LEDGER_PATH
from .ledger import PublishedRound, ledger_lock, publish
from .loader import load_content, read_site


class PublishProblem(Exception):
    """The round cannot be published; the message says why."""


def publish_round(site_dir: Path, round_id: str) -> PublishedRound:
    """Freeze a valid round: record its files and site entry in the ledger. Two publishes
    at once take turns: each reads the ledger as the other left it."""
    with ledger_lock(site_dir):
        sources = read_site(site_dir)
        content, _ = load_content(sources)  # only a valid site, unchanged since its last publication
        if round_id not in [r.id for r in sources.config.rounds]:
            raise PublishProblem(f"round '{round_id}' is not listed under rounds: in site.yaml")
        if any(p.round_id == round_id for p in sources.ledger):
            raise PublishProblem(f"round '{round_id}' is already published; a correction is made in its unit "
                                 "files under corrections:, never by publishing again")
        try:
            return publish(site_dir, sources.config, content, sources.ledger, round_id)
        except OSError as error:
            raise PublishProblem(f"cannot write {LEDGER_PATH}: {error.strerror or error}; nothing was "
                                 "recorded") from None
