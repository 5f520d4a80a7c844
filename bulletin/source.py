"""Reading YAML that staff wrote by hand, keeping a location for every value.

PyYAML alone would lose what we need: it keeps the last of two duplicate keys
(silently dropping staff's text), turns `NO` into False, accepts arbitrary
tags, and forgets where each value came from. So we compose the node graph
(PyYAML's C parser when available) and construct plain Python values
ourselves, recording where each key and value starts.
"""

from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .messages import N_, _, ngettext
from .problems import ContentError, Location, Problem

try:  # the C parser is several times faster; the pure one behaves the same
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

# Scalars staff may write. Anything else (!!python/object, !!binary, custom
# tags, merge keys) is refused rather than guessed at.
_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

# Aliases may repeat a value, but a few lines must not expand into millions
# of values ("billion laughs"). Every value built through an alias counts,
# scalars included: a wide bomb (one long list repeated thousands of times)
# is as slow as a deep one.
_MAX_ALIAS_EXPANSION = 10_000

# As in schema.py: a file of thousands of mistakes lists its first hundred.
_MAX_LISTED_PROBLEMS = 100

# A unit's list of 1,000 projects is about 0.5 MB. Anything far larger is a
# wrong file (a pasted export, an image), refused before it costs time and
# memory: parsing costs a few hundred bytes of memory per value.
MAX_FILE_BYTES = 2_000_000

# No file staff write nests deeper than a few levels. libyaml composes
# recursively and crashes the interpreter (segfault, no message) somewhere
# past 20,000 levels, and our builder recurses too, so depth is checked first.
_MAX_DEPTH = 100

# YAML's own line breaks, so our line numbers agree with its marks.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")

# Characters YAML refuses (PyYAML's Reader.NON_PRINTABLE). Found ourselves
# rather than from the ReaderError: libyaml reports a byte offset, which is
# not a character position once the text holds Chinese.
_FORBIDDEN = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")

# Spaces that look like indentation but are not, to YAML. Chinese input
# methods type U+3000; text pasted from Word or web pages brings U+00A0.
_ODD_SPACES = {
    "\t": N_("tab character"),
    "\u3000": N_("full-width space (U+3000)"),
    "\u00a0": N_("non-breaking space (U+00A0)"),
}

_SCALAR_CONSTRUCTOR = yaml.constructor.SafeConstructor()



@dataclass
class SourceDocument:
    """A parsed file: plain data plus where each part of it was written."""

    display_path: str
    data: Any
    value_marks: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    # The text as written, for scalars YAML did not read as text (NO -> False,
    # 010 -> 8, 2021-08-24 -> a date), so messages and ids can use what staff typed.
    raw_scalars: dict[tuple, str] = field(default_factory=dict)
    sha256: str = ""  # of the file's bytes, for the ledger of published rounds
    # Problems that did not stop reading (a '<<' merge key, left out): the schema
    # check reports them with the file's other problems (schema.check_document).
    problems: list[Problem] = field(default_factory=list)

    def raw(self, path: tuple) -> str | None:
        return self.raw_scalars.get(tuple(path))

    def where(self, path: tuple = (), *, key: bool = False) -> Location:
        """Where the value at `path` (or its key) starts; else its nearest parent."""
        marks = self.key_marks if key else self.value_marks
        probe = tuple(path)
        while True:
            if probe in marks:
                line, column = marks[probe]
                return Location(self.display_path, line, column)
            if probe in self.value_marks:
                line, column = self.value_marks[probe]
                return Location(self.display_path, line, column)
            if not probe:
                return Location(self.display_path, 1, 1)
            probe = probe[:-1]


