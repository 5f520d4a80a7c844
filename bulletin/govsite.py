"""What a Chinese government site carries besides the bulletins themselves: the 逾期 (overdue)
judgement of a project's 完成时限, and the 信息公开 facts of a round's bulletin."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .config import SiteConfig, index_number

# model.py uses is_overdue, so the statuses are named here: done, or no longer owed.
CLOSED = frozenset({"completed", "cancelled"})


def is_overdue(due: str, status: str, on: dt.date) -> bool:
    """Whether a project due `due` (ISO day '2021-08-24' or month '2021-08') and not completed is
    past its 完成时限 on the date of the round shown, never today's: a page stays the same
    whenever it is built. A month is due on its last day, so it is overdue from the 1st of the next."""
    if not due or status in CLOSED:
        return False
    # ISO dates compare as text; cutting the round's date to the due's length compares a month with a month
    return on.isoformat()[:len(due)] > due


@dataclass(frozen=True)
class OpenInfo:
    """The 信息公开 block of a round's bulletin; "" for what the site does not set."""

    index_number: str  # 索引号
    document_number: str  # 文号
    subject: str  # 主题分类


def open_info(config: SiteConfig, round_id: str) -> OpenInfo:
    round_config = next((r for r in config.rounds if r.id == round_id), None)
    return OpenInfo(index_number(config, round_id), round_config.document_number if round_config else "",
                    config.subject)


def site_domain(base_url: str) -> str:
    """The host of base_url (https://www.example.gov.cn/banshishi/ -> www.example.gov.cn), or ""."""
    rest = base_url.split("://", 1)[1] if "://" in base_url else ""
    return rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
