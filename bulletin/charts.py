"""Small pictures drawn at build time as inline SVG: numbers in, markup out.

No chart library and no script reach the browser: each picture is a few rects and
texts placed in percent of its width, so it fits a phone and a desktop alike, and it
is styled by classes of static/style.css only (the CSP allows no style attribute).
Every picture is role="img" with a <title> saying its numbers in words, and its page
shows the same numbers as text beside it; colour is never the only cue (each segment
is labelled with its number, each timeline mark with a glyph of its status).

Every text that comes in (labels, titles) is escaped here.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

from markupsafe import Markup, escape

NOT_REPORTED = "not_reported"  # as in model.py: a pseudo-status for counts and badges

# A glyph per status, so a timeline mark is told apart without its colour.
STATUS_GLYPHS = {
    "not_started": "○",
    "in_progress": "▶",
    "completed": "✓",
    "suspended": "Ⅱ",
    "cancelled": "✕",
    NOT_REPORTED: "?",
}

BAR_HEIGHT = 28
TIMELINE_HEIGHT = 26
TARGET_HEIGHT = 42


def _percent(value: float) -> str:
    """A percentage as a short, stable attribute value: 33.333.. -> '33.33%'."""
    return f"{round(value, 2):g}%"


# The pictures are built with plain string formatting, not Markup.format (ten times slower, and a
# province draws millions of them): every value put into them is a number, a class name of our own
# (a status key or a chart kind) or text passed through escape().
def _svg(kind: str, title: str, height: int, body: Iterable[str]) -> Markup:
    return Markup(f'<svg class="chart {kind}" role="img" width="100%" height="{height}" '
                  f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>')


def status_bar(counts: Mapping[str, int], title: str) -> Markup:
    """One stacked bar of a list's projects by status, in the order of `counts`; each segment
    wide enough carries its number. Nothing when there is nothing to draw."""
    total = sum(counts.values())
    if total <= 0:
        return Markup("")
    parts = []
    start = 0.0
    for status, number in counts.items():
        if not number:
            continue
        width = number / total * 100
        parts.append(f'<rect class="chart-segment chart-{escape(status)}" x="{_percent(start)}" y="1" '
                     f'width="{_percent(width)}" height="{BAR_HEIGHT - 2}"/>')
        # A number needs about 2.5 % of a phone's width per digit; narrower segments are
        # still named with their number in the title and in the list beside the bar.
        if width >= 2.5 * len(str(number)) + 2:
            parts.append(f'<text class="chart-label chart-label-{escape(status)}" x="{_percent(start + width / 2)}" '
                         f'y="19" text-anchor="middle">{int(number)}</text>')
        start += width
    return _svg("status-bar", title, BAR_HEIGHT, parts)


def count_parts(counts: Mapping[str, int], label: Callable[[str], str], separator: str) -> str:
    """'In progress 4, Completed 23, Not reported this round 1': the statuses present, in order."""
    return separator.join(f"{label(status)} {number}" for status, number in counts.items() if number)


def rate_bar(rate: float, title: str) -> Markup:
    """A completion rate (0-100) as a bar on a full-width track."""
    shown = min(max(rate, 0.0), 100.0)
    return _svg("rate-bar", title, 18, [
        '<rect class="chart-track" x="0" y="1" width="100%" height="16"/>',
        f'<rect class="chart-completed" x="0" y="1" width="{_percent(shown)}" height="16"/>',
    ])


def target_bar(done: float, planned: float, title: str, planned_label: str) -> Markup:
    """A target's completion: the planned amount is a marked line, and what was done beyond
    it is drawn past the line in a second, hatched-looking tone, so 280 % shows as such
    rather than as a full bar."""
    if planned <= 0 or done < 0:
        return Markup("")
    scale = max(done, planned)
    planned_at = planned / scale * 100
    done_at = done / scale * 100
    parts = [f'<rect class="chart-track" x="0" y="1" width="{_percent(planned_at)}" height="18"/>']
    within = min(done_at, planned_at)
    if within > 0:
        parts.append(f'<rect class="chart-completed" x="0" y="1" width="{_percent(within)}" height="18"/>')
    if done_at > planned_at:
        parts.append(f'<rect class="chart-over" x="{_percent(planned_at)}" y="1" '
                     f'width="{_percent(done_at - planned_at)}" height="18"/>')
    anchor = "end" if planned_at > 85 else "middle" if planned_at > 15 else "start"
    x = _percent(planned_at)
    parts.append(f'<line class="chart-mark" x1="{x}" y1="0" x2="{x}" y2="24"/>'
                 f'<text class="chart-note" x="{x}" y="38" text-anchor="{anchor}">{escape(planned_label)}</text>')
    return _svg("target-bar", title, TARGET_HEIGHT, parts)


def history_marks(steps: Iterable) -> list[tuple[str, str]]:
    """(round title, status) for each step of a project's history; a round that did not
    report it is marked not reported."""
    return [(step.round.title, step.entry.status if step.reported else NOT_REPORTED) for step in steps]


def timeline_strip(marks: list[tuple[str, str]], title: str) -> Markup:
    """One mark per round, oldest first, filled by status and carrying the status's glyph."""
    if not marks:
        return Markup("")
    width = 100 / len(marks)
    parts = []
    for index, (_round_title, status) in enumerate(marks):
        parts.append(f'<rect class="chart-segment chart-{escape(status)}" x="{_percent(index * width)}" y="1" '
                     f'width="{_percent(width)}" height="{TIMELINE_HEIGHT - 2}"/>')
        if width >= 4:
            parts.append(f'<text class="chart-label chart-label-{escape(status)}" '
                         f'x="{_percent(index * width + width / 2)}" y="18" '
                         f'text-anchor="middle">{escape(STATUS_GLYPHS.get(status, ""))}</text>')
    return _svg("timeline-strip", title, TIMELINE_HEIGHT, parts)


TEMPLATE_GLOBALS = {
    "status_bar": status_bar,
    "count_parts": count_parts,
    "rate_bar": rate_bar,
    "target_bar": target_bar,
    "history_marks": history_marks,
    "timeline_strip": timeline_strip,
}
