"""Progress text: Markdown in, HTML that is safe to put on a page out.

Staff may format (lists, emphasis, links) but never inject. Raw HTML is not
interpreted: it is shown as the text staff typed, so no word is lost. Images
become their description, since nothing may load from outside the site. The
result then passes an allow-list sanitizer (Ammonia, via nh3) so that no
`javascript:` or `data:` link, event handler or stray tag reaches a page,
whatever the Markdown library lets through.
"""

from __future__ import annotations

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


@lru_cache(maxsize=65536)
def render_markdown(text: str) -> Markup:
    _converter.reset()
    html = _converter.convert(text)
    clean = nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES,
                      url_schemes=_URL_SCHEMES, link_rel="noopener noreferrer nofollow")
    return Markup(clean)


@lru_cache(maxsize=65536)
def plain_text(text: str) -> str:
    """The words of a Markdown text without its formatting, for excerpts and data."""
    return nh3.clean(str(render_markdown(text)), tags=set()).replace("&amp;", "&").replace(
        "&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#39;", "'")