def display_path(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def read_yaml_file(path: Path, root: Path) -> SourceDocument:
    """Read and parse one file; raise ContentError with located problems."""
    shown = display_path(path, root)

    def refuse(message: str) -> ContentError:
        return ContentError([Problem(Location(shown, 1, 1), "", message)])

    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise refuse(_("a folder where a file is expected"))
        if not stat.S_ISREG(mode):  # a device such as /dev/zero never ends; a pipe never starts
            raise refuse(_("not an ordinary file (a device, a pipe or a socket); content files are plain text files"))
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)  # never more, whatever the size claimed
    except OSError as error:
        raise refuse(_("cannot read file: {reason}", reason=error.strerror or error)) from None
    if len(raw) > MAX_FILE_BYTES:
        size = path.stat().st_size
        raise refuse(_("file is {size} MB; a content file is at most {limit} MB "
                       "(a unit's list of 1,000 projects is about 0.5 MB): is this the right file?",
                       size=f"{size / 1e6:.1f}", limit=MAX_FILE_BYTES // 1_000_000))
    document = parse_yaml(raw, shown)
    document.sha256 = hashlib.sha256(raw).hexdigest()
    return document


def decode_text(raw: bytes, shown: str) -> str:
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        raise ContentError([Problem(Location(shown, 1, 1), "",
                                    _("file is UTF-16 (what Notepad calls 'Unicode'), not UTF-8; "
                                      "save it with encoding UTF-8"))])
    if raw.startswith(b"\xef\xbb\xbf"):  # the BOM Windows editors add is harmless
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        start = error.start
        line_start = raw.rfind(b"\n", 0, start) + 1
        looks_gbk = False
        try:
            raw.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            looks_gbk = True
            # GBK bytes can pass for UTF-8 for a character or two (路 is C2 B7, a
            # valid pair), so the decoder trips later on the line than the text
            # that is wrong; that text starts at the line's first non-ASCII byte.
            start = next(i for i in range(line_start, start + 1) if raw[i] >= 0x80)
        line = raw.count(b"\n", 0, start) + 1
        column = len(raw[line_start:start].decode("utf-8", errors="replace")) + 1
        byte = f"0x{raw[start]:02x}"
        if looks_gbk:
            message = _("file is not UTF-8 (byte {byte}); it looks like GBK/GB18030 (the usual encoding of "
                        "Chinese Windows); open it in your editor and save it with encoding UTF-8", byte=byte)
        else:
            message = _("file is not UTF-8 (byte {byte}); save it as UTF-8", byte=byte)
        raise ContentError([Problem(Location(shown, line, column), "", message)])


def parse_yaml(raw: bytes, shown: str) -> SourceDocument:
    text = decode_text(raw, shown)
    forbidden = _forbidden_characters(text, shown)
    if forbidden:
        raise ContentError(forbidden)
    try:
        _check_depth(text, shown)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        raise ContentError(_syntax_problems(error, text, shown))
    except yaml.YAMLError as error:  # pragma: no cover - the characters were checked above
        raise ContentError([Problem(Location(shown, 1, 1), "", _("cannot read YAML: {error}", error=error))])
    document = SourceDocument(shown, None)
    if root is None:
        return document
    builder = _Builder(document)
    document.data = builder.build(root, ())
    if builder.problems:
        more = [Problem(Location(shown, 1, 1), "", ngettext(
            "and {count} more problem in this file; fix these first, then check again",
            "and {count} more problems in this file; fix these first, then check again",
            builder.unlisted))] if builder.unlisted else []
        raise ContentError(builder.problems + more)
    return document


def _forbidden_characters(text: str, shown: str) -> list[Problem]:
    problems = []
    for match in _FORBIDDEN.finditer(text):
        line, column = _line_column(text, match.start())
        problems.append(Problem(Location(shown, line, column), "",
                                _("invisible control character {code} (often pasted from Word or a web page), "
                                  "which YAML does not allow; delete it", code=f"U+{ord(match.group()):04X}")))
    return problems


def _line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of text[index], counting line breaks as YAML does."""
    line, start = 1, 0
    for match in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, match.end()
    return line, index - start + 1


def _check_depth(text: str, shown: str) -> None:
    # A level of nesting opens either in flow style (a bracket) or in block style: on a new line,
    # indented deeper than its parent or (a list under a key) as deep, or on its parent's line after
    # an indicator ("- ", "? ", ": "). So the depth is at most twice the deepest indentation plus the
    # indicators on one line plus every bracket: a unit file (indented a few spaces, a bracket or
    # two) is far from the limit without being parsed twice; only the others are walked event by event.
    if sum(text.count(c) for c in "[{-:?") < _MAX_DEPTH or _depth_bound(text) < _MAX_DEPTH:
        return
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _MAX_DEPTH:
                mark = event.start_mark
                raise ContentError([Problem(Location(shown, mark.line + 1, mark.column + 1), "",
                                            _("values are nested more than {limit} levels deep",
                                              limit=_MAX_DEPTH))])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


_INDICATORS = re.compile(r"(?:^|[ \t])[-?:](?=[ \t]|$)")


def _depth_bound(text: str) -> int:
    deepest_indent = indicators = 0
    for line in _LINE_BREAK.split(text):
        stripped = line.lstrip(" \t")
        deepest_indent = max(deepest_indent, len(line) - len(stripped))
        indicators = max(indicators, len(_INDICATORS.findall(stripped)))
    return 2 * (deepest_indent + 1) + indicators + 1 + text.count("[") + text.count("{")


def _syntax_problems(error: yaml.MarkedYAMLError, text: str, shown: str) -> list[Problem]:
    lines = _LINE_BREAK.split(text)
    marks = [m for m in (error.problem_mark, error.context_mark) if m is not None]
    odd = _odd_indentation(lines, {m.line + 1 for m in marks}, shown)
    if odd:  # the usual cause, and YAML's own message does not say so
        return odd
    mark, message = _explain_syntax_error(error, lines)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return [Problem(Location(shown, line, column), "", message)]


def _explain_syntax_error(error: yaml.MarkedYAMLError, lines: list[str]):
    """(the mark staff should look at, a message in their terms) for one error; each
    message is whole ("YAML syntax error: ..."), so that it translates as one sentence.

    libyaml's wording ("did not find expected key") describes the parser's
    state, not the mistake; each rule below maps one family of messages (the
    pure-Python parser's wording too) to the mistake that causes it in
    practice, and points at where that mistake was written, which is often
    the error's context mark rather than where the parser gave up."""
    problem = (error.problem or "").strip()
    context = (error.context or "").strip()
    problem_mark = error.problem_mark or error.context_mark
    context_mark = error.context_mark or error.problem_mark
    if problem_mark is None:
        return None, _parser_words(context, problem)

    def text_at(mark) -> str:
        return lines[mark.line] if mark and mark.line < len(lines) else ""

    if "quoted scalar" in context and ("end of stream" in problem or "document" in problem):
        line = text_at(context_mark)
        quote = line[context_mark.column] if context_mark.column < len(line) else '"'
        return context_mark, _("YAML syntax error: the quote {quote} that starts here is never closed; "
                               "add a closing {quote} at the end of the value", quote=quote)
    if "quoted scalar" in context and ("escape" in problem or "hex" in problem):
        line = text_at(problem_mark)  # the parsers stop at or just after the backslash
        backslash = line.rfind("\\", 0, problem_mark.column + 1)
        mark = _Mark(problem_mark.line, backslash) if backslash >= 0 else problem_mark
        return mark, _("YAML syntax error: inside double quotes '\\' starts an escape; use single quotes "
                       "around a value that holds '\\'")
    if "simple key" in context and "expected ':'" in problem:
        line = text_at(context_mark)
        if "：" in line:
            name = line.split("：")[0].strip(" -")
            return context_mark, _("YAML syntax error: full-width colon '：' after '{name}'; write an "
                                   "ordinary ':' followed by a space: '{name}: ...'", name=name)
        written = re.match(r"\s*(?:- )?([^\s:#]+):(\S)", line)
        if written:
            return context_mark, _("YAML syntax error: put a space after the ':' of '{name}' "
                                   "(write '{name}: ...')", name=written.group(1))
        return context_mark, _("YAML syntax error: this line is not 'name: value'; to continue the text of "
                               "the line above, indent it further, or write '|' after the field name and "
                               "indent every line of the text below it")
    if "block sequence entries are not allowed" in problem:  # `location: -`
        return problem_mark, _("YAML syntax error: a '-' right after a field's ':' starts a list; to write "
                               "a dash as the value, put it in quotes ('-'), or leave the field out")
    if "mapping values are not allowed" in problem:
        line = text_at(problem_mark)
        before = line[:problem_mark.column]
        previous = next((lines[n] for n in range(problem_mark.line - 1, -1, -1)
                         if lines[n].strip() and not lines[n].lstrip().startswith("#")), "")
        indent = len(before) - len(before.lstrip(" "))
        if (before.strip() and " " not in before.strip()
                and indent > len(previous) - len(previous.lstrip(" -"))):
            return (_Mark(problem_mark.line, indent),
                    _("YAML syntax error: this line is indented more than the field above it; the fields "
                      "of one entry must start in the same column"))
        return problem_mark, _("YAML syntax error: ':' followed by a space inside an unquoted value; put the "
                               "whole value in quotes, or write the colon as full-width '：'")
    if ("expected key" in problem or "expected '-' indicator" in problem
            or problem.startswith("expected <block end>")):
        if re.match(r"\s*-(\s|$)", text_at(problem_mark)):
            return problem_mark, _("YAML syntax error: a '- ' list entry among the fields of an entry; only "
                                   "the entries of a list start with '- ': remove it, or check the indentation")
        return problem_mark, _("YAML syntax error: this line is not indented like the lines above it; the "
                               "fields of one entry must start in the same column")
    if "cannot start any token" in problem:
        line = text_at(problem_mark)
        character = line[problem_mark.column] if problem_mark.column < len(line) else "?"
        return problem_mark, _("YAML syntax error: a value cannot start with '{character}'; put the whole "
                               "value in quotes", character=character)
    if "alias" in context or "anchor" in context or "undefined alias" in problem:
        mark = error.context_mark if "alias" in context or "anchor" in context else problem_mark
        line = text_at(mark)
        character = line[mark.column] if mark.column < len(line) else "*"
        return mark, _("YAML syntax error: a value cannot start with '{character}' (YAML reads it as an "
                       "alias or anchor); put the whole value in quotes", character=character)
    if "flow mapping" in context or "flow sequence" in context:
        opening, closing = ("{", "}") if "mapping" in context else ("[", "]")
        return context_mark, _("YAML syntax error: the '{opening}' that starts here is not closed with "
                               "'{closing}' (or a ',' is missing between its entries)",
                               opening=opening, closing=closing)
    if "single document" in context or "another document" in problem:
        return problem_mark, _("YAML syntax error: '---' starts a second document; a file holds one: "
                               "remove the line")
    if "block scalar" in context:
        return problem_mark, _("YAML syntax error: after '|' or '>' only a comment may follow on the same "
                               "line; start the text on the next line, indented")
    return problem_mark, _parser_words(context, problem)


def _parser_words(context: str, problem: str) -> str:
    """A mistake none of the rules above recognises, in the parser's own (English) words."""
    detail = f"{context} {problem}".strip()
    if not detail:
        return _("YAML syntax error: invalid YAML")
    return _("YAML syntax error: {detail}", detail=detail)


@dataclass(frozen=True)
class _Mark:
    line: int  # 0-based, like yaml.Mark
    column: int


def _odd_indentation(lines: list[str], error_lines: set[int], shown: str) -> list[Problem]:
    """Every line indented with tabs or look-alike spaces, when one of them is
    where (or just above where) parsing failed. Elsewhere they may be harmless,
    e.g. a U+3000 that starts a paragraph inside a block of text."""
    found = []
    for number, line in enumerate(lines, start=1):
        indent = re.match(r"[ \t\u3000\u00a0]*", line).group()
        odd = next((i for i, c in enumerate(indent) if c != " "), None)
        if odd is not None and line[len(indent):].strip():
            found.append((number, odd + 1, indent[odd]))
    if not any(number in error_lines or number + 1 in error_lines for number, _column, _space in found):
        return []
    return [Problem(Location(shown, number, column), "",
                    _("{space} in indentation; YAML indents with ordinary spaces only", space=_(_ODD_SPACES[c])))
            for number, column, c in found]


class _Builder:
    """Turns composed nodes into dicts, lists and scalars, recording marks."""

    def __init__(self, document: SourceDocument):
        self.document = document
        self.problems: list[Problem] = []
        self.unlisted = 0  # problems past _MAX_LISTED_PROBLEMS
        self.seen: set[int] = set()
        self.building: set[int] = set()  # collections being built: an alias to one is a cycle
        self.expanded = 0  # values built through aliases
        self.repeating: tuple | None = None  # path of the outermost alias being expanded

    def _problem(self, node: yaml.Node | None, path: tuple, message: str) -> None:
        if node is None:  # an alias, whose own position the composer does not keep
            location = self.document.where(path)
        else:
            location = Location(self.document.display_path, node.start_mark.line + 1,
                                node.start_mark.column + 1)
        if len(self.problems) >= _MAX_LISTED_PROBLEMS:  # a file of thousands of mistakes: the first ones
            self.unlisted += 1
            return
        self.problems.append(Problem(location, format_path(path), message))

    def build(self, node: yaml.Node, path: tuple) -> Any:
        if id(node) in self.building:
            self._problem(None, path[:-1], _("an alias (*name) here repeats the value that contains it, "
                                             "which would never end; write the value out"))
            return None
        repeat = id(node) in self.seen
        self.seen.add(id(node))
        if repeat or self.repeating is not None:
            self.expanded += 1
            if self.expanded > _MAX_ALIAS_EXPANSION:
                start = (self.repeating or path)[:-1]
                self._problem(None, start, _("aliases (*name) here expand into more than {limit} values; "
                                             "write the values out", limit=_MAX_ALIAS_EXPANSION))
                raise ContentError(self.problems)
        # A repeated value is located where its anchor wrote it: that is where to fix it.
        self.document.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _ALLOWED_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self._problem(node, path, _("YAML tag '{tag}' is not allowed here; write plain text", tag=tag))
            return None
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        outermost = repeat and self.repeating is None
        if outermost:
            self.repeating = path
        self.building.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        finally:
            self.building.discard(id(node))
            if outermost:
                self.repeating = None

    def _scalar(self, node: yaml.ScalarNode, path: tuple) -> Any:
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        if node.tag in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self._problem(node, path, _("YAML tag '{tag}' is not allowed here; write plain text", tag=tag))
            return None
        self.document.raw_scalars[path] = node.value
        try:
            return _construct_scalar(node)
        except Exception:  # noqa: BLE001 - PyYAML raises anything from ValueError to KeyError here
            # 2021-02-30 looks like a date but is none, `!!bool 完成` is no boolean: keep
            # the text as written, and the schema says what was expected.
            return node.value

    def _mapping(self, node: yaml.MappingNode, path: tuple) -> dict:
        result: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                # Left out, so the file's other problems are still found and listed with this one.
                mark = key_node.start_mark
                self.document.problems.append(Problem(
                    Location(self.document.display_path, mark.line + 1, mark.column + 1), format_path(path),
                    _("'<<' (merging in fields from an alias) is not supported; write the fields out")))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, path, _("only plain names may be used as keys"))
                continue
            key = key_node.value
            child = path + (key,)
            odd = next((c for c in key if c in _ODD_SPACES), None)
            if odd:  # reported under its parent: the key itself would show as blank
                self._problem(key_node, path, _("{space} in the name '{name}' (or in its indentation); use "
                                                "ordinary spaces only", space=_(_ODD_SPACES[odd]),
                                                name=key.strip()))
                continue
            if key in result:
                first_line, first_column = self.document.key_marks[child]
                self._problem(key_node, child,
                              _("duplicate key '{key}' (first written at line {line}, column {column}); YAML "
                                "would silently keep only the last one", key=key, line=first_line,
                                column=first_column))
                continue
            self.document.key_marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, child)
        return result


def _construct_scalar(node: yaml.ScalarNode) -> Any:
    constructor = _SCALAR_CONSTRUCTOR.yaml_constructors[node.tag]
    return constructor(_SCALAR_CONSTRUCTOR, node)


def format_path(path: tuple) -> str:
    """("projects", 2, "status") -> "projects[2].status"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text
