"""The QR code printed at the foot of a unit's list, opening the page's own address.

Made at build time as inline SVG (segno), so a printed notice needs no script and no
request. Only for an address base_url gives: an address is never invented.

segno chooses the best of eight masks for each code, which is most of its cost (about
4 ms a code: 48 s of CPU for a province's 12,000 pages on the 2-core bench machine, and
every unit's pages are rendered again when site.yaml or a template changes). So a build
keeps each code in its cache folder (QrCodes, folder given by output.OutputFolder), one
small file per address, and reads it back instead of making it again; the same address
always gives the same bytes either way.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import segno
from markupsafe import Markup

from .files import write_whole

ERROR_CORRECTION = "M"  # ~15 % of the code may be lost: a worn or folded notice still scans
QUIET_ZONE = 4  # modules of white border, as the standard asks of a QR code
SVG_CLASS = "qr-code"


@lru_cache(maxsize=16384)
def qr_svg_body(url: str) -> str:
    """The code's SVG for HTML5: no XML declaration, no namespace, no size (CSS sizes it
    by its viewBox), one path of dark modules. Deterministic for a given url."""
    code = segno.make(url, error=ERROR_CORRECTION, boost_error=False, micro=False)
    return code.svg_inline(border=QUIET_ZONE, omitsize=True, svgclass=SVG_CLASS, lineclass=None, dark="#000")


# What a stored code must look like to be used: the address it encodes on the first line (a
# damaged or foreign file is made again, never shown), then segno's SVG as qr_svg_body makes it.
_STORED = re.compile(r'<svg viewBox="0 0 (\d+) \1" class="qr-code"><path stroke="#000" d="[0-9Mmhv .-]+"/></svg>')


class QrCodes:
    """The printed pages' codes, by address: made once, then read from `folder` (None: made
    in every build, e.g. at a drive's root, where a build keeps no cache)."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder

    def body(self, url: str) -> str:
        if self.folder is None:
            return qr_svg_body(url)
        path = self.folder / f"{hashlib.sha256(url.encode('utf-8')).hexdigest()}.svg"
        try:
            stored_url, _, stored = path.read_text(encoding="utf-8").partition("\n")
            if stored_url == url and _STORED.fullmatch(stored):
                return stored
        except (OSError, UnicodeDecodeError):
            pass
        made = qr_svg_body(url)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_whole(path, [f"{url}\n{made}".encode("utf-8")])
        except OSError:
            pass  # a cache that cannot be written costs time on the next build, nothing else
        return made

    def page_svg(self, url: str, label: str) -> Markup:
        return page_qr_svg(url, label, self.body(url))


def page_qr_svg(url: str, label: str, body: str | None = None) -> Markup:
    """The code as an image with an accessible name (`label`, e.g. "QR code: <address>"),
    ready to put in a page."""
    body = body if body is not None else qr_svg_body(url)
    opening = "<svg "
    assert body.startswith(opening), body[:40]
    named = Markup('<svg role="img" aria-label="{label}" ').format(label=label)
    title = Markup("<title>{label}</title>").format(label=label)
    head, _, rest = body[len(opening):].partition(">")
    return named + Markup(head) + Markup(">") + title + Markup(rest)
