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

from .messages import _

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


class _LinearInlineProcessor(markdown.treeprocessors.InlineProcessor):
    """Python-Markdown's inline pass, resuming after each match instead of from the start.

    Upstream searches the whole paragraph again after every match it replaces, so a
    paragraph of n characters with m matches costs n * m: 5,000 code spans in one
    paragraph take seconds, and each unclosed '[' before them is scanned to the end
    again for every link after it (minutes). Positions before a match had no match
    when they were searched, and the placeholder that replaces the match holds no
    Markdown character, so resuming after it finds the same matches
    (tests/test_markup.py compares the two on random text)."""

    def _InlineProcessor__applyPattern(self, pattern, data, patternIndex, startIndex=0):
        for exclude in pattern.ANCESTOR_EXCLUDES:
            if exclude.lower() in self.ancestors:
                return data, False, 0
        if not isinstance(pattern, markdown.inlinepatterns.InlineProcessor):  # pragma: no cover
            return super()._InlineProcessor__applyPattern(pattern, data, patternIndex, startIndex)
        match = None
        for match in pattern.getCompiledRegExp().finditer(data, startIndex):
            node, start, end = pattern.handleMatch(match, data)
            if start is None or end is None:
                match = None
                continue
            break
        if not match:
            return data, False, 0
        if node is None:
            return data, True, end
        if not isinstance(node, str) and not isinstance(node.text, markdown.util.AtomicString):
            for child in [node] + list(node):
                if child.text:
                    self.ancestors.append(child.tag.lower())
                    child.text = self._InlineProcessor__handleInline(child.text, patternIndex + 1)
                    self.ancestors.pop()
                if child.tail:
                    child.tail = self._InlineProcessor__handleInline(child.tail, patternIndex)
        placeholder = self._InlineProcessor__stashNode(node, pattern.type())
        # The one case where a position already searched can match now: the rest of a
        # run of the same character, as in `**x*`, whose first '*' opens an <em> once
        # `*x*` has become a placeholder. Upstream finds it by starting over; going back
        # over that run (at most '***', the longest emphasis marker) finds it too.
        resume = start
        while resume > max(0, start - 3) and data[resume - 1] == data[start]:
            resume -= 1
        return f"{data[:start]}{placeholder}{data[end:]}", True, resume


class _SafeMarkdown(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_LinearInlineProcessor(md), "inline", 20)
        md.treeprocessors.register(_ImagesToText(md), "images_to_text", 0)


@lru_cache(maxsize=1)
def _converter() -> markdown.Markdown:
    """Made when first needed (a rebuild with nothing to render never needs it), then reused."""
    # nl2br: staff break lines on purpose; between Chinese characters a
    # soft line break would otherwise render as a stray space.
    return markdown.Markdown(extensions=[_SafeMarkdown(), "nl2br", "sane_lists"], output_format="html")


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


# Limits on the few Markdown constructs whose cost grows faster than the text
# (measured at 20,000 characters, the longest progress text allowed): past them a
# build would take minutes, or crash. Each is far beyond what prose needs, and is
# checked before anything is built (see markdown_problem).
MAX_BACKTICK_RUN = 10  # cost is cubic in a run's length: 2,000 backticks take 28 s
# Each '[' or '](' is read up to its closing bracket, or to the end of its paragraph
# when there is none: so many open at once cost time squared.
MAX_OPEN_BRACKETS = 10
MAX_NESTING = 20  # lists and quotes nest by recursion, which overflows past a few hundred levels

_BLANK_LINE = re.compile(r"[ \t]*")
_BLOCK_MARKER = re.compile(r"[ \t]*(?:>|[*+-](?=[ \t])|\d+[.)](?=[ \t]))")


def markdown_problem(text: str) -> str | None:
    """What in the Markdown text would make rendering it slow or impossible, said
    with its line and column in the text, or None; linear in the text's length."""
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        problem = _nesting_problem(line)
        if problem:
            return _("line {line} of the text: {problem}", line=number, problem=problem)
    paragraph: list[tuple[int, str]] = []
    for number, line in enumerate(lines + [""], start=1):
        if _BLANK_LINE.fullmatch(line):
            problem = _paragraph_problem(paragraph) if paragraph else None
            if problem:
                return problem
            paragraph = []
        else:
            paragraph.append((number, line))
    return None


