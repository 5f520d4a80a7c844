"""Progress text: Markdown in, HTML that is safe to put on a page out.

Staff may format (lists, emphasis, links) but never inject. Raw HTML is not
interpreted: it is shown as the text staff typed, so no word is lost. Images
become their description, since nothing may load from outside the site. The
result then passes an allow-list sanitizer (Ammonia, via nh3) so that no
`javascript:` or `data:` link, event handler or stray tag reaches a page,
whatever the Markdown library lets through.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.etree import ElementTree

import markdown
import nh3
from markupsafe import Markup

_ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "em", "strong", "code", "pre", "blockquote", "a", "span"}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}


class _ImagesToText(markdown.treeprocessors.Treeprocessor):
    def run(self, root: ElementTree.Element) -> None:
        for element in root.iter():
            if element.tag == "img":
                description = element.get("alt", "")
                element.tag = "span"
                element.attrib.clear()
                element.text = description


class _SafeMarkdown(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_ImagesToText(md), "images_to_text", 0)


def _new_converter() -> markdown.Markdown:
    # nl2br: staff break lines on purpose; between Chinese characters a
    # soft line break would otherwise render as a stray space.
    return markdown.Markdown(extensions=[_SafeMarkdown(), "nl2br", "sane_lists"], output_format="html")


_converter = _new_converter()


# One line of text with nothing Markdown or HTML would act on: no inline markup
# characters, nothing a block could start with, no character the sanitizer would
# rewrite. Most progress text staff write is such a line; it becomes one paragraph
# as is, which is what Markdown and the sanitizer make of it, without their cost
# (tests/test_markup.py checks the two agree).
_INERT_LINE = re.compile("[^\\\\`*_\\[\\]!<>&#~|\\s\u00a0\u2028\u2029\x00-\x1f\x7f]"
                         "[^\\\\`*_\\[\\]!<>&\\n\\r\\t\\v\\f\u00a0\u2028\u2029\x85\x00-\x1f\x7f]*")
_BLOCK_START = re.compile(r"[-+=]|\d+[.)](\s|$)")


def _inert_line(text: str) -> str | None:
    """The line, if text is one inert line (see _INERT_LINE) and a final line break."""
    line = text[:-1] if text.endswith("\n") else text
    if _INERT_LINE.fullmatch(line) and line == line.strip() and not _BLOCK_START.match(line):
        return line
    return None


@lru_cache(maxsize=65536)
def render_markdown(text: str) -> Markup:
    line = _inert_line(text)
    if line is not None:
        return Markup(f"<p>{line}</p>")
    _converter.reset()
    html = _converter.convert(text)
    clean = nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES,
                      url_schemes=_URL_SCHEMES, link_rel="noopener noreferrer nofollow")
    return Markup(clean)


@lru_cache(maxsize=65536)
def plain_text(text: str) -> str:
    """The words of a Markdown text without its formatting, for excerpts and data."""
    line = _inert_line(text)
    if line is not None:
        return line
    return nh3.clean(str(render_markdown(text)), tags=set()).replace("&amp;", "&").replace(
        "&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#39;", "'")