def _nesting_problem(line: str) -> str | None:
    """Lists and quotes opened at the start of one line, each indentation by 4 counting as one."""
    depth, position, width = 0, 0, 0
    while True:
        marker = _BLOCK_MARKER.match(line, position)
        if not marker:
            break
        depth += 1
        position = marker.end()
    spaces = re.match(r"[ \t]*", line)
    width = len(spaces.group().expandtabs(4))
    if depth + width // 4 > MAX_NESTING:
        return _("lists or quotes nested more than {limit} levels deep; write the text with fewer '-', '>' or "
                 "'1.' in front and less indentation", limit=MAX_NESTING)
    return None


def _paragraph_problem(paragraph: list[tuple[int, str]]) -> str | None:
    """Backtick runs, and '[' and '](' open (nested, or never closed) many at once, in one paragraph: what
    Markdown reads as one text, from the first line after a blank line to the next blank one."""
    text = "\n".join(line for _number, line in paragraph)
    if (text.count("[") <= MAX_OPEN_BRACKETS and text.count("](") <= MAX_OPEN_BRACKETS
            and "`" * (MAX_BACKTICK_RUN + 1) not in text):
        return None  # too few of each to reach a limit: nearly every paragraph, without a walk
    where = [(number, column) for number, line in paragraph for column in range(1, len(line) + 2)]

    def at(index: int) -> str:
        return _("line {line}, column {column} of the text", line=where[index][0], column=where[index][1])

    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", text)]
    for start, end in runs:
        if end - start > MAX_BACKTICK_RUN:
            return _("{where}: {count} backticks (`) in a row; at most {limit} may stand together (Markdown reads "
                     "them as the start of code): remove some", where=at(start), count=end - start,
                     limit=MAX_BACKTICK_RUN)
    # Code, from a run of backticks to the next run as long, is not read for links.
    code_end: dict[int, int] = {}
    next_run: dict[int, int] = {}  # length -> index into runs of the next run that long
    for index in range(len(runs) - 1, -1, -1):
        start, end = runs[index]
        length = end - start
        if length in next_run:
            code_end[start] = runs[next_run[length]][1]
        next_run[length] = index
    brackets: list[int] = []  # where each open '[' is
    parens: list[tuple[int, bool]] = []  # where each open '(' is, and whether it follows ']'
    links = 0  # open '(' that follow ']'
    index = 0
    while index < len(text):
        character = text[index]
        if character == "\\":
            index += 2
            continue
        if character == "`":
            run_end = index
            while run_end < len(text) and text[run_end] == "`":
                run_end += 1
            index = code_end.get(index, run_end)
            continue
        if character == "[":
            brackets.append(index)
            if len(brackets) > MAX_OPEN_BRACKETS:
                return _("{where}: more than {limit} '[' are open here (nested, or never closed by ']'); close "
                         "each link's text with ']', or write brackets that are not links as \\[ or as full-width "
                         "【】", where=at(index), limit=MAX_OPEN_BRACKETS)
        elif character == "]" and brackets:
            brackets.pop()
        elif character == "(":
            opens_link = index > 0 and text[index - 1] == "]"
            parens.append((index, opens_link))
            links += opens_link
            if opens_link and links > MAX_OPEN_BRACKETS:
                return _("{where}: more than {limit} link addresses ('](') are open here (nested, or never closed "
                         "by ')'); close each link's address with ')'", where=at(index - 1), limit=MAX_OPEN_BRACKETS)
        elif character == ")" and parens:
            links -= parens.pop()[1]
        index += 1
    return None


@lru_cache(maxsize=65536)
def render_markdown(text: str) -> Markup:
    line = _inert_line(text)
    if line is not None:
        return Markup(f"<p>{line}</p>")
    converter = _converter()
    converter.reset()
    html = converter.convert(text)
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
